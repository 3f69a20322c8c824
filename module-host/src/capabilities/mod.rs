//! What a module can do, one file per grant. Each file holds the capability's state for one
//! module (built from its grants at load), the check, and the work; the WIT bindings in
//! `since_v0_1_0.rs` only convert types and delegate here, so the capabilities stay the same
//! across contract versions.

pub mod api;
pub mod broker;
pub mod config;
pub mod http;
pub mod kv;
pub mod log;
pub mod record;

use crate::config::ModuleSpec;
use crate::connector_api::ConnectorApi;
use crate::error::ModuleHostError;
use std::sync::Arc;
use store::Store;

/// Everything one module may use, shared by all its calls.
pub struct Capabilities {
    pub log: log::LogCapability,
    pub config: config::ConfigCapability,
    pub kv: kv::KvCapability,
    pub http: http::HttpCapability,
    pub api: api::ApiCapability,
    pub broker: broker::BrokerCapability,
}

/// Process-wide resources the capabilities draw on.
#[derive(Clone)]
pub struct SharedResources {
    pub store: Arc<dyn Store>,
    pub api: Arc<dyn ConnectorApi>,
    pub http: Arc<http::HttpClients>,
    /// Set by `connector module run`: what the module does is recorded (and, in a dry run,
    /// kept from the outside world).
    pub recorder: Option<Arc<record::Recorder>>,
}

impl Capabilities {
    pub fn new(spec: &ModuleSpec, shared: &SharedResources) -> Result<Self, ModuleHostError> {
        Ok(Self {
            log: log::LogCapability::new(&spec.name, shared.recorder.clone()),
            config: config::ConfigCapability::new(spec.settings.clone()),
            kv: kv::KvCapability::new(&spec.name, shared.store.clone()),
            http: http::HttpCapability::new(&spec.grants, shared.http.clone())
                .recording(shared.recorder.clone()),
            api: api::ApiCapability::new(&spec.name, &spec.grants, shared.api.clone())
                .recording(shared.recorder.clone()),
            broker: broker::BrokerCapability::new(&spec.name, &spec.grants)?
                .recording(shared.recorder.clone()),
        })
    }
}
