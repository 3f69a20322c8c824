//! Faults between a Connector and the Backbone lose nothing. A proxy on a loopback port stands
//! between the receiving Connector and the local Backbone and, at random but seeded points,
//! answers 503, stalls past the Connector's `platformTimeout`, or cuts an answer off in the
//! middle, while 500 messages (every tenth with an attachment) and a peer's relationship
//! request arrive through it. Every message arrives exactly once, the relationship is seen and
//! accepted, and no external event is ever reported to the Backbone as failed.
//!
//! The proxy cuts and stalls only reads, and refuses writes before they reach the Backbone:
//! a write the Backbone carried out but whose answer was lost is another matter (the
//! Connector cannot know its outcome), which this test leaves out.

mod common;

use common::proxy::{self, Fault};
use common::{Backbone, Peer, relate};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const MESSAGES: usize = 500;
const SEED: u64 = 0x5eed_f00d;
/// The receiving Connector's `platformTimeout`; a stall lasts longer.
const TIMEOUT_MS: u64 = 1_000;
const STALL: Duration = Duration::from_millis(1_300);

/// The faults injected, counted, and what the Connector reported to the Backbone.
#[derive(Default)]
struct Faults {
    on: AtomicBool,
    random: Mutex<u64>,
    refused: AtomicUsize,
    stalled: AtomicUsize,
    cut: AtomicUsize,
    /// External events the Connector reported to the Backbone with an error code.
    reported_failed: AtomicUsize,
}

impl Faults {
    /// A number in 0..100 from a xorshift generator: the same faults at the same points of
    /// the same request sequence in every run.
    fn roll(&self) -> u64 {
        let mut state = self.random.lock().unwrap();
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state % 100
    }

    /// 6 % of all requests refused; of the reads, 1 % stalled past the timeout and 4 % cut.
    fn decide(&self, method: &reqwest::Method) -> Fault {
        if !self.on.load(Ordering::SeqCst) {
            return Fault::Pass;
        }
        let (roll, read) = (self.roll(), method == reqwest::Method::GET);
        let (count, fault) = match roll {
            0..6 => (&self.refused, Fault::Refuse),
            6 if read => (&self.stalled, Fault::Stall(STALL)),
            7..11 if read => (&self.cut, Fault::Cut),
            _ => return Fault::Pass,
        };
        count.fetch_add(1, Ordering::SeqCst);
        fault
    }

    fn observe(&self, path: &str, body: &[u8]) {
        if !path.ends_with("/FinalizeExternalEventSync") {
            return;
        }
        let finalize: Value = serde_json::from_slice(body).unwrap();
        let failed = finalize["externalEventResults"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| !r["errorCode"].is_null())
            .count();
        self.reported_failed.fetch_add(failed, Ordering::SeqCst);
    }
}

/// Calls until the Connector answers `status` (faults may fail a call that needs the
/// Backbone); returns the result.
async fn until(
    peer: &Peer,
    method: reqwest::Method,
    path: &str,
    body: Value,
    status: u16,
) -> Value {
    for _ in 0..50 {
        let resp = peer.send(method.clone(), path, Some(body.clone())).await;
        if resp.status().as_u16() == status {
            let text = resp.text().await.unwrap();
            return serde_json::from_str::<Value>(&text)
                .map_or(Value::Null, |v| v["result"].clone());
        }
    }
    panic!("{method} {path} never answered {status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_and_relationships_arrive_exactly_once_through_a_faulty_network() {
    let backbone = Backbone::start_with(backbone::Config {
        max_unreceived_messages_per_sender: MESSAGES as u64 * 2,
        ..Default::default()
    })
    .await;
    let faults = Arc::new(Faults {
        random: Mutex::new(SEED),
        ..Default::default()
    });
    let (decide, observe) = (faults.clone(), faults.clone());
    let proxy_url = proxy::start(
        backbone.base_url(),
        move |method, _| decide.decide(method),
        move |path, body| observe.observe(path, body),
    )
    .await;
    let a = Peer::start(&backbone).await;
    let c = Peer::start(&backbone).await;
    let b = Peer::start_with(&backbone, |cfg| {
        cfg["transportLibrary"]["baseUrl"] = json!(proxy_url);
        cfg["transportLibrary"]["platformTimeout"] = json!(TIMEOUT_MS);
    })
    .await;
    relate(&a, &b).await;
    let b_address = b.address().await;
    let (template, token) = common::template_with_token(&b, json!({})).await;

    faults.on.store(true, Ordering::SeqCst);
    let mut sent = Vec::new();
    let mut with_attachment = Vec::new();
    for i in 0..MESSAGES {
        let mut body = json!({"recipients": [b_address], "content": {"@type": "ArbitraryMessageContent", "value": i}});
        if i % 10 == 0 {
            let form = reqwest::multipart::Form::new()
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(format!("attachment {i}").into_bytes())
                        .file_name(format!("{i}.txt"))
                        .mime_str("text/plain")
                        .unwrap(),
                )
                .text("expiresAt", common::in_minutes(60));
            let file = a.upload(form).await;
            body["attachments"] = json!([file["id"]]);
            with_attachment.push(file["id"].as_str().unwrap().to_owned());
        }
        let message = a.post("/Messages", body).await;
        sent.push(message["id"].as_str().unwrap().to_owned());
        if i == MESSAGES / 2 {
            // A peer asks for a relationship in the middle of the flood.
            common::request_by_token(&c, &token, template["id"].as_str().unwrap()).await;
        }
    }

    // B syncs through the faults until everything is there; a sync the faults break answers
    // with an error and the next one goes on.
    let mut syncs = 0;
    let (messages, relationships) = loop {
        syncs += 1;
        assert!(syncs <= 60, "not everything arrived after {syncs} syncs");
        let _ = b.send(reqwest::Method::POST, "/Account/Sync", None).await;
        let messages = b.get("/Messages").await;
        let relationships = b.get("/Relationships").await;
        let received = messages
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["isOwn"] == false)
            .count();
        if received >= MESSAGES && relationships.as_array().unwrap().len() == 2 {
            break (messages, relationships);
        }
    };

    let received: Vec<&Value> = messages
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["isOwn"] == false)
        .collect();
    let ids: HashSet<&str> = received.iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(received.len(), MESSAGES, "each message once");
    assert_eq!(ids, sent.iter().map(String::as_str).collect::<HashSet<_>>());
    for file in &with_attachment {
        let on_b = b.get(&format!("/Files/{file}")).await;
        assert_eq!(on_b["isOwn"], false);
    }

    let c_address = c.address().await;
    let pending = relationships
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["peer"] == c_address.as_str())
        .expect("C's relationship request");
    assert_eq!(pending["status"], "Pending");
    let id = pending["id"].as_str().unwrap();
    let accepted = until(
        &b,
        reqwest::Method::PUT,
        &format!("/Relationships/{id}/Accept"),
        json!({}),
        200,
    )
    .await;
    assert_eq!(accepted["status"], "Active");
    c.sync().await;
    assert_eq!(
        c.get(&format!("/Relationships/{id}")).await["status"],
        "Active"
    );

    let (refused, stalled, cut) = (
        faults.refused.load(Ordering::SeqCst),
        faults.stalled.load(Ordering::SeqCst),
        faults.cut.load(Ordering::SeqCst),
    );
    println!(
        "faults survived: {refused} refused (503), {stalled} stalled past the timeout, {cut} cut mid-answer; {syncs} syncs; seed {SEED:#x}"
    );
    assert!(
        refused > 0 && stalled > 0 && cut > 0,
        "every kind of fault happened"
    );
    assert_eq!(
        faults.reported_failed.load(Ordering::SeqCst),
        0,
        "no external event reported as failed"
    );
}
