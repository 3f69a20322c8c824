//! What the transport routes ask about the consumption layer's Requests: the outgoing
//! LocalRequest a Request message must have, whether a template's Requests could be created,
//! and the accepted incoming Request a relationship's creation content answers.
//!
//! The consumption layer answers through [`crate::reactions::Reactions`]. Without it (transport
//! alone, as in transport's own tests) each question answers as the runtime does when it
//! finds no record, or, for `canCreate`, when there is nothing to object to.

use crate::Transport;
use crate::error::{Result, TransportError};
use content::{RelationshipCreationContent, RelationshipTemplateContent, Request};
use wire::Address;

impl Transport {
    pub(crate) async fn check_outgoing_request_for_message(
        &self,
        request: &Request,
        recipient: &Address,
    ) -> Result<()> {
        match self.reactions() {
            Some(r) => {
                r.check_outgoing_request_for_message(request, recipient)
                    .await
            }
            None => Err(TransportError::NotFound("Request")),
        }
    }

    pub(crate) async fn check_template_requests_can_be_created(
        &self,
        content: &RelationshipTemplateContent,
    ) -> Result<()> {
        match self.reactions() {
            Some(r) => r.check_template_requests_can_be_created(content).await,
            None => Ok(()),
        }
    }

    pub(crate) async fn check_accepted_incoming_request(
        &self,
        template_id: &str,
        content: &RelationshipCreationContent,
    ) -> Result<()> {
        match self.reactions() {
            Some(r) => {
                r.check_accepted_incoming_request(template_id, content)
                    .await
            }
            None => Err(TransportError::rule(
                "error.runtime.relationships.noAcceptedIncomingRequest",
                "There is no accepted incoming Request associated with the RelationshipTemplateContent of the RelationshipTemplate.",
            )),
        }
    }
}
