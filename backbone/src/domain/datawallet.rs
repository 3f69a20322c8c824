//! The datawallet: an identity's encrypted, append-only log of modifications that its devices
//! replicate between each other. The Backbone only orders and stores it.

use super::{Backbone, Caller, Tx};
use crate::error::{Error, Result};
use crate::model::{Bytes, Timestamp};
pub use consumer_api::datawallet::{
    CreatedModification, Datawallet as DatawalletDto, Modification as ModificationDto,
    ModificationType, NewModification, PushModificationsRequest, PushedModifications,
};
use serde::{Deserialize, Serialize};
use store::{Filter, FindOptions};
use wire::{Address, DatawalletModificationId, DeviceId};

pub const WALLETS: &str = "datawallets";
pub const MODIFICATIONS: &str = "datawallet_modifications";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Datawallet {
    /// The owner's address.
    pub id: String,
    pub version: u16,
    pub latest_index: Option<i64>,
}

impl Datawallet {
    pub(crate) fn new(owner: &Address, version: u16) -> Self {
        Self {
            id: owner.to_string(),
            version,
            latest_index: None,
        }
    }

    pub(crate) fn upgrade(&mut self, version: u16) -> Result<()> {
        if version < self.version {
            return Err(Error::rule(
                "error.platform.datawallet.cannotDowngrade",
                format!(
                    "You cannot upgrade from version '{}' to '{version}', because it is not possible to upgrade to lower versions.",
                    self.version
                ),
            ));
        }
        self.version = version;
        Ok(())
    }
}

/// A modification as stored: the listed form plus its owner.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Modification {
    pub id: DatawalletModificationId,
    pub owner: Address,
    pub index: i64,
    pub object_identifier: String,
    pub payload_category: Option<String>,
    pub created_at: Timestamp,
    pub created_by_device: DeviceId,
    pub collection: String,
    #[serde(rename = "type")]
    pub kind: ModificationType,
    pub encrypted_payload: Option<Bytes>,
    pub datawallet_version: u16,
}

impl From<Modification> for ModificationDto {
    fn from(m: Modification) -> Self {
        Self {
            id: m.id,
            index: m.index,
            object_identifier: m.object_identifier,
            payload_category: m.payload_category,
            created_at: m.created_at,
            created_by_device: m.created_by_device,
            collection: m.collection,
            kind: m.kind,
            encrypted_payload: m.encrypted_payload,
            datawallet_version: m.datawallet_version,
        }
    }
}

pub(crate) fn insufficient_version() -> Error {
    Error::rule(
        "error.platform.validation.datawallet.insufficientSupportedDatawalletVersion",
        "The supported datawallet version sent with the request is lower than the actual version of the datawallet.",
    )
}

impl Backbone {
    pub async fn get_datawallet(
        &self,
        caller: &Caller,
        supported_version: u16,
    ) -> Result<DatawalletDto> {
        let wallet = self
            .datawallet_of(&caller.address)
            .await?
            .ok_or(Error::NotFound("Datawallet"))?;
        if supported_version < wallet.version {
            return Err(insufficient_version());
        }
        Ok(DatawalletDto {
            version: wallet.version,
        })
    }

    /// Modifications after `local_index` (all of them for `None` or `-1`), oldest first.
    pub async fn list_modifications(
        &self,
        caller: &Caller,
        local_index: Option<i64>,
        supported_version: u16,
    ) -> Result<Vec<ModificationDto>> {
        if let Some(wallet) = self.datawallet_of(&caller.address).await?
            && supported_version < wallet.version
        {
            return Err(insufficient_version());
        }
        let mut filter = Filter::eq("owner", caller.address.as_str());
        if let Some(index) = local_index {
            filter = filter.and(Filter::cond("index", store::Op::Gt, index));
        }
        let found: Vec<Modification> = self
            .find(
                MODIFICATIONS,
                &filter,
                &FindOptions::sorted_by("index", false),
            )
            .await?;
        Ok(found.into_iter().map(ModificationDto::from).collect())
    }

    pub async fn push_modifications(
        &self,
        caller: &Caller,
        request: PushModificationsRequest,
        supported_version: u16,
    ) -> Result<PushedModifications> {
        let _gate = self.gate().await;
        let mut wallet = self
            .datawallet_of(&caller.address)
            .await?
            .ok_or(Error::NotFound("Datawallet"))?;
        if supported_version < wallet.version {
            return Err(insufficient_version());
        }
        let local = request.local_index.filter(|i| *i >= 0);
        if local != wallet.latest_index {
            let shown = |i: Option<i64>| i.map_or("null".to_owned(), |i| i.to_string());
            return Err(Error::rule(
                "error.platform.validation.datawallet.datawalletNotUpToDate",
                format!(
                    "The sent localIndex '{}' does not match the index of the latest modification ('{}'). This probably means that your local datawallet is not up to date. Make sure you applied all modifications from the backbone before pushing new ones.",
                    shown(request.local_index),
                    shown(wallet.latest_index)
                ),
            ));
        }
        if self.has_active_sync_run(&caller.address).await? {
            return Err(Error::rule(
                "error.platform.validation.datawallet.cannotPushDatawalletModificationsDuringActiveSyncRun",
                "There is an active sync run. In order to avoid conflicts it is not allowed to push new modifications while a sync run is active. Try again in a few seconds.",
            ));
        }
        let mut tx = Tx::new();
        let created =
            self.add_modifications(caller, &mut wallet, request.modifications, &mut tx)?;
        self.commit(tx).await?;
        Ok(PushedModifications {
            new_index: wallet.latest_index,
            modifications: created,
        })
    }

    pub(crate) async fn datawallet_of(&self, address: &Address) -> Result<Option<Datawallet>> {
        self.get(WALLETS, address.as_str()).await
    }

    /// Appends modifications to `wallet` inside `tx` (and saves the wallet when any were added).
    pub(crate) fn add_modifications(
        &self,
        caller: &Caller,
        wallet: &mut Datawallet,
        modifications: Vec<NewModification>,
        tx: &mut Tx,
    ) -> Result<Vec<CreatedModification>> {
        let mut created = Vec::with_capacity(modifications.len());
        for m in modifications {
            if m.datawallet_version > wallet.version {
                return Err(Error::rule(
                    "error.platform.datawallet.datawalletVersionOfModificationTooHigh",
                    format!(
                        "Cannot add modifications with DatawalletVersion '{}', because the datawallet only has version '{}'.",
                        m.datawallet_version, wallet.version
                    ),
                ));
            }
            let index = wallet.latest_index.map_or(0, |i| i + 1);
            let modification = Modification {
                id: DatawalletModificationId::generate()?,
                owner: caller.address.clone(),
                index,
                object_identifier: m.object_identifier,
                payload_category: m.payload_category,
                created_at: Timestamp::now(),
                created_by_device: DeviceId::parse(&caller.device)?,
                collection: m.collection,
                kind: m.kind,
                encrypted_payload: m.encrypted_payload,
                datawallet_version: m.datawallet_version,
            };
            wallet.latest_index = Some(index);
            created.push(CreatedModification {
                id: modification.id.clone(),
                index,
                created_at: modification.created_at,
            });
            tx.create(MODIFICATIONS, &modification)?;
        }
        if !created.is_empty() {
            tx.put(WALLETS, wallet)?;
        }
        Ok(created)
    }
}
