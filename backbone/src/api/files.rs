//! `/api/v2/Files`: multipart upload, metadata, raw download and ownership.

use super::{AppState, Auth, Body, Params, check_id, created, no_content, ok, paged};
use crate::domain::files::{OwnershipTokenRequest, UploadFile};
use crate::error::Error;
use crate::model::{Bytes, Timestamp};
use axum::Router;
use axum::extract::multipart::{Multipart, MultipartError};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use wire::FileId;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v2/Files", get(list).post(upload))
        .route("/api/v2/Files/{id}", get(download).delete(remove))
        .route("/api/v2/Files/{id}/Metadata", get(metadata))
        .route(
            "/api/v2/Files/{id}/RegenerateOwnershipToken",
            patch(regenerate),
        )
        .route("/api/v2/Files/{id}/ClaimOwnership", patch(claim))
        .route("/api/v2/Files/{id}/ValidateOwnershipToken", post(validate))
}

fn multipart_error(e: MultipartError) -> Error {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        Error::BodyTooLarge
    } else {
        Error::parse(e.body_text())
    }
}

async fn upload(
    State(backbone): State<AppState>,
    Auth(caller): Auth,
    mut form: Multipart,
) -> Result<Response, Error> {
    let mut content = None;
    let mut text = std::collections::HashMap::new();
    while let Some(field) = form.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_ascii_lowercase();
        if name == "content" {
            content = Some(field.bytes().await.map_err(multipart_error)?.to_vec());
        } else {
            text.insert(name, field.text().await.map_err(multipart_error)?);
        }
    }
    let bytes_field = |name: &str, required: bool| -> Result<Option<Bytes>, Error> {
        match text
            .get(&name.to_ascii_lowercase())
            .filter(|v| !v.is_empty())
        {
            Some(v) => Bytes::decode(v)
                .map(Some)
                .ok_or_else(|| Error::parse(format!("`{name}` is not valid base64"))),
            None if required => Err(Error::invalid_property(name)),
            None => Ok(None),
        }
    };
    let upload = UploadFile {
        content: content.ok_or_else(|| Error::invalid_property("content"))?,
        cipher_hash: bytes_field("cipherHash", true)?.unwrap_or(Bytes(Vec::new())),
        owner_signature: bytes_field("ownerSignature", false)?,
        expires_at: text
            .get("expiresat")
            .and_then(|v| Timestamp::parse(v))
            .ok_or_else(|| Error::invalid_property("expiresAt"))?,
        encrypted_properties: bytes_field("encryptedProperties", true)?
            .unwrap_or(Bytes(Vec::new())),
    };
    Ok(created(backbone.upload_file(&caller, upload).await?))
}

async fn list(
    State(backbone): State<AppState>,
    Auth(caller): Auth,
    params: Params,
) -> Result<Response, Error> {
    let page = params.page(&backbone)?;
    Ok(paged(
        backbone.list_files(&caller, &params.all("ids")).await?,
        page,
    ))
}

async fn metadata(
    State(backbone): State<AppState>,
    Auth(_caller): Auth,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    check_id(FileId::PREFIX, &id)?;
    Ok(ok(backbone.file_metadata(&id).await?))
}

async fn download(
    State(backbone): State<AppState>,
    Auth(_caller): Auth,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    check_id(FileId::PREFIX, &id)?;
    let blob = backbone.download_file(&id).await?;
    Ok(([(header::CONTENT_TYPE, "application/octet-stream")], blob).into_response())
}

async fn remove(
    State(backbone): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    check_id(FileId::PREFIX, &id)?;
    backbone.delete_file(&caller, &id).await?;
    Ok(no_content())
}

async fn regenerate(
    State(backbone): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    check_id(FileId::PREFIX, &id)?;
    Ok(ok(backbone
        .regenerate_ownership_token(&caller, &id)
        .await?))
}

async fn claim(
    State(backbone): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    Body(body): Body<OwnershipTokenRequest>,
) -> Result<Response, Error> {
    check_id(FileId::PREFIX, &id)?;
    Ok(ok(backbone
        .claim_file_ownership(&caller, &id, &body.ownership_token)
        .await?))
}

async fn validate(
    State(backbone): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    Body(body): Body<OwnershipTokenRequest>,
) -> Result<Response, Error> {
    check_id(FileId::PREFIX, &id)?;
    Ok(ok(backbone
        .validate_ownership_token(&caller, &id, &body.ownership_token)
        .await?))
}
