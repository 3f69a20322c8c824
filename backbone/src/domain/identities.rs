//! Identities: created anonymously with a signed challenge, together with their first device.

use super::devices::{self, Device};
use super::{Backbone, Tx};
use crate::error::{Error, Result};
use crate::model::Timestamp;
pub use consumer_api::identities::{
    CreateIdentityRequest, CreatedDevice, CreatedIdentity, IsDeleted,
};
use serde::{Deserialize, Serialize};
use wire::{Address, CryptoObject, DeviceId, SignaturePublicKey, Username};

pub const COLLECTION: &str = "identities";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum IdentityStatus {
    Active,
    ToBeDeleted,
    Deleted,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    /// The address; documents are keyed by it.
    pub id: String,
    pub address: Address,
    /// The client's `identityPublicKey` as sent (b64u of the key JSON).
    pub public_key: String,
    pub client_id: String,
    pub identity_version: u8,
    pub created_at: Timestamp,
    pub status: IdentityStatus,
    #[serde(default)]
    pub deletion_grace_period_ends_at: Option<Timestamp>,
}

impl Backbone {
    pub async fn create_identity(&self, request: CreateIdentityRequest) -> Result<CreatedIdentity> {
        if self
            .config
            .client(&request.client_id, &request.client_secret)
            .is_none()
        {
            return Err(Error::Unauthorized);
        }
        if request.identity_version != 1 {
            return Err(Error::invalid_property("identityVersion"));
        }
        let public_key = SignaturePublicKey::from_base64(&request.identity_public_key)
            .map_err(|_| Error::invalid_property("identityPublicKey"))?;
        let language = request
            .device_communication_language
            .unwrap_or_else(|| "en".to_owned());
        devices::check_password(&request.device_password)?;
        devices::check_language(&language)?;

        let _gate = self.gate().await;
        let mut tx = Tx::new();
        self.spend_challenge(&request.signed_challenge, &public_key, &mut tx)
            .await?;
        let address = Address::derive(&public_key, &self.config.did_domain)?;
        if self
            .get::<Identity>(COLLECTION, address.as_str())
            .await?
            .is_some()
        {
            return Err(Error::rule(
                "error.platform.validation.device.addressAlreadyExists",
                "The address derived from the given public key already exists. Try again with a different public key.",
            ));
        }
        let now = Timestamp::now();
        let identity = Identity {
            id: address.to_string(),
            address: address.clone(),
            public_key: request.identity_public_key,
            client_id: request.client_id,
            identity_version: request.identity_version,
            created_at: now,
            status: IdentityStatus::Active,
            deletion_grace_period_ends_at: None,
        };
        let device = Device::new(
            address.clone(),
            &request.device_password,
            None,
            language,
            false,
        )?;
        tx.create(COLLECTION, &identity)?;
        tx.create(devices::COLLECTION, &device)?;
        self.commit(tx).await?;
        Ok(CreatedIdentity {
            address,
            created_at: now,
            device: CreatedDevice {
                id: DeviceId::parse(&device.id)?,
                username: Username::parse(&device.username)?,
                created_at: device.created_at,
            },
        })
    }

    pub async fn is_deleted(&self, username: &str) -> Result<IsDeleted> {
        let not_found = || Error::NotFound("Identity");
        let device = self
            .device_by_username(username)
            .await?
            .ok_or_else(not_found)?;
        let identity: Identity = self
            .get(COLLECTION, device.address.as_str())
            .await?
            .ok_or_else(not_found)?;
        Ok(IsDeleted {
            is_deleted: identity.status == IdentityStatus::Deleted,
            deletion_date: identity.deletion_grace_period_ends_at,
        })
    }

    pub(crate) async fn identity(&self, address: &Address) -> Result<Identity> {
        self.get(COLLECTION, address.as_str())
            .await?
            .ok_or(Error::NotFound("Identity"))
    }
}
