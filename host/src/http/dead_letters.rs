//! `/Monitoring/DeadLetters`: the events modules gave up on (a module rejected them, or they
//! kept failing), and a way to deliver them again once the cause is fixed. At-least-once
//! delivery parks such events instead of dropping them; these routes are the way back. Plain
//! JSON like the other monitoring routes; scope `monitoring:deadLetters`.

use super::auth;
use super::error::ApiError;
use crate::app::App;
use axum::Json;
use axum::extract::{Query, State};
use axum::middleware::from_fn;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(replay))
        .route_layer(from_fn(|r, n| {
            auth::require(&["monitoring:deadLetters"], r, n)
        }))
}

/// One event a module gave up on.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeadLetterView {
    /// `<module>:<seq>`.
    id: String,
    module: String,
    seq: u64,
    namespace: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    data: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    correlation_id: Option<String>,
    /// Why the module gave up.
    error: String,
}

impl From<module_host::DeadLetter> for DeadLetterView {
    fn from(d: module_host::DeadLetter) -> Self {
        Self {
            id: d.id,
            module: d.module,
            seq: d.seq,
            namespace: d.namespace,
            data: d.data,
            correlation_id: d.correlation_id,
            error: d.error,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ModuleFilter {
    /// Only this module's (its key in `modules`); all modules' without it.
    module: Option<String>,
}

/// How many dead letters were queued for delivery again.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Replayed {
    queued: usize,
}

/// The events modules gave up on, oldest first per module.
#[utoipa::path(get, path = "/Monitoring/DeadLetters", tag = "Monitoring", params(ModuleFilter),
    responses((status = 200, body = Vec<DeadLetterView>), (status = 401), (status = 403)))]
async fn list(
    State(app): State<App>,
    Query(filter): Query<ModuleFilter>,
) -> Result<Json<Vec<DeadLetterView>>, ApiError> {
    let letters = app
        .modules
        .dead_letters(filter.module.as_deref())
        .await
        .map_err(|e| ApiError::unexpected(e.to_string()))?;
    Ok(Json(letters.into_iter().map(Into::into).collect()))
}

/// Delivers the dead letters (of one module, or all) again, each to its module, in order;
/// one that fails again becomes a dead letter again.
#[utoipa::path(post, path = "/Monitoring/DeadLetters/Replay", tag = "Monitoring",
    params(ModuleFilter),
    responses((status = 200, body = Replayed), (status = 401), (status = 403)))]
async fn replay(
    State(app): State<App>,
    Query(filter): Query<ModuleFilter>,
) -> Result<Json<Replayed>, ApiError> {
    let queued = app
        .modules
        .replay_dead_letters(filter.module.as_deref())
        .await
        .map_err(|e| ApiError::unexpected(e.to_string()))?;
    Ok(Json(Replayed { queued }))
}
