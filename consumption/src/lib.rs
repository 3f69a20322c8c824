//! The consumption layer of the Connector: what the objects transport moves mean to the
//! organisation. It keeps its records in the same store as transport, writes each change with
//! its events in one batch ([`transport::Change`]), and answers with the runtime's DTOs and
//! error codes ([`transport::TransportError`] carries them; the edge maps them to HTTP once).
//!
//! - [`attributes`]: the attribute store (7.0 model), its routes' reads and writes.
//! - [`files`]: own file uploads, whose tags are checked here.
//! - [`identity_metadata`]: JSON values kept about the own identity or a peer.
//! - [`notifications`]: notifications sent to and received from peers, and what a received
//!   one means for the attributes (the runtime's NotificationModule, in the same batch).
//! - [`requests`]: requests with peers, outgoing and incoming, and what transport's changes
//!   mean for them (the runtime's RequestModule, in the same batch as the change).
//! - [`tags`]: which tags an attribute or file may carry, and the Backbone's tag catalogue.

pub mod attributes;
pub mod files;
pub mod identity_metadata;
pub mod notifications;
pub mod requests;
pub mod tags;

use std::sync::Arc;
use transport::Transport;

pub use transport::{Result, TransportError as Error};

/// The consumption layer of one identity.
pub struct Consumption {
    transport: Arc<Transport>,
    shared: Arc<requests::Shared>,
}

impl Consumption {
    /// The layer over `transport`: registers the records about a peer that decomposing a
    /// relationship deletes, and makes sure the indexes of the listing filters exist.
    pub async fn open(transport: Arc<Transport>) -> Result<Self> {
        Self::open_with(transport, requests::decider::Decider::default()).await
    }

    /// [`Consumption::open`] with the decider's rules (`modules.decider`).
    pub async fn open_with(
        transport: Arc<Transport>,
        decider: requests::decider::Decider,
    ) -> Result<Self> {
        transport.register_peer_data(identity_metadata::PEER_DATA);
        transport.register_peer_data(attributes::PEER_DATA);
        transport.register_peer_data(attributes::FORWARDS_PEER_DATA);
        transport.register_peer_data(requests::PEER_DATA);
        transport.register_peer_data(notifications::PEER_DATA);
        for (collection, field) in [
            (attributes::COLLECTION, "@type"),
            (attributes::COLLECTION, "peer"),
            (attributes::COLLECTION, "content.value.@type"),
            (attributes::COLLECTION, "succeededBy"),
            (attributes::FORWARDING_DETAILS, "attributeId"),
            (attributes::FORWARDING_DETAILS, "peer"),
            (identity_metadata::COLLECTION, "reference"),
            (requests::COLLECTION, "isOwn"),
            (requests::COLLECTION, "peer"),
            (requests::COLLECTION, "source.reference"),
            (notifications::COLLECTION, "peer"),
        ] {
            transport
                .store()
                .ensure_index(collection, store::IndexSpec::on(field))
                .await?;
        }
        let shared = Arc::new(requests::Shared {
            decider,
            answering: Default::default(),
        });
        Self::react_to(&transport, &shared);
        Ok(Self { transport, shared })
    }
}
