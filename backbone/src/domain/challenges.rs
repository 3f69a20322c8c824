//! Challenges: short-lived nonces that a client signs with its identity key to prove possession
//! when it creates an identity or registers a device. A challenge can be used once.

use super::{Backbone, Caller, Tx};
use crate::error::{Error, Result};
use crate::model::{Address, Bytes, Timestamp, ids};
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};

pub const COLLECTION: &str = "challenges";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Challenge {
    pub id: String,
    pub expires_at: Timestamp,
    pub created_by: Option<Address>,
    pub created_by_device: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_at: Option<Timestamp>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChallengeDto {
    pub id: String,
    pub expires_at: Timestamp,
    pub created_by: Option<Address>,
    pub created_by_device: Option<String>,
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

/// `{challenge: <Challenge JSON string>, signature: b64u(CryptoSignature JSON)}`.
#[derive(Debug, Clone, Deserialize)]
pub struct SignedChallenge {
    pub challenge: String,
    pub signature: String,
}

#[derive(Deserialize)]
struct ChallengeBody {
    id: String,
}

#[derive(Deserialize)]
struct CryptoSignature {
    sig: String,
}

#[derive(Deserialize)]
struct CryptoSignaturePublicKey {
    #[serde(rename = "pub")]
    public: String,
}

impl Backbone {
    pub async fn create_challenge(&self, caller: Option<&Caller>) -> Result<ChallengeDto> {
        let challenge = Challenge {
            id: ids::new(ids::CHALLENGE),
            expires_at: Timestamp::now().plus(self.config.challenge_lifetime),
            created_by: caller.map(|c| c.address.clone()),
            created_by_device: caller.map(|c| c.device.clone()),
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
        public_key: &[u8; 32],
        tx: &mut Tx,
    ) -> Result<()> {
        let body: ChallengeBody = serde_json::from_str(&signed.challenge)
            .map_err(|_| Error::invalid_property("signedChallenge.challenge"))?;
        let mut challenge: Challenge = if ids::is_valid(ids::CHALLENGE, &body.id) {
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
        if !verify_signature(public_key, signed.challenge.as_bytes(), &signed.signature) {
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

/// The raw Ed25519 key inside `b64u({"pub": b64u(32 bytes), "alg": 3})`.
pub(crate) fn parse_public_key(encoded: &str) -> Option<[u8; 32]> {
    let json = Bytes::decode(encoded)?;
    let key: CryptoSignaturePublicKey = serde_json::from_slice(&json.0).ok()?;
    Bytes::decode(&key.public)?.0.try_into().ok()
}

/// Verifies `b64u({"sig": b64u(64 bytes), "alg": …})` over `message`. The `alg` field is only a
/// hash label in the official library; the signature is plain Ed25519 either way.
pub(crate) fn verify_signature(
    public_key: &[u8; 32],
    message: &[u8],
    encoded_signature: &str,
) -> bool {
    let Some(json) = Bytes::decode(encoded_signature) else {
        return false;
    };
    let Ok(sig) = serde_json::from_slice::<CryptoSignature>(&json.0) else {
        return false;
    };
    let Some(raw) = Bytes::decode(&sig.sig).and_then(|b| <[u8; 64]>::try_from(b.0).ok()) else {
        return false;
    };
    let Ok(key) = VerifyingKey::from_bytes(public_key) else {
        return false;
    };
    key.verify(message, &Signature::from_bytes(&raw)).is_ok()
}
