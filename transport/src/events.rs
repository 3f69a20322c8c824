//! The transport event bus: every change a sync or an API call makes is published here with the
//! official event names (`transport.messageReceived`, …) and DTO payloads. Subscribers (tests,
//! the module host's forwarder as a wake-up) get their own receiver; a slow subscriber loses old
//! events rather than slowing transport down.
//!
//! What must not be lost goes through the [`OUTBOX`] as well: each event is stored there, in the
//! same atomic batch as the change it reports where transport writes a batch, and stays until a
//! consumer has taken it ([`crate::Transport::outbox`], [`crate::Transport::acknowledge`]).
//!
//! Every event carries a correlation id: the one of the API request that caused it (set around
//! the request's handling with [`with_correlation_id`]), or a fresh UUID for an event no request
//! caused (a sync, the event stream), as the official Connector does.

use serde::Serialize;
use serde_json::Value;
use tokio::sync::broadcast;

/// Events wait here, durably, until a consumer has taken them.
pub const OUTBOX: &str = "EventOutbox";

pub use runtime_types::events::*;

/// `Event<TData> { namespace, eventTargetAddress, data }`, with the correlation id it is
/// delivered under.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub namespace: String,
    pub event_target_address: String,
    /// The event's DTO as JSON: this is the form the outbox keeps and modules receive, for
    /// every event name alike.
    pub data: Value,
    /// Absent only in outbox entries written before events carried one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
}

tokio::task_local! {
    static CORRELATION_ID: String;
}

/// Runs `work` with `id` as the correlation id of every event it causes.
pub async fn with_correlation_id<F: std::future::Future>(id: String, work: F) -> F::Output {
    CORRELATION_ID.scope(id, work).await
}

/// The correlation id of the request being handled, or a fresh one for an event that no
/// request caused.
pub fn correlation_id() -> String {
    CORRELATION_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| uuid::Uuid::new_v4().to_string())
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

    pub fn announce(&self, event: Event) {
        // No subscriber is not an error: the bus is a notification, the outbox is the queue.
        let _ = self.sender.send(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_request_scope_sets_the_id_and_outside_one_each_event_gets_a_fresh_one() {
        let inside = with_correlation_id("abc".into(), async {
            // Across an await point too: the id belongs to the request's future.
            tokio::task::yield_now().await;
            correlation_id()
        })
        .await;
        assert_eq!(inside, "abc");
        let (first, second) = (correlation_id(), correlation_id());
        assert_ne!(first, second);
        for id in [first, second] {
            assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
        }
    }
}
