//! `/api/core/v1/Messages`.

use super::files::download_response;
use super::{ApiResult, QueryPairs, check_id, object};
use crate::app::App;
use crate::http::json::{ApiJson, Created, Envelope};
use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(send, list))
        .routes(routes!(get_message))
        .routes(routes!(attachment))
        .routes(routes!(download_attachment))
}

/// Sends a message, with attachments, to peers with an active relationship.
#[utoipa::path(post, path = "/api/core/v1/Messages", tag = "Messages", responses((status = 201), (status = 400)))]
async fn send(State(app): State<App>, ApiJson(body): ApiJson<Value>) -> ApiResult<Created<Value>> {
    Ok(Created(app.transport.send_message(&object(body)?).await?))
}

#[utoipa::path(get, path = "/api/core/v1/Messages", tag = "Messages", responses((status = 200), (status = 400)))]
async fn list(State(app): State<App>, query: QueryPairs) -> ApiResult<Envelope<Vec<Value>>> {
    Ok(Envelope(app.transport.list_messages(&query.0).await?))
}

#[utoipa::path(get, path = "/api/core/v1/Messages/{id}", tag = "Messages", responses((status = 200), (status = 404)))]
async fn get_message(State(app): State<App>, Path(id): Path<String>) -> ApiResult<Envelope<Value>> {
    check_id(&id, "MSG")?;
    Ok(Envelope(app.transport.get_message(&id).await?))
}

#[utoipa::path(get, path = "/api/core/v1/Messages/{id}/Attachments/{attachmentId}", tag = "Messages", responses((status = 200), (status = 400), (status = 404)))]
async fn attachment(
    State(app): State<App>,
    Path((id, file)): Path<(String, String)>,
) -> ApiResult<Envelope<Value>> {
    check_id(&id, "MSG")?;
    check_id(&file, "FIL")?;
    Ok(Envelope(
        app.transport.message_attachment(&id, &file).await?,
    ))
}

#[utoipa::path(get, path = "/api/core/v1/Messages/{id}/Attachments/{attachmentId}/Download", tag = "Messages", responses((status = 200), (status = 400), (status = 404)))]
async fn download_attachment(
    State(app): State<App>,
    Path((id, file)): Path<(String, String)>,
) -> ApiResult<Response> {
    check_id(&id, "MSG")?;
    check_id(&file, "FIL")?;
    app.transport.message_attachment(&id, &file).await?;
    Ok(download_response(app.transport.download_file(&file).await?))
}
