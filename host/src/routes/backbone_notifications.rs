//! `/api/core/v1/BackboneNotifications`.

use super::ApiResult;
use crate::app::App;
use crate::http::json::ApiJson;
use axum::extract::State;
use axum::http::StatusCode;
use runtime_types::backbone_notifications::SendBackboneNotificationRequest;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new().routes(routes!(send))
}

/// Has the Backbone notify peers with an active relationship (`{recipients, code}`).
#[utoipa::path(
    post,
    path = "/api/core/v1/BackboneNotifications",
    tag = "BackboneNotifications",
    request_body = SendBackboneNotificationRequest,
    responses((status = 204), (status = 400))
)]
async fn send(
    State(app): State<App>,
    ApiJson(request): ApiJson<SendBackboneNotificationRequest>,
) -> ApiResult<StatusCode> {
    app.transport.send_backbone_notification(&request).await?;
    Ok(StatusCode::NO_CONTENT)
}
