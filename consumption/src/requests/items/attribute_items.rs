//! The attribute request items — Create, Share, Read and Propose — on both sides: the
//! requester's `canCreate` and `applyIncomingResponseItem`, the responder's `canAccept` and
//! `accept` (with the runtime's `createAppropriateResponseItem` for identity attributes and
//! `validateAttributeMatchesWithQuery`).
//!
//! The same attribute id is used on both sides of an exchange: the responder's new attribute
//! id travels in the response item, and a shared attribute keeps the sharer's id.

use super::{Check, ItemParams, Refusal, thrown};
use crate::attributes::{self, COLLECTION, characters, new_attribute, put_created, put_forward};
use crate::requests::LocalRequest;
use crate::{Consumption, Error, Result};
use content::Attribute;
use content::attributes::Confidentiality;
use content::attributes::queries::{AttributeQuery, ProposeAttributeQuery};
use content::requests::items::{
    CreateAttributeRequestItem, ProposeAttributeRequestItem, ReadAttributeRequestItem,
    ShareAttributeRequestItem,
};
use content::requests::response::{
    AttributeIdAcceptResponseItem, AttributeSuccessionAcceptResponseItem,
    ProposeAttributeAcceptResponseItem, ReadAttributeAcceptResponseItem, ResponseItem,
    ResponseItemResult,
};
use runtime_types::attributes::{LocalAttributeDto, LocalAttributeKind as Kind};
use serde_json::Value;
use store::{Filter, FindOptions, Op};
use transport::Change;

/// The three ways a new identity attribute can be answered (`createAppropriateResponseItem`).
#[derive(Clone, Copy)]
enum Answer {
    Create,
    Read,
    Propose,
}

impl Answer {
    fn item_name(self) -> &'static str {
        match self {
            Answer::Create => "CreateAttributeRequestItem",
            Answer::Read => "ReadAttributeRequestItem",
            Answer::Propose => "ProposeAttributeRequestItem",
        }
    }
}

fn owner(attribute: &Attribute) -> &str {
    match attribute {
        Attribute::IdentityAttribute(a) => &a.owner,
        Attribute::RelationshipAttribute(a) => &a.owner,
    }
}

fn with_owner(attribute: &Attribute, owner: &str) -> Attribute {
    let mut attribute = attribute.clone();
    match &mut attribute {
        Attribute::IdentityAttribute(a) => a.owner = owner.to_owned(),
        Attribute::RelationshipAttribute(a) => a.owner = owner.to_owned(),
    }
    attribute
}

fn value_json(attribute: &Attribute) -> Value {
    match attribute {
        Attribute::IdentityAttribute(a) => serde_json::to_value(&a.value).unwrap_or(Value::Null),
        Attribute::RelationshipAttribute(a) => {
            serde_json::to_value(&a.value).unwrap_or(Value::Null)
        }
    }
}

fn forbidden_characters(attribute: &Attribute) -> bool {
    !characters::allowed(&value_json(attribute), &[])
}

const DUPLICATE_KEY: &str =
    "error.consumption.requests.violatedKeyUniquenessOfRelationshipAttributes";

impl Consumption {
    /// Whether a relationship attribute with this key, owner and value type exists in the
    /// relationship with `peer` and is not deleted.
    async fn relationship_attribute_exists(
        &self,
        key: &str,
        owner: &str,
        value_type: &str,
        peer: &str,
    ) -> Result<bool> {
        let filter = Filter::cond(
            "@type",
            Op::In,
            Value::from(vec![
                Kind::OwnRelationshipAttribute.as_str(),
                Kind::PeerRelationshipAttribute.as_str(),
            ]),
        )
        .and(Filter::eq("content.key", key))
        .and(Filter::eq("content.owner", owner))
        .and(Filter::eq("content.value.@type", value_type))
        .and(Filter::eq("peer", peer));
        let docs = self
            .transport
            .store()
            .find(COLLECTION, &filter, &FindOptions::default())
            .await?;
        Ok(docs.iter().any(|d| {
            !matches!(
                d["deletionInfo"]["deletionStatus"].as_str(),
                Some(
                    "DeletedByRecipient"
                        | "DeletedByEmitter"
                        | "ToBeDeleted"
                        | "ToBeDeletedByRecipient"
                )
            )
        }))
    }

    /// Whether `attribute` (or one of its versions) is forwarded to `peer` and still held.
    async fn forwarded_to(&self, attribute_id: &str, peer: &str) -> Result<bool> {
        Ok(!self
            .live_forwards(&Filter::eq("attributeId", attribute_id).and(Filter::eq("peer", peer)))
            .await?
            .is_empty())
    }

    async fn check_tags(&self, attribute: &Attribute, refusal: fn(String) -> Refusal) -> Check {
        if let Attribute::IdentityAttribute(a) = attribute
            && let Some(tags) = &a.tags
        {
            self.validate_tags(a.value.type_name(), tags)
                .await
                .map_err(|e| refusal(tag_reason(&e)))?;
        }
        Ok(())
    }

    // --- Create -------------------------------------------------------------------------

    pub(super) async fn can_create_create_item(
        &self,
        item: &CreateAttributeRequestItem,
        recipient: Option<&str>,
    ) -> Check {
        if forbidden_characters(&item.attribute) {
            return Err(Refusal::item(
                "The Attribute contains forbidden characters.",
            ));
        }
        let me = self.transport.address().as_str();
        let owner = owner(&item.attribute);
        match &item.attribute {
            Attribute::IdentityAttribute(_) => {
                if owner == me {
                    return Err(Refusal::item(
                        "Cannot create OwnIdentityAttributes with a CreateAttributeRequestItem. Use a ShareAttributeRequestItem instead.",
                    ));
                }
                if !owner.is_empty() && Some(owner) != recipient && recipient.is_some() {
                    return Err(Refusal::item(
                        "The owner of the provided IdentityAttribute for the `attribute` property can only be the address of the recipient or an empty string. The latter will default to the address of the recipient.",
                    ));
                }
                self.check_tags(&item.attribute, Refusal::item).await
            }
            Attribute::RelationshipAttribute(a) => {
                if !owner.is_empty()
                    && owner != me
                    && recipient.is_some()
                    && Some(owner) != recipient
                {
                    return Err(Refusal::item(
                        "The owner of the provided RelationshipAttribute for the `attribute` property can only be the address of the sender, the address of the recipient or an empty string. The latter will default to the address of the recipient.",
                    ));
                }
                if let Some(recipient) = recipient {
                    let owner = if owner.is_empty() { recipient } else { owner };
                    if self
                        .relationship_attribute_exists(
                            &a.key,
                            owner,
                            a.value.type_name(),
                            recipient,
                        )
                        .await
                        .map_err(thrown)?
                    {
                        return Err(Refusal::item(format!(
                            "The creation of the provided RelationshipAttribute cannot be requested because there is already a RelationshipAttribute in the context of this Relationship with the same key '{}', owner and value type.",
                            a.key
                        )));
                    }
                }
                Ok(())
            }
        }
    }

    pub(super) async fn can_accept_create_item(
        &self,
        item: &CreateAttributeRequestItem,
        request: &LocalRequest,
    ) -> Check {
        if forbidden_characters(&item.attribute) {
            return Err(Refusal::Thrown(
                attributes::create::core_error(
                    "error.consumption.attributes.forbiddenCharactersInAttribute",
                    "The Attribute contains forbidden characters.",
                )
                .to_string(),
            ));
        }
        if let Attribute::RelationshipAttribute(a) = &item.attribute {
            let me = self.transport.address().as_str();
            let owner = if a.owner.is_empty() {
                me
            } else {
                a.owner.as_str()
            };
            if self
                .relationship_attribute_exists(
                    &a.key,
                    owner,
                    a.value.type_name(),
                    &request.dto.peer,
                )
                .await
                .map_err(thrown)?
            {
                if item.item.must_be_accepted {
                    return Err(Refusal::Thrown(format!(
                        "{DUPLICATE_KEY}: 'The provided RelationshipAttribute cannot be created because there is already a RelationshipAttribute in the context of this Relationship with the same key '{}', owner and value type.'",
                        a.key
                    )));
                }
                return Err(Refusal::params(format!(
                    "This CreateAttributeRequestItem cannot be accepted as the provided RelationshipAttribute cannot be created because there is already a RelationshipAttribute in the context of this Relationship with the same key '{}', owner and value type.",
                    a.key
                )));
            }
        }
        self.check_tags(&item.attribute, Refusal::item).await
    }

    pub(super) async fn accept_create_item(
        &self,
        item: &CreateAttributeRequestItem,
        request: &LocalRequest,
        change: &mut Change,
    ) -> Result<ResponseItem> {
        let me = self.transport.address().as_str();
        let owner = match owner(&item.attribute) {
            "" => me,
            o => o,
        };
        let attribute = with_owner(&item.attribute, owner);
        match &attribute {
            Attribute::RelationshipAttribute(_) => {
                let dto = self.keep_relationship_attribute(attribute, request, change)?;
                Ok(ResponseItem::CreateAttributeAcceptResponseItem(
                    AttributeIdAcceptResponseItem {
                        result: ResponseItemResult::Accepted,
                        attribute_id: dto.id,
                    },
                ))
            }
            Attribute::IdentityAttribute(_) => {
                self.appropriate_response(&attribute, request, Answer::Create, change)
                    .await
            }
        }
    }

    pub(super) fn apply_create_response(
        &self,
        item: &CreateAttributeRequestItem,
        answer: &ResponseItem,
        request: &LocalRequest,
        change: &mut Change,
    ) -> Result<()> {
        let ResponseItem::CreateAttributeAcceptResponseItem(accepted) = answer else {
            return Ok(());
        };
        let me = self.transport.address().as_str();
        let peer = request.dto.peer.as_str();
        let owner = match owner(&item.attribute) {
            "" => peer,
            o => o,
        };
        let attribute = with_owner(&item.attribute, owner);
        let kind = match (&attribute, owner == me) {
            (Attribute::IdentityAttribute(_), _) => Kind::PeerIdentityAttribute,
            (Attribute::RelationshipAttribute(_), true) => Kind::OwnRelationshipAttribute,
            (Attribute::RelationshipAttribute(_), false) => Kind::PeerRelationshipAttribute,
        };
        let dto = new_attribute(
            kind,
            Some(accepted.attribute_id.clone()),
            attribute,
            Some(peer.to_owned()),
            Some(request.dto.id.clone()),
        )?;
        put_created(change, &dto)
    }

    // --- Share --------------------------------------------------------------------------

    pub(super) async fn can_create_share_item(
        &self,
        item: &ShareAttributeRequestItem,
        recipient: Option<&str>,
    ) -> Check {
        let id = &item.attribute_id;
        let Some(stored) = self.stored_attribute(id).await.map_err(thrown)? else {
            return Err(Refusal::item(format!(
                "The Attribute with the given attributeId '{id}' could not be found."
            )));
        };
        if !matches!(
            stored.kind,
            Kind::OwnIdentityAttribute
                | Kind::OwnRelationshipAttribute
                | Kind::PeerRelationshipAttribute
        ) {
            return Err(Refusal::item(format!(
                "The Attribute with the given attributeId '{id}' is not an OwnIdentityAttribute, an OwnRelationshipAttribute or a PeerRelationshipAttribute."
            )));
        }
        if stored.content != item.attribute {
            return Err(Refusal::item(format!(
                "The Attribute with the given attributeId '{id}' does not match the given Attribute."
            )));
        }
        if let Some(recipient) = recipient {
            if self.forwarded_to(id, recipient).await.map_err(thrown)? {
                return Err(Refusal::item(format!(
                    "The Attribute with the given attributeId '{id}' is already shared with the peer."
                )));
            }
            let versions = self.attribute_versions(id).await.map_err(thrown)?;
            let position = versions.iter().position(|v| v.id == *id).unwrap_or(0);
            for successor in &versions[..position] {
                if self
                    .forwarded_to(&successor.id, recipient)
                    .await
                    .map_err(thrown)?
                {
                    return Err(Refusal::item(format!(
                        "The provided Attribute is outdated. Its successor '{}' is already shared with the peer.",
                        successor.id
                    )));
                }
            }
            for predecessor in versions.iter().skip(position + 1) {
                if self
                    .forwarded_to(&predecessor.id, recipient)
                    .await
                    .map_err(thrown)?
                {
                    return Err(Refusal::item(format!(
                        "The predecessor '{}' of the Attribute is already shared with the peer. Instead of sharing it, you should notify the peer about the Attribute succession.",
                        predecessor.id
                    )));
                }
            }
        }
        match &item.attribute {
            Attribute::IdentityAttribute(_) => {
                if stored.kind != Kind::OwnIdentityAttribute {
                    return Err(Refusal::item(
                        "The provided IdentityAttribute belongs to someone else. You can only share OwnIdentityAttributes.",
                    ));
                }
                if item.third_party_address.is_some() {
                    return Err(Refusal::item(
                        "When sharing an OwnIdentityAttribute, no thirdPartyAddress may be specified.",
                    ));
                }
                self.check_tags(&item.attribute, Refusal::item).await
            }
            Attribute::RelationshipAttribute(a) => {
                if recipient.is_some() && stored.peer.as_deref() == recipient {
                    return Err(Refusal::item(
                        "The provided RelationshipAttribute already exists in the context of the Relationship with the peer.",
                    ));
                }
                if item.third_party_address.as_deref() != stored.peer.as_deref() {
                    return Err(Refusal::item(
                        "When sharing a RelationshipAttribute with another Identity, the address of the peer of the Relationship in which the RelationshipAttribute exists must be specified as thirdPartyAddress.",
                    ));
                }
                if recipient.is_some_and(|r| r == a.owner) {
                    return Err(Refusal::item(
                        "It doesn't make sense to share a RelationshipAttribute with its owner.",
                    ));
                }
                if a.confidentiality == Confidentiality::Private {
                    return Err(Refusal::item(
                        "The confidentiality of the given `attribute` is private. Therefore you are not allowed to share it.",
                    ));
                }
                Ok(())
            }
        }
    }

    pub(super) async fn can_accept_share_item(&self, item: &ShareAttributeRequestItem) -> Check {
        match (&item.attribute, &item.third_party_address) {
            (Attribute::IdentityAttribute(_), Some(_)) => Err(Refusal::item(
                "The RequestItem is invalid, since it must contain a RelationshipAttribute if thirdPartyAddress is defined.",
            )),
            (Attribute::RelationshipAttribute(_), None) => Err(Refusal::item(
                "The RequestItem is invalid, since it must contain an IdentityAttribute if thirdPartyAddress is undefined.",
            )),
            _ => self.check_tags(&item.attribute, Refusal::item).await,
        }
    }

    pub(super) async fn accept_share_item(
        &self,
        item: &ShareAttributeRequestItem,
        request: &LocalRequest,
        change: &mut Change,
    ) -> Result<ResponseItem> {
        let peer = request.dto.peer.as_str();
        let (kind, value_type) = match &item.attribute {
            Attribute::IdentityAttribute(a) => (Kind::PeerIdentityAttribute, a.value.type_name()),
            Attribute::RelationshipAttribute(a) => {
                (Kind::ThirdPartyRelationshipAttribute, a.value.type_name())
            }
        };
        // The same value from the same peer, not deleted by it: already shared.
        let filter = Filter::eq("@type", kind.as_str())
            .and(Filter::eq("peer", peer))
            .and(Filter::eq("content.value.@type", value_type))
            .and(Filter::cond("succeededBy", Op::NotExists, Value::Null));
        let candidates = self
            .find_attributes(&filter, &FindOptions::default())
            .await?;
        let existing = candidates.into_iter().find(|a| {
            a.content == item.attribute
                && a.deletion_info.as_ref().is_none_or(|d| {
                    d.deletion_status
                        != runtime_types::attributes::LocalAttributeDeletionStatus::DeletedByEmitter
                })
        });
        if let Some(mut existing) = existing {
            if existing.deletion_info.take().is_some() {
                change.put(COLLECTION, &attributes::stored(&existing)?)?;
            }
            return Ok(ResponseItem::AttributeAlreadySharedAcceptResponseItem(
                AttributeIdAcceptResponseItem {
                    result: ResponseItemResult::Accepted,
                    attribute_id: existing.id,
                },
            ));
        }
        let mut dto = new_attribute(
            kind,
            Some(item.attribute_id.clone()),
            item.attribute.clone(),
            Some(peer.to_owned()),
            Some(request.dto.id.clone()),
        )?;
        if kind == Kind::ThirdPartyRelationshipAttribute {
            dto.initial_attribute_peer = item.third_party_address.clone();
        }
        put_created(change, &dto)?;
        Ok(ResponseItem::AcceptResponseItem(
            content::requests::response::AcceptResponseItem {
                result: ResponseItemResult::Accepted,
            },
        ))
    }

    pub(super) async fn apply_share_response(
        &self,
        item: &ShareAttributeRequestItem,
        answer: &ResponseItem,
        request: &LocalRequest,
        change: &mut Change,
    ) -> Result<()> {
        if matches!(
            answer,
            ResponseItem::RejectResponseItem(_) | ResponseItem::ErrorResponseItem(_)
        ) {
            return Ok(());
        }
        let Some(attribute) = self.stored_attribute(&item.attribute_id).await? else {
            return Ok(());
        };
        if !attribute.kind.counts_forwards() {
            return Ok(());
        }
        let peer = request.dto.peer.as_str();
        if matches!(
            answer,
            ResponseItem::AttributeAlreadySharedAcceptResponseItem(_)
        ) && self.forwarded_to(&attribute.id, peer).await?
        {
            return Ok(());
        }
        let mut attribute = attribute;
        self.count_forwards(std::slice::from_mut(&mut attribute))
            .await?;
        put_forward(change, &attribute, peer, &request.dto.id)?;
        Ok(())
    }

    // --- Read and Propose ---------------------------------------------------------------

    /// `validateQuery` and the requester's rules on a query.
    async fn can_create_query(
        &self,
        query: &AttributeQuery,
        recipient: Option<&str>,
        proposing: bool,
    ) -> Check {
        let me = self.transport.address().as_str();
        match query {
            AttributeQuery::IQLQuery(q) => {
                if let Some(column) = iql::validate(&q.query_string).column() {
                    return Err(Refusal::item(format!(
                        "IQL query syntax error at character {column}"
                    )));
                }
                if let Some(tags) = q
                    .attribute_creation_hints
                    .as_ref()
                    .and_then(|h| h.tags.as_ref())
                {
                    let value_type = q
                        .attribute_creation_hints
                        .as_ref()
                        .map(|h| h.value_type.as_str())
                        .unwrap_or("");
                    self.validate_tags(value_type, tags)
                        .await
                        .map_err(|e| Refusal::item(tag_reason(&e)))?;
                }
            }
            AttributeQuery::ThirdPartyRelationshipAttributeQuery(q) => {
                if q.third_party.iter().any(|t| t == me) {
                    return Err(Refusal::item(
                        "Cannot query an Attribute with the own address as third party.",
                    ));
                }
                if recipient.is_some_and(|r| q.third_party.iter().any(|t| t == r)) {
                    return Err(Refusal::item(
                        "Cannot query an Attribute with the recipient's address as third party.",
                    ));
                }
            }
            AttributeQuery::IdentityAttributeQuery(q) => {
                if let Some(tags) = &q.tags {
                    self.validate_tags(&q.value_type, tags)
                        .await
                        .map_err(|e| Refusal::item(tag_reason(&e)))?;
                }
            }
            AttributeQuery::RelationshipAttributeQuery(q) => {
                if proposing && !q.owner.is_empty() {
                    return Err(Refusal::item(
                        "The owner of the given `query` can only be an empty string. This is because you can only propose Attributes where the Recipient of the Request is the owner anyway. And in order to avoid mistakes, the owner will be automatically filled for you.",
                    ));
                }
                if !q.owner.is_empty() && q.owner != me {
                    return Err(Refusal::item(
                        "The owner of the given `query` can only be an empty string or yourself. This is because you can only request RelationshipAttributes using a ReadAttributeRequestitem with a RelationshipAttributeQuery where the Recipient of the Request or yourself is the owner. And in order to avoid mistakes, the Recipient automatically will become the owner of the RelationshipAttribute later on if the owner of the `query` is an empty string.",
                    ));
                }
                if let Some(recipient) = recipient {
                    let owner = if q.owner.is_empty() {
                        recipient
                    } else {
                        q.owner.as_str()
                    };
                    if self
                        .relationship_attribute_exists(
                            &q.key,
                            owner,
                            &q.attribute_creation_hints.value_type,
                            recipient,
                        )
                        .await
                        .map_err(thrown)?
                    {
                        let what = if proposing { "proposed" } else { "queried" };
                        return Err(Refusal::item(format!(
                            "The creation of the {what} RelationshipAttribute cannot be requested because there is already a RelationshipAttribute in the context of this Relationship with the same key '{}', owner and value type.",
                            q.key
                        )));
                    }
                }
            }
        }
        Ok(())
    }

    pub(super) async fn can_create_read_item(
        &self,
        item: &ReadAttributeRequestItem,
        recipient: Option<&str>,
    ) -> Check {
        self.can_create_query(&item.query, recipient, false).await
    }

    pub(super) async fn can_create_propose_item(
        &self,
        item: &ProposeAttributeRequestItem,
        recipient: Option<&str>,
    ) -> Check {
        let query = propose_query(&item.query);
        self.can_create_query(&query, recipient, true).await?;
        if !owner(&item.attribute).is_empty() {
            return Err(Refusal::item(
                "The owner of the given `attribute` can only be an empty string. This is because you can only propose Attributes where the Recipient of the Request is the owner anyway. And in order to avoid mistakes, the owner will be automatically filled for you.",
            ));
        }
        if forbidden_characters(&item.attribute) {
            return Err(Refusal::item(
                "The Attribute contains forbidden characters.",
            ));
        }
        self.check_tags(&item.attribute, Refusal::item).await?;
        matches_query(&query, &item.attribute, "", "").map_err(|r| match r {
            Refusal::Core(_, reason) => Refusal::item(reason),
            other => other,
        })
    }

    /// The attribute an accepted Read or Propose answers with: an existing one (by id) or a
    /// new one (owner filled in).
    async fn chosen_attribute(
        &self,
        existing_id: Option<&str>,
        new_attribute: Option<&Value>,
        tags: Option<&Vec<String>>,
        kind_name: &str,
    ) -> std::result::Result<Chosen, Refusal> {
        match (existing_id, new_attribute) {
            (Some(_), Some(_)) | (None, None) => Err(Refusal::Serval(format!(
                "Accept{kind_name}Parameters :: You have to specify either {} or {}.",
                if kind_name == "ReadAttributeRequestItem" {
                    "newAttribute"
                } else {
                    "attribute"
                },
                if kind_name == "ReadAttributeRequestItem" {
                    "existingAttributeId"
                } else {
                    "attributeId"
                },
            ))),
            (None, Some(value)) => {
                if tags.is_some() {
                    return Err(Refusal::Serval(format!(
                        "Accept{kind_name}Parameters :: If you specify tags, you have to specify an existing Attribute."
                    )));
                }
                let mut value = value.clone();
                if value
                    .get("owner")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .is_empty()
                {
                    value["owner"] = Value::String(self.transport.address().to_string());
                }
                let attribute =
                    content::parse_attribute(&value).map_err(|e| Refusal::Serval(e.message))?;
                Ok(Chosen::New(attribute))
            }
            (Some(id), None) => {
                let attribute = self
                    .stored_attribute(id)
                    .await
                    .map_err(thrown)?
                    .ok_or_else(|| {
                        Refusal::Core(
                            "error.transport.recordNotFound",
                            format!("'LocalAttribute' not found. with data \"{id}\""),
                        )
                    })?;
                Ok(Chosen::Existing(Box::new(attribute)))
            }
        }
    }

    async fn can_accept_query_answer(
        &self,
        query: &AttributeQuery,
        chosen: &Chosen,
        request: &LocalRequest,
        kind_name: &str,
        tags_given: bool,
    ) -> Check {
        let me = self.transport.address().as_str();
        let requester = request.dto.peer.as_str();
        match chosen {
            Chosen::Existing(attribute) => {
                if matches!(query, AttributeQuery::RelationshipAttributeQuery(_)) {
                    return Err(Refusal::params(
                        "When responding to a RelationshipAttributeQuery, only new RelationshipAttributes may be provided.",
                    ));
                }
                let allowed = if kind_name == "ReadAttributeRequestItem" {
                    attribute.kind.counts_forwards()
                } else {
                    attribute.kind == Kind::OwnIdentityAttribute
                };
                if !allowed {
                    return Err(Refusal::params(
                        if kind_name == "ReadAttributeRequestItem" {
                            "The selected Attribute is not an OwnIdentityAttribute, an OwnRelationshipAttribute or a PeerRelationshipAttribute. When accepting a ReadAttributeRequestItem with an existing Attribute it may only be such an Attribute."
                        } else {
                            "The selected Attribute is not an OwnIdentityAttribute. When accepting a ProposeAttributeRequestItem with an existing Attribute it may only be an OwnIdentityAttribute."
                        },
                    ));
                }
                if let AttributeQuery::ThirdPartyRelationshipAttributeQuery(q) = query
                    && matches!(
                        attribute.kind,
                        Kind::OwnRelationshipAttribute | Kind::PeerRelationshipAttribute
                    )
                {
                    self.can_share_with_third_party(q, attribute, tags_given)
                        .await?;
                }
                if attribute.kind == Kind::OwnIdentityAttribute {
                    let versions = self
                        .attribute_versions(&attribute.id)
                        .await
                        .map_err(thrown)?;
                    let position = versions
                        .iter()
                        .position(|v| v.id == attribute.id)
                        .unwrap_or(0);
                    for successor in &versions[..position] {
                        if self
                            .forwarded_to(&successor.id, requester)
                            .await
                            .map_err(thrown)?
                        {
                            return Err(Refusal::mismatch(format!(
                                "The provided IdentityAttribute is outdated. You have already shared the successor '{}' of it.",
                                successor.id
                            )));
                        }
                    }
                }
                matches_query(query, &attribute.content, me, requester)
            }
            Chosen::New(attribute) => {
                if matches!(
                    query,
                    AttributeQuery::ThirdPartyRelationshipAttributeQuery(_)
                ) {
                    return Err(Refusal::params(
                        "When responding to a ThirdPartyRelationshipAttributeQuery, only RelationshipAttributes that already exist may be provided.",
                    ));
                }
                if forbidden_characters(attribute) {
                    return Err(Refusal::params(
                        "The Attribute contains forbidden characters.",
                    ));
                }
                matches_query(query, attribute, me, requester)?;
                if let Attribute::RelationshipAttribute(a) = attribute
                    && self
                        .relationship_attribute_exists(
                            &a.key,
                            &a.owner,
                            a.value.type_name(),
                            requester,
                        )
                        .await
                        .map_err(thrown)?
                {
                    return Err(Refusal::params(format!(
                        "This {kind_name} cannot be accepted as the queried RelationshipAttribute cannot be created because there is already a RelationshipAttribute in the context of this Relationship with the same key '{}', owner and value type.",
                        a.key
                    )));
                }
                self.check_tags(attribute, Refusal::params).await
            }
        }
    }

    /// An own or peer relationship attribute shared with a third party: the relationship it
    /// belongs to must be established, its peer among the queried third parties (or any),
    /// and no tags may be added.
    async fn can_share_with_third_party(
        &self,
        query: &content::attributes::queries::ThirdPartyRelationshipAttributeQuery,
        attribute: &LocalAttributeDto,
        tags_given: bool,
    ) -> Check {
        let initial_peer = attribute.peer.as_deref().unwrap_or_default();
        let queried = |t: &str| query.third_party.iter().any(|p| p == t);
        if (attribute.kind == Kind::OwnRelationshipAttribute || queried(initial_peer))
            && !queried("")
            && !queried(initial_peer)
        {
            return Err(Refusal::mismatch(
                "The provided RelationshipAttribute exists in the context of a Relationship with a third party that should not be involved.",
            ));
        }
        let established = self
            .relationship_to(initial_peer)
            .await
            .map_err(thrown)?
            .is_some_and(|r| {
                matches!(
                    r.status.as_str(),
                    "Active" | "Terminated" | "DeletionProposed"
                )
            });
        if !established {
            return Err(Refusal::Core(
                "error.consumption.requests.cannotShareRelationshipAttributeOfPendingRelationship",
                "The provided RelationshipAttribute exists in the context of a pending Relationship and therefore cannot be shared.".into(),
            ));
        }
        if tags_given {
            return Err(Refusal::params(
                "When responding to a ThirdPartyRelationshipAttributeQuery, no tags may be specified.",
            ));
        }
        Ok(())
    }

    pub(super) async fn can_accept_read_item(
        &self,
        item: &ReadAttributeRequestItem,
        params: &ItemParams,
        request: &LocalRequest,
    ) -> Check {
        let chosen = self.chosen_for(params, Answer::Read).await?;
        let tags_given = params.tags.as_ref().is_some_and(|t| !t.is_empty());
        self.can_accept_query_answer(
            &item.query,
            &chosen,
            request,
            Answer::Read.item_name(),
            tags_given,
        )
        .await
    }

    pub(super) async fn can_accept_propose_item(
        &self,
        item: &ProposeAttributeRequestItem,
        params: &ItemParams,
        request: &LocalRequest,
    ) -> Check {
        let chosen = self.chosen_for(params, Answer::Propose).await?;
        let query = propose_query(&item.query);
        let tags_given = params.tags.as_ref().is_some_and(|t| !t.is_empty());
        self.can_accept_query_answer(
            &query,
            &chosen,
            request,
            Answer::Propose.item_name(),
            tags_given,
        )
        .await
    }

    pub(super) async fn accept_read_item(
        &self,
        params: &ItemParams,
        request: &LocalRequest,
        change: &mut Change,
    ) -> Result<ResponseItem> {
        self.accept_query_item(params, request, Answer::Read, change)
            .await
    }

    pub(super) async fn accept_propose_item(
        &self,
        params: &ItemParams,
        request: &LocalRequest,
        change: &mut Change,
    ) -> Result<ResponseItem> {
        self.accept_query_item(params, request, Answer::Propose, change)
            .await
    }

    async fn accept_query_item(
        &self,
        params: &ItemParams,
        request: &LocalRequest,
        answer: Answer,
        change: &mut Change,
    ) -> Result<ResponseItem> {
        let chosen = self
            .chosen_for(params, answer)
            .await
            .map_err(refusal_error)?;
        self.answer_with(chosen, request, answer, change).await
    }

    /// The attribute the parameters of an accepted Read or Propose name.
    async fn chosen_for(
        &self,
        params: &ItemParams,
        answer: Answer,
    ) -> std::result::Result<Chosen, Refusal> {
        let (existing, new) = match answer {
            Answer::Propose => (params.attribute_id.as_deref(), params.attribute.as_ref()),
            _ => (
                params.existing_attribute_id.as_deref(),
                params.new_attribute.as_ref(),
            ),
        };
        self.chosen_attribute(existing, new, params.tags.as_ref(), answer.item_name())
            .await
    }

    async fn answer_with(
        &self,
        chosen: Chosen,
        request: &LocalRequest,
        answer: Answer,
        change: &mut Change,
    ) -> Result<ResponseItem> {
        match chosen {
            Chosen::Existing(attribute) => {
                self.share_existing(*attribute, true, request, answer, change)
                    .await
            }
            Chosen::New(attribute @ Attribute::IdentityAttribute(_)) => {
                self.appropriate_response(&attribute, request, answer, change)
                    .await
            }
            Chosen::New(attribute @ Attribute::RelationshipAttribute(_)) => {
                let dto = self.keep_relationship_attribute(attribute, request, change)?;
                Ok(accept_answer(answer, dto.id, dto.content, None))
            }
        }
    }

    /// A new relationship attribute of the relationship with the requester, accepted into it:
    /// own when this identity owns it, else the peer's; it came with the request.
    fn keep_relationship_attribute(
        &self,
        attribute: Attribute,
        request: &LocalRequest,
        change: &mut Change,
    ) -> Result<LocalAttributeDto> {
        let kind = if owner(&attribute) == self.transport.address().as_str() {
            Kind::OwnRelationshipAttribute
        } else {
            Kind::PeerRelationshipAttribute
        };
        let dto = new_attribute(
            kind,
            None,
            attribute,
            Some(request.dto.peer.clone()),
            Some(request.dto.id.clone()),
        )?;
        put_created(change, &dto)?;
        Ok(dto)
    }

    /// Shares an existing own attribute with the requester: already shared, shared anew, or
    /// a successor of a version shared before.
    /// `stored` is false for an attribute created in this `change`: it has no versions and
    /// no forwards yet.
    async fn share_existing(
        &self,
        mut attribute: LocalAttributeDto,
        stored: bool,
        request: &LocalRequest,
        answer: Answer,
        change: &mut Change,
    ) -> Result<ResponseItem> {
        let requester = request.dto.peer.as_str();
        if !stored {
            let shown = put_forward(change, &attribute, requester, &request.dto.id)?;
            return Ok(accept_answer(answer, shown.id, shown.content, None));
        }
        if self.forwarded_to(&attribute.id, requester).await? {
            return Ok(ResponseItem::AttributeAlreadySharedAcceptResponseItem(
                AttributeIdAcceptResponseItem {
                    result: ResponseItemResult::Accepted,
                    attribute_id: attribute.id,
                },
            ));
        }
        let versions = self.attribute_versions(&attribute.id).await?;
        let mut shared_predecessor = None;
        for version in versions.iter().filter(|v| v.id != attribute.id) {
            if self.forwarded_to(&version.id, requester).await? {
                shared_predecessor = Some(version.id.clone());
                break;
            }
        }
        self.count_forwards(std::slice::from_mut(&mut attribute))
            .await?;
        put_forward(change, &attribute, requester, &request.dto.id)?;
        let third_party = match attribute.kind {
            Kind::OwnRelationshipAttribute | Kind::PeerRelationshipAttribute => {
                attribute.peer.clone()
            }
            _ => None,
        };
        Ok(match shared_predecessor {
            Some(predecessor_id) => ResponseItem::AttributeSuccessionAcceptResponseItem(
                AttributeSuccessionAcceptResponseItem {
                    result: ResponseItemResult::Accepted,
                    predecessor_id,
                    successor_id: attribute.id,
                    successor_content: attribute.content,
                },
            ),
            None => accept_answer(answer, attribute.id, attribute.content, third_party),
        })
    }

    /// `createAppropriateResponseItem`: a new identity attribute given while accepting
    /// becomes (or finds) an own identity attribute, which is then shared.
    async fn appropriate_response(
        &self,
        attribute: &Attribute,
        request: &LocalRequest,
        answer: Answer,
        change: &mut Change,
    ) -> Result<ResponseItem> {
        let trimmed = attributes::create::trimmed(&value_json(attribute));
        let (own, stored) = match self.own_identity_attribute_with_value(&trimmed).await? {
            Some(id) => (
                self.stored_attribute(&id)
                    .await?
                    .ok_or_else(attributes::not_found)?,
                true,
            ),
            None => {
                let mut json =
                    serde_json::to_value(attribute).map_err(|e| Error::Internal(e.to_string()))?;
                json["value"] = trimmed;
                let content = content::parse_attribute(&json).map_err(Error::content)?;
                let dto = new_attribute(Kind::OwnIdentityAttribute, None, content, None, None)?;
                put_created(change, &dto)?;
                (dto, false)
            }
        };
        match answer {
            Answer::Create => {
                let item = self
                    .share_existing(own, stored, request, Answer::Read, change)
                    .await?;
                // A Create is answered by the attribute's id alone.
                Ok(match item {
                    ResponseItem::ReadAttributeAcceptResponseItem(r) => {
                        ResponseItem::CreateAttributeAcceptResponseItem(
                            AttributeIdAcceptResponseItem {
                                result: ResponseItemResult::Accepted,
                                attribute_id: r.attribute_id,
                            },
                        )
                    }
                    other => other,
                })
            }
            _ => {
                self.share_existing(own, stored, request, answer, change)
                    .await
            }
        }
    }

    /// What the requester keeps of a Read or Propose answer.
    pub(super) async fn apply_read_response(
        &self,
        answer: &ResponseItem,
        request: &LocalRequest,
        change: &mut Change,
    ) -> Result<()> {
        let me = self.transport.address().as_str();
        let peer = request.dto.peer.as_str();
        let (id, attribute, third_party) = match answer {
            ResponseItem::ReadAttributeAcceptResponseItem(r) => (
                &r.attribute_id,
                &r.attribute,
                r.third_party_address.as_ref(),
            ),
            ResponseItem::ProposeAttributeAcceptResponseItem(r) => {
                (&r.attribute_id, &r.attribute, None)
            }
            ResponseItem::AttributeSuccessionAcceptResponseItem(s) => {
                return self.apply_succession(s, request, change).await;
            }
            _ => return Ok(()),
        };
        let kind = match (attribute, third_party) {
            (Attribute::IdentityAttribute(_), _) => Kind::PeerIdentityAttribute,
            (Attribute::RelationshipAttribute(_), Some(_)) => Kind::ThirdPartyRelationshipAttribute,
            (Attribute::RelationshipAttribute(a), None) if a.owner == me => {
                Kind::OwnRelationshipAttribute
            }
            (Attribute::RelationshipAttribute(_), None) => Kind::PeerRelationshipAttribute,
        };
        let mut dto = new_attribute(
            kind,
            Some(id.clone()),
            attribute.clone(),
            Some(peer.to_owned()),
            Some(request.dto.id.clone()),
        )?;
        if kind == Kind::ThirdPartyRelationshipAttribute {
            dto.initial_attribute_peer = third_party.cloned();
        }
        put_created(change, &dto)
    }

    /// A succession answered to a Read or Propose: the peer's attribute gets a successor.
    /// As in the runtime, no `attributeSucceeded` event is published for it.
    async fn apply_succession(
        &self,
        succession: &AttributeSuccessionAcceptResponseItem,
        request: &LocalRequest,
        change: &mut Change,
    ) -> Result<()> {
        let Some(mut predecessor) = self.stored_attribute(&succession.predecessor_id).await? else {
            return Ok(());
        };
        if !matches!(
            predecessor.kind,
            Kind::PeerIdentityAttribute | Kind::ThirdPartyRelationshipAttribute
        ) {
            return Ok(());
        }
        let mut successor = new_attribute(
            predecessor.kind,
            Some(succession.successor_id.clone()),
            succession.successor_content.clone(),
            Some(request.dto.peer.clone()),
            Some(request.dto.id.clone()),
        )?;
        successor.succeeds = Some(predecessor.id.clone());
        successor.initial_attribute_peer = predecessor.initial_attribute_peer.clone();
        predecessor.succeeded_by = Some(successor.id.clone());
        change.put(COLLECTION, &attributes::stored(&predecessor)?)?;
        change.put(COLLECTION, &attributes::stored(&successor)?)?;
        Ok(())
    }
}

/// An existing attribute or a new one, chosen to answer a Read or Propose. Built once per
/// answered item and matched at once, so its size does not matter.
#[allow(clippy::large_enum_variant)]
enum Chosen {
    Existing(Box<LocalAttributeDto>),
    New(Attribute),
}

fn refusal_error(refusal: Refusal) -> Error {
    match refusal {
        Refusal::Core(code, reason) | Refusal::Application(code, reason) => {
            Error::rule(code, reason)
        }
        Refusal::Thrown(message) | Refusal::Serval(message) => Error::Internal(message),
    }
}

fn tag_reason(e: &Error) -> String {
    e.to_string()
}

/// The answer of an accepted Read or Propose with the attribute shared.
fn accept_answer(
    answer: Answer,
    attribute_id: String,
    attribute: Attribute,
    third_party_address: Option<String>,
) -> ResponseItem {
    let result = ResponseItemResult::Accepted;
    match answer {
        Answer::Propose => {
            ResponseItem::ProposeAttributeAcceptResponseItem(ProposeAttributeAcceptResponseItem {
                result,
                attribute_id,
                attribute,
            })
        }
        Answer::Create => {
            ResponseItem::CreateAttributeAcceptResponseItem(AttributeIdAcceptResponseItem {
                result,
                attribute_id,
            })
        }
        Answer::Read => {
            ResponseItem::ReadAttributeAcceptResponseItem(ReadAttributeAcceptResponseItem {
                result,
                attribute_id,
                attribute,
                third_party_address,
            })
        }
    }
}

fn propose_query(query: &ProposeAttributeQuery) -> AttributeQuery {
    match query {
        ProposeAttributeQuery::IdentityAttributeQuery(q) => {
            AttributeQuery::IdentityAttributeQuery(q.clone())
        }
        ProposeAttributeQuery::RelationshipAttributeQuery(q) => {
            AttributeQuery::RelationshipAttributeQuery(q.clone())
        }
        ProposeAttributeQuery::IQLQuery(q) => AttributeQuery::IQLQuery(q.clone()),
    }
}

/// `validateAttributeMatchesWithQuery(query, attribute, recipient, sender)`.
fn matches_query(
    query: &AttributeQuery,
    attribute: &Attribute,
    recipient: &str,
    sender: &str,
) -> Check {
    match query {
        AttributeQuery::IdentityAttributeQuery(q) => {
            let Attribute::IdentityAttribute(a) = attribute else {
                return Err(Refusal::mismatch(
                    "The provided Attribute is not an IdentityAttribute, but an IdentityAttribute was queried.",
                ));
            };
            if a.owner != recipient {
                return Err(Refusal::mismatch(
                    "The provided IdentityAttribute belongs to someone else. You can only share OwnIdentityAttributes.",
                ));
            }
            if a.value.type_name() != q.value_type {
                return Err(Refusal::mismatch(
                    "The provided IdentityAttribute is not of the queried IdentityAttribute value type.",
                ));
            }
            if let Some(queried) = &q.tags
                && !queried.is_empty()
                && !a
                    .tags
                    .as_ref()
                    .is_some_and(|t| t.iter().any(|t| queried.contains(t)))
            {
                return Err(Refusal::mismatch(
                    "The tags of the provided IdentityAttribute do not contain at least one queried tag.",
                ));
            }
            Ok(())
        }
        AttributeQuery::IQLQuery(_) => {
            let Attribute::IdentityAttribute(a) = attribute else {
                return Err(Refusal::mismatch(
                    "The provided Attribute is not an IdentityAttribute. Currently, only IdentityAttributes can be queried by an IQLQuery.",
                ));
            };
            if a.owner != recipient {
                return Err(Refusal::mismatch(
                    "The provided IdentityAttribute belongs to someone else. You can only share OwnIdentityAttributes.",
                ));
            }
            Ok(())
        }
        AttributeQuery::RelationshipAttributeQuery(q) => {
            let Attribute::RelationshipAttribute(a) = attribute else {
                return Err(Refusal::mismatch(
                    "The provided Attribute is not a RelationshipAttribute, but a RelationshipAttribute was queried.",
                ));
            };
            if !q.owner.is_empty() && q.owner != a.owner {
                return Err(Refusal::mismatch(
                    "The provided RelationshipAttribute does not belong to the queried owner.",
                ));
            }
            if q.owner.is_empty() && a.owner != recipient {
                return Err(Refusal::mismatch(
                    "You are not the owner of the provided RelationshipAttribute, but an empty string was specified for the owner of the query.",
                ));
            }
            if q.key != a.key {
                return Err(Refusal::mismatch(
                    "The provided RelationshipAttribute does not have the queried key.",
                ));
            }
            let hints = &q.attribute_creation_hints;
            if hints.confidentiality != a.confidentiality {
                return Err(Refusal::mismatch(
                    "The provided RelationshipAttribute does not have the queried confidentiality.",
                ));
            }
            if hints.value_type != a.value.type_name() {
                return Err(Refusal::mismatch(
                    "The provided RelationshipAttribute is not of the queried RelationshipAttribute value type.",
                ));
            }
            if hints.value_type != "Consent" {
                let value = serde_json::to_value(&a.value).unwrap_or(Value::Null);
                if value["title"].as_str() != Some(hints.title.as_str()) {
                    return Err(Refusal::mismatch(
                        "The provided RelationshipAttribute does not have the queried title.",
                    ));
                }
                if value["description"].as_str() != hints.description.as_deref() {
                    return Err(Refusal::mismatch(
                        "The provided RelationshipAttribute does not have the queried description.",
                    ));
                }
            }
            Ok(())
        }
        AttributeQuery::ThirdPartyRelationshipAttributeQuery(q) => {
            let Attribute::RelationshipAttribute(a) = attribute else {
                return Err(Refusal::mismatch(
                    "The provided Attribute is not a RelationshipAttribute, but a RelationshipAttribute was queried.",
                ));
            };
            let recipient_owns = a.owner == recipient;
            let third = |t: &str| q.third_party.iter().any(|p| p == t);
            let wrong_owner = a.owner == sender
                || (q.owner == "recipient" && !recipient_owns)
                || (q.owner == "thirdParty"
                    && !third(&a.owner)
                    && (!third("") || (recipient_owns && !third(recipient))));
            if wrong_owner {
                return Err(Refusal::mismatch(
                    "The provided RelationshipAttribute does not belong to a queried owner.",
                ));
            }
            if q.owner.is_empty() && !recipient_owns && !third("") && !third(&a.owner) {
                return Err(Refusal::mismatch(
                    "Neither you nor one of the involved third parties is the owner of the provided RelationshipAttribute, but an empty string was specified for the owner of the query.",
                ));
            }
            if q.key != a.key {
                return Err(Refusal::mismatch(
                    "The provided RelationshipAttribute does not have the queried key.",
                ));
            }
            if a.confidentiality == Confidentiality::Private {
                return Err(Refusal::mismatch(
                    "The confidentiality of the provided RelationshipAttribute is private. Therefore you are not allowed to share it.",
                ));
            }
            Ok(())
        }
    }
}
