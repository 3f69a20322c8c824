//! The one error of this crate: what the official parser would have thrown, with its message,
//! and the runtime error code that the official runtime maps that throw to.

use std::fmt;

/// Which official throw an error stands for; it decides the runtime error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A serval `ParsingError` or `ValidationError`: a content rule was broken.
    Deserialization,
    /// An `@type` no content class has.
    UnknownType,
    /// Any other serval error (e.g. `Value is not an Array.`).
    Serval,
    /// A plain `Error` (e.g. `The date is invalid.`); the runtime prefixes its message with
    /// `An error was thrown in a UseCase: `.
    Other,
    /// Valid content of a kind the use case does not take (e.g. a `Response` as a message).
    WrongKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentError {
    pub kind: ErrorKind,
    /// The official message, e.g. `GivenName.value :: Value is longer than 100 characters`.
    pub message: String,
    /// The official library throws this one only when it prints the content, after parsing:
    /// no list wraps it into an `Item with index …` message.
    pub(crate) on_print: bool,
}

impl ContentError {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            on_print: false,
        }
    }

    /// See [`ContentError::on_print`].
    pub(crate) fn on_print(mut self) -> Self {
        self.on_print = true;
        self
    }

    /// A serval `ParsingError`: `Class.field :: reason`.
    pub(crate) fn parsing(class: &str, field: &str, reason: impl fmt::Display) -> Self {
        Self::new(
            ErrorKind::Deserialization,
            format!("{class}.{field} :: {reason}"),
        )
    }

    /// A serval `ValidationError` from a property's custom validator: `Class.field:Type :: reason`.
    pub(crate) fn validation(
        class: &str,
        field: &str,
        ty: &str,
        reason: impl fmt::Display,
    ) -> Self {
        Self::new(
            ErrorKind::Deserialization,
            format!("{class}.{field}:{ty} :: {reason}"),
        )
    }

    pub(crate) fn unknown_type(type_name: &str) -> Self {
        Self::new(
            ErrorKind::UnknownType,
            format!(
                "Type '{type_name}' with version 1 was not found within reflection classes. You might have to install a module first."
            ),
        )
    }

    /// The code the official runtime answers with for this error.
    pub fn code(&self) -> &'static str {
        match self.kind {
            ErrorKind::Deserialization => "error.runtime.requestDeserialization",
            ErrorKind::UnknownType => "error.runtime.unknownType",
            ErrorKind::Serval => "error.runtime.servalError",
            ErrorKind::Other => "error.runtime.unknown",
            ErrorKind::WrongKind => "error.runtime.validation.invalidPropertyValue",
        }
    }
}

impl fmt::Display for ContentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.message)
    }
}

impl std::error::Error for ContentError {}
