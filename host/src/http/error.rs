//! The official error envelope and the one mapping from failures to status codes. Codes and
//! messages are the official Connector's (`HttpErrors`, `genericErrorHandler`), word for word:
//! clients match on both.
//!
//! `{"error": {code, message, id, time, docs}}`; in debug mode `details` is added by the
//! [`super::middleware::observe`] layer, which knows the mode, from [`ErrorDetails`].

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

pub const INVALID_JSON: &str = "error.connector.validation.invalidJsonInPayload";
pub const INVALID_PROPERTY: &str = "error.runtime.validation.invalidPropertyValue";
pub const ROUTE_DOES_NOT_EXIST: &str = "error.connector.http.routeDoesNotExist";
pub const METHOD_NOT_ALLOWED: &str = "error.connector.http.methodNotAllowed";
pub const NOT_ACCEPTABLE: &str = "error.connector.http.notAcceptable";
pub const PAYLOAD_TOO_LARGE: &str = "error.connector.http.payloadTooLarge";
pub const UNAUTHORIZED: &str = "error.connector.unauthorized";
pub const FORBIDDEN: &str = "error.connector.forbidden";
pub const UNEXPECTED: &str = "error.connector.unexpected";

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Shown only in debug mode.
    pub details: Option<String>,
}

/// What only debug mode may show, carried to the envelope layer in the response extensions.
#[derive(Debug, Clone)]
pub struct ErrorDetails(pub String);

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    /// `ERR` followed by 17 characters from `ABCDEFGHJKLMNPQRSTUVWXYZ23456789`.
    pub id: String,
    pub time: String,
    pub docs: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: None,
        }
    }
    pub fn with_details(mut self, details: impl Into<String>) -> Self {
        self.details = Some(details.into());
        self
    }
    pub fn invalid_json(details: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            INVALID_JSON,
            "The given payload is not a valid json object.",
        )
        .with_details(details)
    }
    pub fn invalid_property(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, INVALID_PROPERTY, message)
    }
    pub fn route_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ROUTE_DOES_NOT_EXIST,
            "The requested route does not exist.",
        )
    }
    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            METHOD_NOT_ALLOWED,
            "The request method is not supported for the requested resource.",
        )
    }
    pub fn not_acceptable() -> Self {
        Self::new(
            StatusCode::NOT_ACCEPTABLE,
            NOT_ACCEPTABLE,
            "The requested resource is capable of generating only content not acceptable according to the Accept headers sent in the request.",
        )
    }
    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            PAYLOAD_TOO_LARGE,
            format!("The request body is larger than {limit} bytes."),
        )
    }
    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, UNAUTHORIZED, "Unauthorized.")
    }
    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            FORBIDDEN,
            "You are not allowed to access this endpoint.",
        )
    }
    pub fn unexpected(details: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            UNEXPECTED,
            "An unexpected error occurred.",
        )
        .with_details(details)
    }

    pub fn envelope(&self, details: Option<String>) -> ErrorEnvelope {
        let id = wire::ErrorId::generate()
            .map(|i| i.as_str().to_owned())
            .unwrap_or_else(|_| "ERR".into());
        ErrorEnvelope {
            error: ErrorBody {
                code: self.code.to_owned(),
                message: self.message.clone(),
                id,
                time: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                docs: format!("https://enmeshed.eu/integrate/error-codes#{}", self.code),
                details,
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::error!(
                code = self.code,
                status = self.status.as_u16(),
                message = %self.message,
                details = self.details.as_deref().unwrap_or(""),
                "request failed"
            );
        }
        let mut response = (self.status, Json(self.envelope(None))).into_response();
        if let Some(details) = self.details {
            response.extensions_mut().insert(ErrorDetails(details));
        }
        response
    }
}

impl From<store::StoreError> for ApiError {
    fn from(e: store::StoreError) -> Self {
        ApiError::unexpected(e.to_string())
    }
}
