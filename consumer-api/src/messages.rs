//! `/api/v2/Messages`: sending a message (its encrypted body once, one encrypted message key
//! per recipient), reading one or a list, and the payloads of the message events
//! (`MessageReceived` for each recipient, `MessageDelivered` for the sender).

use crate::{Bytes, Timestamp};
use serde::{Deserialize, Serialize};
use wire::Address;

/// A file attached to a message, by id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    pub id: String,
}

/// One recipient of `POST /api/v2/Messages`. The address stays text so the Backbone can
/// answer a malformed one with its own validation error.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewRecipient {
    pub address: String,
    pub encrypted_key: Bytes,
}

/// `POST /api/v2/Messages`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendMessageRequest {
    pub recipients: Vec<NewRecipient>,
    pub body: Bytes,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
}

/// The answer to `POST /api/v2/Messages`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SentMessage {
    pub id: String,
    pub created_at: Timestamp,
}

/// A recipient as `GET /api/v2/Messages[/{id}]` shows it: the sender sees every recipient, a
/// recipient only itself. `receivedAt` is set by the recipient's first fetch.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recipient {
    pub address: Address,
    pub encrypted_key: Bytes,
    #[serde(default)]
    pub received_at: Option<Timestamp>,
    #[serde(default)]
    pub received_by_device: Option<String>,
}

/// `GET /api/v2/Messages[/{id}]`; `body` is left out with `noBody=true`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub id: String,
    pub created_at: Timestamp,
    pub created_by: Address,
    pub created_by_device: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Bytes>,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    pub recipients: Vec<Recipient>,
}

/// The payload of `MessageReceived` (to each recipient) and of `MessageDelivered` (to the
/// sender, once a recipient fetched the message).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageEventPayload {
    pub id: String,
}
