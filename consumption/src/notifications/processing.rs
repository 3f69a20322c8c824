//! What each notification item means to the receiver (the runtime's item processors): its
//! prerequisites, its effect on the attributes, and its event.
//!
//! - `PeerAttributeSucceededNotificationItem`: the peer's attribute gets the successor the
//!   peer created, under the peer's id (`consumption.attributeSucceeded`).
//! - `OwnAttributeDeletedByOwnerNotificationItem`: the peer deleted its attribute; our copy and
//!   its predecessors are `DeletedByEmitter` (`consumption.ownAttributeDeletedByOwner`).
//! - `PeerRelationshipAttributeDeletedByPeerNotificationItem`: the peer deleted its copy of our
//!   relationship attribute (`DeletedByRecipient`) or of a third party's (`DeletedByEmitter`)
//!   (`consumption.peerRelationshipAttributeDeletedByPeer`).
//! - `ForwardedAttributeDeletedByPeerNotificationItem`: the peer deleted what we forwarded;
//!   the forwarding records to it are `DeletedByRecipient`
//!   (`consumption.forwardedAttributeDeletedByPeer`).
//!
//! Items work on a [`Draft`], never on the store: a later item sees what an earlier one did,
//! and nothing is written unless every item succeeds. The attribute is never deleted here,
//! only marked (quirk 9).
//!
//! Where the runtime marks the forwards of an attribute's predecessors it takes the first
//! record of each version, of any status, and fails the notification for a version never
//! forwarded to the peer; here every record the peer still holds is marked and a version
//! without one is left alone. A successor id that is no attribute id is refused as an invalid
//! successor.

use crate::attributes::create::core_error;
use crate::attributes::succession::{check_succession, owner_of, trim};
use crate::attributes::{
    COLLECTION, FORWARDING_DETAILS, check_attribute_id, new_attribute, stored,
};
use crate::{Consumption, Error, Result};
use content::notifications::{
    AttributeIdNotificationItem, NotificationItem, PeerAttributeSucceededNotificationItem,
};
use runtime_types::CoreDate;
use runtime_types::attributes::{
    AttributeSucceeded, LocalAttributeDeletionInfoDto, LocalAttributeDeletionStatus as Status,
    LocalAttributeDto, LocalAttributeKind as Kind,
};
use runtime_types::events;
use runtime_types::notifications::LocalNotificationDto;
use serde_json::Value;
use std::collections::HashMap;
use store::{Filter, FindOptions};
use transport::Change;

fn wrong_type(id: &str, kinds: &str) -> Error {
    core_error(
        "error.consumption.attributes.wrongTypeOfAttribute",
        &format!("The Attribute {id} is not {kinds}."),
    )
}

fn sender_is_not_peer(sender: &str, id: &str) -> Error {
    core_error(
        "error.consumption.attributes.senderIsNotPeerOfSharedAttribute",
        &format!(
            "The sender (id: '{sender}') of the Notification is not the peer you shared the Attribute (id: '{id}') with."
        ),
    )
}

fn deletion(status: Status) -> LocalAttributeDeletionInfoDto {
    LocalAttributeDeletionInfoDto {
        deletion_status: status,
        deletion_date: CoreDate::now(),
    }
}

fn status_of(attribute: &LocalAttributeDto) -> Option<Status> {
    attribute.deletion_info.as_ref().map(|d| d.deletion_status)
}

/// The effects of a notification's items so far, over the store: the attributes and
/// forwarding records they changed, and their events in order.
pub(crate) struct Draft<'a> {
    consumption: &'a Consumption,
    /// Attributes read or changed so far, by id; `None` for one that does not exist.
    attributes: HashMap<String, Option<LocalAttributeDto>>,
    /// The ids of the changed attributes, in the order of their first change.
    changed: Vec<String>,
    /// Changed forwarding records, by id, in the order of their first change.
    forwards: Vec<(String, Value)>,
    events: Change,
}

impl<'a> Draft<'a> {
    pub(crate) fn new(consumption: &'a Consumption) -> Self {
        Self {
            consumption,
            attributes: HashMap::new(),
            changed: Vec::new(),
            forwards: Vec::new(),
            events: Change::new(),
        }
    }

    /// The writes of every change and the events, in one change.
    pub(crate) fn into_change(mut self) -> Result<Change> {
        let mut change = Change::new();
        for id in &self.changed {
            if let Some(Some(attribute)) = self.attributes.get(id) {
                change.put(COLLECTION, &stored(attribute)?)?;
            }
        }
        for (_, record) in &self.forwards {
            change.put(FORWARDING_DETAILS, record)?;
        }
        change.absorb(std::mem::take(&mut self.events));
        Ok(change)
    }

    async fn attribute(&mut self, id: &str) -> Result<Option<LocalAttributeDto>> {
        if let Some(known) = self.attributes.get(id) {
            return Ok(known.clone());
        }
        let stored = self.consumption.stored_attribute(id).await?;
        self.attributes.insert(id.to_owned(), stored.clone());
        Ok(stored)
    }

    fn save(&mut self, attribute: &LocalAttributeDto) {
        if !self.changed.contains(&attribute.id) {
            self.changed.push(attribute.id.clone());
        }
        self.attributes
            .insert(attribute.id.clone(), Some(attribute.clone()));
    }

    /// The chain of predecessors, nearest first. A missing link fails, as in the runtime.
    async fn predecessors(
        &mut self,
        attribute: &LocalAttributeDto,
    ) -> Result<Vec<LocalAttributeDto>> {
        let mut chain: Vec<LocalAttributeDto> = Vec::new();
        let mut previous = attribute.succeeds.clone();
        while let Some(id) = previous {
            if id == attribute.id || chain.iter().any(|p| p.id == id) {
                break;
            }
            let predecessor = self
                .attribute(&id)
                .await?
                .ok_or(Error::NotFound("LocalAttribute"))?;
            previous = predecessor.succeeds.clone();
            chain.push(predecessor);
        }
        Ok(chain)
    }

    /// The forwarding records of `attribute_id` to `peer`, as changed so far.
    async fn forwards(&mut self, attribute_id: &str, peer: &str) -> Result<Vec<Value>> {
        let records = self
            .consumption
            .transport
            .store()
            .find(
                FORWARDING_DETAILS,
                &Filter::eq("attributeId", attribute_id).and(Filter::eq("peer", peer)),
                &FindOptions::default(),
            )
            .await?;
        Ok(records
            .into_iter()
            .map(|record| {
                let id = record["id"].as_str().unwrap_or_default();
                self.forwards
                    .iter()
                    .find(|(changed, _)| changed == id)
                    .map(|(_, changed)| changed.clone())
                    .unwrap_or(record)
            })
            .collect())
    }

    fn save_forward(&mut self, record: Value) {
        let id = record["id"].as_str().unwrap_or_default().to_owned();
        match self.forwards.iter_mut().find(|(changed, _)| *changed == id) {
            Some((_, changed)) => *changed = record,
            None => self.forwards.push((id, record)),
        }
    }

    /// Whether `peer` still holds `attribute_id` by a forward.
    async fn forwarded_to(&mut self, attribute_id: &str, peer: &str) -> Result<bool> {
        Ok(self
            .forwards(attribute_id, peer)
            .await?
            .iter()
            .any(|r| r["deletionInfo"]["deletionStatus"] != "DeletedByRecipient"))
    }

    /// The attribute as its event shows it: with its forwards counted where its kind shows
    /// them (items change forwarding records but never add or remove one).
    async fn shown(&self, mut attribute: LocalAttributeDto) -> Result<LocalAttributeDto> {
        self.consumption
            .count_forwards(std::slice::from_mut(&mut attribute))
            .await?;
        Ok(attribute)
    }

    /// Marks `attribute` and its predecessors with `status`, except those `keep` keeps;
    /// returns the attribute as its event shows it.
    async fn mark_with_predecessors(
        &mut self,
        mut attribute: LocalAttributeDto,
        status: Status,
        keep: fn(&LocalAttributeDto) -> bool,
    ) -> Result<LocalAttributeDto> {
        let mut predecessors = self.predecessors(&attribute).await?;
        let info = deletion(status);
        for version in std::iter::once(&mut attribute).chain(predecessors.iter_mut()) {
            if !keep(version) {
                version.deletion_info = Some(info.clone());
                self.save(version);
            }
        }
        self.shown(attribute).await
    }

    /// Checks one item's prerequisites and, when they hold, adds its effects and its event.
    pub(crate) async fn apply(
        &mut self,
        item: &NotificationItem,
        notification: &LocalNotificationDto,
    ) -> Result<()> {
        let sender = notification.peer.as_str();
        match item {
            NotificationItem::PeerAttributeSucceededNotificationItem(item) => {
                self.peer_attribute_succeeded(item, &notification.id, sender)
                    .await
            }
            NotificationItem::OwnAttributeDeletedByOwnerNotificationItem(item) => {
                self.own_attribute_deleted_by_owner(item, sender).await
            }
            NotificationItem::PeerRelationshipAttributeDeletedByPeerNotificationItem(item) => {
                self.peer_relationship_attribute_deleted_by_peer(item, sender)
                    .await
            }
            NotificationItem::ForwardedAttributeDeletedByPeerNotificationItem(item) => {
                self.forwarded_attribute_deleted_by_peer(item, sender).await
            }
        }
    }

    /// The peer succeeded its attribute: our copy gets the successor, under the peer's id,
    /// with the notification as its source.
    async fn peer_attribute_succeeded(
        &mut self,
        item: &PeerAttributeSucceededNotificationItem,
        notification_id: &str,
        sender: &str,
    ) -> Result<()> {
        use content::Attribute as A;
        if owner_of(&item.successor_content) != sender {
            return Err(core_error(
                "error.consumption.attributes.successionPeerIsNotOwner",
                "The peer of the succeeded Attribute is not its owner. This may be an attempt of spoofing.",
            ));
        }
        let Some(mut predecessor) = self.attribute(&item.predecessor_id).await? else {
            return Err(core_error(
                "error.consumption.attributes.predecessorDoesNotExist",
                "The predecessor does not exist.",
            ));
        };
        let content_type_kept = match (&predecessor.kind, &item.successor_content) {
            (Kind::PeerIdentityAttribute, content) => matches!(content, A::IdentityAttribute(_)),
            (Kind::PeerRelationshipAttribute, content) => {
                matches!(content, A::RelationshipAttribute(_))
            }
            _ => {
                return Err(wrong_type(
                    &item.predecessor_id,
                    "a PeerIdentityAttribute or a PeerRelationshipAttribute",
                ));
            }
        };
        if !content_type_kept {
            return Err(core_error(
                "error.consumption.attributes.successionMustNotChangeContentType",
                "The successor Attribute's content type does not match that of the predecessor. An Attribute succession must not change the Attribute's content type, i.e. an IdentityAttribute must not be succeeded by a RelationshipAttribute and v.v.",
            ));
        }
        if check_attribute_id(&item.successor_id).is_err() {
            return Err(core_error(
                "error.consumption.attributes.successorIsNotAValidAttribute",
                "Validation failed during creation of successor.",
            ));
        }
        if let (A::RelationshipAttribute(before), A::RelationshipAttribute(after)) =
            (&predecessor.content, &item.successor_content)
            && before.key != after.key
        {
            return Err(core_error(
                "error.consumption.attributes.successionMustNotChangeKey",
                "The predecessor RelationshipAttribute's key does not match that of the successor. The succession of a RelationshipAttribute must not change the key.",
            ));
        }
        if status_of(&predecessor) == Some(Status::DeletedByEmitter) {
            return Err(core_error(
                "error.consumption.attributes.cannotSucceedSharedAttributesDeletedByPeer",
                "You cannot succeed shared Attributes that are already deleted by the peer.",
            ));
        }
        let exists = self.attribute(&item.successor_id).await?.is_some();
        let mut successor = new_attribute(
            predecessor.kind,
            Some(item.successor_id.clone()),
            item.successor_content.clone(),
            predecessor.peer.clone(),
            Some(notification_id.to_owned()),
        )?;
        successor.succeeds = Some(predecessor.id.clone());
        check_succession(&predecessor, &successor, exists)?;
        successor.content = trim(successor.content)?;
        predecessor.succeeded_by = Some(successor.id.clone());
        self.save(&predecessor);
        self.save(&successor);
        let predecessor = self.shown(predecessor).await?;
        self.events.event(
            events::ATTRIBUTE_SUCCEEDED,
            &AttributeSucceeded {
                predecessor,
                successor,
            },
        )
    }

    /// The owner deleted its attribute: our copy and its predecessors are deleted by the
    /// emitter, unless already so or about to be deleted.
    async fn own_attribute_deleted_by_owner(
        &mut self,
        item: &AttributeIdNotificationItem,
        sender: &str,
    ) -> Result<()> {
        let Some(attribute) = self.attribute(&item.attribute_id).await? else {
            return Ok(());
        };
        if !matches!(
            attribute.kind,
            Kind::PeerIdentityAttribute
                | Kind::PeerRelationshipAttribute
                | Kind::ThirdPartyRelationshipAttribute
        ) {
            return Err(wrong_type(
                &item.attribute_id,
                "a PeerIdentityAttribute, a PeerRelationshipAttribute or a ThirdPartyRelationshipAttribute",
            ));
        }
        if attribute.peer.as_deref() != Some(sender) {
            return Err(sender_is_not_peer(sender, &item.attribute_id));
        }
        if status_of(&attribute) == Some(Status::ToBeDeleted) {
            return Ok(());
        }
        let shown = self
            .mark_with_predecessors(attribute, Status::DeletedByEmitter, |a| {
                matches!(
                    status_of(a),
                    Some(Status::DeletedByEmitter | Status::ToBeDeleted)
                )
            })
            .await?;
        self.events
            .event(events::OWN_ATTRIBUTE_DELETED_BY_OWNER, &shown)
    }

    /// The peer deleted its copy of a relationship attribute we hold with it: ours (and its
    /// predecessors) are deleted by the recipient, a third party's deleted by the emitter.
    async fn peer_relationship_attribute_deleted_by_peer(
        &mut self,
        item: &AttributeIdNotificationItem,
        sender: &str,
    ) -> Result<()> {
        let Some(attribute) = self.attribute(&item.attribute_id).await? else {
            return Ok(());
        };
        let status = match attribute.kind {
            Kind::OwnRelationshipAttribute => Status::DeletedByRecipient,
            Kind::ThirdPartyRelationshipAttribute => Status::DeletedByEmitter,
            _ => {
                return Err(wrong_type(
                    &item.attribute_id,
                    "an OwnRelationshipAttribute or a ThirdPartyRelationshipAttribute",
                ));
            }
        };
        if attribute.peer.as_deref() != Some(sender) {
            return Err(sender_is_not_peer(sender, &item.attribute_id));
        }
        let shown = self
            .mark_with_predecessors(attribute, status, |_| false)
            .await?;
        self.events
            .event(events::PEER_RELATIONSHIP_ATTRIBUTE_DELETED_BY_PEER, &shown)
    }

    /// The peer deleted what we forwarded to it: the forwards of the attribute and its
    /// predecessors to the peer are deleted by the recipient.
    async fn forwarded_attribute_deleted_by_peer(
        &mut self,
        item: &AttributeIdNotificationItem,
        sender: &str,
    ) -> Result<()> {
        let Some(attribute) = self.attribute(&item.attribute_id).await? else {
            return Ok(());
        };
        if !attribute.kind.counts_forwards() {
            return Err(wrong_type(
                &item.attribute_id,
                "an OwnIdentityAttribute, an OwnRelationshipAttribute or a PeerRelationshipAttribute",
            ));
        }
        if !self.forwarded_to(&attribute.id, sender).await? {
            return Err(sender_is_not_peer(sender, &item.attribute_id));
        }
        let info = serde_json::to_value(deletion(Status::DeletedByRecipient))
            .map_err(|e| Error::Internal(e.to_string()))?;
        let versions =
            std::iter::once(attribute.clone()).chain(self.predecessors(&attribute).await?);
        for version in versions.collect::<Vec<_>>() {
            for mut record in self.forwards(&version.id, sender).await? {
                if record["deletionInfo"]["deletionStatus"] != "DeletedByRecipient" {
                    record["deletionInfo"] = info.clone();
                    self.save_forward(record);
                }
            }
        }
        let shown = self.shown(attribute).await?;
        self.events
            .event(events::FORWARDED_ATTRIBUTE_DELETED_BY_PEER, &shown)
    }
}
