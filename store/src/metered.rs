//! [`Metered`]: any [`Store`] with each operation's duration and failures recorded through the
//! `metrics` facade, labelled by backend and operation only (collection names would multiply
//! the series without telling an operator more than "the store is slow").
//!
//! Recording is a no-op until the process installs a recorder, so the store itself stays free
//! of any exporter.

use crate::{Document, Filter, FindOptions, IndexSpec, Result, Store, Write};
use async_trait::async_trait;
use std::time::Instant;

/// Seconds one store operation took: `backend`, `operation`.
pub const OPERATION_DURATION: &str = "connector_store_operation_duration_seconds";
/// Store operations that failed: `backend`, `operation`.
pub const OPERATION_ERRORS: &str = "connector_store_operation_errors_total";

/// Describes this crate's metrics to the installed recorder.
pub fn describe_metrics() {
    metrics::describe_histogram!(
        OPERATION_DURATION,
        metrics::Unit::Seconds,
        "Duration of one store operation"
    );
    metrics::describe_counter!(OPERATION_ERRORS, "Store operations that failed");
}

pub struct Metered<S> {
    inner: S,
}

impl<S: Store> Metered<S> {
    pub fn new(inner: S) -> Self {
        Self { inner }
    }

    async fn timed<T>(
        &self,
        operation: &'static str,
        call: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        let started = Instant::now();
        let result = call.await;
        let backend = self.inner.backend_name();
        metrics::histogram!(OPERATION_DURATION, "backend" => backend, "operation" => operation)
            .record(started.elapsed().as_secs_f64());
        if result.is_err() {
            metrics::counter!(OPERATION_ERRORS, "backend" => backend, "operation" => operation)
                .increment(1);
        }
        result
    }
}

#[async_trait]
impl<S: Store> Store for Metered<S> {
    async fn create(&self, collection: &str, doc: Document) -> Result<()> {
        self.timed("create", self.inner.create(collection, doc))
            .await
    }
    async fn put(&self, collection: &str, doc: Document) -> Result<()> {
        self.timed("put", self.inner.put(collection, doc)).await
    }
    async fn update(&self, collection: &str, doc: Document) -> Result<()> {
        self.timed("update", self.inner.update(collection, doc))
            .await
    }
    async fn get(&self, collection: &str, id: &str) -> Result<Option<Document>> {
        self.timed("get", self.inner.get(collection, id)).await
    }
    async fn delete(&self, collection: &str, id: &str) -> Result<bool> {
        self.timed("delete", self.inner.delete(collection, id))
            .await
    }
    async fn find(
        &self,
        collection: &str,
        filter: &Filter,
        options: &FindOptions,
    ) -> Result<Vec<Document>> {
        self.timed("find", self.inner.find(collection, filter, options))
            .await
    }
    async fn count(&self, collection: &str, filter: &Filter) -> Result<u64> {
        self.timed("count", self.inner.count(collection, filter))
            .await
    }
    async fn write_batch(&self, writes: Vec<Write>) -> Result<()> {
        self.timed("write_batch", self.inner.write_batch(writes))
            .await
    }
    async fn ensure_index(&self, collection: &str, index: IndexSpec) -> Result<()> {
        self.inner.ensure_index(collection, index).await
    }
    async fn ping(&self) -> Result<()> {
        self.timed("ping", self.inner.ping()).await
    }
    async fn close(&self) -> Result<()> {
        self.inner.close().await
    }
    fn backend_name(&self) -> &'static str {
        self.inner.backend_name()
    }
}
