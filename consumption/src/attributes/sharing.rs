//! What was exchanged with a peer: the forwarding records of an own attribute, the versions of
//! an attribute a peer holds, the attributes exchanged with a peer, and the relationship and
//! third-party relationship attribute queries.

use super::listing::list_query;
use super::{FORWARDING_DETAILS, check_attribute_id, not_found};
use crate::{Consumption, Error, Result};
use runtime_types::attributes::{
    LocalAttributeDeletionStatus, LocalAttributeDto, LocalAttributeForwardingDetailsDto,
    LocalAttributeKind,
};
use serde_json::Value;
use store::{Filter, FindOptions, Op};
use wire::Address;

/// The keys `GET /Attributes/{id}/ForwardingDetails` accepts; others are refused.
pub const FORWARDING_QUERY_KEYS: &[&str] = &[
    "peer",
    "sourceReference",
    "sharedAt",
    "deletionInfo",
    "deletionInfo.deletionStatus",
    "deletionInfo.deletionDate",
];

/// The keys `GET /Attributes/Own/Shared/{peer}` accepts; others are refused.
pub const SHARED_QUERY_KEYS: &[&str] = &[
    "@type",
    "createdAt",
    "wasViewedAt",
    "isDefault",
    "content.@type",
    "content.tags",
    "content.key",
    "content.isTechnical",
    "content.confidentiality",
    "content.value.@type",
    "sourceReference",
    "deletionInfo",
    "deletionInfo.deletionStatus",
    "deletionInfo.deletionDate",
];

fn strings(items: impl IntoIterator<Item = impl Into<String>>) -> Value {
    Value::Array(items.into_iter().map(|s| Value::String(s.into())).collect())
}

fn deleted_by_recipient() -> Value {
    serde_json::to_value(LocalAttributeDeletionStatus::DeletedByRecipient).unwrap_or(Value::Null)
}

fn content_error(e: content::ContentError) -> Error {
    Error::rule(e.code(), e.message)
}

impl Consumption {
    /// The forwarding records matching `filter` whose recipient still holds the attribute.
    pub(crate) async fn live_forwards(&self, filter: &Filter) -> Result<Vec<Value>> {
        let records = self
            .transport
            .store()
            .find(FORWARDING_DETAILS, filter, &FindOptions::default())
            .await?;
        let deleted = deleted_by_recipient();
        Ok(records
            .into_iter()
            .filter(|r| r["deletionInfo"]["deletionStatus"] != deleted)
            .collect())
    }

    /// The ids of the attributes forwarded to `peer` that the peer still holds.
    pub(crate) async fn held_by(&self, peer: &str) -> Result<Vec<String>> {
        Ok(self
            .live_forwards(&Filter::eq("peer", peer))
            .await?
            .iter()
            .filter_map(|r| r["attributeId"].as_str().map(str::to_owned))
            .collect())
    }

    /// `GET /Attributes/{id}/ForwardingDetails`.
    pub async fn forwarding_details(
        &self,
        id: &str,
        pairs: &[(String, String)],
    ) -> Result<Vec<LocalAttributeForwardingDetailsDto>> {
        check_attribute_id(id)?;
        let query = list_query(pairs, FORWARDING_QUERY_KEYS, true)?;
        self.stored_attribute(id).await?.ok_or_else(not_found)?;
        let records = self
            .transport
            .store()
            .find(
                FORWARDING_DETAILS,
                &query.filter.and(Filter::eq("attributeId", id)),
                &FindOptions::default(),
            )
            .await?;
        records
            .into_iter()
            .map(|r| {
                serde_json::from_value(r)
                    .map_err(|e| Error::Internal(format!("stored forwarding details: {e}")))
            })
            .collect()
    }

    /// `GET /Attributes/{id}/Versions/Shared?peer=&onlyLatestVersions=`: the versions the peer
    /// holds, newest first (only the newest unless `onlyLatestVersions=false`).
    pub async fn versions_shared_with_peer(
        &self,
        id: &str,
        pairs: &[(String, String)],
    ) -> Result<Vec<LocalAttributeDto>> {
        check_attribute_id(id)?;
        let peer = pairs
            .iter()
            .find(|(k, _)| k == "peer")
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| Error::invalid("must have required property 'peer'"))?;
        let peer = Address::parse(peer).map_err(|_| {
            Error::invalid(format!(
                "peer must match pattern {}",
                wire::address::PATTERN
            ))
        })?;
        let only_latest = !pairs
            .iter()
            .any(|(k, v)| k == "onlyLatestVersions" && v == "false");
        let attribute = self.stored_attribute(id).await?.ok_or_else(not_found)?;
        if !attribute.kind.counts_forwards() {
            return Err(Error::invalid(
                "The `attributeId` property must belong to an OwnIdentityAttribute, an OwnRelationshipAttribute or a PeerRelationshipAttribute.",
            ));
        }
        let held = self.held_by(peer.as_str()).await?;
        let mut shared: Vec<LocalAttributeDto> = self
            .attribute_versions(id)
            .await?
            .into_iter()
            .filter(|a| held.contains(&a.id))
            .collect();
        if only_latest {
            shared.truncate(1);
        }
        Ok(shared)
    }

    /// The attributes exchanged with `peer`: those forwarded to it, then those kept with it
    /// (the runtime's order, unsorted). With `only_latest`, a forwarded version is left out
    /// when the peer holds a newer one, and a kept one when it has a successor.
    pub async fn attributes_exchanged_with(
        &self,
        peer: &Address,
        pairs: &[(String, String)],
        kinds: Option<&[LocalAttributeKind]>,
    ) -> Result<Vec<LocalAttributeDto>> {
        let query = list_query(pairs, SHARED_QUERY_KEYS, true)?;
        let mut filter = query.filter;
        if let Some(kinds) = kinds {
            filter = filter.and(Filter::cond(
                "@type",
                Op::In,
                strings(kinds.iter().map(|k| k.as_str())),
            ));
        }
        if query.hide_technical {
            filter = filter.and(Filter::Or(vec![
                Filter::eq("content.@type", "IdentityAttribute"),
                Filter::eq("content.@type", "RelationshipAttribute")
                    .and(Filter::eq("content.isTechnical", false)),
            ]));
        }
        let records = self
            .transport
            .store()
            .find(
                FORWARDING_DETAILS,
                &Filter::eq("peer", peer.as_str()),
                &FindOptions::default(),
            )
            .await?;
        let forwarded_ids: Vec<String> = records
            .iter()
            .filter_map(|r| r["attributeId"].as_str().map(str::to_owned))
            .collect();
        let mut forwarded = self
            .find_attributes(
                &filter
                    .clone()
                    .and(Filter::cond("id", Op::In, strings(forwarded_ids))),
                &FindOptions::default(),
            )
            .await?;
        if query.only_latest_versions {
            let held = self.held_by(peer.as_str()).await?;
            let mut latest = Vec::new();
            for attribute in forwarded {
                let newer = self.attribute_versions(&attribute.id).await?;
                let position = newer.iter().position(|a| a.id == attribute.id).unwrap_or(0);
                if !newer[..position].iter().any(|a| held.contains(&a.id)) {
                    latest.push(attribute);
                }
            }
            forwarded = latest;
        }
        let mut with_peer_filter = filter.and(Filter::eq("peer", peer.as_str()));
        if query.only_latest_versions {
            with_peer_filter =
                with_peer_filter.and(Filter::cond("succeededBy", Op::NotExists, Value::Null));
        }
        let with_peer = self
            .find_attributes(&with_peer_filter, &FindOptions::default())
            .await?;
        forwarded.extend(with_peer);
        Ok(forwarded)
    }

    /// `GET /Attributes/Own/Shared/{peer}`: own attributes exchanged with the peer.
    pub async fn own_attributes_shared_with(
        &self,
        peer: &Address,
        pairs: &[(String, String)],
    ) -> Result<Vec<LocalAttributeDto>> {
        self.attributes_exchanged_with(
            peer,
            pairs,
            Some(&[
                LocalAttributeKind::OwnIdentityAttribute,
                LocalAttributeKind::OwnRelationshipAttribute,
            ]),
        )
        .await
    }

    /// `POST /Attributes/ExecuteRelationshipAttributeQuery`: the first relationship attribute
    /// with the key and owner that is not private.
    pub async fn execute_relationship_attribute_query(
        &self,
        body: &Value,
    ) -> Result<LocalAttributeDto> {
        let query =
            content::parse_relationship_attribute_query(body.get("query").unwrap_or(&Value::Null))
                .map_err(content_error)?;
        let owner = if query.owner.is_empty() {
            self.transport.address().to_string()
        } else {
            query.owner
        };
        let filter = Filter::eq("content.@type", "RelationshipAttribute")
            .and(Filter::eq("content.key", query.key))
            .and(Filter::eq("content.owner", owner))
            .and(Filter::cond("content.confidentiality", Op::Ne, "private"));
        self.find_attributes(&filter, &FindOptions::default())
            .await?
            .into_iter()
            .next()
            .ok_or(Error::NotFound("RelationshipAttribute"))
    }

    /// `POST /Attributes/ExecuteThirdPartyRelationshipAttributeQuery`.
    pub async fn execute_third_party_relationship_attribute_query(
        &self,
        body: &Value,
    ) -> Result<Vec<LocalAttributeDto>> {
        let query = content::parse_third_party_relationship_attribute_query(
            body.get("query").unwrap_or(&Value::Null),
        )
        .map_err(content_error)?;
        let me = self.transport.address().to_string();
        let third_parties = strings(query.third_party.iter().cloned());
        let by_owner = match query.owner.as_str() {
            "recipient" => Filter::eq("content.owner", me),
            "thirdParty" => Filter::cond("content.owner", Op::In, third_parties.clone()),
            _ => Filter::Or(vec![
                Filter::eq("content.owner", me),
                Filter::cond("content.owner", Op::In, third_parties.clone()),
            ]),
        };
        let filter = Filter::eq("content.@type", "RelationshipAttribute")
            .and(Filter::eq("content.key", query.key))
            .and(Filter::cond("peer", Op::In, third_parties))
            .and(Filter::cond("content.confidentiality", Op::Ne, "private"))
            .and(by_owner);
        self.find_attributes(&filter, &FindOptions::default()).await
    }
}
