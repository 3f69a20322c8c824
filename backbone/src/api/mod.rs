//! The HTTP edge: routes, extractors and the official envelopes. Handlers parse, call one
//! domain function and wrap the result; every [`Error`] is mapped to a status here and only here.

mod auth;
mod challenges;
mod datawallet;
mod devices;
mod files;
mod identities;
mod messages;
mod misc;
mod relationship_templates;
mod relationships;
mod sse;
mod sync;
mod tokens;

use crate::domain::{Backbone, Caller};
use crate::error::Error;
use crate::model::{Bytes, Timestamp};
use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;
use std::sync::Arc;
use wire::{AnyId, ErrorId};

pub type AppState = Arc<Backbone>;

/// Largest request body: a 10 MiB content in base64 inside JSON, with room to spare.
pub const MAX_BODY_BYTES: usize = 20 * 1024 * 1024;

/// The Consumer API with every route group.
pub fn router(backbone: AppState) -> Router {
    Router::new()
        .merge(auth::routes())
        .merge(misc::routes())
        .merge(challenges::routes())
        .merge(identities::routes())
        .merge(devices::routes())
        .merge(sync::routes())
        .merge(datawallet::routes())
        .merge(relationship_templates::routes())
        .merge(relationships::routes())
        .merge(messages::routes())
        .merge(tokens::routes())
        .merge(files::routes())
        .merge(sse::routes())
        .fallback(|| async { StatusCode::NOT_FOUND })
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(backbone)
}

/// Every fixed path segment of the API. ASP.NET matches routes case-insensitively and transport
/// relies on it (`/Files/{id}/metadata`), so incoming segments are rewritten to these spellings
/// before routing. Ids are 20 characters and never collide with one of these.
const SEGMENTS: &[&str] = &[
    "api",
    "v1",
    "v2",
    "connect",
    "token",
    "health",
    "Version",
    "Challenges",
    "Identities",
    "IsDeleted",
    "Self",
    "DeletionProcesses",
    "Cancel",
    "Devices",
    "Password",
    "PushNotifications",
    "SyncRuns",
    "ExternalEvents",
    "FinalizeExternalEventSync",
    "FinalizeDatawalletVersionUpgrade",
    "RefreshExpirationTime",
    "Datawallet",
    "Modifications",
    "Messages",
    "Relationships",
    "CanCreate",
    "Accept",
    "Reject",
    "Revoke",
    "Terminate",
    "Reactivate",
    "Decompose",
    "RelationshipTemplates",
    "Tokens",
    "UpdateContent",
    "Files",
    "Metadata",
    "RegenerateOwnershipToken",
    "ClaimOwnership",
    "ValidateOwnershipToken",
    "Announcements",
    "Notifications",
    "Tags",
    "sse",
];

pub fn normalize_path(mut request: Request) -> Request {
    let uri = request.uri();
    let path = uri.path();
    let needs_rewrite = path.split('/').any(|seg| {
        SEGMENTS
            .iter()
            .any(|s| s.eq_ignore_ascii_case(seg) && *s != seg)
    });
    if !needs_rewrite {
        return request;
    }
    let rewritten: Vec<&str> = path
        .split('/')
        .map(|seg| {
            SEGMENTS
                .iter()
                .find(|s| s.eq_ignore_ascii_case(seg))
                .copied()
                .unwrap_or(seg)
        })
        .collect();
    let mut target = rewritten.join("/");
    if let Some(q) = uri.query() {
        target.push('?');
        target.push_str(q);
    }
    if let Ok(new_uri) = target.parse::<Uri>() {
        *request.uri_mut() = new_uri;
    }
    request
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = match &self {
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::Unauthorized => StatusCode::UNAUTHORIZED,
            Error::Forbidden => StatusCode::FORBIDDEN,
            Error::Rule { .. }
            | Error::InputCannotBeParsed(_)
            | Error::BodyTooLarge
            | Error::InvalidGrant(_) => StatusCode::BAD_REQUEST,
            Error::Store(_) | Error::Corrupt(_) | Error::Wire(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        if let Error::InvalidGrant(description) = &self {
            return (
                status,
                axum::Json(json!({ "error": "invalid_grant", "error_description": description })),
            )
                .into_response();
        }
        let message = match &self {
            Error::Store(_) | Error::Corrupt(_) | Error::Wire(_) => {
                tracing::error!(error = %self, "request failed");
                "An unexpected error occurred.".to_owned()
            }
            other => other.to_string(),
        };
        // Only a failing OS random source leaves the id empty; the error is still reported.
        let id = ErrorId::generate()
            .map(|id| id.to_string())
            .unwrap_or_default();
        let body = json!({ "error": {
            "id": id,
            "code": self.code(),
            "message": message,
            "docs": "",
            "time": Timestamp::now(),
        }});
        (status, axum::Json(body)).into_response()
    }
}

/// `{"result": value}` with the given status.
pub fn envelope<T: Serialize>(status: StatusCode, value: T) -> Response {
    (status, axum::Json(json!({ "result": value }))).into_response()
}

pub fn ok<T: Serialize>(value: T) -> Response {
    envelope(StatusCode::OK, value)
}

pub fn created<T: Serialize>(value: T) -> Response {
    envelope(StatusCode::CREATED, value)
}

pub fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

/// A list response: one page of `items`, with `pagination` only when there is more than one.
pub fn paged<T: Serialize>(items: Vec<T>, page: Page) -> Response {
    let total = items.len();
    let size = page.size as usize;
    let total_pages = total.div_ceil(size).max(1);
    let start = (page.number as usize - 1).saturating_mul(size).min(total);
    let slice: Vec<T> = items.into_iter().skip(start).take(size).collect();
    if total_pages <= 1 {
        return ok(slice);
    }
    let body = json!({
        "result": slice,
        "pagination": { "pageNumber": page.number, "pageSize": page.size, "totalPages": total_pages, "totalRecords": total },
    });
    (StatusCode::OK, axum::Json(body)).into_response()
}

#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub number: u32,
    pub size: u32,
}

/// The bearer token's caller; 401 when it is missing, unknown or expired.
pub struct Auth(pub Caller);

impl FromRequestParts<AppState> for Auth {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let MaybeAuth(caller) = MaybeAuth::from_request_parts(parts, state).await?;
        caller.map(Auth).ok_or(Error::Unauthorized)
    }
}

/// For routes open to anonymous callers: no header means anonymous, a bad token is still 401.
pub struct MaybeAuth(pub Option<Caller>);

impl FromRequestParts<AppState> for MaybeAuth {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match bearer(&parts.headers) {
            Some(token) => Ok(MaybeAuth(Some(state.authenticate(token)?))),
            None => Ok(MaybeAuth(None)),
        }
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

/// A JSON body; malformed JSON, wrong types and bad base64 become `inputCannotBeParsed`. An
/// empty body reads as `{}`, because transport sends some state changes without one.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = Error;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    Error::BodyTooLarge
                } else {
                    Error::parse(e.body_text())
                }
            })?;
        let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            &bytes
        };
        serde_json::from_slice(bytes)
            .map(Body)
            .map_err(|e| Error::parse(format!("The request body cannot be parsed: {e}")))
    }
}

/// Query parameters, read the way ASP.NET binds them: names case-insensitive, repeated names
/// for arrays (`ids=a&ids=b`).
pub struct Params(Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        Ok(Params(
            form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect(),
        ))
    }
}

impl Params {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// All pairs whose name starts with `prefix` (case-insensitive), with the prefix removed.
    pub fn with_prefix(&self, prefix: &str) -> Vec<(String, String)> {
        self.0
            .iter()
            .filter(|(k, _)| {
                k.len() > prefix.len() && k[..prefix.len()].eq_ignore_ascii_case(prefix)
            })
            .map(|(k, v)| (k[prefix.len()..].to_owned(), v.clone()))
            .collect()
    }

    pub fn page(&self, state: &Backbone) -> Result<Page, Error> {
        let config = state.config();
        let number = self.positive("pageNumber")?.unwrap_or(1);
        let size = self
            .positive("pageSize")?
            .unwrap_or(config.default_page_size);
        if size > config.max_page_size {
            return Err(Error::rule(
                "error.platform.validation.pagination.invalidPageSize",
                format!(
                    "The given page size is too high. The maximum page size is {}.",
                    config.max_page_size
                ),
            ));
        }
        Ok(Page { number, size })
    }

    /// An optional number of at least 1, such as `pageSize`.
    fn positive(&self, name: &str) -> Result<Option<u32>, Error> {
        self.get(name)
            .map(|v| {
                v.parse::<u32>()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| Error::invalid_property(name))
            })
            .transpose()
    }

    /// An optional base64 byte string such as `password`.
    pub fn bytes(&self, name: &str) -> Result<Option<Bytes>, Error> {
        match self.get(name) {
            None | Some("") => Ok(None),
            Some(v) => Bytes::decode(v)
                .map(Some)
                .ok_or_else(|| Error::parse(format!("`{name}` is not valid base64"))),
        }
    }
}

/// The `X-Supported-Datawallet-Version` header; absent means version 0.
pub fn supported_datawallet_version(headers: &HeaderMap) -> Result<u16, Error> {
    match headers.get("x-supported-datawallet-version") {
        None => Ok(0),
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .ok_or_else(|| Error::parse("X-Supported-Datawallet-Version must be a number")),
    }
}

/// A route id, checked for the prefix and shape its type needs (`error.platform.validation.invalidId`).
pub fn check_id(prefix: &str, id: &str) -> Result<(), Error> {
    if AnyId::parse_with_prefix(id, prefix).is_ok() {
        Ok(())
    } else {
        Err(Error::rule(
            "error.platform.validation.invalidId",
            format!("'{id}' is not a valid {prefix} id."),
        ))
    }
}
