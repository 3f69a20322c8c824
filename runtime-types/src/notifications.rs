//! Notifications as the runtime keeps them (`LocalNotificationDTO`): what one identity told a
//! peer about shared attributes, or was told, with where it came by and how far it got.

use crate::CoreDate;
use serde::{Deserialize, Serialize};

/// `LocalNotificationStatus`: `Sent` for own ones; received ones are `Open` until processed,
/// then `Completed`, or `Error` when an item's prerequisites failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub enum LocalNotificationStatus {
    Open,
    Sent,
    Completed,
    Error,
}

/// Notifications travel by message only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub enum LocalNotificationSourceType {
    Message,
}

/// `LocalNotificationDTO.source`: the message that carried the notification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct LocalNotificationSourceDto {
    #[serde(rename = "type")]
    pub kind: LocalNotificationSourceType,
    pub reference: String,
}

/// `LocalNotificationDTO`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct LocalNotificationDto {
    /// The notification's own id (`NOT…`).
    pub id: String,
    /// `true` for notifications this identity sent.
    pub is_own: bool,
    /// The recipient of an own notification, the sender of a received one.
    pub peer: String,
    /// The carrying message's `createdAt`.
    pub created_at: CoreDate,
    /// The device that received it; received notifications only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_by_device: Option<String>,
    /// The `Notification`, with `@type`.
    #[serde(serialize_with = "typed_notification")]
    pub content: content::Notification,
    pub status: LocalNotificationStatus,
    pub source: LocalNotificationSourceDto,
}

fn typed_notification<S: serde::Serializer>(
    notification: &content::Notification,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    notification.to_json().serialize(serializer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prints_as_the_runtimes_mapper() {
        let json = json!({
            "id": "NOTaaaaaaaaaaaaaaaaa",
            "isOwn": false,
            "peer": "did:e:localhost:dids:0123456789abcdef012345",
            "createdAt": "2025-01-01T00:00:00.000Z",
            "receivedByDevice": "DVCaaaaaaaaaaaaaaaaa",
            "content": {"@type": "Notification", "id": "NOTaaaaaaaaaaaaaaaaa", "items": [
                {"@type": "OwnAttributeDeletedByOwnerNotificationItem", "attributeId": "ATTaaaaaaaaaaaaaaaaa"}
            ]},
            "status": "Completed",
            "source": {"type": "Message", "reference": "MSGaaaaaaaaaaaaaaaaa"}
        });
        let dto: LocalNotificationDto = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(dto.status, LocalNotificationStatus::Completed);
        assert_eq!(serde_json::to_value(&dto).unwrap(), json);
    }
}
