//! Identities (`/api/v2/Identities`): creation with the first device, the deletion check, and
//! the identity's own deletion processes.

use crate::Timestamp;
use crate::challenges::SignedChallenge;
use serde::{Deserialize, Serialize};
use wire::{Address, DeviceId, IdentityDeletionProcessId, Username};

/// `POST /api/v2/Identities`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateIdentityRequest {
    pub client_id: String,
    pub client_secret: String,
    /// b64u of the public key's JSON.
    pub identity_public_key: String,
    pub device_password: String,
    pub identity_version: u8,
    pub signed_challenge: SignedChallenge,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_communication_language: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedIdentity {
    pub address: Address,
    pub created_at: Timestamp,
    pub device: CreatedDevice,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedDevice {
    pub id: DeviceId,
    pub username: Username,
    pub created_at: Timestamp,
}

/// `GET /api/v2/Identities/IsDeleted?username=`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IsDeleted {
    pub is_deleted: bool,
    pub deletion_date: Option<Timestamp>,
}

/// A deletion process runs (`Active`) through its grace period unless cancelled; then the
/// Backbone deletes the identity (`Deleting`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeletionProcessStatus {
    Active,
    Cancelled,
    Deleting,
    /// What Backbones before v7 call a running process.
    Approved,
}

/// `POST /api/v2/Identities/Self/DeletionProcesses`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartDeletionProcessRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length_of_grace_period_in_days: Option<u32>,
}

/// A deletion process as the Backbone answers it (started, read, listed or cancelled).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeletionProcess {
    pub id: IdentityDeletionProcessId,
    pub status: DeletionProcessStatus,
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    #[serde(default)]
    pub created_by_device: Option<DeviceId>,
    /// Kept by the Backbone for older clients: the same as `createdAt`.
    #[serde(default)]
    pub approved_at: Option<Timestamp>,
    /// Kept by the Backbone for older clients: the same as `createdByDevice`.
    #[serde(default)]
    pub approved_by_device: Option<DeviceId>,
    #[serde(default)]
    pub grace_period_ends_at: Option<Timestamp>,
    #[serde(default)]
    pub cancelled_at: Option<Timestamp>,
    #[serde(default)]
    pub cancelled_by_device: Option<DeviceId>,
}
