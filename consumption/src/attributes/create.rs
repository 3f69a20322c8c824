//! Creating an own identity attribute (`POST /Attributes`) and asking whether one could be
//! created (`PUT /Attributes/CanCreate`), in the runtime's order: the request's schema, the
//! value type, the value type's schema, the duplicate check on the trimmed value, the content
//! rules, then forbidden characters and tags.

use super::{COLLECTION, OWN_IDENTITY, characters, stored, value_schemas};
use crate::{Consumption, Error, Result};
use runtime_types::attributes::{CanCreateOwnIdentityAttributeResponse, LocalAttributeDto};
use runtime_types::events;
use runtime_types::request_schema::{Kind, ObjectSchema};
use serde_json::{Map, Value, json};
use store::{Filter, FindOptions, Op};
use transport::Change;

const CONTENT_SCHEMA: ObjectSchema<'static> = ObjectSchema {
    properties: &[("value", Kind::Any), ("tags", Kind::Strings)],
    required: &["value"],
};

/// `CreateOwnIdentityAttributeRequest` and `CanCreateOwnIdentityAttributeRequest`.
const REQUEST_SCHEMA: ObjectSchema<'static> = ObjectSchema {
    properties: &[("content", Kind::Object(&CONTENT_SCHEMA))],
    required: &["content"],
};

const WRONG_VALUE_TYPE: &str = "content.value.@type must match one of the allowed Attribute value types for IdentityAttributes";

/// A request that passed the checks up to the content rules.
struct Checked {
    /// The value with its top-level strings trimmed.
    value: Value,
    tags: Option<Vec<String>>,
}

/// What stops a creation, split as `CanCreate` reports it: refusals of the request's shape
/// are errors there too, everything about the value is `isSuccess: false`.
enum Refusal {
    Request(Error),
    Value { code: String, message: String },
}

impl Refusal {
    fn value(code: &str, message: impl Into<String>) -> Self {
        Self::Value {
            code: code.to_owned(),
            message: message.into(),
        }
    }

    fn into_error(self) -> Error {
        match self {
            Self::Request(e) => e,
            Self::Value { code, message } => Error::Invalid {
                code: intern(&code),
                message,
            },
        }
    }
}

/// Codes come from a closed set of the runtime's; they are kept as `'static` strings.
fn intern(code: &str) -> &'static str {
    const CODES: &[&str] = &[
        "error.runtime.validation.invalidPropertyValue",
        "error.runtime.requestDeserialization",
        "error.runtime.unknownType",
        "error.runtime.servalError",
        "error.runtime.unknown",
        "error.runtime.attributes.cannotCreateDuplicateOwnIdentityAttribute",
        "error.consumption.attributes.invalidTags",
        "error.consumption.attributes.forbiddenCharactersInAttribute",
    ];
    CODES
        .iter()
        .find(|c| **c == code)
        .copied()
        .unwrap_or("error.runtime.unknown")
}

/// JavaScript's `trim()` on every top-level string entry of the value.
pub(crate) fn trimmed(value: &Value) -> Value {
    match value {
        Value::Object(entries) => Value::Object(
            entries
                .iter()
                .map(|(k, v)| {
                    let v = match v {
                        Value::String(s) => Value::String(s.trim().to_owned()),
                        other => other.clone(),
                    };
                    (k.clone(), v)
                })
                .collect::<Map<String, Value>>(),
        ),
        other => other.clone(),
    }
}

/// A `CoreError`'s text as the runtime reports it: `<code>: '<reason>' at <time>`.
pub(crate) fn core_text(code: &str, reason: &str) -> String {
    format!("{code}: '{reason}' at {}", runtime_types::CoreDate::now())
}

/// A thrown `CoreError`, with its code and its text.
pub(crate) fn core_error(code: &'static str, reason: &str) -> Error {
    Error::rule(code, core_text(code, reason))
}

impl Consumption {
    /// The checks both routes share, up to and including the content rules. Returns the
    /// parsed attribute content.
    async fn check_own_identity_attribute(
        &self,
        body: &Value,
    ) -> std::result::Result<(Checked, content::IdentityAttribute), Refusal> {
        REQUEST_SCHEMA
            .check(body)
            .map_err(|m| Refusal::Request(Error::invalid(m)))?;
        let request = &body["content"];
        let value = &request["value"];
        let type_name = value.get("@type").and_then(Value::as_str).unwrap_or("");
        if !content::IDENTITY_VALUE_TYPES.contains(&type_name) {
            return Err(Refusal::value(
                "error.runtime.validation.invalidPropertyValue",
                WRONG_VALUE_TYPE,
            ));
        }
        if let Some(message) = value_schemas::check(type_name, value) {
            return Err(Refusal::value(
                "error.runtime.validation.invalidPropertyValue",
                message,
            ));
        }
        let tags: Option<Vec<String>> = request.get("tags").and_then(Value::as_array).map(|t| {
            t.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        });
        let checked = Checked {
            value: trimmed(value),
            tags,
        };
        if let Some(duplicate) = self
            .own_identity_attribute_with_value(&checked.value)
            .await
            .map_err(Refusal::Request)?
        {
            return Err(Refusal::value(
                "error.runtime.attributes.cannotCreateDuplicateOwnIdentityAttribute",
                format!(
                    "The OwnIdentityAttribute cannot be created because it has the same content.value as the already existing OwnIdentityAttribute with id '{duplicate}'."
                ),
            ));
        }
        let mut json = json!({"owner": self.transport.address().as_str(), "value": checked.value});
        if let Some(tags) = &checked.tags {
            json["tags"] = json!(tags);
        }
        let attribute = content::parse_identity_attribute(&json)
            .map_err(|e| Refusal::value(e.code(), e.message))?;
        Ok((checked, attribute))
    }

    /// The id of the latest own identity attribute whose value equals `value` (tags do not
    /// count), if there is one.
    pub(crate) async fn own_identity_attribute_with_value(
        &self,
        value: &Value,
    ) -> Result<Option<String>> {
        let type_name = value.get("@type").cloned().unwrap_or(Value::Null);
        let filter = Filter::eq("@type", OWN_IDENTITY.as_str())
            .and(Filter::cond("succeededBy", Op::NotExists, Value::Null))
            .and(Filter::eq("content.value.@type", type_name));
        let docs = self
            .transport
            .store()
            .find(COLLECTION, &filter, &FindOptions::default())
            .await?;
        Ok(docs
            .iter()
            .find(|doc| doc["content"]["value"] == *value)
            .and_then(|doc| doc["id"].as_str())
            .map(str::to_owned))
    }

    /// `PUT /Attributes/CanCreate`.
    pub async fn can_create_own_identity_attribute(
        &self,
        body: &Value,
    ) -> Result<CanCreateOwnIdentityAttributeResponse> {
        match self.check_own_identity_attribute(body).await {
            Ok((checked, attribute)) => {
                if let Some(tags) = &checked.tags
                    && let Err(e) = self.validate_tags(attribute.value.type_name(), tags).await
                {
                    return Ok(CanCreateOwnIdentityAttributeResponse::failure(
                        e.code(),
                        e.to_string(),
                    ));
                }
                Ok(CanCreateOwnIdentityAttributeResponse::success())
            }
            Err(Refusal::Request(e)) => Err(e),
            Err(Refusal::Value { code, message }) => {
                // The content rules' own codes are reported as shape violations here.
                let code = if code == "error.runtime.requestDeserialization" {
                    "error.runtime.validation.invalidPropertyValue".to_owned()
                } else {
                    code
                };
                Ok(CanCreateOwnIdentityAttributeResponse::failure(
                    code, message,
                ))
            }
        }
    }

    /// `POST /Attributes`.
    pub async fn create_own_identity_attribute(&self, body: &Value) -> Result<LocalAttributeDto> {
        let (checked, attribute) = self
            .check_own_identity_attribute(body)
            .await
            .map_err(Refusal::into_error)?;
        let value_json =
            serde_json::to_value(&attribute.value).map_err(|e| Error::Internal(e.to_string()))?;
        if !characters::allowed(&value_json, &[]) {
            return Err(core_error(
                "error.consumption.attributes.forbiddenCharactersInAttribute",
                "The Attribute contains forbidden characters.",
            ));
        }
        if let Some(tags) = &checked.tags {
            self.validate_tags(attribute.value.type_name(), tags)
                .await?;
        }
        let dto = LocalAttributeDto {
            kind: OWN_IDENTITY,
            id: wire::AnyId::generate("ATT")?.to_string(),
            created_at: runtime_types::CoreDate::now(),
            content: content::Attribute::IdentityAttribute(attribute),
            succeeds: None,
            succeeded_by: None,
            was_viewed_at: None,
            is_default: None,
            peer: None,
            source_reference: None,
            deletion_info: None,
            initial_attribute_peer: None,
            number_of_forwards: Some(0),
        };
        let mut change = Change::new();
        change.put(COLLECTION, &stored(&dto)?)?;
        change.event(events::ATTRIBUTE_CREATED, &dto)?;
        self.transport.commit(change).await?;
        Ok(dto)
    }
}
