//! Runs the Connector's plug-in modules: WebAssembly components written against the contract
//! in `wit/`, each sandboxed, limited in time and memory, and allowed only what its grants say.
//!
//! [`ModuleHost`] is the whole runtime in one place: the engine, the durable event log, the
//! hosted modules and their delivery, tick, reload and prune tasks. The Connector builds one
//! at start-up from the `modules` config ([`ModulesConfig`]), calls [`ModuleHost::publish`]
//! for every runtime event, and reads [`ModuleHost::health`] for `/health`.
//!
//! It owns modules and event delivery; it never serves HTTP and knows no routes: calls to the
//! Connector's API go through the [`ConnectorApi`] the Connector provides.

mod call;
pub mod capabilities;
pub mod config;
pub mod connector_api;
pub mod declared_grants;
mod delivery;
mod engine;
pub mod error;
mod event_log;
pub use event_log::DeadLetter;
pub mod health;
mod hosted;
pub mod metrics;
mod runner;
mod since_v0_1_0;

pub use config::{
    ApiGrant, Builtin, ComponentOrigin, DeliveryPolicy, Grants, HttpGrant, Limits, ModuleConfig,
    ModuleSource, ModuleSpec, ModulesConfig,
};
pub use connector_api::{ApiRequest, ApiResponse, ConnectorApi};
pub use engine::PoolOptions;
pub use error::ModuleHostError;
pub use health::ModuleHealth;
pub use runner::ModuleRunner;

use capabilities::SharedResources;
use delivery::Delivery;
use engine::ModuleEngine;
use event_log::EventLog;
use hosted::HostedModule;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use store::Store;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A runtime event, as the Connector's event bus publishes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// E.g. `transport.messageReceived`.
    pub namespace: String,
    /// The event's DTO; `Value::Null` for events without data.
    pub data: Value,
    /// The `x-correlation-id` of the API request that caused the event, if any.
    pub correlation_id: Option<String>,
}

impl Event {
    pub fn new(namespace: impl Into<String>, data: Value) -> Self {
        Self {
            namespace: namespace.into(),
            data,
            correlation_id: None,
        }
    }
}

/// Where the official modules' components come from.
#[derive(Debug, Clone)]
pub enum BuiltinComponents {
    /// Compiled into the Connector's binary: the function gives a built-in's component, or
    /// `None` for one this build left out.
    Embedded(fn(Builtin) -> Option<&'static [u8]>),
    /// `.wasm` files in a folder (the release output of `modules/`), named by
    /// [`Builtin::file_name`]; watched for changes like a custom module's file.
    Directory(PathBuf),
}

/// Process-level settings of the module host (not per module).
#[derive(Debug, Clone)]
pub struct HostOptions {
    pub builtins: BuiltinComponents,
    /// Compiled components are cached here across restarts (their digests in the store);
    /// `None` compiles at every start.
    pub cache_dir: Option<PathBuf>,
    /// How often `.wasm` files are checked for changes; `None` disables hot reload.
    pub reload_interval: Option<Duration>,
    pub pool: PoolOptions,
}

impl HostOptions {
    /// Options with the built-ins read from `.wasm` files in `builtin_dir`.
    pub fn new(builtin_dir: impl Into<PathBuf>) -> Self {
        Self::with_builtins(BuiltinComponents::Directory(builtin_dir.into()))
    }

    /// The engine these options describe, its compile cache's digests kept in the store.
    fn engine(&self, services: &HostServices) -> Result<Arc<ModuleEngine>, ModuleHostError> {
        // reqwest's rustls needs a process-wide crypto provider; another part of the
        // Connector may have installed it already, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let cache = self
            .cache_dir
            .clone()
            .map(|dir| (dir, services.store.clone()));
        Ok(Arc::new(ModuleEngine::new(&self.pool, cache)?))
    }

    pub fn with_builtins(builtins: BuiltinComponents) -> Self {
        Self {
            builtins,
            cache_dir: None,
            reload_interval: Some(Duration::from_secs(2)),
            pool: PoolOptions::default(),
        }
    }
}

/// What the module host uses from the rest of the Connector.
#[derive(Clone)]
pub struct HostServices {
    /// Holds the event log, cursors, dead letters and the modules' key-value entries.
    pub store: Arc<dyn Store>,
    pub api: Arc<dyn ConnectorApi>,
}

const PRUNE_INTERVAL: Duration = Duration::from_secs(5);

pub struct ModuleHost {
    engine: Arc<ModuleEngine>,
    log: Arc<EventLog>,
    modules: Vec<Arc<HostedModule>>,
    head: watch::Sender<u64>,
    shutdown: watch::Sender<bool>,
    tasks: std::sync::Mutex<Vec<JoinHandle<()>>>,
}

impl ModuleHost {
    /// Loads every enabled WebAssembly module in `config` and starts delivery. Fails if a
    /// module's config is invalid or its component does not load, as the official Connector
    /// fails when a module's `init` throws.
    pub async fn start(
        config: &ModulesConfig,
        options: HostOptions,
        services: HostServices,
    ) -> Result<Self, ModuleHostError> {
        Self::start_modules(config.wasm_modules()?, options, services).await
    }

    pub async fn start_modules(
        specs: Vec<ModuleSpec>,
        options: HostOptions,
        services: HostServices,
    ) -> Result<Self, ModuleHostError> {
        let engine = options.engine(&services)?;
        let log = Arc::new(EventLog::open(services.store.clone()).await?);
        let shared = SharedResources {
            store: services.store.clone(),
            api: services.api.clone(),
            http: Arc::default(),
            recorder: None,
        };
        let mut modules = Vec::new();
        for spec in specs {
            modules.push(Arc::new(
                HostedModule::load(spec, &options.builtins, &engine, &shared).await?,
            ));
        }
        let (head, _) = watch::channel(log.head().await);
        let (shutdown, _) = watch::channel(false);
        let host = Self {
            engine,
            log,
            modules,
            head,
            shutdown,
            tasks: std::sync::Mutex::new(Vec::new()),
        };
        host.spawn_tasks(options.reload_interval);
        Ok(host)
    }

    fn spawn_tasks(&self, reload_interval: Option<Duration>) {
        let mut tasks = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
        for module in &self.modules {
            let delivery = Delivery {
                module: module.clone(),
                log: self.log.clone(),
                head: self.head.subscribe(),
                shutdown: self.shutdown.subscribe(),
            };
            tasks.push(tokio::spawn(delivery.run()));
            tasks.push(tokio::spawn(delivery::run_ticks(
                module.clone(),
                self.shutdown.subscribe(),
            )));
        }
        if let Some(interval) = reload_interval {
            tasks.push(tokio::spawn(watch_files(
                self.modules.clone(),
                self.engine.clone(),
                interval,
                self.shutdown.subscribe(),
            )));
        }
        tasks.push(tokio::spawn(prune(
            self.modules.clone(),
            self.log.clone(),
            self.shutdown.subscribe(),
        )));
    }

    /// Appends the event to the durable log, then wakes delivery. When this returns `Ok`, the
    /// event will reach every subscribed module at least once, across crashes and restarts.
    /// Returns the event's sequence number, or `None` when no module is loaded (nothing is
    /// logged then).
    pub async fn publish(&self, event: Event) -> Result<Option<u64>, ModuleHostError> {
        self.publish_all(std::slice::from_ref(&event)).await
    }

    /// Like [`ModuleHost::publish`] for several events at once (e.g. everything one sync run
    /// produced), in order, with one durable write: far cheaper per event than one `publish`
    /// each when every write is an fsync. Returns the last event's sequence number.
    pub async fn publish_all(&self, events: &[Event]) -> Result<Option<u64>, ModuleHostError> {
        if *self.shutdown.borrow() {
            return Err(ModuleHostError::ShutDown);
        }
        if self.modules.is_empty() || events.is_empty() {
            return Ok(None);
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        let head = self.log.append(events, now).await?;
        self.head.send_replace(head);
        Ok(Some(head))
    }

    /// One entry per loaded module, in config order.
    pub async fn health(&self) -> Vec<ModuleHealth> {
        let head = self.log.head().await;
        self.modules
            .iter()
            .map(|m| {
                m.health
                    .snapshot(m.name(), &m.current().description.version, head)
            })
            .collect()
    }

    /// Whether every module is healthy (for the overall `/health`).
    pub async fn is_healthy(&self) -> bool {
        self.health().await.iter().all(|h| h.healthy)
    }

    /// The events modules gave up on, of one module or all.
    pub async fn dead_letters(
        &self,
        module: Option<&str>,
    ) -> Result<Vec<DeadLetter>, store::StoreError> {
        self.log.dead_letters(module).await
    }

    /// Queues the dead letters of one module (or all) for delivery again and wakes the
    /// delivery tasks; returns how many were queued.
    pub async fn replay_dead_letters(
        &self,
        module: Option<&str>,
    ) -> Result<usize, store::StoreError> {
        let queued = self.log.queue_replays(module).await?;
        if queued > 0 {
            // Same head, new version: every delivery task looks at its replay queue.
            self.head.send_modify(|_| {});
        }
        Ok(queued)
    }

    /// Names of the loaded modules, in config order.
    pub fn module_names(&self) -> Vec<String> {
        self.modules.iter().map(|m| m.name().to_owned()).collect()
    }

    /// Stops delivery, ticks and reloads and waits for them. Calls in flight are cancelled;
    /// their events are delivered again after the next start.
    pub async fn shutdown(&self) {
        self.shutdown.send_replace(true);
        let tasks = std::mem::take(&mut *self.tasks.lock().unwrap_or_else(|p| p.into_inner()));
        for task in tasks {
            let _ = task.await;
        }
    }
}

impl Drop for ModuleHost {
    fn drop(&mut self) {
        self.shutdown.send_replace(true);
    }
}

async fn watch_files(
    modules: Vec<Arc<HostedModule>>,
    engine: Arc<ModuleEngine>,
    interval: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(interval) => {},
            _ = shutdown.changed() => return,
        }
        for module in &modules {
            module.reload_if_changed(&engine).await;
        }
    }
}

/// Deletes events every module has finished with (per persisted cursor).
async fn prune(
    modules: Vec<Arc<HostedModule>>,
    log: Arc<EventLog>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(PRUNE_INTERVAL) => {},
            _ = shutdown.changed() => return,
        }
        let Some(lowest) = modules.iter().map(|m| m.health.delivered_up_to()).min() else {
            return;
        };
        if let Err(e) = log.prune(lowest).await {
            tracing::warn!(error = %e, "cannot prune the module event log");
        }
    }
}

/// The dead letters kept in `store`, of one module or all, without starting a module host
/// (the `connector modules dead-letters` command).
pub async fn stored_dead_letters(
    store: Arc<dyn Store>,
    module: Option<&str>,
) -> Result<Vec<DeadLetter>, store::StoreError> {
    event_log::EventLog::open(store)
        .await?
        .dead_letters(module)
        .await
}

/// Queues the dead letters kept in `store` for delivery again; a Connector delivers them when
/// it next starts (or next wakes, if it runs). Returns how many were queued.
pub async fn queue_stored_dead_letters(
    store: Arc<dyn Store>,
    module: Option<&str>,
) -> Result<usize, store::StoreError> {
    event_log::EventLog::open(store)
        .await?
        .queue_replays(module)
        .await
}
