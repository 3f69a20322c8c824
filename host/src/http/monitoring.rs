//! `/health` (no authentication) and `/Monitoring/{Version,Requests,Support}`: plain JSON, no
//! envelope, as the official Connector answers them.

use super::auth;
use crate::app::{App, BuildInfo};
use crate::health::HealthReport;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::middleware::from_fn;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn health_routes() -> OpenApiRouter<App> {
    OpenApiRouter::new().routes(routes!(health))
}

pub fn routes() -> OpenApiRouter<App> {
    let version = OpenApiRouter::new()
        .routes(routes!(version))
        .route_layer(from_fn(|r, n| auth::require(&["monitoring:version"], r, n)));
    let requests = OpenApiRouter::new()
        .routes(routes!(requests))
        .route_layer(from_fn(|r, n| {
            auth::require(&["monitoring:requests"], r, n)
        }));
    let support = OpenApiRouter::new()
        .routes(routes!(support))
        .route_layer(from_fn(|r, n| auth::require(&["monitoring:support"], r, n)));
    version
        .merge(requests)
        .merge(support)
        .merge(super::dead_letters::routes())
}

/// Whether the Connector, its database and its Backbone are usable.
#[utoipa::path(get, path = "/health", tag = "Monitoring", security(()),
    responses((status = 200, body = HealthReport), (status = 500, description = "unhealthy", body = HealthReport)))]
async fn health(State(app): State<App>) -> (StatusCode, Json<HealthReport>) {
    let report = app.health.check().await;
    let status = if report.is_healthy {
        StatusCode::OK
    } else {
        StatusCode::INTERNAL_SERVER_ERROR
    };
    (status, Json(report))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct VersionInfo {
    #[serde(flatten)]
    build: BuildInfo,
    /// Enabled modules by display name.
    #[schema(value_type = Object)]
    modules: Map<String, Value>,
}

#[utoipa::path(get, path = "/Monitoring/Version", tag = "Monitoring",
    responses((status = 200, body = VersionInfo), (status = 401), (status = 403)))]
async fn version(State(app): State<App>) -> Json<VersionInfo> {
    // A WebAssembly module reports its own version (from its `describe`); the parts the
    // Connector runs itself (coreHttpApi, sse, the decider) have the Connector's.
    let loaded: std::collections::HashMap<String, String> = app
        .modules
        .health()
        .await
        .into_iter()
        .map(|m| (m.name, m.version))
        .collect();
    let mut modules = Map::new();
    for (name, section) in &app.config.modules {
        if section.get("enabled").and_then(Value::as_bool) == Some(true) {
            let display = section
                .get("displayName")
                .and_then(Value::as_str)
                .unwrap_or(name);
            let b = &app.build;
            let version = loaded.get(name).unwrap_or(&b.version);
            modules.insert(
                display.to_owned(),
                serde_json::json!({"version": version, "build": b.build, "date": b.date, "commit": b.commit}),
            );
        }
    }
    Json(VersionInfo {
        build: app.build.clone(),
        modules,
    })
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RequestsInfo {
    since: String,
    request_count: u64,
    request_count_by_status: BTreeMap<String, u64>,
}

#[utoipa::path(get, path = "/Monitoring/Requests", tag = "Monitoring",
    responses((status = 200, body = RequestsInfo), (status = 401), (status = 403)))]
async fn requests(State(app): State<App>) -> Json<RequestsInfo> {
    let by_status = app.requests.snapshot();
    Json(RequestsInfo {
        since: app
            .requests
            .since
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        request_count: by_status.values().sum(),
        request_count_by_status: by_status
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    })
}

/// `/Monitoring/Support` as the official `ConnectorSupportInformation`: these four keys and no
/// other. The identity appears only as its address and public key; nothing secret, sealed or
/// not, leaves through this route.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SupportInfo {
    version: BuildInfo,
    health: HealthReport,
    /// The configuration with secrets replaced.
    #[schema(value_type = Object)]
    configuration: Value,
    identity_info: SupportIdentityInfo,
}

/// The official `IdentityInfo`, as `GET /api/core/v1/Account/IdentityInfo` answers it.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SupportIdentityInfo {
    address: String,
    public_key: String,
}

#[utoipa::path(get, path = "/Monitoring/Support", tag = "Monitoring",
    responses((status = 200, body = SupportInfo), (status = 401), (status = 403)))]
async fn support(State(app): State<App>) -> Json<SupportInfo> {
    let identity = app.transport.identity_info();
    Json(SupportInfo {
        version: app.build.clone(),
        health: app.health.check().await,
        configuration: app.config.sanitized(),
        identity_info: SupportIdentityInfo {
            address: identity.address,
            public_key: identity.public_key,
        },
    })
}
