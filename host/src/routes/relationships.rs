//! `/api/core/v1/Relationships`.

use super::{ApiResult, QueryPairs, check_id, object};
use crate::app::App;
use crate::http::json::{ApiJson, Created, Envelope};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(can_create))
        .routes(routes!(create, list))
        .routes(routes!(get_relationship, decompose))
        .routes(routes!(attributes))
        .routes(routes!(accept))
        .routes(routes!(reject))
        .routes(routes!(revoke))
        .routes(routes!(terminate))
        .routes(routes!(reactivate))
        .routes(routes!(accept_reactivation))
        .routes(routes!(reject_reactivation))
        .routes(routes!(revoke_reactivation))
}

#[utoipa::path(put, path = "/api/core/v1/Relationships/CanCreate", tag = "Relationships", responses((status = 200), (status = 400)))]
async fn can_create(
    State(app): State<App>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Envelope<Value>> {
    Ok(Envelope(
        app.transport
            .can_create_relationship(&object(body)?)
            .await?,
    ))
}

/// Requests a relationship against a loaded peer template.
#[utoipa::path(post, path = "/api/core/v1/Relationships", tag = "Relationships", responses((status = 201), (status = 400), (status = 404)))]
async fn create(
    State(app): State<App>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Created<Value>> {
    Ok(Created(
        app.transport.create_relationship(&object(body)?).await?,
    ))
}

#[utoipa::path(get, path = "/api/core/v1/Relationships", tag = "Relationships", responses((status = 200), (status = 400)))]
async fn list(State(app): State<App>, query: QueryPairs) -> ApiResult<Envelope<Vec<Value>>> {
    Ok(Envelope(app.transport.list_relationships(&query.0).await?))
}

#[utoipa::path(get, path = "/api/core/v1/Relationships/{id}", tag = "Relationships", responses((status = 200), (status = 404)))]
async fn get_relationship(
    State(app): State<App>,
    Path(id): Path<String>,
) -> ApiResult<Envelope<Value>> {
    check_id(&id, "REL")?;
    Ok(Envelope(app.transport.get_relationship(&id).await?))
}

/// The attributes shared in the relationship; they belong to the consumption layer, which
/// keeps none yet, so the list is the relationship's (empty) set once it is known to exist.
#[utoipa::path(get, path = "/api/core/v1/Relationships/{id}/Attributes", tag = "Relationships", responses((status = 200), (status = 404)))]
async fn attributes(
    State(app): State<App>,
    Path(id): Path<String>,
) -> ApiResult<Envelope<Vec<Value>>> {
    check_id(&id, "REL")?;
    app.transport.get_relationship(&id).await?;
    Ok(Envelope(Vec::new()))
}

/// Decomposes the relationship and deletes its data.
#[utoipa::path(delete, path = "/api/core/v1/Relationships/{id}", tag = "Relationships", responses((status = 204), (status = 400), (status = 404)))]
async fn decompose(State(app): State<App>, Path(id): Path<String>) -> ApiResult<StatusCode> {
    check_id(&id, "REL")?;
    app.transport.decompose_relationship(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(put, path = "/api/core/v1/Relationships/{id}/Accept", tag = "Relationships", responses((status = 200), (status = 400), (status = 404)))]
async fn accept(State(app): State<App>, Path(id): Path<String>) -> ApiResult<Envelope<Value>> {
    check_id(&id, "REL")?;
    Ok(Envelope(app.transport.accept_relationship(&id).await?))
}

async fn action(app: &App, id: &str, action: &str) -> ApiResult<Envelope<Value>> {
    check_id(id, "REL")?;
    Ok(Envelope(
        app.transport.relationship_action(id, action).await?,
    ))
}

#[utoipa::path(put, path = "/api/core/v1/Relationships/{id}/Reject", tag = "Relationships", responses((status = 200), (status = 400), (status = 404)))]
async fn reject(State(app): State<App>, Path(id): Path<String>) -> ApiResult<Envelope<Value>> {
    action(&app, &id, "Reject").await
}

#[utoipa::path(put, path = "/api/core/v1/Relationships/{id}/Revoke", tag = "Relationships", responses((status = 200), (status = 400), (status = 404)))]
async fn revoke(State(app): State<App>, Path(id): Path<String>) -> ApiResult<Envelope<Value>> {
    action(&app, &id, "Revoke").await
}

#[utoipa::path(put, path = "/api/core/v1/Relationships/{id}/Terminate", tag = "Relationships", responses((status = 200), (status = 400), (status = 404)))]
async fn terminate(State(app): State<App>, Path(id): Path<String>) -> ApiResult<Envelope<Value>> {
    action(&app, &id, "Terminate").await
}

#[utoipa::path(put, path = "/api/core/v1/Relationships/{id}/Reactivate", tag = "Relationships", responses((status = 200), (status = 400), (status = 404)))]
async fn reactivate(State(app): State<App>, Path(id): Path<String>) -> ApiResult<Envelope<Value>> {
    action(&app, &id, "Reactivate").await
}

#[utoipa::path(put, path = "/api/core/v1/Relationships/{id}/Reactivate/Accept", tag = "Relationships", responses((status = 200), (status = 400), (status = 404)))]
async fn accept_reactivation(
    State(app): State<App>,
    Path(id): Path<String>,
) -> ApiResult<Envelope<Value>> {
    action(&app, &id, "Reactivate/Accept").await
}

#[utoipa::path(put, path = "/api/core/v1/Relationships/{id}/Reactivate/Reject", tag = "Relationships", responses((status = 200), (status = 400), (status = 404)))]
async fn reject_reactivation(
    State(app): State<App>,
    Path(id): Path<String>,
) -> ApiResult<Envelope<Value>> {
    action(&app, &id, "Reactivate/Reject").await
}

#[utoipa::path(put, path = "/api/core/v1/Relationships/{id}/Reactivate/Revoke", tag = "Relationships", responses((status = 200), (status = 400), (status = 404)))]
async fn revoke_reactivation(
    State(app): State<App>,
    Path(id): Path<String>,
) -> ApiResult<Envelope<Value>> {
    action(&app, &id, "Reactivate/Revoke").await
}
