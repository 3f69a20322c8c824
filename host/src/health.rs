//! The health report behind `GET /health`: the database, the Backbone's reachability and
//! whether the Backbone lets us authenticate. Cheap by design: the database check uses the
//! open store (no new connection), a successful authentication is trusted for five minutes,
//! and concurrent callers share one check.

use serde::Serialize;
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::Store;
use tokio::sync::Mutex;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ServiceHealth {
    Healthy,
    Unhealthy,
}

impl From<bool> for ServiceHealth {
    fn from(ok: bool) -> Self {
        if ok { Self::Healthy } else { Self::Unhealthy }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Services {
    pub database: ServiceHealth,
    pub backbone_connection: ServiceHealth,
    pub backbone_authentication: ServiceHealth,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HealthReport {
    pub is_healthy: bool,
    pub services: Services,
    /// Each loaded module, unhealthy after repeated failures. Reported, but not part of
    /// `isHealthy`: a failing plug-in must not make an orchestrator restart the Connector,
    /// which would not mend the plug-in and would interrupt everything else.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub modules: Vec<module_host::ModuleHealth>,
}

/// How the health check reaches the Backbone.
pub struct BackboneProbe {
    pub base_url: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// The device's credentials once the identity exists; until then the probe only checks
    /// that the Backbone accepts the platform client.
    pub device: std::sync::RwLock<Option<(String, String)>>,
    pub http: reqwest::Client,
}

const AUTH_SUCCESS_TTL: Duration = Duration::from_secs(300);
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

impl BackboneProbe {
    async fn reachable(&self) -> bool {
        let Some(base) = &self.base_url else {
            return false;
        };
        let url = format!("{}/health", base.trim_end_matches('/'));
        matches!(self.http.get(url).timeout(PROBE_TIMEOUT).send().await, Ok(r) if r.status().is_success())
    }

    async fn authenticates(&self) -> bool {
        let (Some(base), Some(id), Some(secret)) =
            (&self.base_url, &self.client_id, &self.client_secret)
        else {
            return false;
        };
        let device = self.device.read().ok().and_then(|d| d.clone());
        let (username, password) = device
            .clone()
            .unwrap_or_else(|| ("health-probe".into(), "health-probe".into()));
        let form = [
            ("grant_type", "password"),
            ("client_id", id.as_str()),
            ("client_secret", secret.as_str()),
            ("username", username.as_str()),
            ("password", password.as_str()),
        ];
        let url = format!("{}/connect/token", base.trim_end_matches('/'));
        let Ok(resp) = self
            .http
            .post(url)
            .form(&form)
            .timeout(PROBE_TIMEOUT)
            .send()
            .await
        else {
            return false;
        };
        let status = resp.status();
        if status.is_success() {
            return true;
        }
        if device.is_some() || status != reqwest::StatusCode::BAD_REQUEST {
            return false;
        }
        // Without a device yet: the client was accepted when the Backbone rejects only the
        // (made-up) user with `invalid_grant`.
        let body: serde_json::Value = resp.json().await.unwrap_or_default();
        body.get("error").and_then(|e| e.as_str()) == Some("invalid_grant")
    }
}

pub struct HealthChecker {
    store: Arc<dyn Store>,
    modules: Arc<module_host::ModuleHost>,
    backbone: Arc<BackboneProbe>,
    last: Mutex<Option<(Instant, HealthReport)>>,
    auth_ok_at: std::sync::Mutex<Option<Instant>>,
}

impl HealthChecker {
    pub fn new(
        store: Arc<dyn Store>,
        backbone: Arc<BackboneProbe>,
        modules: Arc<module_host::ModuleHost>,
    ) -> Self {
        Self {
            store,
            modules,
            backbone,
            last: Mutex::new(None),
            auth_ok_at: std::sync::Mutex::new(None),
        }
    }

    pub fn backbone(&self) -> &Arc<BackboneProbe> {
        &self.backbone
    }

    pub async fn check(&self) -> HealthReport {
        let asked_at = Instant::now();
        let mut last = self.last.lock().await;
        // Someone else ran a check that started after we asked: its answer is ours too.
        if let Some((started, report)) = last.as_ref()
            && *started >= asked_at
        {
            return report.clone();
        }
        let started = Instant::now();
        let report = self.run().await;
        *last = Some((started, report.clone()));
        report
    }

    async fn run(&self) -> HealthReport {
        let database = self.store.ping().await.is_ok();
        let (connection, authentication) =
            tokio::join!(self.backbone.reachable(), self.cached_authentication());
        HealthReport {
            modules: self.modules.health().await,
            is_healthy: database && connection && authentication,
            services: Services {
                database: database.into(),
                backbone_connection: connection.into(),
                backbone_authentication: authentication.into(),
            },
        }
    }

    async fn cached_authentication(&self) -> bool {
        let fresh = self
            .auth_ok_at
            .lock()
            .ok()
            .and_then(|t| *t)
            .is_some_and(|t| t.elapsed() < AUTH_SUCCESS_TTL);
        if fresh {
            return true;
        }
        let ok = self.backbone.authenticates().await;
        if let Ok(mut t) = self.auth_ok_at.lock() {
            *t = ok.then(Instant::now);
        }
        ok
    }
}
