//! The official runtime events: their names and typed views of their data.
//!
//! The typed structs name the fields modules usually need and keep every other field in
//! `rest`, so a module can forward the data unchanged (as webhooks do) or read it typed.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The official event names, shared with the Connector that emits them.
pub use runtime_types::events as names;

/// An event as a module receives it.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Position in the durable log; the same event may arrive twice, with the same `seq`.
    pub seq: u64,
    pub namespace: String,
    /// `None` for events without data.
    pub data: Option<Value>,
    pub correlation_id: Option<String>,
    pub occurred_at_ms: u64,
}

impl Event {
    /// The data as a typed DTO, e.g. `event.data_as::<Relationship>()`.
    pub fn data_as<T: for<'de> Deserialize<'de>>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(self.data.clone().unwrap_or(Value::Null))
    }

    /// The typed view of an official event, or `None` for other names.
    pub fn typed(&self) -> Option<Result<RuntimeEvent, serde_json::Error>> {
        RuntimeEvent::parse(self)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub enum RelationshipStatus {
    Pending,
    Active,
    Rejected,
    Revoked,
    Terminated,
    DeletionProposed,
    #[serde(other)]
    Other,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RelationshipAuditLogEntry {
    pub created_by: String,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(flatten)]
    pub rest: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Relationship {
    pub id: String,
    pub status: RelationshipStatus,
    pub peer: String,
    #[serde(default)]
    pub audit_log: Vec<RelationshipAuditLogEntry>,
    #[serde(flatten)]
    pub rest: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub id: String,
    pub created_by: String,
    #[serde(default)]
    pub content: Value,
    #[serde(flatten)]
    pub rest: Map<String, Value>,
}

/// Any DTO with an `id` (File, RelationshipTemplate, LocalRequest, LocalAttribute, …).
/// A `LocalAttributeDTO`: the fields modules usually read, the rest in `rest`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attribute {
    /// `OwnIdentityAttribute`, `PeerIdentityAttribute`, `OwnRelationshipAttribute`, …
    #[serde(rename = "@type")]
    pub kind: String,
    pub id: String,
    /// The attribute's content: `{"@type": "IdentityAttribute", "owner", "value": {...}}`.
    pub content: Value,
    #[serde(default)]
    pub peer: Option<String>,
    #[serde(flatten)]
    pub rest: Map<String, Value>,
}

/// `GET /api/core/v1/Account/IdentityInfo`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityInfo {
    pub address: String,
    pub public_key: String,
    #[serde(flatten)]
    pub rest: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub id: String,
    #[serde(flatten)]
    pub rest: Map<String, Value>,
}

/// The official events with typed data. Events this enum does not list stay untyped in
/// [`Event::data`].
#[derive(Debug, Clone, PartialEq)]
pub enum RuntimeEvent {
    MessageReceived(Message),
    MessageSent(Message),
    MessageDelivered(Message),
    MessageWasReadAtChanged(Message),
    RelationshipChanged(Relationship),
    RelationshipReactivationRequested(Relationship),
    RelationshipReactivationCompleted(Relationship),
    RelationshipDecomposedBySelf { relationship_id: String },
    PeerToBeDeleted(Relationship),
    PeerDeletionCancelled(Relationship),
    PeerDeleted(Relationship),
    PeerRelationshipTemplateLoaded(Record),
    RelationshipTemplateAllocationsExhausted(Record),
    IdentityDeletionProcessStatusChanged(Record),
    FileOwnershipClaimed(Record),
    FileOwnershipLocked(Record),
    DatawalletSynchronized,
    AttributeCreated(Record),
    AttributeDeleted(Record),
    AttributeSucceeded(Record),
    IncomingRequestReceived(Record),
    OutgoingRequestCreated(Record),
    OutgoingRequestCreatedAndCompleted(Record),
}

impl RuntimeEvent {
    pub fn parse(event: &Event) -> Option<Result<Self, serde_json::Error>> {
        use names::*;
        let ev = event;
        let parsed = match event.namespace.as_str() {
            MESSAGE_RECEIVED => ev.data_as().map(Self::MessageReceived),
            MESSAGE_SENT => ev.data_as().map(Self::MessageSent),
            MESSAGE_DELIVERED => ev.data_as().map(Self::MessageDelivered),
            MESSAGE_WAS_READ_AT_CHANGED => ev.data_as().map(Self::MessageWasReadAtChanged),
            RELATIONSHIP_CHANGED => ev.data_as().map(Self::RelationshipChanged),
            RELATIONSHIP_REACTIVATION_REQUESTED => {
                ev.data_as().map(Self::RelationshipReactivationRequested)
            }
            RELATIONSHIP_REACTIVATION_COMPLETED => {
                ev.data_as().map(Self::RelationshipReactivationCompleted)
            }
            RELATIONSHIP_DECOMPOSED_BY_SELF => {
                #[derive(Deserialize)]
                #[serde(rename_all = "camelCase")]
                struct Decomposed {
                    relationship_id: String,
                }
                ev.data_as::<Decomposed>()
                    .map(|d| Self::RelationshipDecomposedBySelf {
                        relationship_id: d.relationship_id,
                    })
            }
            PEER_TO_BE_DELETED => ev.data_as().map(Self::PeerToBeDeleted),
            PEER_DELETION_CANCELLED => ev.data_as().map(Self::PeerDeletionCancelled),
            PEER_DELETED => ev.data_as().map(Self::PeerDeleted),
            PEER_RELATIONSHIP_TEMPLATE_LOADED => {
                ev.data_as().map(Self::PeerRelationshipTemplateLoaded)
            }
            RELATIONSHIP_TEMPLATE_ALLOCATIONS_EXHAUSTED => ev
                .data_as()
                .map(Self::RelationshipTemplateAllocationsExhausted),
            IDENTITY_DELETION_PROCESS_STATUS_CHANGED => {
                ev.data_as().map(Self::IdentityDeletionProcessStatusChanged)
            }
            FILE_OWNERSHIP_CLAIMED => ev.data_as().map(Self::FileOwnershipClaimed),
            FILE_OWNERSHIP_LOCKED => ev.data_as().map(Self::FileOwnershipLocked),
            DATAWALLET_SYNCHRONIZED => Ok(Self::DatawalletSynchronized),
            ATTRIBUTE_CREATED => ev.data_as().map(Self::AttributeCreated),
            ATTRIBUTE_DELETED => ev.data_as().map(Self::AttributeDeleted),
            ATTRIBUTE_SUCCEEDED => ev.data_as().map(Self::AttributeSucceeded),
            INCOMING_REQUEST_RECEIVED => ev.data_as().map(Self::IncomingRequestReceived),
            OUTGOING_REQUEST_CREATED => ev.data_as().map(Self::OutgoingRequestCreated),
            OUTGOING_REQUEST_CREATED_AND_COMPLETED => {
                ev.data_as().map(Self::OutgoingRequestCreatedAndCompleted)
            }
            _ => return None,
        };
        Some(parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(namespace: &str, data: Value) -> Event {
        Event {
            seq: 1,
            namespace: namespace.into(),
            data: Some(data),
            correlation_id: None,
            occurred_at_ms: 0,
        }
    }

    #[test]
    fn relationship_changed_is_typed_and_keeps_other_fields() {
        let ev = event(
            names::RELATIONSHIP_CHANGED,
            json!({"id": "REL1", "status": "Pending", "peer": "did:e:x", "templateId": "RLT1",
                   "auditLog": [{"createdBy": "did:e:x", "reason": "Creation", "newStatus": "Pending"}]}),
        );
        let Some(Ok(RuntimeEvent::RelationshipChanged(rel))) = ev.typed() else {
            panic!("not typed")
        };
        assert_eq!(rel.status, RelationshipStatus::Pending);
        assert_eq!(rel.audit_log[0].created_by, "did:e:x");
        assert_eq!(rel.rest["templateId"], "RLT1");
    }

    #[test]
    fn malformed_data_is_an_error_not_a_panic() {
        let ev = event(names::RELATIONSHIP_CHANGED, json!({"id": 5}));
        assert!(matches!(ev.typed(), Some(Err(_))));
        assert!(event("custom.thing", json!({})).typed().is_none());
    }
}
