//! Succeeding an own identity attribute (`POST /Attributes/{id}/Succeed` for an identity
//! attribute; for an own relationship attribute the peer of its relationship is told at once
//! by a notification): the successor is a new version with the same owner and value type, the
//! predecessor points to it, and both are written with `consumption.attributeSucceeded` in one
//! batch. Peers learn of it only through `POST /Attributes/{id}/NotifyPeer`, which forwards the
//! successor to a peer holding an older version with a `PeerAttributeSucceededNotificationItem`.
//! The rules every succession keeps ([`check_succession`]) are shared with the successions
//! peers announce by notification.
//!
//! Where the runtime *returns* a succession rule's error (and the official Connector then
//! answers 500 `error.connector.unexpected`), this answers 400 with the rule's own code.

use super::create::core_error;
use super::{COLLECTION, OWN_IDENTITY, characters, check_attribute_id, stored};
use crate::{Consumption, Error, Result};
use runtime_types::attributes::{
    AttributeSucceeded, LocalAttributeDeletionStatus, LocalAttributeDto, LocalAttributeKind,
    SucceedAttributeResponse,
};
use runtime_types::events;
use runtime_types::request_schema::{Kind, ObjectSchema};
use serde_json::{Value, json};
use transport::Change;

const SUCCESSOR_CONTENT: ObjectSchema<'static> = ObjectSchema {
    properties: &[("value", Kind::Any), ("tags", Kind::Strings)],
    required: &["value"],
};

/// `NotifyPeerAboutOwnIdentityAttributeSuccessionRequest`: the path's id and the body's peer.
const NOTIFY_PEER_REQUEST: ObjectSchema<'static> = ObjectSchema {
    properties: &[("attributeId", Kind::Id("ATT")), ("peer", Kind::Address)],
    required: &["attributeId", "peer"],
};

/// `SucceedRelationshipAttributeAndNotifyPeerRequest` without `predecessorId`: only a value.
const RELATIONSHIP_SUCCESSOR_CONTENT: ObjectSchema<'static> = ObjectSchema {
    properties: &[("value", Kind::Any)],
    required: &["value"],
};

const RELATIONSHIP_REQUEST: ObjectSchema<'static> = ObjectSchema {
    properties: &[(
        "successorContent",
        Kind::Object(&RELATIONSHIP_SUCCESSOR_CONTENT),
    )],
    required: &["successorContent"],
};

/// `SucceedOwnIdentityAttributeRequest` without `predecessorId`, which the path carries.
const REQUEST: ObjectSchema<'static> = ObjectSchema {
    properties: &[("successorContent", Kind::Object(&SUCCESSOR_CONTENT))],
    required: &["successorContent"],
};

fn rule(code: &'static str, message: &str) -> Error {
    core_error(code, message)
}

impl Consumption {
    /// `POST /Attributes/{predecessorId}/Succeed`.
    pub async fn succeed_attribute(
        &self,
        predecessor_id: &str,
        body: &Value,
    ) -> Result<SucceedAttributeResponse> {
        let predecessor = match check_attribute_id(predecessor_id) {
            Ok(()) => self.stored_attribute(predecessor_id).await?,
            Err(_) => None,
        }
        .ok_or_else(|| {
            Error::rule(
                "error.runtime.recordNotFound",
                format!("Predecessor attribute '{predecessor_id}' not found."),
            )
        })?;
        if matches!(
            predecessor.content,
            content::Attribute::RelationshipAttribute(_)
        ) {
            return self
                .succeed_own_relationship_attribute(predecessor, body)
                .await;
        }
        self.succeed_own_identity_attribute(predecessor, body).await
    }

    /// `POST /Attributes/{attributeId}/NotifyPeer`: tells `peer`, which holds an older version
    /// of the own identity attribute, of this version. The message goes first: a forward is
    /// recorded only for a notification that left.
    pub async fn notify_peer_about_succession(
        &self,
        attribute_id: &str,
        body: &Value,
    ) -> Result<SucceedAttributeResponse> {
        let mut request = json!({"attributeId": attribute_id});
        if let Some(peer) = body.get("peer") {
            request["peer"] = peer.clone();
        }
        NOTIFY_PEER_REQUEST
            .check(&request)
            .map_err(Error::invalid)?;
        let peer = body["peer"].as_str().unwrap_or_default();
        let attribute = self
            .stored_attribute(attribute_id)
            .await?
            .ok_or_else(super::not_found)?;
        if attribute.kind != OWN_IDENTITY {
            return Err(Error::rule(
                "error.runtime.attributes.isNotOwnIdentityAttribute",
                format!("The Attribute '{attribute_id}' is not an OwnIdentityAttribute."),
            ));
        }
        let versions = self.attribute_versions(attribute_id).await?;
        let held = self.held_by(peer).await?;
        let Some(latest_held) = versions.iter().position(|v| held.contains(&v.id)) else {
            return Err(Error::rule(
                "error.runtime.attributes.peerHasNoPreviousVersionOfAttribute",
                format!(
                    "The peer '{peer}' doesn't have any previous version of the Attribute '{attribute_id}'. Either you haven't shared it before or the peer has deleted it."
                ),
            ));
        };
        let position = versions
            .iter()
            .position(|v| v.id == attribute_id)
            .unwrap_or_default();
        let predecessor = versions[latest_held].clone();
        if latest_held == position {
            return Err(Error::rule(
                "error.runtime.attributes.ownIdentityAttributeHasAlreadyBeenSharedWithPeer",
                format!(
                    "The OwnIdentityAttribute '{attribute_id}' has already been shared with peer '{peer}'.'."
                ),
            ));
        }
        if latest_held < position {
            return Err(Error::rule(
                "error.runtime.attributes.successorOfOwnIdentityAttributeHasAlreadyBeenSharedWithPeer",
                format!(
                    "A successor '{}' of the OwnIdentityAttribute '{attribute_id}' has already been shared with peer '{peer}'.'.",
                    predecessor.id
                ),
            ));
        }
        let notification_id = wire::AnyId::generate("NOT")?.to_string();
        let notification = content::Notification {
            id: notification_id.clone(),
            items: vec![
                content::notifications::NotificationItem::PeerAttributeSucceededNotificationItem(
                    content::notifications::PeerAttributeSucceededNotificationItem {
                        predecessor_id: predecessor.id.clone(),
                        successor_id: attribute.id.clone(),
                        successor_content: attribute.content.clone(),
                    },
                ),
            ],
        };
        self.transport
            .send_message(runtime_types::messages::SendMessageRequest {
                recipients: vec![peer.to_owned()],
                content: notification.to_json(),
                attachments: None,
            })
            .await?;
        let mut change = Change::new();
        let successor =
            super::put_forward(&mut change, &versions[position], peer, &notification_id)?;
        self.transport.commit(change).await?;
        Ok(SucceedAttributeResponse {
            predecessor,
            successor,
            notification_id: Some(notification_id),
        })
    }

    /// `SucceedRelationshipAttributeAndNotifyPeer`: only the value changes; the successor is
    /// written with its event, then the relationship's peer is told by a notification whose id
    /// is the successor's `sourceReference`.
    async fn succeed_own_relationship_attribute(
        &self,
        mut predecessor: LocalAttributeDto,
        body: &Value,
    ) -> Result<SucceedAttributeResponse> {
        RELATIONSHIP_REQUEST.check(body).map_err(Error::invalid)?;
        let content::Attribute::RelationshipAttribute(previous) = &predecessor.content else {
            return Err(Error::Internal(
                "a relationship attribute was expected".into(),
            ));
        };
        if predecessor.kind != LocalAttributeKind::OwnRelationshipAttribute {
            return Err(Error::rule(
                "error.runtime.attributes.isNotOwnRelationshipAttribute",
                format!(
                    "The Attribute '{}' is not an OwnRelationshipAttribute.",
                    predecessor.id
                ),
            ));
        }
        let json = json!({
            "@type": "RelationshipAttribute",
            "owner": previous.owner,
            "key": previous.key,
            "isTechnical": previous.is_technical,
            "confidentiality": previous.confidentiality,
            "value": body["successorContent"]["value"],
        });
        let successor_content = content::parse_relationship_attribute(&json).map_err(|e| {
            tracing::debug!(reason = %e.message, "the successor is not a valid attribute");
            rule(
                "error.consumption.attributes.successorIsNotAValidAttribute",
                "Validation failed during creation of successor.",
            )
        })?;
        let peer = predecessor.peer.clone().unwrap_or_default();
        let notification_id = wire::AnyId::generate("NOT")?.to_string();
        let mut successor = super::new_attribute(
            LocalAttributeKind::OwnRelationshipAttribute,
            None,
            content::Attribute::RelationshipAttribute(successor_content),
            Some(peer.clone()),
            Some(notification_id.clone()),
        )?;
        successor.succeeds = Some(predecessor.id.clone());
        check_succession(&predecessor, &successor, false)?;
        if predecessor
            .deletion_info
            .as_ref()
            .is_some_and(|i| i.deletion_status == LocalAttributeDeletionStatus::DeletedByRecipient)
        {
            return Err(rule(
                "error.consumption.attributes.cannotSucceedSharedAttributesDeletedByPeer",
                "The shared predecessor has already been deleted by its peer. Therefore, it cannot be succeeded.",
            ));
        }
        predecessor.succeeded_by = Some(successor.id.clone());
        self.count_forwards(std::slice::from_mut(&mut predecessor))
            .await?;
        let mut change = Change::new();
        change.put(COLLECTION, &stored(&successor)?)?;
        change.put(COLLECTION, &stored(&predecessor)?)?;
        change.event(
            events::ATTRIBUTE_SUCCEEDED,
            &AttributeSucceeded {
                predecessor: predecessor.clone(),
                successor: successor.clone(),
            },
        )?;
        self.transport.commit(change).await?;
        let notification = content::Notification {
            id: notification_id.clone(),
            items: vec![
                content::notifications::NotificationItem::PeerAttributeSucceededNotificationItem(
                    content::notifications::PeerAttributeSucceededNotificationItem {
                        predecessor_id: predecessor.id.clone(),
                        successor_id: successor.id.clone(),
                        successor_content: successor.content.clone(),
                    },
                ),
            ],
        };
        self.transport
            .send_message(runtime_types::messages::SendMessageRequest {
                recipients: vec![peer],
                content: notification.to_json(),
                attachments: None,
            })
            .await?;
        Ok(SucceedAttributeResponse {
            predecessor,
            successor,
            notification_id: Some(notification_id),
        })
    }

    async fn succeed_own_identity_attribute(
        &self,
        mut predecessor: LocalAttributeDto,
        body: &Value,
    ) -> Result<SucceedAttributeResponse> {
        REQUEST.check(body).map_err(Error::invalid)?;
        if predecessor.kind != OWN_IDENTITY {
            return Err(Error::rule(
                "error.runtime.attributes.isNotOwnIdentityAttribute",
                format!(
                    "The Attribute '{}' is not an OwnIdentityAttribute.",
                    predecessor.id
                ),
            ));
        }
        let successor_content = &body["successorContent"];
        let mut json = json!({
            "@type": "IdentityAttribute",
            "owner": self.transport.address().as_str(),
            "value": successor_content["value"],
        });
        if let Some(tags) = successor_content.get("tags") {
            json["tags"] = tags.clone();
        }
        let successor = content::parse_identity_attribute(&json).map_err(|e| {
            tracing::debug!(reason = %e.message, "the successor is not a valid attribute");
            rule(
                "error.consumption.attributes.successorIsNotAValidAttribute",
                "Validation failed during creation of successor.",
            )
        })?;
        if let Some(tags) = &successor.tags {
            self.validate_tags(successor.value.type_name(), tags)
                .await?;
        }
        let mut successor = LocalAttributeDto {
            kind: OWN_IDENTITY,
            id: wire::AnyId::generate("ATT")?.to_string(),
            created_at: runtime_types::CoreDate::now(),
            content: content::Attribute::IdentityAttribute(successor),
            succeeds: Some(predecessor.id.clone()),
            succeeded_by: None,
            was_viewed_at: None,
            is_default: predecessor.is_default,
            peer: None,
            source_reference: None,
            deletion_info: None,
            initial_attribute_peer: None,
            number_of_forwards: Some(0),
        };
        check_succession(&predecessor, &successor, false)?;
        successor.content = trim(successor.content)?;
        predecessor.succeeded_by = Some(successor.id.clone());
        predecessor.is_default = None;
        let mut predecessor_dto = predecessor;
        self.count_forwards(std::slice::from_mut(&mut predecessor_dto))
            .await?;
        let response = SucceedAttributeResponse {
            predecessor: predecessor_dto,
            successor,
            notification_id: None,
        };
        let mut change = Change::new();
        change.put(COLLECTION, &stored(&response.successor)?)?;
        change.put(COLLECTION, &stored(&response.predecessor)?)?;
        change.event(
            events::ATTRIBUTE_SUCCEEDED,
            &AttributeSucceeded {
                predecessor: response.predecessor.clone(),
                successor: response.successor.clone(),
            },
        )?;
        self.transport.commit(change).await?;
        Ok(response)
    }
}

/// The runtime's `validateAttributeSuccession`: the rules every succession keeps, in its
/// order. `successor_exists` says whether an attribute with the successor's id is stored.
pub(crate) fn check_succession(
    predecessor: &LocalAttributeDto,
    successor: &LocalAttributeDto,
    successor_exists: bool,
) -> Result<()> {
    use content::Attribute as A;
    if successor_exists {
        return Err(rule(
            "error.consumption.attributes.successorMustNotYetExist",
            "The predecessor Attribute's successor must not exist. It will be created by the succession handlers and must not be created manually.",
        ));
    }
    if let Some(next) = &predecessor.succeeded_by {
        return Err(rule(
            "error.consumption.attributes.cannotSucceedAttributesWithASuccessor",
            &format!(
                "The Attribute you want to succeed has a successor (id: {next}). You cannot succeed Attributes with a successor. Instead, succeed the successor."
            ),
        ));
    }
    if predecessor.content == successor.content {
        return Err(rule(
            "error.consumption.attributes.successionMustChangeContent",
            "The content of the successor matches that of the predecessor. An Attribute succession must change the Attribute's content.",
        ));
    }
    if owner_of(&predecessor.content) != owner_of(&successor.content) {
        return Err(rule(
            "error.consumption.attributes.successionMustNotChangeOwner",
            "The successor Attribute's owner does not match that of the predecessor. An Attribute succession must not change the Attribute's owner.",
        ));
    }
    let (value_type, next_value_type, value, skip): (_, _, _, &[&str]) = match (
        &predecessor.content,
        &successor.content,
    ) {
        (A::IdentityAttribute(p), A::IdentityAttribute(s)) => (
            p.value.type_name(),
            s.value.type_name(),
            serde_json::to_value(&s.value),
            &[],
        ),
        (A::RelationshipAttribute(p), A::RelationshipAttribute(s)) => (
            p.value.type_name(),
            s.value.type_name(),
            serde_json::to_value(&s.value),
            &["title", "description"],
        ),
        _ => {
            return Err(rule(
                "error.consumption.attributes.successionMustNotChangeContentType",
                "The successor Attribute's content type does not match that of the predecessor. An Attribute succession must not change the Attribute's content type, i.e. an IdentityAttribute must not be succeeded by a RelationshipAttribute and v.v.",
            ));
        }
    };
    if value_type != next_value_type {
        return Err(rule(
            "error.consumption.attributes.successionMustNotChangeValueType",
            "The successor Attribute's value type does not match that of the predecessor. An Attribute succession must not change the Attribute's value type.",
        ));
    }
    let value = value.map_err(|e| Error::Internal(e.to_string()))?;
    if !characters::allowed(&value, skip) {
        return Err(rule(
            "error.consumption.attributes.forbiddenCharactersInAttribute",
            "The successor contains forbidden characters.",
        ));
    }
    Ok(())
}

/// Who owns an attribute content.
pub(crate) fn owner_of(attribute: &content::Attribute) -> &str {
    match attribute {
        content::Attribute::IdentityAttribute(a) => &a.owner,
        content::Attribute::RelationshipAttribute(a) => &a.owner,
    }
}

/// The runtime trims the top-level strings of an identity attribute's value before storing a
/// successor; a relationship attribute is kept as it is.
pub(crate) fn trim(attribute: content::Attribute) -> Result<content::Attribute> {
    let content::Attribute::IdentityAttribute(attribute) = attribute else {
        return Ok(attribute);
    };
    let mut json = serde_json::to_value(&attribute).map_err(|e| Error::Internal(e.to_string()))?;
    if let Some(entries) = json.get_mut("value").and_then(Value::as_object_mut) {
        for entry in entries.values_mut() {
            if let Value::String(text) = entry {
                *text = text.trim().to_owned();
            }
        }
    }
    json["@type"] = json!("IdentityAttribute");
    content::parse_identity_attribute(&json)
        .map(content::Attribute::IdentityAttribute)
        .map_err(|e| Error::Internal(e.message))
}
