//! Sync with the Backbone: pull external events in sync runs, process each one and
//! acknowledge them.
//!
//! Idempotent across crashes: an event's effects (the message, the relationship change, the
//! file) are written in one batch together with a marker in `ProcessedExternalEvents`. An
//! event that comes back after a crash between that batch and the Backbone's finalisation
//! finds its marker and is only acknowledged again: nothing is lost (the Backbone re-delivers
//! until finalised) and nothing is duplicated (the marker), and its event is published once.

use crate::Transport;
use crate::change::Change;
use crate::error::{Result, TransportError};
use crate::events;
use crate::util::{self, str_field};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;
use store::Write;

pub const SYNC_INFO: &str = "SyncInfo";
pub const PROCESSED: &str = "ProcessedExternalEvents";
const LAST_SYNC_RUN: &str = "lastSyncRun";
/// How long to wait for a run of our own that a crash left open; the Backbone expires runs
/// after about ten seconds.
const BUSY_RETRIES: u32 = 30;

impl Transport {
    /// `POST /Account/Sync`: runs until the Backbone has no unsynced events for us.
    pub async fn sync_everything(&self) -> Result<()> {
        let _guard = self.sync_lock.lock().await;
        loop {
            let Some(run) = self.start_sync_run().await? else {
                break;
            };
            let run_id = str_field(&run, "id")?.to_owned();
            let events: Vec<Value> = self
                .backbone
                .get_all(&format!("/api/v2/SyncRuns/{run_id}/ExternalEvents"))
                .await?;
            let mut results = Vec::new();
            for event in &events {
                let event_id = str_field(event, "id")?;
                match self.process_event(event).await {
                    Ok(()) => results.push(json!({"externalEventId": event_id})),
                    Err(e) => {
                        tracing::warn!(
                            event = event_id,
                            code = e.code(),
                            error = %e,
                            "external event failed"
                        );
                        results.push(json!({"externalEventId": event_id, "errorCode": e.code()}));
                    }
                }
            }
            let finalized: Value = self
                .backbone
                .call(
                    Method::PUT,
                    &format!("/api/v2/SyncRuns/{run_id}/FinalizeExternalEventSync"),
                    &json!({"externalEventResults": results, "datawalletModifications": []}),
                )
                .await?;
            if finalized.get("newUnsyncedExternalEventsExist") != Some(&json!(true)) {
                break;
            }
        }
        self.store
            .put(
                SYNC_INFO,
                json!({"id": LAST_SYNC_RUN, "completedAt": util::now()}),
            )
            .await?;
        Ok(())
    }

    async fn start_sync_run(&self) -> Result<Option<Value>> {
        for _ in 0..BUSY_RETRIES {
            let started = self
                .backbone
                .call::<Value>(
                    Method::POST,
                    "/api/v2/SyncRuns",
                    &json!({"type": "ExternalEventSync"}),
                )
                .await;
            match started {
                Ok(answer) => {
                    return Ok(answer.get("syncRun").filter(|r| r.is_object()).cloned());
                }
                Err(TransportError::Backbone(e))
                    if e.code
                        .ends_with("cannotStartSyncRunWhenAnotherSyncRunIsRunning") =>
                {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Err(e) => return Err(e),
            }
        }
        Err(TransportError::Internal(
            "another sync run stays open on the Backbone".into(),
        ))
    }

    async fn process_event(&self, event: &Value) -> Result<()> {
        let event_id = str_field(event, "id")?;
        if self.store.get(PROCESSED, event_id).await?.is_some() {
            return Ok(());
        }
        let kind = str_field(event, "type")?;
        let payload = event.get("payload").cloned().unwrap_or(Value::Null);
        let payload_str = |key: &str| -> Result<String> {
            payload
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| TransportError::invalid(format!("event payload lacks {key}")))
        };
        let (mut writes, publish): (Vec<Write>, Vec<(&'static str, Value)>) = match kind {
            "MessageReceived" => self.receive_message(&payload_str("id")?).await?,
            "MessageDelivered" => self.message_delivered(&payload_str("id")?).await?,
            "RelationshipStatusChanged"
            | "RelationshipReactivationRequested"
            | "RelationshipReactivationCompleted" => {
                self.relationship_from_backbone(&payload_str("relationshipId")?, kind)
                    .await?
            }
            "PeerToBeDeleted" | "PeerDeleted" | "PeerDeletionCancelled" => {
                self.peer_deletion_changed(kind, &payload).await?
            }
            "RelationshipTemplateAllocationsExhausted" => {
                let id = payload_str("relationshipTemplateId")?;
                match self
                    .store
                    .get(crate::relationship_templates::COLLECTION, &id)
                    .await?
                {
                    Some(doc) => (
                        Vec::new(),
                        vec![(
                            events::RELATIONSHIP_TEMPLATE_ALLOCATIONS_EXHAUSTED,
                            util::dto(doc),
                        )],
                    ),
                    None => (Vec::new(), Vec::new()),
                }
            }
            "FileOwnershipLocked" | "FileOwnershipClaimed" => {
                let id = payload_str("fileId")?;
                match self.file_ownership_changed(&id).await? {
                    Some(doc) => {
                        let name = if kind == "FileOwnershipLocked" {
                            events::FILE_OWNERSHIP_LOCKED
                        } else {
                            events::FILE_OWNERSHIP_CLAIMED
                        };
                        let dto = util::dto(doc.clone());
                        (
                            vec![Write::Put {
                                collection: crate::files::COLLECTION.into(),
                                doc,
                            }],
                            vec![(name, dto)],
                        )
                    }
                    None => (Vec::new(), Vec::new()),
                }
            }
            // Known to the Backbone, nothing to keep locally.
            "TokenLocked"
            | "PeerFeatureFlagsChanged"
            | "IdentityDeletionProcessStarted"
            | "IdentityDeletionProcessStatusChanged" => (Vec::new(), Vec::new()),
            other => {
                return Err(TransportError::rule(
                    "error.transport.unknown",
                    format!("unknown external event type {other}"),
                ));
            }
        };
        writes.push(Write::Put {
            collection: PROCESSED.into(),
            doc: json!({"id": event_id, "type": kind, "processedAt": util::now()}),
        });
        // The change, its events for modules and the processed marker land together or not at all.
        let mut change = Change::new();
        change.extend(writes);
        for (name, data) in publish {
            change.event(name, &data)?;
        }
        self.commit(change).await
    }

    async fn peer_deletion_changed(
        &self,
        kind: &str,
        payload: &Value,
    ) -> Result<(Vec<Write>, Vec<(&'static str, Value)>)> {
        let id = str_field(payload, "relationshipId")?;
        let Some(mut doc) = self.store.get(crate::relationships::COLLECTION, id).await? else {
            return Ok((Vec::new(), Vec::new()));
        };
        let name = match kind {
            "PeerToBeDeleted" => {
                doc["peerDeletionInfo"] = json!({"deletionStatus": "ToBeDeleted", "deletionDate": payload.get("deletionDate")});
                events::PEER_TO_BE_DELETED
            }
            "PeerDeleted" => {
                doc["peerDeletionInfo"] = json!({"deletionStatus": "Deleted", "deletionDate": payload.get("deletionDate")});
                events::PEER_DELETED
            }
            _ => {
                if let Some(map) = doc.as_object_mut() {
                    map.remove("peerDeletionInfo");
                }
                events::PEER_DELETION_CANCELLED
            }
        };
        let dto = util::dto(doc.clone());
        Ok((
            vec![Write::Put {
                collection: crate::relationships::COLLECTION.into(),
                doc,
            }],
            vec![(name, dto)],
        ))
    }

    /// `GET /Account/SyncInfo`.
    pub async fn sync_info(&self) -> Result<Value> {
        let mut info = json!({});
        if let Some(doc) = self.store.get(SYNC_INFO, LAST_SYNC_RUN).await? {
            info["lastSyncRun"] = json!({"completedAt": doc["completedAt"]});
        }
        Ok(info)
    }
}
