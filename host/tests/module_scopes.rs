//! A module's `grants.api.scopes` is enforced by the Connector's own router: the hostile test
//! module (`modules/testing/hostile`, mode `forbidden`) asks for the identity
//! (`core:account`) on every event and fails if it gets it. Granted only `core:attributes`, it is
//! refused and stays healthy; granted `core:account` too, the call succeeds and the module
//! reports the leak, which shows that the probe can fail.

mod common;

use common::{Backbone, Peer};
use serde_json::{Value, json};
use std::time::Duration;

fn probe(scopes: &[&str]) -> Value {
    json!({
        "enabled": true,
        "location": common::wasm_dir().join("hostile.wasm").to_str().unwrap(),
        "mode": "forbidden",
        "grants": {"api": {"scopes": scopes}},
        "delivery": {"maxAttempts": 2, "initialBackoffMs": 20, "maxBackoffMs": 50}
    })
}

/// The module's entry in `/health` once it has finished with at least one event.
async fn settled(node: &Peer, name: &str) -> Value {
    let url = format!("{}/health", node.connector.base_url());
    for _ in 0..150 {
        let health: Value = node
            .http
            .get(&url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let entry = health["modules"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|m| m["name"] == name)
            .cloned();
        if let Some(entry) = entry
            && entry["deliveredUpTo"].as_u64().unwrap_or(0) >= 1
        {
            return entry;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("module {name} never finished an event");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_router_refuses_a_module_what_its_scopes_do_not_grant() {
    let backbone = Backbone::start().await;
    let node = Peer::start_with(&backbone, |cfg| {
        cfg["modules"] = json!({
            "confined": probe(&["core:attributes"]),
            "overgranted": probe(&["core:attributes", "core:account"]),
        });
    })
    .await;
    // Any event reaches both: an attribute created through the API.
    node.post(
        "/Attributes",
        json!({"content": {"value": {"@type": "GivenName", "value": "Probe"}}}),
    )
    .await;

    // A module that reports a leak fails the event for good: it becomes a dead letter.
    let confined = settled(&node, "confined").await;
    assert_eq!(
        confined["deadLetters"], 0,
        "refused, so nothing leaked: {confined}"
    );
    assert_eq!(confined["consecutiveFailures"], 0, "{confined}");

    let overgranted = settled(&node, "overgranted").await;
    assert_eq!(
        overgranted["deadLetters"], 1,
        "with the scope the call succeeds and the module reports it: {overgranted}"
    );
}
