//! What the layer above transport does when transport changes something: the consumption
//! layer's request and notification handling (the official runtime's RequestModule, Decider
//! and NotificationModule) plugs in here.
//!
//! The official runtime reacts to events after they were published, so a crash in between
//! loses the reaction. Here a reaction adds its writes and events to the very [`Change`] that
//! caused it, before that change is written: a received message and the incoming request it
//! carries, or a sent response and the completed request, are one atomic batch.

use crate::change::Change;
use crate::error::Result;
use content::{RelationshipCreationContent, RelationshipTemplateContent, Request};
use wire::Address;

/// The consumption layer's side of transport's changes and checks.
#[async_trait::async_trait]
pub trait Reactions: Send + Sync {
    /// Called with every change before it is written; `change.events()` tells what happened.
    /// Writes and events added here land in the same batch.
    async fn react(&self, change: &mut Change) -> Result<()>;

    /// Called after a change was written and its events announced.
    async fn after_commit(&self) {}

    /// Called after each sync, outside any change: work a reaction left for later (e.g.
    /// answering a request decided during the sync, which needs the Backbone).
    async fn after_sync(&self) -> Result<()>;

    /// `SendMessage` with a Request: the outgoing LocalRequest `request.id` names must hold the
    /// same content, not be expired, be meant for `recipient` and still be a Draft.
    async fn check_outgoing_request_for_message(
        &self,
        request: &Request,
        recipient: &Address,
    ) -> Result<()>;

    /// `CreateOwnRelationshipTemplate`: `outgoingRequests.canCreate` (without a peer) for the
    /// template's `onNewRelationship` and then its `onExistingRelationship`.
    async fn check_template_requests_can_be_created(
        &self,
        content: &RelationshipTemplateContent,
    ) -> Result<()>;

    /// `CreateRelationship` with a `RelationshipCreationContent`: a decided incoming Request
    /// from the template, accepted, whose Response is the creation content's.
    async fn check_accepted_incoming_request(
        &self,
        template_id: &str,
        content: &RelationshipCreationContent,
    ) -> Result<()>;
}
