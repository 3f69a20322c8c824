//! IdentityMetadata: one JSON value per (reference, key?) about the own identity or a peer,
//! kept locally and never sent. A record without a key is a slot of its own. Decomposing the
//! relationship to a peer deletes what is kept about that peer (see [`PEER_DATA`]).

use crate::{Consumption, Error, Result};
use runtime_types::identity_metadata::{
    IdentityMetadataDto, IdentityMetadataQuery, UpsertIdentityMetadataRequest,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use store::{Filter, FindOptions, Op};
use transport::PeerData;
use wire::Address;

pub const COLLECTION: &str = "IdentityMetadata";

/// Records about a peer, by the peer's address in `reference`.
pub const PEER_DATA: PeerData = PeerData {
    collection: COLLECTION,
    field: "reference",
};

const NOT_FOUND: (&str, &str) = (
    "error.runtime.identityMetadata.notFound",
    "There is no stored IdentityMetadata for the specified combination of reference and key.",
);

const UNFAMILIAR: (&str, &str) = (
    "error.runtime.identityMetadata.unfamiliarReferencedIdentity",
    "The reference of the IdentityMetadata resolves neither to the address of a peer of a Relationship nor the address of the own Identity.",
);

/// A stored record: the DTO's fields and the record's id (`IDM…`).
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Stored {
    id: String,
    reference: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    value: Value,
}

impl Stored {
    fn dto(self) -> IdentityMetadataDto {
        IdentityMetadataDto {
            reference: self.reference,
            key: self.key,
            value: self.value,
        }
    }
}

/// The record of (reference, key), where no key means the record without one.
fn slot(reference: &Address, key: Option<&str>) -> Filter {
    let by_reference = Filter::eq("reference", reference.as_str());
    match key {
        Some(key) => by_reference.and(Filter::eq("key", key)),
        None => by_reference.and(Filter::cond("key", Op::NotExists, Value::Null)),
    }
}

impl Consumption {
    async fn find_identity_metadata(
        &self,
        reference: &Address,
        key: Option<&str>,
    ) -> Result<Option<Stored>> {
        let docs = self
            .transport
            .store()
            .find(COLLECTION, &slot(reference, key), &FindOptions::default())
            .await?;
        docs.into_iter()
            .next()
            .map(|doc| {
                serde_json::from_value(doc)
                    .map_err(|e| Error::Internal(format!("stored IdentityMetadata: {e}")))
            })
            .transpose()
    }

    /// Whether `reference` is the own address or the peer of any stored relationship,
    /// whatever its status.
    async fn is_familiar(&self, reference: &Address) -> Result<bool> {
        if reference == self.transport.address() {
            return Ok(true);
        }
        let relationships = self
            .transport
            .store()
            .find(
                transport::relationships::COLLECTION,
                &Filter::eq("peer", reference.as_str()),
                &FindOptions::default(),
            )
            .await?;
        Ok(!relationships.is_empty())
    }

    /// `PUT /IdentityMetadata`: creates the record or replaces its value.
    pub async fn upsert_identity_metadata(
        &self,
        request: UpsertIdentityMetadataRequest,
    ) -> Result<IdentityMetadataDto> {
        if !self.is_familiar(&request.reference).await? {
            return Err(Error::rule(UNFAMILIAR.0, UNFAMILIAR.1));
        }
        let existing = self
            .find_identity_metadata(&request.reference, request.key.as_deref())
            .await?;
        let id = match existing {
            Some(stored) => stored.id,
            None => wire::AnyId::generate("IDM")?.to_string(),
        };
        let stored = Stored {
            id,
            reference: request.reference.to_string(),
            key: request.key,
            value: request.value,
        };
        let doc = serde_json::to_value(&stored).map_err(|e| Error::Internal(e.to_string()))?;
        self.transport.store().put(COLLECTION, doc).await?;
        Ok(stored.dto())
    }

    /// `GET /IdentityMetadata?reference=&key=`.
    pub async fn get_identity_metadata(
        &self,
        query: &IdentityMetadataQuery,
    ) -> Result<IdentityMetadataDto> {
        self.find_identity_metadata(&query.reference, query.key.as_deref())
            .await?
            .map(Stored::dto)
            .ok_or_else(|| Error::rule(NOT_FOUND.0, NOT_FOUND.1))
    }

    /// `DELETE /IdentityMetadata?reference=&key=`.
    pub async fn delete_identity_metadata(&self, query: &IdentityMetadataQuery) -> Result<()> {
        let stored = self
            .find_identity_metadata(&query.reference, query.key.as_deref())
            .await?
            .ok_or_else(|| Error::rule(NOT_FOUND.0, NOT_FOUND.1))?;
        self.transport
            .store()
            .delete(COLLECTION, &stored.id)
            .await?;
        Ok(())
    }
}
