//! `/health`, `Version`, `Announcements`, `Notifications` and `Tags`.

use super::{AppState, Auth, Body, Params, no_content, ok};
use crate::domain::misc::NotificationRequest;
use crate::error::Error;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use wire::encoding::hex;
use wire::hash::sha256;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/api/v2/Version", get(version))
        .route("/api/v2/Announcements", get(announcements))
        .route("/api/v2/Notifications", post(notify))
        .route("/api/v2/Tags", get(tags))
}

async fn health(State(backbone): State<AppState>) -> Response {
    match backbone.ping().await {
        Ok(()) => (StatusCode::OK, "Healthy").into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "Unhealthy").into_response(),
    }
}

async fn version(State(backbone): State<AppState>) -> Response {
    ok(backbone.version())
}

async fn announcements(
    State(backbone): State<AppState>,
    Auth(caller): Auth,
    _params: Params,
) -> Response {
    ok(backbone.announcements(&caller))
}

async fn notify(
    State(backbone): State<AppState>,
    Auth(caller): Auth,
    Body(request): Body<NotificationRequest>,
) -> Result<Response, Error> {
    backbone.send_notification(&caller, request).await?;
    Ok(no_content())
}

/// Answers `If-None-Match` with 304, as the Backbone's tag cache does.
async fn tags(State(backbone): State<AppState>, headers: HeaderMap) -> Response {
    let tags = backbone.tags();
    let digest = sha256(tags.to_string().as_bytes());
    let etag = format!("\"{}\"", hex(&digest[..8]));
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    let mut response = ok(tags);
    if let Ok(value) = etag.parse() {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}
