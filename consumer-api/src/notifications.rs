//! Backbone notifications (`POST /api/v2/Notifications`): a code the Backbone turns into a
//! push notification, in the recipients' languages, to the devices of related identities.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendNotificationRequest {
    /// Addresses, checked by the Backbone.
    pub recipients: Vec<String>,
    /// One of the codes the Backbone is configured with.
    pub code: String,
}
