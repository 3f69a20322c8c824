//! `/api/core/v1/Tokens`: typed bodies, ids and query keys in, `TokenDTO`s out.

use super::qr;
use super::{ApiResult, QueryPairs};
use crate::app::App;
use crate::http::error::{ApiError, ErrorEnvelope, INVALID_PROPERTY};
use crate::http::json::{ApiJson, Created, Envelope, ResultBody};
use crate::http::path::ApiPath;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use runtime_types::tokens::{
    CreateOwnTokenRequest, INVALID_TOKEN_REFERENCE, LoadPeerTokenRequest, TokenDto,
};
use serde::Deserialize;
use transport::{Ownership, TransportError};
use utoipa_axum::{router::OpenApiRouter, routes};
use wire::TokenId;

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(create_own, list_own))
        .routes(routes!(load_peer, list_peer))
        .routes(routes!(get_token, delete_token))
}

#[derive(Deserialize)]
struct TokenPath {
    id: TokenId,
}

/// Creates an own token with arbitrary JSON content.
#[utoipa::path(
    post,
    path = "/api/core/v1/Tokens/Own",
    tag = "Tokens",
    request_body = CreateOwnTokenRequest,
    responses(
        (status = 201, body = ResultBody<TokenDto>),
        (status = 400, body = ErrorEnvelope),
    )
)]
async fn create_own(
    State(app): State<App>,
    ApiJson(request): ApiJson<CreateOwnTokenRequest>,
) -> ApiResult<Created<TokenDto>> {
    Ok(Created(app.transport.create_own_token(request).await?))
}

/// Loads a peer token by reference.
#[utoipa::path(
    post,
    path = "/api/core/v1/Tokens/Peer",
    tag = "Tokens",
    request_body = LoadPeerTokenRequest,
    responses(
        (status = 201, body = ResultBody<TokenDto>),
        (status = 400, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
    )
)]
async fn load_peer(
    State(app): State<App>,
    request: Result<ApiJson<LoadPeerTokenRequest>, ApiError>,
) -> ApiResult<Created<TokenDto>> {
    // The runtime's schema has one message for every shape error of this body; a body that
    // is not JSON at all keeps its own error.
    let ApiJson(request) = request.map_err(|e| match e.code {
        INVALID_PROPERTY => TransportError::invalid(INVALID_TOKEN_REFERENCE).into(),
        _ => super::TransportApiError::from(e),
    })?;
    Ok(Created(app.transport.load_peer_token(request).await?))
}

/// The filters of the token lists, for the API document (transport reads the raw query with
/// the runtime's query language).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct TokenFilters {
    #[param(rename = "createdAt")]
    created_at: Option<String>,
    #[param(rename = "createdBy")]
    created_by: Option<String>,
    #[param(rename = "createdByDevice")]
    created_by_device: Option<String>,
    #[param(rename = "expiresAt")]
    expires_at: Option<String>,
    #[param(rename = "forIdentity")]
    for_identity: Option<String>,
    #[param(rename = "isOwn")]
    is_own: Option<String>,
    /// Empty: protected; `!`: not protected.
    #[param(rename = "passwordProtection")]
    password_protection: Option<String>,
    #[param(rename = "passwordProtection.password")]
    password: Option<String>,
    /// `true` or `!`.
    #[param(rename = "passwordProtection.passwordIsPin")]
    password_is_pin: Option<String>,
    /// An option name or a number.
    #[param(rename = "passwordProtection.passwordLocationIndicator")]
    password_location_indicator: Option<String>,
}

/// Own tokens, filtered by the official query.
#[utoipa::path(
    get,
    path = "/api/core/v1/Tokens/Own",
    tag = "Tokens",
    params(TokenFilters),
    responses(
        (status = 200, body = ResultBody<Vec<TokenDto>>),
        (status = 400, body = ErrorEnvelope),
    )
)]
async fn list_own(State(app): State<App>, query: QueryPairs) -> ApiResult<Envelope<Vec<TokenDto>>> {
    Ok(Envelope(
        app.transport.list_tokens(&query.0, Ownership::Own).await?,
    ))
}

/// Peer tokens, filtered by the official query.
#[utoipa::path(
    get,
    path = "/api/core/v1/Tokens/Peer",
    tag = "Tokens",
    params(TokenFilters),
    responses(
        (status = 200, body = ResultBody<Vec<TokenDto>>),
        (status = 400, body = ErrorEnvelope),
    )
)]
async fn list_peer(
    State(app): State<App>,
    query: QueryPairs,
) -> ApiResult<Envelope<Vec<TokenDto>>> {
    Ok(Envelope(
        app.transport.list_tokens(&query.0, Ownership::Peer).await?,
    ))
}

/// The token as JSON, or its reference as a QR code with `Accept: image/png`.
#[utoipa::path(
    get,
    path = "/api/core/v1/Tokens/{id}",
    tag = "Tokens",
    params(("id" = String, Path, description = "TOK[A-Za-z0-9]{17}")),
    responses(
        (status = 200, body = ResultBody<TokenDto>, description = "The token; with `Accept: image/png` its reference as a QR code"),
        (status = 400, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
    )
)]
async fn get_token(
    State(app): State<App>,
    ApiPath(path): ApiPath<TokenPath>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let token = app.transport.get_token(&path.id).await?;
    if qr::wants_png(&headers) {
        let json =
            serde_json::to_value(&token).map_err(|e| TransportError::Internal(e.to_string()))?;
        return qr::png_response(&json, path.id.as_str(), StatusCode::OK);
    }
    Ok(Envelope(token).into_response())
}

#[utoipa::path(
    delete,
    path = "/api/core/v1/Tokens/{id}",
    tag = "Tokens",
    params(("id" = String, Path, description = "TOK[A-Za-z0-9]{17}")),
    responses(
        (status = 204),
        (status = 400, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
    )
)]
async fn delete_token(
    State(app): State<App>,
    ApiPath(path): ApiPath<TokenPath>,
) -> ApiResult<StatusCode> {
    app.transport.delete_token(&path.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
