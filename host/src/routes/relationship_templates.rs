//! `/api/core/v1/RelationshipTemplates`.

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
        .routes(routes!(list_all))
        .routes(routes!(create_own, list_own))
        .routes(routes!(load_peer, list_peer))
        .routes(routes!(get_template, delete_template))
        .routes(routes!(create_token))
}

#[utoipa::path(get, path = "/api/core/v1/RelationshipTemplates", tag = "RelationshipTemplates", responses((status = 200), (status = 400)))]
async fn list_all(State(app): State<App>, query: QueryPairs) -> ApiResult<Envelope<Vec<Value>>> {
    Ok(Envelope(
        app.transport
            .list_templates(&query.0, Ownership::All)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/core/v1/RelationshipTemplates/Own", tag = "RelationshipTemplates", responses((status = 200), (status = 400)))]
async fn list_own(State(app): State<App>, query: QueryPairs) -> ApiResult<Envelope<Vec<Value>>> {
    Ok(Envelope(
        app.transport
            .list_templates(&query.0, Ownership::Own)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/core/v1/RelationshipTemplates/Peer", tag = "RelationshipTemplates", responses((status = 200), (status = 400)))]
async fn list_peer(State(app): State<App>, query: QueryPairs) -> ApiResult<Envelope<Vec<Value>>> {
    Ok(Envelope(
        app.transport
            .list_templates(&query.0, Ownership::Peer)
            .await?,
    ))
}

/// Creates an own template.
#[utoipa::path(post, path = "/api/core/v1/RelationshipTemplates/Own", tag = "RelationshipTemplates", responses((status = 201), (status = 400)))]
async fn create_own(
    State(app): State<App>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Created<Value>> {
    Ok(Created(
        app.transport.create_own_template(&object(body)?).await?,
    ))
}

/// Loads a peer template by template or token reference (truncated or URL).
#[utoipa::path(post, path = "/api/core/v1/RelationshipTemplates/Peer", tag = "RelationshipTemplates", responses((status = 201), (status = 400), (status = 404)))]
async fn load_peer(
    State(app): State<App>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Created<Value>> {
    Ok(Created(
        app.transport.load_peer_template(&object(body)?).await?,
    ))
}

/// The template as JSON, or its reference as a QR code with `Accept: image/png`.
#[utoipa::path(get, path = "/api/core/v1/RelationshipTemplates/{id}", tag = "RelationshipTemplates", responses((status = 200), (status = 404)))]
async fn get_template(
    State(app): State<App>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    check_id(&id, "RLT")?;
    let template = app.transport.get_template(&id).await?;
    qr::dto_or_png(&headers, template, &id)
}

#[utoipa::path(delete, path = "/api/core/v1/RelationshipTemplates/{id}", tag = "RelationshipTemplates", responses((status = 204), (status = 404)))]
async fn delete_template(State(app): State<App>, Path(id): Path<String>) -> ApiResult<StatusCode> {
    check_id(&id, "RLT")?;
    app.transport.delete_template(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A token carrying the key of an own template; with `Accept: image/png` the token is
/// ephemeral and the answer is its reference as a QR code.
#[utoipa::path(post, path = "/api/core/v1/RelationshipTemplates/Own/{id}/Token", tag = "RelationshipTemplates", responses((status = 201), (status = 400), (status = 404)))]
async fn create_token(
    State(app): State<App>,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Response> {
    check_id(&id, "RLT")?;
    let (app, id) = (&app, id.as_str());
    qr::token_response(&headers, id, body, |body| async move {
        app.transport.create_template_token(id, &body).await
    })
    .await
}
