//! The attribute tag catalogue the Backbone publishes (`GET /api/v2/Tags`), cached as the
//! official `AttributesController` caches it: in the store collection `TagCollection` as the
//! three records `{name, value}` named `tagCollection`, `etag` and `cacheTimestamp`.
//!
//! - A cache younger than [`CACHE_LIFETIME`] is answered without asking the Backbone.
//! - Otherwise the Backbone is asked with `If-None-Match: <etag>`; a 304 answers the cached
//!   catalogue and, as in the official, leaves the timestamp alone, so until the catalogue
//!   changes every later read asks again (cheaply).
//! - Before the first answer the catalogue is the runtime's initial value, empty; it is never
//!   answered from there, since without a timestamp the cache is stale.
//! - Callers that arrive while a read is under way wait for it and share its outcome, so
//!   concurrent validations cost one request.
//!
//! Backbone failures are passed on as the other Backbone calls pass them on.

use crate::Transport;
use crate::error::{Result, TransportError};
use crate::util::format_time;
use consumer_api::tags::TagCollection;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

pub const COLLECTION: &str = "TagCollection";
/// `tagCacheLifetimeInMinutes`, the transport library's default.
pub const CACHE_LIFETIME: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

const COLLECTION_RECORD: &str = "tagCollection";
const ETAG_RECORD: &str = "etag";
const TIMESTAMP_RECORD: &str = "cacheTimestamp";
/// The `@type` the runtime's `AttributeTagCollection.toJSON()` stores with the value.
const STORED_TYPE: &str = "AttributeTagCollection";

type Outcome = std::result::Result<TagCollection, Arc<TransportError>>;

/// The read under way, if any; the next caller after it ends starts a new one.
#[derive(Default)]
pub(crate) struct TagReads {
    in_flight: Mutex<Option<Arc<OnceCell<Outcome>>>>,
}

/// The cached records, each as stored or its initial value.
struct Cached {
    collection: TagCollection,
    etag: Option<String>,
    timestamp: Option<chrono::DateTime<chrono::Utc>>,
}

impl Transport {
    /// The Backbone's tag catalogue, from the cache while it is fresh.
    pub async fn tag_collection(&self) -> Result<TagCollection> {
        let read = {
            let mut in_flight = self
                .tag_reads
                .in_flight
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            in_flight.get_or_insert_with(Default::default).clone()
        };
        // If the caller whose read this is goes away mid-way, a waiting one takes it over.
        let outcome = read
            .get_or_init(|| async { self.read_tag_collection().await.map_err(Arc::new) })
            .await
            .clone();
        {
            let mut in_flight = self
                .tag_reads
                .in_flight
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if in_flight.as_ref().is_some_and(|r| Arc::ptr_eq(r, &read)) {
                *in_flight = None;
            }
        }
        outcome.map_err(|e| duplicate(&e))
    }

    async fn read_tag_collection(&self) -> Result<TagCollection> {
        let cached = self.cached_tags().await?;
        let now = chrono::Utc::now();
        if cached.timestamp.is_some_and(|t| t >= now - CACHE_LIFETIME) {
            return Ok(cached.collection);
        }
        let etag = cached.etag.as_deref().filter(|e| !e.is_empty());
        let Some((collection, etag)) = self.backbone.tag_collection(etag).await? else {
            return Ok(cached.collection);
        };
        let mut stored = serde_json::Map::new();
        stored.insert("@type".into(), json!(STORED_TYPE));
        if let Value::Object(fields) = serde_json::to_value(&collection)
            .map_err(|e| TransportError::Internal(format!("tag collection: {e}")))?
        {
            stored.extend(fields);
        }
        let record = |name: &str, value: Value| store::Write::Put {
            collection: COLLECTION.into(),
            doc: json!({ "id": name, "name": name, "value": value }),
        };
        self.store
            .write_batch(vec![
                record(ETAG_RECORD, json!(etag.unwrap_or_default())),
                record(TIMESTAMP_RECORD, json!(format_time(now))),
                record(COLLECTION_RECORD, Value::Object(stored)),
            ])
            .await?;
        Ok(collection)
    }

    async fn cached_tags(&self) -> Result<Cached> {
        let value = |doc: Option<Value>| doc.and_then(|mut d| d.get_mut("value").map(Value::take));
        let collection = match value(self.store.get(COLLECTION, COLLECTION_RECORD).await?) {
            Some(v) => serde_json::from_value(v)
                .map_err(|e| TransportError::Internal(format!("stored tag collection: {e}")))?,
            None => TagCollection::default(),
        };
        let etag = value(self.store.get(COLLECTION, ETAG_RECORD).await?)
            .and_then(|v| v.as_str().map(str::to_owned));
        // An unreadable timestamp is a stale cache, as `CoreDate.from` failing is there.
        let timestamp = value(self.store.get(COLLECTION, TIMESTAMP_RECORD).await?)
            .and_then(|v| {
                v.as_str()
                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            })
            .map(|t| t.with_timezone(&chrono::Utc));
        Ok(Cached {
            collection,
            etag,
            timestamp,
        })
    }
}

/// Each caller sharing a read gets the failure as its own value.
fn duplicate(e: &TransportError) -> TransportError {
    match e {
        TransportError::NotFound(what) => TransportError::NotFound(what),
        TransportError::Invalid { code, message } => TransportError::Invalid {
            code,
            message: message.clone(),
        },
        TransportError::Peer { code, message } => TransportError::Peer {
            code,
            message: message.clone(),
        },
        TransportError::Startup { code, message } => TransportError::Startup {
            code,
            message: message.clone(),
        },
        TransportError::Backbone(b) => TransportError::Backbone(b.clone()),
        TransportError::Unreachable { url, detail } => TransportError::Unreachable {
            url: url.clone(),
            detail: detail.clone(),
        },
        TransportError::Wire(_) | TransportError::Store(_) | TransportError::Internal(_) => {
            TransportError::Internal(e.to_string())
        }
    }
}
