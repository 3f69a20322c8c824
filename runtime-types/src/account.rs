//! The Account routes' answers: `GetIdentityInfoResponse` (`IdentityInfo`) and `SyncInfo`, as
//! the runtime's use cases `GetIdentityInfo` and `GetSyncInfo` shape them.

use crate::CoreDate;
use serde::{Deserialize, Serialize};

/// `GET /Account/IdentityInfo`: the identity's address and its public key (base64url of the
/// key's JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct IdentityInfo {
    pub address: String,
    pub public_key: String,
}

/// `GET /Account/SyncInfo`: when the last sync and the last datawallet sync completed; each
/// is absent until it happened once.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct SyncInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_datawallet_sync: Option<CompletedAt>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_sync_run: Option<CompletedAt>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct CompletedAt {
    pub completed_at: CoreDate,
}
