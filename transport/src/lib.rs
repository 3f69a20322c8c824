//! The Enmeshed transport layer of the Connector: the identity and its device, the Backbone
//! client, the sync with its external events, and one module per Enmeshed object
//! (relationship templates, relationships, messages, files, tokens, challenges) with its local
//! persistence in the [`store`].
//!
//! It takes typed requests and answers with the runtime's DTOs (`runtime-types`), and knows
//! nothing about HTTP routes; the Connector's REST handlers are a thin layer over [`Transport`]. Every change is
//! also published on [`events::EventBus`] with the official event names.

pub mod account;
pub mod announcements;
pub mod backbone;
pub mod backbone_notifications;
pub mod challenges;
pub mod change;
pub mod error;
pub mod events;
pub mod files;
pub mod identity_deletion;
pub mod messages;
pub mod metrics;
pub mod password;
pub mod push;
pub mod reactions;
pub mod relationship_templates;
pub mod relationships;
mod request_records;
pub mod sync;
pub mod tags;
mod token_content;
pub mod tokens;
mod util;
pub mod vault;

pub use account::{IdentityInfo, TransportConfig};
pub use change::{Change, ChangeEvent};
pub use error::{BackboneError, Result, TransportError};
pub use events::{Event, EventBus};
pub use util::Ownership;
pub use vault::KeySource;

use backbone::BackboneClient;
use std::sync::Arc;
use store::Store;
use vault::Vault;

/// One identity on one Backbone, with everything needed to act for it.
pub struct Transport {
    store: Arc<dyn Store>,
    backbone: BackboneClient,
    vault: Vault,
    identity: account::Identity,
    events: EventBus,
    /// One sync run at a time: the Backbone refuses a second and the event processing relies
    /// on it.
    sync_lock: tokio::sync::Mutex<()>,
    /// Serialises every read-modify-write of relationship secrets, so a transmit counter is
    /// never handed out twice.
    secrets_lock: tokio::sync::Mutex<()>,
    /// What the layers above keep about a peer, deleted with the relationship.
    peer_data: std::sync::RwLock<Vec<PeerData>>,
    /// The tag catalogue read under way, shared by concurrent callers.
    tag_reads: tags::TagReads,
    /// The consumption layer's reactions to changes, set once it is opened.
    reactions: std::sync::OnceLock<Arc<dyn reactions::Reactions>>,
}

/// A collection of records about a peer, keyed by the peer's address in `field`: decomposing
/// the relationship deletes them in the same write that deletes the relationship.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerData {
    pub collection: &'static str,
    pub field: &'static str,
}

impl Transport {
    pub fn events(&self) -> &EventBus {
        &self.events
    }

    /// The store this identity keeps its objects in, for the layers above transport.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Plugs in the layer above: from now on every change is offered to `reactions` before
    /// it is written. Set once; a second call is ignored.
    pub fn set_reactions(&self, reactions: Arc<dyn reactions::Reactions>) {
        let _ = self.reactions.set(reactions);
    }

    pub(crate) fn reactions(&self) -> Option<&Arc<dyn reactions::Reactions>> {
        self.reactions.get()
    }

    /// Registers records about peers that decomposing a relationship deletes with it.
    pub fn register_peer_data(&self, data: PeerData) {
        let mut all = self.peer_data.write().unwrap_or_else(|e| e.into_inner());
        if !all.contains(&data) {
            all.push(data);
        }
    }

    pub fn address(&self) -> &wire::Address {
        &self.identity.address
    }

    /// The id of this identity's device (`DVC…`): it receives and processes what is synced.
    pub fn device_id(&self) -> &str {
        &self.identity.device_id
    }

    pub fn base_url(&self) -> &str {
        self.backbone.base_url()
    }

    /// The device's user name and password, for the health check's authentication probe.
    pub fn device_credentials(&self) -> Option<(String, String)> {
        self.backbone
            .device()
            .map(|d| (d.username.clone(), d.password.as_str().to_owned()))
    }

    /// Events in the outbox, oldest first, with their outbox ids.
    pub async fn outbox(&self) -> Result<Vec<(String, Event)>> {
        let docs = self
            .store
            .find(
                events::OUTBOX,
                &store::Filter::All,
                &store::FindOptions::default(),
            )
            .await?;
        docs.into_iter()
            .map(|doc| {
                let id = util::str_field(&doc, "id")?.to_owned();
                let event = serde_json::from_value(doc)
                    .map_err(|e| TransportError::Internal(e.to_string()))?;
                Ok((id, event))
            })
            .collect()
    }

    /// Removes events a consumer has durably taken over.
    pub async fn acknowledge(&self, ids: Vec<String>) -> Result<()> {
        let writes = ids
            .into_iter()
            .map(|id| store::Write::Delete {
                collection: events::OUTBOX.into(),
                id,
            })
            .collect();
        Ok(self.store.write_batch(writes).await?)
    }
}

impl Transport {
    /// Stored documents of `collection` matching `filter`, as DTOs, oldest first.
    async fn find_dtos(
        &self,
        collection: &str,
        filter: &store::Filter,
    ) -> Result<Vec<serde_json::Value>> {
        let docs = self
            .store
            .find(collection, filter, &store::FindOptions::default())
            .await?;
        Ok(docs.into_iter().map(util::dto).collect())
    }

    /// Deletes a stored object; an own one on the Backbone (at `backbone_path`) first, where
    /// one already gone counts as deleted.
    async fn delete_doc(
        &self,
        collection: &str,
        id: &str,
        what: &'static str,
        backbone_path: &str,
    ) -> Result<()> {
        let doc = self.get_doc(collection, id, what).await?;
        if doc.get("isOwn") == Some(&serde_json::Value::Bool(true)) {
            match self
                .backbone
                .call_no_result::<()>(reqwest::Method::DELETE, backbone_path, None)
                .await
            {
                Err(e) if !e.is_backbone_not_found() => return Err(e),
                _ => {}
            }
        }
        self.store.delete(collection, id).await?;
        Ok(())
    }

    async fn get_doc(
        &self,
        collection: &str,
        id: &str,
        what: &'static str,
    ) -> Result<serde_json::Value> {
        self.store
            .get(collection, id)
            .await?
            .ok_or(TransportError::NotFound(what))
    }
}
