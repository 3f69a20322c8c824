//! Outgoing requests: `canCreate`, creating a Draft, the Draft becoming Open when a message
//! carries it, and completing it with the peer's response — by message, or in one go from the
//! response to a template's request (`createAndCompleteFromRelationshipTemplateResponse`).

use super::{LocalRequest, core_result, inherited, items, unknown};
use crate::{Consumption, Error, Result};
use content::requests::RequestEntry;
use content::requests::response::{Response, ResponseEntry};
use content::{Request, RequestItemGroup};
use runtime_types::CoreDate;
use runtime_types::events;
use runtime_types::relationships::{PeerDeletionStatus, RelationshipDto};
use runtime_types::requests::{
    CreateOutgoingRequestRequest, LocalRequestDto, LocalRequestSourceDto, LocalRequestSourceType,
    LocalRequestStatus, LocalResponseDto, LocalResponseSourceDto, RequestValidationResultDto,
};
use serde_json::Value;
use transport::Change;

/// The request content of a route body: a `Request` whose `@type` may be left out.
pub(crate) fn parse_request_content(content: &Value) -> Result<Request> {
    content::parse_request(&super::with_type(content, "Request")).map_err(Error::content)
}

/// The relationship items that would create the same relationship attribute twice
/// (key, owner with `""` as `empty_owner`, value type), among `mustBeAccepted` ones.
pub(crate) fn relationship_fragments(
    request: &Request,
    empty_owner: &str,
) -> Vec<(String, String, String)> {
    use content::Attribute;
    use content::attributes::queries::{AttributeQuery, ProposeAttributeQuery};
    use content::requests::items::RequestItem as I;
    let mut fragments = Vec::new();
    let owner = |o: &str| {
        if o.is_empty() {
            empty_owner.to_owned()
        } else {
            o.to_owned()
        }
    };
    for item in all_items(request) {
        if !items::must_be_accepted(item) {
            continue;
        }
        match item {
            I::CreateAttributeRequestItem(i) => {
                if let Attribute::RelationshipAttribute(a) = &i.attribute {
                    fragments.push((
                        a.key.clone(),
                        owner(&a.owner),
                        a.value.type_name().to_owned(),
                    ));
                }
            }
            I::ReadAttributeRequestItem(i) => {
                if let AttributeQuery::RelationshipAttributeQuery(q) = &i.query {
                    fragments.push((
                        q.key.clone(),
                        owner(&q.owner),
                        q.attribute_creation_hints.value_type.clone(),
                    ));
                }
            }
            I::ProposeAttributeRequestItem(i) => {
                if let ProposeAttributeQuery::RelationshipAttributeQuery(q) = &i.query {
                    fragments.push((
                        q.key.clone(),
                        owner(&q.owner),
                        q.attribute_creation_hints.value_type.clone(),
                    ));
                }
            }
            _ => {}
        }
    }
    fragments
}

/// Every item of a request, groups flattened, in order.
pub(crate) fn all_items(request: &Request) -> Vec<&content::requests::items::RequestItem> {
    let mut all = Vec::new();
    for entry in &request.items {
        match entry {
            RequestEntry::Item(item) => all.push(item),
            RequestEntry::Group(RequestItemGroup { items, .. }) => all.extend(items.iter()),
        }
    }
    all
}

fn has_duplicates(fragments: &[(String, String, String)]) -> bool {
    let unique: std::collections::HashSet<_> = fragments.iter().collect();
    unique.len() != fragments.len()
}

impl Consumption {
    /// The newest relationship to `peer`, if any.
    pub(crate) async fn relationship_to(&self, peer: &str) -> Result<Option<RelationshipDto>> {
        let all = self
            .transport
            .list_relationships(&[("peer".to_owned(), peer.to_owned())])
            .await?;
        Ok(all.into_iter().max_by(|a, b| {
            let at = |r: &RelationshipDto| r.audit_log.first().map(|e| e.created_at);
            at(a).cmp(&at(b))
        }))
    }

    /// `canCreate` of a parsed request for `peer` (none for a template's request).
    pub(crate) async fn can_create_request(
        &self,
        request: &Request,
        peer: Option<&str>,
    ) -> Result<RequestValidationResultDto> {
        let me = self.transport.address().as_str();
        if peer == Some(me) {
            return Ok(core_result(
                "error.consumption.requests.cannotShareRequestWithYourself",
                "You cannot share a Request with yourself.",
            ));
        }
        let expired = request
            .expires_at
            .as_deref()
            .and_then(CoreDate::parse)
            .is_some_and(|at| at < CoreDate::now());
        if expired {
            return Ok(core_result(
                "error.consumption.requests.cannotCreateRequestWithExpirationDateInPast",
                "You cannot create a Request with an expiration date that is in the past.",
            ));
        }
        if let Some(peer) = peer {
            match self.relationship_to(peer).await? {
                None => {
                    return Ok(core_result(
                        "error.consumption.requests.missingRelationship",
                        &format!(
                            "You cannot create a request to '{peer}' since you are not in a relationship."
                        ),
                    ));
                }
                Some(r) => {
                    let status = r.status.as_str();
                    if !matches!(status, "Pending" | "Active") {
                        return Ok(core_result(
                            "error.consumption.requests.wrongRelationshipStatus",
                            &format!(
                                "You cannot create a request to '{peer}' since the relationship is in status '{status}'."
                            ),
                        ));
                    }
                    match r.peer_deletion_info.map(|i| i.deletion_status) {
                        Some(PeerDeletionStatus::ToBeDeleted) => {
                            return Ok(core_result(
                                "error.consumption.requests.peerIsInDeletion",
                                &format!(
                                    "You cannot create a Request to peer '{peer}' since the peer is in deletion."
                                ),
                            ));
                        }
                        Some(PeerDeletionStatus::Deleted) => {
                            return Ok(core_result(
                                "error.consumption.requests.peerIsDeleted",
                                &format!(
                                    "You cannot create a Request to peer '{peer}' since the peer is deleted."
                                ),
                            ));
                        }
                        None => {}
                    }
                }
            }
        }
        let mut results = Vec::with_capacity(request.items.len());
        for entry in &request.items {
            results.push(match entry {
                RequestEntry::Item(item) => self.can_create_item(item, peer).await,
                RequestEntry::Group(group) => {
                    let mut inner = Vec::with_capacity(group.items.len());
                    for item in &group.items {
                        inner.push(self.can_create_item(item, peer).await);
                    }
                    inherited(inner)
                }
            });
        }
        let result = inherited(results);
        if !result.is_success {
            return Ok(result);
        }
        if has_duplicates(&relationship_fragments(request, peer.unwrap_or(""))) {
            return Ok(core_result(
                "error.consumption.requests.violatedKeyUniquenessOfRelationshipAttributes",
                "The Request cannot be created because its acceptance would lead to the creation of more than one RelationshipAttribute in the context of this Relationship with the same key, owner and value type.",
            ));
        }
        Ok(result)
    }

    /// `POST /Requests/Outgoing/Validate`.
    pub async fn validate_outgoing_request(
        &self,
        body: &CreateOutgoingRequestRequest,
    ) -> Result<RequestValidationResultDto> {
        let request = parse_request_content(&body.content)?;
        self.can_create_request(&request, body.peer.as_deref())
            .await
    }

    /// `POST /Requests/Outgoing`: a Draft, with `content.id` set to its new id.
    pub async fn create_outgoing_request(
        &self,
        body: &CreateOutgoingRequestRequest,
    ) -> Result<LocalRequestDto> {
        let mut request = parse_request_content(&body.content)?;
        let Some(peer) = body.peer.as_deref() else {
            return Err(Error::rule(
                "error.runtime.requestDeserialization",
                "CoreAddress.from() :: Parameter must be an object - is 'undefined'",
            ));
        };
        let id = wire::AnyId::generate("REQ")?.to_string();
        request.id = Some(id.clone());
        let verdict = self.can_create_request(&request, Some(peer)).await?;
        if !verdict.is_success {
            let code = verdict.code.clone().unwrap_or_default();
            if code == "error.consumption.requests.validation.inheritedFromItem" {
                return Err(Error::rule(
                    "error.consumption.requests.validation.inheritedFromItem",
                    "Some child items have errors. Call 'canCreate' to get more information.",
                ));
            }
            return Err(Error::rule(
                intern_code(&code),
                verdict.message.unwrap_or_default(),
            ));
        }
        let dto = LocalRequestDto {
            id,
            is_own: true,
            peer: peer.to_owned(),
            created_at: CoreDate::now(),
            content: request,
            source: None,
            response: None,
            status: LocalRequestStatus::Draft,
            was_automatically_decided: None,
        };
        let stored = LocalRequest::new(dto.clone());
        let mut change = Change::new();
        stored.save(&mut change)?;
        change.event(events::OUTGOING_REQUEST_CREATED, &dto)?;
        self.transport.commit(change).await?;
        Ok(dto)
    }

    /// The checks `SendMessage` makes on a Request against its outgoing LocalRequest.
    pub(crate) async fn check_request_for_message(
        &self,
        request: &Request,
        recipient: &str,
    ) -> Result<()> {
        let Some(id) = request.id.as_deref() else {
            return Err(Error::invalid("The Request must have an id."));
        };
        let Some(stored) = self.request(id, true).await? else {
            return Err(Error::NotFound("Request"));
        };
        if stored.dto.content != *request {
            return Err(Error::invalid(
                "The sent Request must have the same content as the LocalRequest.",
            ));
        }
        if stored.dto.status == LocalRequestStatus::Expired || stored.is_expired() {
            return Err(Error::rule(
                "error.runtime.messages.cannotSendMessageWithExpiredRequest",
                "The Message cannot be sent as the contained Request is already expired. Please create a new Request and try again.",
            ));
        }
        if stored.dto.peer != recipient {
            return Err(Error::invalid(
                "The recipient does not match the Request's peer.",
            ));
        }
        if stored.dto.status != LocalRequestStatus::Draft {
            return Err(Error::rule(
                "error.runtime.messages.cannotSendRequestThatWasAlreadySent",
                "The Message cannot be sent as the contained Request has already been sent. Please create a new Request and try again.",
            ));
        }
        Ok(())
    }

    /// `sent`: the message `message_id` carried the request: Draft → Open.
    pub(crate) async fn outgoing_request_sent(
        &self,
        request_id: &str,
        message_id: &str,
        change: &mut Change,
    ) -> Result<()> {
        let Some(mut request) = self.request(request_id, true).await? else {
            return Ok(());
        };
        if request.dto.status != LocalRequestStatus::Draft {
            return Ok(());
        }
        request.dto.source = Some(LocalRequestSourceDto {
            kind: LocalRequestSourceType::Message,
            reference: message_id.to_owned(),
        });
        request.change_status(LocalRequestStatus::Open, change)?;
        // The peer is asked to delete: our records say the deletion was requested.
        for item in all_items(&request.dto.content) {
            if let content::requests::items::RequestItem::DeleteAttributeRequestItem(i) = item {
                self.mark_deletion(
                    &i.attribute_id,
                    &request.dto.peer,
                    runtime_types::attributes::LocalAttributeDeletionStatus::DeletionRequestSent,
                    CoreDate::now(),
                    change,
                )
                .await?;
            }
        }
        request.save(change)
    }

    /// `complete`: the peer's response arrived with `source`; its items are applied.
    pub(crate) async fn complete_outgoing_request(
        &self,
        response: &Response,
        source: LocalResponseSourceDto,
        response_created_at: CoreDate,
        change: &mut Change,
    ) -> Result<()> {
        let Some(mut request) = self.request(&response.request_id, true).await? else {
            return Err(Error::rule(
                "error.transport.recordNotFound",
                format!(
                    "'LocalRequest' not found. with data \"{}\"",
                    response.request_id
                ),
            ));
        };
        match request.dto.status {
            LocalRequestStatus::Open => {}
            LocalRequestStatus::Expired => {
                let expires = request
                    .dto
                    .content
                    .expires_at
                    .as_deref()
                    .and_then(CoreDate::parse);
                if expires.is_some_and(|e| response_created_at > e) {
                    return Err(unknown(
                        "Cannot complete an expired request with a response that was created before the expiration date",
                    ));
                }
            }
            _ => return Err(unknown("Local Request has to be in status 'Open/Expired'.")),
        }
        self.apply_response(&request, response, change).await?;
        request.dto.response = Some(LocalResponseDto {
            created_at: CoreDate::now(),
            content: response.clone(),
            source: Some(source),
        });
        request.change_status(LocalRequestStatus::Completed, change)?;
        request.save(change)
    }

    /// `applyIncomingResponseItem` for every item pair, groups recursed.
    async fn apply_response(
        &self,
        request: &LocalRequest,
        response: &Response,
        change: &mut Change,
    ) -> Result<()> {
        for (entry, answer) in request.dto.content.items.iter().zip(&response.items) {
            match (entry, answer) {
                (RequestEntry::Item(item), ResponseEntry::Item(answer)) => {
                    self.apply_response_item(item, answer, request, change)
                        .await?;
                }
                (RequestEntry::Group(group), ResponseEntry::Group(answers)) => {
                    for (item, answer) in group.items.iter().zip(&answers.items) {
                        self.apply_response_item(item, answer, request, change)
                            .await?;
                    }
                }
                _ => {
                    return Err(unknown(
                        "The response does not fit the structure of the request.",
                    ));
                }
            }
        }
        Ok(())
    }

    /// `createAndCompleteFromRelationshipTemplateResponse`: the peer answered our template's
    /// request (`request` is its `onNewRelationship` or `onExistingRelationship`); the
    /// outgoing request is created with the response's id, Open and Completed at once.
    pub(crate) async fn create_and_complete_from_template(
        &self,
        template_id: &str,
        mut request: Request,
        peer: &str,
        response: &Response,
        source: LocalResponseSourceDto,
        change: &mut Change,
    ) -> Result<LocalRequestDto> {
        request.id = Some(response.request_id.clone());
        let dto = LocalRequestDto {
            id: response.request_id.clone(),
            is_own: true,
            peer: peer.to_owned(),
            created_at: CoreDate::now(),
            content: request,
            source: Some(LocalRequestSourceDto {
                kind: LocalRequestSourceType::RelationshipTemplate,
                reference: template_id.to_owned(),
            }),
            response: None,
            status: LocalRequestStatus::Open,
            was_automatically_decided: None,
        };
        let mut stored = LocalRequest::new(dto);
        self.apply_response(&stored, response, change).await?;
        stored.dto.response = Some(LocalResponseDto {
            created_at: CoreDate::now(),
            content: response.clone(),
            source: Some(source),
        });
        // Draft → Open → Completed happen at once here; the log keeps the last step.
        stored.status_log.push(super::StatusLogEntry {
            created_at: CoreDate::now(),
            old_status: LocalRequestStatus::Open,
            new_status: LocalRequestStatus::Completed,
        });
        stored.dto.status = LocalRequestStatus::Completed;
        stored.save(change)?;
        change.event(events::OUTGOING_REQUEST_CREATED_AND_COMPLETED, &stored.dto)?;
        Ok(stored.dto)
    }
}

/// The codes `canCreate` ends with, as the `&'static str` the error type carries.
fn intern_code(code: &str) -> &'static str {
    const CODES: &[&str] = &[
        "error.consumption.requests.cannotShareRequestWithYourself",
        "error.consumption.requests.cannotCreateRequestWithExpirationDateInPast",
        "error.consumption.requests.missingRelationship",
        "error.consumption.requests.wrongRelationshipStatus",
        "error.consumption.requests.peerIsInDeletion",
        "error.consumption.requests.peerIsDeleted",
        "error.consumption.requests.violatedKeyUniquenessOfRelationshipAttributes",
        "error.consumption.requests.invalidRequestItem",
    ];
    CODES
        .iter()
        .find(|c| **c == code)
        .copied()
        .unwrap_or("error.consumption.requests.validation.inheritedFromItem")
}
