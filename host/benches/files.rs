//! Files through one `connector` process: upload (`POST /Files/Own`) and download
//! (`GET /Files/{id}/Download`) of 1, 7.5 and 10 MiB against the local Backbone in this process,
//! with the time, the throughput and the Connector's own peak resident memory during each
//! transfer (`VmHWM`, reset before each transfer through `clear_refs`) above its resident memory
//! when idle after start, next to raw XChaCha20-Poly1305 over the same bytes. Memory an earlier
//! transfer freed but the allocator kept counts against the later one, so the figure is an
//! upper bound of what one transfer costs.
//!
//! The Backbone's blob limit is raised to 16 MiB here: the real Consumer API takes blobs of up to
//! 10 MiB, and a file's blob is the JSON of its cipher (base64, 4/3 of the file), so 7.5 MiB is
//! the largest file the real Backbone takes; 10 MiB is the runtime's own limit.
//!
//! Run: `cargo bench -p connector --bench files`.

#[path = "../tests/common/mod.rs"]
mod common;

use common::binary::status_kib;
use common::{API_KEY, Backbone, in_minutes};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_connector");
const MIB: usize = 1024 * 1024;
const SIZES: [usize; 3] = [MIB, 15 * MIB / 2, 10 * MIB];
const ROUNDS: usize = 5;

/// Sets the process's peak RSS (`VmHWM`) back to its current RSS.
fn reset_peak(pid: u32) {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").unwrap();
}

fn raw_xchacha_mib_s(bytes: &[u8]) -> f64 {
    use chacha20poly1305::aead::{Aead, KeyInit};
    let cipher = chacha20poly1305::XChaCha20Poly1305::new(&[7u8; 32].into());
    let nonce = [9u8; 24].into();
    let t = Instant::now();
    for _ in 0..ROUNDS {
        std::hint::black_box(cipher.encrypt(&nonce, bytes).unwrap());
    }
    (bytes.len() * ROUNDS) as f64 / MIB as f64 / t.elapsed().as_secs_f64()
}

struct Round {
    time: Duration,
    peak_above_idle_kib: u64,
}

fn median(rounds: &mut [Round]) -> &Round {
    rounds.sort_by_key(|r| r.time);
    &rounds[rounds.len() / 2]
}

#[tokio::main]
async fn main() {
    let backbone = Backbone::start_with(backbone::Config {
        max_content_size: 16 * MIB,
        ..Default::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = common::config_json(&backbone.base_url(), &dir.path().join("data"));
    cfg["logging"] = json!({"level": "warn"});
    let config = dir.path().join("config.json");
    std::fs::write(&config, cfg.to_string()).unwrap();
    let connector = common::binary::spawn(BIN, dir.path(), &config, 0).await;
    let pid = connector.child.id();
    let http = reqwest::Client::new();
    let url = |path: &str| format!("{}/api/core/v1{path}", connector.base_url);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle = status_kib(pid, "VmRSS:").unwrap();

    println!(
        "Files through one connector process, local Backbone (blob limit 16 MiB); idle RSS {:.1} MiB\n",
        idle as f64 / 1024.0
    );
    println!(
        "{:<34} {:>10} {:>10} {:>16}",
        "", "median", "MiB/s", "peak RSS - idle"
    );
    for size in SIZES {
        let content: Vec<u8> = (0..size).map(|i| (i * 31 % 251) as u8).collect();
        let mib = size as f64 / MIB as f64;
        let (mut ups, mut downs) = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            reset_peak(pid);
            let form = reqwest::multipart::Form::new()
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(content.clone())
                        .file_name("bench.bin")
                        .mime_str("application/octet-stream")
                        .unwrap(),
                )
                .text("expiresAt", in_minutes(60));
            let t = Instant::now();
            let resp = http
                .post(url("/Files/Own"))
                .header("X-API-KEY", API_KEY)
                .multipart(form)
                .send()
                .await
                .unwrap();
            let status = resp.status();
            let text = resp.text().await.unwrap();
            assert_eq!(status, 201, "upload of {mib} MiB: {text}");
            ups.push(Round {
                time: t.elapsed(),
                peak_above_idle_kib: status_kib(pid, "VmHWM:").unwrap().saturating_sub(idle),
            });
            let id = serde_json::from_str::<Value>(&text).unwrap()["result"]["id"]
                .as_str()
                .unwrap()
                .to_owned();

            reset_peak(pid);
            let t = Instant::now();
            let resp = http
                .get(url(&format!("/Files/{id}/Download")))
                .header("X-API-KEY", API_KEY)
                .send()
                .await
                .unwrap();
            assert!(resp.status().is_success(), "{}", resp.status());
            let got = resp.bytes().await.unwrap();
            let time = t.elapsed();
            assert!(got.as_ref() == content.as_slice(), "the download differs");
            downs.push(Round {
                time,
                peak_above_idle_kib: status_kib(pid, "VmHWM:").unwrap().saturating_sub(idle),
            });
        }
        println!(
            "{:<34} {:>10} {:>10.0}",
            format!("raw XChaCha20-Poly1305, {mib:.1} MiB"),
            "",
            raw_xchacha_mib_s(&content)
        );
        for (name, rounds) in [("upload", &mut ups), ("download", &mut downs)] {
            let m = median(rounds);
            let peak = m.peak_above_idle_kib as f64 / 1024.0;
            println!(
                "{:<34} {:>10.2?} {:>10.1} {:>9.1} MiB {:>4.1}x",
                format!("{name}, {mib:.1} MiB"),
                m.time,
                mib / m.time.as_secs_f64(),
                peak,
                peak / mib
            );
        }
    }
}
