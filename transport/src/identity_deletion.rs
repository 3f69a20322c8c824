//! Identity deletion processes of the Connector's own identity: start one with a grace period,
//! read the active one, cancel it. The Backbone keeps the processes; they are read from it
//! every time, so a process started or cancelled elsewhere (another device, the Backbone's
//! housekeeping) is never shown stale.

use crate::Transport;
use crate::change::Change;
use crate::error::{Result, TransportError};
use consumer_api::identities::{
    DeletionProcess, DeletionProcessStatus, StartDeletionProcessRequest,
};
use runtime_types::identity_deletion::{IdentityDeletionProcessDto, IdentityDeletionProcessStatus};
use serde_json::Value;
use store::Write;
use wire::IdentityDeletionProcessId;

const NO_ACTIVE: &str = "error.runtime.identityDeletionProcess.noActiveIdentityDeletionProcess";
const ALREADY_ACTIVE: &str =
    "error.runtime.identityDeletionProcess.activeIdentityDeletionProcessAlreadyExists";

/// The runtime's status of a Backbone process; `None` once the Backbone is deleting the
/// identity, a state the runtime has no name for.
fn runtime_status(status: DeletionProcessStatus) -> Option<IdentityDeletionProcessStatus> {
    match status {
        // Backbones before v7 call a running process `Approved`.
        DeletionProcessStatus::Active | DeletionProcessStatus::Approved => {
            Some(IdentityDeletionProcessStatus::Active)
        }
        DeletionProcessStatus::Cancelled => Some(IdentityDeletionProcessStatus::Cancelled),
        DeletionProcessStatus::Deleting => None,
    }
}

/// The official `IdentityDeletionProcessDTO` of a Backbone process.
fn to_dto(p: DeletionProcess) -> Option<IdentityDeletionProcessDto> {
    Some(IdentityDeletionProcessDto {
        status: runtime_status(p.status)?,
        id: p.id.to_string(),
        created_at: p.created_at.or(p.approved_at),
        created_by_device: p
            .created_by_device
            .or(p.approved_by_device)
            .map(|d| d.to_string()),
        grace_period_ends_at: p.grace_period_ends_at,
        cancelled_at: p.cancelled_at,
        cancelled_by_device: p.cancelled_by_device.map(|d| d.to_string()),
    })
}

fn is_active(p: &DeletionProcess) -> bool {
    runtime_status(p.status) == Some(IdentityDeletionProcessStatus::Active)
}

fn unexpected_status(p: &DeletionProcess) -> TransportError {
    TransportError::Internal(format!(
        "the Backbone answered deletion process {} in status {:?}",
        p.id, p.status
    ))
}

impl Transport {
    async fn active_deletion_process(&self) -> Result<Option<DeletionProcess>> {
        let processes = self.backbone.deletion_processes().await?;
        Ok(processes.into_iter().find(is_active))
    }

    /// Starts a deletion process; without a length the Backbone's default grace period applies.
    pub async fn initiate_identity_deletion(
        &self,
        length_of_grace_period_in_days: Option<u32>,
    ) -> Result<IdentityDeletionProcessDto> {
        if self.active_deletion_process().await?.is_some() {
            return Err(TransportError::rule(
                ALREADY_ACTIVE,
                "There is already an active IdentityDeletionProcess. You cannot start another, as there may only be one active IdentityDeletionProcess per Identity.",
            ));
        }
        let request = StartDeletionProcessRequest {
            length_of_grace_period_in_days,
        };
        let started = self.backbone.start_deletion_process(&request).await?;
        self.publish_process(started).await
    }

    /// The active deletion process; a validation error when there is none.
    pub async fn get_active_identity_deletion(&self) -> Result<IdentityDeletionProcessDto> {
        let active = self
            .active_deletion_process()
            .await?
            .ok_or_else(no_active)?;
        to_dto(active.clone()).ok_or_else(|| unexpected_status(&active))
    }

    /// Cancels the active deletion process within its grace period.
    pub async fn cancel_identity_deletion(&self) -> Result<IdentityDeletionProcessDto> {
        let active = self
            .active_deletion_process()
            .await?
            .ok_or_else(no_active)?;
        let cancelled = self.backbone.cancel_deletion_process(&active.id).await?;
        self.publish_process(cancelled).await
    }

    /// Commits `transport.identityDeletionProcessStatusChanged` with the process's DTO.
    async fn publish_process(
        &self,
        process: DeletionProcess,
    ) -> Result<IdentityDeletionProcessDto> {
        let dto = to_dto(process.clone()).ok_or_else(|| unexpected_status(&process))?;
        let mut change = Change::new();
        change.event(
            crate::events::IDENTITY_DELETION_PROCESS_STATUS_CHANGED,
            &dto,
        )?;
        self.commit(change).await?;
        Ok(dto)
    }

    /// The effects of `IdentityDeletionProcessStarted`/`…StatusChanged` (a process changed by
    /// someone other than this device): the process's new state, announced as an event.
    pub(crate) async fn deletion_process_changed(
        &self,
        id: &IdentityDeletionProcessId,
    ) -> Result<(Vec<Write>, Vec<(&'static str, Value)>)> {
        let processes = self.backbone.deletion_processes().await?;
        let Some(dto) = processes.into_iter().find(|p| &p.id == id).and_then(to_dto) else {
            return Ok((Vec::new(), Vec::new()));
        };
        let data =
            serde_json::to_value(&dto).map_err(|e| TransportError::Internal(e.to_string()))?;
        Ok((
            Vec::new(),
            vec![(
                crate::events::IDENTITY_DELETION_PROCESS_STATUS_CHANGED,
                data,
            )],
        ))
    }
}

fn no_active() -> TransportError {
    TransportError::rule(NO_ACTIVE, "No active IdentityDeletionProcess found.")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn process(value: Value) -> DeletionProcess {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn backbone_processes_become_official_dtos() {
        // As a Backbone before v7 answers: `Approved`, with the approval fields only.
        let approved = process(json!({
            "id": "IDPaaaaaaaaaaaaaaaaa", "status": "Approved",
            "approvedAt": "2026-01-01T00:00:00.000Z", "approvedByDevice": "DVCaaaaaaaaaaaaaaaaa",
            "gracePeriodEndsAt": "2026-01-15T00:00:00+00:00", "cancelledAt": null, "cancelledByDevice": null
        }));
        assert_eq!(
            serde_json::to_value(to_dto(approved).unwrap()).unwrap(),
            json!({"id": "IDPaaaaaaaaaaaaaaaaa", "status": "Active", "createdAt": "2026-01-01T00:00:00.000Z",
                   "createdByDevice": "DVCaaaaaaaaaaaaaaaaa", "gracePeriodEndsAt": "2026-01-15T00:00:00.000Z"})
        );
        let cancelled = process(json!({
            "id": "IDPaaaaaaaaaaaaaaaaa", "status": "Cancelled", "cancelledAt": "2026-01-02T00:00:00.000Z",
            "cancelledByDevice": "DVCaaaaaaaaaaaaaaaaa", "gracePeriodReminder1SentAt": null
        }));
        assert_eq!(
            serde_json::to_value(to_dto(cancelled).unwrap()).unwrap(),
            json!({"id": "IDPaaaaaaaaaaaaaaaaa", "status": "Cancelled", "cancelledAt": "2026-01-02T00:00:00.000Z",
                   "cancelledByDevice": "DVCaaaaaaaaaaaaaaaaa"})
        );
        let deleting = process(json!({"id": "IDPaaaaaaaaaaaaaaaaa", "status": "Deleting"}));
        assert!(to_dto(deleting).is_none());
    }
}
