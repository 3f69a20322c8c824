//! A proxy on a loopback port between a Connector and the Backbone, for fault tests: it
//! forwards every request, except where the test's `decide` says to refuse it (503, without
//! forwarding), stall it, or cut its answer off in the middle; `observe` sees every request
//! body first.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::Duration;

/// What happens to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Pass,
    /// 503 without forwarding: the Backbone never sees it.
    Refuse,
    /// Forwarded after this pause.
    Stall(Duration),
    /// Forwarded; half the answer arrives, then the connection breaks.
    Cut,
}

type Decide = dyn Fn(&Method, &str) -> Fault + Send + Sync;
type Observe = dyn Fn(&str, &Bytes) + Send + Sync;

#[derive(Clone)]
struct Proxy {
    target: String,
    client: reqwest::Client,
    decide: Arc<Decide>,
    observe: Arc<Observe>,
}

/// Starts a proxy to `target`; returns its base URL.
pub async fn start(
    target: String,
    decide: impl Fn(&Method, &str) -> Fault + Send + Sync + 'static,
    observe: impl Fn(&str, &Bytes) + Send + Sync + 'static,
) -> String {
    let proxy = Proxy {
        target,
        client: reqwest::Client::new(),
        decide: Arc::new(decide),
        observe: Arc::new(observe),
    };
    let app = Router::new().fallback(forward).with_state(proxy);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

async fn forward(State(proxy): State<Proxy>, request: Request) -> Response {
    let method = request.method().clone();
    let path_and_query = request
        .uri()
        .path_and_query()
        .map_or(String::new(), |p| p.as_str().to_owned());
    let fault = (proxy.decide)(&method, &path_and_query);
    if fault == Fault::Refuse {
        return (StatusCode::SERVICE_UNAVAILABLE, "maintenance").into_response();
    }
    let mut outgoing = proxy
        .client
        .request(method, format!("{}{path_and_query}", proxy.target));
    for (name, value) in request.headers() {
        if name != "host" {
            outgoing = outgoing.header(name, value);
        }
    }
    let body = axum::body::to_bytes(request.into_body(), usize::MAX)
        .await
        .unwrap();
    (proxy.observe)(&path_and_query, &body);
    if let Fault::Stall(pause) = fault {
        tokio::time::sleep(pause).await;
    }
    let answer = outgoing.body(body).send().await.unwrap();
    let mut response = Response::builder().status(answer.status().as_u16());
    for (name, value) in answer.headers() {
        if name != "content-length" {
            response = response.header(name, value);
        }
    }
    let bytes = answer.bytes().await.unwrap();
    if fault == Fault::Cut && bytes.len() > 1 {
        let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
            Ok(bytes.slice(..bytes.len() / 2)),
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "cut",
            )),
        ];
        return response
            .body(Body::from_stream(futures_util::stream::iter(chunks)))
            .unwrap();
    }
    response.body(Body::from(bytes)).unwrap()
}
