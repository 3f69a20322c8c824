//! Messages as the runtime shows them (`MessageDTO`, `MessageWithAttachmentsDTO`, `RecipientDTO`)
//! and the body of `POST /Messages` (`SendMessageRequest`), as in `@nmshd/runtime-types` 7.0.0.

use crate::CoreDate;
use crate::files::FileDto;
use serde::{Deserialize, Serialize};

/// A message's content as the runtime's mapper shows it: one of the message contents (by the
/// official rules) as it prints, anything else wrapped as `ArbitraryMessageContent`, so
/// nothing a peer sends is lost.
pub fn shown_content(content: serde_json::Value) -> serde_json::Value {
    match content::parse_message_content(&content) {
        Ok(parsed) => crate::printed(&parsed),
        Err(_) => serde_json::json!({"@type": "ArbitraryMessageContent", "value": content}),
    }
}

/// `RecipientDTO`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct RecipientDto {
    pub address: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_at: Option<CoreDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_by_device: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relationship_id: Option<String>,
}

/// `MessageDTO`: attachments as file ids.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct MessageDto {
    pub id: String,
    pub is_own: bool,
    /// Free-form by definition: a Mail, Request, ResponseWrapper, Notification or
    /// ArbitraryMessageContent in its JSON form.
    #[cfg_attr(feature = "schema", schema(value_type = Object))]
    pub content: serde_json::Value,
    pub created_by: String,
    pub created_by_device: String,
    pub recipients: Vec<RecipientDto>,
    pub created_at: CoreDate,
    pub attachments: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub was_read_at: Option<CoreDate>,
}

/// `MessageWithAttachmentsDTO`: `GET /Messages/{id}` shows the attached files themselves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct MessageWithAttachmentsDto {
    pub id: String,
    pub is_own: bool,
    /// Free-form by definition, as in [`MessageDto::content`].
    #[cfg_attr(feature = "schema", schema(value_type = Object))]
    pub content: serde_json::Value,
    pub created_by: String,
    pub created_by_device: String,
    pub recipients: Vec<RecipientDto>,
    pub created_at: CoreDate,
    pub attachments: Vec<FileDto>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub was_read_at: Option<CoreDate>,
}

impl MessageWithAttachmentsDto {
    pub fn new(message: MessageDto, attachments: Vec<FileDto>) -> Self {
        Self {
            id: message.id,
            is_own: message.is_own,
            content: message.content,
            created_by: message.created_by,
            created_by_device: message.created_by_device,
            recipients: message.recipients,
            created_at: message.created_at,
            attachments,
            was_read_at: message.was_read_at,
        }
    }
}

/// `SendMessageRequest`: recipients (at least one, each once), the content and the ids of
/// own or loaded files to attach.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct SendMessageRequest {
    pub recipients: Vec<String>,
    /// Free-form by definition; transport checks it against the runtime's content rules.
    #[cfg_attr(feature = "schema", schema(value_type = Object))]
    pub content: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<String>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn content_without_a_message_type_is_shown_wrapped() {
        for other in [
            json!({"text": "hi"}),
            json!({"@type": "JSONWrapper", "value": 1}),
            // A Mail the official rules refuse is kept as the peer sent it.
            json!({"@type": "Mail", "to": [], "subject": "s", "body": "b"}),
        ] {
            assert_eq!(
                shown_content(other.clone()),
                json!({"@type": "ArbitraryMessageContent", "value": other})
            );
        }
        // A valid Mail shows as it prints: `cc` always there.
        assert_eq!(
            shown_content(json!({"@type": "Mail", "to": ["x"], "subject": "s", "body": "b"})),
            json!({"@type": "Mail", "to": ["x"], "cc": [], "subject": "s", "body": "b"})
        );
    }
}
