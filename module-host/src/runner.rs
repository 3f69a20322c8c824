//! One module, called directly: no event log, no cursor, no retries. For tools, benchmarks
//! and module authors' own tests; the Connector itself uses [`crate::ModuleHost`].

use crate::call::{CallFailure, Description};
use crate::capabilities::SharedResources;
use crate::capabilities::record::Recorder;
use crate::engine::ModuleEngine;
use crate::error::ModuleHostError;
use crate::hosted::HostedModule;
use crate::since_v0_1_0 as wit;
use crate::{Event, HostOptions, HostServices, ModuleSpec};
use std::sync::Arc;

pub struct ModuleRunner {
    module: HostedModule,
}

impl ModuleRunner {
    pub async fn load(
        spec: ModuleSpec,
        options: &HostOptions,
        services: HostServices,
    ) -> Result<Self, ModuleHostError> {
        let engine = options.engine(&services)?;
        Self::load_on(spec, options, services, &engine, None).await
    }

    /// Like [`ModuleRunner::load`], with everything the module does kept in `recorder`.
    pub async fn load_recorded(
        spec: ModuleSpec,
        options: &HostOptions,
        services: HostServices,
        recorder: Arc<Recorder>,
    ) -> Result<Self, ModuleHostError> {
        let engine = options.engine(&services)?;
        Self::load_on(spec, options, services, &engine, Some(recorder)).await
    }

    async fn load_on(
        spec: ModuleSpec,
        options: &HostOptions,
        services: HostServices,
        engine: &Arc<ModuleEngine>,
        recorder: Option<Arc<Recorder>>,
    ) -> Result<Self, ModuleHostError> {
        let shared = SharedResources {
            store: services.store,
            api: services.api,
            http: Arc::default(),
            recorder,
        };
        let module = HostedModule::load(spec, &options.builtins, engine, &shared).await?;
        Ok(Self { module })
    }

    /// Loads more modules on the same engine (and compile cache) as this one.
    pub async fn load_sibling(
        &self,
        spec: ModuleSpec,
        options: &HostOptions,
        services: HostServices,
    ) -> Result<Self, ModuleHostError> {
        Self::load_on(spec, options, services, &self.module.engine, None).await
    }

    /// What the module said of itself in `describe`: name, version, event patterns.
    pub fn describe(&self) -> (String, String, Vec<String>) {
        let d = self.description();
        (d.name, d.version, d.events)
    }

    /// The event patterns the module subscribed to in `describe`.
    pub fn events(&self) -> Vec<String> {
        self.description().events
    }

    fn description(&self) -> Description {
        self.module.current().description.clone()
    }

    /// One `on-event` call on a fresh instance; the error says why it failed.
    pub async fn on_event(&self, seq: u64, event: &Event) -> Result<(), String> {
        let event = wit::Event {
            seq,
            namespace: event.namespace.clone(),
            data: (!event.data.is_null()).then(|| event.data.to_string()),
            correlation_id: event.correlation_id.clone(),
            occurred_at_ms: 0,
        };
        let current = self.module.current();
        self.module
            .caller(&current)
            .on_event(&event)
            .await
            .map_err(|e: CallFailure| e.to_string())
    }

    pub async fn on_tick(&self) -> Result<(), String> {
        let current = self.module.current();
        self.module
            .caller(&current)
            .on_tick()
            .await
            .map_err(|e| e.to_string())
    }
}
