//! Reading attributes: the list routes with the runtime's filters, an attribute's versions,
//! and the query executions (identity attribute query, IQL).

use super::{OWN_IDENTITY, check_attribute_id, not_found};
use crate::{Consumption, Error, Result};
use runtime_types::attributes::{IqlQueryErrorDto, LocalAttributeDto, ValidateIqlQueryResponse};
use runtime_types::request_schema::{Kind, ObjectSchema};
use serde_json::Value;
use store::{Filter, FindOptions, Op};

/// The keys `GET /Attributes` filters by; others are ignored, as the runtime ignores them.
pub const QUERY_KEYS: &[&str] = &[
    "@type",
    "createdAt",
    "succeeds",
    "succeededBy",
    "wasViewedAt",
    "isDefault",
    "content.owner",
    "content.@type",
    "content.tags",
    "content.value.@type",
    "content.key",
    "content.isTechnical",
    "content.confidentiality",
    "peer",
    "sourceReference",
    "initialAttributePeer",
    "deletionInfo",
    "deletionInfo.deletionStatus",
    "deletionInfo.deletionDate",
];

/// The keys `GET /Attributes/Own/Identity` accepts; others are refused.
pub const OWN_IDENTITY_QUERY_KEYS: &[&str] = &[
    "createdAt",
    "wasViewedAt",
    "isDefault",
    "content.tags",
    "content.value.@type",
];

const EXECUTE_IQL_QUERY: ObjectSchema<'static> = ObjectSchema {
    properties: &[
        ("queryString", Kind::String),
        ("@type", Kind::Const("IQLQuery")),
        ("attributeCreationHints", Kind::Any),
    ],
    required: &["queryString"],
};

const EXECUTE_IQL_REQUEST: ObjectSchema<'static> = ObjectSchema {
    properties: &[("query", Kind::Object(&EXECUTE_IQL_QUERY))],
    required: &["query"],
};

const VALIDATE_IQL_QUERY: ObjectSchema<'static> = ObjectSchema {
    properties: &[
        ("queryString", Kind::String),
        ("@type", Kind::Const("IQLQuery")),
        ("attributeCreationHints", Kind::Any),
    ],
    required: &["@type", "queryString"],
};

const VALIDATE_IQL_REQUEST: ObjectSchema<'static> = ObjectSchema {
    properties: &[("query", Kind::Object(&VALIDATE_IQL_QUERY))],
    required: &["query"],
};

/// The list query of a route: `onlyLatestVersions` / `hideTechnical` taken out, the other
/// keys checked against `allowed` (`refuse_others` as the routes with a schema do) and
/// parsed into a filter.
pub struct ListQuery {
    pub filter: Filter,
    pub only_latest_versions: bool,
    pub hide_technical: bool,
}

/// A boolean query parameter as the framework converts it (`"true"` or anything else).
fn flag(value: &str) -> bool {
    value == "true"
}

pub fn list_query(
    pairs: &[(String, String)],
    allowed: &[&str],
    refuse_others: bool,
) -> Result<ListQuery> {
    let mut only_latest_versions = true;
    let mut hide_technical = false;
    let mut kept = Vec::new();
    for (raw_key, value) in pairs {
        let key = raw_key.strip_suffix("[]").unwrap_or(raw_key);
        match key {
            "onlyLatestVersions" => only_latest_versions = flag(value),
            "hideTechnical" => hide_technical = flag(value),
            _ if allowed.contains(&key) => kept.push((raw_key.as_str(), value.as_str())),
            _ if refuse_others => {
                return Err(Error::invalid("query must NOT have additional properties"));
            }
            _ => {}
        }
    }
    let filter = store::parse_query(kept, allowed).map_err(|e| Error::invalid(e.to_string()))?;
    Ok(ListQuery {
        filter,
        only_latest_versions,
        hide_technical,
    })
}

/// `hideTechnical`: identity attributes and relationship attributes that are not technical.
fn not_technical() -> Filter {
    Filter::Or(vec![
        Filter::eq("content.@type", "IdentityAttribute"),
        Filter::eq("content.@type", "RelationshipAttribute")
            .and(Filter::eq("content.isTechnical", false)),
    ])
}

fn latest_only() -> Filter {
    Filter::cond("succeededBy", Op::NotExists, Value::Null)
}

fn by_creation() -> FindOptions {
    FindOptions::sorted_by("createdAt", false)
}

impl Consumption {
    /// `GET /Attributes`: every attribute matching the filters, oldest first.
    pub async fn list_attributes(
        &self,
        pairs: &[(String, String)],
    ) -> Result<Vec<LocalAttributeDto>> {
        let query = list_query(pairs, QUERY_KEYS, false)?;
        self.find_attributes(&query.filter, &by_creation()).await
    }

    /// `GET /Attributes/Own/Identity`.
    pub async fn own_identity_attributes(
        &self,
        pairs: &[(String, String)],
    ) -> Result<Vec<LocalAttributeDto>> {
        let query = list_query(pairs, OWN_IDENTITY_QUERY_KEYS, true)?;
        let mut filter = query.filter.and(Filter::eq("@type", OWN_IDENTITY.as_str()));
        if query.only_latest_versions {
            filter = filter.and(latest_only());
        }
        self.find_attributes(&filter, &by_creation()).await
    }

    /// `GET /Attributes/Peer/{peer}`: what the peer shared (its identity and relationship
    /// attributes, and third parties' it forwarded).
    pub async fn peer_attributes(
        &self,
        peer: &wire::Address,
        pairs: &[(String, String)],
    ) -> Result<Vec<LocalAttributeDto>> {
        // The same keys as the own attributes shared with a peer, and the third party.
        let allowed = [super::sharing::SHARED_QUERY_KEYS, &["initialAttributePeer"]].concat();
        let query = list_query(pairs, &allowed, true)?;
        let kinds = Value::Array(
            [
                "PeerIdentityAttribute",
                "PeerRelationshipAttribute",
                "ThirdPartyRelationshipAttribute",
            ]
            .map(|k| Value::String(k.into()))
            .to_vec(),
        );
        let mut filter = query
            .filter
            .and(Filter::cond("@type", Op::In, kinds))
            .and(Filter::eq("peer", peer.as_str()));
        if query.only_latest_versions {
            filter = filter.and(latest_only());
        }
        if query.hide_technical {
            filter = filter.and(not_technical());
        }
        self.find_attributes(&filter, &by_creation()).await
    }

    /// `GET /Attributes/{id}/Versions`: the whole succession chain, newest first.
    pub async fn attribute_versions(&self, id: &str) -> Result<Vec<LocalAttributeDto>> {
        check_attribute_id(id)?;
        let attribute = self.stored_attribute(id).await?.ok_or_else(not_found)?;
        let mut newest = attribute;
        // Bounded by the number of stored attributes: a chain never repeats an id.
        let mut seen = vec![newest.id.clone()];
        while let Some(next) = newest.succeeded_by.clone() {
            match self.stored_attribute(&next).await? {
                Some(successor) if !seen.contains(&successor.id) => {
                    seen.push(successor.id.clone());
                    newest = successor;
                }
                _ => break,
            }
        }
        let mut chain = vec![newest];
        while let Some(previous) = chain.last().and_then(|a| a.succeeds.clone()) {
            match self.stored_attribute(&previous).await? {
                Some(predecessor) if !chain.iter().any(|a| a.id == predecessor.id) => {
                    chain.push(predecessor)
                }
                _ => break,
            }
        }
        self.count_forwards(&mut chain).await?;
        Ok(chain)
    }

    /// `POST /Attributes/ExecuteIdentityAttributeQuery`: own identity attributes of the
    /// value type (every version), with any of the tags if tags are given.
    pub async fn execute_identity_attribute_query(
        &self,
        body: &Value,
    ) -> Result<Vec<LocalAttributeDto>> {
        let query = body.get("query").unwrap_or(&Value::Null);
        let query = content::parse_identity_attribute_query(query)
            .map_err(|e| Error::rule(e.code(), e.message))?;
        let mut filter = Filter::eq("content.@type", "IdentityAttribute")
            .and(Filter::eq("content.value.@type", query.value_type.as_str()))
            .and(Filter::eq(
                "content.owner",
                self.transport.address().as_str(),
            ));
        if let Some(tags) = query.tags.filter(|t| !t.is_empty()) {
            filter = filter.and(Filter::Or(
                tags.into_iter()
                    .map(|t| Filter::eq("content.tags", t))
                    .collect(),
            ));
        }
        self.find_attributes(&filter, &FindOptions::default()).await
    }

    /// `POST /Attributes/ExecuteIQLQuery`: the IQL query over the contents of every own
    /// identity attribute (every version), in storage order.
    pub async fn execute_iql_query(&self, body: &Value) -> Result<Vec<LocalAttributeDto>> {
        EXECUTE_IQL_REQUEST.check(body).map_err(Error::invalid)?;
        let query_string = parse_iql_query(&body["query"])?;
        let query = iql::parse(&query_string).map_err(|_| invalid_iql(&query_string))?;
        // The query runs on the stored contents as they are; only the matches become DTOs.
        let docs = self
            .transport
            .store()
            .find(
                super::COLLECTION,
                &Filter::eq("@type", OWN_IDENTITY.as_str()),
                &FindOptions::default(),
            )
            .await?;
        let mut matching = Vec::new();
        for doc in docs {
            let found = iql::matches(&query, &doc["content"]).map_err(|e| {
                Error::rule(
                    "error.runtime.unknown",
                    format!("An error was thrown in a UseCase: {e}"),
                )
            })?;
            if found {
                matching.push(doc);
            }
        }
        self.attributes_of(matching).await
    }

    /// `POST /Attributes/ValidateIQLQuery`. An invalid query string is refused while the
    /// query is read, as the runtime's content rules refuse it, so the answer is always valid.
    pub fn validate_iql_query(&self, body: &Value) -> Result<ValidateIqlQueryResponse> {
        VALIDATE_IQL_REQUEST.check(body).map_err(Error::invalid)?;
        let query_string = parse_iql_query(&body["query"])?;
        let validation = iql::validate(&query_string);
        let json = validation.to_json();
        Ok(ValidateIqlQueryResponse {
            is_valid: json["isValid"] == Value::Bool(true),
            error: json.get("error").map(|e| IqlQueryErrorDto {
                message: e["message"].as_str().unwrap_or_default().to_owned(),
                location: e["location"].clone(),
            }),
        })
    }
}

/// `IQLQuery.from()`: the content rules, then the syntax of the query string.
fn parse_iql_query(query: &Value) -> Result<String> {
    let parsed = content::parse_iql_query(query).map_err(|e| Error::rule(e.code(), e.message))?;
    if iql::parse(&parsed.query_string).is_err() {
        return Err(invalid_iql(&parsed.query_string));
    }
    Ok(parsed.query_string)
}

/// The content rule's refusal of a query string that is no IQL.
fn invalid_iql(query_string: &str) -> Error {
    let column = iql::validate(query_string).column().unwrap_or(0);
    Error::rule(
        "error.runtime.requestDeserialization",
        format!("IQLQuery.queryString:String :: invalid IQL query at character offset {column}"),
    )
}
