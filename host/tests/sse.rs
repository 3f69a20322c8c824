//! The `sse` module: with it enabled, a Connector learns about a peer's relationship request
//! from the Backbone's event stream and syncs by itself, without `POST /Account/Sync`.

mod common;

use common::{API_KEY, Backbone};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

async fn call(base: &str, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .request(method, format!("{base}/api/core/v1{path}"))
        .header("X-API-KEY", API_KEY);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str::<Value>(&text)
            .map(|v| v["result"].clone())
            .unwrap_or(Value::Null),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn announced_events_are_synced_without_asking() {
    let backbone = Backbone::start().await;
    let data_a = tempfile::tempdir().unwrap();
    let mut cfg = common::config_json(&backbone.base_url(), data_a.path());
    cfg["modules"] = json!({"sse": {"enabled": true}});
    let a = connector::start(common::load(cfg)).await.unwrap();
    let data_b = tempfile::tempdir().unwrap();
    let b = connector::start(common::load(common::config_json(
        &backbone.base_url(),
        data_b.path(),
    )))
    .await
    .unwrap();
    let (a, b) = (a.base_url(), b.base_url());

    let expires = (chrono::Utc::now() + chrono::Duration::minutes(30)).to_rfc3339();
    let content = json!({"@type": "ArbitraryRelationshipTemplateContent", "value": {}});
    let (_, template) = call(
        &a,
        Method::POST,
        "/RelationshipTemplates/Own",
        Some(json!({"content": content, "expiresAt": expires})),
    )
    .await;
    let (_, token) = call(
        &a,
        Method::POST,
        &format!(
            "/RelationshipTemplates/Own/{}/Token",
            template["id"].as_str().unwrap()
        ),
        Some(json!({})),
    )
    .await;
    let (_, loaded) = call(
        &b,
        Method::POST,
        "/RelationshipTemplates/Peer",
        Some(json!({"reference": token["reference"]["truncated"]})),
    )
    .await;
    let creation = json!({"@type": "ArbitraryRelationshipCreationContent", "value": {}});
    let (status, rel) = call(
        &b,
        Method::POST,
        "/Relationships",
        Some(json!({"templateId": loaded["id"], "creationContent": creation})),
    )
    .await;
    assert_eq!(status, 201);
    let id = rel["id"].as_str().unwrap();

    // No one calls A's sync: the Backbone's announcement makes A fetch the request.
    let mut found = 0;
    for _ in 0..100 {
        found = call(&a, Method::GET, &format!("/Relationships/{id}"), None)
            .await
            .0;
        if found == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        found, 200,
        "the pending relationship arrived through the event stream"
    );
}
