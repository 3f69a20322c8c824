//! `RelationshipTemplateDTO` and its content (`RelationshipTemplateContent` or
//! `ArbitraryRelationshipTemplateContent`, wrapped as the runtime wraps anything else), and
//! the bodies of the `/RelationshipTemplates` routes.

use crate::CoreDate;
use crate::content_types::{self, ContentError};
pub use crate::password_protection::{PasswordProtectionDto, PasswordProtectionRequest};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `{truncated, url}`: how a shareable object is referenced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct ObjectReferenceDto {
    pub truncated: String,
    pub url: String,
}

/// `RelationshipTemplateContent`: what an App user is asked when loading the template. The
/// Requests are the consumption layer's; their own rules are checked there, so here they stay
/// free-form JSON objects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct RelationshipTemplateContent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Free-form by definition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    /// A `Request` (free-form until the consumption layer types it).
    pub on_new_relationship: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_existing_relationship: Option<Value>,
}

/// `Arbitrary…Content`: any JSON value, free-form by definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct ArbitraryContent {
    pub value: Value,
}

/// A template's content as the runtime shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "@type")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub enum RelationshipTemplateContentDerivation {
    RelationshipTemplateContent(RelationshipTemplateContent),
    ArbitraryRelationshipTemplateContent(ArbitraryContent),
}

const NOT_A_TEMPLATE_CONTENT: &str = "The content of a RelationshipTemplate must either be a RelationshipTemplateContent or an ArbitraryRelationshipTemplateContent.";

/// The required fields of a `Request` a template carries; its items are checked by the
/// consumption layer.
fn check_request(request: &Value) -> Result<(), ContentError> {
    if !request.is_object() {
        return Err(ContentError::Deserialization(
            "Request :: Value is not an object".to_owned(),
        ));
    }
    content_types::defined(request, "Request", "items").map(|_| ())
}

impl RelationshipTemplateContentDerivation {
    /// The check of `POST /RelationshipTemplates/Own`: the content must be one of the two
    /// template contents, with their required values.
    pub fn parse(content: &Value) -> Result<Self, ContentError> {
        content_types::check_known_type(content)?;
        match content_types::type_of(content) {
            Some("RelationshipTemplateContent") => {
                const CLASS: &str = "RelationshipTemplateContent";
                check_request(content_types::defined(content, CLASS, "onNewRelationship")?)?;
                if let Some(existing) = content
                    .get("onExistingRelationship")
                    .filter(|v| !v.is_null())
                {
                    check_request(existing)?;
                }
                if content
                    .get("title")
                    .is_some_and(|t| !t.is_null() && !t.is_string())
                {
                    return Err(ContentError::Deserialization(format!(
                        "{CLASS}.title :: Value is not a string"
                    )));
                }
                serde_json::from_value(content.clone())
                    .map_err(|e| ContentError::Deserialization(format!("{CLASS} :: {e}")))
            }
            Some("ArbitraryRelationshipTemplateContent") => {
                let value = content_types::defined(
                    content,
                    "ArbitraryRelationshipTemplateContent",
                    "value",
                )?;
                Ok(Self::ArbitraryRelationshipTemplateContent(
                    ArbitraryContent {
                        value: value.clone(),
                    },
                ))
            }
            _ => Err(ContentError::NotAllowed(NOT_A_TEMPLATE_CONTENT)),
        }
    }

    /// Any stored or received content as the runtime maps it: one of the two template
    /// contents as it is, anything else wrapped as `ArbitraryRelationshipTemplateContent`.
    pub fn wrap(content: Value) -> Self {
        match Self::parse(&content) {
            Ok(parsed) => parsed,
            Err(_) => {
                Self::ArbitraryRelationshipTemplateContent(ArbitraryContent { value: content })
            }
        }
    }
}

/// `RelationshipTemplateDTO`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct RelationshipTemplateDto {
    pub id: String,
    pub is_own: bool,
    pub created_by: String,
    pub created_by_device: String,
    pub created_at: CoreDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_identity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_protection: Option<PasswordProtectionDto>,
    pub content: RelationshipTemplateContentDerivation,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<CoreDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_number_of_allocations: Option<u32>,
    pub reference: ObjectReferenceDto,
}

/// The body of `POST /RelationshipTemplates/Own`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct CreateOwnRelationshipTemplateRequest {
    /// An ISO 8601 date-time in the future; checked by transport for the runtime's messages.
    pub expires_at: String,
    /// Free-form here: the runtime checks it after the request's shape
    /// ([`RelationshipTemplateContentDerivation::parse`]).
    pub content: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_number_of_allocations: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_identity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_protection: Option<PasswordProtectionRequest>,
}

/// The body of `POST /RelationshipTemplates/Peer`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct LoadPeerRelationshipTemplateRequest {
    /// A template or token reference, truncated or as URL.
    pub reference: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

/// The body of `POST /RelationshipTemplates/Own/{id}/Token`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct CreateTokenForOwnRelationshipTemplateRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ephemeral: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_identity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_protection: Option<PasswordProtectionRequest>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_the_two_template_contents_with_their_values_pass() {
        let arbitrary = json!({"@type": "ArbitraryRelationshipTemplateContent", "value": {"a": 1}});
        assert_eq!(
            serde_json::to_value(RelationshipTemplateContentDerivation::parse(&arbitrary).unwrap())
                .unwrap(),
            arbitrary
        );
        let missing = json!({"@type": "ArbitraryRelationshipTemplateContent"});
        let error = RelationshipTemplateContentDerivation::parse(&missing).unwrap_err();
        assert_eq!(error.code(), "error.runtime.requestDeserialization");
        assert_eq!(
            error.message(),
            "ArbitraryRelationshipTemplateContent.value :: Value is not defined"
        );
        let no_request = json!({"@type": "RelationshipTemplateContent", "title": "t"});
        assert_eq!(
            RelationshipTemplateContentDerivation::parse(&no_request)
                .unwrap_err()
                .message(),
            "RelationshipTemplateContent.onNewRelationship :: Value is not defined"
        );
        let unknown = json!({"@type": "Nonsense", "value": 1});
        assert_eq!(
            RelationshipTemplateContentDerivation::parse(&unknown)
                .unwrap_err()
                .code(),
            "error.runtime.unknownType"
        );
        for other in [json!({"a": 1}), json!({"@type": "Mail"}), json!("text")] {
            assert_eq!(
                RelationshipTemplateContentDerivation::parse(&other).unwrap_err(),
                ContentError::NotAllowed(NOT_A_TEMPLATE_CONTENT)
            );
        }
    }

    #[test]
    fn anything_else_is_wrapped() {
        let wrapped = RelationshipTemplateContentDerivation::wrap(json!({"from": "peer"}));
        assert_eq!(
            serde_json::to_value(wrapped).unwrap(),
            json!({"@type": "ArbitraryRelationshipTemplateContent", "value": {"from": "peer"}})
        );
        let full =
            json!({"@type": "RelationshipTemplateContent", "onNewRelationship": {"items": []}});
        assert_eq!(
            serde_json::to_value(RelationshipTemplateContentDerivation::wrap(full.clone()))
                .unwrap(),
            full
        );
    }
}
