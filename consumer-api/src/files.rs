//! `/api/v2/Files`: the upload's form fields, a file's metadata, and the ownership-token
//! answers. The blob itself travels as bytes (multipart part `content`, download body).

use crate::{Bytes, Timestamp};
use serde::{Deserialize, Serialize};
use wire::Address;

/// The multipart part that carries the encrypted blob of `POST /api/v2/Files`.
pub const CONTENT_PART: &str = "content";

/// The text fields of `POST /api/v2/Files` next to the `content` part. `owner` is sent by
/// the official transport and ignored by the Backbone.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadFields {
    pub cipher_hash: Bytes,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Address>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_signature: Option<Bytes>,
    pub expires_at: Timestamp,
    pub encrypted_properties: Bytes,
}

impl UploadFields {
    /// The fields as multipart text parts, in the order the official transport sends them.
    pub fn to_parts(&self) -> Vec<(&'static str, String)> {
        let mut parts = vec![("cipherHash", self.cipher_hash.encode())];
        if let Some(owner) = &self.owner {
            parts.push(("owner", owner.to_string()));
        }
        if let Some(signature) = &self.owner_signature {
            parts.push(("ownerSignature", signature.encode()));
        }
        parts.push(("expiresAt", self.expires_at.to_string()));
        parts.push(("encryptedProperties", self.encrypted_properties.encode()));
        parts
    }
}

/// A file as the Backbone shows it: the upload answer carries the ownership token and no
/// properties, `GET /api/v2/Files/{id}/Metadata` the properties and the lock state.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct File {
    pub id: String,
    pub created_at: Timestamp,
    pub created_by: Address,
    pub created_by_device: String,
    pub modified_at: Timestamp,
    pub modified_by: Address,
    pub modified_by_device: String,
    #[serde(default)]
    pub deleted_at: Option<Timestamp>,
    #[serde(default)]
    pub deleted_by: Option<Address>,
    #[serde(default)]
    pub deleted_by_device: Option<String>,
    pub owner: Address,
    #[serde(default)]
    pub owner_signature: Option<Bytes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ownership_token: Option<String>,
    pub cipher_size: usize,
    pub cipher_hash: Bytes,
    pub expires_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encrypted_properties: Option<Bytes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ownership_is_locked: Option<bool>,
}

/// `PATCH /api/v2/Files/{id}/ClaimOwnership` and `POST …/ValidateOwnershipToken`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OwnershipTokenRequest {
    pub ownership_token: String,
}

/// The answer of `RegenerateOwnershipToken` and `ClaimOwnership`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewOwnershipToken {
    pub new_ownership_token: String,
}

/// The answer of `ValidateOwnershipToken`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OwnershipTokenValidity {
    pub is_valid: bool,
}

/// The payload of `FileOwnershipLocked` (to the owner) and `FileOwnershipClaimed` (to the
/// previous owner, with the new one).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileOwnershipPayload {
    pub file_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_owner_address: Option<Address>,
}
