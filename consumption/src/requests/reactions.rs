//! What the consumption layer does when transport changes something (the official
//! RequestModule and Decider): a received Request becomes an incoming request, a received
//! response completes the outgoing one, a sent Request opens it, a sent response or a created
//! relationship completes the incoming one, a loaded template's Request becomes an incoming
//! request, and the template owner completes its request from the relationship's creation
//! content. A sent or received Notification goes to [`crate::notifications`] (the runtime's
//! NotificationModule). Everything is added to the transport change that caused it: one
//! atomic batch.
//!
//! A reaction that fails for a reason of content (a duplicate request id, a response that
//! fits no request) is logged and left out, as the runtime's modules only log; a store failure
//! fails the change, so the sync tries the event again.

use super::outgoing::parse_request_content;
use crate::{Consumption, Error, Result};
use content::{RelationshipCreationContent, RelationshipTemplateContent, Request};
use runtime_types::events;
use runtime_types::messages::MessageDto;
use runtime_types::relationship_templates::{
    RelationshipTemplateContentDerivation, RelationshipTemplateDto,
};
use runtime_types::relationships::{RelationshipCreationContentDerivation, RelationshipDto};
use runtime_types::requests::{
    LocalRequestSourceDto, LocalRequestSourceType, LocalRequestStatus, LocalResponseSourceDto,
    LocalResponseSourceType, MessageProcessed, MessageProcessedResult,
    RelationshipTemplateProcessed, RelationshipTemplateProcessedResult,
};
use serde_json::Value;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use transport::{Change, Transport};
use wire::Address;

/// The consumption layer as transport's [`transport::reactions::Reactions`]. Holds transport
/// weakly: transport owns it.
pub(crate) struct RequestReactions {
    transport: Weak<Transport>,
    shared: Arc<super::Shared>,
    /// Set when a reaction decided a request: once its change is written, the answer goes
    /// out (it needs the Backbone, so it cannot be part of the change).
    answers_waiting: AtomicBool,
}

impl RequestReactions {
    fn consumption(&self) -> Option<Consumption> {
        self.transport.upgrade().map(|transport| Consumption {
            transport,
            shared: self.shared.clone(),
        })
    }
}

/// Whether a change decides an incoming request.
fn decides(change: &Change) -> bool {
    change.events().iter().any(|e| {
        e.namespace == events::INCOMING_REQUEST_STATUS_CHANGED && e.data["newStatus"] == "Decided"
    })
}

fn parse<T: serde::de::DeserializeOwned>(data: &Value, what: &str) -> Result<T> {
    serde_json::from_value(data.clone()).map_err(|e| Error::Internal(format!("{what}: {e}")))
}

fn content_type(content: &Value) -> &str {
    content.get("@type").and_then(Value::as_str).unwrap_or("")
}

/// The transport events the layer reacts to.
const REACTS_TO: [&str; 4] = [
    events::MESSAGE_RECEIVED,
    events::MESSAGE_SENT,
    events::RELATIONSHIP_CHANGED,
    events::PEER_RELATIONSHIP_TEMPLATE_LOADED,
];

#[async_trait::async_trait]
impl transport::reactions::Reactions for RequestReactions {
    async fn react(&self, change: &mut Change) -> Result<()> {
        let Some(consumption) = self.consumption() else {
            return Ok(());
        };
        // Only the events a reaction is for are copied out; most changes have none of them.
        let caused: Vec<transport::ChangeEvent> = change
            .events()
            .iter()
            .filter(|e| REACTS_TO.contains(&e.namespace))
            .cloned()
            .collect();
        for transport::ChangeEvent {
            namespace: name,
            data,
        } in caused
        {
            let mut reaction = Change::new();
            let outcome = match name {
                events::MESSAGE_RECEIVED => {
                    consumption.on_message_received(&data, &mut reaction).await
                }
                events::MESSAGE_SENT => consumption.on_message_sent(&data, &mut reaction).await,
                events::RELATIONSHIP_CHANGED => {
                    consumption
                        .on_relationship_changed(&data, &mut reaction)
                        .await
                }
                events::PEER_RELATIONSHIP_TEMPLATE_LOADED => {
                    consumption.on_template_loaded(&data, &mut reaction).await
                }
                _ => continue,
            };
            match outcome {
                Ok(()) => {
                    if decides(&reaction) {
                        self.answers_waiting.store(true, Ordering::SeqCst);
                    }
                    change.absorb(reaction)
                }
                Err(e @ Error::Store(_)) => return Err(e),
                Err(e) => tracing::warn!(
                    event = name,
                    code = e.code(),
                    "request handling failed: {e}"
                ),
            }
        }
        Ok(())
    }

    async fn after_commit(&self) {
        if !self.answers_waiting.swap(false, Ordering::SeqCst) {
            return;
        }
        if let Some(consumption) = self.consumption() {
            // Answering sends through transport, which commits again: not from inside this
            // commit.
            tokio::spawn(async move {
                if let Err(e) = consumption.respond_to_decided().await {
                    tracing::warn!(code = e.code(), "answering decided requests failed: {e}");
                }
            });
        }
    }

    async fn after_sync(&self) -> Result<()> {
        match self.consumption() {
            Some(consumption) => consumption.respond_to_decided().await,
            None => Ok(()),
        }
    }

    async fn check_outgoing_request_for_message(
        &self,
        request: &Request,
        recipient: &Address,
    ) -> Result<()> {
        match self.consumption() {
            Some(c) => {
                c.check_request_for_message(request, recipient.as_str())
                    .await
            }
            None => Err(Error::NotFound("Request")),
        }
    }

    async fn check_template_requests_can_be_created(
        &self,
        content: &RelationshipTemplateContent,
    ) -> Result<()> {
        let Some(consumption) = self.consumption() else {
            return Ok(());
        };
        for request in std::iter::once(&content.on_new_relationship)
            .chain(content.on_existing_relationship.as_ref())
        {
            let verdict = consumption.can_create_request(request, None).await?;
            if !verdict.is_success {
                let code = verdict.code.unwrap_or_default();
                let message = verdict.message.unwrap_or_default();
                return Err(
                    if code == "error.consumption.requests.validation.inheritedFromItem" {
                        Error::rule(
                            "error.consumption.requests.validation.inheritedFromItem",
                            message,
                        )
                    } else {
                        Error::rule("error.consumption.requests.invalidRequestItem", message)
                    },
                );
            }
        }
        Ok(())
    }

    async fn check_accepted_incoming_request(
        &self,
        template_id: &str,
        content: &RelationshipCreationContent,
    ) -> Result<()> {
        match self.consumption() {
            Some(c) => {
                c.check_accepted_template_request(template_id, &content.response)
                    .await
            }
            None => Err(Error::rule(
                "error.runtime.relationships.noAcceptedIncomingRequest",
                "There is no accepted incoming Request associated with the RelationshipTemplateContent of the RelationshipTemplate.",
            )),
        }
    }
}

impl Consumption {
    /// Opens the layer's reactions on transport.
    pub(crate) fn react_to(transport: &Arc<Transport>, shared: &Arc<super::Shared>) {
        transport.set_reactions(Arc::new(RequestReactions {
            transport: Arc::downgrade(transport),
            shared: shared.clone(),
            answers_waiting: AtomicBool::new(false),
        }));
    }

    async fn on_message_received(&self, data: &Value, change: &mut Change) -> Result<()> {
        let message: MessageDto = parse(data, "received message")?;
        let result = match content_type(&message.content) {
            "Request" => {
                let request = content::parse_request(&message.content).map_err(Error::content)?;
                let source = LocalRequestSourceDto {
                    kind: LocalRequestSourceType::Message,
                    reference: message.id.clone(),
                };
                let received = self
                    .receive_request(request, source, &message.created_by, None, change)
                    .await?;
                if received.status == LocalRequestStatus::Decided {
                    MessageProcessedResult::RequestAutomaticallyDecided
                } else {
                    MessageProcessedResult::ManualRequestDecisionRequired
                }
            }
            "ResponseWrapper" => {
                // A response that fits no request is logged; the message is processed anyway.
                let mut completion = Change::new();
                match self.complete_from_wrapper(&message, &mut completion).await {
                    Ok(()) => change.absorb(completion),
                    Err(e @ Error::Store(_)) => return Err(e),
                    Err(e) => tracing::warn!(
                        message = message.id.as_str(),
                        code = e.code(),
                        "response not applied: {e}"
                    ),
                }
                MessageProcessedResult::NoRequest
            }
            "Notification" => {
                // A notification that cannot be received is logged; its message is processed.
                let mut received = Change::new();
                match self.notification_received(&message, &mut received).await {
                    Ok(_) => change.absorb(received),
                    Err(e @ Error::Store(_)) => return Err(e),
                    Err(e) => tracing::warn!(
                        message = message.id.as_str(),
                        code = e.code(),
                        "notification not received: {e}"
                    ),
                }
                MessageProcessedResult::NoRequest
            }
            _ => MessageProcessedResult::NoRequest,
        };
        change.event(
            events::MESSAGE_PROCESSED,
            &MessageProcessed { message, result },
        )
    }

    async fn complete_from_wrapper(&self, message: &MessageDto, change: &mut Change) -> Result<()> {
        let content::MessageContent::ResponseWrapper(wrapper) =
            content::parse_message_content(&message.content).map_err(Error::content)?
        else {
            return Ok(());
        };
        let source = LocalResponseSourceDto {
            kind: LocalResponseSourceType::Message,
            reference: message.id.clone(),
        };
        use content::requests::response_wrapper::RequestSourceType;
        match wrapper.request_source_type {
            RequestSourceType::Message => {
                self.complete_outgoing_request(
                    &wrapper.response,
                    source,
                    message.created_at,
                    change,
                )
                .await
            }
            RequestSourceType::RelationshipTemplate => {
                let template = self.own_template(&wrapper.request_source_reference).await?;
                // A response by message answers the request for existing relationships.
                let Some(request) = template_request(&template, true)? else {
                    return Err(Error::Internal(
                        "the template has no request for an existing relationship".into(),
                    ));
                };
                if self
                    .transport
                    .store()
                    .get(super::COLLECTION, &wrapper.response.request_id)
                    .await?
                    .is_some()
                {
                    return Ok(());
                }
                self.create_and_complete_from_template(
                    &template.id,
                    request,
                    &message.created_by,
                    &wrapper.response,
                    source,
                    change,
                )
                .await
                .map(|_| ())
            }
        }
    }

    async fn own_template(&self, id: &str) -> Result<RelationshipTemplateDto> {
        let id = wire::RelationshipTemplateId::parse(id)
            .map_err(|_| Error::invalid("not a template id"))?;
        self.transport.get_template(&id).await
    }

    async fn on_message_sent(&self, data: &Value, change: &mut Change) -> Result<()> {
        let message: MessageDto = parse(data, "sent message")?;
        match content_type(&message.content) {
            "Request" => {
                if let Some(id) = message.content.get("id").and_then(Value::as_str) {
                    self.outgoing_request_sent(id, &message.id, change).await?;
                }
            }
            "ResponseWrapper" => {
                if let Some(id) = message.content.get("requestId").and_then(Value::as_str) {
                    let source = LocalResponseSourceDto {
                        kind: LocalResponseSourceType::Message,
                        reference: message.id.clone(),
                    };
                    self.complete_incoming_request(id, source, change).await?;
                }
            }
            "Notification" => self.notification_sent(&message, change).await?,
            _ => {}
        }
        Ok(())
    }

    async fn on_relationship_changed(&self, data: &Value, change: &mut Change) -> Result<()> {
        let relationship: RelationshipDto = parse(data, "relationship")?;
        match relationship.status.as_str() {
            "Pending" => {}
            "Rejected" | "Revoked" => {
                return self
                    .forget_attributes_of_unmade_relationship(&relationship.peer, change)
                    .await;
            }
            "DeletionProposed" => {
                let date = crate::attributes::relationship_end::last_audit_date(data)
                    .unwrap_or_else(runtime_types::CoreDate::now);
                return self
                    .mark_attributes_of_ending_relationship(&relationship.peer, date, change)
                    .await;
            }
            _ => return Ok(()),
        }
        let RelationshipCreationContentDerivation::RelationshipCreationContent(creation) =
            &relationship.creation_content
        else {
            return Ok(());
        };
        let response = parse_response(&creation.response)?;
        let me = self.transport.address().as_str();
        let created_by_me = relationship
            .audit_log
            .first()
            .is_some_and(|entry| entry.created_by == me);
        let source = LocalResponseSourceDto {
            kind: LocalResponseSourceType::Relationship,
            reference: relationship.id.clone(),
        };
        if created_by_me {
            return self
                .complete_incoming_request(&response.request_id, source, change)
                .await;
        }
        if self
            .transport
            .store()
            .get(super::COLLECTION, &response.request_id)
            .await?
            .is_some()
        {
            return Ok(());
        }
        let template = self.own_template(&relationship.template_id).await?;
        let new_relationship = relationship.audit_log.len() == 1;
        let Some(request) = template_request(&template, !new_relationship)? else {
            return Ok(());
        };
        let dto = self
            .create_and_complete_from_template(
                &template.id,
                request,
                &relationship.peer,
                &response,
                source,
                change,
            )
            .await?;
        change.event(
            events::OUTGOING_REQUEST_FROM_RELATIONSHIP_CREATION_CREATED_AND_COMPLETED,
            &dto,
        )
    }

    async fn on_template_loaded(&self, data: &Value, change: &mut Change) -> Result<()> {
        let template: RelationshipTemplateDto = parse(data, "template")?;
        if template.is_own {
            return Ok(());
        }
        let processed = |result, request_id: Option<String>, relationship_id: Option<String>| {
            RelationshipTemplateProcessed {
                template: template.clone(),
                result,
                request_id,
                relationship_id,
            }
        };
        use RelationshipTemplateProcessedResult as R;
        if !matches!(
            template.content,
            RelationshipTemplateContentDerivation::RelationshipTemplateContent(_)
        ) {
            return change.event(
                events::RELATIONSHIP_TEMPLATE_PROCESSED,
                &processed(R::NoRequest, None, None),
            );
        }
        let peer = template.created_by.as_str();
        // (a) A request from this template still waiting.
        let open = store::Filter::eq("isOwn", false)
            .and(store::Filter::eq("source.reference", template.id.as_str()))
            .and(store::Filter::cond(
                "status",
                store::Op::Ne,
                Value::from("Completed"),
            ));
        let waiting = self
            .transport
            .store()
            .find(super::COLLECTION, &open, &store::FindOptions::default())
            .await?;
        if let Some(doc) = waiting.first() {
            let id = doc["id"].as_str().map(str::to_owned);
            return change.event(
                events::RELATIONSHIP_TEMPLATE_PROCESSED,
                &processed(R::NonCompletedRequestExists, id, None),
            );
        }
        let relationship = self.relationship_to(peer).await?;
        let existing = match relationship
            .as_ref()
            .map(|r| (r.status.as_str(), r.id.clone()))
        {
            // (b), (c) A relationship that is neither new nor usable.
            Some(("Pending" | "Terminated" | "DeletionProposed", id)) => {
                return change.event(
                    events::RELATIONSHIP_TEMPLATE_PROCESSED,
                    &processed(R::RelationshipExists, None, Some(id)),
                );
            }
            Some(("Active", id)) => Some(id),
            _ => None,
        };
        let request = match template_request(&template, existing.is_some())? {
            Some(request) => request,
            // (d) An active relationship and nothing to ask it.
            None => {
                return change.event(
                    events::RELATIONSHIP_TEMPLATE_PROCESSED,
                    &processed(R::RelationshipExists, None, existing),
                );
            }
        };
        if existing.is_none() {
            // (e) Another template request of this peer still waiting.
            let from_peer = store::Filter::eq("isOwn", false)
                .and(store::Filter::eq("peer", peer))
                .and(store::Filter::eq("source.type", "RelationshipTemplate"))
                .and(store::Filter::cond(
                    "status",
                    store::Op::In,
                    Value::from(vec![
                        "Open",
                        "DecisionRequired",
                        "ManualDecisionRequired",
                        "Decided",
                    ]),
                ));
            let waiting = self
                .transport
                .store()
                .find(
                    super::COLLECTION,
                    &from_peer,
                    &store::FindOptions::default(),
                )
                .await?;
            if let Some(doc) = waiting.first() {
                let id = doc["id"].as_str().map(str::to_owned);
                return change.event(
                    events::RELATIONSHIP_TEMPLATE_PROCESSED,
                    &processed(R::NonCompletedRequestExists, id, None),
                );
            }
        }
        // (f) Expired.
        let expired = request
            .expires_at
            .as_deref()
            .and_then(runtime_types::CoreDate::parse)
            .is_some_and(|at| at < runtime_types::CoreDate::now());
        if expired {
            return change.event(
                events::RELATIONSHIP_TEMPLATE_PROCESSED,
                &processed(R::RequestExpired, None, None),
            );
        }
        let source = LocalRequestSourceDto {
            kind: LocalRequestSourceType::RelationshipTemplate,
            reference: template.id.clone(),
        };
        let expires = template.expires_at.map(|t| t.to_string());
        let mut attempt = Change::new();
        match self
            .receive_request(request, source, peer, expires.as_deref(), &mut attempt)
            .await
        {
            Ok(dto) => {
                change.absorb(attempt);
                let result = if dto.status == LocalRequestStatus::ManualDecisionRequired {
                    R::ManualRequestDecisionRequired
                } else {
                    R::RequestAutomaticallyDecided
                };
                change.event(
                    events::RELATIONSHIP_TEMPLATE_PROCESSED,
                    &processed(result, Some(dto.id), None),
                )
            }
            Err(e @ Error::Store(_)) => Err(e),
            Err(e) => {
                tracing::warn!(
                    template = template.id.as_str(),
                    code = e.code(),
                    "template request not received: {e}"
                );
                change.event(
                    events::RELATIONSHIP_TEMPLATE_PROCESSED,
                    &processed(R::Error, None, None),
                )
            }
        }
    }
}

/// The template's request for a new (or, with `existing`, an existing) relationship.
fn template_request(template: &RelationshipTemplateDto, existing: bool) -> Result<Option<Request>> {
    let RelationshipTemplateContentDerivation::RelationshipTemplateContent(content) =
        &template.content
    else {
        return Ok(None);
    };
    let json = if existing {
        match &content.on_existing_relationship {
            Some(json) => json,
            None => return Ok(None),
        }
    } else {
        &content.on_new_relationship
    };
    parse_request_content(json).map(Some)
}

fn parse_response(json: &Value) -> Result<content::requests::response::Response> {
    content::parse_response(&super::with_type(json, "Response")).map_err(Error::content)
}
