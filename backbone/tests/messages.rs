//! Messages on the local Backbone: a recipient's first fetch records its receipt and tells
//! the sender with one `MessageDelivered` event, as the transport library expects.

mod common;

use backbone::Config;
use common::{result_id, start};
use reqwest::StatusCode;
use serde_json::Value;

fn event_types(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["type"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn the_recipients_first_fetch_tells_the_sender_once() {
    let h = start(Config::default()).await;
    let (a, b) = (h.identity().await, h.identity().await);
    h.active_relationship(&a, &b).await;
    h.sync_all(&a).await;
    h.sync_all(&b).await;
    let (status, sent) = h.send_message(&a, &b).await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    let id = result_id(&sent);

    // The sender's own reads change nothing.
    let (_, own) = h
        .get(Some(&a.token), &format!("/api/v2/Messages/{id}"))
        .await;
    assert!(
        own["result"]["recipients"][0]["receivedAt"].is_null(),
        "{own}"
    );
    assert!(event_types(&h.sync_all(&a).await).is_empty());

    let (_, first) = h
        .get(Some(&b.token), &format!("/api/v2/Messages/{id}"))
        .await;
    let receipt = first["result"]["recipients"][0].clone();
    assert!(receipt["receivedAt"].is_string(), "{first}");
    assert_eq!(receipt["receivedByDevice"], b.device);
    h.get(Some(&b.token), &format!("/api/v2/Messages/{id}"))
        .await;
    h.get(Some(&b.token), "/api/v2/Messages").await;

    let events = h.sync_all(&a).await;
    assert_eq!(event_types(&events), ["MessageDelivered"]);
    assert_eq!(events[0]["payload"]["id"], id);
    let (_, seen) = h
        .get(
            Some(&a.token),
            &format!("/api/v2/Messages/{id}?noBody=true"),
        )
        .await;
    assert_eq!(
        seen["result"]["recipients"][0]["receivedAt"],
        receipt["receivedAt"]
    );
    assert!(seen["result"].get("body").is_none());
}
