//! A webhook receiver on a loopback port, as an operator's system behind the `webhooks`
//! module: it keeps every POST with its trigger (from the URL), its `x-correlation-id` header
//! and its `{trigger, data}` body.

use axum::extract::Path;
use axum::http::HeaderMap;
use axum::{Json, Router, routing::post};
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Delivery {
    pub trigger: String,
    pub correlation_id: Option<String>,
    pub body: Value,
}

#[derive(Clone)]
pub struct Webhooks {
    /// The target URL for the module's configuration, with its `{{trigger}}` placeholder.
    pub url: String,
    received: Arc<Mutex<Vec<Delivery>>>,
}

impl Webhooks {
    pub async fn start() -> Self {
        let received: Arc<Mutex<Vec<Delivery>>> = Arc::default();
        let sink = received.clone();
        let app = Router::new().route(
            "/hook/{trigger}",
            post(
                move |Path(trigger): Path<String>, headers: HeaderMap, Json(body): Json<Value>| {
                    let sink = sink.clone();
                    async move {
                        let correlation_id = headers
                            .get("x-correlation-id")
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_owned);
                        sink.lock().unwrap().push(Delivery {
                            trigger,
                            correlation_id,
                            body,
                        });
                        "ok"
                    }
                },
            ),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "http://{}/hook/{{{{trigger}}}}",
            listener.local_addr().unwrap()
        );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { url, received }
    }

    /// Every delivery so far, in arrival order.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.received.lock().unwrap().clone()
    }

    /// Every body so far, in arrival order.
    pub fn bodies(&self) -> Vec<Value> {
        self.deliveries().into_iter().map(|d| d.body).collect()
    }

    /// Waits up to 15 s for a delivery of `trigger` whose body matches `wanted`.
    pub async fn wait_for(&self, trigger: &str, wanted: impl Fn(&Value) -> bool) -> Delivery {
        for _ in 0..150 {
            let found = self
                .deliveries()
                .into_iter()
                .find(|d| d.trigger == trigger && wanted(&d.body));
            if let Some(delivery) = found {
                return delivery;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no webhook for {trigger}: {:?}", self.deliveries());
    }
}
