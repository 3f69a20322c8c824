//! The official `validate`: `{isValid: true}`, or `{isValid: false, error: {message, location}}`.

use serde_json::{Value, json};

use crate::error::{ParseError, Position};

/// What the official `validate` answers for a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Validation {
    Valid,
    Invalid {
        message: String,
        start: Position,
        end: Position,
    },
}

impl Validation {
    /// The Connector's `IQLQuery` check says "invalid IQL query at character offset <column>";
    /// it quotes this number, the 1-based column of the failure (0 when there is no position).
    pub fn column(&self) -> Option<usize> {
        match self {
            Validation::Valid => None,
            Validation::Invalid { start, .. } => Some(start.column),
        }
    }

    /// The official answer as JSON.
    pub fn to_json(&self) -> Value {
        let position =
            |p: &Position| json!({"column": p.column, "line": p.line, "offset": p.offset});
        match self {
            Validation::Valid => json!({"isValid": true}),
            Validation::Invalid {
                message,
                start,
                end,
            } => json!({
                "isValid": false,
                "error": {
                    "message": message,
                    "location": {"start": position(start), "end": position(end)}
                }
            }),
        }
    }
}

/// Validates a query as the official `validate` does.
pub fn validate(query: &str) -> Validation {
    match crate::parse(query) {
        Ok(_) => Validation::Valid,
        Err(ParseError::Syntax(e)) => Validation::Invalid {
            message: e.message(),
            start: e.start,
            end: e.end,
        },
        // The official parser overflows JavaScript's stack here; `validate` then reports
        // `JSON.stringify(error)` of the RangeError, which is `{}`, at a zeroed location.
        Err(ParseError::TooDeep) => Validation::Invalid {
            message: "{}".to_owned(),
            start: Position::default(),
            end: Position::default(),
        },
    }
}
