//! Announcements: `AnnouncementDTO` with its severity and actions.

use crate::CoreDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub enum AnnouncementSeverity {
    Low,
    Medium,
    High,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct AnnouncementDto {
    pub id: String,
    pub created_at: CoreDate,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<CoreDate>,
    pub severity: AnnouncementSeverity,
    pub title: String,
    pub body: String,
    pub actions: Vec<AnnouncementActionDto>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct AnnouncementActionDto {
    pub display_name: String,
    pub link: String,
}
