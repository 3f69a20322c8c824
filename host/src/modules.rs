//! The Connector's side of the module host: which `.wasm` files the built-in modules come
//! from, and the Connector API that modules call in-process with their granted scopes.

use crate::config::ConnectorConfig;
use crate::config::ModuleHostConfig;
use crate::http::auth::{ModuleCaller, Principal};
use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, header};
use module_host::{
    ApiRequest, ApiResponse, BuiltinComponents, ConnectorApi, HostOptions, HostServices,
    ModuleHost, ModulesConfig,
};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use store::Store;
use tower::ServiceExt;

mod embedded;

/// Where the built-in modules' components come from: the folder `moduleHost.builtinDirectory`
/// names (a module author's or operator's own build of `modules/`), else the components
/// compiled into this binary.
pub fn builtin_components(config: &ModuleHostConfig) -> BuiltinComponents {
    match &config.builtin_directory {
        Some(dir) => BuiltinComponents::Directory(PathBuf::from(dir)),
        None => BuiltinComponents::Embedded(embedded::component),
    }
}

/// Starts the module host for the `modules` section. The API is bound to the router later,
/// because the router itself is built from the app that holds the module host.
pub async fn start(
    config: &ConnectorConfig,
    store: Arc<dyn Store>,
    api: Arc<InProcessApi>,
) -> anyhow::Result<ModuleHost> {
    let modules: ModulesConfig =
        serde_json::from_value(serde_json::Value::Object(config.modules.clone()))
            .map_err(|e| crate::config::ConfigError::new("modules", e.to_string()))?;
    let mut options = HostOptions::with_builtins(builtin_components(&config.module_host));
    options.cache_dir = Some(match &config.module_host.cache_directory {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(&config.database.folder).join("module-cache"),
    });
    let host = ModuleHost::start(&modules, options, HostServices { store, api }).await?;
    for name in host.module_names() {
        tracing::info!(module = %name, "module loaded");
    }
    Ok(host)
}

/// Runs a module's API call through the Connector's own router, authorised with the module's
/// scopes as if they were an API key's.
#[derive(Default)]
pub struct InProcessApi {
    router: OnceLock<Router>,
}

impl InProcessApi {
    pub fn bind(&self, router: Router) {
        let _ = self.router.set(router);
    }
}

#[async_trait::async_trait]
impl ConnectorApi for InProcessApi {
    async fn call(&self, request: ApiRequest) -> ApiResponse {
        let failure = |status: u16, message: &str| ApiResponse {
            status,
            body: message.to_owned(),
        };
        let Some(router) = self.router.get() else {
            return failure(503, "the Connector API is not ready");
        };
        let Ok(method) = Method::from_bytes(request.method.as_bytes()) else {
            return failure(400, "unknown method");
        };
        if !request.path.starts_with("/api/") {
            return failure(403, "modules may only call /api/ routes");
        }
        let mut builder = Request::builder()
            .method(method)
            .uri(&request.path)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(id) = &request.correlation_id {
            builder = builder.header("x-correlation-id", id);
        }
        let Ok(mut req) = builder.body(request.body.map(Body::from).unwrap_or_else(Body::empty))
        else {
            return failure(400, "invalid request");
        };
        req.extensions_mut().insert(ModuleCaller(Principal {
            roles: request.scopes,
        }));
        match router.clone().oneshot(req).await {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let body = axum::body::to_bytes(resp.into_body(), 64 * 1024 * 1024)
                    .await
                    .unwrap_or_default();
                ApiResponse {
                    status,
                    body: String::from_utf8_lossy(&body).into_owned(),
                }
            }
            Err(e) => failure(500, &e.to_string()),
        }
    }
}

/// Moves every event from transport's outbox into the module host's durable log, oldest first,
/// and only then removes it from the outbox: at least once, across crashes. Wakes on the
/// transport bus and drains leftovers from before a restart at once.
pub fn forward_events(
    transport: Arc<transport::Transport>,
    host: Arc<ModuleHost>,
) -> tokio::task::JoinHandle<()> {
    use tokio::sync::broadcast::error::RecvError;
    let mut wake = transport.events().subscribe();
    tokio::spawn(async move {
        loop {
            match transport.outbox().await {
                Ok(pending) if !pending.is_empty() => {
                    let (ids, events): (Vec<String>, Vec<module_host::Event>) = pending
                        .into_iter()
                        .map(|(id, e)| {
                            let mut event = module_host::Event::new(e.namespace, e.data);
                            event.correlation_id = e.correlation_id;
                            (id, event)
                        })
                        .unzip();
                    match host.publish_all(&events).await {
                        Ok(_) => {
                            if let Err(e) = transport.acknowledge(ids).await {
                                tracing::error!(
                                    error = %e,
                                    "could not clear forwarded events from the outbox"
                                );
                            }
                            continue;
                        }
                        Err(e) => tracing::error!(
                            events = events.len(),
                            error = %e,
                            "could not append events to the module log"
                        ),
                    }
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "could not read the event outbox"),
            }
            // Wait for news; a periodic look also retries after a failure.
            tokio::select! {
                received = wake.recv() => if let Err(RecvError::Closed) = received { return },
                () = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
            }
            // One look at the outbox covers every announcement queued so far: a sync of a
            // thousand messages wakes one drain, not a thousand.
            while wake.try_recv().is_ok() {}
        }
    })
}
