//! The Enmeshed Connector: configuration, store, HTTP API and, composed in [`app::App`], every
//! subsystem behind them. `main.rs` is only the command line around [`start`].

pub mod app;
pub mod config;
pub mod database;
pub mod health;
pub mod http;
pub mod logging;
pub mod memory;
pub mod module_tool;
pub mod modules;
pub mod routes;
pub mod sse;

/// Every binary that links the Connector (itself, its tests and benchmarks) allocates with
/// mimalloc: see `Cargo.toml` for why.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use app::{App, BuildInfo};
use config::ConnectorConfig;
use health::{BackboneProbe, HealthChecker};
use http::auth::Authenticator;
use http::middleware::RequestCounter;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::oneshot;

/// A started Connector: its address, and how to stop it.
pub struct RunningConnector {
    pub app: App,
    pub local_addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl RunningConnector {
    pub fn base_url(&self) -> String {
        format!("http://{}", self.local_addr)
    }

    /// Stops accepting, lets requests in flight finish, closes the store.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.await?
    }

    /// Runs until `signal` resolves, then shuts down as [`Self::shutdown`] does.
    pub async fn run_until(
        self,
        signal: impl std::future::Future<Output = ()>,
    ) -> anyhow::Result<()> {
        signal.await;
        tracing::info!("shutting down");
        self.shutdown().await
    }
}

/// Builds every subsystem from `config` and starts serving; the port opens last, after
/// everything it serves is ready, as in the official start-up sequence.
pub async fn start(config: ConnectorConfig) -> anyhow::Result<RunningConnector> {
    // reqwest is built without a default TLS provider so that it shares `ring` with the
    // MongoDB driver; a second install attempt is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = Arc::new(config);
    // Installed before anything records, so the store's and transport's first calls count.
    let metrics = config
        .infrastructure
        .http_server
        .metrics
        .enabled
        .then(http::metrics::Metrics::install)
        .flatten();
    let http_client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_millis(
            config.transport_library.platform_timeout,
        ))
        .build()?;
    let auth = Arc::new(Authenticator::from_config(&config, http_client.clone())?);
    let store = database::open(&config.database).await?;

    let tl = &config.transport_library;
    let probe = Arc::new(BackboneProbe {
        base_url: tl.base_url.clone(),
        client_id: tl.platform_client_id.clone(),
        client_secret: tl
            .platform_client_secret
            .as_ref()
            .map(|s| s.expose().to_owned()),
        device: std::sync::RwLock::new(None),
        http: http_client.clone(),
    });
    // The identity exists and the device is logged in before anything else can use it.
    let transport = Arc::new(
        transport::Transport::open(transport_config(&config)?, store.clone(), http_client)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?,
    );
    if let Ok(mut device) = probe.device.write() {
        *device = transport.device_credentials();
    }
    let module_api = Arc::new(modules::InProcessApi::default());
    let module_host = Arc::new(modules::start(&config, store.clone(), module_api.clone()).await?);
    let forwarder = modules::forward_events(transport.clone(), module_host.clone());
    let push = config.module_enabled("sse").then(|| {
        let base = config
            .modules
            .get("sse")
            .and_then(|m| m.get("baseUrlOverride"))
            .and_then(|v| v.as_str());
        sse::start(transport.clone(), base.map(str::to_owned))
    });
    let decider =
        consumption::requests::decider::Decider::from_module_config(config.modules.get("decider"))
            .map_err(|e| crate::config::ConfigError::new("modules.decider", e.to_string()))?;
    let consumption = Arc::new(
        consumption::Consumption::open_with(transport.clone(), decider)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?,
    );
    let app = App {
        modules: module_host.clone(),
        transport,
        consumption,
        health: Arc::new(HealthChecker::new(
            store.clone(),
            probe,
            module_host.clone(),
        )),
        requests: Arc::new(RequestCounter::new()),
        metrics,
        build: BuildInfo::current(),
        auth,
        store: store.clone(),
        config: config.clone(),
    };

    let http = &config.infrastructure.http_server;
    let addr: SocketAddr = format!("{}:{}", http.host, http.port)
        .parse()
        .map_err(|e| config::ConfigError::new("infrastructure.httpServer.host", format!("{e}")))?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    let local_addr = listener.local_addr()?;
    let router = http::router(app.clone());
    module_api.bind(router.clone());
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let served = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            let _ = stop_rx.await;
        })
        .await;
        // Modules stop before the store closes: their cursors and the event log live there.
        forwarder.abort();
        if let Some(push) = push {
            push.stop();
        }
        module_host.shutdown().await;
        let closed = store.close().await;
        served?;
        closed?;
        Ok(())
    });
    tracing::info!(address = %local_addr, "listening");
    memory::release_freed();
    Ok(RunningConnector {
        app,
        local_addr,
        stop: Some(stop_tx),
        task,
    })
}

/// Resolves on SIGTERM or SIGINT.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// Transport's part of the configuration. The key that seals private keys at rest comes from
/// `transportLibrary.keyEncryptionKey` or `CONNECTOR_KEY_ENCRYPTION_KEY`; without either, the
/// embedded database gets a generated key file next to it (readable by the owner only).
fn transport_config(config: &ConnectorConfig) -> anyhow::Result<transport::TransportConfig> {
    let tl = &config.transport_library;
    let required = |value: Option<String>, key: &str| {
        value.ok_or_else(|| config::ConfigError::new(key, "is required"))
    };
    let configured = tl
        .other
        .get("keyEncryptionKey")
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned)
        .or_else(|| std::env::var("CONNECTOR_KEY_ENCRYPTION_KEY").ok());
    let key_text = match configured {
        Some(k) => k,
        None if config.database.driver == config::DatabaseDriver::Sqlite => {
            key_file(&config.database.folder, &config.database.db_name)?
        }
        None => anyhow::bail!(config::ConfigError::new(
            "transportLibrary.keyEncryptionKey",
            "is required with MongoDB (or set CONNECTOR_KEY_ENCRYPTION_KEY)"
        )),
    };
    Ok(transport::TransportConfig {
        base_url: required(tl.base_url.clone(), "transportLibrary.baseUrl")?,
        platform_client_id: required(
            tl.platform_client_id.clone(),
            "transportLibrary.platformClientId",
        )?,
        platform_client_secret: required(
            tl.platform_client_secret
                .as_ref()
                .map(|s| s.expose().to_owned()),
            "transportLibrary.platformClientSecret",
        )?,
        allow_identity_creation: tl.allow_identity_creation,
        address_domain: tl.address_generation_hostname_override.clone(),
        key: transport::KeySource::parse(&key_text).map_err(|e| {
            config::ConfigError::new("transportLibrary.keyEncryptionKey", e.to_string())
        })?,
        additional_headers: tl
            .platform_additional_headers
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    })
}

fn key_file(folder: &str, db_name: &str) -> anyhow::Result<String> {
    let path = std::path::Path::new(folder).join(format!("{db_name}.key"));
    if let Ok(text) = std::fs::read_to_string(&path) {
        return Ok(text.trim().to_owned());
    }
    std::fs::create_dir_all(folder)?;
    let key = transport::KeySource::generate_encoded().map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    use std::io::Write;
    let mut file = options
        .open(&path)
        .map_err(|e| anyhow::anyhow!("cannot create the key file {}: {e}", path.display()))?;
    file.write_all(key.as_bytes())?;
    file.sync_all()?;
    tracing::warn!(
        key_file = %path.display(),
        "no transportLibrary.keyEncryptionKey configured; generated a key file: keep it with the database"
    );
    Ok(key.to_string())
}
