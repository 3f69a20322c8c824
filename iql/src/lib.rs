//! The Identity Query Language (`@nmshd/iql` 1.0.4): parsing queries with the official grammar
//! and evaluating them over attributes with the official semantics.
//!
//! `parse` builds a typed [`Query`] once; `execute` and `matches` then judge attributes given
//! as JSON, so a query runs over many stored attributes without being parsed again. `validate`
//! answers what the official `validate` answers, error message and location included.
//! This crate knows nothing of storage or HTTP.

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
