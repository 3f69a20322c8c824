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

/// The stream is opened where the real Backbone's SSE server serves it, `/api/v1/sse`, with the
/// device's bearer token: a stand-in server at `baseUrlOverride` records what it is asked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_is_opened_at_the_real_backbones_path() {
    use axum::http::HeaderMap;
    use axum::http::Uri;
    use tokio::sync::mpsc;

    let (seen, mut requests) = mpsc::unbounded_channel::<(String, bool)>();
    let stand_in = axum::Router::new().fallback(move |uri: Uri, headers: HeaderMap| {
        let seen = seen.clone();
        async move {
            let bearer = headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("Bearer "));
            let _ = seen.send((uri.path().to_owned(), bearer));
            (
                [("content-type", "text/event-stream")],
                "event: ConnectionOpened\ndata: _\n\n",
            )
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sse_url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, stand_in).await });

    let backbone = Backbone::start().await;
    let _a = Peer::start_with(&backbone, |cfg| {
        cfg["modules"] = json!({"sse": {"enabled": true, "baseUrlOverride": sse_url}});
    })
    .await;
    let (path, bearer) = tokio::time::timeout(Duration::from_secs(20), requests.recv())
        .await
        .expect("the Connector opens the event stream")
        .unwrap();
    assert_eq!(path, "/api/v1/sse");
    assert!(bearer, "the stream is opened with the device's token");
}
