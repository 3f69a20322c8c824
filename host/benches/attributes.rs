//! The attribute store under load, on one Connector with a local Backbone, all in this process
//! on loopback: `POST /Attributes` while 10,000 own identity attributes are created, then
//! `GET /Attributes?content.value.@type=…` and `POST /Attributes/ExecuteIQLQuery` over them,
//! each as p50 / p99 next to `GET /health` measured in the same run.
//!
//! Run: `cargo bench -p connector --bench attributes`.

#[path = "../tests/common/mod.rs"]
mod common;

use common::{API_KEY, Peer};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const ATTRIBUTES: usize = 10_000;
/// Value types the attributes cycle through, so each holds a share of them.
const VALUE_TYPES: [&str; 5] = [
    "GivenName",
    "Surname",
    "DisplayName",
    "JobTitle",
    "Pseudonym",
];
const READ_SAMPLES: usize = 50;
const HEALTH_SAMPLES: usize = 2_000;

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

fn report(name: &str, mut samples: Vec<Duration>, health: &[Duration]) {
    samples.sort();
    let (p50, p99) = (percentile(&samples, 50), percentile(&samples, 99));
    let (h50, h99) = (percentile(health, 50), percentile(health, 99));
    println!(
        "{name:<48} p50 {:>9.3} ms  p99 {:>9.3} ms   ({:>6.1}× / {:>6.1}× GET /health)",
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        p50.as_secs_f64() / h50.as_secs_f64(),
        p99.as_secs_f64() / h99.as_secs_f64(),
    );
}

async fn timed(request: reqwest::RequestBuilder) -> (Duration, Value) {
    let t = Instant::now();
    let resp = request.send().await.expect("request");
    let status = resp.status();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{status}: {body}");
    (t.elapsed(), body)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    common::install_tls_provider();
    let backbone = common::Backbone::start().await;
    let node = Peer::start_with(&backbone, |cfg| {
        cfg["logging"] = json!({"level": "warn"});
    })
    .await;
    let client = reqwest::Client::new();
    let health_url = format!("{}/health", node.connector.base_url());

    let mut health = Vec::with_capacity(HEALTH_SAMPLES);
    for _ in 0..HEALTH_SAMPLES {
        health.push(timed(client.get(&health_url)).await.0);
    }
    health.sort();

    let mut creates = Vec::with_capacity(ATTRIBUTES);
    for i in 0..ATTRIBUTES {
        let value_type = VALUE_TYPES[i % VALUE_TYPES.len()];
        let body =
            json!({"content": {"value": {"@type": value_type, "value": format!("Name {i}")}}});
        let request = client
            .post(node.url("/Attributes"))
            .header("X-API-KEY", API_KEY)
            .json(&body);
        creates.push(timed(request).await.0);
    }
    report(
        &format!("POST /Attributes (up to {ATTRIBUTES} stored)"),
        creates,
        &health,
    );

    let mut lists = Vec::with_capacity(READ_SAMPLES);
    let mut listed = 0;
    for _ in 0..READ_SAMPLES {
        let request = client
            .get(node.url("/Attributes?content.value.@type=GivenName"))
            .header("X-API-KEY", API_KEY);
        let (elapsed, body) = timed(request).await;
        listed = body["result"].as_array().map_or(0, Vec::len);
        lists.push(elapsed);
    }
    assert_eq!(listed, ATTRIBUTES / VALUE_TYPES.len());
    report(
        &format!("GET /Attributes?content.value.@type ({listed} of {ATTRIBUTES})"),
        lists,
        &health,
    );

    let mut queries = Vec::with_capacity(READ_SAMPLES);
    let mut matched = 0;
    for _ in 0..READ_SAMPLES {
        let request = client
            .post(node.url("/Attributes/ExecuteIQLQuery"))
            .header("X-API-KEY", API_KEY)
            .json(&json!({"query": {"queryString": "Surname.value='Name 1' || JobTitle"}}));
        let (elapsed, body) = timed(request).await;
        matched = body["result"].as_array().map_or(0, Vec::len);
        queries.push(elapsed);
    }
    report(
        &format!("POST /Attributes/ExecuteIQLQuery ({matched} of {ATTRIBUTES})"),
        queries,
        &health,
    );
}
