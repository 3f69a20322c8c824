//! Loopback throughput of the local Backbone: messages accepted per second and sync events
//! delivered per second, each also as a ratio to a trivial request (`GET /Version`) measured
//! in the same run, so figures from different machines can be compared.
//!
//! `cargo bench -p backbone --bench throughput` (optional env: BENCH_MESSAGES, BENCH_SENDERS).

#[path = "../tests/common/mod.rs"]
mod common;

use backbone::Config;
use common::cipher;
use serde_json::json;
use std::sync::Arc;
use std::time::Instant;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let messages = env_usize("BENCH_MESSAGES", 2000);
    let senders = env_usize("BENCH_SENDERS", 8).max(1);
    let config = Config {
        max_unreceived_messages_per_sender: u64::MAX,
        ..Config::default()
    };
    let h = Arc::new(common::start(config).await);

    let recipient = Arc::new(h.identity().await);
    let mut sender_ids = Vec::new();
    for _ in 0..senders {
        let sender = h.identity().await;
        h.active_relationship(&recipient, &sender).await;
        sender_ids.push(Arc::new(sender));
    }
    h.sync_all(&recipient).await;

    // Baseline: the cheapest route, same client, same concurrency.
    let started = Instant::now();
    let per_task = messages / senders;
    let mut tasks = Vec::new();
    for _ in 0..senders {
        let h = h.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..per_task {
                let (status, _) = h.get(None, "/api/v2/Version").await;
                assert!(status.is_success());
            }
        }));
    }
    for t in tasks {
        t.await.expect("baseline task");
    }
    let baseline = (per_task * senders) as f64 / started.elapsed().as_secs_f64();

    let body = json!({ "recipients": [{ "address": recipient.address, "encryptedKey": cipher("key") }], "body": cipher(&"m".repeat(512)) });
    let started = Instant::now();
    let mut tasks = Vec::new();
    for sender in &sender_ids {
        let (h, sender, body) = (h.clone(), sender.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            for _ in 0..per_task {
                let (status, response) = h
                    .post(Some(&sender.token), "/api/v2/Messages", body.clone())
                    .await;
                assert_eq!(status, reqwest::StatusCode::CREATED, "{response}");
            }
        }));
    }
    for t in tasks {
        t.await.expect("sender task");
    }
    let sent = per_task * senders;
    let messages_per_second = sent as f64 / started.elapsed().as_secs_f64();

    let started = Instant::now();
    let mut delivered = 0;
    loop {
        let events = h.sync_all(&recipient).await;
        if events.is_empty() {
            break;
        }
        delivered += events.len();
    }
    let events_per_second = delivered as f64 / started.elapsed().as_secs_f64();
    assert_eq!(
        delivered, sent,
        "every message produced exactly one delivered event"
    );

    println!(
        "backbone throughput on loopback ({senders} concurrent senders, {sent} messages, SQLite in memory)"
    );
    println!("  baseline GET /api/v2/Version      {baseline:>10.0} req/s");
    println!(
        "  messages accepted (POST /Messages) {messages_per_second:>10.0} msg/s  = {:.3} x baseline",
        messages_per_second / baseline
    );
    println!(
        "  sync events delivered              {events_per_second:>10.0} ev/s   = {:.3} x baseline",
        events_per_second / baseline
    );
}
