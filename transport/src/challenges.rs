//! Challenges: a Backbone-issued nonce signed by the identity, the device or a relationship
//! key, and the check of a challenge a peer signed.

use crate::Transport;
use crate::error::{Result, TransportError};
use consumer_api::Timestamp;
use runtime_types::challenges::{
    ChallengeDto, ChallengeType, ChallengeValidationResultDto, CreateChallengeRequest,
    ValidateChallengeRequest,
};
use serde::Deserialize;
use serde_json::json;
use wire::{CryptoObject, HashLabel, Signature, SignaturePublicKey};

const REQUIRES_ACTIVE_RELATIONSHIP: &str =
    "error.transport.challenges.challengeTypeRequiresActiveRelationship";

/// What the validation reads from a challenge string; the signature covers the exact text.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SignedContent {
    #[serde(rename = "type")]
    kind: ChallengeType,
    expires_at: Timestamp,
    #[serde(default)]
    created_by: Option<String>,
}

fn invalid() -> ChallengeValidationResultDto {
    ChallengeValidationResultDto {
        is_valid: false,
        corresponding_relationship: None,
    }
}

impl Transport {
    /// `POST /Challenges`.
    pub async fn create_challenge(&self, request: &CreateChallengeRequest) -> Result<ChallengeDto> {
        let kind = request.challenge_type();
        let relationship = match request {
            CreateChallengeRequest::Relationship { relationship } => {
                wire::RelationshipId::parse(relationship)
                    .map_err(|e| TransportError::invalid(format!("relationship: {e}")))?;
                let doc = self
                    .store
                    .get(crate::relationships::COLLECTION, relationship)
                    .await?
                    .ok_or(TransportError::NotFound("Relationship"))?;
                if doc.get("status") != Some(&json!("Active")) {
                    return Err(TransportError::rule(
                        REQUIRES_ACTIVE_RELATIONSHIP,
                        "a relationship challenge needs an active relationship",
                    ));
                }
                Some(doc)
            }
            _ => None,
        };
        let challenge = self.backbone.create_challenge(true).await?;
        let challenge_string = crate::account::challenge_string(&challenge, kind.as_str());
        let signature = match &relationship {
            Some(doc) => match self.load_secrets(doc).await?.1 {
                crate::relationships::StoredSecrets::Established(s) => {
                    s.sign(challenge_string.as_bytes())
                }
                _ => {
                    return Err(TransportError::rule(
                        REQUIRES_ACTIVE_RELATIONSHIP,
                        "the relationship is not established",
                    ));
                }
            },
            None if kind == ChallengeType::Device => self
                .identity
                .device_key
                .sign(challenge_string.as_bytes(), HashLabel::Sha512),
            None => self
                .identity
                .private_key
                .sign(challenge_string.as_bytes(), HashLabel::Sha512),
        };
        Ok(ChallengeDto {
            id: challenge.id.to_string(),
            expires_at: challenge.expires_at,
            created_by: challenge.created_by.map(|a| a.to_string()),
            created_by_device: challenge.created_by_device.map(|d| d.to_string()),
            kind,
            signature: signature.to_base64(),
            challenge_string,
        })
    }

    /// `POST /Challenges/Validate`: whether a peer with an active relationship signed it.
    pub async fn validate_challenge(
        &self,
        request: &ValidateChallengeRequest,
    ) -> Result<ChallengeValidationResultDto> {
        let challenge_string = request.challenge_string.as_str();
        let challenge: SignedContent = serde_json::from_str(challenge_string).map_err(|_| {
            TransportError::rule(
                "error.runtime.challenges.invalidChallengeString",
                "The challengeString is invalid.",
            )
        })?;
        let signature = Signature::from_base64(&request.signature).map_err(|_| {
            TransportError::rule(
                "error.runtime.challenges.invalidSignature",
                "The signature is invalid.",
            )
        })?;
        if challenge.expires_at.is_past() {
            return Ok(invalid());
        }
        let Some(created_by) = challenge.created_by else {
            return Ok(invalid());
        };
        let Some(relationship) = self.current_relationship_to(&created_by).await? else {
            return Ok(invalid());
        };
        let valid = match challenge.kind {
            ChallengeType::Identity => {
                let key = relationship["peerIdentity"]["publicKey"]
                    .as_str()
                    .unwrap_or_default();
                SignaturePublicKey::from_base64(key)
                    .map(|k| k.verify(challenge_string.as_bytes(), &signature))
                    .unwrap_or(false)
            }
            // Transport has no peer device keys to check against.
            ChallengeType::Device => {
                return Err(TransportError::rule(
                    "error.runtime.notSupported",
                    "Validating challenges of the type 'Device' is not yet supported.",
                ));
            }
            ChallengeType::Relationship => match self.load_secrets(&relationship).await?.1 {
                crate::relationships::StoredSecrets::Established(s) => {
                    s.verify_peer(challenge_string.as_bytes(), &signature)
                }
                _ => false,
            },
        };
        if !valid {
            return Ok(invalid());
        }
        Ok(ChallengeValidationResultDto {
            is_valid: true,
            corresponding_relationship: Some(crate::relationships::relationship_dto(relationship)?),
        })
    }
}
