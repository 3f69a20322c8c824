//! HTTP shell throughput: `GET /health` and an authenticated round trip (`GET
//! /Monitoring/Requests` with an API key), each next to a bare axum handler on the same
//! loopback stack measured in the same run (the ceiling for any route).
//!
//! Run: `cargo bench -p connector --bench http`.

use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

const KEY: &str = "Bench-Key-0123456789-abcdefghIJKL!";
const SEQUENTIAL: usize = 2000;
const CONCURRENT_TASKS: usize = 8;
const CONCURRENT_PER_TASK: usize = 500;

struct Figures {
    p50: Duration,
    p99: Duration,
    per_second: f64,
}

async fn measure(client: &reqwest::Client, url: &str, key: Option<&'static str>) -> Figures {
    let send = move |client: reqwest::Client, url: String| async move {
        let mut req = client.get(url);
        if let Some(k) = key {
            req = req.header("X-API-KEY", k);
        }
        let resp = req.send().await.expect("request");
        assert!(resp.status().is_success(), "{}", resp.status());
        resp.bytes().await.expect("body");
    };
    for _ in 0..100 {
        send(client.clone(), url.to_owned()).await;
    }
    let mut latencies = Vec::with_capacity(SEQUENTIAL);
    for _ in 0..SEQUENTIAL {
        let t = Instant::now();
        send(client.clone(), url.to_owned()).await;
        latencies.push(t.elapsed());
    }
    latencies.sort();
    let started = Instant::now();
    let tasks: Vec<_> = (0..CONCURRENT_TASKS)
        .map(|_| {
            let (client, url) = (client.clone(), url.to_owned());
            tokio::spawn(async move {
                for _ in 0..CONCURRENT_PER_TASK {
                    send(client.clone(), url.clone()).await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let total = (CONCURRENT_TASKS * CONCURRENT_PER_TASK) as f64;
    Figures {
        p50: latencies[latencies.len() / 2],
        p99: latencies[latencies.len() * 99 / 100],
        per_second: total / started.elapsed().as_secs_f64(),
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let backbone_store: Arc<dyn store::Store> =
        Arc::new(store::sqlite::SqliteStore::open_in_memory().await.unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let bb = backbone::serve(backbone::Config::default(), backbone_store, listener)
        .await
        .unwrap();

    let data = tempfile::tempdir().unwrap();
    let config = connector::config::load_from_value({
        let mut v = connector::config::defaults();
        connector::config::merge(&mut v, json!({
            "transportLibrary": {"baseUrl": bb.base_url(), "platformClientId": "test", "platformClientSecret": "test"},
            "database": {"folder": data.path().to_str().unwrap()},
            "logging": {"level": "warn"},
            "infrastructure": {"httpServer": {"port": 0, "host": "127.0.0.1",
                "authentication": {"apiKey": {"keys": {"bench": {"key": KEY}}}}}}
        }));
        v
    })
    .unwrap();
    let running = connector::start(config).await.unwrap();

    let baseline_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let baseline_url = format!("http://{}/", baseline_listener.local_addr().unwrap());
    let app = axum::Router::new().route(
        "/",
        axum::routing::get(|| async { axum::Json(json!({"ok": true})) }),
    );
    tokio::spawn(async move { axum::serve(baseline_listener, app).await.unwrap() });

    let client = reqwest::Client::new();
    let baseline = measure(&client, &baseline_url, None).await;
    let health = measure(&client, &format!("{}/health", running.base_url()), None).await;
    let authed = measure(
        &client,
        &format!("{}/Monitoring/Requests", running.base_url()),
        Some(KEY),
    )
    .await;

    println!(
        "{:<34} {:>10} {:>10} {:>12} {:>10}",
        "scenario", "p50", "p99", "req/s (x8)", "vs bare"
    );
    for (name, f) in [
        ("bare axum handler (baseline)", &baseline),
        ("GET /health", &health),
        ("GET /Monitoring/Requests + API key", &authed),
    ] {
        println!(
            "{:<34} {:>10.1?} {:>10.1?} {:>12.0} {:>9.2}x",
            name,
            f.p50,
            f.p99,
            f.per_second,
            f.per_second / baseline.per_second
        );
    }
    running.shutdown().await.unwrap();
    bb.shutdown().await.unwrap();
}
