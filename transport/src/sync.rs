//! Sync with the Backbone: pull external events in sync runs, process each one and
//! acknowledge them. Events arrive as [`ExternalEventPayload`]s and are dispatched on their
//! kind, one match arm per kind.
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
use crate::metrics;
use crate::util;
use consumer_api::Timestamp;
use consumer_api::sync::{
    ExternalEvent, ExternalEventPayload, ExternalEventResult, FinalizeExternalEventSyncRequest,
    PeerDeletionPayload, StartSyncRunRequest, SyncRun, SyncRunType,
};
use runtime_types::account::{CompletedAt, SyncInfo};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::time::Duration;
use store::Write;
use wire::{FileId, RelationshipId};

pub const SYNC_INFO: &str = "SyncInfo";
pub const PROCESSED: &str = "ProcessedExternalEvents";
/// External events whose processing failed for a passing reason (the Backbone unreachable or
/// answering 5xx / 429): kept here and retried on every later sync, so a failing Backbone never
/// makes the Connector give an event up.
pub const DEFERRED: &str = "DeferredExternalEvents";
const LAST_SYNC_RUN: &str = "lastSyncRun";
/// How long to wait for a run of our own that a crash left open; the Backbone expires runs
/// after about ten seconds.
const BUSY_RETRIES: u32 = 30;

/// When a sync last completed, kept under [`LAST_SYNC_RUN`] in [`SYNC_INFO`].
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LastSync {
    id: String,
    completed_at: Timestamp,
}

/// The marker of a processed event in [`PROCESSED`].
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Processed<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    processed_at: Timestamp,
}

/// The writes and runtime events one external event causes.
type Effects = (Vec<Write>, Vec<(&'static str, Value)>);

fn count_event(kind: &'static str, outcome: &'static str) {
    ::metrics::counter!(metrics::SYNCED_EVENTS, "type" => kind, "outcome" => outcome).increment(1);
}

fn nothing() -> Effects {
    (Vec::new(), Vec::new())
}

/// How a peer's deletion changed, as `PeerToBeDeleted`, `PeerDeleted` and
/// `PeerDeletionCancelled` report it.
enum PeerDeletion<'a> {
    ToBeDeleted(&'a PeerDeletionPayload),
    Deleted(&'a PeerDeletionPayload),
    Cancelled,
}

/// An event kept for a later try, with why the last one failed.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Deferred {
    id: String,
    event: ExternalEvent,
    deferred_at: Timestamp,
    attempts: u32,
    last_error: String,
}

impl Transport {
    /// Processes an event of a sync run. A passing failure keeps the event locally for a later
    /// try and counts as processed for the Backbone, which would otherwise give the event up
    /// after three failed runs (a received message would be lost).
    async fn process_or_defer(&self, event: &ExternalEvent) -> Result<()> {
        let kind = metrics::event_type_label(event);
        match self.process_event(event).await {
            Ok(()) => {
                count_event(kind, "processed");
                Ok(())
            }
            Err(e) if e.is_transient() => {
                count_event(kind, "deferred");
                tracing::warn!(
                    event = event.id.as_str(),
                    code = e.code(),
                    "external event deferred: {e}"
                );
                let deferred = Deferred {
                    id: event.id.as_str().to_owned(),
                    event: event.clone(),
                    deferred_at: Timestamp::now(),
                    attempts: 1,
                    last_error: e.to_string(),
                };
                self.store.put(DEFERRED, to_doc(&deferred)?).await?;
                Ok(())
            }
            Err(e) => {
                count_event(kind, "failed");
                Err(e)
            }
        }
    }

    /// Tries every deferred event again: done ones and ones that now fail for good leave the
    /// list (the latter with a warning, as the Backbone would report them); passing failures
    /// stay for the next sync.
    async fn retry_deferred(&self) -> Result<()> {
        let docs = self
            .store
            .find(
                DEFERRED,
                &store::Filter::All,
                &store::FindOptions::default(),
            )
            .await?;
        for doc in docs {
            let mut deferred: Deferred = serde_json::from_value(doc)
                .map_err(|e| TransportError::Internal(format!("deferred event: {e}")))?;
            let kind = metrics::event_type_label(&deferred.event);
            match self.process_event(&deferred.event).await {
                Ok(()) => count_event(kind, "processed"),
                Err(e) if e.is_transient() => {
                    count_event(kind, "deferred");
                    deferred.attempts += 1;
                    deferred.last_error = e.to_string();
                    self.store.put(DEFERRED, to_doc(&deferred)?).await?;
                    continue;
                }
                Err(e) => {
                    count_event(kind, "failed");
                    tracing::warn!(
                        event = deferred.id.as_str(),
                        code = e.code(),
                        "deferred external event failed: {e}"
                    )
                }
            }
            self.store.delete(DEFERRED, &deferred.id).await?;
        }
        Ok(())
    }

    /// `POST /Account/Sync`: first the events deferred earlier, then runs until the Backbone has
    /// no unsynced events for us.
    pub async fn sync_everything(&self) -> Result<()> {
        let started = std::time::Instant::now();
        let result = self.sync_runs().await;
        let outcome = if result.is_ok() { "success" } else { "failure" };
        ::metrics::counter!(metrics::SYNCS, "outcome" => outcome).increment(1);
        ::metrics::histogram!(metrics::SYNC_DURATION).record(started.elapsed().as_secs_f64());
        result
    }

    async fn sync_runs(&self) -> Result<()> {
        let guard = self.sync_lock.lock().await;
        self.retry_deferred().await?;
        loop {
            let Some(run) = self.start_sync_run().await? else {
                break;
            };
            ::metrics::counter!(metrics::SYNC_RUNS).increment(1);
            let events = self.backbone.sync_run_events(&run.id).await?;
            let mut results = Vec::with_capacity(events.len());
            for event in &events {
                let error_code = match self.process_or_defer(event).await {
                    Ok(()) => None,
                    Err(e) => {
                        tracing::warn!(
                            event = event.id.as_str(),
                            code = e.code(),
                            "external event failed: {e}"
                        );
                        Some(e.code().to_owned())
                    }
                };
                results.push(ExternalEventResult {
                    external_event_id: event.id.clone(),
                    error_code,
                });
            }
            let request = FinalizeExternalEventSyncRequest {
                external_event_results: results,
                datawallet_modifications: Vec::new(),
            };
            let finalized = self
                .backbone
                .finalize_external_event_sync(&run.id, &request)
                .await?;
            if !finalized.new_unsynced_external_events_exist {
                break;
            }
        }
        let last = LastSync {
            id: LAST_SYNC_RUN.to_owned(),
            completed_at: Timestamp::now(),
        };
        self.store.put(SYNC_INFO, to_doc(&last)?).await?;
        drop(guard);
        if let Some(reactions) = self.reactions() {
            reactions.after_sync().await?;
        }
        Ok(())
    }

    async fn start_sync_run(&self) -> Result<Option<SyncRun>> {
        let request = StartSyncRunRequest {
            kind: SyncRunType::ExternalEventSync,
            duration: None,
        };
        for _ in 0..BUSY_RETRIES {
            match self.backbone.start_sync_run(&request).await {
                Ok(started) => return Ok(started.sync_run),
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

    async fn process_event(&self, event: &ExternalEvent) -> Result<()> {
        let event_id = event.id.as_str();
        if self.store.get(PROCESSED, event_id).await?.is_some() {
            return Ok(());
        }
        let kind = event.event.type_name();
        let (writes, publish) = match &event.event {
            ExternalEventPayload::MessageReceived(p) => self.receive_message(p.id.as_str()).await?,
            // A recipient fetched one of our messages: its receipt on our copy.
            ExternalEventPayload::MessageDelivered(p) => {
                self.message_delivered(p.id.as_str()).await?
            }
            ExternalEventPayload::RelationshipStatusChanged(p)
            | ExternalEventPayload::RelationshipReactivationRequested(p)
            | ExternalEventPayload::RelationshipReactivationCompleted(p) => {
                self.relationship_from_backbone(p.relationship_id.as_str(), kind)
                    .await?
            }
            ExternalEventPayload::PeerToBeDeleted(p) => {
                self.peer_deletion_changed(&p.relationship_id, PeerDeletion::ToBeDeleted(p))
                    .await?
            }
            ExternalEventPayload::PeerDeleted(p) => {
                self.peer_deletion_changed(&p.relationship_id, PeerDeletion::Deleted(p))
                    .await?
            }
            ExternalEventPayload::PeerDeletionCancelled(p) => {
                self.peer_deletion_changed(&p.relationship_id, PeerDeletion::Cancelled)
                    .await?
            }
            ExternalEventPayload::RelationshipTemplateAllocationsExhausted(p) => {
                let id = p.relationship_template_id.as_str();
                match self
                    .store
                    .get(crate::relationship_templates::COLLECTION, id)
                    .await?
                {
                    Some(doc) => (
                        Vec::new(),
                        vec![(
                            events::RELATIONSHIP_TEMPLATE_ALLOCATIONS_EXHAUSTED,
                            util::dto(doc),
                        )],
                    ),
                    None => nothing(),
                }
            }
            ExternalEventPayload::FileOwnershipLocked(p) => {
                self.file_ownership(&p.file_id, events::FILE_OWNERSHIP_LOCKED)
                    .await?
            }
            ExternalEventPayload::FileOwnershipClaimed(p) => {
                self.file_ownership(&p.file_id, events::FILE_OWNERSHIP_CLAIMED)
                    .await?
            }
            ExternalEventPayload::IdentityDeletionProcessStarted(p)
            | ExternalEventPayload::IdentityDeletionProcessStatusChanged(p) => {
                self.deletion_process_changed(&p.deletion_process_id)
                    .await?
            }
            // Known to the Backbone, nothing to keep locally.
            ExternalEventPayload::TokenLocked(_)
            | ExternalEventPayload::PeerFeatureFlagsChanged(_) => nothing(),
            ExternalEventPayload::Unreadable(u) => {
                return Err(TransportError::rule(
                    "error.transport.unknown",
                    format!(
                        "There was no processor registered for '{}' that reads its payload: {}",
                        u.kind, u.reason
                    ),
                ));
            }
        };
        // The change, its events for modules and the processed marker land together or not at all.
        let mut change = Change::new();
        change.extend(writes);
        change.put(
            PROCESSED,
            &Processed {
                id: event_id,
                kind,
                processed_at: Timestamp::now(),
            },
        )?;
        for (name, data) in publish {
            change.event(name, &data)?;
        }
        self.commit(change).await
    }

    async fn file_ownership(&self, id: &FileId, name: &'static str) -> Result<Effects> {
        let Some(doc) = self.file_ownership_changed(id.as_str()).await? else {
            return Ok(nothing());
        };
        let dto = util::dto(doc.clone());
        Ok((
            vec![Write::Put {
                collection: crate::files::COLLECTION.into(),
                doc,
            }],
            vec![(name, dto)],
        ))
    }

    async fn peer_deletion_changed(
        &self,
        id: &RelationshipId,
        change: PeerDeletion<'_>,
    ) -> Result<Effects> {
        let Some(mut doc) = self
            .store
            .get(crate::relationships::COLLECTION, id.as_str())
            .await?
        else {
            return Ok(nothing());
        };
        let name = match change {
            PeerDeletion::ToBeDeleted(p) => {
                doc["peerDeletionInfo"] =
                    json!({"deletionStatus": "ToBeDeleted", "deletionDate": p.deletion_date});
                events::PEER_TO_BE_DELETED
            }
            PeerDeletion::Deleted(p) => {
                doc["peerDeletionInfo"] =
                    json!({"deletionStatus": "Deleted", "deletionDate": p.deletion_date});
                events::PEER_DELETED
            }
            PeerDeletion::Cancelled => {
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
    pub async fn sync_info(&self) -> Result<SyncInfo> {
        let last_sync_run = match self.store.get(SYNC_INFO, LAST_SYNC_RUN).await? {
            Some(doc) => {
                let last: LastSync = serde_json::from_value(doc)
                    .map_err(|e| TransportError::Internal(format!("stored sync info: {e}")))?;
                Some(CompletedAt {
                    completed_at: last.completed_at,
                })
            }
            None => None,
        };
        Ok(SyncInfo {
            // The datawallet is not synchronised by this Connector.
            last_datawallet_sync: None,
            last_sync_run,
        })
    }
}

fn to_doc(value: &impl Serialize) -> Result<Value> {
    serde_json::to_value(value).map_err(|e| TransportError::Internal(e.to_string()))
}
