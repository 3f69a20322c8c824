//! `Notification` and its items: what one identity tells a peer about shared attributes.

use serde::Serialize;
use serde_json::Value;

use crate::attributes::Attribute;
use crate::parse::{Class, Fields, Result, Union, parse_union};
use crate::requests::not_empty;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Notification {
    pub id: String,
    pub items: Vec<NotificationItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(tag = "@type")]
pub enum NotificationItem {
    PeerAttributeSucceededNotificationItem(PeerAttributeSucceededNotificationItem),
    OwnAttributeDeletedByOwnerNotificationItem(AttributeIdNotificationItem),
    PeerRelationshipAttributeDeletedByPeerNotificationItem(AttributeIdNotificationItem),
    ForwardedAttributeDeletedByPeerNotificationItem(AttributeIdNotificationItem),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PeerAttributeSucceededNotificationItem {
    pub predecessor_id: String,
    pub successor_id: String,
    pub successor_content: Attribute,
}

/// The three deletion notices: only the id of the attribute concerned.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AttributeIdNotificationItem {
    pub attribute_id: String,
}

impl Union for NotificationItem {
    fn parse_member(type_name: &str, value: &Value) -> Option<Result<Self>> {
        use NotificationItem as N;
        let deleted = |class: &'static str| -> Result<AttributeIdNotificationItem> {
            let f = Fields::of(class, value)?;
            Ok(AttributeIdNotificationItem {
                attribute_id: f.core_string("attributeId", "CoreId")?,
            })
        };
        Some(match type_name {
            "PeerAttributeSucceededNotificationItem" => {
                Fields::of("PeerAttributeSucceededNotificationItem", value).and_then(|f| {
                    Ok(N::PeerAttributeSucceededNotificationItem(
                        PeerAttributeSucceededNotificationItem {
                            predecessor_id: f.core_string("predecessorId", "CoreId")?,
                            successor_id: f.core_string("successorId", "CoreId")?,
                            successor_content: f.union(
                                "successorContent",
                                "(IdentityAttribute|RelationshipAttribute)",
                            )?,
                        },
                    ))
                })
            }
            "OwnAttributeDeletedByOwnerNotificationItem" => {
                deleted("OwnAttributeDeletedByOwnerNotificationItem")
                    .map(N::OwnAttributeDeletedByOwnerNotificationItem)
            }
            "PeerRelationshipAttributeDeletedByPeerNotificationItem" => {
                deleted("PeerRelationshipAttributeDeletedByPeerNotificationItem")
                    .map(N::PeerRelationshipAttributeDeletedByPeerNotificationItem)
            }
            "ForwardedAttributeDeletedByPeerNotificationItem" => {
                deleted("ForwardedAttributeDeletedByPeerNotificationItem")
                    .map(N::ForwardedAttributeDeletedByPeerNotificationItem)
            }
            _ => return None,
        })
    }
}

impl Notification {
    /// The notification as a top-level content, with `@type`.
    pub fn to_json(&self) -> Value {
        crate::to_typed_json(Self::NAME, self)
    }
}

impl Class for Notification {
    const NAME: &'static str = "Notification";
    fn parse(value: &Value) -> Result<Self> {
        let f = Fields::of(Self::NAME, value)?;
        let id = f.core_string("id", "CoreId")?;
        let items = f.array("items")?;
        let items = f.items("items", items, "NotificationItem", |v| {
            parse_union(Self::NAME, "items[]", v, "NotificationItem")
        })?;
        f.check("items", "Array", items.as_slice(), not_empty)?;
        Ok(Self { id, items })
    }
}
