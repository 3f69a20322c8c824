//! The `sse` module: with it enabled, a Connector learns about a peer's relationship request
//! from the Backbone's event stream and syncs by itself, without `POST /Account/Sync`.

mod common;

use common::{Backbone, Peer};
use reqwest::Method;
use serde_json::json;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn announced_events_are_synced_without_asking() {
    let backbone = Backbone::start().await;
    let a = Peer::start_with(&backbone, |cfg| {
        cfg["modules"] = json!({"sse": {"enabled": true}});
    })
    .await;
    let b = Peer::start(&backbone).await;
    let (_, rel) = common::request_relationship(&a, &b, json!({}), json!({}), "truncated").await;
    let id = rel["id"].as_str().unwrap();

    // No one calls A's sync: the Backbone's announcement makes A fetch the request.
    let mut found = 0;
    for _ in 0..100 {
        found = a
            .call(Method::GET, &format!("/Relationships/{id}"), None)
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
