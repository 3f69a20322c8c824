//! Challenges: a Backbone-issued nonce signed by the identity, the device or a relationship
//! key, and the check of a challenge a peer signed.

use crate::Transport;
use crate::error::{Result, TransportError};
use crate::util::str_field;
use reqwest::Method;
use serde_json::{Value, json};
use wire::{CryptoObject, HashLabel, Signature, SignaturePublicKey};

impl Transport {
    /// `POST /Challenges` (`{challengeType, relationship?}`).
    pub async fn create_challenge(&self, body: &Value) -> Result<Value> {
        let kind = body
            .get("challengeType")
            .and_then(Value::as_str)
            .filter(|k| ["Identity", "Device", "Relationship"].contains(k))
            .ok_or_else(|| {
                TransportError::invalid("challengeType must be Identity, Device or Relationship")
            })?;
        let relationship = if kind == "Relationship" {
            let id = body
                .get("relationship")
                .and_then(Value::as_str)
                .ok_or_else(|| TransportError::invalid("relationship must be a relationship id"))?;
            wire::RelationshipId::parse(id)
                .map_err(|e| TransportError::invalid(format!("relationship: {e}")))?;
            let doc = self
                .store
                .get(crate::relationships::COLLECTION, id)
                .await?
                .ok_or(TransportError::NotFound("Relationship"))?;
            if doc.get("status") != Some(&json!("Active")) {
                return Err(TransportError::rule(
                    "error.transport.challenges.challengeTypeRequiresActiveRelationship",
                    "a relationship challenge needs an active relationship",
                ));
            }
            Some(doc)
        } else {
            None
        };
        let challenge: Value = self
            .backbone
            .call(Method::POST, "/api/v2/Challenges", &json!({}))
            .await?;
        let challenge_string = crate::account::challenge_string(&challenge, kind)?;
        let signature = match &relationship {
            Some(doc) => match self.load_secrets(doc).await?.1 {
                crate::relationships::StoredSecrets::Established(s) => {
                    s.sign(challenge_string.as_bytes())
                }
                _ => {
                    return Err(TransportError::rule(
                        "error.transport.challenges.challengeTypeRequiresActiveRelationship",
                        "the relationship is not established",
                    ));
                }
            },
            None if kind == "Device" => self
                .identity
                .device_key
                .sign(challenge_string.as_bytes(), HashLabel::Sha512),
            None => self
                .identity
                .private_key
                .sign(challenge_string.as_bytes(), HashLabel::Sha512),
        };
        let mut dto = json!({
            "id": str_field(&challenge, "id")?,
            "expiresAt": str_field(&challenge, "expiresAt")?,
            "type": kind,
            "signature": signature.to_base64(),
            "challengeString": challenge_string,
        });
        for key in ["createdBy", "createdByDevice"] {
            if let Some(v) = challenge.get(key).filter(|v| v.is_string()) {
                dto[key] = v.clone();
            }
        }
        Ok(dto)
    }

    /// `POST /Challenges/Validate`: `{isValid, correspondingRelationship?}`.
    pub async fn validate_challenge(&self, body: &Value) -> Result<Value> {
        let challenge_string = body
            .get("challengeString")
            .and_then(Value::as_str)
            .ok_or_else(|| TransportError::invalid("challengeString must be a string"))?;
        let signature = body
            .get("signature")
            .and_then(Value::as_str)
            .ok_or_else(|| TransportError::invalid("signature must be a string"))?;
        let challenge: Value = serde_json::from_str(challenge_string).map_err(|_| {
            TransportError::rule(
                "error.runtime.challenges.invalidChallengeString",
                "the challenge string is not a challenge",
            )
        })?;
        let signature = Signature::from_base64(signature).map_err(|_| {
            TransportError::rule(
                "error.runtime.challenges.invalidSignature",
                "the signature is not a signature",
            )
        })?;
        let kind = challenge
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let Some(created_by) = challenge.get("createdBy").and_then(Value::as_str) else {
            return Ok(json!({"isValid": false}));
        };
        let Some(relationship) = self.current_relationship_to(created_by).await? else {
            return Ok(json!({"isValid": false}));
        };
        let valid = match kind {
            "Identity" => {
                let key = relationship["peerIdentity"]["publicKey"]
                    .as_str()
                    .unwrap_or_default();
                SignaturePublicKey::from_base64(key)
                    .map(|k| k.verify(challenge_string.as_bytes(), &signature))
                    .unwrap_or(false)
            }
            "Relationship" => match self.load_secrets(&relationship).await?.1 {
                crate::relationships::StoredSecrets::Established(s) => {
                    s.verify_peer(challenge_string.as_bytes(), &signature)
                }
                _ => false,
            },
            _ => false,
        };
        if !valid {
            return Ok(json!({"isValid": false}));
        }
        Ok(json!({"isValid": true, "correspondingRelationship": crate::util::dto(relationship)}))
    }
}
