//! IdentityMetadata as the runtime shows it (`IdentityMetadataDTO`) and the body and query of
//! the `/IdentityMetadata` routes: a JSON value the Connector keeps about itself or a peer,
//! under an optional key, and never sends anywhere.

use crate::request_schema::{Kind, ObjectSchema};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use wire::Address;

/// `IdentityMetadataDTO`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct IdentityMetadataDto {
    pub reference: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Any JSON value, free-form by definition.
    pub value: Value,
}

/// The body of `PUT /IdentityMetadata` (`UpsertIdentityMetadataRequest`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct UpsertIdentityMetadataRequest {
    #[cfg_attr(feature = "schema", schema(value_type = String))]
    pub reference: Address,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Any JSON value, free-form by definition.
    pub value: Value,
}

const UPSERT_SCHEMA: ObjectSchema<'static> = ObjectSchema {
    properties: &[
        ("reference", Kind::Address),
        ("key", Kind::String),
        ("value", Kind::Any),
    ],
    required: &["reference", "value"],
};

const QUERY_SCHEMA: ObjectSchema<'static> = ObjectSchema {
    properties: &[("reference", Kind::Address), ("key", Kind::String)],
    required: &["reference"],
};

impl UpsertIdentityMetadataRequest {
    /// Reads the body after the runtime's schema check; `Err` is the schema's message.
    pub fn parse(body: Value) -> Result<Self, String> {
        UPSERT_SCHEMA.check(&body)?;
        serde_json::from_value(body).map_err(|e| e.to_string())
    }
}

/// The query of `GET` and `DELETE /IdentityMetadata` (`reference`, `key?`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdentityMetadataQuery {
    pub reference: Address,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

impl IdentityMetadataQuery {
    /// Reads the query's `reference` and `key` (other keys are not the route's) after the
    /// runtime's schema check. A key given twice is an array, as Express reads it, and so
    /// not a string.
    pub fn parse(pairs: &[(String, String)]) -> Result<Self, String> {
        let mut object = serde_json::Map::new();
        for name in ["reference", "key"] {
            let values: Vec<&String> = pairs
                .iter()
                .filter(|(k, _)| k == name)
                .map(|(_, v)| v)
                .collect();
            match values.as_slice() {
                [] => {}
                [one] => {
                    object.insert(name.into(), Value::String((*one).clone()));
                }
                many => {
                    object.insert(name.into(), many.iter().map(|v| v.as_str()).collect());
                }
            }
        }
        let object = Value::Object(object);
        QUERY_SCHEMA.check(&object)?;
        serde_json::from_value(object).map_err(|e| e.to_string())
    }
}
