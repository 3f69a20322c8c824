//! Runtime events reach modules inside a running Connector: a peer's relationship request
//! arrives during sync, the `autoAcceptPendingRelationships` module accepts it through the
//! Connector API (in-process, with its own scopes), and the `webhooks` module posts every event
//! to a receiver with the official `{trigger, data}` body.

mod common;

use axum::{Json, Router, routing::post};
use common::{API_KEY, Backbone};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

type Received = Arc<Mutex<Vec<Value>>>;

async fn webhook_receiver() -> (String, Received) {
    let received: Received = Arc::default();
    let sink = received.clone();
    let app = Router::new().route(
        "/hook/{trigger}",
        post(move |Json(body): Json<Value>| {
            let sink = sink.clone();
            async move {
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
    (url, received)
}

struct Api {
    base: String,
    http: reqwest::Client,
}

impl Api {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        status: u16,
    ) -> Value {
        let mut req = self
            .http
            .request(method, format!("{}/api/core/v1{path}", self.base))
            .header("X-API-KEY", API_KEY);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status().as_u16(), status, "{path}");
        let text = resp.text().await.unwrap();
        if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str::<Value>(&text).unwrap()["result"].clone()
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relationship_request_is_auto_accepted_and_every_event_is_posted() {
    let backbone = Backbone::start().await;
    let (hook_url, received) = webhook_receiver().await;
    let wasm = common::wasm_dir();

    let data_a = tempfile::tempdir().unwrap();
    let mut cfg = common::config_json(&backbone.base_url(), data_a.path());
    cfg["moduleHost"] = json!({"builtinDirectory": wasm});
    cfg["modules"] = json!({
        "autoAcceptPendingRelationships": {"enabled": true},
        "webhooks": {"enabled": true, "targets": {"receiver": {"url": hook_url}},
                     "webhooks": [{"triggers": ["transport.**"], "target": "receiver"}],
                     "grants": {"allowedHosts": ["127.0.0.1"]}}
    });
    let a = connector::start(common::load(cfg)).await.unwrap();
    let data_b = tempfile::tempdir().unwrap();
    let b = connector::start(common::load(common::config_json(
        &backbone.base_url(),
        data_b.path(),
    )))
    .await
    .unwrap();
    let (a, b_conn) = (
        Api {
            base: a.base_url(),
            http: reqwest::Client::new(),
        },
        b,
    );
    let b = Api {
        base: b_conn.base_url(),
        http: reqwest::Client::new(),
    };
    use reqwest::Method;

    let expires = (chrono::Utc::now() + chrono::Duration::minutes(30)).to_rfc3339();
    let template = a
        .call(Method::POST, "/RelationshipTemplates/Own",
            Some(json!({"content": {"@type": "ArbitraryRelationshipTemplateContent", "value": {}}, "expiresAt": expires})), 201)
        .await;
    let token = a
        .call(
            Method::POST,
            &format!(
                "/RelationshipTemplates/Own/{}/Token",
                template["id"].as_str().unwrap()
            ),
            Some(json!({})),
            201,
        )
        .await;
    let loaded = b
        .call(
            Method::POST,
            "/RelationshipTemplates/Peer",
            Some(json!({"reference": token["reference"]["truncated"]})),
            201,
        )
        .await;
    let rel = b
        .call(Method::POST, "/Relationships",
            Some(json!({"templateId": loaded["id"], "creationContent": {"@type": "ArbitraryRelationshipCreationContent", "value": {}}})), 201)
        .await;
    let id = rel["id"].as_str().unwrap().to_owned();

    // A learns about the request on sync; the module accepts it without anyone calling REST.
    a.call(Method::POST, "/Account/Sync", None, 204).await;
    let mut status = Value::Null;
    for _ in 0..100 {
        status = a
            .call(Method::GET, &format!("/Relationships/{id}"), None, 200)
            .await["status"]
            .clone();
        if status == "Active" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        status, "Active",
        "the module accepted the pending relationship"
    );
    b.call(Method::POST, "/Account/Sync", None, 204).await;
    assert_eq!(
        b.call(Method::GET, &format!("/Relationships/{id}"), None, 200)
            .await["status"],
        "Active"
    );

    // The webhook saw the request arrive (Pending) and the acceptance (Active), in order.
    let mut statuses = Vec::new();
    for _ in 0..100 {
        statuses = received
            .lock()
            .unwrap()
            .iter()
            .filter(|b| b["trigger"] == "transport.relationshipChanged")
            .map(|b| b["data"]["status"].as_str().unwrap_or_default().to_owned())
            .collect();
        if statuses.contains(&"Active".to_owned()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        statuses.first().map(String::as_str),
        Some("Pending"),
        "{statuses:?}"
    );
    assert!(statuses.contains(&"Active".to_owned()), "{statuses:?}");
    let first = received.lock().unwrap()[0].clone();
    assert_eq!(
        first["data"]["id"],
        id.as_str(),
        "the body carries the relationship DTO: {first}"
    );
}
