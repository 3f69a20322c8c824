//! The runtime checks a request against its JSON schema before anything else and answers the
//! first failure as `error.runtime.validation.invalidPropertyValue` with the validator's words:
//! `must have required property 'reference'`, `must NOT have additional properties`,
//! `key must be string`, `content/tags/0 must be string`. [`ObjectSchema::check`] finds the
//! same first failure, in the validator's order: the object's type, its required properties,
//! unknown properties, then each property in the schema's order.

use serde_json::Value;

/// What a property must be.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind<'a> {
    /// Any JSON value (`value: unknown`).
    Any,
    String,
    Number,
    Boolean,
    /// A string matching the runtime's `AddressString` pattern.
    Address,
    /// A string matching a `PREFIX[A-Za-z0-9]{17}` id pattern.
    Id(&'a str),
    /// Exactly this string (`const`).
    Const(&'a str),
    /// An array of strings.
    Strings,
    /// A nested object with its own schema.
    Object(&'a ObjectSchema<'a>),
}

impl Kind<'_> {
    /// The validator's first failure at `path` (`content/tags/0`), as `{path} {message}`.
    fn check(self, path: &str, value: &Value) -> Result<(), String> {
        let fail = |message: &str| Err(format!("{path} {message}"));
        match (self, value) {
            (Self::Any, _)
            | (Self::Boolean, Value::Bool(_))
            | (Self::String, Value::String(_))
            | (Self::Number, Value::Number(_)) => Ok(()),
            (Self::Address, Value::String(text)) => match wire::Address::parse(text) {
                Ok(_) => Ok(()),
                Err(_) => fail(&format!("must match pattern {}", wire::address::PATTERN)),
            },
            (Self::Id(prefix), Value::String(text)) => {
                let ok = text.len() == prefix.len() + 17
                    && text.starts_with(prefix)
                    && text.bytes().all(|b| b.is_ascii_alphanumeric());
                if ok {
                    Ok(())
                } else {
                    fail(&format!("must match pattern {prefix}[A-Za-z0-9]{{17}}"))
                }
            }
            (Self::Const(expected), Value::String(text)) if text == expected => Ok(()),
            (Self::Const(_), Value::String(_)) => fail("must be equal to constant"),
            (Self::Strings, Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    Kind::String.check(&format!("{path}/{i}"), item)?;
                }
                Ok(())
            }
            (Self::Object(schema), _) => schema.check_at(path, value),
            (Self::String | Self::Address | Self::Id(_) | Self::Const(_), _) => {
                fail("must be string")
            }
            (Self::Number, _) => fail("must be number"),
            (Self::Boolean, _) => fail("must be boolean"),
            (Self::Strings, _) => fail("must be array"),
        }
    }
}

/// An object schema with `additionalProperties: false`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ObjectSchema<'a> {
    pub properties: &'a [(&'a str, Kind<'a>)],
    pub required: &'a [&'a str],
}

impl ObjectSchema<'_> {
    /// The first failure as the runtime words it, or `Ok`.
    pub fn check(&self, value: &Value) -> Result<(), String> {
        self.check_at("", value)
    }

    fn check_at(&self, path: &str, value: &Value) -> Result<(), String> {
        let fail = |message: String| Err(format!("{path} {message}").trim_start().to_owned());
        let Some(object) = value.as_object() else {
            return fail("must be object".into());
        };
        if let Some(missing) = self.required.iter().find(|r| !object.contains_key(**r)) {
            return fail(format!("must have required property '{missing}'"));
        }
        let known = |key: &String| self.properties.iter().any(|(name, _)| name == key);
        if !object.keys().all(known) {
            return fail("must NOT have additional properties".into());
        }
        for (name, kind) in self.properties {
            if let Some(value) = object.get(*name) {
                let at = if path.is_empty() {
                    (*name).to_owned()
                } else {
                    format!("{path}/{name}")
                };
                kind.check(&at, value)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SCHEMA: ObjectSchema<'static> = ObjectSchema {
        properties: &[
            ("reference", Kind::Address),
            ("key", Kind::String),
            ("value", Kind::Any),
        ],
        required: &["reference", "value"],
    };

    #[test]
    fn the_first_failure_in_the_validators_order() {
        let cases = [
            (json!([]), "must be object"),
            (json!({"key": 1}), "must have required property 'reference'"),
            (
                json!({"reference": 1, "extra": true}),
                "must have required property 'value'",
            ),
            (
                json!({"reference": 1, "value": 1, "extra": true}),
                "must NOT have additional properties",
            ),
            (
                json!({"reference": 1, "key": 1, "value": 1}),
                "reference must be string",
            ),
            (
                json!({"reference": "x", "value": 1}),
                "reference must match pattern did:e:((([A-Za-z0-9]+(-[A-Za-z0-9]+)*)\\.)+[a-z]{2,}|localhost):dids:[0-9a-f]{22}",
            ),
        ];
        for (input, message) in cases {
            assert_eq!(SCHEMA.check(&input).unwrap_err(), message, "{input}");
        }
        let address =
            wire::Address::derive(&wire::SignaturePublicKey::from_bytes([7; 32]), "localhost")
                .unwrap();
        assert_eq!(
            SCHEMA.check(&json!({"reference": address.as_str(), "key": 5, "value": null})),
            Err("key must be string".into())
        );
        assert_eq!(
            SCHEMA.check(&json!({"reference": address.as_str(), "value": null})),
            Ok(())
        );
    }

    #[test]
    fn nested_objects_arrays_and_constants_name_their_path() {
        const CONTENT: ObjectSchema<'static> = ObjectSchema {
            properties: &[("value", Kind::Any), ("tags", Kind::Strings)],
            required: &["value"],
        };
        const REQUEST: ObjectSchema<'static> = ObjectSchema {
            properties: &[("content", Kind::Object(&CONTENT)), ("id", Kind::Id("ATT"))],
            required: &["content"],
        };
        const VALUE: ObjectSchema<'static> = ObjectSchema {
            properties: &[("@type", Kind::Const("BirthDate")), ("day", Kind::Number)],
            required: &["@type", "day"],
        };
        let cases = [
            (json!({"content": 1}), "content must be object"),
            (
                json!({"content": {}}),
                "content must have required property 'value'",
            ),
            (
                json!({"content": {"value": 1, "x": 1}}),
                "content must NOT have additional properties",
            ),
            (
                json!({"content": {"value": 1, "tags": "a"}}),
                "content/tags must be array",
            ),
            (
                json!({"content": {"value": 1, "tags": ["a", 2]}}),
                "content/tags/1 must be string",
            ),
            (
                json!({"content": {"value": 1}, "id": "ATT1"}),
                "id must match pattern ATT[A-Za-z0-9]{17}",
            ),
        ];
        for (input, message) in cases {
            assert_eq!(REQUEST.check(&input).unwrap_err(), message, "{input}");
        }
        assert_eq!(
            REQUEST
                .check(&json!({"content": {"value": 1, "tags": []}, "id": "ATTabcdefghij0123456"})),
            Ok(())
        );
        assert_eq!(
            VALUE
                .check(&json!({"@type": "GivenName", "day": 1}))
                .unwrap_err(),
            "@type must be equal to constant"
        );
        assert_eq!(
            VALUE
                .check(&json!({"@type": "BirthDate", "day": "1"}))
                .unwrap_err(),
            "day must be number"
        );
    }
}
