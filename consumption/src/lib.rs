//! The consumption layer of the Connector: what the objects transport moves mean to the
//! organisation. It keeps its records in the same store as transport, writes each change with
//! its events in one batch ([`transport::Change`]), and answers with the runtime's DTOs and
//! error codes ([`transport::TransportError`] carries them; the edge maps them to HTTP once).
//!
//! - [`files`]: own file uploads, whose tags are checked here.
//! - [`identity_metadata`]: JSON values kept about the own identity or a peer.
//! - [`tags`]: which tags an attribute or file may carry, and the Backbone's tag catalogue.

pub mod files;
pub mod identity_metadata;
pub mod tags;

use std::sync::Arc;
use transport::Transport;

pub use transport::{Result, TransportError as Error};

/// The consumption layer of one identity.
pub struct Consumption {
    transport: Arc<Transport>,
}

impl Consumption {
    /// The layer over `transport`; registers the records about peers that decomposing a
    /// relationship deletes.
    pub fn new(transport: Arc<Transport>) -> Self {
        transport.register_peer_data(identity_metadata::PEER_DATA);
        Self { transport }
    }
}
