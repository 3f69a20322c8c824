//! Transport between two Connectors on our Backbone, all in this process on loopback:
//! messages sent and received per second, `GET /api/core/v1/Messages` latency with 10,000
//! stored messages next to `GET /health` measured in the same run, a 10 MiB file's upload
//! and download, and the process RSS idle and under load.
//!
//! Run: `cargo bench -p connector --bench transport`.

use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

const KEY: &str = "Bench-Key-0123456789-abcdefghIJKL!";
const MESSAGES: usize = 10_000;
const SENDERS: usize = 8;
const LIST_SAMPLES: usize = 40;
const HEALTH_SAMPLES: usize = 2_000;
const FILE_BYTES: usize = 10 * 1024 * 1024;
const FILE_ROUNDS: usize = 3;
const MIB: f64 = 1024.0 * 1024.0;

struct Node {
    running: connector::RunningConnector,
    _data: tempfile::TempDir,
    http: reqwest::Client,
}

impl Node {
    async fn start(backbone_url: &str) -> Self {
        let data = tempfile::tempdir().unwrap();
        let config = connector::config::load_from_value({
            let mut v = connector::config::defaults();
            connector::config::merge(&mut v, json!({
                "transportLibrary": {"baseUrl": backbone_url, "platformClientId": "test", "platformClientSecret": "test"},
                "database": {"folder": data.path().to_str().unwrap()},
                "logging": {"level": "warn"},
                "infrastructure": {"httpServer": {"port": 0, "host": "127.0.0.1",
                    "authentication": {"apiKey": {"keys": {"bench": {"key": KEY}}}}}}
            }));
            v
        })
        .unwrap();
        Self {
            running: connector::start(config).await.unwrap(),
            _data: data,
            http: reqwest::Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/core/v1{path}", self.running.base_url())
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self
            .http
            .request(method.clone(), self.url(path))
            .header("X-API-KEY", KEY);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let bytes = resp.bytes().await.expect("body");
        assert!(
            status.is_success(),
            "{method} {path}: {status} {}",
            String::from_utf8_lossy(&bytes)
        );
        if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice::<Value>(&bytes).expect("JSON")["result"].take()
        }
    }

    async fn sync(&self) {
        self.call(reqwest::Method::POST, "/Account/Sync", None)
            .await;
    }
}

/// The resident set of this process (Backbone, both Connectors and the client) in KiB.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// Samples the RSS every 20 ms while a phase runs; yields the peak.
struct RssPeak {
    peak: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl RssPeak {
    fn start() -> Self {
        let peak = Arc::new(AtomicU64::new(rss_kib()));
        let stop = Arc::new(AtomicBool::new(false));
        let (p, s) = (peak.clone(), stop.clone());
        let task = tokio::spawn(async move {
            while !s.load(Ordering::Relaxed) {
                p.fetch_max(rss_kib(), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        });
        Self { peak, stop, task }
    }

    async fn finish(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        self.task.await.unwrap();
        self.peak.fetch_max(rss_kib(), Ordering::Relaxed);
        self.peak.load(Ordering::Relaxed)
    }
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

fn in_minutes(m: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::minutes(m)).to_rfc3339()
}

/// A and B related through A's template, loaded by B from a token.
async fn relate(a: &Node, b: &Node) {
    use reqwest::Method as M;
    let template = a
        .call(
            M::POST,
            "/RelationshipTemplates/Own",
            Some(json!({"content": {"@type": "ArbitraryRelationshipTemplateContent", "value": {}}, "expiresAt": in_minutes(60)})),
        )
        .await;
    let token = a
        .call(
            M::POST,
            &format!(
                "/RelationshipTemplates/Own/{}/Token",
                template["id"].as_str().unwrap()
            ),
            Some(json!({})),
        )
        .await;
    let loaded = b
        .call(
            M::POST,
            "/RelationshipTemplates/Peer",
            Some(json!({"reference": token["reference"]["truncated"]})),
        )
        .await;
    b.call(
        M::POST,
        "/Relationships",
        Some(json!({"templateId": loaded["id"], "creationContent": {"@type": "ArbitraryRelationshipCreationContent", "value": {}}})),
    )
    .await;
    a.sync().await;
    let pending = a.call(M::GET, "/Relationships?status=Pending", None).await;
    let id = pending[0]["id"].as_str().expect("a pending relationship");
    a.call(
        M::PUT,
        &format!("/Relationships/{id}/Accept"),
        Some(json!({})),
    )
    .await;
    b.sync().await;
}

async fn latencies(
    client: &reqwest::Client,
    url: &str,
    key: Option<&str>,
    n: usize,
) -> Vec<Duration> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n + n / 10 {
        let mut req = client.get(url);
        if let Some(k) = key {
            req = req.header("X-API-KEY", k);
        }
        let t = Instant::now();
        let resp = req.send().await.expect("request");
        assert!(resp.status().is_success(), "{}", resp.status());
        resp.bytes().await.expect("body");
        // The first tenth warms caches and connections.
        if i >= n / 10 {
            out.push(t.elapsed());
        }
    }
    out.sort();
    out
}

async fn upload(node: &Node, content: Vec<u8>) -> Value {
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(content)
                .file_name("bench.bin")
                .mime_str("application/octet-stream")
                .unwrap(),
        )
        .text("expiresAt", in_minutes(60));
    let resp = node
        .http
        .post(node.url("/Files/Own"))
        .header("X-API-KEY", KEY)
        .multipart(form)
        .send()
        .await
        .expect("upload");
    let status = resp.status();
    let body: Value = resp.json().await.expect("JSON");
    assert_eq!(status.as_u16(), 201, "{body}");
    body["result"].clone()
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    use reqwest::Method as M;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let backbone_store: Arc<dyn store::Store> =
        Arc::new(store::sqlite::SqliteStore::open_in_memory().await.unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    // The Backbone's per-sender quota of unreceived messages (20) and its 10 MiB blob limit
    // (a 10 MiB file's JSON cipher is ~13.4 MiB) are raised so the Connectors are measured.
    let backbone_config = backbone::Config {
        max_unreceived_messages_per_sender: MESSAGES as u64,
        max_content_size: 16 * 1024 * 1024,
        sync_run_duration: Duration::from_secs(600),
        ..backbone::Config::default()
    };
    let bb = backbone::serve(backbone_config, backbone_store, listener)
        .await
        .unwrap();
    let a = Arc::new(Node::start(&bb.base_url()).await);
    let b = Node::start(&bb.base_url()).await;
    relate(&a, &b).await;
    let b_address = b.call(M::GET, "/Account/IdentityInfo", None).await["address"].clone();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let rss_idle = rss_kib();

    // Messages: A sends from several tasks at once, then B receives them all in its syncs.
    let peak = RssPeak::start();
    let started = Instant::now();
    let senders: Vec<_> = (0..SENDERS)
        .map(|s| {
            let (a, to) = (a.clone(), b_address.clone());
            tokio::spawn(async move {
                for i in (s..MESSAGES).step_by(SENDERS) {
                    a.call(
                        M::POST,
                        "/Messages",
                        Some(json!({"recipients": [to], "content": {"@type": "Mail", "to": [to], "subject": format!("Message {i}"), "body": "A benchmark message with a short body."}})),
                    )
                    .await;
                }
            })
        })
        .collect();
    for s in senders {
        s.await.unwrap();
    }
    let send_time = started.elapsed();
    let started = Instant::now();
    let mut received = 0;
    while received < MESSAGES {
        b.sync().await;
        received = b
            .call(M::GET, "/Messages?isOwn=false", None)
            .await
            .as_array()
            .map_or(0, Vec::len);
    }
    let receive_time = started.elapsed();
    let rss_messages = peak.finish().await;

    // Listing 10,000 stored messages against the cheapest route of the same server.
    let peak = RssPeak::start();
    let list = latencies(&b.http, &b.url("/Messages"), Some(KEY), LIST_SAMPLES).await;
    let list_bytes = b
        .http
        .get(b.url("/Messages"))
        .header("X-API-KEY", KEY)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .len();
    let rss_list = peak.finish().await;
    let health = latencies(
        &b.http,
        &format!("{}/health", b.running.base_url()),
        None,
        HEALTH_SAMPLES,
    )
    .await;

    // A 10 MiB file: A uploads it, B loads it by reference and downloads it from the Backbone.
    let peak = RssPeak::start();
    let content: Vec<u8> = (0..FILE_BYTES).map(|i| (i * 31 % 251) as u8).collect();
    let mut uploads = Vec::new();
    let mut downloads = Vec::new();
    for _ in 0..FILE_ROUNDS {
        let t = Instant::now();
        let file = upload(&a, content.clone()).await;
        uploads.push(t.elapsed());
        let id = file["id"].as_str().unwrap().to_owned();
        b.call(
            M::POST,
            "/Files/Peer",
            Some(json!({"reference": file["reference"]["truncated"]})),
        )
        .await;
        let t = Instant::now();
        let resp = b
            .http
            .get(b.url(&format!("/Files/{id}/Download")))
            .header("X-API-KEY", KEY)
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success(), "{}", resp.status());
        let got = resp.bytes().await.unwrap();
        downloads.push(t.elapsed());
        assert!(got.as_ref() == content.as_slice(), "the download differs");
    }
    let rss_files = peak.finish().await;
    uploads.sort();
    downloads.sort();

    println!("Transport benchmark: 2 Connectors + Backbone in one process, loopback HTTP\n");
    println!("{:<46} {:>12} {:>12}", "messages", "count", "per second");
    for (name, time) in [
        (
            format!("sent A -> B ({SENDERS} concurrent senders)"),
            send_time,
        ),
        ("received by B (sync)".to_owned(), receive_time),
    ] {
        println!(
            "{:<46} {:>12} {:>12.0}",
            name,
            MESSAGES,
            MESSAGES as f64 / time.as_secs_f64()
        );
    }
    println!(
        "\n{:<46} {:>12} {:>12} {:>12}",
        "latency", "p50", "p99", "p50 ratio"
    );
    let health_p50 = percentile(&health, 50);
    for (name, samples) in [
        ("GET /health (baseline)".to_owned(), &health),
        (
            format!(
                "GET /Messages, {MESSAGES} stored ({:.1} MiB)",
                list_bytes as f64 / MIB
            ),
            &list,
        ),
    ] {
        let p50 = percentile(samples, 50);
        println!(
            "{:<46} {:>12.2?} {:>12.2?} {:>11.0}x",
            name,
            p50,
            percentile(samples, 99),
            p50.as_secs_f64() / health_p50.as_secs_f64()
        );
    }
    println!(
        "\n{:<46} {:>12} {:>12}",
        "10 MiB file (median of 3)", "time", "MiB/s"
    );
    for (name, samples) in [
        ("upload (A, POST /Files/Own)", &uploads),
        ("download (B, peer, /Files/{id}/Download)", &downloads),
    ] {
        let median = samples[samples.len() / 2];
        println!(
            "{:<46} {:>12.2?} {:>12.1}",
            name,
            median,
            FILE_BYTES as f64 / MIB / median.as_secs_f64()
        );
    }
    println!("\n{:<46} {:>12}", "process RSS (VmRSS)", "MiB");
    for (name, kib) in [
        ("idle, after start and relationship", rss_idle),
        ("peak while sending/receiving messages", rss_messages),
        ("peak while listing 10,000 messages", rss_list),
        ("peak during 10 MiB uploads/downloads", rss_files),
    ] {
        println!("{:<46} {:>12.1}", name, kib as f64 / 1024.0);
    }

    let a = Arc::try_unwrap(a).ok().expect("senders are done");
    a.running.shutdown().await.unwrap();
    b.running.shutdown().await.unwrap();
    bb.shutdown().await.unwrap();
}
