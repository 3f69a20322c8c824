//! Challenges: short-lived nonces that a client signs with its identity key to prove possession
//! when it creates an identity or registers a device. A challenge can be used once.

use super::{Backbone, Caller, Tx};
use crate::error::{Error, Result};
use crate::model::Timestamp;
pub use consumer_api::challenges::{Challenge as ChallengeDto, SignedChallenge};
use serde::{Deserialize, Serialize};
use wire::{Address, ChallengeId, CryptoObject, DeviceId, Signature, SignaturePublicKey};

pub const COLLECTION: &str = "challenges";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Challenge {
    pub id: ChallengeId,
    pub expires_at: Timestamp,
    pub created_by: Option<Address>,
    pub created_by_device: Option<DeviceId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_at: Option<Timestamp>,
}

impl From<Challenge> for ChallengeDto {
    fn from(c: Challenge) -> Self {
        Self {
            id: c.id,
            expires_at: c.expires_at,
            created_by: c.created_by,
            created_by_device: c.created_by_device,
        }
    }
}

#[derive(Deserialize)]
struct ChallengeBody {
    id: String,
}

impl Backbone {
    pub async fn create_challenge(&self, caller: Option<&Caller>) -> Result<ChallengeDto> {
        let challenge = Challenge {
            id: ChallengeId::generate()?,
            expires_at: Timestamp::now().plus(self.config.challenge_lifetime),
            created_by: caller.map(|c| c.address.clone()),
            created_by_device: caller.map(|c| DeviceId::parse(&c.device)).transpose()?,
            used_at: None,
        };
        let mut tx = Tx::new();
        tx.create(COLLECTION, &challenge)?;
        self.commit(tx).await?;
        Ok(challenge.into())
    }

    pub async fn get_challenge(&self, id: &str) -> Result<ChallengeDto> {
        let challenge: Challenge = self
            .get(COLLECTION, id)
            .await?
            .ok_or(Error::NotFound("Challenge"))?;
        Ok(challenge.into())
    }

    /// Checks that `signed` is a live, unused challenge signed by `public_key` and marks it used
    /// inside `tx`. Callers hold the gate, so a challenge cannot be spent twice concurrently.
    pub(crate) async fn spend_challenge(
        &self,
        signed: &SignedChallenge,
        public_key: &SignaturePublicKey,
        tx: &mut Tx,
    ) -> Result<()> {
        let body: ChallengeBody = serde_json::from_str(&signed.challenge)
            .map_err(|_| Error::invalid_property("signedChallenge.challenge"))?;
        let mut challenge: Challenge = if ChallengeId::parse(&body.id).is_ok() {
            self.get(COLLECTION, &body.id)
                .await?
                .ok_or(Error::NotFound("Challenge"))?
        } else {
            return Err(Error::invalid_property("signedChallenge.challenge"));
        };
        if challenge.expires_at.is_past() || challenge.used_at.is_some() {
            return Err(Error::rule(
                "error.platform.validation.device.challengeHasExpired",
                "The given challenge has expired or has already been used. Obtain a new challenge and try again.",
            ));
        }
        // The signature's `alg` is only a hash label; it is plain Ed25519 either way.
        let verified = Signature::from_base64(&signed.signature)
            .is_ok_and(|sig| public_key.verify(signed.challenge.as_bytes(), &sig));
        if !verified {
            return Err(Error::rule(
                "error.platform.validation.device.invalidSignature",
                "The given signature is not valid.",
            ));
        }
        challenge.used_at = Some(Timestamp::now());
        tx.put(COLLECTION, &challenge)?;
        Ok(())
    }
}
