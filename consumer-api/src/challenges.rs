//! Challenges (`/api/v2/Challenges`): short-lived nonces a client signs to prove it holds a key.

use crate::Timestamp;
use serde::{Deserialize, Serialize};
use wire::{Address, ChallengeId, DeviceId};

/// A challenge as the Backbone issues it. Anonymous callers get one without creator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Challenge {
    pub id: ChallengeId,
    pub expires_at: Timestamp,
    #[serde(default)]
    pub created_by: Option<Address>,
    #[serde(default)]
    pub created_by_device: Option<DeviceId>,
}

/// `{challenge: <the challenge's JSON text>, signature: <b64u of the signature JSON>}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignedChallenge {
    pub challenge: String,
    pub signature: String,
}
