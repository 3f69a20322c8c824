//! Requests as the runtime shows them (`LocalRequestDTO`, its response and source, the
//! validation result of `canCreate` / `canAccept` / `canReject`), the bodies of the
//! `/Requests` routes and the payloads of the request events.

use crate::CoreDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `LocalRequestStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub enum LocalRequestStatus {
    Draft,
    Open,
    DecisionRequired,
    ManualDecisionRequired,
    Decided,
    Completed,
    Expired,
}

impl LocalRequestStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "Draft",
            Self::Open => "Open",
            Self::DecisionRequired => "DecisionRequired",
            Self::ManualDecisionRequired => "ManualDecisionRequired",
            Self::Decided => "Decided",
            Self::Completed => "Completed",
            Self::Expired => "Expired",
        }
    }
}

/// Where a request came from: the message or template that carried it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub enum LocalRequestSourceType {
    Message,
    RelationshipTemplate,
}

/// Where a response came from (or went with): a message or the relationship it created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub enum LocalResponseSourceType {
    Message,
    Relationship,
}

/// `LocalRequestSourceDTO`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct LocalRequestSourceDto {
    #[serde(rename = "type")]
    pub kind: LocalRequestSourceType,
    pub reference: String,
}

/// `LocalResponseSourceDTO`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct LocalResponseSourceDto {
    #[serde(rename = "type")]
    pub kind: LocalResponseSourceType,
    pub reference: String,
}

/// `LocalResponseDTO`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct LocalResponseDto {
    pub created_at: CoreDate,
    /// The `Response`, with `@type`.
    #[serde(serialize_with = "typed_response")]
    #[cfg_attr(feature = "schema", schema(value_type = TypedResponse))]
    pub content: content::Response,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<LocalResponseSourceDto>,
}

/// `LocalRequestDTO`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct LocalRequestDto {
    pub id: String,
    /// `true` for outgoing requests.
    pub is_own: bool,
    pub peer: String,
    pub created_at: CoreDate,
    /// The `Request`, with `@type`.
    #[serde(serialize_with = "typed_request")]
    #[cfg_attr(feature = "schema", schema(value_type = TypedRequest))]
    pub content: content::Request,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<LocalRequestSourceDto>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<LocalResponseDto>,
    pub status: LocalRequestStatus,
    /// Only ever `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub was_automatically_decided: Option<bool>,
}

/// The schema of a `Request` printed as a top-level content: its `@type` and its fields.
#[cfg(feature = "schema")]
#[derive(Serialize, utoipa::ToSchema)]
pub struct TypedRequest {
    #[serde(rename = "@type")]
    pub kind: String,
    #[serde(flatten)]
    pub request: content::Request,
}

/// The schema of a `Response` printed as a top-level content.
#[cfg(feature = "schema")]
#[derive(Serialize, utoipa::ToSchema)]
pub struct TypedResponse {
    #[serde(rename = "@type")]
    pub kind: String,
    #[serde(flatten)]
    pub response: content::Response,
}

fn typed_request<S: serde::Serializer>(
    request: &content::Request,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    request.to_json().serialize(serializer)
}

fn typed_response<S: serde::Serializer>(
    response: &content::Response,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    response.to_json().serialize(serializer)
}

/// `RequestValidationResultDTO`: one node per request item or group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct RequestValidationResultDto {
    pub is_success: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[cfg_attr(feature = "schema", schema(no_recursion))]
    pub items: Vec<RequestValidationResultDto>,
}

impl RequestValidationResultDto {
    pub fn success(items: Vec<RequestValidationResultDto>) -> Self {
        Self {
            is_success: true,
            code: None,
            message: None,
            items,
        }
    }

    pub fn error(
        code: impl Into<String>,
        message: impl Into<String>,
        items: Vec<RequestValidationResultDto>,
    ) -> Self {
        Self {
            is_success: false,
            code: Some(code.into()),
            message: Some(message.into()),
            items,
        }
    }
}

/// The body of `POST /Requests/Outgoing` and `POST /Requests/Outgoing/Validate`. The content
/// is judged by the consumption layer with the runtime's words, so it is kept as JSON here;
/// a missing `peer` is refused by `POST /Requests/Outgoing` in the runtime's words too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct CreateOutgoingRequestRequest {
    /// A `Request` (the `@type` may be left out).
    #[cfg_attr(feature = "schema", schema(value_type = OutgoingRequestContent))]
    pub content: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer: Option<String>,
}

/// The body of `POST /Requests/Outgoing` as the API document shows it: `peer` required.
#[cfg(feature = "schema")]
#[derive(Serialize, utoipa::ToSchema)]
pub struct CreateOutgoingRequestBody {
    pub content: OutgoingRequestContent,
    pub peer: String,
}

/// The request content of the outgoing request routes, for the API document.
#[cfg(feature = "schema")]
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OutgoingRequestContent {
    #[serde(rename = "@type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Request items and groups.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
}

/// The body of the decide routes (`Accept`, `CanAccept`, `Reject`, `CanReject`): one
/// parameter object per request item, a `{items: [...]}` per group. The parameters of an
/// accepted item depend on the item, so each is kept as JSON and read by its processor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct DecideRequestRequest {
    /// Required by the runtime, which refuses a missing list in its own words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(value_type = Option<Vec<Object>>))]
    pub items: Option<Vec<Value>>,
    /// Refused over REST: only the decider may decide by automation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by_automation: Option<bool>,
}

/// The payload of `consumption.incomingRequestStatusChanged` and
/// `consumption.outgoingRequestStatusChanged`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestStatusChanged {
    pub request: LocalRequestDto,
    pub old_status: LocalRequestStatus,
    pub new_status: LocalRequestStatus,
}

/// The outcome reported by `consumption.messageProcessed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MessageProcessedResult {
    RequestAutomaticallyDecided,
    ManualRequestDecisionRequired,
    NoRequest,
    Error,
}

/// The payload of `consumption.messageProcessed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageProcessed {
    pub message: crate::messages::MessageDto,
    pub result: MessageProcessedResult,
}

/// The outcome reported by `consumption.relationshipTemplateProcessed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RelationshipTemplateProcessedResult {
    RequestAutomaticallyDecided,
    ManualRequestDecisionRequired,
    NonCompletedRequestExists,
    RelationshipExists,
    NoRequest,
    Error,
    RequestExpired,
}

/// The payload of `consumption.relationshipTemplateProcessed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RelationshipTemplateProcessed {
    pub template: crate::relationship_templates::RelationshipTemplateDto,
    pub result: RelationshipTemplateProcessedResult,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relationship_id: Option<String>,
}
