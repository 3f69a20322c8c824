//! Sync runs and external events (`/api/v2/SyncRuns`): how an identity learns what happened
//! while it was away. [`ExternalEventPayload`] is the one list of event kinds with their typed
//! payloads; the local Backbone emits exactly these and transport dispatches on them.

use crate::Timestamp;
use crate::datawallet::{CreatedModification, NewModification};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use wire::{
    Address, DeviceId, ExternalEventId, FileId, IdentityDeletionProcessId, MessageId,
    RelationshipId, RelationshipTemplateId, SyncRunId, TokenId,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SyncRunType {
    ExternalEventSync,
    DatawalletVersionUpgrade,
}

/// `POST /api/v2/SyncRuns`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartSyncRunRequest {
    #[serde(rename = "type")]
    pub kind: SyncRunType,
    /// Seconds; the Backbone's default when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<u16>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StartSyncRunStatus {
    Created,
    NoNewEvents,
}

/// The answer to [`StartSyncRunRequest`]: `syncRun` is `null` with `NoNewEvents`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartedSyncRun {
    pub status: StartSyncRunStatus,
    pub sync_run: Option<SyncRun>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncRun {
    pub id: SyncRunId,
    #[serde(rename = "type")]
    pub kind: SyncRunType,
    pub expires_at: Timestamp,
    pub index: i64,
    pub created_at: Timestamp,
    pub created_by: Address,
    pub created_by_device: DeviceId,
    pub event_count: u32,
}

/// The name of an external event kind, as the Backbone writes it in `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ExternalEventType {
    MessageReceived,
    MessageDelivered,
    RelationshipStatusChanged,
    RelationshipReactivationRequested,
    RelationshipReactivationCompleted,
    IdentityDeletionProcessStarted,
    IdentityDeletionProcessStatusChanged,
    PeerToBeDeleted,
    PeerDeletionCancelled,
    PeerDeleted,
    TokenLocked,
    PeerFeatureFlagsChanged,
    RelationshipTemplateAllocationsExhausted,
    FileOwnershipLocked,
    FileOwnershipClaimed,
}

impl ExternalEventType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MessageReceived => "MessageReceived",
            Self::MessageDelivered => "MessageDelivered",
            Self::RelationshipStatusChanged => "RelationshipStatusChanged",
            Self::RelationshipReactivationRequested => "RelationshipReactivationRequested",
            Self::RelationshipReactivationCompleted => "RelationshipReactivationCompleted",
            Self::IdentityDeletionProcessStarted => "IdentityDeletionProcessStarted",
            Self::IdentityDeletionProcessStatusChanged => "IdentityDeletionProcessStatusChanged",
            Self::PeerToBeDeleted => "PeerToBeDeleted",
            Self::PeerDeletionCancelled => "PeerDeletionCancelled",
            Self::PeerDeleted => "PeerDeleted",
            Self::TokenLocked => "TokenLocked",
            Self::PeerFeatureFlagsChanged => "PeerFeatureFlagsChanged",
            Self::RelationshipTemplateAllocationsExhausted => {
                "RelationshipTemplateAllocationsExhausted"
            }
            Self::FileOwnershipLocked => "FileOwnershipLocked",
            Self::FileOwnershipClaimed => "FileOwnershipClaimed",
        }
    }
}

impl std::fmt::Display for ExternalEventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `{id}` of `MessageReceived` and `MessageDelivered`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessagePayload {
    pub id: MessageId,
}

/// `{relationshipId}` of the relationship events and of `PeerDeletionCancelled`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RelationshipPayload {
    pub relationship_id: RelationshipId,
}

/// `{deletionProcessId}` of the owner's own deletion process events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeletionProcessPayload {
    pub deletion_process_id: IdentityDeletionProcessId,
}

/// `{relationshipId, deletionDate}` of `PeerToBeDeleted` and `PeerDeleted`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PeerDeletionPayload {
    pub relationship_id: RelationshipId,
    pub deletion_date: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenPayload {
    pub token_id: TokenId,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PeerFeatureFlagsPayload {
    pub peer_address: Address,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RelationshipTemplatePayload {
    pub relationship_template_id: RelationshipTemplateId,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FilePayload {
    pub file_id: FileId,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileOwnershipClaimedPayload {
    pub file_id: FileId,
    pub new_owner_address: Address,
}

/// An external event's kind with its payload; on the wire `{"type": …, "payload": {…}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "payload")]
pub enum ExternalEventPayload {
    MessageReceived(MessagePayload),
    /// To the sender, when a recipient has fetched the message.
    MessageDelivered(MessagePayload),
    RelationshipStatusChanged(RelationshipPayload),
    RelationshipReactivationRequested(RelationshipPayload),
    RelationshipReactivationCompleted(RelationshipPayload),
    IdentityDeletionProcessStarted(DeletionProcessPayload),
    IdentityDeletionProcessStatusChanged(DeletionProcessPayload),
    PeerToBeDeleted(PeerDeletionPayload),
    PeerDeletionCancelled(RelationshipPayload),
    PeerDeleted(PeerDeletionPayload),
    TokenLocked(TokenPayload),
    PeerFeatureFlagsChanged(PeerFeatureFlagsPayload),
    RelationshipTemplateAllocationsExhausted(RelationshipTemplatePayload),
    FileOwnershipLocked(FilePayload),
    FileOwnershipClaimed(FileOwnershipClaimedPayload),
    /// A kind this version does not know, or a known kind whose payload does not read; kept
    /// as it came so the client can report it for this one event rather than fail the run.
    #[serde(skip)]
    Unreadable(UnreadableEvent),
}

#[derive(Debug, Clone, PartialEq)]
pub struct UnreadableEvent {
    pub kind: String,
    pub payload: Value,
    pub reason: String,
}

impl ExternalEventPayload {
    /// The kind, `None` for an unreadable event.
    pub fn kind(&self) -> Option<ExternalEventType> {
        use ExternalEventType as T;
        Some(match self {
            Self::MessageReceived(_) => T::MessageReceived,
            Self::MessageDelivered(_) => T::MessageDelivered,
            Self::RelationshipStatusChanged(_) => T::RelationshipStatusChanged,
            Self::RelationshipReactivationRequested(_) => T::RelationshipReactivationRequested,
            Self::RelationshipReactivationCompleted(_) => T::RelationshipReactivationCompleted,
            Self::IdentityDeletionProcessStarted(_) => T::IdentityDeletionProcessStarted,
            Self::IdentityDeletionProcessStatusChanged(_) => {
                T::IdentityDeletionProcessStatusChanged
            }
            Self::PeerToBeDeleted(_) => T::PeerToBeDeleted,
            Self::PeerDeletionCancelled(_) => T::PeerDeletionCancelled,
            Self::PeerDeleted(_) => T::PeerDeleted,
            Self::TokenLocked(_) => T::TokenLocked,
            Self::PeerFeatureFlagsChanged(_) => T::PeerFeatureFlagsChanged,
            Self::RelationshipTemplateAllocationsExhausted(_) => {
                T::RelationshipTemplateAllocationsExhausted
            }
            Self::FileOwnershipLocked(_) => T::FileOwnershipLocked,
            Self::FileOwnershipClaimed(_) => T::FileOwnershipClaimed,
            Self::Unreadable(_) => return None,
        })
    }

    /// The `type` string as on the wire.
    pub fn type_name(&self) -> &str {
        match self {
            Self::Unreadable(u) => &u.kind,
            other => other.kind().map_or("", ExternalEventType::as_str),
        }
    }

    /// Splits into the `type` string and the `payload` object, the form events are stored in.
    pub fn into_parts(self) -> (String, Value) {
        if let Self::Unreadable(u) = self {
            return (u.kind, u.payload);
        }
        let kind = self.type_name().to_owned();
        // A derived adjacently tagged enum of plain structs always serialises.
        let mut tagged = serde_json::to_value(&self).unwrap_or(Value::Null);
        let payload = tagged
            .get_mut("payload")
            .map(Value::take)
            .unwrap_or(Value::Null);
        (kind, payload)
    }

    /// Joins a `type` and a `payload`; what does not read becomes [`Self::Unreadable`].
    pub fn from_parts(kind: &str, payload: Value) -> Self {
        let tagged = serde_json::json!({ "type": kind, "payload": payload });
        match serde_json::from_value::<Self>(tagged) {
            Ok(event) => event,
            Err(e) => Self::Unreadable(UnreadableEvent {
                kind: kind.to_owned(),
                payload,
                reason: e.to_string(),
            }),
        }
    }
}

/// One event of a sync run, as `GET /api/v2/SyncRuns/{id}/ExternalEvents` lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct ExternalEvent {
    pub id: ExternalEventId,
    pub index: i64,
    pub created_at: Timestamp,
    pub sync_error_count: u8,
    pub event: ExternalEventPayload,
}

/// The wire form of [`ExternalEvent`], with the payload still untyped.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawExternalEvent {
    id: ExternalEventId,
    #[serde(rename = "type")]
    kind: String,
    index: i64,
    created_at: Timestamp,
    sync_error_count: u8,
    #[serde(default)]
    payload: Value,
}

impl Serialize for ExternalEvent {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (kind, payload) = self.event.clone().into_parts();
        RawExternalEvent {
            id: self.id.clone(),
            kind,
            index: self.index,
            created_at: self.created_at,
            sync_error_count: self.sync_error_count,
            payload,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for ExternalEvent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = RawExternalEvent::deserialize(d)?;
        Ok(Self {
            id: raw.id,
            index: raw.index,
            created_at: raw.created_at,
            sync_error_count: raw.sync_error_count,
            event: ExternalEventPayload::from_parts(&raw.kind, raw.payload),
        })
    }
}

/// The outcome of one event: no `errorCode` acknowledges it, one sends it back for a retry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalEventResult {
    pub external_event_id: ExternalEventId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
}

/// `PUT /api/v2/SyncRuns/{id}/FinalizeExternalEventSync`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FinalizeExternalEventSyncRequest {
    #[serde(default)]
    pub external_event_results: Vec<ExternalEventResult>,
    #[serde(default)]
    pub datawallet_modifications: Vec<NewModification>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FinalizedExternalEventSync {
    pub new_datawallet_modification_index: Option<i64>,
    pub datawallet_modifications: Vec<CreatedModification>,
    pub new_unsynced_external_events_exist: bool,
}

/// `PUT /api/v2/SyncRuns/{id}/FinalizeDatawalletVersionUpgrade`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FinalizeDatawalletVersionUpgradeRequest {
    pub new_datawallet_version: u16,
    #[serde(default)]
    pub datawallet_modifications: Vec<NewModification>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FinalizedDatawalletVersionUpgrade {
    pub new_datawallet_modification_index: Option<i64>,
    pub datawallet_modifications: Vec<CreatedModification>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn events_read_and_write_the_backbone_form() {
        let wire = json!({
            "id": "SYIaaaaaaaaaaaaaaaaa", "type": "PeerToBeDeleted", "index": 3,
            "createdAt": "2026-01-02T03:04:05.678Z", "syncErrorCount": 1,
            "payload": {"relationshipId": "RELaaaaaaaaaaaaaaaaa", "deletionDate": "2026-02-01T00:00:00.000Z"}
        });
        let event: ExternalEvent = serde_json::from_value(wire.clone()).unwrap();
        let ExternalEventPayload::PeerToBeDeleted(p) = &event.event else {
            panic!("{event:?}")
        };
        assert_eq!(p.relationship_id.as_str(), "RELaaaaaaaaaaaaaaaaa");
        assert_eq!(event.event.kind(), Some(ExternalEventType::PeerToBeDeleted));
        assert_eq!(serde_json::to_value(&event).unwrap(), wire);
    }

    #[test]
    fn unknown_kinds_and_bad_payloads_stay_readable() {
        let unknown: ExternalEvent = serde_json::from_value(json!({
            "id": "SYIaaaaaaaaaaaaaaaaa", "type": "SomethingNew", "index": 0,
            "createdAt": "2026-01-02T03:04:05.678Z", "syncErrorCount": 0, "payload": {"x": 1}
        }))
        .unwrap();
        assert_eq!(unknown.event.kind(), None);
        assert_eq!(unknown.event.type_name(), "SomethingNew");
        let bad = ExternalEventPayload::from_parts("MessageReceived", json!({"id": "nope"}));
        let ExternalEventPayload::Unreadable(u) = &bad else {
            panic!("{bad:?}")
        };
        assert!(u.reason.contains("MSG"), "{}", u.reason);
        assert_eq!(
            bad.into_parts(),
            ("MessageReceived".into(), json!({"id": "nope"}))
        );
    }

    #[test]
    fn every_kind_round_trips_through_its_parts() {
        let message = MessagePayload {
            id: MessageId::generate().unwrap(),
        };
        let event = ExternalEventPayload::MessageDelivered(message);
        let (kind, payload) = event.clone().into_parts();
        assert_eq!(kind, "MessageDelivered");
        assert_eq!(ExternalEventPayload::from_parts(&kind, payload), event);
    }
}
