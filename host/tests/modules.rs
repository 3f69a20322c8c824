//! Modules inside a running Connector: configured as an operator would, loaded from real
//! WebAssembly components built from `modules/`, reported in `/health` and
//! `/Monitoring/Version`, and calling the Connector's API in-process with only their scopes.

mod common;

use common::{API_KEY, Running};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enabled_modules_load_and_report_health() {
    let dir = common::wasm_dir();
    let c = Running::start_with(move |cfg| {
        cfg["moduleHost"] = json!({"builtinDirectory": dir});
        cfg["modules"] = json!({
            "webhooks": {"enabled": true, "targets": {"t": {"url": "http://127.0.0.1:9/hook"}}, "webhooks": [{"triggers": ["**"], "target": "t"}]},
            "autoAcceptPendingRelationships": {"enabled": true},
            "requestAcceptor": {"enabled": true, "displayName": "Request acceptor",
                                "location": dir.join("request_acceptor.wasm")}
        });
    })
    .await;
    let health: Value = c.get("/health", None).await.json().await.unwrap();
    let names: Vec<&str> = health["modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 3, "{health}");
    assert!(
        health["modules"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["healthy"] == true)
    );
    let version: Value = c
        .get("/Monitoring/Version", Some(API_KEY))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        version["modules"]["webhooks"]["version"],
        version["version"]
    );
    assert_eq!(
        version["modules"]["Request acceptor"]["version"], "1.0.0",
        "a module reports its own version: {version}"
    );
    assert_ne!(version["version"], "1.0.0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_module_that_does_not_load_stops_the_start() {
    let dir = common::wasm_dir();
    let data = tempfile::tempdir().unwrap();
    let backbone = common::Backbone::start().await;
    let mut cfg = common::config_json(&backbone.base_url(), data.path());
    cfg["moduleHost"] = json!({"builtinDirectory": dir});
    cfg["modules"] =
        json!({"custom": {"enabled": true, "location": data.path().join("missing.wasm")}});
    let err = connector::start(common::load(cfg))
        .await
        .err()
        .expect("start must fail");
    assert!(err.to_string().contains("missing.wasm"), "{err}");
}
