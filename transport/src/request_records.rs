//! What the transport routes ask about the consumption layer's Requests: the outgoing
//! LocalRequest a Request message must have, whether a template's Requests could be created,
//! and the accepted incoming Request a relationship's creation content answers.
//!
//! LocalRequests are not kept yet. Until they are, each question answers as the runtime does
//! when it finds no record (or, for `canCreate`, when there is nothing to object to), so the
//! routes already give the official answers in the official order; the Requests work fills in
//! these functions and nothing else.

use crate::Transport;
use crate::error::{Result, TransportError};
use content::{RelationshipCreationContent, RelationshipTemplateContent, Request};
use wire::Address;

impl Transport {
    /// `SendMessage` with a Request: the outgoing LocalRequest `request.id` names, which must
    /// hold the same content, not be expired, be meant for `recipient` and still be a Draft.
    pub(crate) async fn check_outgoing_request_for_message(
        &self,
        request: &Request,
        recipient: &Address,
    ) -> Result<()> {
        // No outgoing LocalRequest exists yet, so none has this id.
        let _ = (request, recipient);
        Err(TransportError::NotFound("Request"))
    }

    /// `CreateOwnRelationshipTemplate`: `outgoingRequests.canCreate` (without a peer) for the
    /// template's `onNewRelationship` and then its `onExistingRelationship`.
    pub(crate) async fn check_template_requests_can_be_created(
        &self,
        content: &RelationshipTemplateContent,
    ) -> Result<()> {
        // The per-item rules of `canCreate` come with the outgoing Requests.
        let _ = content;
        Ok(())
    }

    /// `CreateRelationship` and `CanCreateRelationship` with a `RelationshipCreationContent`:
    /// a decided incoming Request from the template `template_id`, accepted, whose Response is
    /// the creation content's.
    pub(crate) async fn check_accepted_incoming_request(
        &self,
        template_id: &str,
        content: &RelationshipCreationContent,
    ) -> Result<()> {
        // No incoming LocalRequest exists yet, so none was accepted.
        let _ = (template_id, content);
        Err(TransportError::rule(
            "error.runtime.relationships.noAcceptedIncomingRequest",
            "There is no accepted incoming Request associated with the RelationshipTemplateContent of the RelationshipTemplate.",
        ))
    }
}
