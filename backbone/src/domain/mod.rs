//! The Backbone's rules, one module per area of the Consumer API. Nothing here knows HTTP:
//! functions take the authenticated [`Caller`] and typed requests and return DTOs or [`Error`]s.
//!
//! [`Backbone`] is the whole runtime in one struct: configuration, the store, the login
//! sessions, the write gate and the notifier that feeds the SSE stream.

pub mod auth;
pub mod challenges;
pub mod datawallet;
pub mod deletion;
pub mod devices;
pub mod files;
pub mod identities;
pub mod messages;
pub mod misc;
mod protection;
pub mod relationship_templates;
pub mod relationships;
pub mod sync;
pub mod tokens;
mod tx;

use crate::config::Config;
use crate::error::{Error, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use store::{Filter, FindOptions, IndexSpec, Store};
use tokio::sync::{Mutex, MutexGuard, broadcast};
use wire::{Address, SignaturePublicKey};

pub(crate) use tx::Tx;

/// The identity and device an access token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub address: Address,
    pub device: String,
}

/// Sent to SSE subscribers whenever an external event is created for `owner`.
#[derive(Debug, Clone)]
pub struct Notice {
    pub owner: Address,
    pub event_name: &'static str,
}

pub struct Backbone {
    pub(crate) config: Config,
    store: Arc<dyn Store>,
    pub(crate) sessions: auth::Sessions,
    /// Serialises every read-modify-write: counters, allocations, sync runs and state changes
    /// must not interleave. A local Backbone has one writer, so one gate is enough.
    gate: Mutex<()>,
    notices: broadcast::Sender<Notice>,
    /// How often the tag catalogue was asked for; tests see a client's cache through it.
    tag_requests: std::sync::atomic::AtomicU64,
}

impl Backbone {
    /// Wraps a store and declares the indexes the list queries need. Only scalar fields: the
    /// SQLite engine pushes indexed equality down as a scalar comparison, which an array field
    /// (such as a message's `participants`) would never satisfy.
    pub async fn new(config: Config, store: Arc<dyn Store>) -> Result<Self> {
        let indexes: &[(&str, &str)] = &[
            (devices::COLLECTION, "username"),
            (devices::COLLECTION, "address"),
            (sync::EVENTS, "owner"),
            (sync::EVENTS, "syncRunId"),
            (sync::RUNS, "createdBy"),
            (relationships::COLLECTION, "from"),
            (relationships::COLLECTION, "to"),
            (messages::COLLECTION, "createdBy"),
            (datawallet::MODIFICATIONS, "owner"),
            (deletion::COLLECTION, "address"),
        ];
        // Every new identity's address is derived with this domain: refuse one that `wire`
        // rejects now rather than at the first identity.
        Address::derive(&SignaturePublicKey::from_bytes([0; 32]), &config.did_domain)?;
        for (collection, field) in indexes {
            store.ensure_index(collection, IndexSpec::on(field)).await?;
        }
        let (notices, _) = broadcast::channel(1024);
        Ok(Self {
            config,
            store,
            sessions: auth::Sessions::default(),
            gate: Mutex::new(()),
            notices,
            tag_requests: Default::default(),
        })
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Notice> {
        self.notices.subscribe()
    }

    pub async fn ping(&self) -> Result<()> {
        Ok(self.store.ping().await?)
    }

    pub(crate) async fn gate(&self) -> MutexGuard<'_, ()> {
        self.gate.lock().await
    }

    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        collection: &str,
        id: &str,
    ) -> Result<Option<T>> {
        match self.store.get(collection, id).await? {
            Some(doc) => Ok(Some(from_doc(doc)?)),
            None => Ok(None),
        }
    }

    pub(crate) async fn find<T: DeserializeOwned>(
        &self,
        collection: &str,
        filter: &Filter,
        options: &FindOptions,
    ) -> Result<Vec<T>> {
        let docs = self.store.find(collection, filter, options).await?;
        docs.into_iter().map(from_doc).collect()
    }

    /// What a list route returns: the documents matching `filter`, narrowed to `ids` when any
    /// are given, oldest first.
    pub(crate) async fn find_listed<T: DeserializeOwned>(
        &self,
        collection: &str,
        filter: Filter,
        ids: &[String],
    ) -> Result<Vec<T>> {
        let filter = if ids.is_empty() {
            filter
        } else {
            let ids: Vec<serde_json::Value> = ids.iter().map(|i| serde_json::json!(i)).collect();
            filter.and(Filter::cond("id", store::Op::In, ids))
        };
        self.find(
            collection,
            &filter,
            &FindOptions::sorted_by("createdAt", false),
        )
        .await
    }

    pub(crate) async fn count(&self, collection: &str, filter: &Filter) -> Result<u64> {
        Ok(self.store.count(collection, filter).await?)
    }

    /// Applies a transaction atomically, then tells SSE subscribers about the events it created.
    /// Callers hold the gate, which is what makes the event indexes gap-free and unique.
    pub(crate) async fn commit(&self, tx: Tx) -> Result<()> {
        let (writes, notices) = tx.into_writes(self).await?;
        if !writes.is_empty() {
            self.store.write_batch(writes).await?;
        }
        for notice in notices {
            // No subscriber is the normal case; a send error means just that.
            let _ = self.notices.send(notice);
        }
        Ok(())
    }
}

pub(crate) fn from_doc<T: DeserializeOwned>(doc: serde_json::Value) -> Result<T> {
    serde_json::from_value(doc).map_err(|e| Error::Corrupt(e.to_string()))
}

pub(crate) fn to_doc<T: Serialize>(value: &T) -> Result<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| Error::Corrupt(e.to_string()))
}
