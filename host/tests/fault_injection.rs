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

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
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

#[derive(Clone)]
struct Proxy {
    target: String,
    client: reqwest::Client,
    faulty: Arc<AtomicBool>,
    random: Arc<Mutex<u64>>,
    refused: Arc<AtomicUsize>,
    stalled: Arc<AtomicUsize>,
    cut: Arc<AtomicUsize>,
    /// External events the Connector reported to the Backbone with an error code.
    reported_failed: Arc<AtomicUsize>,
}

impl Proxy {
    /// A number in 0..100 from a xorshift generator: the same faults at the same points of
    /// the same request sequence in every run.
    fn roll(&self) -> u64 {
        let mut state = self.random.lock().unwrap();
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state % 100
    }
}

async fn forward(State(proxy): State<Proxy>, request: Request) -> Response {
    let method = request.method().clone();
    let path_and_query = request
        .uri()
        .path_and_query()
        .map_or(String::new(), |p| p.as_str().to_owned());
    let read = method == "GET";
    let roll = if proxy.faulty.load(Ordering::SeqCst) {
        proxy.roll()
    } else {
        100
    };
    if roll < 6 {
        proxy.refused.fetch_add(1, Ordering::SeqCst);
        return (StatusCode::SERVICE_UNAVAILABLE, "maintenance").into_response();
    }
    let stall = read && roll < 7;
    let cut = read && (7..11).contains(&roll);

    let mut outgoing = proxy
        .client
        .request(method.clone(), format!("{}{path_and_query}", proxy.target));
    for (name, value) in request.headers() {
        if name != "host" {
            outgoing = outgoing.header(name, value);
        }
    }
    let body = axum::body::to_bytes(request.into_body(), usize::MAX)
        .await
        .unwrap();
    if path_and_query.ends_with("/FinalizeExternalEventSync") {
        let finalize: Value = serde_json::from_slice(&body).unwrap();
        let failed = finalize["externalEventResults"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| !r["errorCode"].is_null())
            .count();
        proxy.reported_failed.fetch_add(failed, Ordering::SeqCst);
    }
    if stall {
        proxy.stalled.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(STALL).await;
    }
    let answer = outgoing.body(body).send().await.unwrap();
    let mut response = Response::builder().status(answer.status().as_u16());
    for (name, value) in answer.headers() {
        if name != "content-length" {
            response = response.header(name, value);
        }
    }
    let bytes = answer.bytes().await.unwrap();
    if cut && bytes.len() > 1 {
        proxy.cut.fetch_add(1, Ordering::SeqCst);
        // Half the answer, then the connection breaks.
        let half = bytes.slice(..bytes.len() / 2);
        let chunks: Vec<Result<axum::body::Bytes, std::io::Error>> = vec![
            Ok(half),
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "cut",
            )),
        ];
        return response
            .body(Body::from_stream(futures_util::stream::iter(chunks)))
            .unwrap();
    }
    response.body(Body::from(bytes)).unwrap()
}

async fn start_proxy(target: String) -> (String, Proxy) {
    let proxy = Proxy {
        target,
        client: reqwest::Client::new(),
        faulty: Arc::default(),
        random: Arc::new(Mutex::new(SEED)),
        refused: Arc::default(),
        stalled: Arc::default(),
        cut: Arc::default(),
        reported_failed: Arc::default(),
    };
    let app = Router::new().fallback(forward).with_state(proxy.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, proxy)
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
    let (proxy_url, proxy) = start_proxy(backbone.base_url()).await;
    let a = Peer::start(&backbone).await;
    let c = Peer::start(&backbone).await;
    let b = Peer::start_with(&backbone, |cfg| {
        cfg["transportLibrary"]["baseUrl"] = json!(proxy_url);
        cfg["transportLibrary"]["platformTimeout"] = json!(TIMEOUT_MS);
    })
    .await;
    relate(&a, &b).await;
    let b_address = b.address().await;
    let template = b
        .post(
            "/RelationshipTemplates/Own",
            json!({"content": {"@type": "ArbitraryRelationshipTemplateContent", "value": {}}, "expiresAt": common::in_minutes(60)}),
        )
        .await;
    let token = b
        .post(
            &format!(
                "/RelationshipTemplates/Own/{}/Token",
                template["id"].as_str().unwrap()
            ),
            json!({}),
        )
        .await;

    proxy.faulty.store(true, Ordering::SeqCst);
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
            c.post(
                "/RelationshipTemplates/Peer",
                json!({"reference": token["reference"]["truncated"]}),
            )
            .await;
            c.post(
                "/Relationships",
                json!({"templateId": template["id"], "creationContent": {"@type": "ArbitraryRelationshipCreationContent", "value": {}}}),
            )
            .await;
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
        proxy.refused.load(Ordering::SeqCst),
        proxy.stalled.load(Ordering::SeqCst),
        proxy.cut.load(Ordering::SeqCst),
    );
    println!(
        "faults survived: {refused} refused (503), {stalled} stalled past the timeout, {cut} cut mid-answer; {syncs} syncs; seed {SEED:#x}"
    );
    assert!(
        refused > 0 && stalled > 0 && cut > 0,
        "every kind of fault happened"
    );
    assert_eq!(
        proxy.reported_failed.load(Ordering::SeqCst),
        0,
        "no external event reported as failed"
    );
}
