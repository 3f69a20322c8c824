//! `RelationshipDTO` with its audit log, peer identity and creation content
//! (`RelationshipCreationContent` or `ArbitraryRelationshipCreationContent`, wrapped as the
//! runtime wraps anything else), `CanCreateRelationshipResponse`, and the bodies of the
//! `/Relationships` routes.

use crate::relationship_templates::ArbitraryContent;
use crate::{CoreDate, printed};
use consumer_api::relationships::{AuditLogEntry, RelationshipStatus as BackboneStatus};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The audit log reasons are the Backbone's, under the runtime's name.
pub use consumer_api::relationships::AuditLogReason as RelationshipAuditLogEntryReason;

/// `RelationshipStatus` as the runtime knows it: the Backbone's `ReadyForDeletion` never
/// reaches a runtime (the second decomposer deletes its copy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub enum RelationshipStatus {
    Pending,
    Active,
    Rejected,
    Revoked,
    Terminated,
    DeletionProposed,
}

impl From<BackboneStatus> for RelationshipStatus {
    fn from(status: BackboneStatus) -> Self {
        match status {
            BackboneStatus::Pending => Self::Pending,
            BackboneStatus::Active => Self::Active,
            BackboneStatus::Rejected => Self::Rejected,
            BackboneStatus::Revoked => Self::Revoked,
            BackboneStatus::Terminated => Self::Terminated,
            BackboneStatus::DeletionProposed | BackboneStatus::ReadyForDeletion => {
                Self::DeletionProposed
            }
        }
    }
}

impl RelationshipStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Active => "Active",
            Self::Rejected => "Rejected",
            Self::Revoked => "Revoked",
            Self::Terminated => "Terminated",
            Self::DeletionProposed => "DeletionProposed",
        }
    }

    /// The statuses in which no second relationship to the same peer may start.
    pub fn blocks_new_relationship(self) -> bool {
        matches!(
            self,
            Self::Pending | Self::Active | Self::Terminated | Self::DeletionProposed
        )
    }
}

/// `RelationshipAuditLogEntryDTO`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct RelationshipAuditLogEntryDto {
    pub created_at: CoreDate,
    pub created_by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by_device: Option<String>,
    pub reason: RelationshipAuditLogEntryReason,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_status: Option<RelationshipStatus>,
    pub new_status: RelationshipStatus,
}

impl From<&AuditLogEntry> for RelationshipAuditLogEntryDto {
    fn from(e: &AuditLogEntry) -> Self {
        Self {
            created_at: e.created_at,
            created_by: e.created_by.to_string(),
            created_by_device: e.created_by_device.clone(),
            reason: e.reason,
            old_status: e.old_status.map(Into::into),
            new_status: e.new_status.into(),
        }
    }
}

impl RelationshipAuditLogEntryDto {
    /// The Backbone's audit log as the runtime shows it: only its keys, oldest entry first
    /// (a stable sort, so entries of the same millisecond keep the Backbone's order).
    pub fn log(entries: &[AuditLogEntry]) -> Vec<Self> {
        let mut log: Vec<Self> = entries.iter().map(Self::from).collect();
        log.sort_by_key(|e| e.created_at);
        log
    }
}

/// `IdentityDTO`: an address and its public key (base64 of the key's JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct IdentityDto {
    pub address: String,
    pub public_key: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub enum PeerDeletionStatus {
    ToBeDeleted,
    Deleted,
}

/// `PeerDeletionInfoDTO`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct PeerDeletionInfoDto {
    pub deletion_status: PeerDeletionStatus,
    pub deletion_date: CoreDate,
}

/// `RelationshipCreationContent`: the Response to the template's Request, checked by the
/// `content` crate and shown in its printed JSON form (no `@type`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct RelationshipCreationContent {
    pub response: Value,
}

/// A relationship's creation content as the runtime shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "@type")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub enum RelationshipCreationContentDerivation {
    RelationshipCreationContent(RelationshipCreationContent),
    ArbitraryRelationshipCreationContent(ArbitraryContent),
}

impl From<content::CreationContent> for RelationshipCreationContentDerivation {
    /// Checked creation content in the form the runtime prints it.
    fn from(parsed: content::CreationContent) -> Self {
        use content::CreationContent as C;
        match parsed {
            C::RelationshipCreationContent(c) => {
                Self::RelationshipCreationContent(RelationshipCreationContent {
                    response: printed(&c.response),
                })
            }
            C::ArbitraryRelationshipCreationContent(c) => {
                Self::ArbitraryRelationshipCreationContent(ArbitraryContent { value: c.value })
            }
        }
    }
}

impl RelationshipCreationContentDerivation {
    /// Any sent or received creation content as the runtime maps it: one of the two creation
    /// contents (by the official rules) as it prints, anything else wrapped as
    /// `ArbitraryRelationshipCreationContent`, so nothing a peer sends is lost.
    pub fn wrap(content: Value) -> Self {
        match content::parse_creation_content(&content) {
            Ok(parsed) => parsed.into(),
            Err(_) => {
                Self::ArbitraryRelationshipCreationContent(ArbitraryContent { value: content })
            }
        }
    }
}

/// `RelationshipDTO`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct RelationshipDto {
    pub id: String,
    pub template_id: String,
    pub status: RelationshipStatus,
    pub peer: String,
    pub peer_identity: IdentityDto,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer_deletion_info: Option<PeerDeletionInfoDto>,
    pub creation_content: RelationshipCreationContentDerivation,
    pub audit_log: Vec<RelationshipAuditLogEntryDto>,
}

/// `CanCreateRelationshipResponse`: `{isSuccess: true}` or `{isSuccess: false, code, message}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct CanCreateRelationshipResponse {
    pub is_success: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl CanCreateRelationshipResponse {
    pub fn success() -> Self {
        Self {
            is_success: true,
            code: None,
            message: None,
        }
    }

    pub fn failure(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            is_success: false,
            code: Some(code.into()),
            message: Some(message.into()),
        }
    }
}

/// The body of `PUT /Relationships/CanCreate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct CanCreateRelationshipRequest {
    pub template_id: String,
    /// Free-form here: checked against the template with the `content` crate's rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_content: Option<Value>,
}

/// The body of `POST /Relationships`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct CreateRelationshipRequest {
    pub template_id: String,
    /// Free-form here: checked against the template with the `content` crate's rules.
    pub creation_content: Value,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn creation_content_is_wrapped_unless_it_is_one_of_the_two() {
        let plain = RelationshipCreationContentDerivation::wrap(json!({"from": "connector"}));
        assert_eq!(
            serde_json::to_value(plain).unwrap(),
            json!({"@type": "ArbitraryRelationshipCreationContent", "value": {"from": "connector"}})
        );
        let arbitrary = json!({"@type": "ArbitraryRelationshipCreationContent", "value": 1});
        assert_eq!(
            serde_json::to_value(RelationshipCreationContentDerivation::wrap(
                arbitrary.clone()
            ))
            .unwrap(),
            arbitrary
        );
        // A Response that breaks the official rules is kept, wrapped.
        let broken = json!({"@type": "RelationshipCreationContent", "response": {"items": []}});
        assert_eq!(
            serde_json::to_value(RelationshipCreationContentDerivation::wrap(broken.clone()))
                .unwrap(),
            json!({"@type": "ArbitraryRelationshipCreationContent", "value": broken})
        );
    }

    #[test]
    fn the_audit_log_is_sorted_and_shows_only_the_runtimes_keys() {
        let later: AuditLogEntry = serde_json::from_value(json!({
            "createdAt": "2026-11-28T01:13:47.000Z", "createdBy": address_of(1),
            "createdByDevice": null, "reason": "AcceptanceOfCreation",
            "oldStatus": "Pending", "newStatus": "Active", "id": "RALxxxxxxxxxxxxxxxxx"
        }))
        .unwrap();
        let earlier: AuditLogEntry = serde_json::from_value(json!({
            "createdAt": "2026-11-28T02:13:46+02:00", "createdBy": address_of(2),
            "createdByDevice": "DVCxxxxxxxxxxxxxxxxx", "reason": "Creation",
            "oldStatus": null, "newStatus": "Pending"
        }))
        .unwrap();
        let log = RelationshipAuditLogEntryDto::log(&[later, earlier]);
        assert_eq!(
            serde_json::to_value(&log).unwrap(),
            json!([
                {"createdAt": "2026-11-28T00:13:46.000Z", "createdBy": address_of(2),
                 "createdByDevice": "DVCxxxxxxxxxxxxxxxxx", "reason": "Creation", "newStatus": "Pending"},
                {"createdAt": "2026-11-28T01:13:47.000Z", "createdBy": address_of(1),
                 "reason": "AcceptanceOfCreation", "oldStatus": "Pending", "newStatus": "Active"}
            ])
        );
    }

    /// Valid addresses (format and checksum), as `wire` checks them when an entry is read.
    fn address_of(n: u8) -> &'static str {
        [
            "did:e:localhost:dids:1a0e7e5d7f24c7c6b6e8bc",
            "did:e:localhost:dids:2b1f8f6e8035d8d7c7f9c3",
        ][usize::from(n - 1)]
    }
}
