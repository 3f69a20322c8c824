//! The `connector` binary as an operator runs it: start with a config file, log lines with the
//! correlation id (and never a secret), `healthcheck`, a clean exit on SIGTERM, exit 1 with the
//! key named on a bad configuration.

mod common;

use common::{API_KEY, Backbone};
use serde_json::json;
use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_connector");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Proc {
    child: Child,
    port: u16,
}

impl Proc {
    fn spawn(config: &serde_json::Value, dir: &std::path::Path, extra: &[&str]) -> Self {
        let port = free_port();
        let file = dir.join("config.json");
        std::fs::write(&file, config.to_string()).unwrap();
        let child = Command::new(BIN)
            .arg("start")
            .arg("--config")
            .arg(&file)
            .arg(format!("--infrastructure:httpServer:port={port}"))
            .args(extra)
            .current_dir(dir)
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        Self { child, port }
    }

    async fn wait_listening(&self) {
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port))
                .await
                .is_ok()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the connector did not start listening");
    }

    fn terminate(mut self) -> (i32, String) {
        // SAFETY-free: `kill` is a plain process signal to our own child.
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let status = self.child.wait().unwrap();
        let mut out = String::new();
        self.child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        (status.code().unwrap_or(-1), out)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_log_healthcheck_and_graceful_stop() {
    let backbone = Backbone::start().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config_json(&backbone.base_url(), &dir.path().join("data"));
    let p = Proc::spawn(&cfg, dir.path(), &[]);
    p.wait_listening().await;

    let http = reqwest::Client::new();
    let url = |path: &str| format!("http://127.0.0.1:{}{path}", p.port);
    let resp = http
        .get(url("/Monitoring/Version"))
        .header("X-API-KEY", API_KEY)
        .header("x-correlation-id", "corr-4711")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    // `healthcheck` exits 0 against a healthy Connector.
    let hc = Command::new(BIN)
        .args([
            "healthcheck",
            &format!("--infrastructure:httpServer:port={}", p.port),
        ])
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(hc.success());

    let port = p.port;
    let (code, out) = p.terminate();
    assert_eq!(code, 0, "clean exit on SIGTERM:\n{out}");
    assert!(
        out.contains("corr-4711"),
        "the request log line names the correlation id:\n{out}"
    );
    // The request line carries its values as fields, not inside the message.
    let line = out
        .lines()
        .find(|l| l.contains("request answered"))
        .unwrap_or_else(|| panic!("a request line:\n{out}"));
    for field in ["method=GET", "path=/Monitoring/Version", "status=200"] {
        assert!(line.contains(field), "{field} in {line}");
    }
    // Transport logs at the configured level by default.
    assert!(
        out.contains("created a new identity on the Backbone"),
        "transport's info line:\n{out}"
    );
    assert!(!out.contains(API_KEY), "an API key reached the log");
    // The store was closed: the WAL was folded back into the database file.
    let wal = dir.path().join("data/default.db-wal");
    assert!(
        !wal.exists() || std::fs::metadata(&wal).unwrap().len() == 0,
        "WAL left behind"
    );
    assert!(dir.path().join("data/default.db").exists());

    // The stored identity, read offline.
    let status = Command::new(BIN)
        .args(["identity", "status"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let identity: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(identity["state"], "created");
    assert!(identity["address"].as_str().unwrap().starts_with("did:e:"));
    let empty = tempfile::tempdir().unwrap();
    let none = Command::new(BIN)
        .args([
            "identity",
            "status",
            &format!("--database:folder={}", empty.path().display()),
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(none.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&none.stderr).contains("no identity"));

    // Nothing listens any more: healthcheck fails.
    let hc = Command::new(BIN)
        .args([
            "healthcheck",
            &format!("--infrastructure:httpServer:port={port}"),
        ])
        .current_dir(dir.path())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(hc.code(), Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_when_configured() {
    let backbone = Backbone::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = common::config_json(&backbone.base_url(), &dir.path().join("data"));
    cfg["logging"] = json!({"format": "json"});
    let p = Proc::spawn(&cfg, dir.path(), &[]);
    p.wait_listening().await;
    reqwest::Client::new()
        .get(format!("http://127.0.0.1:{}/health", p.port))
        .header("x-correlation-id", "json-corr")
        .send()
        .await
        .unwrap();
    let (_, out) = p.terminate();
    let line = out
        .lines()
        .find(|l| l.contains("json-corr"))
        .expect("a log line for the request");
    let v: serde_json::Value = serde_json::from_str(line).expect("JSON log line");
    assert_eq!(v["span"]["correlation_id"], "json-corr");
}

#[test]
fn bad_configuration_exits_1_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config.json");
    std::fs::write(&file, r#"{"infrastructure":{"httpServer":{"port":"x"}}}"#).unwrap();
    let out = Command::new(BIN)
        .arg("start")
        .arg("--config")
        .arg(&file)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("infrastructure.httpServer.port"));

    // No Backbone configured.
    std::fs::write(&file, "{}").unwrap();
    let out = Command::new(BIN)
        .arg("start")
        .arg("--config")
        .arg(&file)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("transportLibrary.baseUrl"));

    // Unknown keys stop the start where the official schema refuses them, naming the key.
    for (config, key) in [
        (
            r#"{"transportLibrary":{"baseUrl":"http://127.0.0.1:1","someTypo":1}}"#,
            "transportLibrary.someTypo",
        ),
        (
            r#"{"transportLibrary":{"baseUrl":"http://127.0.0.1:1"},"infrastructure":{"httpServer":{"docs":{"enabled":true}}}}"#,
            "infrastructure.httpServer.docs",
        ),
    ] {
        std::fs::write(&file, config).unwrap();
        let out = Command::new(BIN)
            .arg("start")
            .arg("--config")
            .arg(&file)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{config}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(key), "{key} named in: {stderr}");
    }
}

/// The binary alone runs the official modules an official-style `config.json` enables: no
/// folder of components, no `moduleHost` section. `autoAcceptPendingRelationships` accepts a
/// peer's relationship request and `webhooks` posts the change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn built_in_modules_run_from_the_binary_alone() {
    let backbone = Backbone::start().await;
    let hooks = common::webhooks::Webhooks::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = common::config_json(&backbone.base_url(), &dir.path().join("data"));
    cfg["modules"] = json!({
        "autoAcceptPendingRelationships": {"enabled": true},
        "webhooks": {"enabled": true, "targets": {"receiver": {"url": hooks.url}},
                     "webhooks": [{"triggers": ["transport.relationshipChanged"], "target": "receiver"}]}
    });
    assert!(cfg.get("moduleHost").is_none());
    let a = Proc::spawn(&cfg, dir.path(), &[]);
    a.wait_listening().await;
    let http = reqwest::Client::new();
    let api = |path: &str| format!("http://127.0.0.1:{}/api/core/v1{path}", a.port);
    let call = |method: reqwest::Method, path: &str, body: Option<serde_json::Value>| {
        let mut request = http.request(method, api(path)).header("X-API-KEY", API_KEY);
        if let Some(body) = body {
            request = request.json(&body);
        }
        async move {
            let resp = request.send().await.unwrap();
            let status = resp.status().as_u16();
            let text = resp.text().await.unwrap();
            assert!(status < 300, "{status}: {text}");
            serde_json::from_str::<serde_json::Value>(&text)
                .map_or(serde_json::Value::Null, |v| v["result"].clone())
        }
    };

    let template = call(
        reqwest::Method::POST,
        "/RelationshipTemplates/Own",
        Some(
            json!({"content": {"@type": "ArbitraryRelationshipTemplateContent", "value": {}},
                    "expiresAt": common::in_minutes(30)}),
        ),
    )
    .await;
    let template_id = template["id"].as_str().unwrap();
    let token = call(
        reqwest::Method::POST,
        &format!("/RelationshipTemplates/Own/{template_id}/Token"),
        Some(json!({})),
    )
    .await;
    let b = common::Peer::start(&backbone).await;
    let relationship = common::request_by_token(&b, &token, template_id).await;
    let id = relationship["id"].as_str().unwrap();

    call(reqwest::Method::POST, "/Account/Sync", None).await;
    let accepted = hooks
        .wait_for("transport.relationshipChanged", |body| {
            body["data"]["id"] == id && body["data"]["status"] == "Active"
        })
        .await;
    assert_eq!(accepted.body["data"]["peer"], b.address().await);
    b.sync().await;
    assert_eq!(
        b.get(&format!("/Relationships/{id}")).await["status"],
        "Active"
    );

    let (code, out) = a.terminate();
    assert_eq!(code, 0, "clean exit:\n{out}");
    assert!(
        out.contains("built into the Connector"),
        "the modules came from the binary:\n{out}"
    );
}
