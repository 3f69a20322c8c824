//! The list routes' query language (`?k=v`, `!v`, `>`, `<`, `>=`, `<=`, `^`, `$`, `~`, empty
//! and `!`, repeated keys or `k[]` for arrays, dotted keys), parsed once into a [`Filter`] that
//! every backend translates.

use crate::filter::{Condition, Filter, Op};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("the query parameter `{0}` is not allowed here")]
    UnknownKey(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sort {
    pub field: String,
    pub descending: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindOptions {
    pub sort: Vec<Sort>,
    pub skip: u64,
    pub limit: Option<u64>,
}

impl FindOptions {
    pub fn sorted_by(field: &str, descending: bool) -> Self {
        Self {
            sort: vec![Sort {
                field: field.to_owned(),
                descending,
            }],
            ..Self::default()
        }
    }
}

/// Parses query pairs in order. `allowed` lists the keys a route accepts (its whitelist);
/// a key outside it is an error, as in the official runtime.
pub fn parse_query<'a, I>(pairs: I, allowed: &[&str]) -> Result<Filter, QueryError>
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    // Group repeated keys, keeping first-seen order so filters are deterministic.
    let mut grouped: Vec<(String, Vec<String>)> = Vec::new();
    for (raw_key, value) in pairs {
        let key = raw_key.strip_suffix("[]").unwrap_or(raw_key);
        if !allowed.contains(&key) {
            return Err(QueryError::UnknownKey(key.to_owned()));
        }
        match grouped.iter_mut().find(|(k, _)| k == key) {
            Some((_, values)) => values.push(value.to_owned()),
            None => grouped.push((key.to_owned(), vec![value.to_owned()])),
        }
    }

    let mut filter = Filter::All;
    for (key, values) in grouped {
        let part = if values.len() == 1 {
            Filter::Cond(parse_value(&key, &values[0]))
        } else {
            parse_array(&key, &values)
        };
        filter = filter.and(part);
    }
    Ok(filter)
}

fn parse_value(field: &str, raw: &str) -> Condition {
    let (op, value) = if raw.is_empty() {
        (Op::Exists, Value::Null)
    } else if raw == "!" {
        (Op::NotExists, Value::Null)
    } else if let Some(rest) = raw.strip_prefix(">=") {
        (Op::Gte, rest.into())
    } else if let Some(rest) = raw.strip_prefix("<=") {
        (Op::Lte, rest.into())
    } else if let Some(rest) = raw.strip_prefix('>') {
        (Op::Gt, rest.into())
    } else if let Some(rest) = raw.strip_prefix('<') {
        (Op::Lt, rest.into())
    } else if let Some(rest) = raw.strip_prefix('!') {
        (Op::Ne, rest.into())
    } else if let Some(rest) = raw.strip_prefix('^') {
        (Op::StartsWith, rest.into())
    } else if let Some(rest) = raw.strip_prefix('$') {
        (Op::EndsWith, rest.into())
    } else if let Some(rest) = raw.strip_prefix('~') {
        (Op::Contains, rest.into())
    } else {
        (Op::Eq, raw.into())
    };
    Condition {
        field: field.to_owned(),
        op,
        value,
    }
}

/// Repeated values: plain ones mean "one of", `!`-prefixed ones "none of"; operator values
/// (`>x`, `^x`, ...) each add their own condition.
fn parse_array(field: &str, values: &[String]) -> Filter {
    let mut include = Vec::new();
    let mut exclude = Vec::new();
    let mut rest = Filter::All;
    for raw in values {
        let cond = parse_value(field, raw);
        match cond.op {
            Op::Eq => include.push(cond.value),
            Op::Ne => exclude.push(cond.value),
            _ => rest = rest.and(Filter::Cond(cond)),
        }
    }
    let mut filter = rest;
    if !include.is_empty() {
        filter = filter.and(Filter::cond(field, Op::In, Value::Array(include)));
    }
    if !exclude.is_empty() {
        filter = filter.and(Filter::cond(field, Op::NotIn, Value::Array(exclude)));
    }
    filter
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ALLOWED: &[&str] = &["peer", "status", "createdAt", "content.@type", "tags"];

    fn parse(pairs: &[(&str, &str)]) -> Filter {
        parse_query(pairs.iter().copied(), ALLOWED).expect("valid query")
    }

    #[test]
    fn every_operator_prefix() {
        let cases = [
            ("x", Op::Eq, json!("x")),
            ("!x", Op::Ne, json!("x")),
            ("", Op::Exists, Value::Null),
            ("!", Op::NotExists, Value::Null),
            (">1", Op::Gt, json!("1")),
            ("<1", Op::Lt, json!("1")),
            (">=1", Op::Gte, json!("1")),
            ("<=1", Op::Lte, json!("1")),
            ("^a", Op::StartsWith, json!("a")),
            ("$a", Op::EndsWith, json!("a")),
            ("~a", Op::Contains, json!("a")),
        ];
        for (raw, op, value) in cases {
            assert_eq!(
                parse(&[("peer", raw)]),
                Filter::cond("peer", op, value),
                "for {raw:?}"
            );
        }
    }

    #[test]
    fn repeated_keys_and_brackets_make_arrays() {
        let f = parse(&[
            ("status", "Active"),
            ("status[]", "Pending"),
            ("status", "!Rejected"),
        ]);
        assert_eq!(
            f,
            Filter::And(vec![
                Filter::cond("status", Op::In, json!(["Active", "Pending"])),
                Filter::cond("status", Op::NotIn, json!(["Rejected"])),
            ])
        );
    }

    #[test]
    fn dotted_keys_and_conjunction() {
        let f = parse(&[("content.@type", "Mail"), ("createdAt", ">2026")]);
        assert_eq!(
            f,
            Filter::And(vec![
                Filter::eq("content.@type", "Mail"),
                Filter::cond("createdAt", Op::Gt, "2026"),
            ])
        );
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let err = parse_query([("password", "x")], ALLOWED).unwrap_err();
        assert_eq!(err, QueryError::UnknownKey("password".into()));
    }

    #[test]
    fn empty_query_matches_all() {
        assert_eq!(parse(&[]), Filter::All);
    }
}
