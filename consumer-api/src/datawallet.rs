//! The datawallet (`/api/v2/Datawallet`): an identity's encrypted, append-only log of
//! modifications that its devices replicate; the Backbone only orders and stores it.

use crate::{Bytes, Timestamp};
use serde::{Deserialize, Serialize};
use wire::{DatawalletModificationId, DeviceId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ModificationType {
    Create,
    Update,
    Delete,
    CacheChanged,
}

/// A modification as a device pushes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewModification {
    pub object_identifier: String,
    #[serde(default)]
    pub payload_category: Option<String>,
    pub collection: String,
    #[serde(rename = "type")]
    pub kind: ModificationType,
    #[serde(default)]
    pub encrypted_payload: Option<Bytes>,
    pub datawallet_version: u16,
}

/// What the Backbone assigned to a pushed modification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedModification {
    pub id: DatawalletModificationId,
    pub index: i64,
    pub created_at: Timestamp,
}

/// A stored modification, as `GET /api/v2/Datawallet/Modifications` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Modification {
    pub id: DatawalletModificationId,
    pub index: i64,
    pub object_identifier: String,
    pub payload_category: Option<String>,
    pub created_at: Timestamp,
    pub created_by_device: DeviceId,
    pub collection: String,
    #[serde(rename = "type")]
    pub kind: ModificationType,
    pub encrypted_payload: Option<Bytes>,
    pub datawallet_version: u16,
}

/// `POST /api/v2/Datawallet/Modifications`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushModificationsRequest {
    #[serde(default)]
    pub local_index: Option<i64>,
    pub modifications: Vec<NewModification>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushedModifications {
    pub new_index: Option<i64>,
    pub modifications: Vec<CreatedModification>,
}

/// `GET /api/v2/Datawallet`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Datawallet {
    pub version: u16,
}
