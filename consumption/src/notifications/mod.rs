//! Notifications with peers (the runtime's NotificationsController and NotificationModule): a
//! `LocalNotification` in the collection `Notifications` for every notification sent
//! (`Sent`) or received (`Open`, then `Completed` or `Error` once processed), under the
//! notification's own id.
//!
//! A received notification is processed at once, in the change that received its message:
//! every item's prerequisites are checked and its effects built on a [`processing::Draft`],
//! and only when all items succeed are the effects and their events added to the change. A
//! failing item leaves the attributes as they were, publishes no item event and marks the
//! notification `Error`. What each item means is in [`processing`].
//!
//! The runtime keeps these records out of the REST API; [`Consumption::get_notification`] and
//! [`Consumption::get_notifications`] read them for the layers above.

pub mod processing;

use crate::{Consumption, Error, Result};
use runtime_types::messages::MessageDto;
use runtime_types::notifications::{
    LocalNotificationDto, LocalNotificationSourceDto, LocalNotificationSourceType,
    LocalNotificationStatus,
};
use store::{Filter, FindOptions};
use transport::{Change, PeerData};

pub const COLLECTION: &str = "Notifications";

/// Notifications exchanged with a peer, by `peer`: decomposing the relationship deletes them.
pub const PEER_DATA: PeerData = PeerData {
    collection: COLLECTION,
    field: "peer",
};

/// The notification a message carries.
fn notification_of(message: &MessageDto) -> Result<content::Notification> {
    match content::parse_message_content(&message.content).map_err(Error::content)? {
        content::MessageContent::Notification(notification) => Ok(notification),
        _ => Err(Error::Internal(format!(
            "message {} does not contain a Notification",
            message.id
        ))),
    }
}

fn from_doc(doc: serde_json::Value) -> Result<LocalNotificationDto> {
    serde_json::from_value(doc).map_err(|e| Error::Internal(format!("stored notification: {e}")))
}

impl Consumption {
    /// A stored notification, sent or received.
    pub async fn get_notification(&self, id: &str) -> Result<LocalNotificationDto> {
        self.transport
            .store()
            .get(COLLECTION, id)
            .await?
            .map(from_doc)
            .transpose()?
            .ok_or(Error::NotFound("LocalNotification"))
    }

    /// The stored notifications exchanged with `peer`, in storage order.
    pub async fn get_notifications(&self, peer: &str) -> Result<Vec<LocalNotificationDto>> {
        self.transport
            .store()
            .find(
                COLLECTION,
                &Filter::eq("peer", peer),
                &FindOptions::default(),
            )
            .await?
            .into_iter()
            .map(from_doc)
            .collect()
    }

    async fn notification_exists(&self, id: &str) -> Result<bool> {
        Ok(self.transport.store().get(COLLECTION, id).await?.is_some())
    }

    /// `transport.messageSent` with a Notification: the own record, `Sent` to the one
    /// recipient.
    pub(crate) async fn notification_sent(
        &self,
        message: &MessageDto,
        change: &mut Change,
    ) -> Result<()> {
        let notification = notification_of(message)?;
        let [recipient] = message.recipients.as_slice() else {
            return Err(Error::Internal(
                "a notification goes to exactly one recipient".into(),
            ));
        };
        if self.notification_exists(&notification.id).await? {
            return Err(Error::Internal(format!(
                "a notification with the id {} exists already",
                notification.id
            )));
        }
        let record = LocalNotificationDto {
            id: notification.id.clone(),
            is_own: true,
            peer: recipient.address.clone(),
            created_at: message.created_at,
            received_by_device: None,
            content: notification,
            status: LocalNotificationStatus::Sent,
            source: LocalNotificationSourceDto {
                kind: LocalNotificationSourceType::Message,
                reference: message.id.clone(),
            },
        };
        change.put(COLLECTION, &record)
    }

    /// `transport.messageReceived` with a Notification: the record, received by this device,
    /// and its processing. Returns the record as stored (`Completed` or `Error`).
    pub(crate) async fn notification_received(
        &self,
        message: &MessageDto,
        change: &mut Change,
    ) -> Result<LocalNotificationDto> {
        let notification = notification_of(message)?;
        // The runtime creates the record, which fails for an id it knows: nothing is processed.
        if self.notification_exists(&notification.id).await? {
            return Err(Error::Internal(format!(
                "a notification with the id {} exists already",
                notification.id
            )));
        }
        let mut record = LocalNotificationDto {
            id: notification.id.clone(),
            is_own: false,
            peer: message.created_by.clone(),
            created_at: message.created_at,
            received_by_device: Some(self.transport.device_id().to_owned()),
            content: notification,
            status: LocalNotificationStatus::Open,
            source: LocalNotificationSourceDto {
                kind: LocalNotificationSourceType::Message,
                reference: message.id.clone(),
            },
        };
        let effects = self.process_notification(&record).await?;
        record.status = match effects {
            Some(effects) => {
                change.absorb(effects);
                LocalNotificationStatus::Completed
            }
            None => LocalNotificationStatus::Error,
        };
        change.put(COLLECTION, &record)?;
        Ok(record)
    }

    /// Every item of `notification` on one draft: the writes and events of all of them, or
    /// `None` when one item's prerequisites or processing failed (logged, as the runtime
    /// logs it). A store failure is passed on, so the sync tries the message again.
    async fn process_notification(
        &self,
        notification: &LocalNotificationDto,
    ) -> Result<Option<Change>> {
        let mut draft = processing::Draft::new(self);
        for (index, item) in notification.content.items.iter().enumerate() {
            match draft.apply(item, notification).await {
                Ok(()) => {}
                Err(e @ Error::Store(_)) => return Err(e),
                Err(e) => {
                    tracing::warn!(
                        notification = notification.id.as_str(),
                        item = index,
                        code = e.code(),
                        "notification not processed: {e}"
                    );
                    return Ok(None);
                }
            }
        }
        draft.into_change().map(Some)
    }
}
