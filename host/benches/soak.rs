//! Soak: many messages from one `connector` process to another through the local Backbone. The
//! receiver syncs after every `SYNC_EVERY` messages and its `webhooks` module posts each
//! `transport.messageReceived` to a receiver in this process. Reports each Connector's RSS at the
//! start, the middle and the end, p50 and p99 of a send and of a sync, and the webhook deliveries
//! lost and duplicated. It fails when one is lost or duplicated, or when a Connector's RSS grows
//! from the middle to the end by more than [`GROWTH_BOUND_MIB`]: by the middle every cache is
//! warm, so what grows after it grows with the number of messages, which is a leak.
//!
//! Run: `cargo bench -p connector --bench soak`, 100,000 messages (`SOAK_MESSAGES` sets another
//! count). `cargo test` runs it too, with 2,000 messages on the test build, so the bounds are
//! checked in every test run.

#[path = "../tests/common/mod.rs"]
mod common;

use axum::extract::State;
use axum::routing::post;
use common::{API_KEY, Backbone};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_connector");
const SYNC_EVERY: usize = 100;
/// How much a Connector's resident memory may grow over the second half of the run, in MiB:
/// room for the allocator's and SQLite's page-granular noise, far below what keeping anything
/// per message would cost over tens of thousands of messages.
const GROWTH_BOUND_MIB: f64 = 12.0;

fn percentile(samples: &mut [Duration], p: f64) -> f64 {
    samples.sort();
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[index].as_secs_f64() * 1000.0
}

struct Connector {
    spawned: common::binary::Spawned,
    http: reqwest::Client,
}

impl Connector {
    async fn start(backbone: &Backbone, dir: &std::path::Path, modules: Value) -> Self {
        let mut cfg = common::config_json(&backbone.base_url(), &dir.join("data"));
        cfg["logging"] = json!({"level": "warn"});
        cfg["modules"] = modules;
        let config = dir.join("config.json");
        std::fs::write(&config, cfg.to_string()).unwrap();
        Self {
            spawned: common::binary::spawn(BIN, dir, &config, 0).await,
            http: reqwest::Client::new(),
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .http
            .request(
                method.clone(),
                format!("{}/api/core/v1{path}", self.spawned.base_url),
            )
            .header("X-API-KEY", API_KEY);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "{method} {path}: {status} {text}");
        serde_json::from_str::<Value>(&text).map_or(Value::Null, |v| v["result"].clone())
    }

    fn rss(&self) -> f64 {
        common::binary::status_kib(self.spawned.child.id(), "VmRSS:")
            .map_or(0.0, |kib| kib as f64 / 1024.0)
    }
}

/// Counts webhook deliveries per message id.
type Deliveries = Arc<Mutex<HashMap<String, u32>>>;

async fn receiver() -> (String, Deliveries) {
    let deliveries = Deliveries::default();
    let app = axum::Router::new()
        .route(
            "/hook",
            post(
                |State(d): State<Deliveries>, axum::Json(body): axum::Json<Value>| async move {
                    if let Some(id) = body["data"]["id"].as_str() {
                        *d.lock().unwrap().entry(id.to_owned()).or_default() += 1;
                    }
                    axum::http::StatusCode::OK
                },
            ),
        )
        .with_state(deliveries.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, deliveries)
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; `cargo test` does not.
    let benching = std::env::args().any(|a| a == "--bench");
    let total: usize = std::env::var("SOAK_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if benching { 100_000 } else { 2_000 });
    let backbone = Backbone::start_with(backbone::Config {
        max_unreceived_messages_per_sender: total as u64 + 1,
        ..Default::default()
    })
    .await;
    let (hook, deliveries) = receiver().await;
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = Connector::start(&backbone, dir_a.path(), json!({})).await;
    let b = Connector::start(
        &backbone,
        dir_b.path(),
        json!({"webhooks": {"enabled": true, "targets": {"t": {"url": hook}},
                "webhooks": [{"triggers": ["transport.messageReceived"], "target": "t"}]}}),
    )
    .await;

    // B asks for a relationship through A's template; A accepts.
    let template = a
        .call(
            reqwest::Method::POST,
            "/RelationshipTemplates/Own",
            Some(json!({"content": {"@type": "ArbitraryRelationshipTemplateContent", "value": {}}, "expiresAt": common::in_minutes(600)})),
        )
        .await;
    let template_id = template["id"].as_str().unwrap().to_owned();
    let token = a
        .call(
            reqwest::Method::POST,
            &format!("/RelationshipTemplates/Own/{template_id}/Token"),
            Some(json!({})),
        )
        .await;
    b.call(
        reqwest::Method::POST,
        "/RelationshipTemplates/Peer",
        Some(json!({"reference": token["reference"]["truncated"]})),
    )
    .await;
    let relationship = b
        .call(
            reqwest::Method::POST,
            "/Relationships",
            Some(json!({"templateId": template_id, "creationContent": {"@type": "ArbitraryRelationshipCreationContent", "value": {}}})),
        )
        .await;
    let id = relationship["id"].as_str().unwrap().to_owned();
    a.call(reqwest::Method::POST, "/Account/Sync", None).await;
    a.call(
        reqwest::Method::PUT,
        &format!("/Relationships/{id}/Accept"),
        Some(json!({})),
    )
    .await;
    b.call(reqwest::Method::POST, "/Account/Sync", None).await;
    let b_address = b
        .call(reqwest::Method::GET, "/Account/IdentityInfo", None)
        .await["address"]
        .clone();

    let start_rss = (a.rss(), b.rss());
    let mut middle_rss = start_rss;
    let mut sends = Vec::with_capacity(total);
    let mut syncs = Vec::new();
    let mut sent = Vec::with_capacity(total);
    let began = Instant::now();
    for i in 0..total {
        let t = Instant::now();
        let message = a
            .call(
                reqwest::Method::POST,
                "/Messages",
                Some(json!({"recipients": [b_address], "content": {"@type": "ArbitraryMessageContent", "value": i}})),
            )
            .await;
        sends.push(t.elapsed());
        sent.push(message["id"].as_str().unwrap().to_owned());
        if (i + 1) % SYNC_EVERY == 0 {
            let t = Instant::now();
            b.call(reqwest::Method::POST, "/Account/Sync", None).await;
            syncs.push(t.elapsed());
        }
        if i + 1 == total / 2 {
            middle_rss = (a.rss(), b.rss());
        }
    }
    b.call(reqwest::Method::POST, "/Account/Sync", None).await;
    let elapsed = began.elapsed();

    // Every delivery the module owes, within two minutes.
    let deadline = Instant::now() + Duration::from_secs(120);
    while deliveries.lock().unwrap().len() < total && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let end_rss = (a.rss(), b.rss());
    let counted = deliveries.lock().unwrap().clone();
    let lost = sent.iter().filter(|id| !counted.contains_key(*id)).count();
    let duplicated: u32 = counted.values().map(|n| n - 1).sum();

    println!(
        "soak: {total} messages in {:.1} s ({:.0} msg/s sent and received)",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64()
    );
    println!(
        "  send     p50 {:.2} ms  p99 {:.2} ms",
        percentile(&mut sends, 0.5),
        percentile(&mut sends, 0.99)
    );
    println!(
        "  sync of {SYNC_EVERY}  p50 {:.1} ms  p99 {:.1} ms",
        percentile(&mut syncs, 0.5),
        percentile(&mut syncs, 0.99)
    );
    println!(
        "  RSS sender    start {:.1}  middle {:.1}  end {:.1} MiB",
        start_rss.0, middle_rss.0, end_rss.0
    );
    println!(
        "  RSS receiver  start {:.1}  middle {:.1}  end {:.1} MiB",
        start_rss.1, middle_rss.1, end_rss.1
    );
    println!(
        "  webhook deliveries: {} distinct, {lost} lost, {duplicated} duplicated",
        counted.len()
    );
    assert_eq!(lost, 0, "every message reached the webhook");
    assert_eq!(duplicated, 0, "no message reached the webhook twice");
    for (who, middle, end) in [
        ("sender", middle_rss.0, end_rss.0),
        ("receiver", middle_rss.1, end_rss.1),
    ] {
        assert!(
            end - middle <= GROWTH_BOUND_MIB,
            "the {who}'s RSS grew by {:.1} MiB over the second half (bound {GROWTH_BOUND_MIB} MiB)",
            end - middle
        );
    }
}
