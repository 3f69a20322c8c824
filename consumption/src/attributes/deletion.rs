//! Deleting an attribute (`DELETE /Attributes/{id}`): the attribute and all its predecessors
//! go (each with `consumption.attributeDeleted`), its successor forgets it, and every peer that
//! holds it or one of its predecessors is told by a notification. Forwarding records stay, as
//! the runtime keeps them.

use super::{COLLECTION, check_attribute_id, not_found, stored};
use crate::{Consumption, Error, Result};
use runtime_types::attributes::{DeleteAttributeResponse, LocalAttributeDto, LocalAttributeKind};
use runtime_types::events;
use runtime_types::messages::SendMessageRequest;
use serde_json::json;
use store::{Filter, FindOptions};
use transport::Change;

/// The notification item that tells a peer of the deletion, by the attribute's kind.
fn notification_item(kind: LocalAttributeKind) -> &'static str {
    match kind {
        LocalAttributeKind::OwnIdentityAttribute | LocalAttributeKind::OwnRelationshipAttribute => {
            "OwnAttributeDeletedByOwnerNotificationItem"
        }
        LocalAttributeKind::PeerRelationshipAttribute => {
            "PeerRelationshipAttributeDeletedByPeerNotificationItem"
        }
        LocalAttributeKind::PeerIdentityAttribute
        | LocalAttributeKind::ThirdPartyRelationshipAttribute => {
            "ForwardedAttributeDeletedByPeerNotificationItem"
        }
    }
}

impl Consumption {
    /// The peers an attribute was forwarded to and that still hold it.
    async fn forwarding_peers(&self, attribute_id: &str) -> Result<Vec<String>> {
        Ok(self
            .live_forwards(&Filter::eq("attributeId", attribute_id))
            .await?
            .iter()
            .filter_map(|r| r["peer"].as_str().map(str::to_owned))
            .collect())
    }

    /// Who must hear of the deletion of `attribute`.
    async fn peers_holding(&self, attribute: &LocalAttributeDto) -> Result<Vec<String>> {
        let mut peers = Vec::new();
        if matches!(
            attribute.kind,
            LocalAttributeKind::OwnIdentityAttribute
                | LocalAttributeKind::OwnRelationshipAttribute
                | LocalAttributeKind::PeerRelationshipAttribute
        ) {
            peers.extend(self.forwarding_peers(&attribute.id).await?);
        }
        if attribute.kind != LocalAttributeKind::OwnIdentityAttribute {
            peers.extend(attribute.peer.clone());
        }
        peers.dedup();
        Ok(peers)
    }

    /// Keeps the peers that can still be told: a relationship that is Pending, Active or
    /// Terminated and whose peer is not deleted. A pending one stops the deletion.
    async fn reachable(&self, attribute_id: &str, peers: Vec<String>) -> Result<Vec<String>> {
        let mut reachable = Vec::new();
        for peer in peers {
            let relationships = self
                .transport
                .store()
                .find(
                    transport::relationships::COLLECTION,
                    &Filter::eq("peer", peer.as_str()),
                    &FindOptions::default(),
                )
                .await?;
            for relationship in relationships {
                let status = relationship["status"].as_str().unwrap_or_default();
                let peer_deleted = relationship["peerDeletionInfo"]["deletionStatus"] == "Deleted";
                if status == "Pending" {
                    return Err(Error::rule(
                        "error.runtime.attributes.cannotDeleteSharedAttributeWhileRelationshipIsPending",
                        format!(
                            "The shared Attribute '{attribute_id}' cannot be deleted while the Relationship to a peer is in status 'Pending'. If you want to delete it now, you'll have to accept, reject or revoke the pending Relationship."
                        ),
                    ));
                }
                if matches!(status, "Active" | "Terminated") && !peer_deleted {
                    reachable.push(peer.clone());
                    break;
                }
            }
        }
        Ok(reachable)
    }

    /// `DELETE /Attributes/{id}`.
    pub async fn delete_attribute(&self, id: &str) -> Result<DeleteAttributeResponse> {
        check_attribute_id(id)?;
        let attribute = self.stored_attribute(id).await?.ok_or_else(not_found)?;
        let successor = match &attribute.succeeded_by {
            Some(next) => Some(self.stored_attribute(next).await?.ok_or_else(|| {
                Error::rule(
                    "error.consumption.attributes.successorDoesNotExist",
                    "The successor does not exist.",
                )
            })?),
            None => None,
        };
        let predecessors = self.predecessors(&attribute).await?;

        let to_tell = self
            .reachable(id, self.peers_holding(&attribute).await?)
            .await?;
        // Peers that hold only a predecessor hear of that predecessor.
        let mut predecessor_peers: Vec<(String, String)> = Vec::new();
        if attribute.kind.counts_forwards() {
            for p in &predecessors {
                let peers = self
                    .reachable(id, self.forwarding_peers(&p.id).await?)
                    .await?;
                for peer in peers {
                    let known = to_tell.contains(&peer)
                        || predecessor_peers.iter().any(|(q, _)| *q == peer);
                    if !known {
                        predecessor_peers.push((peer, p.id.clone()));
                    }
                }
            }
        }

        let mut change = Change::new();
        if let Some(mut successor) = successor {
            successor.succeeds = None;
            change.put(COLLECTION, &stored(&successor)?)?;
        }
        for p in &predecessors {
            change.delete(COLLECTION, &p.id);
            change.event(events::ATTRIBUTE_DELETED, p)?;
        }
        change.delete(COLLECTION, id);
        change.event(events::ATTRIBUTE_DELETED, &attribute)?;
        self.transport.commit(change).await?;

        let item = notification_item(attribute.kind);
        let mut notification_ids = Vec::new();
        let targets = to_tell
            .into_iter()
            .map(|peer| (peer, attribute.id.clone()))
            .chain(predecessor_peers);
        for (peer, attribute_id) in targets {
            let notification_id = wire::AnyId::generate("NOT")?.to_string();
            let content = json!({
                "@type": "Notification",
                "id": notification_id,
                "items": [{"@type": item, "attributeId": attribute_id}],
            });
            self.transport
                .send_message(SendMessageRequest {
                    recipients: vec![peer],
                    content,
                    attachments: None,
                })
                .await?;
            notification_ids.push(notification_id);
        }
        Ok(DeleteAttributeResponse { notification_ids })
    }
}
