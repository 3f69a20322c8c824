//! `/api/core/v1/Tokens`.

use super::qr;
use super::{ApiResult, QueryPairs, check_id, object};
use crate::app::App;
use crate::http::json::{ApiJson, Created, Envelope};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::Value;
use transport::Ownership;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(create_own, list_own))
        .routes(routes!(load_peer, list_peer))
        .routes(routes!(get_token, delete_token))
}

/// Creates an own token with arbitrary JSON content.
#[utoipa::path(post, path = "/api/core/v1/Tokens/Own", tag = "Tokens", responses((status = 201), (status = 400)))]
async fn create_own(
    State(app): State<App>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Created<Value>> {
    Ok(Created(
        app.transport.create_own_token(&object(body)?).await?,
    ))
}

/// Loads a peer token by reference.
#[utoipa::path(post, path = "/api/core/v1/Tokens/Peer", tag = "Tokens", responses((status = 201), (status = 400), (status = 404)))]
async fn load_peer(
    State(app): State<App>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Created<Value>> {
    Ok(Created(
        app.transport.load_peer_token(&object(body)?).await?,
    ))
}

#[utoipa::path(get, path = "/api/core/v1/Tokens/Own", tag = "Tokens", responses((status = 200)))]
async fn list_own(State(app): State<App>, query: QueryPairs) -> ApiResult<Envelope<Vec<Value>>> {
    Ok(Envelope(
        app.transport.list_tokens(&query.0, Ownership::Own).await?,
    ))
}

#[utoipa::path(get, path = "/api/core/v1/Tokens/Peer", tag = "Tokens", responses((status = 200)))]
async fn list_peer(State(app): State<App>, query: QueryPairs) -> ApiResult<Envelope<Vec<Value>>> {
    Ok(Envelope(
        app.transport.list_tokens(&query.0, Ownership::Peer).await?,
    ))
}

/// The token as JSON, or its reference as a QR code with `Accept: image/png`.
#[utoipa::path(get, path = "/api/core/v1/Tokens/{id}", tag = "Tokens", responses((status = 200), (status = 404)))]
async fn get_token(
    State(app): State<App>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    check_id(&id, "TOK")?;
    let token = app.transport.get_token(&id).await?;
    qr::dto_or_png(&headers, token, &id)
}

#[utoipa::path(delete, path = "/api/core/v1/Tokens/{id}", tag = "Tokens", responses((status = 204), (status = 404)))]
async fn delete_token(State(app): State<App>, Path(id): Path<String>) -> ApiResult<StatusCode> {
    check_id(&id, "TOK")?;
    app.transport.delete_token(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}
