//! Tokens on the Consumer API (`/api/v2/Tokens`): the create and update requests, the answer
//! to a create and the token a read returns. `content` and `password` are the Backbone's
//! `byte[]` (a cipher, an Argon2id hash); the Backbone never sees plaintext.

use crate::{Bytes, Timestamp};
use serde::{Deserialize, Serialize};
use wire::{Address, TokenId};

/// `POST /api/v2/Tokens`. Creating works anonymously too (an empty token for onboarding).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateTokenRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<Bytes>,
    pub expires_at: Timestamp,
    /// Kept as text: a malformed address is the Backbone's own validation error
    /// (`forIdentity`), not a shape error of the whole body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_identity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<Bytes>,
}

/// The answer to a create: the id the Backbone chose and its creation time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateTokenResponse {
    pub id: TokenId,
    pub created_at: Timestamp,
}

/// `GET /api/v2/Tokens/{id}` (and the items of `GET /api/v2/Tokens`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Token {
    pub id: TokenId,
    /// Empty for a token created anonymously and not filled in yet.
    pub created_by: Option<Address>,
    pub created_by_device: Option<String>,
    pub for_identity: Option<Address>,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    /// Absent where the answer leaves the content out (after an update); `null` for a token
    /// without content yet.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "present_or_null"
    )]
    pub content: Option<Option<Bytes>>,
    pub is_password_protected: bool,
}

/// `/api/v2/Tokens/{id}/UpdateContent`: fills in a token created without content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateTokenContentRequest {
    pub new_content: Bytes,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<Bytes>,
}

/// The `tokenId` of the `TokenLocked` external event the creator receives when too many wrong
/// passwords locked its token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenLockedPayload {
    pub token_id: TokenId,
}

/// A field that may be absent (outer `None`), `null` (`Some(None)`) or a value.
mod present_or_null {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(
        value: &Option<Option<T>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(inner) => inner.serialize(s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn content_absent_null_and_present_stay_apart() {
        let base = json!({
            "id": "TOKabcdefghijklmnopq", "createdBy": null, "createdByDevice": null,
            "forIdentity": null, "createdAt": "2026-11-28T01:13:46.122Z",
            "expiresAt": "2026-11-29T01:13:46.122Z", "isPasswordProtected": false
        });
        let absent: Token = serde_json::from_value(base.clone()).unwrap();
        assert_eq!(absent.content, None);
        assert!(
            serde_json::to_value(&absent)
                .unwrap()
                .get("content")
                .is_none()
        );

        let mut with_null = base.clone();
        with_null["content"] = json!(null);
        let null: Token = serde_json::from_value(with_null.clone()).unwrap();
        assert_eq!(null.content, Some(None));
        assert_eq!(serde_json::to_value(&null).unwrap(), with_null);

        let mut with_bytes = base;
        with_bytes["content"] = json!("AQID");
        let bytes: Token = serde_json::from_value(with_bytes.clone()).unwrap();
        assert_eq!(bytes.content, Some(Some(Bytes(vec![1, 2, 3]))));
        assert_eq!(serde_json::to_value(&bytes).unwrap(), with_bytes);
    }
}
