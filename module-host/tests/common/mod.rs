//! What the integration tests share: the real WebAssembly modules (built once from
//! `modules/`), a SQLite store in a temp dir, a loopback webhook receiver, and an in-process
//! stand-in for the Connector's REST API.
#![allow(dead_code)]

use async_trait::async_trait;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{delete, get, post, put};
use module_host::{
    ApiRequest, ApiResponse, ConnectorApi, HostOptions, HostServices, ModuleHost, ModulesConfig,
};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use store::Store;
use store::sqlite::SqliteStore;
use tower::ServiceExt;

/// Builds every module in `modules/` for wasm32-wasip2 (once per test binary) and returns
/// the directory holding the `.wasm` files.
pub fn wasm_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("repo root")
            .to_path_buf();
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target"))
            .join("wasm");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
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
            .env_remove("RUSTFLAGS")
            .status()
            .expect("running cargo to build the modules");
        assert!(
            status.success(),
            "building modules/ failed; is the wasm32-wasip2 target installed?"
        );
        target.join("wasm32-wasip2/release")
    })
    .clone()
}

pub fn wasm(name: &str) -> PathBuf {
    wasm_dir().join(format!("{name}.wasm"))
}

pub async fn sqlite_store(dir: &Path) -> Arc<dyn Store> {
    Arc::new(
        SqliteStore::open(dir.join("connector.db"))
            .await
            .expect("open SQLite store"),
    )
}

pub fn options() -> HostOptions {
    let mut options = HostOptions::new(wasm_dir());
    options.reload_interval = Some(Duration::from_millis(200));
    options.pool.max_instances = 64;
    options
}

pub async fn start_host(config: Value, store: Arc<dyn Store>, api: Arc<TestApi>) -> ModuleHost {
    let config: ModulesConfig = serde_json::from_value(config).expect("modules config");
    ModuleHost::start(&config, options(), HostServices { store, api })
        .await
        .expect("module host starts")
}

/// Polls `check` every 20 ms until it holds or `timeout` passes.
pub async fn wait_until(timeout: Duration, mut check: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    check()
}

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Value,
}

/// A loopback HTTP server playing webhook targets and an OAuth2 token endpoint.
/// `/fail/...` answers 503 while `failures_left` > 0; `/hang/...` never answers; `/slow/...`
/// takes 20 ms;
/// `/token` issues tokens; everything else is recorded and answered 200.
#[derive(Clone, Default)]
pub struct Receiver {
    pub received: Arc<Mutex<Vec<Received>>>,
    pub failures_left: Arc<AtomicUsize>,
    pub token_requests: Arc<Mutex<Vec<(HeaderMap, String)>>>,
    pub port: u16,
}

impl Receiver {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::serve(listener).await
    }

    pub async fn start_on(port: u16) -> Self {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap();
        Self::serve(listener).await
    }

    async fn serve(listener: tokio::net::TcpListener) -> Self {
        let mut receiver = Receiver {
            port: listener.local_addr().unwrap().port(),
            ..Default::default()
        };
        receiver.port = listener.local_addr().unwrap().port();
        let app = Router::new()
            .route("/token", post(token))
            .route("/hang/{*rest}", post(hang))
            .route("/fail/{*rest}", post(fail))
            .route("/slow/{*rest}", post(slow))
            .fallback(record)
            .with_state(receiver.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        receiver
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.received.lock().unwrap().len()
    }
}

async fn record(
    State(r): State<Receiver>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    r.received.lock().unwrap().push(Received {
        path: uri.path().to_owned(),
        headers,
        body,
    });
    StatusCode::OK
}

async fn fail(
    State(r): State<Receiver>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let failing = r
        .failures_left
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if failing {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    record(State(r), uri, headers, body).await
}

async fn slow(
    state: State<Receiver>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    tokio::time::sleep(Duration::from_millis(20)).await;
    record(state, uri, headers, body).await
}

async fn hang() -> StatusCode {
    std::future::pending::<()>().await;
    StatusCode::OK
}

async fn token(State(r): State<Receiver>, headers: HeaderMap, body: String) -> impl IntoResponse {
    let n = {
        let mut requests = r.token_requests.lock().unwrap();
        requests.push((headers, body));
        requests.len()
    };
    axum::Json(
        json!({"access_token": format!("token-{n}"), "token_type": "Bearer", "expires_in": 3600}),
    )
}

/// Every API call a module made: method, path, scopes.
pub type ApiCalls = Arc<Mutex<Vec<(String, String, Vec<String>)>>>;

/// Stands in for the Connector's REST API: a few real routes on an axum router, called
/// in-process with the module's scopes, as the Connector does.
pub struct TestApi {
    router: Router,
    pub calls: ApiCalls,
    pub deletion_proposed: Arc<Mutex<Vec<Value>>>,
    /// `POST /Account/Sync` answers 503 while set.
    pub sync_unavailable: Arc<AtomicBool>,
}

#[derive(Clone)]
struct ApiState {
    calls: ApiCalls,
    deletion_proposed: Arc<Mutex<Vec<Value>>>,
    sync_unavailable: Arc<AtomicBool>,
}

impl TestApi {
    pub fn new() -> Arc<Self> {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let deletion_proposed = Arc::new(Mutex::new(Vec::new()));
        let sync_unavailable = Arc::new(AtomicBool::new(false));
        let state = ApiState {
            calls: calls.clone(),
            deletion_proposed: deletion_proposed.clone(),
            sync_unavailable: sync_unavailable.clone(),
        };
        let router = Router::new()
            .route(
                "/api/core/v1/Account/Sync",
                post(|State(s): State<ApiState>| async move {
                    if s.sync_unavailable.load(Ordering::SeqCst) {
                        StatusCode::SERVICE_UNAVAILABLE
                    } else {
                        StatusCode::NO_CONTENT
                    }
                }),
            )
            .route(
                "/api/core/v1/Account/IdentityInfo",
                get(|| async {
                    axum::Json(json!({"result": {"address": "did:e:localhost:dids:self", "publicKey": "eyJwdWIiOiJ4In0"}}))
                }),
            )
            .route(
                "/api/core/v1/Relationships/{id}/Accept",
                put(|UrlPath(id): UrlPath<String>| async move {
                    axum::Json(json!({"result": {"id": id, "status": "Active",
                        "peer": "did:e:localhost:dids:peer", "auditLog": []}}))
                }),
            )
            .route(
                "/api/core/v1/Relationships",
                get(|State(s): State<ApiState>| async move {
                    axum::Json(json!({"result": s.deletion_proposed.lock().unwrap().clone()}))
                }),
            )
            .route(
                "/api/core/v1/Relationships/{id}",
                delete(
                    |State(s): State<ApiState>, UrlPath(id): UrlPath<String>| async move {
                        s.deletion_proposed
                            .lock()
                            .unwrap()
                            .retain(|r| r["id"] != id);
                        StatusCode::NO_CONTENT
                    },
                ),
            )
            .with_state(state);
        Arc::new(Self {
            router,
            calls,
            deletion_proposed,
            sync_unavailable,
        })
    }

    pub fn calls_to(&self, method: &str, path: &str) -> usize {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .filter(|(m, p, _)| m == method && p == path)
            .count()
    }
}

/// The scope the official Connector requires for a route family.
fn required_scope(path: &str) -> &'static str {
    if path.starts_with("/api/core/v1/Account") {
        "core:account"
    } else if path.starts_with("/api/core/v1/Relationships") {
        "core:relationships"
    } else {
        "core:other"
    }
}

#[async_trait]
impl ConnectorApi for TestApi {
    async fn call(&self, request: ApiRequest) -> ApiResponse {
        self.calls.lock().unwrap().push((
            request.method.clone(),
            request.path.clone(),
            request.scopes.clone(),
        ));
        let scope = required_scope(&request.path);
        if !request.scopes.iter().any(|s| s == scope || s == "**") {
            let body =
                json!({"error": {"code": "error.connector.forbidden", "message": "forbidden"}});
            return ApiResponse {
                status: 403,
                body: body.to_string(),
            };
        }
        let http_request = axum::http::Request::builder()
            .method(request.method.as_str())
            .uri(request.path.as_str())
            .header("content-type", "application/json")
            .body(axum::body::Body::from(request.body.unwrap_or_default()))
            .expect("valid request");
        let response = self
            .router
            .clone()
            .oneshot(http_request)
            .await
            .expect("router is infallible");
        let status = response.status().as_u16();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap_or_default();
        ApiResponse {
            status,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }
}
