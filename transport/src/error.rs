//! The one error type of the transport layer. Each variant carries the official error code;
//! transport knows no HTTP: the edge maps variants (and a Backbone answer's status) to HTTP
//! statuses in one place.

/// A Backbone answer that was not a success, with the Backbone's own code and status.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the Backbone answered {status} {code}: {message}")]
pub struct BackboneError {
    pub status: u16,
    pub code: String,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// A local record does not exist (`error.runtime.recordNotFound`, 404).
    #[error("{0} not found. Make sure the ID exists and the record is not expired.")]
    NotFound(&'static str),
    /// Input that is malformed or breaks a rule of the official API (400).
    #[error("{message}")]
    Invalid { code: &'static str, message: String },
    /// The Backbone refused or failed; its status and code are passed on.
    #[error(transparent)]
    Backbone(#[from] BackboneError),
    /// The Backbone could not be reached at all.
    #[error("the Backbone at {url} is not reachable: {detail}")]
    Unreachable { url: String, detail: String },
    /// A peer sent data that does not decrypt, verify or parse.
    #[error("{message}")]
    Peer { code: &'static str, message: String },
    #[error("wire format: {0}")]
    Wire(#[from] wire::WireError),
    #[error("store: {0}")]
    Store(#[from] store::StoreError),
    /// Start-up problems that end the process (no identity, wrong key, address mismatch).
    #[error("{code}: {message}")]
    Startup { code: &'static str, message: String },
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = TransportError> = std::result::Result<T, E>;

pub const INVALID_PROPERTY: &str = "error.runtime.validation.invalidPropertyValue";
/// What the official Connector answers for a failure that is not an application error.
pub const UNEXPECTED: &str = "error.connector.unexpected";
pub const WRONG_RELATIONSHIP_STATUS: &str = "error.transport.relationships.wrongRelationshipStatus";

impl TransportError {
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid {
            code: INVALID_PROPERTY,
            message: message.into(),
        }
    }

    pub fn rule(code: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            code,
            message: message.into(),
        }
    }

    pub fn peer(code: &'static str, message: impl Into<String>) -> Self {
        Self::Peer {
            code,
            message: message.into(),
        }
    }

    /// Whether trying again later may succeed: the Backbone could not be reached, or answered
    /// with a server error or "too many requests". Anything else fails the same way again.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Unreachable { .. } => true,
            Self::Backbone(e) => e.status >= 500 || e.status == 429,
            _ => false,
        }
    }

    /// The official error code.
    pub fn code(&self) -> &str {
        match self {
            Self::NotFound(_) => "error.runtime.recordNotFound",
            Self::Invalid { code, .. } | Self::Peer { code, .. } | Self::Startup { code, .. } => {
                code
            }
            Self::Backbone(e) => &e.code,
            Self::Unreachable { .. } => "error.transport.request.noConnection",
            Self::Wire(_) => INVALID_PROPERTY,
            // Failures of our own have no code of the runtime's: the official Connector
            // answers anything that is not an application error as unexpected.
            Self::Store(_) | Self::Internal(_) => UNEXPECTED,
        }
    }

    /// A content refused by the official rules, with the code and message the runtime's
    /// use case turns the parser's throw into.
    pub fn content(e: content::ContentError) -> Self {
        let code = e.code();
        let message = match e.kind {
            // A plain `Error` reaches the caller through the use case's catch-all.
            content::ErrorKind::Other => format!("An error was thrown in a UseCase: {}", e.message),
            _ => e.message,
        };
        Self::rule(code, message)
    }

    /// A transport `CoreError` that a runtime use case returns (`Result.fail`) instead of
    /// throwing: it escapes the Connector's mapping of application errors, so the official
    /// Connector answers it as unexpected (500) with the CoreError's text as the details.
    pub fn returned_core_error(code: &str, reason: impl std::fmt::Display) -> Self {
        Self::Internal(format!("{code}: '{reason}'"))
    }

    /// Whether the Backbone said the record does not exist.
    pub fn is_backbone_not_found(&self) -> bool {
        matches!(self, Self::Backbone(e) if e.status == 404)
    }
}
