//! A unit of work: the document writes of one state change plus the runtime events it causes,
//! committed in one atomic store batch (each event goes into the [`crate::events::OUTBOX`] in
//! that batch). Whether the change comes from the REST API or from a sync, a crash can never
//! keep the change and lose its events, or the other way round. Each event is stored with the
//! correlation id of the request that caused it ([`events::correlation_id`]).

use crate::Transport;
use crate::error::{Result, TransportError};
use crate::events::{self, Event};
use serde::Serialize;
use serde_json::Value;
use store::Write;

#[derive(Default)]
pub struct Change {
    writes: Vec<Write>,
    events: Vec<ChangeEvent>,
}

/// A runtime event a change publishes: its name and the JSON form of its DTO (free-form here,
/// as the outbox keeps it and modules receive it).
#[derive(Debug, Clone)]
pub struct ChangeEvent {
    pub namespace: &'static str,
    pub data: Value,
}

fn to_doc(value: &impl Serialize) -> Result<Value> {
    serde_json::to_value(value).map_err(|e| TransportError::Internal(e.to_string()))
}

impl Change {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn put(&mut self, collection: &str, doc: &impl Serialize) -> Result<()> {
        self.writes.push(Write::Put {
            collection: collection.to_owned(),
            doc: to_doc(doc)?,
        });
        Ok(())
    }

    pub fn delete(&mut self, collection: &str, id: &str) {
        self.writes.push(Write::Delete {
            collection: collection.to_owned(),
            id: id.to_owned(),
        });
    }

    /// Writes prepared elsewhere (e.g. a received message's attachments).
    pub fn extend(&mut self, writes: impl IntoIterator<Item = Write>) {
        self.writes.extend(writes);
    }

    /// Takes over another change's writes and events, after its own.
    pub fn absorb(&mut self, other: Change) {
        self.writes.extend(other.writes);
        self.events.extend(other.events);
    }

    /// The runtime events the change publishes, in order.
    pub fn events(&self) -> &[ChangeEvent] {
        &self.events
    }

    /// Queues a runtime event with its DTO payload.
    pub fn event(&mut self, namespace: &'static str, data: &impl Serialize) -> Result<()> {
        self.events.push(ChangeEvent {
            namespace,
            data: to_doc(data)?,
        });
        Ok(())
    }
}

impl Transport {
    /// Offers the change to the layer above ([`crate::reactions`]), writes it and the outbox
    /// entries of its events in one atomic batch, then announces the events on the in-process
    /// bus.
    pub async fn commit(&self, mut change: Change) -> Result<()> {
        if let Some(reactions) = self.reactions() {
            reactions.react(&mut change).await?;
        }
        let Change {
            mut writes,
            events: pending,
        } = change;
        let mut announced = Vec::with_capacity(pending.len());
        for ChangeEvent { namespace, data } in pending {
            let event = self.event(namespace, data);
            writes.push(Self::outbox_write(&event)?);
            announced.push(event);
        }
        if !writes.is_empty() {
            self.store.write_batch(writes).await?;
        }
        for event in announced {
            self.events.announce(event);
        }
        if let Some(reactions) = self.reactions() {
            reactions.after_commit().await;
        }
        Ok(())
    }

    fn event(&self, namespace: &str, data: Value) -> Event {
        Event {
            namespace: namespace.to_owned(),
            event_target_address: self.identity.address.to_string(),
            data,
            correlation_id: Some(events::correlation_id()),
        }
    }

    /// The outbox entry for an event, to be written in the same batch as the change it reports.
    fn outbox_write(event: &Event) -> Result<Write> {
        let mut doc =
            serde_json::to_value(event).map_err(|e| TransportError::Internal(e.to_string()))?;
        doc["id"] = Value::String(wire::AnyId::generate("EVT")?.to_string());
        Ok(Write::Create {
            collection: events::OUTBOX.into(),
            doc,
        })
    }
}
