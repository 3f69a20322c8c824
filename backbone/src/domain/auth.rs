//! Device login (OAuth2 resource-owner password grant) and the access tokens it issues.
//!
//! Tokens are opaque random strings kept in memory: a restart logs every device out, and
//! transport answers the resulting 401 by logging in again, as it does after expiry.

use super::devices::{self, Device};
use super::identities::{self, Identity, IdentityStatus};
use super::{Backbone, Caller};
use crate::error::{Error, Result};
use crate::model::Timestamp;
use rand::RngCore;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Default)]
pub(crate) struct Sessions {
    tokens: Mutex<HashMap<String, Session>>,
}

struct Session {
    caller: Caller,
    expires: Instant,
}

impl Sessions {
    fn issue(&self, caller: Caller, lifetime: Duration) -> String {
        let mut raw = [0u8; 32];
        rand::rng().fill_bytes(&mut raw);
        let token: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        let now = Instant::now();
        let mut tokens = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        tokens.retain(|_, s| s.expires > now);
        tokens.insert(
            token.clone(),
            Session {
                caller,
                expires: now + lifetime,
            },
        );
        token
    }

    fn lookup(&self, token: &str) -> Option<Caller> {
        let tokens = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        tokens
            .get(token)
            .filter(|s| s.expires > Instant::now())
            .map(|s| s.caller.clone())
    }

    /// Logs a device out everywhere, e.g. after it was deleted or its password changed.
    pub(crate) fn revoke_device(&self, device: &str) {
        let mut tokens = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        tokens.retain(|_, s| s.caller.device != device);
    }
}

pub struct LoginRequest {
    pub grant_type: String,
    pub client_id: String,
    pub client_secret: String,
    pub username: String,
    pub password: String,
}

#[derive(Debug, serde::Serialize)]
pub struct AccessToken {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: u64,
}

impl Backbone {
    pub async fn login(&self, request: LoginRequest) -> Result<AccessToken> {
        if request.grant_type != "password" {
            return Err(Error::InvalidGrant(
                "The specified grant type is not supported.",
            ));
        }
        if self
            .config
            .client(&request.client_id, &request.client_secret)
            .is_none()
        {
            return Err(Error::Unauthorized);
        }
        let _gate = self.gate().await;
        let device = self
            .device_by_username(&request.username)
            .await?
            .filter(|d| d.deleted_at.is_none() && d.password_matches(&request.password))
            .ok_or(Error::InvalidGrant(
                "The username/password couple is invalid.",
            ))?;
        let identity: Identity = self
            .get(identities::COLLECTION, device.address.as_str())
            .await?
            .ok_or(Error::InvalidGrant(
                "The username/password couple is invalid.",
            ))?;
        if identity.status == IdentityStatus::Deleted {
            return Err(Error::InvalidGrant(
                "The identity of this device has been deleted.",
            ));
        }
        let mut tx = super::Tx::new();
        let mut device = device;
        device.last_login = Some(Timestamp::now());
        tx.put(devices::COLLECTION, &device)?;
        self.commit(tx).await?;
        let lifetime = self.config.access_token_lifetime;
        let caller = Caller {
            address: device.address.clone(),
            device: device.id.clone(),
        };
        Ok(AccessToken {
            access_token: self.sessions.issue(caller, lifetime),
            token_type: "Bearer",
            expires_in: lifetime.as_secs(),
        })
    }

    /// The caller behind a bearer token; [`Error::Unauthorized`] if it is unknown or expired.
    pub fn authenticate(&self, token: &str) -> Result<Caller> {
        self.sessions.lookup(token).ok_or(Error::Unauthorized)
    }

    pub(crate) async fn device_by_username(&self, username: &str) -> Result<Option<Device>> {
        let found: Vec<Device> = self
            .find(
                devices::COLLECTION,
                &store::Filter::eq("username", username),
                &Default::default(),
            )
            .await?;
        Ok(found.into_iter().next())
    }
}
