//! Runtime events reach modules inside a running Connector: a peer's relationship request
//! arrives during sync, the `autoAcceptPendingRelationships` module accepts it through the
//! Connector API (in-process, with its own scopes), and the `webhooks` module posts every event
//! to a receiver with the official `{trigger, data}` body.

mod common;

use common::webhooks::Webhooks;
use common::{Backbone, Peer};
use serde_json::{Value, json};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relationship_request_is_auto_accepted_and_every_event_is_posted() {
    let backbone = Backbone::start().await;
    let hooks = Webhooks::start().await;
    let hook_url = hooks.url.clone();

    let a = Peer::start_with(&backbone, |cfg| {
        cfg["modules"] = json!({
            "autoAcceptPendingRelationships": {"enabled": true},
            "webhooks": {"enabled": true, "targets": {"receiver": {"url": hook_url}},
                         "webhooks": [{"triggers": ["transport.**"], "target": "receiver"}],
                         "grants": {"http": {"hosts": ["127.0.0.1"]}}}
        });
    })
    .await;
    let b = Peer::start(&backbone).await;
    let (_, rel) = common::request_relationship(&a, &b, json!({}), json!({}), "truncated").await;
    let id = rel["id"].as_str().unwrap().to_owned();

    // A learns about the request on sync; the module accepts it without anyone calling REST.
    a.sync().await;
    let mut status = Value::Null;
    for _ in 0..100 {
        status = a.get(&format!("/Relationships/{id}")).await["status"].clone();
        if status == "Active" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        status, "Active",
        "the module accepted the pending relationship"
    );
    b.sync().await;
    assert_eq!(
        b.get(&format!("/Relationships/{id}")).await["status"],
        "Active"
    );

    // The webhook saw the request arrive (Pending) and the acceptance (Active), in order.
    let mut statuses = Vec::new();
    for _ in 0..100 {
        statuses = hooks
            .bodies()
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
    let first = hooks.bodies()[0].clone();
    assert_eq!(
        first["data"]["id"],
        id.as_str(),
        "the body carries the relationship DTO: {first}"
    );
}

/// The state a crash leaves between storing a change (with its event in the outbox) and handing
/// the event to the module log: at the next start, the event still reaches the module.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_left_in_the_outbox_by_a_crash_are_delivered_after_restart() {
    use store::Store;
    let backbone = Backbone::start().await;
    let hooks = Webhooks::start().await;
    let hook_url = hooks.url.clone();
    let data = tempfile::tempdir().unwrap();
    let mut cfg = common::config_json(&backbone.base_url(), data.path());
    cfg["modules"] = json!({
        "webhooks": {"enabled": true, "targets": {"receiver": {"url": hook_url}},
                     "webhooks": [{"triggers": ["transport.messageReceived"], "target": "receiver"}],
                     "grants": {"http": {"hosts": ["127.0.0.1"]}}}
    });
    let first = connector::start(common::load(cfg.clone())).await.unwrap();
    first.shutdown().await.unwrap();

    // Exactly what sync writes in its batch for a received message, left behind by a crash.
    let db = store::sqlite::SqliteStore::open_in_folder(data.path(), "default")
        .await
        .unwrap();
    db.create(
        "EventOutbox",
        json!({"id": "EVTcrashLeftover0001", "namespace": "transport.messageReceived",
               "eventTargetAddress": "did:e:localhost:dids:0000000000000000000000", "data": {"id": "MSGleftover00000001"}}),
    )
    .await
    .unwrap();
    db.close().await.unwrap();

    let _second = connector::start(common::load(cfg)).await.unwrap();
    let mut bodies = Vec::new();
    for _ in 0..100 {
        bodies = hooks.bodies();
        if !bodies.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    assert_eq!(bodies[0]["trigger"], "transport.messageReceived");
    assert_eq!(bodies[0]["data"]["id"], "MSGleftover00000001");
}
