//! Identity deletion processes of the Connector's own identity: start one with a grace period,
//! read the active one, cancel it. The Backbone keeps the processes; they are read from it
//! every time, so a process started or cancelled elsewhere (another device, the Backbone's
//! housekeeping) is never shown stale.

use crate::Transport;
use crate::change::Change;
use crate::error::{Result, TransportError};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Published with the process's DTO whenever this Connector starts or cancels a process.

const NO_ACTIVE: &str = "error.runtime.identityDeletionProcess.noActiveIdentityDeletionProcess";
const ALREADY_ACTIVE: &str =
    "error.runtime.identityDeletionProcess.activeIdentityDeletionProcessAlreadyExists";
const PROCESSES: &str = "/api/v2/Identities/Self/DeletionProcesses";
const ACTIVE: &str = "Active";

/// A process as the Backbone answers it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct BackboneProcess {
    id: String,
    status: String,
    created_at: Option<String>,
    created_by_device: Option<String>,
    grace_period_ends_at: Option<String>,
    cancelled_at: Option<String>,
    cancelled_by_device: Option<String>,
}

/// The official `IdentityDeletionProcessDTO`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ProcessDto {
    id: String,
    status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    created_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    created_by_device: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    grace_period_ends_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cancelled_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cancelled_by_device: Option<String>,
}

impl From<BackboneProcess> for ProcessDto {
    fn from(p: BackboneProcess) -> Self {
        Self {
            id: p.id,
            status: local_status(&p.status).to_owned(),
            created_at: p.created_at,
            created_by_device: p.created_by_device,
            grace_period_ends_at: p.grace_period_ends_at,
            cancelled_at: p.cancelled_at,
            cancelled_by_device: p.cancelled_by_device,
        }
    }
}

/// Backbones before v7 call a running process `Approved`; transport calls it `Active`.
fn local_status(backbone_status: &str) -> &str {
    match backbone_status {
        "Approved" => ACTIVE,
        other => other,
    }
}

fn to_dto(p: BackboneProcess) -> Result<Value> {
    serde_json::to_value(ProcessDto::from(p))
        .map_err(|e| TransportError::Internal(format!("identity deletion process: {e}")))
}

impl Transport {
    async fn active_deletion_process(&self) -> Result<Option<BackboneProcess>> {
        let processes: Vec<BackboneProcess> = self.backbone.get_all(PROCESSES).await?;
        Ok(processes
            .into_iter()
            .find(|p| local_status(&p.status) == ACTIVE))
    }

    /// Starts a deletion process; without a length the Backbone's default grace period applies.
    pub async fn initiate_identity_deletion(
        &self,
        length_of_grace_period_in_days: Option<u32>,
    ) -> Result<Value> {
        if self.active_deletion_process().await?.is_some() {
            return Err(TransportError::rule(
                ALREADY_ACTIVE,
                "There is already an active IdentityDeletionProcess. You cannot start another, as there may only be one active IdentityDeletionProcess per Identity.",
            ));
        }
        let body = match length_of_grace_period_in_days {
            Some(days) => json!({"lengthOfGracePeriodInDays": days}),
            None => json!({}),
        };
        let started: BackboneProcess = self.backbone.call(Method::POST, PROCESSES, &body).await?;
        let dto = to_dto(started)?;
        let mut change = Change::new();
        change.event(
            crate::events::IDENTITY_DELETION_PROCESS_STATUS_CHANGED,
            &dto,
        )?;
        self.commit(change).await?;
        Ok(dto)
    }

    /// The active deletion process; a validation error when there is none.
    pub async fn get_active_identity_deletion(&self) -> Result<Value> {
        match self.active_deletion_process().await? {
            Some(p) => to_dto(p),
            None => Err(no_active()),
        }
    }

    /// Cancels the active deletion process within its grace period.
    pub async fn cancel_identity_deletion(&self) -> Result<Value> {
        let active = self
            .active_deletion_process()
            .await?
            .ok_or_else(no_active)?;
        let cancelled: BackboneProcess = self
            .backbone
            .call(
                Method::PUT,
                &format!("{PROCESSES}/{}/Cancel", active.id),
                &json!({}),
            )
            .await?;
        let dto = to_dto(cancelled)?;
        let mut change = Change::new();
        change.event(
            crate::events::IDENTITY_DELETION_PROCESS_STATUS_CHANGED,
            &dto,
        )?;
        self.commit(change).await?;
        Ok(dto)
    }
}

fn no_active() -> TransportError {
    TransportError::rule(NO_ACTIVE, "No active IdentityDeletionProcess found.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backbone_processes_become_official_dtos() {
        let approved: BackboneProcess = serde_json::from_value(json!({
            "id": "IDPaaaaaaaaaaaaaaaaa", "status": "Approved", "createdAt": "2026-01-01T00:00:00.000Z",
            "approvedAt": "2026-01-01T00:00:00.000Z", "approvedByDevice": "DVCaaaaaaaaaaaaaaaaa",
            "gracePeriodEndsAt": "2026-01-15T00:00:00.000Z", "cancelledAt": null, "cancelledByDevice": null
        }))
        .unwrap();
        assert_eq!(
            to_dto(approved).unwrap(),
            json!({"id": "IDPaaaaaaaaaaaaaaaaa", "status": "Active", "createdAt": "2026-01-01T00:00:00.000Z",
                   "gracePeriodEndsAt": "2026-01-15T00:00:00.000Z"})
        );
        let cancelled: BackboneProcess = serde_json::from_value(json!({
            "id": "IDPaaaaaaaaaaaaaaaaa", "status": "Cancelled", "cancelledAt": "2026-01-02T00:00:00.000Z",
            "cancelledByDevice": "DVCaaaaaaaaaaaaaaaaa"
        }))
        .unwrap();
        assert_eq!(
            to_dto(cancelled).unwrap(),
            json!({"id": "IDPaaaaaaaaaaaaaaaaa", "status": "Cancelled", "cancelledAt": "2026-01-02T00:00:00.000Z",
                   "cancelledByDevice": "DVCaaaaaaaaaaaaaaaaa"})
        );
        assert_eq!(local_status("Active"), "Active");
    }
}
