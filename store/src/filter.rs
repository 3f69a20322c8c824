//! Filters over JSON documents with MongoDB's matching rules, so that both backends give the
//! same answers: a dotted path fans out over arrays, an equality matches an array that contains
//! the value, `$ne` matches a missing field, and the text operators are case-insensitive.
//!
//! Query-string values arrive as strings; [`candidates`] widens them to the JSON values they can
//! stand for (`"5"` also matches the number 5, `"true"` the boolean), as the official Connector's
//! query translator does when it compares against typed fields.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::cmp::Ordering;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Gte,
    Lt,
    Lte,
    StartsWith,
    EndsWith,
    Contains,
    Exists,
    NotExists,
    In,
    NotIn,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    pub field: String,
    pub op: Op,
    /// A scalar for most operators, an array for `In` / `NotIn`, `null` for `Exists` / `NotExists`.
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Filter {
    /// Matches every document.
    #[default]
    All,
    Cond(Condition),
    And(Vec<Filter>),
    Or(Vec<Filter>),
}

impl Filter {
    pub fn cond(field: &str, op: Op, value: impl Into<Value>) -> Self {
        Filter::Cond(Condition {
            field: field.to_owned(),
            op,
            value: value.into(),
        })
    }
    pub fn eq(field: &str, value: impl Into<Value>) -> Self {
        Self::cond(field, Op::Eq, value)
    }
    /// Conjunction that flattens nested `And`s and drops `All`.
    pub fn and(self, other: Filter) -> Filter {
        let mut parts = Vec::new();
        for f in [self, other] {
            match f {
                Filter::All => {}
                Filter::And(inner) => parts.extend(inner),
                f => parts.push(f),
            }
        }
        match parts.len() {
            0 => Filter::All,
            1 => parts.pop().unwrap_or_default(),
            _ => Filter::And(parts),
        }
    }

    pub fn matches(&self, doc: &Value) -> bool {
        match self {
            Filter::All => true,
            Filter::Cond(c) => c.matches(doc),
            Filter::And(fs) => fs.iter().all(|f| f.matches(doc)),
            Filter::Or(fs) => fs.iter().any(|f| f.matches(doc)),
        }
    }

    /// Every condition in the filter, for backends that push some of them down to an index.
    pub fn top_level_conditions(&self) -> Vec<&Condition> {
        match self {
            Filter::Cond(c) => vec![c],
            Filter::And(fs) => fs
                .iter()
                .filter_map(|f| {
                    if let Filter::Cond(c) = f {
                        Some(c)
                    } else {
                        None
                    }
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// The values a path reaches, fanning out over arrays on the way (not at the end: the caller
/// decides whether a final array counts as a whole or by its elements).
pub fn resolve<'a>(doc: &'a Value, path: &str) -> Vec<&'a Value> {
    let mut current = vec![doc];
    for segment in path.split('.') {
        let mut next = Vec::new();
        for value in current {
            match value {
                Value::Object(map) => {
                    if let Some(v) = map.get(segment) {
                        next.push(v);
                    }
                }
                Value::Array(items) => {
                    for item in items {
                        if let Value::Object(map) = item
                            && let Some(v) = map.get(segment)
                        {
                            next.push(v);
                        }
                    }
                }
                _ => {}
            }
        }
        current = next;
    }
    current
}

/// The resolved values plus, for arrays, their elements: what a scalar comparison looks at.
fn comparable<'a>(doc: &'a Value, path: &str) -> Vec<&'a Value> {
    let mut out = Vec::new();
    for v in resolve(doc, path) {
        out.push(v);
        if let Value::Array(items) = v {
            out.extend(items.iter());
        }
    }
    out
}

/// What a query value may stand for: itself, and for strings the number or boolean it spells.
pub fn candidates(value: &Value) -> Vec<Value> {
    let mut out = vec![value.clone()];
    if let Value::String(s) = value {
        match s.as_str() {
            "true" => out.push(Value::Bool(true)),
            "false" => out.push(Value::Bool(false)),
            "null" => out.push(Value::Null),
            _ => {
                if let Ok(i) = s.parse::<i64>() {
                    out.push(Value::from(i));
                } else if let Ok(f) = s.parse::<f64>()
                    && f.is_finite()
                {
                    out.push(Value::from(f));
                }
            }
        }
    }
    out
}

fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

/// Ordering within one type bracket only, as MongoDB compares: numbers with numbers,
/// strings with strings, booleans with booleans.
pub fn json_cmp(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

impl Condition {
    pub fn matches(&self, doc: &Value) -> bool {
        let field = self.field.as_str();
        match self.op {
            Op::Exists => !resolve(doc, field).is_empty(),
            Op::NotExists => resolve(doc, field).is_empty(),
            Op::Eq => eq_any(doc, field, &self.value),
            Op::Ne => !eq_any(doc, field, &self.value),
            Op::In => self.list().iter().any(|v| eq_any(doc, field, v)),
            Op::NotIn => !self.list().iter().any(|v| eq_any(doc, field, v)),
            Op::Gt | Op::Gte | Op::Lt | Op::Lte => {
                let wanted: &[Ordering] = match self.op {
                    Op::Gt => &[Ordering::Greater],
                    Op::Gte => &[Ordering::Greater, Ordering::Equal],
                    Op::Lt => &[Ordering::Less],
                    _ => &[Ordering::Less, Ordering::Equal],
                };
                let cands = candidates(&self.value);
                comparable(doc, field).iter().any(|v| {
                    cands
                        .iter()
                        .any(|c| json_cmp(v, c).is_some_and(|o| wanted.contains(&o)))
                })
            }
            Op::StartsWith | Op::EndsWith | Op::Contains => {
                let needle = match &self.value {
                    Value::String(s) => s.to_lowercase(),
                    other => other.to_string().to_lowercase(),
                };
                comparable(doc, field).iter().any(|v| {
                    let Value::String(s) = v else { return false };
                    let hay = s.to_lowercase();
                    match self.op {
                        Op::StartsWith => hay.starts_with(&needle),
                        Op::EndsWith => hay.ends_with(&needle),
                        _ => hay.contains(&needle),
                    }
                })
            }
        }
    }

    fn list(&self) -> Vec<Value> {
        match &self.value {
            Value::Array(items) => items.clone(),
            other => vec![other.clone()],
        }
    }
}

fn eq_any(doc: &Value, field: &str, value: &Value) -> bool {
    let cands = candidates(value);
    comparable(doc, field)
        .iter()
        .any(|v| cands.iter().any(|c| json_eq(v, c)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({
            "id": "MSGa", "isOwn": true, "size": 42, "createdAt": "2026-01-02T00:00:00.000Z",
            "content": {"@type": "Mail", "subject": "Hello World"},
            "recipients": [{"address": "did:e:a"}, {"address": "did:e:b"}],
            "tags": ["x", "y"]
        })
    }

    #[test]
    fn dotted_paths_fan_out_over_arrays() {
        assert!(Filter::eq("recipients.address", "did:e:b").matches(&doc()));
        assert!(!Filter::eq("recipients.address", "did:e:c").matches(&doc()));
        assert!(Filter::eq("content.@type", "Mail").matches(&doc()));
    }

    #[test]
    fn equality_matches_array_elements_and_coerces_strings() {
        assert!(Filter::eq("tags", "y").matches(&doc()));
        assert!(Filter::eq("isOwn", "true").matches(&doc()));
        assert!(Filter::eq("size", "42").matches(&doc()));
        assert!(!Filter::eq("size", "41").matches(&doc()));
    }

    #[test]
    fn ne_matches_missing_fields() {
        assert!(Filter::cond("missing", Op::Ne, "x").matches(&doc()));
        assert!(!Filter::cond("tags", Op::Ne, "x").matches(&doc()));
    }

    #[test]
    fn ranges_stay_within_a_type() {
        assert!(Filter::cond("size", Op::Gt, "41").matches(&doc()));
        assert!(!Filter::cond("size", Op::Gt, "42").matches(&doc()));
        assert!(Filter::cond("createdAt", Op::Gte, "2026-01-02").matches(&doc()));
        assert!(Filter::cond("createdAt", Op::Lt, "2026-01-03").matches(&doc()));
    }

    #[test]
    fn text_operators_ignore_case() {
        assert!(Filter::cond("content.subject", Op::StartsWith, "hello").matches(&doc()));
        assert!(Filter::cond("content.subject", Op::EndsWith, "WORLD").matches(&doc()));
        assert!(Filter::cond("content.subject", Op::Contains, "o w").matches(&doc()));
        assert!(!Filter::cond("content.subject", Op::Contains, "xyz").matches(&doc()));
    }

    #[test]
    fn existence_and_lists() {
        assert!(Filter::cond("content", Op::Exists, Value::Null).matches(&doc()));
        assert!(Filter::cond("nope", Op::NotExists, Value::Null).matches(&doc()));
        assert!(Filter::cond("tags", Op::In, json!(["q", "x"])).matches(&doc()));
        assert!(!Filter::cond("tags", Op::NotIn, json!(["q", "x"])).matches(&doc()));
        let or = Filter::Or(vec![Filter::eq("size", 1), Filter::eq("size", 42)]);
        assert!(or.matches(&doc()));
    }
}
