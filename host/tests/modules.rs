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
                                "location": dir.join("request_acceptor.wasm"),
                                "grants": {"api": {"scopes": ["core:requests"]}}}
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
    let data = tempfile::tempdir().unwrap();
    let backbone = common::Backbone::start().await;
    let mut cfg = common::config_json(&backbone.base_url(), data.path());
    cfg["modules"] =
        json!({"custom": {"enabled": true, "location": data.path().join("missing.wasm")}});
    let err = connector::start(common::load(cfg))
        .await
        .err()
        .expect("start must fail");
    assert!(err.to_string().contains("missing.wasm"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_are_listed_and_delivered_again() {
    let dir = common::wasm_dir();
    let c = Running::start_with(move |cfg| {
        // Refuses every event the first time, takes it the second time.
        cfg["modules"] = json!({"picky": {"enabled": true,
            "location": dir.join("hostile.wasm"), "mode": "once",
            "grants": {"api": {"scopes": ["core:account", "core:identityMetadata"]}}}});
    })
    .await;
    let created = c
        .http
        .post(c.url("/api/core/v1/Attributes"))
        .header("X-API-KEY", API_KEY)
        .json(&json!({"content": {"value": {"@type": "GivenName", "value": "Dora"}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let letters = |key: &'static str| {
        let c = &c;
        async move {
            let resp = c
                .get("/Monitoring/DeadLetters?module=picky", Some(key))
                .await;
            assert_eq!(resp.status(), 200);
            resp.json::<Value>().await.unwrap()
        }
    };
    let mut parked = Value::Null;
    for _ in 0..100 {
        parked = letters(API_KEY).await;
        let found = parked
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["namespace"] == "consumption.attributeCreated");
        if found {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let letter = parked
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["namespace"] == "consumption.attributeCreated")
        .unwrap_or_else(|| panic!("no dead letter: {parked}"))
        .clone();
    assert_eq!(letter["module"], "picky");
    assert_eq!(letter["data"]["content"]["value"]["value"], "Dora");
    assert!(
        letter["error"].as_str().unwrap().contains("refusing event"),
        "{letter}"
    );

    // Delivered again on request: this time the module takes them, so none comes back.
    let replayed = c
        .http
        .post(c.url("/Monitoring/DeadLetters/Replay?module=picky"))
        .header("X-API-KEY", common::MONITOR_ONLY_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(replayed.status(), 200);
    let queued = replayed.json::<Value>().await.unwrap()["queued"]
        .as_u64()
        .unwrap();
    assert!(queued >= 1);
    let mut left = parked;
    for _ in 0..100 {
        left = letters(common::MONITOR_ONLY_KEY).await;
        if left.as_array().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(left, json!([]), "every replayed event was taken");
    // The module saw the event again and took it: it recorded so through the API.
    let me: Value = c
        .get("/api/core/v1/Account/IdentityInfo", Some(API_KEY))
        .await
        .json()
        .await
        .unwrap();
    let address = me["result"]["address"].as_str().unwrap();
    let mut taken = reqwest::StatusCode::NOT_FOUND;
    for _ in 0..100 {
        let resp = c
            .get(
                &format!(
                    "/api/core/v1/IdentityMetadata?reference={address}&key=taken:consumption.attributeCreated"
                ),
                Some(API_KEY),
            )
            .await;
        taken = resp.status();
        if taken == 200 {
            let body: Value = resp.json().await.unwrap();
            assert_eq!(body["result"]["value"], letter["seq"]);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(taken, 200, "the replayed event reached the module");
}

/// `connector modules dead-letters` on the folder of `data`: its stdout as JSON.
fn dead_letters_command(config: &std::path::Path, extra: &[&str]) -> Value {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_connector"))
        .args(["modules", "dead-letters"])
        .args(extra)
        .arg("--config")
        .arg(config)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_are_replayed_from_the_command_line_at_the_next_start() {
    let dir = common::wasm_dir();
    let modules = json!({"picky": {"enabled": true,
        "location": dir.join("hostile.wasm"), "mode": "once",
        "grants": {"api": {"scopes": ["core:account", "core:identityMetadata"]}}}});
    let backbone = common::Backbone::start().await;
    let data = tempfile::tempdir().unwrap();
    let mut cfg = common::config_json(&backbone.base_url(), data.path());
    cfg["modules"] = modules;
    let file = data.path().join("config.json");
    std::fs::write(&file, cfg.to_string()).unwrap();

    let first = connector::start(common::load(cfg.clone())).await.unwrap();
    let http = reqwest::Client::new();
    let base = first.base_url();
    let created = http
        .post(format!("{base}/api/core/v1/Attributes"))
        .header("X-API-KEY", API_KEY)
        .json(&json!({"content": {"value": {"@type": "GivenName", "value": "Eve"}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    for _ in 0..100 {
        let letters: Value = http
            .get(format!("{base}/Monitoring/DeadLetters"))
            .header("X-API-KEY", API_KEY)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if letters
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["namespace"] == "consumption.attributeCreated")
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    first.shutdown().await.unwrap();

    // Offline: listed, then queued for the next start.
    let listed = dead_letters_command(&file, &["--module", "picky"]);
    let created_letter = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["namespace"] == "consumption.attributeCreated")
        .unwrap_or_else(|| panic!("{listed}"))
        .clone();
    assert_eq!(created_letter["module"], "picky");
    let queued = dead_letters_command(&file, &["--replay"]);
    assert_eq!(
        queued["queued"].as_u64().unwrap() as usize,
        listed.as_array().unwrap().len()
    );
    assert_eq!(dead_letters_command(&file, &[]), json!([]));

    // The next start delivers them first; the module takes them this time.
    let second = connector::start(common::load(cfg)).await.unwrap();
    let base = second.base_url();
    let me: Value = http
        .get(format!("{base}/api/core/v1/Account/IdentityInfo"))
        .header("X-API-KEY", API_KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let address = me["result"]["address"].as_str().unwrap().to_owned();
    let mut taken = Value::Null;
    for _ in 0..100 {
        let resp = http
            .get(format!(
                "{base}/api/core/v1/IdentityMetadata?reference={address}&key=taken:consumption.attributeCreated"
            ))
            .header("X-API-KEY", API_KEY)
            .send()
            .await
            .unwrap();
        if resp.status() == 200 {
            taken = resp.json().await.unwrap();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(taken["result"]["value"], created_letter["seq"], "{taken}");
    second.shutdown().await.unwrap();
}
