//! `/api/core/v1/RelationshipTemplates`: typed bodies and ids in, `RelationshipTemplateDTO`s
//! out; the template and its token also as QR codes.

use super::qr;
use super::{ApiResult, QueryPairs};
use crate::app::App;
use crate::http::error::ErrorEnvelope;
use crate::http::json::{ApiJson, Created, Envelope, ResultBody};
use crate::http::path::ApiPath;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use runtime_types::relationship_templates::{
    CreateOwnRelationshipTemplateRequest, CreateTokenForOwnRelationshipTemplateRequest,
    LoadPeerRelationshipTemplateRequest, RelationshipTemplateDto,
};
use runtime_types::tokens::TokenDto;
use serde::Deserialize;
use transport::Ownership;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};
use wire::RelationshipTemplateId;

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list_all))
        .routes(routes!(create_own, list_own))
        .routes(routes!(load_peer, list_peer))
        .routes(routes!(get_template, delete_template))
        .routes(routes!(create_token))
}

/// The path of every route about one template.
#[derive(Deserialize)]
struct TemplatePath {
    id: RelationshipTemplateId,
}

/// The list routes' query: the official query language over these keys (repeated keys are
/// alternatives, values may carry operators such as `!`, `>`, `<`).
/// The filters of the template lists, for the API document (transport reads the raw query
/// with the runtime's query language).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct TemplateFilters {
    #[param(rename = "createdAt")]
    created_at: Option<String>,
    #[param(rename = "expiresAt")]
    expires_at: Option<String>,
    #[param(rename = "createdBy")]
    created_by: Option<String>,
    #[param(rename = "createdByDevice")]
    created_by_device: Option<String>,
    #[param(rename = "maxNumberOfAllocations")]
    max_number_of_allocations: Option<String>,
    #[param(rename = "forIdentity")]
    for_identity: Option<String>,
    /// `""` or `!` to filter by whether there is one.
    #[param(rename = "passwordProtection")]
    password_protection: Option<String>,
    #[param(rename = "passwordProtection.password")]
    password: Option<String>,
    #[param(rename = "passwordProtection.passwordIsPin")]
    password_is_pin: Option<String>,
    #[param(rename = "passwordProtection.passwordLocationIndicator")]
    password_location_indicator: Option<String>,
    #[param(rename = "content.@type")]
    content_type: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/core/v1/RelationshipTemplates",
    tag = "RelationshipTemplates",
    params(
        ("isOwn" = Option<String>, Query, description = "`true` or `false`"),
        TemplateFilters,
    ),
    responses(
        (status = 200, body = ResultBody<Vec<RelationshipTemplateDto>>),
        (status = 400, body = ErrorEnvelope),
    )
)]
async fn list_all(
    State(app): State<App>,
    query: QueryPairs,
) -> ApiResult<Envelope<Vec<RelationshipTemplateDto>>> {
    Ok(Envelope(
        app.transport
            .list_templates(&query.0, Ownership::All)
            .await?,
    ))
}

#[utoipa::path(
    get,
    path = "/api/core/v1/RelationshipTemplates/Own",
    tag = "RelationshipTemplates",
    params(TemplateFilters),
    responses(
        (status = 200, body = ResultBody<Vec<RelationshipTemplateDto>>),
        (status = 400, body = ErrorEnvelope),
    )
)]
async fn list_own(
    State(app): State<App>,
    query: QueryPairs,
) -> ApiResult<Envelope<Vec<RelationshipTemplateDto>>> {
    Ok(Envelope(
        app.transport
            .list_templates(&query.0, Ownership::Own)
            .await?,
    ))
}

#[utoipa::path(
    get,
    path = "/api/core/v1/RelationshipTemplates/Peer",
    tag = "RelationshipTemplates",
    params(TemplateFilters),
    responses(
        (status = 200, body = ResultBody<Vec<RelationshipTemplateDto>>),
        (status = 400, body = ErrorEnvelope),
    )
)]
async fn list_peer(
    State(app): State<App>,
    query: QueryPairs,
) -> ApiResult<Envelope<Vec<RelationshipTemplateDto>>> {
    Ok(Envelope(
        app.transport
            .list_templates(&query.0, Ownership::Peer)
            .await?,
    ))
}

/// Creates an own template. Its content is a `RelationshipTemplateContent` or an
/// `ArbitraryRelationshipTemplateContent`.
#[utoipa::path(
    post,
    path = "/api/core/v1/RelationshipTemplates/Own",
    tag = "RelationshipTemplates",
    request_body = CreateOwnRelationshipTemplateRequest,
    responses(
        (status = 201, body = ResultBody<RelationshipTemplateDto>),
        (status = 400, body = ErrorEnvelope),
    )
)]
async fn create_own(
    State(app): State<App>,
    ApiJson(request): ApiJson<CreateOwnRelationshipTemplateRequest>,
) -> ApiResult<Created<RelationshipTemplateDto>> {
    Ok(Created(app.transport.create_own_template(request).await?))
}

/// Loads a peer template by template or token reference (truncated or URL).
#[utoipa::path(
    post,
    path = "/api/core/v1/RelationshipTemplates/Peer",
    tag = "RelationshipTemplates",
    request_body = LoadPeerRelationshipTemplateRequest,
    responses(
        (status = 201, body = ResultBody<RelationshipTemplateDto>),
        (status = 400, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
    )
)]
async fn load_peer(
    State(app): State<App>,
    ApiJson(request): ApiJson<LoadPeerRelationshipTemplateRequest>,
) -> ApiResult<Created<RelationshipTemplateDto>> {
    Ok(Created(app.transport.load_peer_template(request).await?))
}

/// The template as JSON, or its reference as a QR code with `Accept: image/png`.
#[utoipa::path(
    get,
    path = "/api/core/v1/RelationshipTemplates/{id}",
    tag = "RelationshipTemplates",
    params(("id" = String, Path, description = "RLT[A-Za-z0-9]{17}")),
    responses(
        (status = 200, content(
            (ResultBody<RelationshipTemplateDto> = "application/json"),
            (qr::QrCodePng = "image/png"),
        )),
        (status = 400, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
    )
)]
async fn get_template(
    State(app): State<App>,
    ApiPath(path): ApiPath<TemplatePath>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let template = app.transport.get_template(&path.id).await?;
    qr::dto_or_png(&headers, template, path.id.as_str())
}

#[utoipa::path(
    delete,
    path = "/api/core/v1/RelationshipTemplates/{id}",
    tag = "RelationshipTemplates",
    params(("id" = String, Path, description = "RLT[A-Za-z0-9]{17}")),
    responses(
        (status = 204),
        (status = 400, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
    )
)]
async fn delete_template(
    State(app): State<App>,
    ApiPath(path): ApiPath<TemplatePath>,
) -> ApiResult<StatusCode> {
    app.transport.delete_template(&path.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A token carrying the key of an own template; with `Accept: image/png` the token is
/// ephemeral and the answer is its reference as a QR code.
#[utoipa::path(
    post,
    path = "/api/core/v1/RelationshipTemplates/Own/{id}/Token",
    tag = "RelationshipTemplates",
    params(("id" = String, Path, description = "RLT[A-Za-z0-9]{17}")),
    request_body = CreateTokenForOwnRelationshipTemplateRequest,
    responses(
        (status = 201, description = "The token, or its reference as a QR code", content(
            (ResultBody<TokenDto> = "application/json"),
            (qr::QrCodePng = "image/png"),
        )),
        (status = 400, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
    )
)]
async fn create_token(
    State(app): State<App>,
    ApiPath(path): ApiPath<TemplatePath>,
    headers: HeaderMap,
    ApiJson(mut request): ApiJson<CreateTokenForOwnRelationshipTemplateRequest>,
) -> ApiResult<Response> {
    let png = qr::wants_png(&headers);
    if png {
        // The picture is all the client keeps of the token.
        request.ephemeral = Some(true);
    }
    let token = app
        .transport
        .create_template_token(&path.id, request)
        .await?;
    if png {
        return qr::png_response(&token, path.id.as_str(), StatusCode::CREATED);
    }
    Ok(axum::response::IntoResponse::into_response(Created(token)))
}
