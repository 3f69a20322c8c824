//! The running Connector in one place: every subsystem a request or an event can reach.
//! Reading this struct tells you what the Connector is made of.

use crate::config::ConnectorConfig;
use crate::health::HealthChecker;
use crate::http::auth::Authenticator;
use crate::http::metrics::Metrics;
use crate::http::middleware::RequestCounter;
use module_host::ModuleHost;
use std::sync::Arc;
use store::Store;

#[derive(Clone)]
pub struct App {
    pub config: Arc<ConnectorConfig>,
    pub store: Arc<dyn Store>,
    pub health: Arc<HealthChecker>,
    pub auth: Arc<Authenticator>,
    pub requests: Arc<RequestCounter>,
    /// The Prometheus recorder behind `/metrics`; `None` when metrics are off.
    pub metrics: Option<Arc<Metrics>>,
    /// The WebAssembly modules and their durable event delivery.
    pub modules: Arc<ModuleHost>,
    /// The identity, its Backbone client, sync and the Enmeshed objects.
    pub transport: Arc<transport::Transport>,
    /// What the exchanged objects mean: identity metadata (attributes and requests to come).
    pub consumption: Arc<consumption::Consumption>,
    pub build: BuildInfo,
}

/// What `/Monitoring/Version` reports.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct BuildInfo {
    pub version: String,
    pub build: String,
    pub date: String,
    pub commit: String,
    #[serde(rename = "runtimeVersion")]
    pub runtime_version: String,
}

impl BuildInfo {
    /// Filled from the build environment; CI may set `CONNECTOR_BUILD`, `CONNECTOR_COMMIT`
    /// and `CONNECTOR_BUILD_DATE` when it builds a release.
    pub fn current() -> Self {
        Self {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            build: option_env!("CONNECTOR_BUILD").unwrap_or("local").to_owned(),
            date: option_env!("CONNECTOR_BUILD_DATE").unwrap_or("").to_owned(),
            commit: option_env!("CONNECTOR_COMMIT").unwrap_or("").to_owned(),
            runtime_version: format!("rust-connector {}", env!("CARGO_PKG_VERSION")),
        }
    }
}
