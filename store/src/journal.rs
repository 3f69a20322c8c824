//! "Every write or none" on a backend without transactions (a standalone MongoDB server,
//! FerretDB): a redo journal made of single-document writes, which such a backend does apply
//! atomically one at a time.
//!
//! A batch is
//! 1. checked: every `Create` must find its id free (in the store and earlier in the batch),
//!    else the batch fails with [`StoreError::Duplicate`] and nothing is written;
//! 2. recorded: the whole batch becomes one journal document (one atomic insert);
//! 3. applied in order, each write idempotent (a `Create` is a put, since step 1 proved the id
//!    free and batches run one at a time);
//! 4. retired: the journal document is deleted.
//!
//! A crash before 2 leaves nothing; a crash after 2 leaves the journal document, and
//! [`recover`] (run when the backend opens, before anything reads) applies it again and
//! retires it. So after any crash a batch is visible whole or not at all; only a reader that
//! runs *while* a batch is applied can see part of it.

use crate::{Document, FindOptions, Result, Sort, Store, StoreError, Write, document_id};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};

/// The collection holding batches that are recorded but not yet retired.
pub const COLLECTION: &str = "batchJournal";

/// Writes batches through the journal; one batch at a time per process.
pub struct Journal {
    lock: tokio::sync::Mutex<()>,
    /// Orders the journal documents of this process; the time prefix orders them across
    /// restarts.
    sequence: AtomicU64,
}

impl Default for Journal {
    fn default() -> Self {
        Self::new()
    }
}

impl Journal {
    pub fn new() -> Self {
        Self {
            lock: tokio::sync::Mutex::new(()),
            sequence: AtomicU64::new(0),
        }
    }

    /// Applies `writes` to `store` through the journal (see the module comment).
    pub async fn write_batch<S: Store + ?Sized>(
        &self,
        store: &S,
        writes: Vec<Write>,
    ) -> Result<()> {
        let _one_at_a_time = self.lock.lock().await;
        check_creates(store, &writes).await?;
        let id = self.next_id();
        store.create(COLLECTION, entry(&id, &writes)?).await?;
        apply(store, &writes).await?;
        store.delete(COLLECTION, &id).await?;
        Ok(())
    }

    fn next_id(&self) -> String {
        let micros = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_micros());
        let n = self.sequence.fetch_add(1, Ordering::Relaxed);
        // Fixed widths so the ids sort as strings in the order they were made.
        format!("J{micros:020}{n:010}")
    }
}

/// Completes every recorded batch, oldest first; returns how many there were.
pub async fn recover<S: Store + ?Sized>(store: &S) -> Result<usize> {
    let options = FindOptions {
        sort: vec![Sort {
            field: "id".into(),
            descending: false,
        }],
        ..FindOptions::default()
    };
    let pending = store
        .find(COLLECTION, &crate::Filter::All, &options)
        .await?;
    for doc in &pending {
        let writes = parse_entry(doc)?;
        apply(store, &writes).await?;
        store.delete(COLLECTION, document_id(doc)?).await?;
    }
    Ok(pending.len())
}

async fn check_creates<S: Store + ?Sized>(store: &S, writes: &[Write]) -> Result<()> {
    let mut created = HashSet::new();
    for w in writes {
        if let Write::Create { collection, doc } = w {
            let id = document_id(doc)?;
            let taken = !created.insert((collection.as_str(), id))
                || store.get(collection, id).await?.is_some();
            if taken {
                return Err(StoreError::Duplicate(id.to_owned(), collection.clone()));
            }
        }
    }
    Ok(())
}

async fn apply<S: Store + ?Sized>(store: &S, writes: &[Write]) -> Result<()> {
    for w in writes {
        match w {
            Write::Create { collection, doc } | Write::Put { collection, doc } => {
                store.put(collection, doc.clone()).await?
            }
            Write::Delete { collection, id } => {
                store.delete(collection, id).await?;
            }
        }
    }
    Ok(())
}

/// The journal document of one batch: `{id, writes: [{op, collection, doc | id}]}`.
fn entry(id: &str, writes: &[Write]) -> Result<Document> {
    let writes: Vec<Value> = writes
        .iter()
        .map(|w| match w {
            Write::Create { collection, doc } => {
                json!({"op": "create", "collection": collection, "doc": doc})
            }
            Write::Put { collection, doc } => {
                json!({"op": "put", "collection": collection, "doc": doc})
            }
            Write::Delete { collection, id } => {
                json!({"op": "delete", "collection": collection, "id": id})
            }
        })
        .collect();
    Ok(json!({"id": id, "writes": writes}))
}

fn parse_entry(doc: &Document) -> Result<Vec<Write>> {
    let broken = || StoreError::Backend(format!("unreadable journal entry in `{COLLECTION}`"));
    let writes = doc["writes"].as_array().ok_or_else(broken)?;
    writes
        .iter()
        .map(|w| {
            let collection = w["collection"].as_str().ok_or_else(broken)?.to_owned();
            Ok(match w["op"].as_str() {
                Some("create") => Write::Create {
                    collection,
                    doc: w["doc"].clone(),
                },
                Some("put") => Write::Put {
                    collection,
                    doc: w["doc"].clone(),
                },
                Some("delete") => Write::Delete {
                    collection,
                    id: w["id"].as_str().ok_or_else(broken)?.to_owned(),
                },
                _ => return Err(broken()),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_and_ids_sort_in_order() {
        let writes = vec![
            Write::Create {
                collection: "A".into(),
                doc: json!({"id": "1", "x": [1, {"y": null}]}),
            },
            Write::Put {
                collection: "B".into(),
                doc: json!({"id": "2"}),
            },
            Write::Delete {
                collection: "C".into(),
                id: "3".into(),
            },
        ];
        let back = parse_entry(&entry("J1", &writes).unwrap()).unwrap();
        assert_eq!(format!("{back:?}"), format!("{writes:?}"));
        let journal = Journal::new();
        let ids: Vec<String> = (0..1000).map(|_| journal.next_id()).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted);
        assert!(parse_entry(&json!({"id": "J", "writes": [{"op": "drop"}]})).is_err());
    }
}
