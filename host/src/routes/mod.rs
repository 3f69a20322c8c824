//! The `/api/core/v1/...` REST handlers for the transport objects. Handlers are thin: parse
//! the request, call one [`transport::Transport`] function, wrap the answer in the official
//! envelope. Transport errors map to the official codes and statuses in one place, here.

mod account;
mod announcements;
mod backbone_notifications;
mod challenges;
mod files;
mod identity_deletion;
mod messages;
mod qr;
mod relationship_templates;
mod relationships;
mod tokens;

use crate::app::App;
use crate::http::auth;
use crate::http::error::ApiError;
use axum::http::StatusCode;
use axum::middleware::from_fn;
use serde_json::Value;
use std::collections::HashSet;
use std::sync::Mutex;
use transport::TransportError;
use utoipa_axum::router::OpenApiRouter;

/// Every transport route, each group behind its official scope.
pub fn routes() -> OpenApiRouter<App> {
    fn scoped(router: OpenApiRouter<App>, scope: &'static [&'static str]) -> OpenApiRouter<App> {
        router.route_layer(from_fn(move |r, n| auth::require(scope, r, n)))
    }
    scoped(account::routes(), &["core:account"])
        .merge(scoped(challenges::routes(), &["core:challenges"]))
        .merge(scoped(files::routes(), &["core:files"]))
        .merge(scoped(messages::routes(), &["core:messages"]))
        .merge(scoped(
            relationship_templates::routes(),
            &["core:relationshipTemplates"],
        ))
        .merge(scoped(relationships::routes(), &["core:relationships"]))
        .merge(scoped(tokens::routes(), &["core:tokens"]))
        .merge(scoped(announcements::routes(), &["core:announcements"]))
        .merge(scoped(
            backbone_notifications::routes(),
            &["core:backboneNotifications"],
        ))
        // Debug mode only; it checks its scope itself, after answering 404 in production.
        .merge(identity_deletion::routes())
}

/// The Backbone's error codes are open-ended strings; the envelope wants `'static` ones.
/// Each distinct code is kept once; past a bound, unknown codes collapse into one.
fn intern(code: &str) -> &'static str {
    static CODES: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);
    const MAX_CODES: usize = 512;
    let Ok(mut guard) = CODES.lock() else {
        return "error.platform.unexpected";
    };
    let set = guard.get_or_insert_with(HashSet::new);
    if let Some(known) = set.get(code) {
        return known;
    }
    if set.len() >= MAX_CODES {
        return "error.platform.unexpected";
    }
    let leaked: &'static str = Box::leak(code.to_owned().into_boxed_str());
    set.insert(leaked);
    leaked
}

/// A transport failure as the official Connector answers it.
pub struct TransportApiError(pub TransportError);

impl From<TransportError> for TransportApiError {
    fn from(e: TransportError) -> Self {
        Self(e)
    }
}

impl From<ApiError> for TransportApiError {
    fn from(e: ApiError) -> Self {
        Self(TransportError::Invalid {
            code: e.code,
            message: e.message,
        })
    }
}

impl axum::response::IntoResponse for TransportApiError {
    fn into_response(self) -> axum::response::Response {
        let e = self.0;
        let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let message = match &e {
            // Internal details stay in the log and in debug-mode details.
            TransportError::Store(_) | TransportError::Internal(_) => {
                "An unexpected error occurred.".to_owned()
            }
            other => other.to_string(),
        };
        let mut api = ApiError::new(status, intern(e.code()), message);
        if status.is_server_error() {
            api = api.with_details(e.to_string());
        }
        api.into_response()
    }
}

pub type ApiResult<T> = Result<T, TransportApiError>;

/// A path id must have the object's prefix and shape; anything else is a validation error,
/// as in the official runtime, before any lookup.
pub fn check_id(id: &str, prefix: &str) -> Result<(), TransportApiError> {
    let ok =
        id.len() == 20 && id.starts_with(prefix) && id.bytes().all(|b| b.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(TransportError::invalid(format!("id must be a {prefix} id of 20 characters")).into())
    }
}

/// A JSON body must be an object.
pub fn object(body: Value) -> Result<Value, TransportApiError> {
    if body.is_object() {
        Ok(body)
    } else {
        Err(TransportError::invalid("the request body must be a JSON object").into())
    }
}

/// The raw query pairs of a list route, for transport's whitelist and query language.
pub type QueryPairs = axum::extract::Query<Vec<(String, String)>>;
