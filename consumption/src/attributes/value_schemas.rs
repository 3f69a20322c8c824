//! The runtime checks an identity attribute's value against the JSON schema of its value type
//! before it parses it, and answers the first failure prefixed with the type
//! (`GivenName :: must NOT have additional properties`, `BirthDate :: day must be number`).
//! The schemas' facts (each type's properties with their JSON type or constant, and the
//! required ones) are in `data/identity_value_schemas.json`, extracted from the official
//! runtime's schemas by `data/extract_value_schemas.py`.

use runtime_types::request_schema::{Kind, ObjectSchema};
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::LazyLock;

#[derive(Deserialize)]
#[serde(untagged)]
enum Rule {
    Type(String),
    Const { r#const: String },
}

#[derive(Deserialize)]
struct ValueSchema {
    properties: Vec<(String, Rule)>,
    required: Vec<String>,
}

static SCHEMAS: LazyLock<HashMap<String, ValueSchema>> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../../data/identity_value_schemas.json"))
        .expect("the value schemas are valid JSON")
});

/// The first failure of `value` against its type's schema, as the runtime words it; `None`
/// for a valid value or a type without a schema (not an identity value type).
pub fn check(type_name: &str, value: &Value) -> Option<String> {
    let schema = SCHEMAS.get(type_name)?;
    let properties: Vec<(&str, Kind)> = schema
        .properties
        .iter()
        .map(|(name, rule)| {
            let kind = match rule {
                Rule::Const { r#const } => Kind::Const(r#const),
                Rule::Type(t) if t == "number" => Kind::Number,
                Rule::Type(t) if t == "boolean" => Kind::Boolean,
                Rule::Type(_) => Kind::String,
            };
            (name.as_str(), kind)
        })
        .collect();
    let required: Vec<&str> = schema.required.iter().map(String::as_str).collect();
    ObjectSchema {
        properties: &properties,
        required: &required,
    }
    .check(value)
    .err()
    .map(|message| format!("{type_name} :: {message}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_identity_value_type_has_a_schema() {
        for name in content::IDENTITY_VALUE_TYPES {
            assert!(SCHEMAS.contains_key(name), "{name}");
        }
    }

    #[test]
    fn failures_name_the_type() {
        assert_eq!(
            check("GivenName", &json!({"@type": "GivenName", "value": "A"})),
            None
        );
        assert_eq!(
            check("GivenName", &json!({"@type": "GivenName"})).as_deref(),
            Some("GivenName :: must have required property 'value'")
        );
        assert_eq!(
            check(
                "GivenName",
                &json!({"@type": "GivenName", "value": "A", "x": 1})
            )
            .as_deref(),
            Some("GivenName :: must NOT have additional properties")
        );
        assert_eq!(
            check(
                "BirthDate",
                &json!({"@type": "BirthDate", "day": "1", "month": 1, "year": 1990})
            )
            .as_deref(),
            Some("BirthDate :: day must be number")
        );
    }
}
