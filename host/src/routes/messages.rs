//! `/api/core/v1/Messages`: typed bodies and path ids in, runtime DTOs out.

use super::files::download_response;
use super::{ApiResult, QueryPairs};
use crate::app::App;
use crate::http::json::{ApiJson, Created, Envelope, EnvelopeStream, ResultBody};
use crate::http::path::ApiPath;
use axum::extract::State;
use axum::response::Response;
use runtime_types::files::FileDto;
use runtime_types::messages::{MessageDto, MessageWithAttachmentsDto, SendMessageRequest};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};
use wire::{FileId, MessageId};

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(send, list))
        .routes(routes!(get_message))
        .routes(routes!(attachment))
        .routes(routes!(download_attachment))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct MessagePath {
    /// `MSG…`
    #[param(value_type = String, pattern = "MSG[A-Za-z0-9]{17}")]
    id: MessageId,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
#[serde(rename_all = "camelCase")]
struct AttachmentPath {
    /// `MSG…`
    #[param(value_type = String, pattern = "MSG[A-Za-z0-9]{17}")]
    id: MessageId,
    /// `FIL…`
    #[param(value_type = String, pattern = "FIL[A-Za-z0-9]{17}")]
    attachment_id: FileId,
}

/// The query keys `GET /Messages` filters on (the runtime's whitelist); each may repeat and
/// carry the query language's operators.
#[allow(dead_code)]
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
struct MessagesQuery {
    #[param(rename = "isOwn")]
    is_own: Option<String>,
    #[param(rename = "createdBy")]
    created_by: Option<String>,
    #[param(rename = "createdByDevice")]
    created_by_device: Option<String>,
    #[param(rename = "createdAt")]
    created_at: Option<String>,
    attachments: Option<String>,
    #[param(rename = "recipients.address")]
    recipients_address: Option<String>,
    #[param(rename = "recipients.relationshipId")]
    recipients_relationship_id: Option<String>,
    participant: Option<String>,
    #[param(rename = "wasReadAt")]
    was_read_at: Option<String>,
    #[param(rename = "content.@type")]
    content_type: Option<String>,
    #[param(rename = "content.subject")]
    content_subject: Option<String>,
    #[param(rename = "content.body")]
    content_body: Option<String>,
    #[param(rename = "content.bodyFormat")]
    content_body_format: Option<String>,
}

/// Sends a message, with attachments, to peers with an active relationship.
#[utoipa::path(
    post,
    path = "/api/core/v1/Messages",
    tag = "Messages",
    request_body = SendMessageRequest,
    responses(
        (status = 201, body = ResultBody<MessageDto>),
        (status = 400, body = crate::http::error::ErrorEnvelope),
    )
)]
async fn send(
    State(app): State<App>,
    ApiJson(request): ApiJson<SendMessageRequest>,
) -> ApiResult<Created<MessageDto>> {
    Ok(Created(app.transport.send_message(request).await?))
}

#[utoipa::path(
    get,
    path = "/api/core/v1/Messages",
    tag = "Messages",
    params(MessagesQuery),
    responses(
        (status = 200, body = ResultBody<Vec<MessageDto>>),
        (status = 400, body = crate::http::error::ErrorEnvelope),
    )
)]
async fn list(State(app): State<App>, query: QueryPairs) -> ApiResult<EnvelopeStream> {
    Ok(EnvelopeStream(
        app.transport.list_messages_json(&query.0).await?,
    ))
}

/// A message with its attached files.
#[utoipa::path(
    get,
    path = "/api/core/v1/Messages/{id}",
    tag = "Messages",
    params(MessagePath),
    responses(
        (status = 200, body = ResultBody<MessageWithAttachmentsDto>),
        (status = 400, body = crate::http::error::ErrorEnvelope),
        (status = 404, body = crate::http::error::ErrorEnvelope),
    )
)]
async fn get_message(
    State(app): State<App>,
    ApiPath(path): ApiPath<MessagePath>,
) -> ApiResult<Envelope<MessageWithAttachmentsDto>> {
    Ok(Envelope(app.transport.get_message(&path.id).await?))
}

#[utoipa::path(
    get,
    path = "/api/core/v1/Messages/{id}/Attachments/{attachmentId}",
    tag = "Messages",
    params(AttachmentPath),
    responses(
        (status = 200, body = ResultBody<FileDto>),
        (status = 400, body = crate::http::error::ErrorEnvelope),
        (status = 404, body = crate::http::error::ErrorEnvelope),
    )
)]
async fn attachment(
    State(app): State<App>,
    ApiPath(path): ApiPath<AttachmentPath>,
) -> ApiResult<Envelope<FileDto>> {
    Ok(Envelope(
        app.transport
            .message_attachment(&path.id, &path.attachment_id)
            .await?,
    ))
}

#[utoipa::path(
    get,
    path = "/api/core/v1/Messages/{id}/Attachments/{attachmentId}/Download",
    tag = "Messages",
    params(AttachmentPath),
    responses(
        (status = 200, description = "The file's bytes, with its type and name", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 400, body = crate::http::error::ErrorEnvelope),
        (status = 404, body = crate::http::error::ErrorEnvelope),
    )
)]
async fn download_attachment(
    State(app): State<App>,
    ApiPath(path): ApiPath<AttachmentPath>,
) -> ApiResult<Response> {
    app.transport
        .message_attachment(&path.id, &path.attachment_id)
        .await?;
    Ok(download_response(
        app.transport.download_file(&path.attachment_id).await?,
    ))
}
