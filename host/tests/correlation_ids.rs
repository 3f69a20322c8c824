//! Correlation ids travel from a REST request into the events it causes and out through the
//! `webhooks` module's `x-correlation-id` header, as in the official Connector: the caller's id
//! when it sent one, a fresh UUID when it did not.

mod common;

use common::webhooks::Webhooks;
use common::{API_KEY, Backbone, Peer};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_requests_correlation_id_reaches_the_webhook() {
    let backbone = Backbone::start().await;
    let hooks = Webhooks::start().await;
    let hook_url = hooks.url.clone();
    let a = Peer::start_with(&backbone, |cfg| {
        cfg["modules"] = json!({
            "webhooks": {"enabled": true, "targets": {"receiver": {"url": hook_url}},
                         "webhooks": [{"triggers": ["transport.**"], "target": "receiver"}],
                         "grants": {"http": {"hosts": ["127.0.0.1"]}}}
        });
    })
    .await;
    let b = Peer::start(&backbone).await;
    let relationship = common::relate(&a, &b).await;
    let b_addr = b.address().await;

    // A REST call with a correlation id: the event it causes carries it.
    let resp = a
        .http
        .post(a.url("/Messages"))
        .header("X-API-KEY", API_KEY)
        .header("x-correlation-id", "abc")
        .json(&json!({"recipients": [b_addr], "content": {"@type": "ArbitraryMessageContent", "value": "hi"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let sent: Value = resp.json().await.unwrap();
    let message_id = sent["result"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        hooks
            .wait_for("transport.messageSent", |d| d["data"]["id"]
                == message_id.as_str())
            .await
            .correlation_id
            .as_deref(),
        Some("abc")
    );

    // A sync run through the API: what it brings in is caused by that request.
    let reply = b
        .post(
            "/Messages",
            json!({"recipients": [a.address().await], "content": {"@type": "ArbitraryMessageContent", "value": "back"}}),
        )
        .await;
    let resp = a
        .http
        .post(a.url("/Account/Sync"))
        .header("X-API-KEY", API_KEY)
        .header("x-correlation-id", "sync-4711")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    let reply_id = reply["id"].as_str().unwrap().to_owned();
    assert_eq!(
        hooks
            .wait_for("transport.messageReceived", |d| d["data"]["id"]
                == reply_id.as_str())
            .await
            .correlation_id
            .as_deref(),
        Some("sync-4711")
    );

    // Requests without one (the relationship's acceptance) get a fresh UUID each.
    let accepted = hooks
        .wait_for("transport.relationshipChanged", |d| {
            d["data"]["id"] == relationship.as_str() && d["data"]["status"] == "Active"
        })
        .await
        .correlation_id
        .expect("a generated correlation id");
    assert!(
        uuid::Uuid::parse_str(&accepted).is_ok(),
        "{accepted} is a UUID"
    );
    let ids: Vec<String> = hooks
        .deliveries()
        .into_iter()
        .filter_map(|d| d.correlation_id)
        .collect();
    assert!(
        ids.iter().all(|id| !id.is_empty()),
        "every event has a correlation id: {ids:?}"
    );
}
