//! Challenges: `ChallengeDTO`, the `CreateChallengeRequest` union and `ValidateChallengeRequest`
//! with its response.

use crate::CoreDate;
use serde::{Deserialize, Serialize};

/// Who signs a challenge: the identity key, the device key or a relationship's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub enum ChallengeType {
    Identity,
    Device,
    Relationship,
}

impl ChallengeType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Identity => "Identity",
            Self::Device => "Device",
            Self::Relationship => "Relationship",
        }
    }
}

/// A signed challenge, as `POST /Challenges` answers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct ChallengeDto {
    pub id: String,
    pub expires_at: CoreDate,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by_device: Option<String>,
    #[serde(rename = "type")]
    pub kind: ChallengeType,
    pub signature: String,
    /// The exact text that was signed: the challenge's JSON.
    pub challenge_string: String,
}

/// `POST /Challenges`: one of three shapes, told apart by `challengeType`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "challengeType", deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub enum CreateChallengeRequest {
    Identity,
    Device,
    Relationship {
        /// The id of an active relationship (`REL…`).
        relationship: String,
    },
}

impl CreateChallengeRequest {
    pub fn challenge_type(&self) -> ChallengeType {
        match self {
            Self::Identity => ChallengeType::Identity,
            Self::Device => ChallengeType::Device,
            Self::Relationship { .. } => ChallengeType::Relationship,
        }
    }
}

/// `POST /Challenges/Validate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct ValidateChallengeRequest {
    pub challenge_string: String,
    pub signature: String,
}

/// The answer of `POST /Challenges/Validate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct ChallengeValidationResultDto {
    pub is_valid: bool,
    /// The relationship to the challenge's creator, when valid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corresponding_relationship: Option<crate::relationships::RelationshipDto>,
}
