//! Attributes as the runtime shows them (`LocalAttributeDTO`, its deletion info, its
//! forwarding details) and the answers of the `/Attributes` routes. In the 7.0 model an
//! attribute is one of five kinds, named by `@type`; which optional fields a kind carries is
//! said at each field.

use crate::CoreDate;
use serde::{Deserialize, Serialize};

/// The five kinds of local attribute (`LocalAttributeDTO["@type"]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub enum LocalAttributeKind {
    /// The own identity's data (owner = self).
    OwnIdentityAttribute,
    /// A peer's identity attribute received from that peer.
    PeerIdentityAttribute,
    /// The own relationship attribute inside the relationship with `peer`.
    OwnRelationshipAttribute,
    /// The peer's relationship attribute inside the relationship with `peer`.
    PeerRelationshipAttribute,
    /// A relationship attribute of another relationship, forwarded by `peer`.
    ThirdPartyRelationshipAttribute,
}

impl LocalAttributeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OwnIdentityAttribute => "OwnIdentityAttribute",
            Self::PeerIdentityAttribute => "PeerIdentityAttribute",
            Self::OwnRelationshipAttribute => "OwnRelationshipAttribute",
            Self::PeerRelationshipAttribute => "PeerRelationshipAttribute",
            Self::ThirdPartyRelationshipAttribute => "ThirdPartyRelationshipAttribute",
        }
    }

    /// Whether its DTO counts its forwards (`numberOfForwards`).
    pub fn counts_forwards(self) -> bool {
        matches!(
            self,
            Self::OwnIdentityAttribute
                | Self::OwnRelationshipAttribute
                | Self::PeerRelationshipAttribute
        )
    }
}

/// `LocalAttributeDeletionStatus`: the emitted ones on the owner's side, the received ones on
/// the peer's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub enum LocalAttributeDeletionStatus {
    DeletionRequestSent,
    DeletionRequestRejected,
    ToBeDeleted,
    ToBeDeletedByRecipient,
    DeletedByRecipient,
    DeletedByEmitter,
}

/// `LocalAttributeDeletionInfoDTO`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct LocalAttributeDeletionInfoDto {
    pub deletion_status: LocalAttributeDeletionStatus,
    pub deletion_date: CoreDate,
}

/// `LocalAttributeDTO`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct LocalAttributeDto {
    #[serde(rename = "@type")]
    pub kind: LocalAttributeKind,
    pub id: String,
    pub created_at: CoreDate,
    pub content: content::Attribute,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub succeeds: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub succeeded_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub was_viewed_at: Option<CoreDate>,
    /// OwnIdentityAttribute only; only ever `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_default: Option<bool>,
    /// Peer*, OwnRelationship and ThirdParty attributes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer: Option<String>,
    /// The request (`REQ…`) or notification (`NOT…`) the attribute came with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_info: Option<LocalAttributeDeletionInfoDto>,
    /// ThirdPartyRelationshipAttribute only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_attribute_peer: Option<String>,
    /// OwnIdentity, OwnRelationship and PeerRelationship attributes: every forwarding record,
    /// deleted ones included. Computed on reading, never stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_of_forwards: Option<u64>,
}

/// `LocalAttributeForwardingDetailsDTO`: to whom an own attribute was forwarded, and how.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct LocalAttributeForwardingDetailsDto {
    pub peer: String,
    pub source_reference: String,
    pub shared_at: CoreDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_info: Option<LocalAttributeDeletionInfoDto>,
}

/// The answer of a succession: `{predecessor, successor}` (and the notification that told
/// the peer, for relationship attributes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct SucceedAttributeResponse {
    pub predecessor: LocalAttributeDto,
    pub successor: LocalAttributeDto,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_id: Option<String>,
}

/// The payload of `consumption.attributeSucceeded`: the predecessor, now pointing to its
/// successor, and the successor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributeSucceeded {
    pub predecessor: LocalAttributeDto,
    pub successor: LocalAttributeDto,
}

/// The answer of `DELETE /Attributes/{id}`: the notifications sent to the peers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct DeleteAttributeResponse {
    pub notification_ids: Vec<String>,
}

/// The answer of `POST /Attributes/ValidateIQLQuery`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct ValidateIqlQueryResponse {
    pub is_valid: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<IqlQueryErrorDto>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct IqlQueryErrorDto {
    pub message: String,
    #[cfg_attr(feature = "schema", schema(value_type = Object))]
    pub location: serde_json::Value,
}

/// The answer of `PUT /Attributes/CanCreate`: `{isSuccess: true}` or `{isSuccess: false,
/// code, message}` (the same shape as the relationships' `CanCreate`).
pub type CanCreateOwnIdentityAttributeResponse =
    crate::relationships::CanCreateRelationshipResponse;

/// `content` of an own identity attribute to create: a value of an identity value type and
/// optional tags. Checked against the runtime's schemas and content rules by the consumption
/// layer; this type describes the body in the API document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct OwnIdentityAttributeContent {
    /// An identity attribute value (`{"@type": "GivenName", "value": "…"}`).
    #[cfg_attr(feature = "schema", schema(value_type = Object))]
    pub value: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
}

/// The body of `POST /Attributes` and `PUT /Attributes/CanCreate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct CreateOwnIdentityAttributeRequest {
    pub content: OwnIdentityAttributeContent,
}

/// The body of `POST /Attributes/{predecessorId}/Succeed`: the successor's content (for a
/// relationship attribute only its `value`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct SucceedAttributeRequest {
    pub successor_content: OwnIdentityAttributeContent,
}

/// The body of `POST /Attributes/{attributeId}/NotifyPeer`: the peer to tell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct NotifyPeerAboutSuccessionRequest {
    pub peer: String,
}

/// The body of the `Execute…Query` and `ValidateIQLQuery` routes: the query as its content
/// type's JSON (`IdentityAttributeQuery`, `RelationshipAttributeQuery`,
/// `ThirdPartyRelationshipAttributeQuery`, `IQLQuery`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct AttributeQueryRequest {
    #[cfg_attr(feature = "schema", schema(value_type = Object))]
    pub query: serde_json::Value,
}
