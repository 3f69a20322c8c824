//! A change made through the REST API and the event it causes are one atomic write: the real
//! `connector` binary is killed with SIGKILL while REST calls that send messages are in flight
//! and before any of their events has reached the `webhooks` module's target (the target holds
//! every delivery until the kill), then started again on the same folder. Every message the
//! API acknowledged has its `transport.messageSent` event delivered after the restart, and no
//! event is delivered for a message the Connector does not hold.

mod common;

use axum::extract::Json;
use axum::routing::post;
use common::{API_KEY, Backbone, Peer, binary};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::os::unix::process::ExitStatusExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_connector");
/// The Backbone's default quota of unreceived messages per sender.
const MESSAGES: usize = 20;
/// The kill comes after this many acknowledged sends, with the rest still in flight.
const KILL_AFTER: usize = 8;

/// A webhook target that, while `holding`, never answers (so no delivery completes before the
/// kill) and afterwards records every body it gets.
struct Receiver {
    url: String,
    holding: Arc<AtomicBool>,
    received: Arc<Mutex<Vec<Value>>>,
}

impl Receiver {
    async fn start() -> Self {
        let holding = Arc::new(AtomicBool::new(true));
        let received: Arc<Mutex<Vec<Value>>> = Arc::default();
        let (hold, sink) = (holding.clone(), received.clone());
        let app = axum::Router::new().route(
            "/hook/{trigger}",
            post(move |Json(body): Json<Value>| {
                let (hold, sink) = (hold.clone(), sink.clone());
                async move {
                    if hold.load(Ordering::SeqCst) {
                        std::future::pending::<()>().await;
                    }
                    sink.lock().unwrap().push(body);
                    "ok"
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "http://{}/hook/{{{{trigger}}}}",
            listener.local_addr().unwrap()
        );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self {
            url,
            holding,
            received,
        }
    }

    fn sent_message_ids(&self) -> BTreeSet<String> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .filter(|b| b["trigger"] == "transport.messageSent")
            .map(|b| b["data"]["id"].as_str().unwrap().to_owned())
            .collect()
    }
}

fn webhooks(cfg: &mut Value, receiver_url: &str) {
    cfg["modules"] = json!({
        "webhooks": {"enabled": true, "targets": {"receiver": {"url": receiver_url}},
                     "webhooks": [{"triggers": ["transport.messageSent"], "target": "receiver"}],
                     "grants": {"http": {"hosts": ["127.0.0.1"]}}}
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_of_acknowledged_rest_changes_survive_a_kill() {
    common::install_tls_provider();
    let backbone = Backbone::start().await;
    let receiver = Receiver::start().await;

    // B gets its identity and a relationship with A in-process, then runs as the real binary
    // on the same folder.
    let a = Peer::start(&backbone).await;
    let b = Peer::start(&backbone).await;
    common::relate(&a, &b).await;
    let a_address = a.address().await;
    let Peer {
        connector, data, ..
    } = b;
    connector.shutdown().await.unwrap();
    let config = data.path().join("config.json");
    let mut cfg = common::config_json(&backbone.base_url(), data.path());
    webhooks(&mut cfg, &receiver.url);
    std::fs::write(&config, cfg.to_string()).unwrap();
    let mut first = binary::spawn(BIN, data.path(), &config, 0).await;

    let http = reqwest::Client::new();
    let url = format!("{}/api/core/v1/Messages", first.base_url);
    let (acks, mut acked) = tokio::sync::mpsc::unbounded_channel::<String>();
    for i in 0..MESSAGES {
        let (http, url, acks, to) = (http.clone(), url.clone(), acks.clone(), a_address.clone());
        tokio::spawn(async move {
            let body = json!({"recipients": [to], "content": {"@type": "Mail", "to": [to], "subject": format!("m{i}"), "body": "b"}});
            let Ok(response) = http
                .post(&url)
                .header("X-API-KEY", API_KEY)
                .json(&body)
                .send()
                .await
            else {
                return;
            };
            if response.status().as_u16() == 201
                && let Ok(answer) = response.json::<Value>().await
            {
                let _ = acks.send(answer["result"]["id"].as_str().unwrap().to_owned());
            }
        });
    }
    drop(acks);
    let mut acknowledged = BTreeSet::new();
    while acknowledged.len() < KILL_AFTER {
        let next = tokio::time::timeout(Duration::from_secs(30), acked.recv()).await;
        match next {
            Ok(Some(id)) => {
                acknowledged.insert(id);
            }
            _ => panic!(
                "only {} sends were acknowledged:\n{}",
                acknowledged.len(),
                binary::read_log(&first.log)
            ),
        }
    }
    first.child.kill().unwrap();
    let status = first.child.wait().unwrap();
    assert_eq!(status.signal(), Some(9), "killed, not exited: {status}");
    // Answers that were already on their way still count as acknowledged.
    while let Ok(Some(id)) = tokio::time::timeout(Duration::from_secs(2), acked.recv()).await {
        acknowledged.insert(id);
    }
    assert!(
        receiver.sent_message_ids().is_empty(),
        "no delivery completed before the kill"
    );

    receiver.holding.store(false, Ordering::SeqCst);
    let mut second = binary::spawn(BIN, data.path(), &config, 1).await;
    let mut delivered = BTreeSet::new();
    for _ in 0..300 {
        delivered = receiver.sent_message_ids();
        if delivered.is_superset(&acknowledged) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let missing: Vec<_> = acknowledged.difference(&delivered).collect();
    assert!(
        missing.is_empty(),
        "acknowledged sends without their event after the restart: {missing:?}\n{}",
        binary::read_log(&second.log)
    );

    let stored: BTreeSet<String> = http
        .get(format!(
            "{}/api/core/v1/Messages?isOwn=true",
            second.base_url
        ))
        .header("X-API-KEY", API_KEY)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        stored.is_superset(&acknowledged),
        "every acknowledged message is stored"
    );
    let orphans: Vec<_> = delivered.difference(&stored).collect();
    assert!(
        orphans.is_empty(),
        "events for messages the Connector does not hold: {orphans:?}"
    );
    let _ = second.child.kill();
    let _ = second.child.wait();
}
