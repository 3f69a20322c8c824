//! The journal keeps a batch whole across a crash on a backend without transactions: the
//! process dies after every possible number of single writes, the store is opened again
//! (recovery), and the batch is there entirely or not at all.

mod common;

use serde_json::{Value, json};
use store::{Filter, FindOptions, Store, Write, journal};

async fn snapshot(s: &dyn Store) -> Vec<(String, Vec<Value>)> {
    let mut out = Vec::new();
    for c in ["Messages", "EventOutbox", "Processed", journal::COLLECTION] {
        let docs = s
            .find(c, &Filter::All, &FindOptions::default())
            .await
            .unwrap();
        let mut docs: Vec<Value> = docs;
        docs.sort_by_key(|d| d["id"].as_str().unwrap_or_default().to_owned());
        out.push((c.to_owned(), docs));
    }
    out
}

/// A synced message as the transport writes it: the message replaces a stale copy, its event
/// goes to the outbox, an old outbox entry is retired, and the processed marker comes last.
fn batch() -> Vec<Write> {
    vec![
        Write::Put {
            collection: "Messages".into(),
            doc: json!({"id": "MSG1", "content": {"body": "new"}}),
        },
        Write::Create {
            collection: "EventOutbox".into(),
            doc: json!({"id": "E2", "event": "transport.messageReceived"}),
        },
        Write::Delete {
            collection: "EventOutbox".into(),
            id: "E1".into(),
        },
        Write::Create {
            collection: "Processed".into(),
            doc: json!({"id": "EXT1"}),
        },
    ]
}

async fn seeded() -> common::Journaled {
    let s = common::Journaled::new().await;
    s.put(
        "Messages",
        json!({"id": "MSG1", "content": {"body": "old"}}),
    )
    .await
    .unwrap();
    s.create("EventOutbox", json!({"id": "E1", "event": "earlier"}))
        .await
        .unwrap();
    s
}

#[tokio::test]
async fn a_batch_is_whole_or_absent_after_a_crash_at_every_point() {
    let before = snapshot(&seeded().await).await;
    let after = {
        let s = seeded().await;
        s.write_batch(batch()).await.unwrap();
        snapshot(&s).await
    };
    assert_ne!(before, after);
    // Journal insert, four writes, journal delete: six single writes in all.
    let mut outcomes = (0, 0);
    for survive in 0..=6 {
        let s = seeded().await;
        s.die_after(survive);
        let result = s.write_batch(batch()).await;
        assert_eq!(
            result.is_ok(),
            survive == 6,
            "after {survive} writes: {result:?}"
        );
        // Opened again by a new process: recovery runs before anything reads.
        let recovered = journal::recover(&s.inner).await.unwrap();
        let state = snapshot(&s.inner).await;
        if survive == 0 {
            assert_eq!(recovered, 0);
            assert_eq!(state, before, "nothing was recorded, so nothing is there");
            outcomes.0 += 1;
        } else {
            assert_eq!(recovered, usize::from(survive < 6));
            assert_eq!(
                state, after,
                "recorded after {survive} writes, so all is there"
            );
            outcomes.1 += 1;
        }
    }
    assert_eq!(outcomes, (1, 6));
}

#[tokio::test]
async fn a_duplicate_writes_nothing_not_even_the_journal() {
    let s = seeded().await;
    let before = snapshot(&s).await;
    let mut writes = batch();
    writes.push(Write::Create {
        collection: "EventOutbox".into(),
        doc: json!({"id": "E1"}),
    });
    let failed = s.write_batch(writes).await;
    assert!(
        matches!(failed, Err(store::StoreError::Duplicate(..))),
        "{failed:?}"
    );
    assert_eq!(snapshot(&s).await, before);
}

#[tokio::test]
async fn recovery_applies_interrupted_batches_in_the_order_they_were_made() {
    let s = seeded().await;
    // The first batch dies after its journal entry; the process goes on (as a new one would
    // after a restart) only once recovery ran, so the second batch is recorded later.
    s.die_after(1);
    let first = vec![Write::Put {
        collection: "Messages".into(),
        doc: json!({"id": "MSG1", "content": {"body": "first"}}),
    }];
    assert!(s.write_batch(first).await.is_err());
    s.die_after(1);
    let second = vec![Write::Put {
        collection: "Messages".into(),
        doc: json!({"id": "MSG1", "content": {"body": "second"}}),
    }];
    assert!(s.write_batch(second).await.is_err());
    assert_eq!(journal::recover(&s.inner).await.unwrap(), 2);
    let msg = s.inner.get("Messages", "MSG1").await.unwrap().unwrap();
    assert_eq!(msg["content"]["body"], "second");
    assert_eq!(journal::recover(&s.inner).await.unwrap(), 0);
}
