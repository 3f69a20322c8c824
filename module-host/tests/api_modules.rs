//! The built-in modules that work through the Connector's own API (sync,
//! autoAcceptPendingRelationships, autoDecomposeDeletionProposedRelationships), a custom
//! module's key-value store, and scope checks.

mod common;

use common::*;
use module_host::Event;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn sync_runs_at_start_and_then_every_interval() {
    let dir = tempfile::tempdir().unwrap();
    let api = TestApi::new();
    let config = json!({"sync": {"enabled": true, "interval": 1}});
    let host = start_host(config, sqlite_store(dir.path()).await, api.clone()).await;
    assert!(
        wait_until(Duration::from_secs(5), || api
            .calls_to("POST", "/api/core/v1/Account/Sync")
            >= 1)
        .await
    );
    assert!(
        wait_until(Duration::from_secs(5), || api
            .calls_to("POST", "/api/core/v1/Account/Sync")
            >= 2)
        .await
    );
    let calls = api.calls.lock().unwrap().clone();
    assert_eq!(
        calls[0].2,
        ["core:account"],
        "called with the sync module's scopes"
    );
    assert!(host.health().await[0].healthy);
    host.shutdown().await;
}

fn relationship(id: &str, status: &str, created_by: &str, entries: usize) -> serde_json::Value {
    let entry = json!({"createdBy": created_by, "createdAt": "2026-01-01T00:00:00.000Z", "reason": "Creation", "newStatus": "Pending"});
    json!({"id": id, "status": status, "peer": "did:e:localhost:dids:peer", "auditLog": vec![entry; entries]})
}

#[tokio::test]
async fn pending_relationships_from_peers_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let api = TestApi::new();
    let config = json!({"autoAcceptPendingRelationships": {"enabled": true}});
    let host = start_host(config, sqlite_store(dir.path()).await, api.clone()).await;
    let changed = "transport.relationshipChanged";
    host.publish(Event::new(
        changed,
        relationship("RELpeer", "Pending", "did:e:localhost:dids:peer", 1),
    ))
    .await
    .unwrap();
    host.publish(Event::new(
        changed,
        relationship("RELmine", "Pending", "did:e:localhost:dids:self", 1),
    ))
    .await
    .unwrap();
    host.publish(Event::new(
        changed,
        relationship("RELactive", "Active", "did:e:localhost:dids:peer", 2),
    ))
    .await
    .unwrap();
    host.publish(Event::new(
        changed,
        relationship("RELlast", "Pending", "did:e:localhost:dids:peer", 1),
    ))
    .await
    .unwrap();
    assert!(
        wait_until(Duration::from_secs(10), || api
            .calls_to("PUT", "/api/core/v1/Relationships/RELlast/Accept")
            == 1)
        .await
    );
    assert_eq!(
        api.calls_to("PUT", "/api/core/v1/Relationships/RELpeer/Accept"),
        1
    );
    assert_eq!(
        api.calls_to("PUT", "/api/core/v1/Relationships/RELmine/Accept"),
        0,
        "own requests are not accepted"
    );
    assert_eq!(
        api.calls_to("PUT", "/api/core/v1/Relationships/RELactive/Accept"),
        0
    );
    assert_eq!(
        api.calls_to("GET", "/api/core/v1/Account/IdentityInfo"),
        1,
        "own address is cached"
    );
    host.shutdown().await;
}

#[tokio::test]
async fn deletion_proposed_relationships_are_decomposed_at_start_and_on_change() {
    let dir = tempfile::tempdir().unwrap();
    let api = TestApi::new();
    api.deletion_proposed.lock().unwrap().push(relationship(
        "RELold",
        "DeletionProposed",
        "did:e:x",
        2,
    ));
    let config = json!({"autoDecomposeDeletionProposedRelationships": {"enabled": true}});
    let host = start_host(config, sqlite_store(dir.path()).await, api.clone()).await;
    assert!(
        wait_until(Duration::from_secs(5), || api
            .calls_to("DELETE", "/api/core/v1/Relationships/RELold")
            == 1)
        .await
    );
    host.publish(Event::new(
        "transport.relationshipChanged",
        relationship("RELnew", "DeletionProposed", "did:e:x", 3),
    ))
    .await
    .unwrap();
    host.publish(Event::new(
        "transport.relationshipChanged",
        relationship("RELok", "Active", "did:e:x", 2),
    ))
    .await
    .unwrap();
    assert!(
        wait_until(Duration::from_secs(5), || api
            .calls_to("DELETE", "/api/core/v1/Relationships/RELnew")
            == 1)
        .await
    );
    assert_eq!(
        api.calls_to("DELETE", "/api/core/v1/Relationships/RELok"),
        0
    );
    host.shutdown().await;
}

#[tokio::test]
async fn a_custom_module_keeps_state_in_its_own_kv_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite_store(dir.path()).await;
    let config =
        json!({"counter": {"enabled": true, "location": wasm("template").to_str().unwrap()}});
    let host = start_host(config.clone(), store.clone(), TestApi::new()).await;
    for _ in 0..3 {
        host.publish(Event::new(
            "transport.messageReceived",
            json!({"id": "MSG"}),
        ))
        .await
        .unwrap();
    }
    host.publish(Event::new("transport.messageSent", json!({"id": "MSG"})))
        .await
        .unwrap();
    assert!(
        wait_for_kv(&store, "counter/received", "3").await,
        "3 messages counted, not the messageSent"
    );
    host.shutdown().await;
    drop(host);

    let host = start_host(config, store.clone(), TestApi::new()).await;
    host.publish(Event::new(
        "transport.messageReceived",
        json!({"id": "MSG"}),
    ))
    .await
    .unwrap();
    assert!(
        wait_for_kv(&store, "counter/received", "4").await,
        "the count went on after the restart"
    );
    host.shutdown().await;
}

#[tokio::test]
async fn a_module_whose_declared_scope_is_not_granted_does_not_load() {
    let dir = tempfile::tempdir().unwrap();
    // A custom sync module (it declares `api: ["core:account"]`) granted a scope that does not
    // cover /Account: refused at load, naming the grant, instead of failing every tick.
    let config: module_host::ModulesConfig = serde_json::from_value(
        json!({"mySync": {"enabled": true, "location": wasm("sync").to_str().unwrap(), "interval": 60,
               "grants": {"api": {"scopes": ["core:messages"]}}}}),
    )
    .unwrap();
    let services = module_host::HostServices {
        store: sqlite_store(dir.path()).await,
        api: TestApi::new(),
    };
    let err = module_host::ModuleHost::start(&config, options(), services)
        .await
        .err()
        .expect("the module must not load")
        .to_string();
    assert_eq!(
        err,
        "module 'mySync' needs grants.api.scopes: \"core:account\", which its config does not grant"
    );
}

#[tokio::test]
async fn a_failed_tick_is_retried_before_the_interval() {
    let dir = tempfile::tempdir().unwrap();
    let api = TestApi::new();
    api.sync_unavailable
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let config = json!({"mySync": {"enabled": true, "location": wasm("sync").to_str().unwrap(), "interval": 60,
                        "grants": {"api": {"scopes": ["core:account"]}}, "delivery": {"unhealthyAfter": 1}}});
    let host = start_host(config, sqlite_store(dir.path()).await, api.clone()).await;
    let failed = wait_until(Duration::from_secs(5), || {
        futures_util::FutureExt::now_or_never(host.health()).is_some_and(|h| !h[0].healthy)
    })
    .await;
    let health = host.health().await;
    assert!(failed, "{health:?}");
    assert!(
        health[0].last_error.as_deref().unwrap().contains("503"),
        "{health:?}"
    );
    assert_eq!(api.calls.lock().unwrap()[0].2, ["core:account"]);
    // Retried with backoff, well before the 60 s interval.
    let retried = wait_until(Duration::from_secs(5), || {
        api.calls_to("POST", "/api/core/v1/Account/Sync") >= 2
    })
    .await;
    assert!(retried, "the failed sync was retried before the interval");
    host.shutdown().await;
}

/// Waits until the module key-value entry `id` holds `expected` (stored base64-encoded).
async fn wait_for_kv(store: &std::sync::Arc<dyn store::Store>, id: &str, expected: &str) -> bool {
    use base64::Engine as _;
    let expected = base64::engine::general_purpose::STANDARD.encode(expected);
    for _ in 0..250 {
        let doc = store.get("ModuleKv", id).await.unwrap();
        if doc.is_some_and(|d| d["value"] == expected.as_str()) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}
