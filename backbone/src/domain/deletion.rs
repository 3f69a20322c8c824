//! Identity deletion: a deletion process puts the identity in `ToBeDeleted` for a grace period
//! (peers are told), can be cancelled within it, and afterwards housekeeping deletes the
//! identity, decomposes its relationships and tells the peers.

use super::identities::{self, Identity, IdentityStatus};
use super::relationships::{self, AuditLogEntry, Reason, Relationship, Status};
use super::sync::ExternalEventPayload;
use super::{Backbone, Caller, Tx};
use crate::error::{Error, Result};
use crate::model::Timestamp;
pub use consumer_api::identities::{
    DeletionProcess as DeletionProcessDto, DeletionProcessStatus as ProcessStatus,
    StartDeletionProcessRequest as StartDeletionRequest,
};
use consumer_api::sync::{PeerDeletionPayload, RelationshipPayload};
use serde::{Deserialize, Serialize};
use store::{Filter, FindOptions};
use wire::{Address, DeviceId, IdentityDeletionProcessId, RelationshipId};

pub const COLLECTION: &str = "deletion_processes";

/// A deletion process as stored. Processes stored as `Approved` (the name before v7) read as
/// `Active`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeletionProcess {
    pub id: IdentityDeletionProcessId,
    pub address: Address,
    #[serde(deserialize_with = "current_status")]
    pub status: ProcessStatus,
    pub created_at: Timestamp,
    pub created_by_device: Option<DeviceId>,
    pub grace_period_ends_at: Option<Timestamp>,
    pub cancelled_at: Option<Timestamp>,
    pub cancelled_by_device: Option<DeviceId>,
}

fn current_status<'de, D: serde::Deserializer<'de>>(d: D) -> Result<ProcessStatus, D::Error> {
    Ok(match ProcessStatus::deserialize(d)? {
        ProcessStatus::Approved => ProcessStatus::Active,
        other => other,
    })
}

impl From<DeletionProcess> for DeletionProcessDto {
    fn from(p: DeletionProcess) -> Self {
        Self {
            id: p.id,
            status: p.status,
            created_at: Some(p.created_at),
            created_by_device: p.created_by_device.clone(),
            // The real Backbone still answers these two for older clients.
            approved_at: Some(p.created_at),
            approved_by_device: p.created_by_device,
            grace_period_ends_at: p.grace_period_ends_at,
            cancelled_at: p.cancelled_at,
            cancelled_by_device: p.cancelled_by_device,
        }
    }
}

/// A process that still runs: the identity is to be deleted when its grace period ends.
fn is_active(p: &DeletionProcess) -> bool {
    p.status == ProcessStatus::Active
}

fn relationship_id(r: &Relationship) -> Result<RelationshipId> {
    Ok(RelationshipId::parse(&r.id)?)
}

impl Backbone {
    pub async fn start_deletion_process(
        &self,
        caller: &Caller,
        request: StartDeletionRequest,
    ) -> Result<DeletionProcessDto> {
        let days = request
            .length_of_grace_period_in_days
            .unwrap_or(self.config.deletion_grace_period_days);
        if days > 3650 {
            return Err(Error::invalid_property("lengthOfGracePeriodInDays"));
        }
        let _gate = self.gate().await;
        let mut identity = self.identity(&caller.address).await?;
        if self
            .processes_of(&caller.address)
            .await?
            .iter()
            .any(is_active)
        {
            return Err(Error::rule(
                "error.platform.validation.device.onlyOneActiveDeletionProcessAllowed",
                "Only one active deletion process is allowed.",
            ));
        }
        let now = Timestamp::now();
        let ends = now.plus_days(days);
        let process = DeletionProcess {
            id: IdentityDeletionProcessId::generate()?,
            address: caller.address.clone(),
            status: ProcessStatus::Active,
            created_at: now,
            created_by_device: Some(DeviceId::parse(&caller.device)?),
            grace_period_ends_at: Some(ends),
            cancelled_at: None,
            cancelled_by_device: None,
        };
        identity.status = IdentityStatus::ToBeDeleted;
        identity.deletion_grace_period_ends_at = Some(ends);
        let mut tx = Tx::new();
        tx.create(COLLECTION, &process)?;
        tx.put(identities::COLLECTION, &identity)?;
        for r in self.notifiable_relationships(&caller.address).await? {
            let payload = PeerDeletionPayload {
                relationship_id: relationship_id(&r)?,
                deletion_date: ends,
            };
            tx.emit(
                r.peer_of(&caller.address),
                ExternalEventPayload::PeerToBeDeleted(payload),
                None,
                false,
            );
        }
        self.commit(tx).await?;
        Ok(process.into())
    }

    pub async fn get_deletion_process(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<DeletionProcessDto> {
        Ok(self.own_process(caller, id).await?.into())
    }

    pub async fn list_deletion_processes(
        &self,
        caller: &Caller,
    ) -> Result<Vec<DeletionProcessDto>> {
        Ok(self
            .processes_of(&caller.address)
            .await?
            .into_iter()
            .map(DeletionProcessDto::from)
            .collect())
    }

    pub async fn cancel_deletion_process(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<DeletionProcessDto> {
        let _gate = self.gate().await;
        let mut process = self.own_process(caller, id).await?;
        if !is_active(&process) {
            return Err(Error::rule(
                "error.platform.validation.device.deletionProcessIsNotInRequiredStatus",
                "The deletion process must be in status 'Active' for the operation to continue, but it was in another status.",
            ));
        }
        if process.grace_period_ends_at.is_some_and(Timestamp::is_past) {
            return Err(Error::rule(
                "error.platform.validation.device.gracePeriodHasAlreadyExpired",
                "You cannot perform this action, because the grace period of this deletion process has already expired.",
            ));
        }
        let mut identity = self.identity(&caller.address).await?;
        identity.status = IdentityStatus::Active;
        identity.deletion_grace_period_ends_at = None;
        process.status = ProcessStatus::Cancelled;
        process.cancelled_at = Some(Timestamp::now());
        process.cancelled_by_device = Some(DeviceId::parse(&caller.device)?);
        let mut tx = Tx::new();
        tx.put(COLLECTION, &process)?;
        tx.put(identities::COLLECTION, &identity)?;
        for r in self.notifiable_relationships(&caller.address).await? {
            let payload = RelationshipPayload {
                relationship_id: relationship_id(&r)?,
            };
            tx.emit(
                r.peer_of(&caller.address),
                ExternalEventPayload::PeerDeletionCancelled(payload),
                None,
                false,
            );
        }
        self.commit(tx).await?;
        Ok(process.into())
    }

    /// Carries out deletion processes whose grace period has ended. Returns how many identities
    /// were deleted.
    pub async fn run_housekeeping(&self) -> Result<usize> {
        let _gate = self.gate().await;
        let due: Vec<DeletionProcess> = self
            .find(
                COLLECTION,
                &Filter::Or(vec![
                    Filter::eq("status", "Active"),
                    Filter::eq("status", "Approved"),
                ]),
                &FindOptions::default(),
            )
            .await?
            .into_iter()
            .filter(|p: &DeletionProcess| p.grace_period_ends_at.is_some_and(Timestamp::is_past))
            .collect();
        for mut process in due.iter().cloned() {
            let mut tx = Tx::new();
            let mut identity: Identity = self.identity(&process.address).await?;
            identity.status = IdentityStatus::Deleted;
            process.status = ProcessStatus::Deleting;
            tx.put(identities::COLLECTION, &identity)?;
            tx.put(COLLECTION, &process)?;
            for mut r in self.relationships_of(&process.address).await? {
                if !decompose_for_deletion(&mut r, &process.address) {
                    continue;
                }
                let peer = r.peer_of(&process.address).clone();
                tx.put(relationships::COLLECTION, &r)?;
                let payload = PeerDeletionPayload {
                    relationship_id: relationship_id(&r)?,
                    deletion_date: process.grace_period_ends_at.unwrap_or_else(Timestamp::now),
                };
                tx.emit(
                    &peer,
                    ExternalEventPayload::PeerDeleted(payload),
                    None,
                    false,
                );
            }
            self.commit(tx).await?;
        }
        Ok(due.len())
    }

    async fn own_process(&self, caller: &Caller, id: &str) -> Result<DeletionProcess> {
        self.get::<DeletionProcess>(COLLECTION, id)
            .await?
            .filter(|p| p.address == caller.address)
            .ok_or(Error::NotFound("IdentityDeletionProcess"))
    }

    async fn processes_of(&self, address: &Address) -> Result<Vec<DeletionProcess>> {
        self.find(
            COLLECTION,
            &Filter::eq("address", address.as_str()),
            &FindOptions::sorted_by("createdAt", false),
        )
        .await
    }

    async fn relationships_of(&self, address: &Address) -> Result<Vec<Relationship>> {
        let filter = Filter::Or(vec![
            Filter::eq("from", address.as_str()),
            Filter::eq("to", address.as_str()),
        ]);
        self.find(relationships::COLLECTION, &filter, &FindOptions::default())
            .await
    }

    async fn notifiable_relationships(&self, address: &Address) -> Result<Vec<Relationship>> {
        Ok(self
            .relationships_of(address)
            .await?
            .into_iter()
            .filter(|r| {
                matches!(
                    r.status,
                    Status::Pending | Status::Active | Status::Terminated
                )
            })
            .collect())
    }
}

/// Decomposes `r` on behalf of a deleted identity; false if it had already done so.
fn decompose_for_deletion(r: &mut Relationship, deleted: &Address) -> bool {
    let is_from = &r.from == deleted;
    if (is_from && r.from_has_decomposed) || (!is_from && r.to_has_decomposed) {
        return false;
    }
    let new_status = if r.status == Status::DeletionProposed {
        Status::ReadyForDeletion
    } else {
        Status::DeletionProposed
    };
    r.audit_log.push(AuditLogEntry {
        created_at: Timestamp::now(),
        created_by: deleted.clone(),
        created_by_device: None,
        reason: Reason::DecompositionDueToIdentityDeletion,
        old_status: Some(r.status),
        new_status,
    });
    r.status = new_status;
    if is_from {
        r.from_has_decomposed = true;
    } else {
        r.to_has_decomposed = true;
    }
    true
}
