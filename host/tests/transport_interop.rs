//! Interop: one identity driven by the official `@nmshd/transport` 7.0.0 (Node, in
//! `interop/transport/peer.mjs`), the other by our Connector over REST, on our Backbone:
//! template, relationship and messages in both directions.
//!
//! The bare transport library knows no `@nmshd/content` types, so contents here are plain JSON.
//! Needs Node 20 and `npm ci` in `interop/`.

mod common;

use common::{API_KEY, Backbone};
use serde_json::{Value, json};
use std::time::Duration;

#[tokio::test]
async fn the_official_transport_relates_and_messages_with_our_connector() {
    let interop = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../interop");
    assert!(
        interop.join("node_modules/@nmshd/transport").exists(),
        "run `npm ci` in interop/ first"
    );
    let backbone = Backbone::start().await;
    let data = tempfile::tempdir().unwrap();
    let connector = connector::start(common::load(common::config_json(
        &backbone.base_url(),
        data.path(),
    )))
    .await
    .unwrap();
    let http = reqwest::Client::new();
    let api = |path: &str| format!("{}/api/core/v1{path}", connector.base_url());
    let call = |method: reqwest::Method, path: &str, body: Option<Value>| {
        let mut req = http.request(method, api(path)).header("X-API-KEY", API_KEY);
        if let Some(b) = body {
            req = req.json(&b);
        }
        async move {
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            let text = resp.text().await.unwrap();
            assert!(status < 300, "{status} {text}");
            if text.is_empty() {
                Value::Null
            } else {
                serde_json::from_str::<Value>(&text).unwrap()["result"].clone()
            }
        }
    };
    let expires = (chrono::Utc::now() + chrono::Duration::minutes(10)).to_rfc3339();
    let template = call(
        reqwest::Method::POST,
        "/RelationshipTemplates/Own",
        Some(json!({"content": {"from": "connector"}, "expiresAt": expires})),
    )
    .await;

    let mut peer = tokio::process::Command::new("node")
        .arg(interop.join("transport/peer.mjs"))
        .arg(backbone.base_url())
        .arg(template["reference"]["truncated"].as_str().unwrap())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node must be installed");

    let mut accepted = false;
    let mut replied = false;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(40);
    while !replied && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(250)).await;
        call(reqwest::Method::POST, "/Account/Sync", None).await;
        if !accepted {
            let pending = call(reqwest::Method::GET, "/Relationships?status=Pending", None).await;
            if let Some(rel) = pending.as_array().unwrap().first() {
                assert_eq!(rel["creationContent"]["from"], "official transport");
                let id = rel["id"].as_str().unwrap();
                let active = call(
                    reqwest::Method::PUT,
                    &format!("/Relationships/{id}/Accept"),
                    Some(json!({})),
                )
                .await;
                assert_eq!(active["status"], "Active");
                accepted = true;
            }
            continue;
        }
        let received = call(reqwest::Method::GET, "/Messages?isOwn=false", None).await;
        if let Some(message) = received.as_array().unwrap().first() {
            assert_eq!(message["content"]["text"], "hello Connector");
            call(
                reqwest::Method::POST,
                "/Messages",
                Some(json!({"recipients": [message["createdBy"]], "content": {"text": "hello official transport"}})),
            )
            .await;
            replied = true;
        }
    }
    if !replied {
        let _ = peer.start_kill();
    }
    let output = tokio::time::timeout(Duration::from_secs(90), peer.wait_with_output())
        .await
        .expect("the official transport finishes")
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        replied,
        "no message from the official transport (accepted: {accepted}): {stdout}"
    );
    assert!(output.status.success(), "{stdout}");
    let result: Value = serde_json::from_str(
        stdout
            .lines()
            .find_map(|l| l.strip_prefix("RESULT "))
            .expect("a RESULT line"),
    )
    .unwrap();
    assert_eq!(result["templateContent"]["from"], "connector");
    assert_eq!(result["replyContent"]["text"], "hello official transport");
}
