//! `/api/core/v1/Files`: multipart upload, binary download, references and tokens.

use super::{ApiResult, QueryPairs, TransportApiError, check_id, object, qr};
use crate::app::App;
use crate::http::json::{ApiJson, Created, Envelope};
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use transport::files::{Download, NewFile};
use transport::{Ownership, TransportError};
use utoipa_axum::{router::OpenApiRouter, routes};

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

/// Uploads an own file (`multipart/form-data`: `file`, `expiresAt?`, `title?`,
/// `description?`, `tags?`).
#[utoipa::path(post, path = "/api/core/v1/Files/Own", tag = "Files", responses((status = 201), (status = 400)))]
async fn upload(State(app): State<App>, mut multipart: Multipart) -> ApiResult<Created<Value>> {
    let mut file = None;
    let (mut expires_at, mut title, mut description, mut tags) = (None, None, None, Vec::new());
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| invalid(format!("the multipart body is invalid: {e}")))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let filename = field.file_name().unwrap_or_default().to_owned();
            let mimetype = field
                .content_type()
                .unwrap_or("application/octet-stream")
                .to_owned();
            let bytes = field
                .bytes()
                .await
                .map_err(|e| invalid(format!("the file part is invalid: {e}")))?;
            file = Some((bytes.to_vec(), filename, mimetype));
            continue;
        }
        let text = field
            .text()
            .await
            .map_err(|e| invalid(format!("the field {name} is invalid: {e}")))?;
        match name.as_str() {
            "expiresAt" => expires_at = Some(text),
            "title" => title = Some(text),
            "description" => description = Some(text),
            "tags" | "tags[]" => tags.push(text),
            _ => {}
        }
    }
    let (content, filename, mimetype) = file.ok_or_else(|| invalid("the file part is missing"))?;
    Ok(Created(
        app.transport
            .upload_own_file(NewFile {
                content,
                filename,
                mimetype,
                expires_at,
                title,
                description,
                tags,
            })
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/core/v1/Files", tag = "Files", responses((status = 200), (status = 400)))]
async fn list_all(State(app): State<App>, query: QueryPairs) -> ApiResult<Envelope<Vec<Value>>> {
    Ok(Envelope(
        app.transport.list_files(&query.0, Ownership::All).await?,
    ))
}

#[utoipa::path(get, path = "/api/core/v1/Files/Own", tag = "Files", responses((status = 200), (status = 400)))]
async fn list_own(State(app): State<App>, query: QueryPairs) -> ApiResult<Envelope<Vec<Value>>> {
    Ok(Envelope(
        app.transport.list_files(&query.0, Ownership::Own).await?,
    ))
}

#[utoipa::path(get, path = "/api/core/v1/Files/Peer", tag = "Files", responses((status = 200), (status = 400)))]
async fn list_peer(State(app): State<App>, query: QueryPairs) -> ApiResult<Envelope<Vec<Value>>> {
    Ok(Envelope(
        app.transport.list_files(&query.0, Ownership::Peer).await?,
    ))
}

/// Loads a peer file by file or token reference.
#[utoipa::path(post, path = "/api/core/v1/Files/Peer", tag = "Files", responses((status = 201), (status = 400), (status = 404)))]
async fn load_peer(
    State(app): State<App>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Created<Value>> {
    Ok(Created(app.transport.load_peer_file(&object(body)?).await?))
}

/// A file by id, or by (truncated or URL) reference; with `Accept: image/png` its
/// reference as a QR code.
#[utoipa::path(get, path = "/api/core/v1/Files/{idOrReference}", tag = "Files", responses((status = 200), (status = 400), (status = 404)))]
async fn get_file(
    State(app): State<App>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    if id.starts_with("FIL") && id.len() <= 20 {
        check_id(&id, "FIL")?;
    }
    let file = app.transport.get_or_load_file(&id).await?;
    let file_id = file["id"].as_str().unwrap_or(&id).to_owned();
    qr::dto_or_png(&headers, file, &file_id)
}

#[utoipa::path(delete, path = "/api/core/v1/Files/{idOrReference}", tag = "Files", responses((status = 204), (status = 404)))]
async fn delete_file(State(app): State<App>, Path(id): Path<String>) -> ApiResult<StatusCode> {
    check_id(&id, "FIL")?;
    app.transport.delete_file(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/core/v1/Files/{id}/Download", tag = "Files", responses((status = 200), (status = 404)))]
async fn download(State(app): State<App>, Path(id): Path<String>) -> ApiResult<Response> {
    check_id(&id, "FIL")?;
    Ok(download_response(app.transport.download_file(&id).await?))
}

/// A token for a file; with `Accept: image/png` the token is ephemeral and the answer is
/// its reference as a QR code.
#[utoipa::path(post, path = "/api/core/v1/Files/{id}/Token", tag = "Files", responses((status = 201), (status = 400), (status = 404)))]
async fn create_token(
    State(app): State<App>,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Response> {
    check_id(&id, "FIL")?;
    let (app, id) = (&app, id.as_str());
    qr::token_response(&headers, id, body, |body| async move {
        app.transport.create_file_token(id, &body).await
    })
    .await
}

#[utoipa::path(patch, path = "/api/core/v1/Files/{id}/RegenerateOwnershipToken", tag = "Files", responses((status = 200), (status = 400), (status = 404)))]
async fn regenerate_ownership_token(
    State(app): State<App>,
    Path(id): Path<String>,
) -> ApiResult<Envelope<Value>> {
    check_id(&id, "FIL")?;
    Ok(Envelope(
        app.transport.regenerate_ownership_token(&id).await?,
    ))
}
