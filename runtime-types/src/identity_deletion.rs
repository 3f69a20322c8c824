//! Identity deletion processes: `IdentityDeletionProcessDTO` and its status.

use crate::CoreDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub enum IdentityDeletionProcessStatus {
    Active,
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct IdentityDeletionProcessDto {
    pub id: String,
    pub status: IdentityDeletionProcessStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<CoreDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by_device: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grace_period_ends_at: Option<CoreDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancelled_at: Option<CoreDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancelled_by_device: Option<String>,
}
