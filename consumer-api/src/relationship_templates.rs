//! `/api/v2/RelationshipTemplates`: creating a template, the template as the Backbone answers
//! (its content stays the creator's cipher), and the creation answer.

use crate::{Bytes, Timestamp};
use serde::{Deserialize, Serialize};
use wire::Address;

/// `POST /api/v2/RelationshipTemplates`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateRelationshipTemplateRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_number_of_allocations: Option<u32>,
    /// Kept as text: the Backbone answers a malformed address with its own validation error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_identity: Option<String>,
    /// The password's Argon2id hash, never the password itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<Bytes>,
    pub content: Bytes,
}

/// The answer to a creation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedRelationshipTemplate {
    pub id: String,
    pub created_at: Timestamp,
}

/// A template as `GET /api/v2/RelationshipTemplates[/{id}]` answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RelationshipTemplate {
    pub id: String,
    pub created_by: Address,
    pub created_by_device: String,
    #[serde(default)]
    pub max_number_of_allocations: Option<u32>,
    #[serde(default)]
    pub for_identity: Option<Address>,
    #[serde(default)]
    pub expires_at: Option<Timestamp>,
    pub content: Bytes,
    pub created_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_leaves_out_what_is_not_set() {
        let request = CreateRelationshipTemplateRequest {
            expires_at: None,
            max_number_of_allocations: Some(1),
            for_identity: None,
            password: None,
            content: Bytes(vec![1, 2, 3]),
        };
        let written = serde_json::to_value(&request).unwrap();
        assert_eq!(
            written,
            serde_json::json!({"maxNumberOfAllocations": 1, "content": "AQID"})
        );
        let read: CreateRelationshipTemplateRequest = serde_json::from_value(written).unwrap();
        assert_eq!(read, request);
    }
}
