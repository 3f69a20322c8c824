//! `RelationshipTemplateDTO` and its content (`RelationshipTemplateContent` or
//! `ArbitraryRelationshipTemplateContent`, wrapped as the runtime wraps anything else), and
//! the bodies of the `/RelationshipTemplates` routes.

pub use crate::password_protection::{PasswordProtectionDto, PasswordProtectionRequest};
pub use crate::reference::ReferenceDto;
use crate::{CoreDate, printed};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `RelationshipTemplateContent`: what an App user is asked when loading the template. The
/// Requests are checked by the `content` crate; the DTO shows them in their printed JSON form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct RelationshipTemplateContent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Free-form by definition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    /// A `Request` as the official library prints it (no `@type`).
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

impl From<content::TemplateContent> for RelationshipTemplateContentDerivation {
    /// Checked template content in the form the runtime prints it.
    fn from(parsed: content::TemplateContent) -> Self {
        use content::TemplateContent as C;
        match parsed {
            C::RelationshipTemplateContent(c) => {
                Self::RelationshipTemplateContent(RelationshipTemplateContent {
                    title: c.title,
                    metadata: c.metadata,
                    on_new_relationship: printed(&c.on_new_relationship),
                    on_existing_relationship: c.on_existing_relationship.as_ref().map(printed),
                })
            }
            C::ArbitraryRelationshipTemplateContent(c) => {
                Self::ArbitraryRelationshipTemplateContent(ArbitraryContent { value: c.value })
            }
        }
    }
}

impl RelationshipTemplateContentDerivation {
    /// Any stored or received content as the runtime's mapper shows it: one of the two
    /// template contents (by the official rules) as it prints, anything else wrapped as
    /// `ArbitraryRelationshipTemplateContent`, so nothing a peer sends is lost.
    pub fn wrap(content: Value) -> Self {
        match content::parse_template_content(&content) {
            Ok(parsed) => parsed.into(),
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
    pub reference: ReferenceDto,
}

/// The body of `POST /RelationshipTemplates/Own`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct CreateOwnRelationshipTemplateRequest {
    /// An ISO 8601 date-time in the future; checked by transport for the runtime's messages.
    pub expires_at: String,
    /// Free-form here: the runtime checks it after the request's shape, with the `content`
    /// crate's rules.
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
pub type CreateTokenForOwnRelationshipTemplateRequest = crate::tokens::CreateTokenForObjectRequest;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn template_contents_show_as_they_print() {
        let arbitrary = json!({"@type": "ArbitraryRelationshipTemplateContent", "value": {"a": 1}});
        assert_eq!(
            serde_json::to_value(RelationshipTemplateContentDerivation::wrap(
                arbitrary.clone()
            ))
            .unwrap(),
            arbitrary
        );
        // The nested Request prints without `@type`, its items with theirs.
        let full = json!({"@type": "RelationshipTemplateContent", "title": "t", "onNewRelationship": {"@type": "Request", "items": [{"@type": "AuthenticationRequestItem", "mustBeAccepted": true, "title": "a"}]}});
        assert_eq!(
            serde_json::to_value(RelationshipTemplateContentDerivation::wrap(full)).unwrap(),
            json!({"@type": "RelationshipTemplateContent", "title": "t", "onNewRelationship": {"items": [{"@type": "AuthenticationRequestItem", "mustBeAccepted": true, "title": "a"}]}})
        );
    }

    #[test]
    fn anything_else_is_wrapped() {
        for other in [
            json!({"from": "peer"}),
            json!({"@type": "RelationshipTemplateContent", "title": "no request"}),
            json!({"@type": "Mail"}),
            json!("text"),
        ] {
            assert_eq!(
                serde_json::to_value(RelationshipTemplateContentDerivation::wrap(other.clone()))
                    .unwrap(),
                json!({"@type": "ArbitraryRelationshipTemplateContent", "value": other})
            );
        }
    }
}
