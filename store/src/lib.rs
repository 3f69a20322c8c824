//! The document store: JSON documents in named collections, looked up by `id` or by the
//! official Connector's query language.
//!
//! This crate owns persistence and nothing else: it knows collections, documents and filters,
//! never routes, DTOs or Enmeshed semantics. Two backends sit behind [`Store`]:
//! - [`sqlite::SqliteStore`], the embedded default (one file per `dbName`, WAL, `synchronous=FULL`);
//! - [`mongo::MongoStore`], for production, with the same collections and documents as the
//!   official Connector's MongoDB driver.
//!
//! Every acknowledged write is durable when its future resolves; [`Store::write_batch`] applies
//! several writes atomically (used wherever a crash between two writes would lose or duplicate
//! data).

pub mod filter;
pub mod journal;
pub mod metered;
#[cfg(feature = "mongodb")]
pub mod mongo;
pub mod query;
pub mod sqlite;

use async_trait::async_trait;
use serde_json::Value;

pub use filter::{Condition, Filter, Op};
pub use metered::Metered;
pub use query::{FindOptions, QueryError, Sort, parse_query};

/// A stored document: a JSON object that carries its own string `id`.
pub type Document = Value;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("document has no string `id` field")]
    MissingId,
    #[error("a document with id `{0}` already exists in `{1}`")]
    Duplicate(String, String),
    #[error("no document with id `{0}` in `{1}`")]
    NotFound(String, String),
    #[error("invalid collection name `{0}`")]
    InvalidCollection(String),
    #[error("store backend: {0}")]
    Backend(String),
    #[error("store is closed")]
    Closed,
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// One write inside an atomic batch.
#[derive(Debug, Clone)]
pub enum Write {
    /// Insert; fails the whole batch with [`StoreError::Duplicate`] if the id exists.
    Create { collection: String, doc: Document },
    /// Insert or replace by id.
    Put { collection: String, doc: Document },
    /// Delete by id; deleting a missing id is not an error.
    Delete { collection: String, id: String },
}

/// Stored documents as JSON text, one document an item, as the backend reads them: an answer
/// can pass them on without parsing, and holds only the channel's few documents at a time.
pub type JsonRows = tokio::sync::mpsc::Receiver<Result<String>>;

/// How many documents a [`JsonRows`] channel holds before the reader waits for the consumer.
pub const JSON_ROWS_BUFFER: usize = 256;

/// An index the list routes need. Declared by the layer that owns a collection, at start-up.
///
/// Only index fields that hold one scalar per document (ids, addresses, status, timestamps):
/// the embedded store answers conditions on an indexed field from the index alone, so a
/// document whose indexed field is an array would not be found by an equality on an element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexSpec {
    /// Dotted field path, e.g. `peer` or `content.@type`.
    pub field: String,
    pub unique: bool,
}

impl IndexSpec {
    pub fn on(field: &str) -> Self {
        Self {
            field: field.to_owned(),
            unique: false,
        }
    }
    pub fn unique(field: &str) -> Self {
        Self {
            field: field.to_owned(),
            unique: true,
        }
    }
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Insert a new document; [`StoreError::Duplicate`] if its id exists.
    async fn create(&self, collection: &str, doc: Document) -> Result<()>;
    /// Insert or replace the document with the same id.
    async fn put(&self, collection: &str, doc: Document) -> Result<()>;
    /// Replace an existing document; [`StoreError::NotFound`] if there is none.
    async fn update(&self, collection: &str, doc: Document) -> Result<()>;
    async fn get(&self, collection: &str, id: &str) -> Result<Option<Document>>;
    /// Returns whether a document was deleted.
    async fn delete(&self, collection: &str, id: &str) -> Result<bool>;
    /// Documents matching `filter`, in `options.sort` order (insertion order when unsorted).
    async fn find(
        &self,
        collection: &str,
        filter: &Filter,
        options: &FindOptions,
    ) -> Result<Vec<Document>>;
    async fn count(&self, collection: &str, filter: &Filter) -> Result<u64>;
    /// [`Store::find`], as JSON text without the top-level fields in `omit`, streamed. This
    /// default reads every document first; a backend that can stream overrides it.
    async fn find_json(
        &self,
        collection: &str,
        filter: &Filter,
        options: &FindOptions,
        omit: &'static [&'static str],
    ) -> Result<JsonRows> {
        let docs = self.find(collection, filter, options).await?;
        Ok(json_rows(docs, omit))
    }
    /// Apply every write or none.
    async fn write_batch(&self, writes: Vec<Write>) -> Result<()>;
    /// Idempotent: create the index if it does not exist yet.
    async fn ensure_index(&self, collection: &str, index: IndexSpec) -> Result<()>;
    /// Cheap liveness check, used by `/health`.
    async fn ping(&self) -> Result<()>;
    /// Flush and release the backend; later calls return [`StoreError::Closed`].
    async fn close(&self) -> Result<()>;
    /// `sqlite` or `mongodb`, for logs and `/Monitoring/Support`.
    fn backend_name(&self) -> &'static str;
}

/// Documents already read, as [`JsonRows`] without the top-level fields in `omit`.
pub fn json_rows(docs: Vec<Document>, omit: &[&str]) -> JsonRows {
    let (tx, rx) = tokio::sync::mpsc::channel(docs.len().max(1));
    for mut doc in docs {
        if let Some(fields) = doc.as_object_mut() {
            for field in omit {
                fields.shift_remove(*field);
            }
        }
        let text = serde_json::to_string(&doc).map_err(|e| StoreError::Backend(e.to_string()));
        // The channel has room for every document and the receiver is still here.
        let _ = tx.try_send(text);
    }
    rx
}

/// The id of a document, or [`StoreError::MissingId`].
pub fn document_id(doc: &Document) -> Result<&str> {
    doc.get("id")
        .and_then(Value::as_str)
        .ok_or(StoreError::MissingId)
}

/// Collection names become table names in SQLite; keep them to a safe alphabet.
pub fn check_collection(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    if ok {
        Ok(())
    } else {
        Err(StoreError::InvalidCollection(name.to_owned()))
    }
}
