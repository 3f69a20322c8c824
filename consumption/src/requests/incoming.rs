//! Incoming requests: received from a message or a loaded template (Open → DecisionRequired
//! → ManualDecisionRequired: the decider has no rules), `canAccept` / `canReject`, deciding
//! (→ Decided, the responder's attributes written with it) and answering: by message, or by
//! creating the relationship the template offers (→ Completed in the same batch as the
//! message or relationship that carries the response).

use super::{LocalRequest, application_result, inherited, items, outgoing, unknown};
use crate::{Consumption, Error, Result};
use content::Request;
use content::requests::RequestEntry;
use content::requests::response::{Response, ResponseEntry, ResponseItemGroup, ResponseResult};
use runtime_types::CoreDate;
use runtime_types::events;
use runtime_types::messages::SendMessageRequest;
use runtime_types::relationships::{CreateRelationshipRequest, PeerDeletionStatus};
use runtime_types::requests::{
    DecideRequestRequest, LocalRequestDto, LocalRequestSourceDto, LocalRequestSourceType,
    LocalRequestStatus, LocalResponseDto, LocalResponseSourceDto, RequestValidationResultDto,
};
use serde_json::{Value, json};
use transport::Change;

const DECIDE: &str = "error.consumption.requests.decide.validation.";

fn decide_error(code: &str, message: &str) -> RequestValidationResultDto {
    application_result(&format!("{DECIDE}{code}"), message)
}

/// Whether a decide parameter answers a group (`items` and no `accept`).
fn is_group_answer(params: &Value) -> bool {
    params.get("items").is_some() && params.get("accept").is_none()
}

fn accepts(params: &Value) -> bool {
    params
        .get("accept")
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// The structural check of one item's answer (`DecideRequestParametersValidator.checkItem`).
fn check_item_answer(
    item: &content::requests::items::RequestItem,
    params: &Value,
    accept: bool,
) -> RequestValidationResultDto {
    if is_group_answer(params) {
        return decide_error(
            "requestItemAnsweredAsRequestItemGroup",
            "The RequestItem was answered as a RequestItemGroup.",
        );
    }
    if !accept && accepts(params) {
        return decide_error(
            "itemAcceptedButRequestNotAccepted",
            "The RequestItem was accepted, but the Request was not accepted.",
        );
    }
    if accept && items::must_be_accepted(item) && !accepts(params) {
        return decide_error(
            "mustBeAcceptedItemNotAccepted",
            "The RequestItem is flagged as 'mustBeAccepted', but it was not accepted.",
        );
    }
    super::success()
}

/// A not-found of `canAccept` and `canReject`: transport's CoreError, with its text.
fn request_not_found(id: &str) -> Error {
    Error::rule(
        "error.transport.recordNotFound",
        format!(
            "error.transport.recordNotFound: ''LocalRequest' not found.' at {} with data \"{id}\"",
            CoreDate::now()
        ),
    )
}

/// The answers of a decide body; a missing list is refused as the runtime's parser refuses it.
fn decide_items(body: &DecideRequestRequest) -> Result<&[Value]> {
    body.items.as_deref().ok_or_else(|| {
        Error::rule(
            "error.runtime.requestDeserialization",
            "InternalDecideRequestParameters.items :: Value is not defined",
        )
    })
}

impl Consumption {
    /// `received` + `checkPrerequisites` + the decider (no rules: a manual decision), all in
    /// `change`. Answers the request as it ends up.
    pub(crate) async fn receive_request(
        &self,
        request: Request,
        source: LocalRequestSourceDto,
        peer: &str,
        template_expires_at: Option<&str>,
        change: &mut Change,
    ) -> Result<LocalRequestDto> {
        if let Some(id) = &request.id
            && self
                .transport
                .store()
                .get(super::COLLECTION, id)
                .await?
                .is_some()
        {
            return Err(Error::rule(
                "error.consumption.requests.cannotCreateRequestWithDuplicateId",
                format!(
                    "You cannot create the Request since there already is a Request with the id '{id}'."
                ),
            ));
        }
        let id = match &request.id {
            Some(id) => id.clone(),
            None => wire::AnyId::generate("REQ")?.to_string(),
        };
        let mut request = request;
        if let Some(template_expiry) = template_expires_at
            && self.relationship_to(peer).await?.is_none_or(|r| {
                !matches!(
                    r.status.as_str(),
                    "Pending" | "Active" | "Terminated" | "DeletionProposed"
                )
            })
        {
            let earlier = match request.expires_at.as_deref().and_then(CoreDate::parse) {
                Some(own) if CoreDate::parse(template_expiry).is_none_or(|t| own < t) => None,
                _ => Some(template_expiry.to_owned()),
            };
            if let Some(at) = earlier {
                request.expires_at = Some(at);
            }
        }
        let dto = LocalRequestDto {
            id,
            is_own: false,
            peer: peer.to_owned(),
            created_at: CoreDate::now(),
            content: request,
            source: Some(source),
            response: None,
            status: LocalRequestStatus::Open,
            was_automatically_decided: None,
        };
        change.event(events::INCOMING_REQUEST_RECEIVED, &dto)?;
        let mut stored = LocalRequest::new(dto);
        // Every item's prerequisites hold: a decision is required.
        stored.change_status(LocalRequestStatus::DecisionRequired, change)?;
        if self.decide_automatically(&mut stored, change).await? {
            return Ok(stored.dto);
        }
        stored.change_status(LocalRequestStatus::ManualDecisionRequired, change)?;
        stored.save(change)?;
        Ok(stored.dto)
    }

    /// The decider: decides `request` when its rules answer every item and the answers pass
    /// `canAccept` / `canReject`; anything else is left to a person. The effects go into a
    /// scratch change first, so a failed decision leaves nothing behind.
    async fn decide_automatically(
        &self,
        request: &mut LocalRequest,
        change: &mut Change,
    ) -> Result<bool> {
        if self.shared.decider.is_empty() {
            return Ok(false);
        }
        let json =
            serde_json::to_value(&request.dto).map_err(|e| Error::Internal(e.to_string()))?;
        let related = self.relationship_to(&request.dto.peer).await?.is_some();
        let Some(answers) = self.shared.decider.decide(&json, related) else {
            return Ok(false);
        };
        let accept = !super::decider::all_rejected(&answers);
        let verdict = self.can_decide(request, &answers, accept).await?;
        if !verdict.is_success {
            tracing::warn!(
                request = request.dto.id.as_str(),
                code = verdict.code.as_deref().unwrap_or(""),
                "the decider's answer does not fit the request"
            );
            return Ok(false);
        }
        let mut attempt = Change::new();
        let mut decided = request.clone();
        match self
            .decide_into(&mut decided, &answers, accept, true, &mut attempt)
            .await
        {
            Ok(()) => {
                change.absorb(attempt);
                *request = decided;
                Ok(true)
            }
            Err(e @ Error::Store(_)) => Err(e),
            Err(e) => {
                tracing::warn!(
                    request = request.dto.id.as_str(),
                    code = e.code(),
                    "the decider could not decide: {e}"
                );
                Ok(false)
            }
        }
    }

    /// `canAccept` (`accept`) or `canReject`.
    pub async fn can_decide_incoming_request(
        &self,
        id: &str,
        body: &DecideRequestRequest,
        accept: bool,
    ) -> Result<RequestValidationResultDto> {
        let answers = decide_items(body)?;
        let request = self
            .request(id, false)
            .await?
            .ok_or_else(|| request_not_found(id))?;
        self.can_decide(&request, answers, accept).await
    }

    async fn can_decide(
        &self,
        request: &LocalRequest,
        answers: &[Value],
        accept: bool,
    ) -> Result<RequestValidationResultDto> {
        let peer = request.dto.peer.as_str();
        if let Some(relationship) = self.relationship_to(peer).await? {
            let status = relationship.status.as_str();
            let from_template = request
                .dto
                .source
                .as_ref()
                .is_some_and(|s| s.kind == LocalRequestSourceType::RelationshipTemplate);
            let fine =
                status == "Active" || (from_template && matches!(status, "Rejected" | "Revoked"));
            if !fine {
                return Err(super::items::Refusal::Core(
                    "error.consumption.requests.wrongRelationshipStatus",
                    format!("You cannot decide a request from '{peer}' since the relationship is in status '{status}'."),
                )
                .into_error());
            }
            match relationship.peer_deletion_info.map(|i| i.deletion_status) {
                Some(PeerDeletionStatus::ToBeDeleted) => {
                    return Err(super::items::Refusal::Core(
                        "error.consumption.requests.peerIsInDeletion",
                        format!("You cannot decide a Request from peer '{peer}' since the peer is in deletion."),
                    )
                    .into_error());
                }
                Some(PeerDeletionStatus::Deleted) => {
                    return Err(super::items::Refusal::Core(
                        "error.consumption.requests.peerIsDeleted",
                        format!("You cannot decide a Request from peer '{peer}' since the peer is deleted."),
                    )
                    .into_error());
                }
                None => {}
            }
        }
        if !matches!(
            request.dto.status,
            LocalRequestStatus::DecisionRequired | LocalRequestStatus::ManualDecisionRequired
        ) {
            return Err(unknown(
                "Local Request has to be in status 'DecisionRequired/ManualDecisionRequired'.",
            ));
        }
        let entries = &request.dto.content.items;
        if answers.len() != entries.len() {
            return Ok(decide_error(
                "invalidNumberOfItems",
                "The number of items in the Request and the Response do not match.",
            ));
        }
        let mut results = Vec::with_capacity(entries.len());
        for (entry, params) in entries.iter().zip(answers) {
            results.push(match entry {
                RequestEntry::Item(item) => self.check_item(item, params, request, accept).await,
                RequestEntry::Group(group) => {
                    if !is_group_answer(params) {
                        decide_error(
                            "requestItemGroupAnsweredAsRequestItem",
                            "The RequestItemGroup was answered as a RequestItem.",
                        )
                    } else {
                        let answers = params["items"].as_array().cloned().unwrap_or_default();
                        if answers.len() != group.items.len() {
                            decide_error(
                                "invalidNumberOfItems",
                                "The number of items in the RequestItemGroup and the ResponseItemGroup do not match.",
                            )
                        } else {
                            let mut inner = Vec::with_capacity(answers.len());
                            for (item, params) in group.items.iter().zip(&answers) {
                                inner.push(self.check_item(item, params, request, accept).await);
                            }
                            inherited(inner)
                        }
                    }
                }
            });
        }
        let result = inherited(results);
        if accept && result.is_success {
            let me = self.transport.address().as_str();
            let fragments = outgoing::relationship_fragments(&request.dto.content, me);
            let unique: std::collections::HashSet<_> = fragments.iter().collect();
            if unique.len() != fragments.len() {
                return Err(super::items::Refusal::Core(
                    "error.consumption.requests.violatedKeyUniquenessOfRelationshipAttributes",
                    "The Request can never be accepted because it would lead to the creation of more than one RelationshipAttribute in the context of this Relationship with the same key, owner and value type.".into(),
                )
                .into_error());
            }
        }
        Ok(result)
    }

    /// The structural check of one answer, then (for an accepted item) the item's own.
    async fn check_item(
        &self,
        item: &content::requests::items::RequestItem,
        params: &Value,
        request: &LocalRequest,
        accept: bool,
    ) -> RequestValidationResultDto {
        let structural = check_item_answer(item, params, accept);
        if !structural.is_success || !accepts(params) {
            return structural;
        }
        self.can_accept_item(item, params, request).await
    }

    /// `PUT /Requests/Incoming/{id}/Accept` and `/Reject`: decides, then answers the peer.
    pub async fn decide_incoming_request(
        &self,
        id: &str,
        body: &DecideRequestRequest,
        accept: bool,
    ) -> Result<LocalRequestDto> {
        let mut request = self
            .request(id, false)
            .await?
            .ok_or(Error::NotFound("LocalRequest"))?;
        let answers = decide_items(body)?;
        let verdict = self.can_decide(&request, answers, accept).await?;
        if !verdict.is_success {
            return Err(unknown(if accept {
                "Cannot accept the Request with the given parameters. Call 'canAccept' to get more information."
            } else {
                "Cannot reject the Request with the given parameters. Call 'canReject' to get more information."
            }));
        }
        let mut change = Change::new();
        self.decide_into(&mut request, answers, accept, false, &mut change)
            .await?;
        self.transport.commit(change).await?;
        let decided = request.dto.clone();
        // The answer needs the Backbone; if it fails now, the next sync tries again.
        if let Err(e) = self.respond(&request.dto.id).await {
            tracing::warn!(
                request = id,
                code = e.code(),
                "answering the request failed: {e}"
            );
        }
        Ok(decided)
    }

    /// `decide`: the response from the answers (each accepted item's effects in `change`),
    /// status Decided (`wasAutomaticallyDecided` when the decider chose).
    pub(crate) async fn decide_into(
        &self,
        request: &mut LocalRequest,
        answers: &[Value],
        accept: bool,
        automatic: bool,
        change: &mut Change,
    ) -> Result<()> {
        let mut decided = Vec::with_capacity(answers.len());
        for (entry, params) in request.dto.content.items.clone().iter().zip(answers) {
            decided.push(match entry {
                RequestEntry::Item(item) => {
                    ResponseEntry::Item(self.decide_item(item, params, request, change).await?)
                }
                RequestEntry::Group(group) => {
                    let params = params["items"].as_array().cloned().unwrap_or_default();
                    let mut items = Vec::with_capacity(group.items.len());
                    for (item, params) in group.items.iter().zip(&params) {
                        items.push(self.decide_item(item, params, request, change).await?);
                    }
                    ResponseEntry::Group(ResponseItemGroup { items })
                }
            });
        }
        let response = Response {
            result: if accept {
                ResponseResult::Accepted
            } else {
                ResponseResult::Rejected
            },
            request_id: request.dto.id.clone(),
            items: decided,
        };
        request.dto.response = Some(LocalResponseDto {
            created_at: CoreDate::now(),
            content: response,
            source: None,
        });
        if automatic {
            request.dto.was_automatically_decided = Some(true);
        }
        request.change_status(LocalRequestStatus::Decided, change)?;
        request.save(change)
    }

    async fn decide_item(
        &self,
        item: &content::requests::items::RequestItem,
        params: &Value,
        request: &LocalRequest,
        change: &mut Change,
    ) -> Result<content::requests::response::ResponseItem> {
        if accepts(params) {
            self.accept_item(item, params, request, change)
                .await
                .map_err(|e| {
                    unknown(format!(
                        "An error occurred while processing a '{}'. You should contact the developer of this RequestItem. Details: {e}}}",
                        item_type(item)
                    ))
                })
        } else {
            Ok(items::reject_item(params))
        }
    }

    /// Answers a Decided request: by message (a request from a message, or from a template of
    /// a peer already related), or by creating the relationship the template offers. The
    /// request becomes Completed in the batch of the message or relationship (see
    /// [`super::reactions`]); a rejected template request completes without either.
    pub(crate) async fn respond(&self, id: &str) -> Result<()> {
        // One answer per request, even when a sync and a decision answer at once.
        let _answering = self.shared.answering.lock().await;
        let Some(request) = self.request(id, false).await? else {
            return Ok(());
        };
        if request.dto.status != LocalRequestStatus::Decided {
            return Ok(());
        }
        let Some(response) = request.dto.response.as_ref() else {
            return Ok(());
        };
        let Some(source) = request.dto.source.as_ref() else {
            return Ok(());
        };
        let peer = request.dto.peer.as_str();
        let related = self
            .relationship_to(peer)
            .await?
            .is_some_and(|r| r.status.as_str() == "Active");
        let source_type = match source.kind {
            LocalRequestSourceType::Message => "Message",
            LocalRequestSourceType::RelationshipTemplate => "RelationshipTemplate",
        };
        if source.kind == LocalRequestSourceType::Message || related {
            let wrapper = json!({
                "@type": "ResponseWrapper",
                "requestId": request.dto.id,
                "requestSourceReference": source.reference,
                "requestSourceType": source_type,
                "response": serde_json::to_value(&response.content).map_err(|e| Error::Internal(e.to_string()))?,
            });
            self.transport
                .send_message(SendMessageRequest {
                    recipients: vec![peer.to_owned()],
                    content: wrapper,
                    attachments: None,
                })
                .await?;
            return Ok(());
        }
        if response.content.result == ResponseResult::Rejected {
            let mut request = request;
            let mut change = Change::new();
            request.change_status(LocalRequestStatus::Completed, &mut change)?;
            request.save(&mut change)?;
            return self.transport.commit(change).await;
        }
        self.transport
            .create_relationship(CreateRelationshipRequest {
                template_id: source.reference.clone(),
                creation_content: json!({
                    "@type": "RelationshipCreationContent",
                    "response": serde_json::to_value(&response.content).map_err(|e| Error::Internal(e.to_string()))?,
                }),
            })
            .await?;
        Ok(())
    }

    /// Answers every request left Decided (a failed or interrupted answer).
    pub(crate) async fn respond_to_decided(&self) -> Result<()> {
        let docs = self
            .transport
            .store()
            .find(
                super::COLLECTION,
                &store::Filter::eq("isOwn", false).and(store::Filter::eq("status", "Decided")),
                &store::FindOptions::default(),
            )
            .await?;
        for doc in docs {
            let id = doc["id"].as_str().unwrap_or_default().to_owned();
            if let Err(e) = self.respond(&id).await {
                tracing::warn!(
                    request = id.as_str(),
                    code = e.code(),
                    "answering the request failed: {e}"
                );
            }
        }
        Ok(())
    }

    /// The response to `request_id` left with `source`: Decided → Completed.
    pub(crate) async fn complete_incoming_request(
        &self,
        request_id: &str,
        source: LocalResponseSourceDto,
        change: &mut Change,
    ) -> Result<()> {
        let Some(mut request) = self.request(request_id, false).await? else {
            return Ok(());
        };
        if request.dto.status != LocalRequestStatus::Decided {
            return Ok(());
        }
        if let Some(response) = request.dto.response.as_mut() {
            response.source = Some(source);
        }
        request.change_status(LocalRequestStatus::Completed, change)?;
        request.save(change)
    }

    /// The check of `CreateRelationship` with a `RelationshipCreationContent`.
    pub(crate) async fn check_accepted_template_request(
        &self,
        template_id: &str,
        response: &Response,
    ) -> Result<()> {
        let filter = store::Filter::eq("isOwn", false)
            .and(store::Filter::eq("status", "Decided"))
            .and(store::Filter::eq("source.reference", template_id))
            .and(store::Filter::eq("response.content.result", "Accepted"));
        let docs = self
            .transport
            .store()
            .find(super::COLLECTION, &filter, &store::FindOptions::default())
            .await?;
        let Some(doc) = docs.into_iter().next() else {
            return Err(Error::rule(
                "error.runtime.relationships.noAcceptedIncomingRequest",
                "There is no accepted incoming Request associated with the RelationshipTemplateContent of the RelationshipTemplate.",
            ));
        };
        let request: LocalRequest = serde_json::from_value(doc)
            .map_err(|e| Error::Internal(format!("stored request: {e}")))?;
        if request.dto.response.as_ref().map(|r| &r.content) != Some(response) {
            return Err(Error::rule(
                "error.runtime.relationships.wrongResponseProvidedAsCreationContent",
                "The Response of the accepted incoming Request associated with the RelationshipTemplateContent must be provided as the response of the RelationshipCreationContent.",
            ));
        }
        Ok(())
    }
}

fn item_type(item: &content::requests::items::RequestItem) -> String {
    serde_json::to_value(item)
        .ok()
        .and_then(|v| v["@type"].as_str().map(str::to_owned))
        .unwrap_or_default()
}
