//! Real processes on loopback ports: a local Backbone and a Connector configured like an
//! operator would, driven over HTTP.
#![allow(dead_code)]

use serde_json::{Value, json};
use std::sync::Arc;

pub const API_KEY: &str = "Test-Key-0123456789-abcdefghIJKL!";
pub const MONITOR_ONLY_KEY: &str = "Monitor-Key-0123456789-abcdefgh!";

pub struct Backbone {
    pub handle: backbone::ServerHandle,
}

impl Backbone {
    pub async fn start() -> Self {
        install_tls_provider();
        let store: Arc<dyn store::Store> =
            Arc::new(store::sqlite::SqliteStore::open_in_memory().await.unwrap());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let handle = backbone::serve(backbone::Config::default(), store, listener)
            .await
            .unwrap();
        Self { handle }
    }
    pub fn base_url(&self) -> String {
        self.handle.base_url()
    }
}

/// reqwest is built without a default TLS provider (the Connector shares `ring` with MongoDB).
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A configuration as an operator would write it: the official JSON shape.
pub fn config_json(backbone_url: &str, data_dir: &std::path::Path) -> Value {
    json!({
        "debug": false,
        "transportLibrary": {"baseUrl": backbone_url, "platformClientId": "test", "platformClientSecret": "test"},
        "database": {"driver": "sqlite", "folder": data_dir.to_str().unwrap(), "dbName": "default"},
        "infrastructure": {"httpServer": {"port": 0, "host": "127.0.0.1", "authentication": {
            "unauthorizedDelay": {"minMs": 40, "maxMs": 60},
            "apiKey": {"keys": {
                "admin": {"key": API_KEY},
                "monitor": {"key": MONITOR_ONLY_KEY, "scopes": ["monitoring:*"]},
                "old": {"key": "Expired-Key-0123456789-abcdefgh!", "expiresAt": "2020-01-01T00:00:00Z"}
            }}
        }}}
    })
}

/// Loads `overrides` over the built-in defaults exactly as a config file would be.
pub fn load(overrides: Value) -> connector::config::ConnectorConfig {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config.json");
    std::fs::write(&file, overrides.to_string()).unwrap();
    let sources = connector::config::ConfigSources {
        config_file: Some(file),
        working_dir: dir.path().to_path_buf(),
        ..Default::default()
    };
    connector::config::load(&sources).unwrap()
}

pub struct Running {
    pub connector: connector::RunningConnector,
    pub backbone: Backbone,
    pub data: tempfile::TempDir,
    pub http: reqwest::Client,
}

impl Running {
    pub async fn start_with(patch: impl FnOnce(&mut Value)) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let backbone = Backbone::start().await;
        let data = tempfile::tempdir().unwrap();
        let mut cfg = config_json(&backbone.base_url(), data.path());
        patch(&mut cfg);
        let connector = connector::start(load(cfg)).await.unwrap();
        Self {
            connector,
            backbone,
            data,
            http: reqwest::Client::new(),
        }
    }

    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.connector.base_url())
    }

    pub async fn get(&self, path: &str, key: Option<&str>) -> reqwest::Response {
        let mut req = self.http.get(self.url(path));
        if let Some(key) = key {
            req = req.header("X-API-KEY", key);
        }
        req.send().await.unwrap()
    }
}

/// Asserts the official error envelope and returns its `error` object.
pub async fn error_of(resp: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(resp.status().as_u16(), status);
    let body: Value = resp.json().await.unwrap();
    let err = body["error"].clone();
    assert_eq!(err["code"], code, "{body}");
    let id = err["id"].as_str().unwrap();
    assert!(id.starts_with("ERR") && id.len() == 20, "{id}");
    assert!(err["time"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        err["docs"],
        format!("https://enmeshed.eu/integrate/error-codes#{code}")
    );
    err
}

/// Builds `modules/` for wasm32-wasip2 once per test binary; returns the `.wasm` folder.
pub fn wasm_dir() -> std::path::PathBuf {
    static DIR: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap()
            .to_path_buf();
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| root.join("target"))
            .join("wasm");
        let status =
            std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
                .args([
                    "build",
                    "--quiet",
                    "--release",
                    "--target",
                    "wasm32-wasip2",
                    "--manifest-path",
                ])
                .arg(root.join("modules/Cargo.toml"))
                .arg("--target-dir")
                .arg(&target)
                .env_remove("CARGO_TARGET_DIR")
                .status()
                .unwrap();
        assert!(
            status.success(),
            "building modules/ failed; is the wasm32-wasip2 target installed?"
        );
        target.join("wasm32-wasip2/release")
    })
    .clone()
}
