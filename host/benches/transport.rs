//! The official-shaped workload between two Connectors on our Backbone, all in this process on
//! loopback, each figure next to a baseline measured in the same run:
//! - messages: 400 sent one after the other and 10,000 from 8 senders, each received by a
//!   sync; per second and CPU time per message;
//! - `GET /Messages` p50/p99 with 400 and with 10,000 stored, next to `GET /health` and a
//!   bare axum handler;
//! - files of 1 and 10 MiB up and down, time and peak RSS, next to raw XChaCha20-Poly1305
//!   over the same bytes;
//! - the `connector` binary alone: start to healthy and idle RSS, first start (creates the
//!   identity) and a second start with it;
//! - a durable SQLite commit of one row, the floor under every write.
//!
//! Run: `cargo bench -p connector --bench transport`. `host/benches/README.md` has the
//! figures, the targets and where the time goes.

#[path = "../tests/common/mod.rs"]
mod common;

use common::{API_KEY, Peer, in_minutes};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

const MESSAGES: usize = 10_000;
const FEW_MESSAGES: usize = 400;
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
    common::binary::status_kib(std::process::id(), "VmRSS:").unwrap_or(0)
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

/// A bare axum handler on loopback: the floor under every route.
async fn bare_axum() -> String {
    let app = axum::Router::new().route("/", axum::routing::get(|| async { "ok" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/")
}

/// p50 of committing one small row with WAL and `synchronous=FULL`, as the store writes.
fn sqlite_commit_p50() -> Duration {
    let dir = tempfile::tempdir().unwrap();
    let conn = rusqlite::Connection::open(dir.path().join("b.db")).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE t (id TEXT PRIMARY KEY, doc TEXT)",
    )
    .unwrap();
    let mut samples: Vec<Duration> = (0..500)
        .map(|i| {
            let t = Instant::now();
            conn.execute_batch(&format!(
                "BEGIN; INSERT INTO t VALUES ('{i}', '{{\"id\":\"{i}\"}}'); COMMIT"
            ))
            .unwrap();
            t.elapsed()
        })
        .collect();
    samples.sort();
    percentile(&samples, 50)
}

/// MiB/s of XChaCha20-Poly1305 over `bytes` with the RustCrypto crate the wire crate uses.
fn raw_xchacha_mib_s(bytes: &[u8]) -> f64 {
    use chacha20poly1305::aead::{Aead, KeyInit};
    let cipher = chacha20poly1305::XChaCha20Poly1305::new(&[7u8; 32].into());
    let nonce = [9u8; 24].into();
    let rounds = 5;
    let t = Instant::now();
    for _ in 0..rounds {
        std::hint::black_box(cipher.encrypt(&nonce, bytes).unwrap());
    }
    (bytes.len() * rounds) as f64 / MIB / t.elapsed().as_secs_f64()
}

/// The `connector` binary alone against the Backbone: start to healthy, then its RSS after
/// two idle seconds. Run twice: the first start creates the identity, the second has it.
async fn binary_alone(backbone_url: &str) -> Vec<(Duration, u64)> {
    let dir = tempfile::tempdir().unwrap();
    let mut config = common::config_json(backbone_url, &dir.path().join("data"));
    config["logging"] = json!({"level": "warn"});
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    config["infrastructure"]["httpServer"]["port"] = json!(port);
    let file = dir.path().join("config.json");
    std::fs::write(&file, config.to_string()).unwrap();
    let client = reqwest::Client::new();
    let mut out = Vec::new();
    for _ in 0..2 {
        let started = Instant::now();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_connector"))
            .args(["start", "--config"])
            .arg(&file)
            .current_dir(dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        loop {
            let health = client
                .get(format!("http://127.0.0.1:{port}/health"))
                .send()
                .await;
            if health.is_ok_and(|r| r.status().is_success()) {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(30), "never healthy");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let healthy = started.elapsed();
        tokio::time::sleep(Duration::from_secs(2)).await;
        let rss = common::binary::status_kib(child.id(), "VmRSS:").unwrap();
        // SAFETY: a plain signal to our own child.
        unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
        child.wait().unwrap();
        out.push((healthy, rss));
    }
    out
}

/// Sends `count` messages A -> B from `senders` tasks, then has B sync until it holds `total`
/// received messages: (send time, send CPU, receive time, receive CPU).
async fn exchange(
    a: &Arc<Peer>,
    b: &Peer,
    to: &str,
    count: usize,
    senders: usize,
    total: usize,
) -> (Duration, Duration, Duration, Duration) {
    let started = Instant::now();
    let cpu = cpu_time();
    let tasks: Vec<_> = (0..senders)
        .map(|s| {
            let (a, to) = (a.clone(), to.to_owned());
            tokio::spawn(async move {
                for i in (s..count).step_by(senders) {
                    a.post(
                        "/Messages",
                        json!({"recipients": [to], "content": {"@type": "Mail", "to": [to], "subject": format!("Message {i}"), "body": "A benchmark message with a short body."}}),
                    )
                    .await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let send = (started.elapsed(), cpu_time() - cpu);
    let started = Instant::now();
    let cpu = cpu_time();
    let mut received = 0;
    while received < total {
        b.sync().await;
        received = b
            .get("/Messages?isOwn=false")
            .await
            .as_array()
            .map_or(0, Vec::len);
    }
    (send.0, send.1, started.elapsed(), cpu_time() - cpu)
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

    // Messages: 400 one after the other, received in one sync, listed; then 10,000 from
    // several senders at once.
    let peak = RssPeak::start();
    let (few_send, few_send_cpu, few_receive, few_receive_cpu) =
        exchange(&a, &b, &b_address, FEW_MESSAGES, 1, FEW_MESSAGES).await;
    let few_list = latencies(&b.http, &b.url("/Messages"), Some(API_KEY), LIST_SAMPLES).await;
    let (send_time, send_cpu, receive_time, receive_cpu) = exchange(
        &a,
        &b,
        &b_address,
        MESSAGES - FEW_MESSAGES,
        SENDERS,
        MESSAGES,
    )
    .await;
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
    let bare = latencies(&b.http, &bare_axum().await, None, HEALTH_SAMPLES).await;

    // Files of 1 and 10 MiB: A uploads, B loads it by reference and downloads it.
    let mut files = Vec::new();
    for size in [MIB as usize, FILE_BYTES] {
        let content: Vec<u8> = (0..size).map(|i| (i * 31 % 251) as u8).collect();
        let raw = raw_xchacha_mib_s(&content);
        let before = rss_kib();
        let peak = RssPeak::start();
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
        let peak = peak.finish().await;
        uploads.sort();
        downloads.sort();
        files.push((size, uploads, downloads, raw, before, peak));
    }
    let sqlite_commit = sqlite_commit_p50();
    let alone = binary_alone(&bb.base_url()).await;

    println!("Transport benchmark: 2 Connectors + Backbone in one process, loopback HTTP\n");
    println!(
        "{:<46} {:>12} {:>12} {:>12}",
        "messages", "count", "per second", "CPU/message"
    );
    for (name, count, time, cpu) in [
        (
            "sent A -> B, one after the other",
            FEW_MESSAGES,
            few_send,
            few_send_cpu,
        ),
        (
            "received by B (sync)",
            FEW_MESSAGES,
            few_receive,
            few_receive_cpu,
        ),
        (
            "sent A -> B, 8 concurrent senders",
            MESSAGES - FEW_MESSAGES,
            send_time,
            send_cpu,
        ),
        (
            "received by B (sync)",
            MESSAGES - FEW_MESSAGES,
            receive_time,
            receive_cpu,
        ),
    ] {
        println!(
            "{:<46} {:>12} {:>12.0} {:>12.2?}",
            name,
            count,
            count as f64 / time.as_secs_f64(),
            cpu / count as u32
        );
    }
    println!("(CPU/message is the whole process's: the Backbone, both Connectors and the client)");
    println!(
        "{:<46} {:>12.2?}",
        "baseline: durable SQLite commit of one row, p50", sqlite_commit
    );

    println!(
        "\n{:<46} {:>12} {:>12} {:>12}",
        "latency", "p50", "p99", "p50 ratio"
    );
    let bare_p50 = percentile(&bare, 50);
    for (name, samples) in [
        ("baseline: bare axum handler".to_owned(), &bare),
        ("GET /health".to_owned(), &health),
        (format!("GET /Messages, {FEW_MESSAGES} stored"), &few_list),
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
            p50.as_secs_f64() / bare_p50.as_secs_f64()
        );
    }

    println!(
        "\n{:<46} {:>12} {:>12} {:>12}",
        "files (median of 3)", "time", "MiB/s", "peak RSS +"
    );
    for (size, uploads, downloads, raw, before, peak) in &files {
        let mib = *size as f64 / MIB;
        println!(
            "{:<46} {:>12} {:>12.0} {:>12}",
            format!("baseline: raw XChaCha20-Poly1305, {mib:.0} MiB"),
            "",
            raw,
            ""
        );
        for (name, samples) in [
            ("upload (A, POST /Files/Own)", uploads),
            ("download (B, peer)", downloads),
        ] {
            let median = samples[samples.len() / 2];
            println!(
                "{:<46} {:>12.2?} {:>12.1} {:>9.1} MiB",
                format!("{name}, {mib:.0} MiB"),
                median,
                mib / median.as_secs_f64(),
                peak.saturating_sub(*before) as f64 / 1024.0
            );
        }
    }

    println!(
        "\n{:<46} {:>12} {:>12}",
        "the connector binary alone", "to healthy", "idle RSS"
    );
    for ((healthy, rss), name) in alone.iter().zip([
        "first start (creates the identity)",
        "second start (with the identity)",
    ]) {
        println!(
            "{:<46} {:>12.2?} {:>8.1} MiB",
            name,
            healthy,
            *rss as f64 / 1024.0
        );
    }

    println!("\n{:<46} {:>12}", "this process's RSS (VmRSS)", "MiB");
    for (name, kib) in [
        ("idle, after start and relationship", rss_idle),
        ("peak while sending/receiving messages", rss_messages),
        ("peak while listing 10,000 messages", rss_list),
    ] {
        println!("{:<46} {:>12.1}", name, kib as f64 / 1024.0);
    }

    let a = Arc::try_unwrap(a).ok().expect("senders are done");
    a.connector.shutdown().await.unwrap();
    b.connector.shutdown().await.unwrap();
    bb.handle.shutdown().await.unwrap();
}
