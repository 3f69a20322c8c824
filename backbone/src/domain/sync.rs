//! External events and sync runs: how an identity learns what happened while it was away.
//!
//! An event is `Pending` until a sync run picks it up (`Assigned`), then `Synced` when the run is
//! finalised with a success result. A failed or missing result returns it to `Pending` with one
//! more error; the third failure retires it. `Blocked` events (messages on a pending or
//! terminated relationship) are invisible to sync runs until released.

use super::datawallet::{self, Datawallet};
use super::{Backbone, Caller, Tx};
use crate::error::{Error, Result};
use crate::model::Timestamp;
pub use consumer_api::sync::{
    ExternalEventPayload, ExternalEventResult, ExternalEventType as EventType,
    FinalizeDatawalletVersionUpgradeRequest, FinalizeExternalEventSyncRequest,
    FinalizedDatawalletVersionUpgrade, FinalizedExternalEventSync, StartSyncRunRequest,
    StartSyncRunStatus, StartedSyncRun, SyncRunType,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::Duration;
use store::{Filter, FindOptions};
use wire::{Address, DeviceId, ExternalEventId, SyncRunId};

pub const EVENTS: &str = "external_events";
pub const RUNS: &str = "sync_runs";
const MAX_SYNC_ERRORS: u8 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum EventState {
    Pending,
    Blocked,
    Assigned,
    Synced,
    Retired,
}

impl EventState {
    fn as_str(self) -> &'static str {
        match self {
            EventState::Pending => "pending",
            EventState::Blocked => "blocked",
            EventState::Assigned => "assigned",
            EventState::Synced => "synced",
            EventState::Retired => "retired",
        }
    }
}

/// An external event as stored: the wire form plus its owner, relationship context, state
/// and sync run. The payload is always one of [`ExternalEventPayload`]'s (see [`Tx::emit`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalEvent {
    pub id: ExternalEventId,
    pub owner: Address,
    #[serde(rename = "type")]
    pub kind: EventType,
    pub index: i64,
    pub created_at: Timestamp,
    pub payload: Value,
    pub sync_error_count: u8,
    pub sync_run_id: Option<SyncRunId>,
    pub context: Option<String>,
    pub state: EventState,
}

impl From<ExternalEvent> for consumer_api::sync::ExternalEvent {
    fn from(e: ExternalEvent) -> Self {
        Self {
            id: e.id,
            index: e.index,
            created_at: e.created_at,
            sync_error_count: e.sync_error_count,
            event: ExternalEventPayload::from_parts(e.kind.as_str(), e.payload),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
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
    pub finalized_at: Option<Timestamp>,
    /// Denormalised `finalized_at == null`, so the open run of an identity is one equality query.
    pub open: bool,
}

impl From<SyncRun> for consumer_api::sync::SyncRun {
    fn from(r: SyncRun) -> Self {
        Self {
            id: r.id,
            kind: r.kind,
            expires_at: r.expires_at,
            index: r.index,
            created_at: r.created_at,
            created_by: r.created_by,
            created_by_device: r.created_by_device,
            event_count: r.event_count,
        }
    }
}

impl Backbone {
    /// Starts a sync run. Returns `None` in `sync_run` (status `NoNewEvents`) when an external
    /// event sync would have nothing to deliver.
    pub async fn start_sync_run(
        &self,
        caller: &Caller,
        request: StartSyncRunRequest,
        supported_datawallet_version: u16,
    ) -> Result<StartedSyncRun> {
        let _gate = self.gate().await;
        let wallet = self.datawallet_of(&caller.address).await?;
        if request.kind == SyncRunType::ExternalEventSync && wallet.is_none() {
            return Err(Error::NotFound("Datawallet"));
        }
        if wallet
            .as_ref()
            .is_some_and(|w| supported_datawallet_version < w.version)
        {
            return Err(datawallet::insufficient_version());
        }
        let mut tx = Tx::new();
        let previous = self.latest_sync_run(&caller.address).await?;
        if let Some(run) = previous.as_ref().filter(|r| r.open) {
            if !run.expires_at.is_past() {
                return Err(Error::rule(
                    "error.platform.validation.syncRun.cannotStartSyncRunWhenAnotherSyncRunIsRunning",
                    format!(
                        "Another sync run is currently active (ID: {}). There can only be one active sync run at a time. Try again in a few seconds.",
                        run.id
                    ),
                ));
            }
            // Cancel and save first, as the official Backbone does: the cancelled run's events
            // go back to pending and must be found by the lookup below.
            let mut cancel = Tx::new();
            self.close_run(run.clone(), &[], "syncRunCanceled", &mut cancel)
                .await?;
            self.commit(cancel).await?;
        }
        let events = match request.kind {
            SyncRunType::ExternalEventSync => {
                self.events_in_state(&caller.address, EventState::Pending)
                    .await?
            }
            SyncRunType::DatawalletVersionUpgrade => Vec::new(),
        };
        if request.kind == SyncRunType::ExternalEventSync && events.is_empty() {
            self.commit(tx).await?;
            return Ok(StartedSyncRun {
                status: StartSyncRunStatus::NoNewEvents,
                sync_run: None,
            });
        }
        let now = Timestamp::now();
        let duration = request
            .duration
            .map(|s| Duration::from_secs(s.into()))
            .unwrap_or(self.config.sync_run_duration);
        let run = SyncRun {
            id: SyncRunId::generate()?,
            kind: request.kind,
            expires_at: now.plus(duration),
            index: previous.map_or(0, |r| r.index + 1),
            created_at: now,
            created_by: caller.address.clone(),
            created_by_device: DeviceId::parse(&caller.device)?,
            event_count: u32::try_from(events.len()).unwrap_or(u32::MAX),
            finalized_at: None,
            open: true,
        };
        for mut event in events {
            event.state = EventState::Assigned;
            event.sync_run_id = Some(run.id.clone());
            tx.put(EVENTS, &event)?;
        }
        tx.create(RUNS, &run)?;
        self.commit(tx).await?;
        Ok(StartedSyncRun {
            status: StartSyncRunStatus::Created,
            sync_run: Some(run.into()),
        })
    }

    pub async fn get_sync_run(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<consumer_api::sync::SyncRun> {
        Ok(self.own_sync_run(caller, id).await?.into())
    }

    pub async fn refresh_sync_run(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<consumer_api::sync::SyncRun> {
        let _gate = self.gate().await;
        let mut run = self.own_sync_run(caller, id).await?;
        if run.created_by_device.as_str() != caller.device {
            return Err(Error::rule(
                "error.platform.validation.syncRun.cannotRefreshExpirationTimeOfSyncRunStartedByAnotherDevice",
                "This sync was started by another device. You can only extend the expiration time of a sync run with the device it was started from.",
            ));
        }
        if !run.open {
            return Err(already_finalized());
        }
        run.expires_at = Timestamp::now().plus(self.config.sync_run_duration);
        let mut tx = Tx::new();
        tx.put(RUNS, &run)?;
        self.commit(tx).await?;
        Ok(run.into())
    }

    pub async fn list_sync_run_events(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<Vec<consumer_api::sync::ExternalEvent>> {
        let run = self.own_sync_run(caller, id).await?;
        if run.created_by_device.as_str() != caller.device {
            return Err(Error::rule(
                "error.platform.validation.syncRun.cannotReadExternalEventsOfASyncRunStartedByAnotherDevice",
                "This sync was started by another device. Only that device can read the corresponding external events.",
            ));
        }
        let events: Vec<ExternalEvent> = self
            .find(
                EVENTS,
                &Filter::eq("syncRunId", run.id.as_str()),
                &FindOptions::sorted_by("index", false),
            )
            .await?;
        Ok(events
            .into_iter()
            .filter(|e| e.owner == caller.address)
            .map(consumer_api::sync::ExternalEvent::from)
            .collect())
    }

    pub async fn finalize_external_event_sync(
        &self,
        caller: &Caller,
        id: &str,
        request: FinalizeExternalEventSyncRequest,
    ) -> Result<FinalizedExternalEventSync> {
        let _gate = self.gate().await;
        let run = self
            .finalizable_run(caller, id, SyncRunType::ExternalEventSync)
            .await?;
        let mut wallet = self
            .datawallet_of(&caller.address)
            .await?
            .ok_or(Error::NotFound("Datawallet"))?;
        let mut tx = Tx::new();
        self.close_run(
            run,
            &request.external_event_results,
            "notProcessed",
            &mut tx,
        )
        .await?;
        let created = self.add_modifications(
            caller,
            &mut wallet,
            request.datawallet_modifications,
            &mut tx,
        )?;
        self.commit(tx).await?;
        let remaining = self.count(EVENTS, &pending_of(&caller.address)).await?;
        Ok(FinalizedExternalEventSync {
            new_datawallet_modification_index: wallet.latest_index,
            datawallet_modifications: created,
            new_unsynced_external_events_exist: remaining > 0,
        })
    }

    pub async fn finalize_datawallet_version_upgrade(
        &self,
        caller: &Caller,
        id: &str,
        request: FinalizeDatawalletVersionUpgradeRequest,
    ) -> Result<FinalizedDatawalletVersionUpgrade> {
        let _gate = self.gate().await;
        let run = self
            .finalizable_run(caller, id, SyncRunType::DatawalletVersionUpgrade)
            .await?;
        let mut wallet = match self.datawallet_of(&caller.address).await? {
            Some(mut wallet) => {
                wallet.upgrade(request.new_datawallet_version)?;
                wallet
            }
            None => Datawallet::new(&caller.address, request.new_datawallet_version),
        };
        let mut tx = Tx::new();
        self.close_run(run, &[], "", &mut tx).await?;
        let created = self.add_modifications(
            caller,
            &mut wallet,
            request.datawallet_modifications,
            &mut tx,
        )?;
        tx.put(datawallet::WALLETS, &wallet)?;
        self.commit(tx).await?;
        Ok(FinalizedDatawalletVersionUpgrade {
            new_datawallet_modification_index: wallet.latest_index,
            datawallet_modifications: created,
        })
    }

    /// Whether `address` has a sync run that is still running.
    pub(crate) async fn has_active_sync_run(&self, address: &Address) -> Result<bool> {
        let run = self.latest_sync_run(address).await?;
        Ok(run.is_some_and(|r| r.open && !r.expires_at.is_past()))
    }

    /// Releases blocked `MessageReceived` events of a relationship (it became active).
    pub(crate) async fn release_blocked_messages(
        &self,
        relationship_id: &str,
        tx: &mut Tx,
    ) -> Result<()> {
        for mut event in self.blocked_messages(relationship_id).await? {
            event.state = EventState::Pending;
            tx.notify(&event.owner);
            tx.put(EVENTS, &event)?;
        }
        Ok(())
    }

    /// Drops blocked `MessageReceived` events of a relationship (it was rejected or revoked).
    pub(crate) async fn drop_blocked_messages(
        &self,
        relationship_id: &str,
        tx: &mut Tx,
    ) -> Result<()> {
        for event in self.blocked_messages(relationship_id).await? {
            tx.delete(EVENTS, event.id.as_str());
        }
        Ok(())
    }

    /// Drops what `owner` has not synced yet about a relationship it has decomposed.
    pub(crate) async fn drop_unsynced_events(
        &self,
        owner: &Address,
        relationship_id: &str,
        tx: &mut Tx,
    ) -> Result<()> {
        let filter =
            Filter::eq("context", relationship_id).and(Filter::eq("owner", owner.as_str()));
        let events: Vec<ExternalEvent> =
            self.find(EVENTS, &filter, &FindOptions::default()).await?;
        for event in events
            .into_iter()
            .filter(|e| matches!(e.state, EventState::Pending | EventState::Blocked))
        {
            tx.delete(EVENTS, event.id.as_str());
        }
        Ok(())
    }

    async fn blocked_messages(&self, relationship_id: &str) -> Result<Vec<ExternalEvent>> {
        let filter = Filter::eq("context", relationship_id)
            .and(Filter::eq("state", EventState::Blocked.as_str()));
        let events: Vec<ExternalEvent> =
            self.find(EVENTS, &filter, &FindOptions::default()).await?;
        Ok(events
            .into_iter()
            .filter(|e| e.kind == EventType::MessageReceived)
            .collect())
    }

    async fn events_in_state(
        &self,
        owner: &Address,
        state: EventState,
    ) -> Result<Vec<ExternalEvent>> {
        let filter = Filter::eq("owner", owner.as_str()).and(Filter::eq("state", state.as_str()));
        self.find(EVENTS, &filter, &FindOptions::sorted_by("index", false))
            .await
    }

    async fn latest_sync_run(&self, address: &Address) -> Result<Option<SyncRun>> {
        let options = FindOptions {
            limit: Some(1),
            ..FindOptions::sorted_by("index", true)
        };
        let runs: Vec<SyncRun> = self
            .find(RUNS, &Filter::eq("createdBy", address.as_str()), &options)
            .await?;
        Ok(runs.into_iter().next())
    }

    async fn own_sync_run(&self, caller: &Caller, id: &str) -> Result<SyncRun> {
        self.get::<SyncRun>(RUNS, id)
            .await?
            .filter(|r| r.created_by == caller.address)
            .ok_or(Error::NotFound("SyncRun"))
    }

    async fn finalizable_run(
        &self,
        caller: &Caller,
        id: &str,
        kind: SyncRunType,
    ) -> Result<SyncRun> {
        let run = self.own_sync_run(caller, id).await?;
        if run.kind != kind {
            return Err(Error::rule(
                "error.platform.validation.syncRun.unexpectedSyncRunType",
                format!("The current operation only supports sync runs of type '{kind:?}'."),
            ));
        }
        if run.created_by_device.as_str() != caller.device {
            return Err(Error::rule(
                "error.platform.validation.syncRun.cannotFinalizeSyncRunStartedByAnotherDevice",
                "This sync was started by another device. You can only finalize a sync run with the device it was started from.",
            ));
        }
        if !run.open {
            return Err(already_finalized());
        }
        Ok(run)
    }

    /// Marks a run finalised and settles its events: a result without error code syncs an
    /// event; anything else counts as a failed delivery with `default_error`.
    async fn close_run(
        &self,
        mut run: SyncRun,
        results: &[ExternalEventResult],
        default_error: &str,
        tx: &mut Tx,
    ) -> Result<()> {
        let events: Vec<ExternalEvent> = self
            .find(
                EVENTS,
                &Filter::eq("syncRunId", run.id.as_str()),
                &FindOptions::default(),
            )
            .await?;
        for mut event in events
            .into_iter()
            .filter(|e| e.state == EventState::Assigned)
        {
            let result = results.iter().find(|r| r.external_event_id == event.id);
            let failed = match result {
                None => !default_error.is_empty(),
                Some(r) => r.error_code.as_deref().is_some_and(|c| !c.is_empty()),
            };
            if failed {
                event.sync_error_count = event.sync_error_count.saturating_add(1);
                event.sync_run_id = None;
                event.state = if event.sync_error_count >= MAX_SYNC_ERRORS {
                    EventState::Retired
                } else {
                    EventState::Pending
                };
            } else {
                event.state = EventState::Synced;
            }
            tx.put(EVENTS, &event)?;
        }
        run.finalized_at = Some(Timestamp::now());
        run.open = false;
        tx.put(RUNS, &run)
    }
}

fn pending_of(owner: &Address) -> Filter {
    Filter::eq("owner", owner.as_str()).and(Filter::eq("state", EventState::Pending.as_str()))
}

fn already_finalized() -> Error {
    Error::rule(
        "error.platform.validation.syncRun.syncRunAlreadyFinalized",
        "This sync run is already finalized.",
    )
}
