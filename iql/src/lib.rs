//! The Identity Query Language (`@nmshd/iql` 1.0.4): parsing queries with the official grammar
//! and evaluating them over attributes with the official semantics.
//!
//! `parse` builds a typed [`Query`] once; `execute` and `matches` then judge attributes given
//! as JSON, so a query runs over many stored attributes without being parsed again. `validate`
//! answers what the official `validate` answers, error message and location included.
//! This crate knows nothing of storage or HTTP.
//!
//! ```
//! use serde_json::json;
//!
//! let attributes = [
//!     json!({"@type": "IdentityAttribute", "owner": "did:e:a", "tags": ["language:en"],
//!            "value": {"@type": "GivenName", "value": "Alice"}}),
//!     json!({"@type": "IdentityAttribute", "owner": "did:e:a",
//!            "value": {"@type": "BirthDate", "day": 1, "month": 5, "year": 1990}}),
//! ];
//! let query = iql::parse("GivenName=Alice || BirthDate.year=1990").unwrap();
//! assert_eq!(iql::execute(&query, &attributes), Ok(vec![0, 1]));
//!
//! // Whitespace around `&&` and `||` is required, as in the official grammar.
//! let invalid = iql::validate("GivenName&&#language:en");
//! assert_eq!(invalid.column(), Some(10));
//! assert_eq!(
//!     invalid.to_json()["error"]["message"],
//!     "Expected end of input or whitespace but \"&\" found."
//! );
//! ```

mod ast;
mod date;
mod error;
mod evaluate;
mod grammar;
mod invisible;
mod js;
mod validate;

pub use ast::{DateBound, Expr, Predicate, Query, Term};
pub use error::{Expected, ExpectedSet, ParseError, Position, SyntaxError};
pub use evaluate::{EvaluationError, execute, matches};
pub use grammar::{MAX_NESTING, parse};
pub use validate::{Validation, validate};
