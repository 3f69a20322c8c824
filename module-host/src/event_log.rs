//! The durable event log and the per-module cursors, kept in the Connector's store.
//!
//! Every event gets the next sequence number and is written (with the new head) in one atomic
//! batch before anyone is told about it, so a published event survives a crash. Each module's
//! cursor is the last sequence it has finished with; delivery resumes after it on restart.
//! Events every module has passed are pruned.
//!
//! Sequence numbers are contiguous, so reading the next event is a lookup by id and needs no
//! query support from the store.

use crate::Event;
use serde_json::{Value, json};
use std::sync::Arc;
use store::{Store, StoreError, Write};
use tokio::sync::Mutex;

const EVENTS: &str = "ModuleEvents";
const HEAD: &str = "ModuleEventHead";
const CURSORS: &str = "ModuleCursors";
const DEAD_LETTERS: &str = "ModuleDeadLetters";
/// Dead letters an operator asked to deliver again, waiting for their module's delivery task.
const REPLAYS: &str = "ModuleReplays";
const HEAD_ID: &str = "head";

/// An event a module gave up on, as kept for the operator.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeadLetter {
    /// `<module>:<seq>`.
    pub id: String,
    pub module: String,
    pub seq: u64,
    pub namespace: String,
    pub data: Option<Value>,
    pub correlation_id: Option<String>,
    pub error: String,
}

impl DeadLetter {
    fn from_doc(doc: &Value) -> Self {
        let text = |key: &str| doc.get(key).and_then(Value::as_str).map(str::to_owned);
        Self {
            id: text("id").unwrap_or_default(),
            module: text("module").unwrap_or_default(),
            seq: doc.get("seq").and_then(Value::as_u64).unwrap_or(0),
            namespace: text("namespace").unwrap_or_default(),
            data: doc.get("data").filter(|d| !d.is_null()).cloned(),
            correlation_id: text("correlationId"),
            error: text("error").unwrap_or_default(),
        }
    }

    fn event(&self) -> LoggedEvent {
        LoggedEvent {
            seq: self.seq,
            namespace: self.namespace.clone(),
            data: self.data.clone(),
            correlation_id: self.correlation_id.clone(),
            occurred_at_ms: 0,
        }
    }
}

/// An event as stored in the log.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedEvent {
    pub seq: u64,
    pub namespace: String,
    /// `None` for events without data.
    pub data: Option<Value>,
    pub correlation_id: Option<String>,
    pub occurred_at_ms: u64,
}

#[derive(Debug, Clone, Copy, Default)]
struct Bounds {
    /// The last appended sequence number (0 when empty).
    head: u64,
    /// Everything at or below this has been pruned.
    tail: u64,
}

pub struct EventLog {
    store: Arc<dyn Store>,
    bounds: Mutex<Bounds>,
}

impl EventLog {
    pub async fn open(store: Arc<dyn Store>) -> Result<Self, StoreError> {
        let bounds = match store.get(HEAD, HEAD_ID).await? {
            Some(doc) => Bounds {
                head: doc.get("seq").and_then(Value::as_u64).unwrap_or(0),
                tail: doc.get("tail").and_then(Value::as_u64).unwrap_or(0),
            },
            None => Bounds::default(),
        };
        Ok(Self {
            store,
            bounds: Mutex::new(bounds),
        })
    }

    pub async fn head(&self) -> u64 {
        self.bounds.lock().await.head
    }

    /// Appends `events` durably, in one atomic write, and returns the sequence number of the
    /// last one (the head). Events without data (`Value::Null`) are stored without data.
    pub async fn append(&self, events: &[Event], occurred_at_ms: u64) -> Result<u64, StoreError> {
        let mut bounds = self.bounds.lock().await;
        let first = bounds.head + 1;
        let mut writes: Vec<Write> = events
            .iter()
            .zip(first..)
            .map(|(event, seq)| Write::Create {
                collection: EVENTS.into(),
                doc: json!({
                    "id": event_id(seq),
                    "seq": seq,
                    "namespace": event.namespace,
                    "data": (!event.data.is_null()).then_some(&event.data),
                    "correlationId": event.correlation_id,
                    "occurredAt": occurred_at_ms,
                }),
            })
            .collect();
        let head = bounds.head + events.len() as u64;
        writes.push(Write::Put {
            collection: HEAD.into(),
            doc: head_doc(head, bounds.tail),
        });
        self.store.write_batch(writes).await?;
        bounds.head = head;
        Ok(head)
    }

    /// The event at `seq`, or `None` if it was pruned or never written.
    pub async fn read(&self, seq: u64) -> Result<Option<LoggedEvent>, StoreError> {
        let Some(doc) = self.store.get(EVENTS, &event_id(seq)).await? else {
            return Ok(None);
        };
        Ok(Some(LoggedEvent {
            seq,
            namespace: doc
                .get("namespace")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            data: doc.get("data").filter(|d| !d.is_null()).cloned(),
            correlation_id: doc
                .get("correlationId")
                .and_then(Value::as_str)
                .map(str::to_owned),
            occurred_at_ms: doc.get("occurredAt").and_then(Value::as_u64).unwrap_or(0),
        }))
    }

    pub async fn cursor(&self, module: &str) -> Result<Option<u64>, StoreError> {
        Ok(self
            .store
            .get(CURSORS, module)
            .await?
            .and_then(|doc| doc.get("seq").and_then(Value::as_u64)))
    }

    pub async fn set_cursor(&self, module: &str, seq: u64) -> Result<(), StoreError> {
        self.store
            .put(CURSORS, json!({"id": module, "seq": seq}))
            .await
    }

    /// Keeps an event a module gave up on, so an operator can see and replay it.
    pub async fn dead_letter(
        &self,
        module: &str,
        event: &LoggedEvent,
        error: &str,
    ) -> Result<(), StoreError> {
        let doc = json!({
            "id": format!("{module}:{}", event.seq),
            "module": module,
            "seq": event.seq,
            "namespace": event.namespace,
            "data": event.data,
            "correlationId": event.correlation_id,
            "error": error,
        });
        self.store.put(DEAD_LETTERS, doc).await
    }

    /// The dead letters kept, of one module or all, oldest first per module.
    pub async fn dead_letters(&self, module: Option<&str>) -> Result<Vec<DeadLetter>, StoreError> {
        let filter = match module {
            Some(m) => store::Filter::eq("module", m),
            None => store::Filter::All,
        };
        let docs = self
            .store
            .find(
                DEAD_LETTERS,
                &filter,
                &store::FindOptions::sorted_by("seq", false),
            )
            .await?;
        Ok(docs.iter().map(DeadLetter::from_doc).collect())
    }

    /// Moves the dead letters of `module` (or all) to the replay queue, in one batch; returns
    /// how many.
    pub async fn queue_replays(&self, module: Option<&str>) -> Result<usize, StoreError> {
        let letters = self.dead_letters(module).await?;
        let mut writes = Vec::with_capacity(letters.len() * 2);
        for letter in &letters {
            writes.push(Write::Delete {
                collection: DEAD_LETTERS.into(),
                id: letter.id.clone(),
            });
            writes.push(Write::Put {
                collection: REPLAYS.into(),
                doc: serde_json::to_value(letter).unwrap_or_default(),
            });
        }
        if !writes.is_empty() {
            self.store.write_batch(writes).await?;
        }
        Ok(letters.len())
    }

    /// The oldest event queued for `module` to be delivered again, with its queue id.
    pub async fn next_replay(
        &self,
        module: &str,
    ) -> Result<Option<(String, LoggedEvent)>, StoreError> {
        let docs = self
            .store
            .find(
                REPLAYS,
                &store::Filter::eq("module", module),
                &store::FindOptions::sorted_by("seq", false),
            )
            .await?;
        Ok(docs.first().map(|doc| {
            let letter = DeadLetter::from_doc(doc);
            (letter.id.clone(), letter.event())
        }))
    }

    /// A replayed event was handled (delivered, or dead-lettered again).
    pub async fn replay_done(&self, id: &str) -> Result<(), StoreError> {
        self.store.delete(REPLAYS, id).await.map(|_| ())
    }

    /// Deletes events at or below `up_to` (the lowest cursor of all modules).
    pub async fn prune(&self, up_to: u64) -> Result<(), StoreError> {
        let mut bounds = self.bounds.lock().await;
        // Bounded batches keep one prune from holding the log's lock for long.
        let up_to = up_to.min(bounds.head).min(bounds.tail + 1000);
        if up_to <= bounds.tail {
            return Ok(());
        }
        let deletes = (bounds.tail + 1..=up_to)
            .map(|seq| Write::Delete {
                collection: EVENTS.into(),
                id: event_id(seq),
            })
            .chain(std::iter::once(Write::Put {
                collection: HEAD.into(),
                doc: head_doc(bounds.head, up_to),
            }))
            .collect();
        self.store.write_batch(deletes).await?;
        bounds.tail = up_to;
        Ok(())
    }
}

/// Zero-padded so ids sort like sequence numbers.
fn event_id(seq: u64) -> String {
    format!("{seq:020}")
}

fn head_doc(seq: u64, tail: u64) -> Value {
    json!({"id": HEAD_ID, "seq": seq, "tail": tail})
}

#[cfg(test)]
mod tests {
    use super::*;
    use store::sqlite::SqliteStore;

    #[tokio::test]
    async fn appended_events_survive_reopening_and_prune_keeps_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.db");
        {
            let log = EventLog::open(Arc::new(SqliteStore::open(&path).await.unwrap()))
                .await
                .unwrap();
            let mut first = Event::new("a.b", json!({"n": 1}));
            first.correlation_id = Some("corr".into());
            assert_eq!(log.append(&[first], 7).await.unwrap(), 1);
            let batch = [
                Event::new("a.c", Value::Null),
                Event::new("a.d", Value::Null),
            ];
            assert_eq!(log.append(&batch, 8).await.unwrap(), 3);
            log.set_cursor("m", 2).await.unwrap();
            log.prune(1).await.unwrap();
        }
        let log = EventLog::open(Arc::new(SqliteStore::open(&path).await.unwrap()))
            .await
            .unwrap();
        assert_eq!(log.head().await, 3);
        assert_eq!(log.cursor("m").await.unwrap(), Some(2));
        assert_eq!(log.cursor("other").await.unwrap(), None);
        assert_eq!(log.read(1).await.unwrap(), None, "pruned");
        let second = log.read(2).await.unwrap().unwrap();
        assert_eq!(
            (
                second.namespace.as_str(),
                second.data,
                second.occurred_at_ms
            ),
            ("a.c", None, 8)
        );
        let third = log.read(3).await.unwrap().unwrap();
        assert_eq!(third.namespace, "a.d");
        let next = [Event::new("a.e", Value::Null)];
        assert_eq!(
            log.append(&next, 10).await.unwrap(),
            4,
            "numbering continues"
        );
        // Pruning never goes past the head and is idempotent.
        log.prune(100).await.unwrap();
        log.prune(100).await.unwrap();
        assert_eq!(log.read(4).await.unwrap(), None);
        assert_eq!(log.append(&next, 11).await.unwrap(), 5);
    }
}
