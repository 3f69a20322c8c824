//! The attribute store, 7.0 model: each attribute is one of five kinds
//! ([`LocalAttributeKind`]) in the collection `Attributes`, stored as its DTO without
//! `numberOfForwards` (which is counted from the collection `AttributeForwardingDetails` on
//! every read). Versions are chained by `succeeds` / `succeededBy`.
//!
//! - [`create`]: creating and checking own identity attributes.
//! - [`listing`]: the list routes, versions, and the query executions.
//! - [`sharing`]: what was exchanged with a peer, and the relationship attribute queries.
//! - [`succession`]: succeeding an own identity attribute, telling a peer of it (`NotifyPeer`),
//!   and the rules every succession keeps.
//! - [`deletion`]: deleting an attribute with its predecessors.
//! - [`relationship_end`]: what a rejected, revoked or ending relationship means for them.
//! - [`value_schemas`]: the runtime's request schemas of the identity value types.
//! - [`characters`]: the characters an attribute may contain.

pub mod characters;
pub mod create;
pub mod deletion;
pub mod listing;
pub mod relationship_end;
pub mod sharing;
pub mod succession;
pub mod value_schemas;

use crate::{Consumption, Error, Result};
use runtime_types::attributes::{LocalAttributeDto, LocalAttributeKind};
use serde_json::Value;
use std::collections::HashMap;
use store::{Filter, FindOptions};
use transport::PeerData;

pub const COLLECTION: &str = "Attributes";
pub const FORWARDING_DETAILS: &str = "AttributeForwardingDetails";

/// Attributes kept with a peer (Peer*, OwnRelationship, ThirdParty), by `peer`.
pub const PEER_DATA: PeerData = PeerData {
    collection: COLLECTION,
    field: "peer",
};

/// Forwards of own attributes to a peer, by `peer`.
pub const FORWARDS_PEER_DATA: PeerData = PeerData {
    collection: FORWARDING_DETAILS,
    field: "peer",
};

/// What the runtime says of an attribute that is not there.
pub(crate) fn not_found() -> Error {
    Error::NotFound("LocalAttribute")
}

/// An id of an attribute as the route's schema checks it.
pub(crate) fn check_attribute_id(id: &str) -> Result<()> {
    let ok =
        id.len() == 20 && id.starts_with("ATT") && id.bytes().all(|b| b.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(Error::invalid("id must match pattern ATT[A-Za-z0-9]{17}"))
    }
}

/// The document to store for `dto`: everything but the computed `numberOfForwards`.
pub(crate) fn stored(dto: &LocalAttributeDto) -> Result<Value> {
    let mut doc = serde_json::to_value(dto).map_err(|e| Error::Internal(e.to_string()))?;
    if let Some(map) = doc.as_object_mut() {
        map.remove("numberOfForwards");
    }
    Ok(doc)
}

fn from_doc(doc: Value) -> Result<LocalAttributeDto> {
    serde_json::from_value(doc).map_err(|e| Error::Internal(format!("stored attribute: {e}")))
}

impl Consumption {
    /// The attributes matching `filter` in `options`' order, with their forwards counted.
    pub(crate) async fn find_attributes(
        &self,
        filter: &Filter,
        options: &FindOptions,
    ) -> Result<Vec<LocalAttributeDto>> {
        let docs = self
            .transport
            .store()
            .find(COLLECTION, filter, options)
            .await?;
        self.attributes_of(docs).await
    }

    /// Stored documents as DTOs, with their forwards counted.
    pub(crate) async fn attributes_of(&self, docs: Vec<Value>) -> Result<Vec<LocalAttributeDto>> {
        let mut attributes = docs.into_iter().map(from_doc).collect::<Result<Vec<_>>>()?;
        self.count_forwards(&mut attributes).await?;
        Ok(attributes)
    }

    /// The stored attribute without its forwards counted, or `None`.
    pub(crate) async fn stored_attribute(&self, id: &str) -> Result<Option<LocalAttributeDto>> {
        self.transport
            .store()
            .get(COLLECTION, id)
            .await?
            .map(from_doc)
            .transpose()
    }

    /// The stored versions before `attribute`, newest first (a broken or circular chain ends
    /// the walk).
    pub(crate) async fn predecessors(
        &self,
        attribute: &LocalAttributeDto,
    ) -> Result<Vec<LocalAttributeDto>> {
        let mut predecessors: Vec<LocalAttributeDto> = Vec::new();
        let mut previous = attribute.succeeds.clone();
        while let Some(id) = previous {
            match self.stored_attribute(&id).await? {
                Some(p) if p.id != attribute.id && !predecessors.iter().any(|q| q.id == p.id) => {
                    previous = p.succeeds.clone();
                    predecessors.push(p);
                }
                _ => break,
            }
        }
        Ok(predecessors)
    }

    /// `GET /Attributes/{id}`.
    pub async fn get_attribute(&self, id: &str) -> Result<LocalAttributeDto> {
        check_attribute_id(id)?;
        let mut attribute = self.stored_attribute(id).await?.ok_or_else(not_found)?;
        self.count_forwards(std::slice::from_mut(&mut attribute))
            .await?;
        Ok(attribute)
    }

    /// Sets `numberOfForwards` on the kinds that show it: every forwarding record of the
    /// attribute, deleted ones included.
    pub(crate) async fn count_forwards(&self, attributes: &mut [LocalAttributeDto]) -> Result<()> {
        let ids: Vec<Value> = attributes
            .iter()
            .filter(|a| a.kind.counts_forwards())
            .map(|a| Value::String(a.id.clone()))
            .collect();
        if ids.is_empty() {
            return Ok(());
        }
        let records = self
            .transport
            .store()
            .find(
                FORWARDING_DETAILS,
                &Filter::cond("attributeId", store::Op::In, Value::Array(ids)),
                &FindOptions::default(),
            )
            .await?;
        let mut counts: HashMap<&str, u64> = HashMap::new();
        for record in &records {
            if let Some(id) = record.get("attributeId").and_then(Value::as_str) {
                *counts.entry(id).or_default() += 1;
            }
        }
        for attribute in attributes.iter_mut() {
            if attribute.kind.counts_forwards() {
                attribute.number_of_forwards =
                    Some(counts.get(attribute.id.as_str()).copied().unwrap_or(0));
            }
        }
        Ok(())
    }
}

/// The kind of every attribute the layer creates locally.
pub(crate) const OWN_IDENTITY: LocalAttributeKind = LocalAttributeKind::OwnIdentityAttribute;

/// A new local attribute of `kind` (with `id`, or a new one), as the request flows create them.
pub(crate) fn new_attribute(
    kind: LocalAttributeKind,
    id: Option<String>,
    content: content::Attribute,
    peer: Option<String>,
    source_reference: Option<String>,
) -> Result<LocalAttributeDto> {
    let id = match id {
        Some(id) => id,
        None => wire::AnyId::generate("ATT")?.to_string(),
    };
    Ok(LocalAttributeDto {
        kind,
        id,
        created_at: runtime_types::CoreDate::now(),
        content,
        succeeds: None,
        succeeded_by: None,
        was_viewed_at: None,
        is_default: None,
        peer,
        source_reference,
        deletion_info: None,
        initial_attribute_peer: None,
        number_of_forwards: kind.counts_forwards().then_some(0),
    })
}

/// Queues a new attribute and its `consumption.attributeCreated` in `change`.
pub(crate) fn put_created(change: &mut transport::Change, dto: &LocalAttributeDto) -> Result<()> {
    change.put(COLLECTION, &stored(dto)?)?;
    change.event(runtime_types::events::ATTRIBUTE_CREATED, dto)
}

/// A forwarding record: `attribute` was shared with `peer` by `source_reference`.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct ForwardingRecord<'a> {
    id: String,
    attribute_id: &'a str,
    peer: &'a str,
    source_reference: &'a str,
    shared_at: runtime_types::CoreDate,
}

/// Queues a forwarding record for `attribute` to `peer` and the
/// `consumption.attributeForwardingDetailsChanged` event, whose DTO counts the new forward.
pub(crate) fn put_forward(
    change: &mut transport::Change,
    attribute: &LocalAttributeDto,
    peer: &str,
    source_reference: &str,
) -> Result<LocalAttributeDto> {
    change.put(
        FORWARDING_DETAILS,
        &ForwardingRecord {
            id: wire::AnyId::generate("ATTFD")?.to_string(),
            attribute_id: &attribute.id,
            peer,
            source_reference,
            shared_at: runtime_types::CoreDate::now(),
        },
    )?;
    let mut shown = attribute.clone();
    if shown.kind.counts_forwards() {
        shown.number_of_forwards = Some(shown.number_of_forwards.unwrap_or(0) + 1);
    }
    change.event(
        runtime_types::events::ATTRIBUTE_FORWARDING_DETAILS_CHANGED,
        &shown,
    )?;
    Ok(shown)
}
