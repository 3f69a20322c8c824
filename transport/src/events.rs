//! The transport event bus: every change a sync or an API call makes is published here with the
//! official event names (`transport.messageReceived`, …) and DTO payloads. Subscribers (tests,
//! the module host's forwarder as a wake-up) get their own receiver; a slow subscriber loses old
//! events rather than slowing transport down.
//!
//! What must not be lost goes through the [`OUTBOX`] as well: each event is stored there, in the
//! same atomic batch as the change it reports where transport writes a batch, and stays until a
//! consumer has taken it ([`crate::Transport::outbox`], [`crate::Transport::acknowledge`]).

use serde::Serialize;
use serde_json::Value;
use tokio::sync::broadcast;

/// Events wait here, durably, until a consumer has taken them.
pub const OUTBOX: &str = "EventOutbox";

pub use runtime_types::events::*;

/// `Event<TData> { namespace, eventTargetAddress, data }`.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub namespace: String,
    pub event_target_address: String,
    pub data: Value,
}

#[derive(Clone)]
pub struct EventBus {
    sender: broadcast::Sender<Event>,
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new(1024)
    }
}

impl EventBus {
    pub fn new(capacity: usize) -> Self {
        Self {
            sender: broadcast::channel(capacity).0,
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.sender.subscribe()
    }

    pub fn publish(&self, namespace: &str, target: &str, data: Value) {
        self.announce(Event {
            namespace: namespace.to_owned(),
            event_target_address: target.to_owned(),
            data,
        });
    }

    pub fn announce(&self, event: Event) {
        // No subscriber is not an error: the bus is a notification, the outbox is the queue.
        let _ = self.sender.send(event);
    }
}
