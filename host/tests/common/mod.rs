//! Real processes on loopback ports: a local Backbone and a Connector configured like an
//! operator would, driven over HTTP.
#![allow(dead_code)]

pub mod binary;
pub mod proxy;
pub mod runtime_peer;
pub mod webhooks;

use reqwest::Method;
use serde_json::{Value, json};
use std::sync::Arc;

pub const API_KEY: &str = "Test-Key-0123456789-abcdefghIJKL!";
pub const MONITOR_ONLY_KEY: &str = "Monitor-Key-0123456789-abcdefgh!";

pub struct Backbone {
    pub handle: backbone::ServerHandle,
}

impl Backbone {
    pub async fn start() -> Self {
        Self::start_with(backbone::Config::default()).await
    }

    pub async fn start_with(config: backbone::Config) -> Self {
        install_tls_provider();
        let store: Arc<dyn store::Store> =
            Arc::new(store::sqlite::SqliteStore::open_in_memory().await.unwrap());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let handle = backbone::serve(config, store, listener).await.unwrap();
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
        let backbone = Backbone::start().await;
        let Peer {
            connector,
            data,
            http,
        } = Peer::start_with(&backbone, patch).await;
        Self {
            connector,
            backbone,
            data,
            http,
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

/// A Connector on its own data folder, driven over the core REST API with [`API_KEY`].
pub struct Peer {
    pub connector: connector::RunningConnector,
    pub data: tempfile::TempDir,
    pub http: reqwest::Client,
}

impl Peer {
    pub async fn start(backbone: &Backbone) -> Self {
        Self::start_with(backbone, |_| {}).await
    }

    /// Starts with [`config_json`] changed by `patch`.
    pub async fn start_with(backbone: &Backbone, patch: impl FnOnce(&mut Value)) -> Self {
        let data = tempfile::tempdir().unwrap();
        let mut cfg = config_json(&backbone.base_url(), data.path());
        patch(&mut cfg);
        let connector = connector::start(load(cfg)).await.unwrap();
        Self {
            connector,
            data,
            http: reqwest::Client::new(),
        }
    }

    /// The URL of a route below `/api/core/v1`.
    pub fn url(&self, path: &str) -> String {
        format!("{}/api/core/v1{path}", self.connector.base_url())
    }

    pub async fn send_as(
        &self,
        key: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut req = self
            .http
            .request(method, self.url(path))
            .header("X-API-KEY", key);
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.unwrap()
    }

    pub async fn send(&self, method: Method, path: &str, body: Option<Value>) -> reqwest::Response {
        self.send_as(API_KEY, method, path, body).await
    }

    /// A body that is sent as JSON whether or not it is.
    pub async fn post_raw(&self, path: &str, body: &'static str) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .header("X-API-KEY", API_KEY)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn post_form(&self, path: &str, form: reqwest::multipart::Form) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .header("X-API-KEY", API_KEY)
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    /// `POST /Files/Own`; the new file's DTO.
    pub async fn upload(&self, form: reqwest::multipart::Form) -> Value {
        let resp = self.post_form("/Files/Own", form).await;
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        assert_eq!(status, 201, "upload: {text}");
        serde_json::from_str::<Value>(&text).unwrap()["result"].clone()
    }

    /// The status and the `result` of the answer (`Null` when there is none).
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let resp = self.send(method, path, body).await;
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        let result = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str::<Value>(&text).unwrap()["result"].clone()
        };
        (status, result)
    }

    /// The `result` of a call that must answer `status`; a 204 must have no body.
    pub async fn ok(&self, method: Method, path: &str, body: Option<Value>, status: u16) -> Value {
        let resp = self.send(method.clone(), path, body).await;
        let got = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        assert_eq!(got, status, "{method} {path}: {text}");
        if status == 204 {
            assert!(text.is_empty(), "{text}");
            return Value::Null;
        }
        serde_json::from_str::<Value>(&text).unwrap()["result"].clone()
    }

    pub async fn get(&self, path: &str) -> Value {
        self.ok(Method::GET, path, None, 200).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        self.ok(Method::POST, path, Some(body), 201).await
    }

    pub async fn put(&self, path: &str) -> Value {
        self.ok(Method::PUT, path, Some(json!({})), 200).await
    }

    pub async fn sync(&self) {
        self.ok(Method::POST, "/Account/Sync", None, 204).await;
    }

    pub async fn address(&self) -> String {
        self.get("/Account/IdentityInfo").await["address"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

/// An RFC 3339 time `m` minutes from now.
pub fn in_minutes(m: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::minutes(m)).to_rfc3339()
}

/// `templator` offers a template (`template_value` as its content's value) through a token,
/// `requestor` loads it by the token's `reference` form (`"url"` or `"truncated"`), checks it
/// may, and requests the relationship. Returns the loaded template and the relationship.
pub async fn request_relationship(
    templator: &Peer,
    requestor: &Peer,
    template_value: Value,
    creation_value: Value,
    reference: &str,
) -> (Value, Value) {
    let (template, token) = template_with_token(templator, template_value).await;
    let id = template["id"].as_str().unwrap();
    let loaded = requestor
        .post(
            "/RelationshipTemplates/Peer",
            json!({"reference": token["reference"][reference]}),
        )
        .await;
    assert_eq!(loaded["id"], id);
    let can = requestor
        .ok(
            Method::PUT,
            "/Relationships/CanCreate",
            Some(json!({"templateId": id})),
            200,
        )
        .await;
    assert_eq!(can["isSuccess"], true);
    let relationship = requestor
        .post(
            "/Relationships",
            json!({"templateId": id, "creationContent": {"@type": "ArbitraryRelationshipCreationContent", "value": creation_value}}),
        )
        .await;
    assert_eq!(relationship["status"], "Pending");
    (loaded, relationship)
}

/// `owner` creates a template with an arbitrary `value` (30 minutes) and a token for it;
/// returns both DTOs.
pub async fn template_with_token(owner: &Peer, value: Value) -> (Value, Value) {
    let template = owner
        .post(
            "/RelationshipTemplates/Own",
            json!({"content": {"@type": "ArbitraryRelationshipTemplateContent", "value": value}, "expiresAt": in_minutes(30)}),
        )
        .await;
    let id = template["id"].as_str().unwrap();
    let token = owner
        .post(&format!("/RelationshipTemplates/Own/{id}/Token"), json!({}))
        .await;
    (template, token)
}

/// `requestor` loads a peer's template by its token (the truncated reference) and asks for the
/// relationship; returns the relationship, still `Pending`.
pub async fn request_by_token(requestor: &Peer, token: &Value, template_id: &str) -> Value {
    requestor
        .post(
            "/RelationshipTemplates/Peer",
            json!({"reference": token["reference"]["truncated"]}),
        )
        .await;
    requestor
        .post(
            "/Relationships",
            json!({"templateId": template_id, "creationContent": {"@type": "ArbitraryRelationshipCreationContent", "value": {}}}),
        )
        .await
}

/// `templator` syncs, sees `requestor`'s pending request `id` and accepts it; `requestor`
/// syncs and sees it active. Returns the request as `templator` received it.
pub async fn accept_relationship(templator: &Peer, requestor: &Peer, id: &str) -> Value {
    templator.sync().await;
    let pending = templator.get(&format!("/Relationships/{id}")).await;
    assert_eq!(pending["status"], "Pending");
    assert_eq!(pending["peer"], requestor.address().await);
    assert_eq!(
        templator.put(&format!("/Relationships/{id}/Accept")).await["status"],
        "Active"
    );
    requestor.sync().await;
    assert_eq!(
        requestor.get(&format!("/Relationships/{id}")).await["status"],
        "Active"
    );
    pending
}

/// `a` and `b` in an active relationship through `a`'s template; returns its id.
pub async fn relate(a: &Peer, b: &Peer) -> String {
    let (_, relationship) = request_relationship(a, b, json!({}), json!({}), "url").await;
    let id = relationship["id"].as_str().unwrap().to_owned();
    accept_relationship(a, b, &id).await;
    id
}

/// `a` creates a Request with `items` for `peer` and sends it by message; returns the
/// outgoing request's DTO.
pub async fn send_request(a: &Peer, peer: &str, items: Value) -> Value {
    let created = a
        .post(
            "/Requests/Outgoing",
            json!({"peer": peer, "content": {"items": items}}),
        )
        .await;
    a.post(
        "/Messages",
        json!({"recipients": [peer], "content": created["content"]}),
    )
    .await;
    created
}

/// `a` reads `b`'s given name: `b` answers with a new attribute `value`, `a` syncs. Returns
/// the attribute's id, the same on both sides.
pub async fn share_given_name(a: &Peer, b: &Peer, value: &str) -> String {
    let b_address = b.address().await;
    let request = send_request(
        a,
        &b_address,
        json!([{"@type": "ReadAttributeRequestItem", "mustBeAccepted": true,
                "query": {"@type": "IdentityAttributeQuery", "valueType": "GivenName"}}]),
    )
    .await;
    let request_id = request["id"].as_str().unwrap().to_owned();
    b.sync().await;
    let decided = b
        .ok(
            Method::PUT,
            &format!("/Requests/Incoming/{request_id}/Accept"),
            Some(json!({"items": [{"accept": true, "newAttribute": {
                "@type": "IdentityAttribute", "owner": b_address,
                "value": {"@type": "GivenName", "value": value}}}]})),
            200,
        )
        .await;
    let id = decided["response"]["content"]["items"][0]["attributeId"]
        .as_str()
        .unwrap()
        .to_owned();
    a.sync().await;
    let copy = a.get(&format!("/Attributes/{id}")).await;
    assert_eq!(copy["@type"], "PeerIdentityAttribute");
    assert_eq!(copy["peer"], b_address.as_str());
    assert_eq!(copy["content"]["value"]["value"], value);
    assert!(copy.get("deletionInfo").is_none(), "{copy}");
    id
}

/// Serves the API document (`/docs/json`, `/docs/yaml`) and the Swagger UI: debug mode with
/// `modules.coreHttpApi.docs.enabled`, as for the official Connector.
pub fn with_docs(cfg: &mut Value) {
    cfg["debug"] = json!(true);
    cfg["modules"]["coreHttpApi"] = json!({"enabled": true, "docs": {"enabled": true}});
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

/// Builds the test modules of `modules/` for wasm32-wasip2 once per test binary, into the
/// folder where the build script put the built-ins; returns that folder.
pub fn wasm_dir() -> std::path::PathBuf {
    static DIR: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::path::PathBuf::from(env!("CONNECTOR_MODULES_WASM_DIR"));
        // `…/wasm/wasm32-wasip2/release` → `…/wasm`
        let target = dir.parent().and_then(|p| p.parent()).unwrap();
        let manifest =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../modules/Cargo.toml");
        let status =
            std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
                .args([
                    "build",
                    "--quiet",
                    "--release",
                    "--locked",
                    "--target",
                    "wasm32-wasip2",
                ])
                .arg("--manifest-path")
                .arg(manifest)
                .arg("--target-dir")
                .arg(target)
                .env_remove("CARGO_TARGET_DIR")
                .status()
                .unwrap();
        assert!(
            status.success(),
            "building modules/ failed; is the wasm32-wasip2 target installed?"
        );
        dir
    })
    .clone()
}

/// Answers gathered for `interop/runtime-types/check.mjs`, which proves in one `tsc` run that
/// each has exactly its official `@nmshd/runtime-types` 7.0.0 type: no missing required field,
/// no extra field, no wrong type, dates printed as the runtime prints them.
#[derive(Default)]
pub struct TypeSamples {
    samples: Vec<Value>,
}

impl TypeSamples {
    /// `ty` is the official type's name (`MessageDTO`, `FileDTO[]`, `IdentityInfo`, ...);
    /// `route` and `identity` say where the value came from, for the report.
    pub fn add(&mut self, ty: &str, route: &str, identity: &str, value: &Value) {
        self.samples
            .push(json!({"type": ty, "route": route, "identity": identity, "value": value}));
    }

    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// Runs the checker over every sample at once.
    pub fn check(&self) -> TypeReport {
        let interop = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../interop");
        assert!(
            interop.join("node_modules/@nmshd/runtime-types").exists(),
            "run `npm ci` in interop/ first"
        );
        let checker = interop.join("runtime-types/check.mjs");
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("samples.json");
        let samples = serde_json::to_vec_pretty(&self.samples).unwrap();
        std::fs::write(&input, &samples).unwrap();
        // To read what was judged: RUNTIME_TYPES_SAMPLES=/some/file.json keeps a copy.
        if let Some(copy) = std::env::var_os("RUNTIME_TYPES_SAMPLES") {
            std::fs::write(copy, &samples).unwrap();
        }
        let out = std::process::Command::new("node")
            .arg(&checker)
            .arg(&input)
            .output()
            .expect("node must be installed");
        assert!(
            out.status.success(),
            "the runtime-types checker did not run: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "checker output: {e}: {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }
}

/// What the checker found.
#[derive(Debug, serde::Deserialize)]
pub struct TypeReport {
    pub samples: usize,
    pub types: Vec<String>,
    pub errors: Vec<TypeMismatch>,
}

/// One field of one sample that the official type refuses.
#[derive(Debug, serde::Deserialize)]
pub struct TypeMismatch {
    pub index: usize,
    #[serde(rename = "type")]
    pub ty: String,
    pub route: Option<String>,
    pub identity: Option<String>,
    /// `auditLog[0].createdByDevice`; empty for the value as a whole.
    pub path: String,
    /// `type` (the compiler refused it) or `format` (a date printed differently).
    pub kind: String,
    pub code: String,
    pub message: String,
}

impl std::fmt::Display for TypeMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let path = if self.path.is_empty() {
            "(whole value)"
        } else {
            &self.path
        };
        write!(
            f,
            "{} {path} [{} {}, from {} as {}]: {}",
            self.ty,
            self.kind,
            self.code,
            self.route.as_deref().unwrap_or("?"),
            self.identity.as_deref().unwrap_or("?"),
            self.message.replace('\n', " / ")
        )
    }
}
