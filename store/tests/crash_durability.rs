//! `kill -9` during a burst of acknowledged writes loses none of them.
//!
//! The test re-runs its own binary as a child that writes as fast as it can and prints each id
//! once `create` has returned; the parent kills it mid-burst, reopens the file and checks that
//! every printed id is there.

use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use store::{Store, sqlite::SqliteStore};

const CHILD_ENV: &str = "STORE_CRASH_CHILD_DB";

#[tokio::test]
async fn burst_writer_child() {
    // Only does something when started by `kill_9_loses_no_acknowledged_write`.
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return;
    };
    let store = std::sync::Arc::new(SqliteStore::open(&path).await.unwrap());
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    // Several concurrent writers, as concurrent API requests would be.
    for w in 0..4 {
        let (store, tx) = (store.clone(), tx.clone());
        tokio::spawn(async move {
            for i in 0.. {
                let id = format!("W{w}_{i}");
                store
                    .create("Burst", json!({"id": id, "payload": "x".repeat(200)}))
                    .await
                    .unwrap();
                if tx.send(id).is_err() {
                    return;
                }
            }
        });
    }
    drop(tx);
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    while let Some(id) = rx.recv().await {
        writeln!(out, "ACK {id}").unwrap();
        out.flush().unwrap();
    }
}

#[tokio::test]
async fn kill_9_loses_no_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("burst.db");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "burst_writer_child",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, &db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let reader = BufReader::new(child.stdout.take().unwrap());
    let mut acked = Vec::new();
    for line in reader.lines() {
        let line = line.unwrap();
        if let Some(id) = line.strip_prefix("ACK ") {
            acked.push(id.to_owned());
            if acked.len() == 300 {
                // SIGKILL: no destructor, no checkpoint, no flush runs.
                child.kill().unwrap();
                break;
            }
        }
    }
    child.wait().unwrap();
    assert_eq!(
        acked.len(),
        300,
        "the child acknowledged writes before it was killed"
    );

    let store = SqliteStore::open(&db).await.unwrap();
    let mut missing = Vec::new();
    for id in &acked {
        if store.get("Burst", id).await.unwrap().is_none() {
            missing.push(id.clone());
        }
    }
    assert!(
        missing.is_empty(),
        "acknowledged writes lost after kill -9: {missing:?}"
    );
    let total = store.count("Burst", &store::Filter::All).await.unwrap();
    assert!(total >= acked.len() as u64);
}
