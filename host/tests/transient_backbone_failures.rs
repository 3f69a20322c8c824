//! A Backbone that fails for a while loses nothing: a received message whose download answers
//! 503 through more sync runs than the Backbone allows failures for is kept for a later try,
//! and arrives once the Backbone answers again. A proxy on a loopback port stands between the
//! receiving Connector and the local Backbone and fails the message downloads while told to.

mod common;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use common::{Backbone, Peer, relate};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

#[derive(Clone)]
struct Proxy {
    target: String,
    client: reqwest::Client,
    failing: Arc<AtomicBool>,
    refused: Arc<AtomicUsize>,
}

/// Forwards every request to the Backbone, except message downloads while `failing`.
async fn forward(State(proxy): State<Proxy>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let download = request.method() == "GET" && path.starts_with("/api/v2/Messages/MSG");
    if download && proxy.failing.load(Ordering::SeqCst) {
        proxy.refused.fetch_add(1, Ordering::SeqCst);
        return (StatusCode::SERVICE_UNAVAILABLE, "maintenance").into_response();
    }
    let url = format!(
        "{}{}",
        proxy.target,
        request.uri().path_and_query().map_or("", |p| p.as_str())
    );
    let mut outgoing = proxy.client.request(request.method().clone(), url);
    for (name, value) in request.headers() {
        if name != "host" {
            outgoing = outgoing.header(name, value);
        }
    }
    let body = axum::body::to_bytes(request.into_body(), usize::MAX)
        .await
        .unwrap();
    let answer = outgoing.body(body).send().await.unwrap();
    let mut response = Response::builder().status(answer.status().as_u16());
    for (name, value) in answer.headers() {
        response = response.header(name, value);
    }
    response
        .body(Body::from(answer.bytes().await.unwrap()))
        .unwrap()
}

async fn start_proxy(target: String) -> (String, Proxy) {
    let proxy = Proxy {
        target,
        client: reqwest::Client::new(),
        failing: Arc::default(),
        refused: Arc::default(),
    };
    let app = Router::new().fallback(forward).with_state(proxy.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, proxy)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_survives_more_failed_downloads_than_the_backbone_allows() {
    let backbone = Backbone::start().await;
    let (proxy_url, proxy) = start_proxy(backbone.base_url()).await;
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
    proxy.failing.store(true, Ordering::SeqCst);
    for _ in 0..5 {
        b.sync().await;
    }
    assert!(
        proxy.refused.load(Ordering::SeqCst) >= 5,
        "every sync tried the download"
    );
    let resp = b
        .send(reqwest::Method::GET, &format!("/Messages/{id}"), None)
        .await;
    assert_eq!(resp.status().as_u16(), 404, "not there during the outage");

    proxy.failing.store(false, Ordering::SeqCst);
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
