//! What a relationship's end means for the attributes exchanged in it, as the runtime's
//! RequestModule applies it when the relationship changes:
//! - **rejected or revoked** (it never became active): every attribute kept with the peer is
//!   deleted (`consumption.attributeDeleted` each) and the forwards to the peer are removed;
//! - **deletion proposed** (the peer decomposed it): nothing is deleted, but the forwards to the
//!   peer and the own relationship attributes are marked `DeletedByRecipient`, and what the peer
//!   shared `DeletedByEmitter`, dated by the relationship's last audit entry.
//!
//! Both go into the change that carries the relationship's new status.

use super::{COLLECTION, FORWARDING_DETAILS, stored};
use crate::{Consumption, Error, Result};
use runtime_types::CoreDate;
use runtime_types::attributes::{
    LocalAttributeDeletionInfoDto, LocalAttributeDeletionStatus as Status,
    LocalAttributeKind as Kind,
};
use runtime_types::events;
use serde_json::Value;
use store::{Filter, FindOptions};
use transport::Change;

impl Consumption {
    /// Rejected or revoked: the attributes kept with `peer` go, the forwards to it too.
    pub(crate) async fn forget_attributes_of_unmade_relationship(
        &self,
        peer: &str,
        change: &mut Change,
    ) -> Result<()> {
        let kept = self
            .find_attributes(&Filter::eq("peer", peer), &FindOptions::default())
            .await?;
        for attribute in &kept {
            change.delete(COLLECTION, &attribute.id);
            change.event(events::ATTRIBUTE_DELETED, attribute)?;
        }
        let forwards = self
            .transport
            .store()
            .find(
                FORWARDING_DETAILS,
                &Filter::eq("peer", peer),
                &FindOptions::default(),
            )
            .await?;
        for record in forwards {
            if let Some(id) = record["id"].as_str() {
                change.delete(FORWARDING_DETAILS, id);
            }
        }
        Ok(())
    }

    /// Deletion proposed: every exchange with `peer` is marked as deleted on its side.
    pub(crate) async fn mark_attributes_of_ending_relationship(
        &self,
        peer: &str,
        date: CoreDate,
        change: &mut Change,
    ) -> Result<()> {
        let info = |status| LocalAttributeDeletionInfoDto {
            deletion_status: status,
            deletion_date: date,
        };
        let forwards = self
            .transport
            .store()
            .find(
                FORWARDING_DETAILS,
                &Filter::eq("peer", peer),
                &FindOptions::default(),
            )
            .await?;
        for mut record in forwards {
            let status = record["deletionInfo"]["deletionStatus"].as_str();
            if matches!(
                status,
                Some("DeletedByRecipient" | "ToBeDeletedByRecipient")
            ) {
                continue;
            }
            record["deletionInfo"] = serde_json::to_value(info(Status::DeletedByRecipient))
                .map_err(|e| Error::Internal(e.to_string()))?;
            change.put(FORWARDING_DETAILS, &record)?;
        }
        let kept = self
            .find_attributes(&Filter::eq("peer", peer), &FindOptions::default())
            .await?;
        for mut attribute in kept {
            let (status, already) = match attribute.kind {
                Kind::OwnRelationshipAttribute => {
                    (Status::DeletedByRecipient, Status::DeletedByRecipient)
                }
                Kind::PeerIdentityAttribute
                | Kind::PeerRelationshipAttribute
                | Kind::ThirdPartyRelationshipAttribute => {
                    (Status::DeletedByEmitter, Status::DeletedByEmitter)
                }
                Kind::OwnIdentityAttribute => continue,
            };
            if attribute
                .deletion_info
                .as_ref()
                .is_some_and(|i| i.deletion_status == already)
            {
                continue;
            }
            attribute.deletion_info = Some(info(status));
            attribute.number_of_forwards = None;
            change.put(COLLECTION, &stored(&attribute)?)?;
        }
        Ok(())
    }
}

/// The date of a relationship's last audit entry, as the deletion date.
pub(crate) fn last_audit_date(relationship: &Value) -> Option<CoreDate> {
    relationship["auditLog"]
        .as_array()
        .and_then(|log| log.last())
        .and_then(|entry| entry["createdAt"].as_str())
        .and_then(CoreDate::parse)
}
