//! `/api/core/v1/Files`: multipart upload, binary download, references and tokens; typed
//! bodies and path ids in, runtime DTOs out.

use super::{ApiResult, QueryPairs, TransportApiError, qr};
use crate::app::App;
use crate::http::error::ErrorEnvelope;
use crate::http::json::{ApiJson, Created, Envelope, EnvelopeStream, ResultBody};
use crate::http::path::ApiPath;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use runtime_types::files::{
    CreateTokenForFileRequest, FileDto, LoadPeerFileRequest, UploadOwnFileForm,
};
use runtime_types::tokens::TokenDto;
use serde::Deserialize;
use transport::files::Download;
use transport::{Ownership, TransportError};
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};
use wire::FileId;

/// Room for the multipart framing and form fields around a file of the largest allowed size.
const UPLOAD_BODY_LIMIT: usize = transport::files::MAX_FILE_SIZE + 1024 * 1024;

pub fn routes() -> OpenApiRouter<App> {
    // Uploads may carry a whole file; every other route keeps the small JSON body limit.
    let uploads = OpenApiRouter::new()
        .routes(routes!(upload, list_own))
        .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT));
    OpenApiRouter::new()
        .routes(routes!(list_all))
        .merge(uploads)
        .routes(routes!(load_peer, list_peer))
        .routes(routes!(get_file, delete_file))
        .routes(routes!(download))
        .routes(routes!(create_token))
        .routes(routes!(regenerate_ownership_token))
}

/// Raw bytes with the file's type and name, as the official download answers.
pub fn download_response(file: Download) -> Response {
    let name: String = file
        .filename
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    (
        [
            (header::CONTENT_TYPE, file.mimetype),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment;filename={name}"),
            ),
        ],
        file.content,
    )
        .into_response()
}

fn invalid(message: impl Into<String>) -> TransportApiError {
    TransportError::invalid(message).into()
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct FilePath {
    /// `FIL…`
    #[param(value_type = String, pattern = "FIL[A-Za-z0-9]{17}")]
    id: FileId,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
#[serde(rename_all = "camelCase")]
struct FileOrReferencePath {
    /// A file id (`FIL…`) or a file or token reference, truncated or as URL.
    id_or_reference: String,
}

/// The query keys the file lists filter on (the runtime's whitelist); each may repeat and
/// carry the query language's operators.
#[allow(dead_code)]
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
struct FilesQuery {
    #[param(rename = "createdAt")]
    created_at: Option<String>,
    #[param(rename = "createdBy")]
    created_by: Option<String>,
    #[param(rename = "createdByDevice")]
    created_by_device: Option<String>,
    description: Option<String>,
    #[param(rename = "expiresAt")]
    expires_at: Option<String>,
    filename: Option<String>,
    filesize: Option<String>,
    mimetype: Option<String>,
    title: Option<String>,
    #[param(rename = "isOwn")]
    is_own: Option<String>,
    tags: Option<String>,
    #[param(rename = "ownershipToken")]
    ownership_token: Option<String>,
    #[param(rename = "ownershipIsLocked")]
    ownership_is_locked: Option<String>,
}

/// Uploads an own file.
#[utoipa::path(
    post,
    path = "/api/core/v1/Files/Own",
    tag = "Files",
    request_body(content = UploadOwnFileForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, body = ResultBody<FileDto>),
        (status = 400, body = ErrorEnvelope),
    )
)]
async fn upload(State(app): State<App>, request: Request) -> ApiResult<Created<FileDto>> {
    let file = upload_form::read(request, UPLOAD_BODY_LIMIT)
        .await
        .map_err(|e| invalid(e.0))?;
    Ok(Created(app.consumption.upload_own_file(file).await?))
}

#[utoipa::path(
    get,
    path = "/api/core/v1/Files",
    tag = "Files",
    params(FilesQuery),
    responses(
        (status = 200, body = ResultBody<Vec<FileDto>>),
        (status = 400, body = ErrorEnvelope),
    )
)]
async fn list_all(State(app): State<App>, query: QueryPairs) -> ApiResult<EnvelopeStream> {
    Ok(EnvelopeStream(
        app.transport
            .list_files_json(&query.0, Ownership::All)
            .await?,
    ))
}

#[utoipa::path(
    get,
    path = "/api/core/v1/Files/Own",
    tag = "Files",
    params(FilesQuery),
    responses(
        (status = 200, body = ResultBody<Vec<FileDto>>),
        (status = 400, body = ErrorEnvelope),
    )
)]
async fn list_own(State(app): State<App>, query: QueryPairs) -> ApiResult<EnvelopeStream> {
    Ok(EnvelopeStream(
        app.transport
            .list_files_json(&query.0, Ownership::Own)
            .await?,
    ))
}

#[utoipa::path(
    get,
    path = "/api/core/v1/Files/Peer",
    tag = "Files",
    params(FilesQuery),
    responses(
        (status = 200, body = ResultBody<Vec<FileDto>>),
        (status = 400, body = ErrorEnvelope),
    )
)]
async fn list_peer(State(app): State<App>, query: QueryPairs) -> ApiResult<EnvelopeStream> {
    Ok(EnvelopeStream(
        app.transport
            .list_files_json(&query.0, Ownership::Peer)
            .await?,
    ))
}

/// Loads a peer file by file or token reference.
#[utoipa::path(
    post,
    path = "/api/core/v1/Files/Peer",
    tag = "Files",
    request_body = LoadPeerFileRequest,
    responses(
        (status = 201, body = ResultBody<FileDto>),
        (status = 400, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
    )
)]
async fn load_peer(
    State(app): State<App>,
    ApiJson(request): ApiJson<LoadPeerFileRequest>,
) -> ApiResult<Created<FileDto>> {
    Ok(Created(app.transport.load_peer_file(request).await?))
}

/// A file by id, or by (truncated or URL) reference; with `Accept: image/png` its
/// reference as a QR code.
#[utoipa::path(
    get,
    path = "/api/core/v1/Files/{idOrReference}",
    tag = "Files",
    params(FileOrReferencePath),
    responses(
        (status = 200, description = "The file, or its reference as a QR code", content(
            (ResultBody<FileDto> = "application/json"),
            (qr::QrCodePng = "image/png"),
        )),
        (status = 400, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
    )
)]
async fn get_file(
    State(app): State<App>,
    ApiPath(path): ApiPath<FileOrReferencePath>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let file = app
        .transport
        .get_or_load_file(&path.id_or_reference)
        .await?;
    let file_id = file.id.clone();
    let dto = serde_json::to_value(&file).map_err(|e| TransportError::Internal(e.to_string()))?;
    qr::dto_or_png(&headers, dto, &file_id)
}

/// Deletes a file; an own one on the Backbone too. Shares its path with `GET`, whose
/// parameter may also be a reference, so the id is checked here, with the runtime's name for
/// it (`fileId`).
#[utoipa::path(
    delete,
    path = "/api/core/v1/Files/{idOrReference}",
    tag = "Files",
    params(FileOrReferencePath),
    responses(
        (status = 204),
        (status = 400, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
    )
)]
async fn delete_file(
    State(app): State<App>,
    ApiPath(path): ApiPath<FileOrReferencePath>,
) -> ApiResult<StatusCode> {
    let id = FileId::parse(&path.id_or_reference)
        .map_err(|_| invalid("fileId must match pattern FIL[A-Za-z0-9]{17}"))?;
    app.transport.delete_file(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get,
    path = "/api/core/v1/Files/{id}/Download",
    tag = "Files",
    params(FilePath),
    responses(
        (status = 200, description = "The file's bytes, with its type and name", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 400, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
    )
)]
async fn download(State(app): State<App>, ApiPath(path): ApiPath<FilePath>) -> ApiResult<Response> {
    Ok(download_response(
        app.transport.download_file(&path.id).await?,
    ))
}

/// A token for a file; with `Accept: image/png` the token is ephemeral and the answer is
/// its reference as a QR code.
#[utoipa::path(
    post,
    path = "/api/core/v1/Files/{id}/Token",
    tag = "Files",
    params(FilePath),
    request_body = CreateTokenForFileRequest,
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
    ApiPath(path): ApiPath<FilePath>,
    headers: HeaderMap,
    ApiJson(mut request): ApiJson<CreateTokenForFileRequest>,
) -> ApiResult<Response> {
    let png = qr::wants_png(&headers);
    if png {
        // The picture is all the client keeps of the token.
        request.ephemeral = Some(true);
    }
    let token = app.transport.create_file_token(&path.id, request).await?;
    if png {
        return qr::png_response(&token, path.id.as_str(), StatusCode::CREATED);
    }
    Ok(Created(token).into_response())
}

#[utoipa::path(
    patch,
    path = "/api/core/v1/Files/{id}/RegenerateOwnershipToken",
    tag = "Files",
    params(FilePath),
    responses(
        (status = 200, body = ResultBody<FileDto>),
        (status = 400, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
    )
)]
async fn regenerate_ownership_token(
    State(app): State<App>,
    ApiPath(path): ApiPath<FilePath>,
) -> ApiResult<Envelope<FileDto>> {
    Ok(Envelope(
        app.transport.regenerate_ownership_token(&path.id).await?,
    ))
}
