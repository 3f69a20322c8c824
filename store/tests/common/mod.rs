//! A store without transactions, made of the embedded store's single-document writes with
//! batches through [`store::journal`], the scheme the MongoDB backend uses on a standalone
//! server. It can be told to stop after a number of single writes, as a killed process would.

use async_trait::async_trait;
use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};
use store::journal::Journal;
use store::sqlite::SqliteStore;
use store::{Filter, FindOptions, IndexSpec, Result, Store, StoreError, Write};

pub struct Journaled {
    pub inner: SqliteStore,
    journal: Journal,
    /// Single writes left before the "process dies"; `usize::MAX` for never.
    writes_left: AtomicUsize,
}

impl Journaled {
    pub async fn new() -> Self {
        Self {
            inner: SqliteStore::open_in_memory().await.unwrap(),
            journal: Journal::new(),
            writes_left: AtomicUsize::new(usize::MAX),
        }
    }

    /// From now on, only `n` more single writes reach the store.
    #[allow(dead_code)] // used by the crash tests, not by the conformance suite
    pub fn die_after(&self, n: usize) {
        self.writes_left.store(n, Ordering::SeqCst);
    }

    fn spend(&self) -> Result<()> {
        let spent = self
            .writes_left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
        spent
            .map(|_| ())
            .map_err(|_| StoreError::Backend("the process died".into()))
    }
}

#[async_trait]
impl Store for Journaled {
    async fn create(&self, collection: &str, doc: Value) -> Result<()> {
        self.spend()?;
        self.inner.create(collection, doc).await
    }
    async fn put(&self, collection: &str, doc: Value) -> Result<()> {
        self.spend()?;
        self.inner.put(collection, doc).await
    }
    async fn update(&self, collection: &str, doc: Value) -> Result<()> {
        self.spend()?;
        self.inner.update(collection, doc).await
    }
    async fn get(&self, collection: &str, id: &str) -> Result<Option<Value>> {
        self.inner.get(collection, id).await
    }
    async fn delete(&self, collection: &str, id: &str) -> Result<bool> {
        self.spend()?;
        self.inner.delete(collection, id).await
    }
    async fn find(
        &self,
        collection: &str,
        filter: &Filter,
        options: &FindOptions,
    ) -> Result<Vec<Value>> {
        self.inner.find(collection, filter, options).await
    }
    async fn count(&self, collection: &str, filter: &Filter) -> Result<u64> {
        self.inner.count(collection, filter).await
    }
    async fn write_batch(&self, writes: Vec<Write>) -> Result<()> {
        self.journal.write_batch(self, writes).await
    }
    async fn ensure_index(&self, collection: &str, index: IndexSpec) -> Result<()> {
        self.inner.ensure_index(collection, index).await
    }
    async fn ping(&self) -> Result<()> {
        self.inner.ping().await
    }
    async fn close(&self) -> Result<()> {
        self.inner.close().await
    }
    fn backend_name(&self) -> &'static str {
        "journaled"
    }
}
