//! A Backbone that fails for a while loses nothing: a received message whose download answers
//! 503 through more sync runs than the Backbone allows failures for is kept for a later try,
//! and arrives once the Backbone answers again. A proxy on a loopback port stands between the
//! receiving Connector and the local Backbone and fails the message downloads while told to.

mod common;

use common::proxy::{self, Fault};
use common::{Backbone, Peer, relate};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_survives_more_failed_downloads_than_the_backbone_allows() {
    let backbone = Backbone::start().await;
    // Message downloads are refused while `failing`.
    let (failing, refused) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicUsize::new(0)),
    );
    let (fail, count) = (failing.clone(), refused.clone());
    let proxy_url = proxy::start(
        backbone.base_url(),
        move |method, path| {
            let download =
                method == reqwest::Method::GET && path.starts_with("/api/v2/Messages/MSG");
            if download && fail.load(Ordering::SeqCst) {
                count.fetch_add(1, Ordering::SeqCst);
                return Fault::Refuse;
            }
            Fault::Pass
        },
        |_, _| {},
    )
    .await;
    let a = Peer::start(&backbone).await;
    let b = Peer::start_with(&backbone, |cfg| {
        cfg["transportLibrary"]["baseUrl"] = json!(proxy_url);
    })
    .await;
    relate(&a, &b).await;

    let sent = a
        .post(
            "/Messages",
            json!({"recipients": [b.address().await], "content": {"@type": "ArbitraryMessageContent", "value": "through the outage"}}),
        )
        .await;
    let id = sent["id"].as_str().unwrap().to_owned();

    // The Backbone gives an event up after three failed runs; five runs fail here.
    failing.store(true, Ordering::SeqCst);
    for _ in 0..5 {
        b.sync().await;
    }
    assert!(
        refused.load(Ordering::SeqCst) >= 5,
        "every sync tried the download"
    );
    let resp = b
        .send(reqwest::Method::GET, &format!("/Messages/{id}"), None)
        .await;
    assert_eq!(resp.status().as_u16(), 404, "not there during the outage");

    failing.store(false, Ordering::SeqCst);
    b.sync().await;
    let received = b.get(&format!("/Messages/{id}")).await;
    assert_eq!(received["content"]["value"], "through the outage");
    assert_eq!(received["isOwn"], false);

    // Kept once: later syncs do not bring it again.
    b.sync().await;
    let listed = b.get("/Messages").await;
    let copies = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["id"] == id.as_str())
        .count();
    assert_eq!(copies, 1);
}
