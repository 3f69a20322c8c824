//! The `/api/core/v1/...` REST handlers. Handlers are thin: parse the request, call one
//! [`transport::Transport`] or [`consumption::Consumption`] function, wrap the answer in the
//! official envelope. Their errors map to the official codes and statuses in one place, here.

mod account;
mod announcements;
mod attribute_tags;
mod attributes;
mod backbone_notifications;
mod challenges;
mod files;
mod identity_deletion;
mod identity_metadata;
mod messages;
mod qr;
mod relationship_templates;
mod relationships;
mod requests;
mod tokens;

use crate::app::App;
use crate::http::auth;
use crate::http::error::ApiError;
use axum::http::StatusCode;
use axum::middleware::from_fn;
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
        .merge(scoped(attributes::routes(), &["core:attributes"]))
        .merge(scoped(
            identity_metadata::routes(),
            &["core:identityMetadata"],
        ))
        .merge(scoped(attribute_tags::routes(), &["core:attributes"]))
        .merge(scoped(
            requests::incoming_routes(),
            &["core:requests", "core:requests:incoming"],
        ))
        .merge(scoped(
            requests::outgoing_routes(),
            &["core:requests", "core:requests:outgoing"],
        ))
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

/// A failure of a transport route: transport's own, or one the edge found before calling it.
pub enum TransportApiError {
    Transport(TransportError),
    Edge(ApiError),
}

impl From<TransportError> for TransportApiError {
    fn from(e: TransportError) -> Self {
        Self::Transport(e)
    }
}

impl From<ApiError> for TransportApiError {
    fn from(e: ApiError) -> Self {
        Self::Edge(e)
    }
}

/// The one mapping from transport's failures to the official statuses and codes
/// (`genericErrorHandler`): record not found 404, application errors 400, the Backbone's own
/// status passed on (500 when it is not a status), anything else 500
/// `error.connector.unexpected` with the details kept for the log and debug mode.
pub fn api_error(e: TransportError) -> ApiError {
    let (status, code) = match &e {
        TransportError::NotFound(_) => (StatusCode::NOT_FOUND, intern(e.code())),
        // As `genericErrorHandler`: a record-not-found code is a 404 whatever its message.
        TransportError::Invalid { code, .. }
            if matches!(
                *code,
                "error.runtime.recordNotFound" | "error.transport.recordNotFound"
            ) =>
        {
            (StatusCode::NOT_FOUND, intern(e.code()))
        }
        TransportError::Invalid { .. } | TransportError::Wire(_) | TransportError::Peer { .. } => {
            (StatusCode::BAD_REQUEST, intern(e.code()))
        }
        TransportError::Backbone(b) => (
            StatusCode::from_u16(b.status)
                .ok()
                .filter(|s| (100..600).contains(&s.as_u16()))
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            intern(e.code()),
        ),
        // The official names the missing connection; it is a server-side failure all the same.
        TransportError::Unreachable { .. } => (StatusCode::INTERNAL_SERVER_ERROR, intern(e.code())),
        TransportError::Store(_) | TransportError::Internal(_) | TransportError::Startup { .. } => {
            return ApiError::unexpected(e.to_string());
        }
    };
    let message = match &e {
        // The official passes the Backbone's reason on as the message.
        TransportError::Backbone(b) => b.message.clone(),
        other => other.to_string(),
    };
    let api = ApiError::new(status, code, message);
    if status.is_server_error() {
        api.with_details(e.to_string())
    } else {
        api
    }
}

impl axum::response::IntoResponse for TransportApiError {
    fn into_response(self) -> axum::response::Response {
        match self {
            Self::Transport(e) => api_error(e),
            Self::Edge(e) => e,
        }
        .into_response()
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

/// The raw query pairs of a list route, for transport's whitelist and query language.
pub type QueryPairs = axum::extract::Query<Vec<(String, String)>>;

#[cfg(test)]
mod tests {
    use super::*;
    use transport::BackboneError;

    fn mapped(e: TransportError) -> (u16, &'static str, String, Option<String>) {
        let api = api_error(e);
        (api.status.as_u16(), api.code, api.message, api.details)
    }

    #[test]
    fn failures_of_our_own_are_unexpected_with_the_official_message() {
        for e in [
            TransportError::Store(store::StoreError::Backend("disk full".into())),
            TransportError::Internal("a bug".into()),
        ] {
            let (status, code, message, details) = mapped(e);
            assert_eq!(
                (status, code, message.as_str()),
                (
                    500,
                    "error.connector.unexpected",
                    "An unexpected error occurred."
                )
            );
            assert!(details.is_some(), "details stay for the log and debug mode");
        }
    }

    #[test]
    fn application_errors_and_backbone_answers_keep_their_codes() {
        assert_eq!(mapped(TransportError::NotFound("Message")).0, 404);
        let (status, code, message, _) = mapped(TransportError::invalid("id must be valid"));
        assert_eq!(
            (status, code, message.as_str()),
            (
                400,
                "error.runtime.validation.invalidPropertyValue",
                "id must be valid"
            )
        );
        let backbone = |status| {
            TransportError::Backbone(BackboneError {
                status,
                code: "error.platform.recordNotFound".into(),
                message: "not there".into(),
            })
        };
        assert_eq!(mapped(backbone(404)).0, 404);
        let (_, code, message, _) = mapped(backbone(404));
        assert_eq!(
            (code, message.as_str()),
            ("error.platform.recordNotFound", "not there"),
            "the Backbone's own code and reason, as the official passes them on"
        );
        assert_eq!(mapped(backbone(42)).0, 500, "not a status: 500");
        let unreachable = TransportError::Unreachable {
            url: "http://b".into(),
            detail: "refused".into(),
        };
        assert_eq!(
            mapped(unreachable).1,
            "error.transport.request.noConnection"
        );
    }
}
