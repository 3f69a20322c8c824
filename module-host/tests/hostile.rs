//! Misbehaving modules are contained: an endless loop, a memory bomb, a panic, a guest stuck
//! in a host call and a webhook target that hangs all run next to a well-behaved webhooks
//! module, on a single-threaded runtime that also serves HTTP. Every event still reaches the
//! good module, the HTTP server keeps answering, and the bad modules show up as unhealthy.

mod common;

use common::*;
use module_host::Event;
use serde_json::json;
use std::time::{Duration, Instant};

const EVENTS: usize = 4;

fn hostile(mode: &str, grants: serde_json::Value) -> serde_json::Value {
    json!({
        "enabled": true,
        "location": wasm("hostile").to_str().unwrap(),
        "mode": mode,
        "grants": grants,
        "delivery": {"maxAttempts": 2, "initialBackoffMs": 20, "maxBackoffMs": 50}
    })
}

#[tokio::test(flavor = "current_thread")]
async fn hostile_modules_do_not_stop_other_modules_or_the_runtime() {
    let dir = tempfile::tempdir().unwrap();
    let receiver = Receiver::start().await;
    let config = json!({
        "loop": hostile("loop", json!({"timeoutMs": 300})),
        "oom": hostile("oom", json!({"maxMemoryMb": 16})),
        "panic": hostile("panic", json!({})),
        "sleep": hostile("sleep", json!({"timeoutMs": 300})),
        "forbidden": hostile("forbidden", json!({})),
        "hangingTarget": {
            "enabled": true,
            "location": "@nmshd/connector:WebhooksModule",
            "webhooks": [{"triggers": ["**"], "target": {"url": receiver.url("/hang/x")}}],
            "limits": {"timeoutMs": 300},
            "delivery": {"initialBackoffMs": 20, "maxBackoffMs": 50}
        },
        "webhooks": {
            "enabled": true,
            "webhooks": [{"triggers": ["**"], "target": {"url": receiver.url("/good")}}]
        }
    });
    let host = start_host(config, sqlite_store(dir.path()).await, TestApi::new()).await;
    for i in 0..EVENTS {
        host.publish(Event::new("transport.messageReceived", json!({"n": i})))
            .await
            .unwrap();
    }

    // While the hostile modules burn their budgets, the same thread keeps serving HTTP.
    let mut slowest = Duration::ZERO;
    let mut answered = 0;
    let deadline = Instant::now() + Duration::from_secs(30);
    let good_count = || {
        receiver
            .received()
            .iter()
            .filter(|r| r.path == "/good")
            .count()
    };
    while good_count() < EVENTS && Instant::now() < deadline {
        let start = Instant::now();
        let status = http_get(&receiver.url("/ping")).await;
        slowest = slowest.max(start.elapsed());
        answered += usize::from(status == 200);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(good_count(), EVENTS, "the good module got every event");
    let good: Vec<_> = receiver
        .received()
        .into_iter()
        .filter(|r| r.path == "/good")
        .collect();
    let order: Vec<_> = good
        .iter()
        .map(|r| r.body["data"]["n"].as_u64().unwrap() as usize)
        .collect();
    assert_eq!(order, (0..EVENTS).collect::<Vec<_>>());
    assert!(answered > 0);
    assert!(
        slowest < Duration::from_secs(1),
        "the runtime stalled for {slowest:?}"
    );

    // Each trapping module gives up on each event after its attempts and keeps serving.
    let settled = wait_until_async(Duration::from_secs(30), || async {
        host.health()
            .await
            .iter()
            .filter(|h| ["loop", "oom", "panic", "sleep"].contains(&h.name.as_str()))
            .all(|h| h.dead_letters == EVENTS as u64)
    })
    .await;
    let health = host.health().await;
    assert!(settled, "{health:#?}");
    let by_name = |name: &str| health.iter().find(|h| h.name == name).unwrap().clone();
    for (name, expected) in [
        ("loop", "time budget of 300ms exceeded"),
        ("oom", "memory limit exceeded"),
        ("panic", "hostile module panics on event"),
        (
            "sleep",
            "time budget of 300ms exceeded while waiting for a host call",
        ),
    ] {
        let h = by_name(name);
        assert!(!h.healthy, "{name} should be unhealthy: {h:?}");
        let error = h.last_error.unwrap_or_default();
        assert!(
            error.contains(expected),
            "{name}: '{error}' should mention '{expected}'"
        );
    }
    let hanging = by_name("hangingTarget");
    assert!(!hanging.healthy);
    assert_eq!(
        hanging.dead_letters, 0,
        "a target that hangs is retried, never given up"
    );
    // Either the module saw the HTTP timeout and said "retryable", or the call ran out of
    // budget while the HTTP call hung; both are retried.
    let error = hanging.last_error.unwrap_or_default();
    assert!(
        error.contains("timed out") || error.contains("used up the budget"),
        "{error}"
    );
    let forbidden = by_name("forbidden");
    assert!(
        forbidden.healthy && forbidden.dead_letters == 0,
        "nothing ungranted worked: {forbidden:?}"
    );
    assert!(by_name("webhooks").healthy);
    host.shutdown().await;
}

/// A minimal HTTP/1.1 GET over a raw TCP connection: the probe needs nothing but the runtime.
async fn http_get(url: &str) -> u16 {
    {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let rest = url.strip_prefix("http://").unwrap();
        let (authority, path) = rest.split_once('/').unwrap();
        let Ok(mut stream) = tokio::net::TcpStream::connect(authority).await else {
            return 0;
        };
        let request =
            format!("GET /{path} HTTP/1.1\r\nhost: {authority}\r\nconnection: close\r\n\r\n");
        if stream.write_all(request.as_bytes()).await.is_err() {
            return 0;
        }
        let mut response = Vec::new();
        let _ = stream.read_to_end(&mut response).await;
        String::from_utf8_lossy(&response)
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }
}

async fn wait_until_async<F, Fut>(timeout: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while start.elapsed() < timeout {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}
