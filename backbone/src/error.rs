//! The one error type of the domain layer. Each variant carries the official Backbone error code;
//! [`crate::api`] maps the variant to an HTTP status and the error envelope in one place.

use store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 404 `error.platform.recordNotFound`.
    #[error(
        "{0} not found. Make sure the ID exists and the record is not expired. If a password is required to fetch the record, make sure you passed the correct one."
    )]
    NotFound(&'static str),
    /// 401: missing, unknown or expired access token, or an unknown OAuth client.
    #[error(
        "You have to authenticate in order to execute this action. Further make sure that the auth token has not expired."
    )]
    Unauthorized,
    /// `/connect/token` with an unknown user, a wrong password or an unsupported grant: answered
    /// in the OAuth2 error format (`invalid_grant`), as OpenIddict does.
    #[error("{0}")]
    InvalidGrant(&'static str),
    /// 403 `error.platform.forbidden`.
    #[error("You are not allowed to perform this action due to insufficient privileges.")]
    Forbidden,
    /// 400 with a specific `error.platform.validation.…` code.
    #[error("{message}")]
    Rule { code: &'static str, message: String },
    /// 400 `error.platform.inputCannotBeParsed`: malformed JSON, base64, ids or dates.
    #[error("{0}")]
    InputCannotBeParsed(String),
    /// 400 `error.platform.requestBodyTooLarge`.
    #[error("The request body is too large.")]
    BodyTooLarge,
    /// 500: the store failed or holds a document this version cannot read.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("stored document is unreadable: {0}")]
    Corrupt(String),
    /// 500: a wire computation failed that valid input cannot make fail; in practice the
    /// operating system's random source, from which every id is drawn.
    #[error("wire: {0}")]
    Wire(#[from] wire::WireError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn rule(code: &'static str, message: impl Into<String>) -> Self {
        Error::Rule {
            code,
            message: message.into(),
        }
    }

    pub fn invalid_property(name: &str) -> Self {
        Error::rule(
            "error.platform.validation.invalidPropertyValue",
            format!("The value of the property '{name}' is invalid."),
        )
    }

    pub fn parse(message: impl Into<String>) -> Self {
        Error::InputCannotBeParsed(message.into())
    }

    /// The official error code, as the clients branch on it.
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotFound(_) => "error.platform.recordNotFound",
            Error::Unauthorized => "error.platform.unauthorized",
            Error::Forbidden => "error.platform.forbidden",
            Error::InvalidGrant(_) => "invalid_grant",
            Error::Rule { code, .. } => code,
            Error::InputCannotBeParsed(_) => "error.platform.inputCannotBeParsed",
            Error::BodyTooLarge => "error.platform.requestBodyTooLarge",
            Error::Store(_) | Error::Corrupt(_) | Error::Wire(_) => "error.platform.unexpected",
        }
    }
}
