//! `/health`, `Version`, `Announcements`, `Notifications` and `Tags`.

use super::{AppState, Auth, Body, Params, no_content, ok};
use crate::domain::misc::NotificationRequest;
use crate::error::Error;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use consumer_api::tags::TagCollection;
use wire::encoding::std_b64_encode;
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

/// The tag catalogue with its `ETag`; a matching `If-None-Match` is a 304 without a body,
/// as the real Backbone's `HandleHttpCaching` filter answers. No token is needed: the real
/// route is `[AllowAnonymous]`.
async fn tags(State(backbone): State<AppState>, headers: HeaderMap) -> Response {
    let tags = backbone.tags();
    let etag = entity_tag(&tags);
    if if_none_match(&headers, &etag) {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    let mut response = ok(tags);
    if let Ok(value) = etag.parse() {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// A strong entity tag of the catalogue: a quoted base64 digest, in the real Backbone's
/// form (it hashes the answer with MD5; any digest of the content serves a client equally).
fn entity_tag(tags: &TagCollection) -> String {
    let bytes = serde_json::to_vec(tags).unwrap_or_default();
    format!("\"{}\"", std_b64_encode(&sha256(&bytes)[..16]))
}

/// Whether any entity tag listed in `If-None-Match` matches `etag` by the weak comparison
/// (a `W/` prefix is ignored), as ASP.NET compares them.
fn if_none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim())
        .map(|t| t.strip_prefix("W/").unwrap_or(t))
        .any(|t| t == etag)
}
