//! Announcements (`GET /api/v2/Announcements?language=`): notices the Backbone's operator
//! publishes to all identities, in the requested language.

use crate::Timestamp;
use serde::{Deserialize, Serialize};
use wire::AnnouncementId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AnnouncementSeverity {
    Low,
    Medium,
    High,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Announcement {
    pub id: AnnouncementId,
    pub created_at: Timestamp,
    #[serde(default)]
    pub expires_at: Option<Timestamp>,
    pub severity: AnnouncementSeverity,
    pub title: String,
    pub body: String,
    /// Who the announcement is for, as an IQL query; not part of the runtime's DTO.
    #[serde(default)]
    pub iql_query: Option<String>,
    #[serde(default)]
    pub actions: Vec<AnnouncementAction>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnnouncementAction {
    pub display_name: String,
    pub link: String,
}
