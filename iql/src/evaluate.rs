//! Which attributes a query matches, with the official semantics (the actions of
//! `@nmshd/iql`'s grammar): JavaScript conversions for `=`, `>` and `<`, inclusive date
//! comparisons, and the same attributes that make the official `execute` throw.
//!
//! Attributes are the JSON objects the official `execute` takes: an attribute's content
//! (`{"@type": "IdentityAttribute", "owner": …, "value": {"@type": "GivenName", …}, "tags": […]}`).
//! Each attribute is judged on its own, without allocating for the common cases, because the
//! Connector runs a query over every stored attribute.

use std::fmt;

use serde_json::Value;

use crate::ast::{Expr, Predicate, Query, Term};
use crate::js;

/// What makes the official `execute` throw a JavaScript `TypeError` for an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvaluationError {
    /// A path went through `null` (or the attribute itself is `null`).
    NullInPath,
    /// A value term on an attribute that has no `value`.
    NoValue,
    /// `=`, `>` or `<` on an object with a `toString` key, which JSON cannot make a function.
    NotConvertible,
    /// `?` on an object whose `constructor` key is `null`.
    NullConstructor,
}

impl fmt::Display for EvaluationError {
    /// The message of the `TypeError` JavaScript throws.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EvaluationError::NullInPath => "Cannot convert undefined or null to object",
            EvaluationError::NoValue => "Cannot read properties of undefined (reading '@type')",
            EvaluationError::NotConvertible => "Cannot convert object to primitive value",
            EvaluationError::NullConstructor => "Cannot read properties of null (reading 'name')",
        })
    }
}

impl std::error::Error for EvaluationError {}

/// The indices of the attributes the query matches, ascending. Like the official `execute`,
/// this fails if any term cannot be evaluated on any attribute, even where the outcome would
/// not depend on it.
pub fn execute(query: &Query, attributes: &[Value]) -> Result<Vec<usize>, EvaluationError> {
    let mut found = Vec::new();
    for (i, attribute) in attributes.iter().enumerate() {
        if matches(query, attribute)? {
            found.push(i);
        }
    }
    Ok(found)
}

/// Whether the query matches one attribute.
pub fn matches(query: &Query, attribute: &Value) -> Result<bool, EvaluationError> {
    // The official evaluation computes every term before combining, so every term is evaluated
    // here too: a term that throws must throw even when another operand decides the outcome.
    Ok(match query {
        Expr::Any(operands) => {
            let mut any = false;
            for operand in operands {
                any |= matches(operand, attribute)?;
            }
            any
        }
        Expr::All(operands) => {
            let mut all = true;
            for operand in operands {
                all &= matches(operand, attribute)?;
            }
            all
        }
        Expr::Not(operand) => !matches(operand, attribute)?,
        Expr::Term(term) => term_matches(term, attribute)?,
    })
}

fn term_matches(term: &Term, attribute: &Value) -> Result<bool, EvaluationError> {
    match term {
        Term::Type(attribute_type) => Ok(resolve(attribute, ["value", "@type"])?
            .is_some_and(|t| t.as_str() == Some(attribute_type))),
        Term::Value {
            attribute_type,
            fields,
            predicate,
        } => {
            // Without fields, a value term looks at `value.value`.
            let field = if fields.is_empty() {
                resolve(attribute, ["value", "value"])?
            } else {
                resolve(
                    attribute,
                    std::iter::once("value").chain(fields.iter().map(String::as_str)),
                )?
            };
            let value = match attribute {
                Value::Object(map) => map.get("value"),
                _ => None,
            };
            let has_type = match value {
                None | Some(Value::Null) => return Err(EvaluationError::NoValue),
                Some(value) => value.get("@type").and_then(Value::as_str) == Some(attribute_type),
            };
            match field {
                Some(field) if has_type => predicate_holds(predicate, field),
                _ => Ok(false),
            }
        }
        Term::Field { path, predicate } => {
            match resolve(attribute, path.iter().map(String::as_str))? {
                Some(field) => predicate_holds(predicate, field),
                None => Ok(false),
            }
        }
        Term::Tag(tag) => Ok(resolve(attribute, ["tags"])?.is_some_and(|tags| holds(tags, tag))),
    }
}

/// The official `resolvePath`: walks object keys; a missing key (or a non-object on the way)
/// means no value, and so does a final `null`; a `null` on the way throws in JavaScript.
fn resolve<'v, 'k>(
    attribute: &'v Value,
    path: impl IntoIterator<Item = &'k str>,
) -> Result<Option<&'v Value>, EvaluationError> {
    let mut value = attribute;
    for key in path {
        value = match value {
            Value::Null => return Err(EvaluationError::NullInPath),
            // Arrays and strings have only numeric keys, and path segments are never numeric.
            Value::Object(map) => match map.get(key) {
                Some(next) => next,
                None => return Ok(None),
            },
            _ => return Ok(None),
        };
    }
    Ok((!value.is_null()).then_some(value))
}

fn predicate_holds(predicate: &Predicate, field: &Value) -> Result<bool, EvaluationError> {
    Ok(match predicate {
        Predicate::Equals(expected) => match field {
            Value::String(s) => s == expected,
            other => {
                let mut text = String::new();
                js::write_string(other, &mut text)?;
                text == *expected
            }
        },
        // NaN on either side compares false, as in JavaScript.
        Predicate::NotBefore(bound) => js::date_time(field)? >= bound.time,
        Predicate::NotAfter(bound) => js::date_time(field)? <= bound.time,
        Predicate::Contains(item) => holds(field, item),
        Predicate::Defined => match field {
            Value::Array(items) => !items.is_empty(),
            // An own `constructor` key replaces the prototype's: JavaScript then reads its
            // `name` (throwing on null) and the object counts as defined either way.
            Value::Object(map) => match map.get("constructor") {
                Some(Value::Null) => return Err(EvaluationError::NullConstructor),
                Some(_) => true,
                None => !map.is_empty(),
            },
            _ => true,
        },
    })
}

/// `Array.isArray(field) && field.includes(item)`
fn holds(field: &Value, item: &str) -> bool {
    field
        .as_array()
        .is_some_and(|items| items.iter().any(|i| i.as_str() == Some(item)))
}
