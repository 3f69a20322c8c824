//! Backbone notifications: the `SendBackboneNotificationRequest` body.

use serde::{Deserialize, Serialize};

/// `POST /BackboneNotifications`: `recipients` are addresses; both fields are required and no
/// other is allowed, as in the official schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct SendBackboneNotificationRequest {
    pub recipients: Vec<String>,
    pub code: String,
}
