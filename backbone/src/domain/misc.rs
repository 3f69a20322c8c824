//! The small read-mostly endpoints: version, announcements, tags and notifications.

use super::relationships::Status;
use super::{Backbone, Caller};
use crate::error::{Error, Result};
use consumer_api::announcements::Announcement;
pub use consumer_api::notifications::SendNotificationRequest as NotificationRequest;
use consumer_api::tags::TagCollection;
use serde::Serialize;
use std::sync::atomic::Ordering;
use wire::Address;

/// Consumer API major version; transport accepts 6 and 7.
pub const MAJOR_VERSION: &str = "7";

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Version {
    pub major_version: &'static str,
}

impl Backbone {
    pub fn version(&self) -> Version {
        Version {
            major_version: MAJOR_VERSION,
        }
    }

    /// A local Backbone publishes no announcements.
    pub fn announcements(&self, _caller: &Caller) -> Vec<Announcement> {
        Vec::new()
    }

    /// The attribute tag catalogue, written as the real Backbone writes it (`children` on
    /// every tag). Anyone may ask: the real endpoint allows anonymous calls.
    pub fn tags(&self) -> TagCollection {
        self.tag_requests.fetch_add(1, Ordering::Relaxed);
        self.config.tag_collection.clone().with_explicit_children()
    }

    /// How many times [`Backbone::tags`] was asked for, answered 200 or 304.
    pub fn tag_requests(&self) -> u64 {
        self.tag_requests.load(Ordering::Relaxed)
    }

    /// Push notifications go to devices, which a local Backbone has no channel to; the request
    /// is still validated the way the real one does: the shape, a relationship to every
    /// recipient in a status that allows notifications, then the code against the configured
    /// notification texts.
    pub async fn send_notification(
        &self,
        caller: &Caller,
        request: NotificationRequest,
    ) -> Result<()> {
        if request.code.trim().is_empty() {
            return Err(Error::invalid_property("code"));
        }
        if request.recipients.is_empty() {
            return Err(Error::invalid_property("recipients"));
        }
        let mut invalid = Vec::new();
        for r in &request.recipients {
            let address = Address::parse(r).map_err(|_| Error::invalid_property("recipients"))?;
            let ok = self
                .relationships_between(&caller.address, &address)
                .await?
                .iter()
                .any(|rel| {
                    matches!(
                        rel.status,
                        Status::Active | Status::Pending | Status::Terminated
                    )
                });
            if !ok {
                invalid.push(address.to_string());
            }
        }
        if !invalid.is_empty() {
            return Err(Error::rule(
                "error.platform.validation.notification.noRelationshipToOneOrMoreRecipientsExists",
                format!(
                    "You don't have a relationship to one or more recipients of the notification. A relationship is required to send a notification. The invalid recipients are: : {}",
                    invalid.join(", ")
                ),
            ));
        }
        let codes = &self.config.notification_codes;
        if !codes.contains(&request.code) {
            return Err(Error::rule(
                "error.platform.validation.notification.codeDoesNotExist",
                format!(
                    "The given message code does not exist. Valid message codes are: {}",
                    codes.join(", ")
                ),
            ));
        }
        Ok(())
    }
}
