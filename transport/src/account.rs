//! The identity and its device: created on the Backbone on first start (challenge, identity,
//! login, datawallet version upgrade, as the official transport does), logged in on every
//! later start.
//!
//! Creation is crash-safe: the keys and the device password are stored (sealed) *before* the
//! Backbone hears of them, and the Backbone's answer is stored in one write. A start that finds
//! a half-done creation resumes with the same keys, so no created identity is ever lost to a
//! failed write, and no key ever exists only in memory.

use crate::backbone::{BackboneClient, DeviceCredentials};
use crate::error::{Result, TransportError};
use crate::events::EventBus;
use crate::util::str_field;
use crate::vault::{KeySource, Vault};
use crate::{Transport, sync};
use consumer_api::challenges::{Challenge, SignedChallenge};
use consumer_api::identities::CreateIdentityRequest;
use consumer_api::sync::{
    FinalizeDatawalletVersionUpgradeRequest, StartSyncRunRequest, SyncRunType,
};
use rand::Rng;
pub use runtime_types::account::IdentityInfo;
use serde_json::{Value, json};
use std::sync::Arc;
use store::Store;
use wire::{Address, CryptoObject, HashLabel, SignaturePrivateKey, SignaturePublicKey};
use zeroize::Zeroizing;

pub const ACCOUNT_INFO: &str = "AccountInfo";
const IDENTITY_DOC: &str = "identity";

/// What transport needs from the Connector's configuration.
#[derive(Clone)]
pub struct TransportConfig {
    pub base_url: String,
    pub platform_client_id: String,
    pub platform_client_secret: String,
    pub allow_identity_creation: bool,
    /// `addressGenerationHostnameOverride`: the DID domain addresses are derived with.
    pub address_domain: Option<String>,
    pub key: KeySource,
    pub additional_headers: Vec<(String, String)>,
}

/// The identity's keys and device, held in memory while the Connector runs.
pub(crate) struct Identity {
    pub address: Address,
    pub public_key: SignaturePublicKey,
    pub private_key: SignaturePrivateKey,
    pub device_key: SignaturePrivateKey,
    pub device_id: String,
}

const PASSWORD_ALPHABET: &[u8] =
    b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#$%&()*+,-.:;<=>?@[]^_{|}~";

fn device_password() -> Zeroizing<String> {
    let mut rng = rand::rng();
    let length = rng.random_range(45..=50);
    Zeroizing::new(
        (0..length)
            .map(|_| PASSWORD_ALPHABET[rng.random_range(0..PASSWORD_ALPHABET.len())] as char)
            .collect(),
    )
}

fn startup(code: &'static str, message: impl Into<String>) -> TransportError {
    TransportError::Startup {
        code,
        message: message.into(),
    }
}

/// Maps the Backbone's refusal of our platform client to the official start-up error.
fn client_refused(e: TransportError) -> TransportError {
    match &e {
        TransportError::Backbone(b)
            if b.status == 401 || b.code == "error.platform.unauthorized" =>
        {
            startup(
                "error.transport.general.platformClientInvalid",
                "the Backbone does not accept the configured platformClientId/platformClientSecret",
            )
        }
        _ => e,
    }
}

impl Transport {
    /// Opens the identity stored in `store`, creating it on the Backbone when there is none
    /// and creation is allowed. Returns only once the device is logged in.
    pub async fn open(
        config: TransportConfig,
        store: Arc<dyn Store>,
        http: reqwest::Client,
    ) -> Result<Transport> {
        let backbone = BackboneClient::new(
            http,
            &config.base_url,
            &config.platform_client_id,
            &config.platform_client_secret,
            config.additional_headers.clone(),
        );
        let mut doc = match store.get(ACCOUNT_INFO, IDENTITY_DOC).await? {
            Some(doc) => doc,
            None if !config.allow_identity_creation => {
                return Err(startup(
                    "error.transport.general.noIdentityFound",
                    "no identity is stored and transportLibrary.allowIdentityCreation is false",
                ));
            }
            None => {
                let doc = Self::prepare_identity(&config.key)?;
                store.create(ACCOUNT_INFO, doc.clone()).await?;
                doc
            }
        };
        let salt: [u8; 16] = wire::encoding::b64_decode(str_field(&doc, "vaultSalt")?)?
            .try_into()
            .map_err(|_| TransportError::Internal("vault salt must be 16 bytes".into()))?;
        let vault = Vault::open(&config.key, &salt)?;
        let private_key: SignaturePrivateKey =
            vault.open_crypto(str_field(&doc, "identityPrivateKey")?)?;
        let device_key: SignaturePrivateKey =
            vault.open_crypto(str_field(&doc, "devicePrivateKey")?)?;
        let password = Zeroizing::new(
            String::from_utf8(
                vault
                    .open_bytes(str_field(&doc, "devicePassword")?)?
                    .to_vec(),
            )
            .map_err(|_| TransportError::Internal("device password is not UTF-8".into()))?,
        );

        if doc.get("state").and_then(Value::as_str) != Some("created") {
            doc =
                Self::create_on_backbone(&config, &backbone, doc, &private_key, &password).await?;
            store.put(ACCOUNT_INFO, doc.clone()).await?;
            tracing::info!(
                address = str_field(&doc, "address")?,
                "created a new identity on the Backbone"
            );
        }
        let address = Address::parse(str_field(&doc, "address")?)?;
        if !address.belongs_to(&private_key.public_key()) {
            return Err(startup(
                "error.transport.general.identityMismatch",
                "the stored address does not belong to the stored identity key",
            ));
        }
        backbone.set_device(DeviceCredentials {
            username: str_field(&doc, "username")?.to_owned(),
            password: password.clone(),
        });
        let device = backbone.device().expect("just set");
        backbone.login(&device).await.map_err(client_refused)?;

        let transport = Transport {
            store,
            backbone,
            vault,
            identity: Identity {
                address,
                public_key: private_key.public_key(),
                private_key,
                device_key,
                device_id: str_field(&doc, "deviceId")?.to_owned(),
            },
            events: EventBus::default(),
            sync_lock: Default::default(),
            secrets_lock: Default::default(),
            peer_data: Default::default(),
            reactions: Default::default(),
            tag_reads: Default::default(),
        };
        if doc.get("datawalletVersion").is_none() {
            transport.upgrade_datawallet().await?;
            doc["datawalletVersion"] = json!(crate::backbone::DATAWALLET_VERSION);
            transport.store.put(ACCOUNT_INFO, doc).await?;
        }
        transport.ensure_indexes().await?;
        Ok(transport)
    }

    /// Fresh keys and device password, sealed, before anything is sent anywhere.
    fn prepare_identity(key: &KeySource) -> Result<Value> {
        let salt: [u8; 16] = rand::random();
        let vault = Vault::open(key, &salt)?;
        let identity_key = SignaturePrivateKey::generate()?;
        let device_key = SignaturePrivateKey::generate()?;
        Ok(json!({
            "id": IDENTITY_DOC,
            "state": "pending",
            "vaultSalt": wire::encoding::std_b64_encode(&salt),
            "publicKey": identity_key.public_key().to_base64(),
            "identityPrivateKey": vault.seal_crypto(&identity_key)?,
            "devicePrivateKey": vault.seal_crypto(&device_key)?,
            "devicePassword": vault.seal_bytes(device_password().as_bytes())?,
        }))
    }

    async fn create_on_backbone(
        config: &TransportConfig,
        backbone: &BackboneClient,
        mut doc: Value,
        private_key: &SignaturePrivateKey,
        password: &str,
    ) -> Result<Value> {
        let challenge = backbone.create_challenge(false).await?;
        let challenge_string = challenge_string(&challenge, "Identity");
        let signature = private_key.sign(challenge_string.as_bytes(), HashLabel::Sha512);
        let request = CreateIdentityRequest {
            client_id: backbone.client_id().to_owned(),
            client_secret: backbone.client_secret().to_owned(),
            identity_public_key: private_key.public_key().to_base64(),
            device_password: password.to_owned(),
            identity_version: 1,
            signed_challenge: SignedChallenge {
                challenge: challenge_string,
                signature: signature.to_base64(),
            },
            device_communication_language: None,
        };
        let created = backbone
            .create_identity(&request)
            .await
            .map_err(client_refused)?;
        let address = created.address;
        check_address(config, &address, &private_key.public_key())?;
        doc["state"] = json!("created");
        doc["address"] = json!(address.as_str());
        doc["createdAt"] = json!(created.created_at);
        doc["deviceId"] = json!(created.device.id);
        doc["username"] = json!(created.device.username);
        Ok(doc)
    }

    /// Creates the datawallet once, as transport does even with the datawallet disabled;
    /// without it the Backbone refuses external event syncs.
    async fn upgrade_datawallet(&self) -> Result<()> {
        let request = StartSyncRunRequest {
            kind: SyncRunType::DatawalletVersionUpgrade,
            duration: None,
        };
        let started = self.backbone.start_sync_run(&request).await?;
        let Some(run) = started.sync_run else {
            return Ok(());
        };
        let finalize = FinalizeDatawalletVersionUpgradeRequest {
            new_datawallet_version: crate::backbone::DATAWALLET_VERSION,
            datawallet_modifications: Vec::new(),
        };
        self.backbone
            .finalize_datawallet_version_upgrade(&run.id, &finalize)
            .await?;
        Ok(())
    }

    async fn ensure_indexes(&self) -> Result<()> {
        use store::IndexSpec;
        for (collection, field) in [
            (crate::relationships::COLLECTION, "peer"),
            (crate::relationships::COLLECTION, "templateId"),
            (crate::messages::COLLECTION, "createdAt"),
            (sync::PROCESSED, "id"),
        ] {
            self.store
                .ensure_index(collection, IndexSpec::on(field))
                .await?;
        }
        Ok(())
    }

    pub fn identity_info(&self) -> IdentityInfo {
        IdentityInfo {
            address: self.identity.address.to_string(),
            public_key: wire::encoding::b64u_encode(
                self.identity.public_key.to_plain_json().as_bytes(),
            ),
        }
    }
}

/// The challenge as transport signs it: ts-serval JSON with sorted keys, no nulls.
pub(crate) fn challenge_string(challenge: &Challenge, kind: &str) -> String {
    let mut map = serde_json::Map::new();
    if let Some(by) = &challenge.created_by {
        map.insert("createdBy".into(), json!(by));
    }
    if let Some(device) = &challenge.created_by_device {
        map.insert("createdByDevice".into(), json!(device));
    }
    map.insert("expiresAt".into(), json!(challenge.expires_at));
    map.insert("id".into(), json!(challenge.id));
    map.insert("type".into(), json!(kind));
    Value::Object(map).to_string()
}

/// The Backbone's address must be ours: derived from our key for the expected domain. With
/// no `addressGenerationHostnameOverride` and an IP literal as Backbone host (a local test
/// setup), the Backbone's domain is taken, but the key part must still be ours.
fn check_address(
    config: &TransportConfig,
    address: &Address,
    public_key: &SignaturePublicKey,
) -> Result<()> {
    let domain = match &config.address_domain {
        Some(d) => d.clone(),
        None => {
            let host = reqwest::Url::parse(&config.base_url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned))
                .unwrap_or_default();
            let host = host.trim_start_matches('[').trim_end_matches(']');
            if host.parse::<std::net::IpAddr>().is_ok() {
                address.domain().to_owned()
            } else {
                host.to_owned()
            }
        }
    };
    let expected = Address::derive(public_key, &domain)?;
    if &expected != address {
        return Err(startup(
            "error.transport.general.addressMismatch",
            format!(
                "the Backbone assigned {address}, but the key derives {expected}; set \
                 transportLibrary.addressGenerationHostnameOverride to the Backbone's DID domain"
            ),
        ));
    }
    Ok(())
}

/// What the store says about the identity, read without contacting the Backbone or opening
/// the key vault. Fields the identity does not have yet (a pending one has no address) are
/// absent.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredIdentity {
    /// `pending` until the Backbone confirmed the identity, then `created`.
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
}

/// The identity as stored; `None` when no identity was ever started.
pub async fn stored_identity(store: &dyn Store) -> Result<Option<StoredIdentity>> {
    let Some(doc) = store.get(ACCOUNT_INFO, IDENTITY_DOC).await? else {
        return Ok(None);
    };
    let text = |name: &str| doc.get(name).and_then(Value::as_str).map(str::to_owned);
    Ok(Some(StoredIdentity {
        state: text("state").unwrap_or_default(),
        address: text("address"),
        public_key: text("publicKey"),
        device_id: text("deviceId"),
    }))
}
