//! `/api/v2/Relationships`: the relationship status, the audit log with its reasons, the
//! transitions a participant may ask for, and the requests and answers of the routes.

use crate::{Bytes, Timestamp};
use serde::{Deserialize, Deserializer, Serialize};
use wire::Address;

/// A relationship's status on the Backbone. `ReadyForDeletion` exists only there: the identity
/// that decomposes second deletes its copy, so no runtime ever shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub enum RelationshipStatus {
    Pending,
    Active,
    Rejected,
    Revoked,
    Terminated,
    DeletionProposed,
    ReadyForDeletion,
}

impl RelationshipStatus {
    /// The statuses in which no second relationship between the same identities may start.
    pub fn blocks_new_relationship(self) -> bool {
        matches!(
            self,
            Self::Pending | Self::Active | Self::Terminated | Self::DeletionProposed
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Active => "Active",
            Self::Rejected => "Rejected",
            Self::Revoked => "Revoked",
            Self::Terminated => "Terminated",
            Self::DeletionProposed => "DeletionProposed",
            Self::ReadyForDeletion => "ReadyForDeletion",
        }
    }
}

/// Why an audit log entry was written; the runtime shows the same names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub enum AuditLogReason {
    Creation,
    AcceptanceOfCreation,
    RejectionOfCreation,
    RevocationOfCreation,
    Termination,
    ReactivationRequested,
    AcceptanceOfReactivation,
    RejectionOfReactivation,
    RevocationOfReactivation,
    Decomposition,
    DecompositionDueToIdentityDeletion,
}

/// One entry of a relationship's audit log as the Backbone keeps and returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditLogEntry {
    pub created_at: Timestamp,
    pub created_by: Address,
    #[serde(default)]
    pub created_by_device: Option<String>,
    pub reason: AuditLogReason,
    #[serde(default)]
    pub old_status: Option<RelationshipStatus>,
    pub new_status: RelationshipStatus,
}

/// A change a participant asks for, one per `PUT /api/v2/Relationships/{id}/...` route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transition {
    Accept,
    Reject,
    Revoke,
    Terminate,
    RequestReactivation,
    AcceptReactivation,
    RejectReactivation,
    RevokeReactivation,
    Decompose,
}

impl Transition {
    /// The route below `/api/v2/Relationships/{id}/`.
    pub fn path(self) -> &'static str {
        match self {
            Self::Accept => "Accept",
            Self::Reject => "Reject",
            Self::Revoke => "Revoke",
            Self::Terminate => "Terminate",
            Self::RequestReactivation => "Reactivate",
            Self::AcceptReactivation => "Reactivate/Accept",
            Self::RejectReactivation => "Reactivate/Reject",
            Self::RevokeReactivation => "Reactivate/Revoke",
            Self::Decompose => "Decompose",
        }
    }

    /// The audit log reason the transition writes.
    pub fn reason(self) -> AuditLogReason {
        match self {
            Self::Accept => AuditLogReason::AcceptanceOfCreation,
            Self::Reject => AuditLogReason::RejectionOfCreation,
            Self::Revoke => AuditLogReason::RevocationOfCreation,
            Self::Terminate => AuditLogReason::Termination,
            Self::RequestReactivation => AuditLogReason::ReactivationRequested,
            Self::AcceptReactivation => AuditLogReason::AcceptanceOfReactivation,
            Self::RejectReactivation => AuditLogReason::RejectionOfReactivation,
            Self::RevokeReactivation => AuditLogReason::RevocationOfReactivation,
            Self::Decompose => AuditLogReason::Decomposition,
        }
    }

    /// The statuses the transition starts from.
    pub fn allowed_from(self) -> &'static [RelationshipStatus] {
        use RelationshipStatus::*;
        match self {
            Self::Accept | Self::Reject | Self::Revoke => &[Pending],
            Self::Terminate => &[Active],
            Self::RequestReactivation
            | Self::AcceptReactivation
            | Self::RejectReactivation
            | Self::RevokeReactivation => &[Terminated],
            Self::Decompose => &[Rejected, Revoked, Terminated, DeletionProposed],
        }
    }
}

/// `POST /api/v2/Relationships`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateRelationshipRequest {
    pub relationship_template_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_content: Option<Bytes>,
}

/// The body of every `PUT /api/v2/Relationships/{id}/...`; only an acceptance carries content.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeRelationshipRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_response_content: Option<Bytes>,
}

/// `GET /api/v2/Relationships/CanCreate?peer=…`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CanCreateRelationshipAnswer {
    pub can_create: bool,
    #[serde(default)]
    pub code: Option<String>,
}

/// A relationship as the Backbone answers. The state-changing routes leave both contents out;
/// `GET` includes them, `null` when there is none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Relationship {
    pub id: String,
    #[serde(default)]
    pub relationship_template_id: Option<String>,
    pub from: Address,
    pub to: Address,
    pub created_at: Timestamp,
    pub status: RelationshipStatus,
    pub audit_log: Vec<AuditLogEntry>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub creation_content: Option<Option<Bytes>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub creation_response_content: Option<Option<Bytes>>,
}

impl Relationship {
    /// The other participant.
    pub fn peer_of(&self, address: &Address) -> &Address {
        if &self.from == address {
            &self.to
        } else {
            &self.from
        }
    }

    pub fn creation_content(&self) -> Option<&Bytes> {
        self.creation_content.as_ref().and_then(Option::as_ref)
    }

    pub fn creation_response_content(&self) -> Option<&Bytes> {
        self.creation_response_content
            .as_ref()
            .and_then(Option::as_ref)
    }
}

/// A field that is present, possibly as `null`: `Some(None)`; an absent one stays `None`
/// through `#[serde(default)]`.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<Bytes>>, D::Error> {
    Option::<Bytes>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(n: u8) -> Address {
        Address::derive(&wire::SignaturePublicKey::from_bytes([n; 32]), "localhost").unwrap()
    }

    #[test]
    fn contents_keep_absent_and_null_apart() {
        let metadata = Relationship {
            id: "RELaaaaaaaaaaaaaaaaa".into(),
            relationship_template_id: None,
            from: address(1),
            to: address(2),
            created_at: Timestamp::now(),
            status: RelationshipStatus::Active,
            audit_log: Vec::new(),
            creation_content: None,
            creation_response_content: None,
        };
        let mut written = serde_json::to_value(&metadata).unwrap();
        assert!(written.get("creationContent").is_none());
        let read: Relationship = serde_json::from_value(written.clone()).unwrap();
        assert_eq!(read.creation_content, None);

        written["creationContent"] = serde_json::Value::Null;
        written["creationResponseContent"] = "AQI".into();
        let full: Relationship = serde_json::from_value(written).unwrap();
        assert_eq!(full.creation_content, Some(None));
        assert_eq!(full.creation_response_content(), Some(&Bytes(vec![1, 2])));
        assert!(serde_json::to_value(&full).unwrap()["creationContent"].is_null());
        assert_eq!(full.peer_of(&address(1)), &address(2));
    }

    #[test]
    fn transitions_name_their_routes_and_reasons() {
        assert_eq!(Transition::AcceptReactivation.path(), "Reactivate/Accept");
        assert_eq!(
            Transition::RequestReactivation.reason(),
            AuditLogReason::ReactivationRequested
        );
        assert!(RelationshipStatus::Terminated.blocks_new_relationship());
        assert!(!RelationshipStatus::Rejected.blocks_new_relationship());
    }
}
