//! No route answers without authentication except `/health`: every operation of the API
//! document is called without credentials and with a wrong key, and each must answer 401 with
//! the official envelope before anything else runs.

mod common;

use common::{API_KEY, Running, error_of};
use reqwest::Method;
use serde_json::{Value, json};

/// Any value fills a path parameter: authentication runs before the route reads it.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "ABCabcdefghijklmnopq"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_but_health_needs_credentials() {
    let c = Running::start_with(common::with_docs).await;
    let doc: Value = c
        .get("/docs/json", Some(API_KEY))
        .await
        .json()
        .await
        .unwrap();
    let mut checked = 0;
    let mut operations = 0;
    let mut open = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_none() {
                continue;
            }
            operations += 1;
            let url = c.url(&concrete(path));
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            for key in [None, Some("Wrong-Key-0123456789-abcdefghIJKL!")] {
                let mut request = c.http.request(method.clone(), &url).json(&json!({}));
                if let Some(key) = key {
                    request = request.header("X-API-KEY", key);
                }
                let resp = request.send().await.unwrap();
                if path == "/health" {
                    assert_eq!(resp.status().as_u16(), 200, "/health is open");
                    continue;
                }
                if resp.status().as_u16() != 401 {
                    open.push(format!("{method} {path} ({:?}): {}", key, resp.status()));
                    continue;
                }
                error_of(resp, 401, "error.connector.unauthorized").await;
                checked += 1;
            }
        }
    }
    assert!(
        open.is_empty(),
        "answered without valid credentials: {open:#?}"
    );
    // Every operation but `/health`, without a key and with a wrong one.
    assert!(
        operations > 70,
        "the document lists {operations} operations"
    );
    assert_eq!(checked, 2 * (operations - 1));
}
