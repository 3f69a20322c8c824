//! Transport between two Connectors on our Backbone, all in this process on loopback:
//! messages sent and received per second, `GET /api/core/v1/Messages` latency with 10,000
//! stored messages next to `GET /health` measured in the same run, a 10 MiB file's upload
//! and download, and the process RSS idle and under load.
//!
//! Run: `cargo bench -p connector --bench transport`.

#[path = "../tests/common/mod.rs"]
mod common;

use common::{API_KEY, Peer, in_minutes};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

const MESSAGES: usize = 10_000;
const SENDERS: usize = 8;
const LIST_SAMPLES: usize = 40;
const HEALTH_SAMPLES: usize = 2_000;
const FILE_BYTES: usize = 10 * 1024 * 1024;
const FILE_ROUNDS: usize = 3;
const MIB: f64 = 1024.0 * 1024.0;

/// A Connector that logs only warnings and knows one API key.
async fn start(backbone: &common::Backbone) -> Peer {
    Peer::start_with(backbone, |cfg| {
        cfg["logging"] = json!({"level": "warn"});
        cfg["infrastructure"]["httpServer"]["authentication"]["apiKey"]["keys"] =
            json!({"bench": {"key": API_KEY}});
    })
    .await
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

/// User plus system CPU time this process (Backbone, both Connectors, client) has used.
fn cpu_time() -> Duration {
    // SAFETY: getrusage only writes the struct it is given.
    let usage = unsafe {
        let mut usage = std::mem::zeroed::<libc::rusage>();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
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

async fn upload(node: &Peer, content: Vec<u8>) -> Value {
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(content)
                .file_name("bench.bin")
                .mime_str("application/octet-stream")
                .unwrap(),
        )
        .text("expiresAt", in_minutes(60));
    node.upload(form).await
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    // The Backbone's per-sender quota of unreceived messages (20) and its 10 MiB blob limit
    // (a 10 MiB file's JSON cipher is ~13.4 MiB) are raised so the Connectors are measured.
    let backbone_config = backbone::Config {
        max_unreceived_messages_per_sender: MESSAGES as u64,
        max_content_size: 16 * 1024 * 1024,
        sync_run_duration: Duration::from_secs(600),
        ..backbone::Config::default()
    };
    let bb = common::Backbone::start_with(backbone_config).await;
    let a = Arc::new(start(&bb).await);
    let b = start(&bb).await;
    common::relate(&a, &b).await;
    let b_address = b.address().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let rss_idle = rss_kib();

    // Messages: A sends from several tasks at once, then B receives them all in its syncs.
    let peak = RssPeak::start();
    let started = Instant::now();
    let cpu = cpu_time();
    let senders: Vec<_> = (0..SENDERS)
        .map(|s| {
            let (a, to) = (a.clone(), b_address.clone());
            tokio::spawn(async move {
                for i in (s..MESSAGES).step_by(SENDERS) {
                    a.post(
                        "/Messages",
                        json!({"recipients": [to], "content": {"@type": "Mail", "to": [to], "subject": format!("Message {i}"), "body": "A benchmark message with a short body."}}),
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
    let send_cpu = cpu_time() - cpu;
    let started = Instant::now();
    let cpu = cpu_time();
    let mut received = 0;
    while received < MESSAGES {
        b.sync().await;
        received = b
            .get("/Messages?isOwn=false")
            .await
            .as_array()
            .map_or(0, Vec::len);
    }
    let receive_time = started.elapsed();
    let receive_cpu = cpu_time() - cpu;
    let rss_messages = peak.finish().await;

    // Listing 10,000 stored messages against the cheapest route of the same server.
    let peak = RssPeak::start();
    let list = latencies(&b.http, &b.url("/Messages"), Some(API_KEY), LIST_SAMPLES).await;
    let list_bytes = b
        .http
        .get(b.url("/Messages"))
        .header("X-API-KEY", API_KEY)
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
        &format!("{}/health", b.connector.base_url()),
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
        b.post(
            "/Files/Peer",
            json!({"reference": file["reference"]["truncated"]}),
        )
        .await;
        let t = Instant::now();
        let resp = b
            .send(reqwest::Method::GET, &format!("/Files/{id}/Download"), None)
            .await;
        assert!(resp.status().is_success(), "{}", resp.status());
        let got = resp.bytes().await.unwrap();
        downloads.push(t.elapsed());
        assert!(got.as_ref() == content.as_slice(), "the download differs");
    }
    let rss_files = peak.finish().await;
    uploads.sort();
    downloads.sort();

    println!("Transport benchmark: 2 Connectors + Backbone in one process, loopback HTTP\n");
    println!(
        "{:<46} {:>12} {:>12} {:>12}",
        "messages", "count", "per second", "CPU/message"
    );
    for (name, time, cpu) in [
        (
            format!("sent A -> B ({SENDERS} concurrent senders)"),
            send_time,
            send_cpu,
        ),
        ("received by B (sync)".to_owned(), receive_time, receive_cpu),
    ] {
        println!(
            "{:<46} {:>12} {:>12.0} {:>12.2?}",
            name,
            MESSAGES,
            MESSAGES as f64 / time.as_secs_f64(),
            cpu / MESSAGES as u32
        );
    }
    println!("(CPU/message is the whole process's: the Backbone, both Connectors and the client)");
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
    a.connector.shutdown().await.unwrap();
    b.connector.shutdown().await.unwrap();
    bb.handle.shutdown().await.unwrap();
}
