//! `/api/core/v1/Account`: identity info and sync.

use super::ApiResult;
use crate::app::App;
use crate::http::json::{Envelope, ResultBody};
use axum::extract::State;
use axum::http::StatusCode;
use runtime_types::account::{IdentityInfo, SyncInfo};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(identity_info))
        .routes(routes!(sync))
        .routes(routes!(sync_info))
}

/// The identity's address and public key.
#[utoipa::path(
    get,
    path = "/api/core/v1/Account/IdentityInfo",
    tag = "Account",
    responses((status = 200, body = ResultBody<IdentityInfo>))
)]
async fn identity_info(State(app): State<App>) -> Envelope<IdentityInfo> {
    Envelope(app.transport.identity_info())
}

/// Syncs with the Backbone now.
#[utoipa::path(
    post,
    path = "/api/core/v1/Account/Sync",
    tag = "Account",
    responses((status = 204))
)]
async fn sync(State(app): State<App>) -> ApiResult<StatusCode> {
    app.transport.sync_everything().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// When the last sync completed.
#[utoipa::path(
    get,
    path = "/api/core/v1/Account/SyncInfo",
    tag = "Account",
    responses((status = 200, body = ResultBody<SyncInfo>))
)]
async fn sync_info(State(app): State<App>) -> ApiResult<Envelope<SyncInfo>> {
    Ok(Envelope(app.transport.sync_info().await?))
}
