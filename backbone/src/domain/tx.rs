//! A unit of work: document writes plus the external events they cause, committed in one
//! atomic batch so that a state change and its events are never seen apart. Every event is
//! one of the Consumer API's [`ExternalEventPayload`]s, so what a client reads in a sync run
//! is typed on both sides.

use super::sync::{self, EventState, EventType, ExternalEvent, ExternalEventPayload};
use super::{Backbone, Notice, to_doc};
use crate::error::{Error, Result};
use crate::model::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use store::Write;
use wire::{Address, ExternalEventId};

#[derive(Default)]
pub(crate) struct Tx {
    writes: Vec<Write>,
    events: Vec<PendingEvent>,
    notices: Vec<Notice>,
}

struct PendingEvent {
    owner: Address,
    event: ExternalEventPayload,
    context: Option<String>,
    blocked: bool,
}

/// Per-identity counters, kept in their own collection so that allocating an index is a plain
/// read-modify-write under the gate.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Counters {
    pub id: String,
    pub next_event_index: i64,
}

pub(crate) const COUNTERS: &str = "counters";

impl Tx {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn create<T: Serialize>(&mut self, collection: &str, value: &T) -> Result<()> {
        self.writes.push(Write::Create {
            collection: collection.to_owned(),
            doc: to_doc(value)?,
        });
        Ok(())
    }

    pub fn put<T: Serialize>(&mut self, collection: &str, value: &T) -> Result<()> {
        self.writes.push(Write::Put {
            collection: collection.to_owned(),
            doc: to_doc(value)?,
        });
        Ok(())
    }

    pub fn delete(&mut self, collection: &str, id: &str) {
        self.writes.push(Write::Delete {
            collection: collection.to_owned(),
            id: id.to_owned(),
        });
    }

    /// Queues an external event for `owner`. `context` is the relationship it belongs to, so it
    /// can later be unblocked or dropped with that relationship.
    pub fn emit(
        &mut self,
        owner: &Address,
        event: ExternalEventPayload,
        context: Option<&str>,
        blocked: bool,
    ) {
        self.events.push(PendingEvent {
            owner: owner.clone(),
            event,
            context: context.map(str::to_owned),
            blocked,
        });
    }

    /// [`Tx::emit`] for an event given as kind and JSON payload. The payload must read as that
    /// kind's typed payload; one that does not fails the commit rather than reach a client.
    pub fn event(
        &mut self,
        owner: &Address,
        kind: EventType,
        payload: Value,
        context: Option<&str>,
        blocked: bool,
    ) {
        let event = ExternalEventPayload::from_parts(kind.as_str(), payload);
        self.emit(owner, event, context, blocked);
    }

    /// Announces on SSE that `owner` has something new to sync (used when blocked events are
    /// released).
    pub fn notify(&mut self, owner: &Address) {
        self.notices.push(Notice {
            owner: owner.clone(),
            event_name: "ExternalEventCreated",
        });
    }

    pub(super) async fn into_writes(
        mut self,
        backbone: &Backbone,
    ) -> Result<(Vec<Write>, Vec<Notice>)> {
        let mut counters: Vec<Counters> = Vec::new();
        let mut notices = std::mem::take(&mut self.notices);
        let now = Timestamp::now();
        for event in std::mem::take(&mut self.events) {
            let position = match counters.iter().position(|c| c.id == event.owner.as_str()) {
                Some(p) => p,
                None => {
                    let loaded = backbone
                        .get::<Counters>(COUNTERS, event.owner.as_str())
                        .await?;
                    counters.push(loaded.unwrap_or_else(|| Counters {
                        id: event.owner.to_string(),
                        next_event_index: 0,
                    }));
                    counters.len() - 1
                }
            };
            let kind = event.event.kind().ok_or_else(|| match &event.event {
                ExternalEventPayload::Unreadable(u) => Error::Corrupt(format!(
                    "external event {} has a payload of another shape: {}",
                    u.kind, u.reason
                )),
                _ => Error::Corrupt("external event without kind".into()),
            })?;
            let (_, payload) = event.event.into_parts();
            let counter = &mut counters[position];
            let index = counter.next_event_index;
            counter.next_event_index += 1;
            let doc = ExternalEvent {
                id: ExternalEventId::generate()?,
                owner: event.owner.clone(),
                kind,
                index,
                created_at: now,
                payload,
                sync_error_count: 0,
                sync_run_id: None,
                context: event.context,
                state: if event.blocked {
                    EventState::Blocked
                } else {
                    EventState::Pending
                },
            };
            self.create(sync::EVENTS, &doc)?;
            if !event.blocked {
                notices.push(Notice {
                    owner: event.owner,
                    event_name: "ExternalEventCreated",
                });
            }
        }
        for counter in &counters {
            self.put(COUNTERS, counter)?;
        }
        Ok((self.writes, notices))
    }
}
