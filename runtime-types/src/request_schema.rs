//! The runtime checks a request against its JSON schema before anything else and answers the
//! first failure as `error.runtime.validation.invalidPropertyValue` with the validator's words:
//! `must have required property 'reference'`, `must NOT have additional properties`,
//! `key must be string`. [`ObjectSchema::check`] finds the same first failure, in the
//! validator's order: the object's type, its required properties, unknown properties, then
//! each property in the schema's order.

use serde_json::Value;

/// What a property must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Any JSON value (`value: unknown`).
    Any,
    String,
    Boolean,
    /// A string matching the runtime's `AddressString` pattern.
    Address,
}

impl Kind {
    /// The validator's message for a wrong value, without the property's path.
    fn check(self, value: &Value) -> Result<(), String> {
        match (self, value) {
            (Self::Any, _) | (Self::Boolean, Value::Bool(_)) => Ok(()),
            (Self::String, Value::String(_)) => Ok(()),
            (Self::Address, Value::String(text)) => wire::Address::parse(text)
                .map(drop)
                .map_err(|_| format!("must match pattern {}", wire::address::PATTERN)),
            (Self::String | Self::Address, _) => Err("must be string".into()),
            (Self::Boolean, _) => Err("must be boolean".into()),
        }
    }
}

/// An object schema with `additionalProperties: false`.
#[derive(Debug, Clone, Copy)]
pub struct ObjectSchema {
    pub properties: &'static [(&'static str, Kind)],
    pub required: &'static [&'static str],
}

impl ObjectSchema {
    /// The first failure as the runtime words it, or `Ok`.
    pub fn check(&self, value: &Value) -> Result<(), String> {
        let Some(object) = value.as_object() else {
            return Err("must be object".into());
        };
        if let Some(missing) = self.required.iter().find(|r| !object.contains_key(**r)) {
            return Err(format!("must have required property '{missing}'"));
        }
        let known = |key: &String| self.properties.iter().any(|(name, _)| name == key);
        if !object.keys().all(known) {
            return Err("must NOT have additional properties".into());
        }
        for (name, kind) in self.properties {
            if let Some(value) = object.get(*name) {
                kind.check(value).map_err(|m| format!("{name} {m}"))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SCHEMA: ObjectSchema = ObjectSchema {
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
}
