//! `DeleteAttributeRequestItem`: the owner of an attribute asks a peer who holds a copy to
//! delete it. Nothing is deleted by the request itself: the peer marks its copy (and the
//! copy's predecessors) `ToBeDeleted` by a date it chooses, and the requester records, on its
//! forwards to the peer (or on an own relationship attribute whose peer it is), that the
//! deletion was requested, agreed (`ToBeDeletedByRecipient`) or refused
//! (`DeletionRequestRejected`).

use super::{Check, ItemParams, Refusal, thrown};
use crate::attributes::{COLLECTION, FORWARDING_DETAILS, stored};
use crate::requests::LocalRequest;
use crate::{Consumption, Result};
use content::requests::items::DeleteAttributeRequestItem;
use content::requests::response::{
    AcceptResponseItem, DeleteAttributeAcceptResponseItem, ResponseItem, ResponseItemResult,
};
use runtime_types::CoreDate;
use runtime_types::attributes::{
    LocalAttributeDeletionInfoDto, LocalAttributeDeletionStatus as Status, LocalAttributeDto,
    LocalAttributeKind as Kind,
};
use serde_json::Value;
use store::{Filter, FindOptions};
use transport::Change;

/// Whether a forward or own relationship attribute's peer has deleted it or agreed to.
fn gone_or_going(info: Option<&Value>) -> bool {
    matches!(
        info.and_then(|i| i["deletionStatus"].as_str()),
        Some("DeletedByRecipient" | "ToBeDeletedByRecipient")
    )
}

impl Consumption {
    /// The attribute and every version before it, newest first.
    async fn with_predecessors(
        &self,
        attribute: LocalAttributeDto,
    ) -> Result<Vec<LocalAttributeDto>> {
        let predecessors = self.predecessors(&attribute).await?;
        Ok(std::iter::once(attribute).chain(predecessors).collect())
    }

    /// Whether `attribute` is forwarded to `peer` and the peer has neither deleted it nor
    /// agreed to delete it.
    async fn held_by_peer(&self, attribute_id: &str, peer: &str) -> Result<bool> {
        let records = self
            .transport
            .store()
            .find(
                FORWARDING_DETAILS,
                &Filter::eq("attributeId", attribute_id).and(Filter::eq("peer", peer)),
                &FindOptions::default(),
            )
            .await?;
        Ok(records
            .iter()
            .any(|r| !gone_or_going(r.get("deletionInfo"))))
    }

    pub(super) async fn can_create_delete_item(
        &self,
        item: &DeleteAttributeRequestItem,
        recipient: Option<&str>,
    ) -> Check {
        let id = &item.attribute_id;
        let Some(attribute) = self.stored_attribute(id).await.map_err(thrown)? else {
            return Err(Refusal::item(format!(
                "The Attribute '{id}' could not be found."
            )));
        };
        let Some(recipient) = recipient else {
            return Err(Refusal::item(
                "The recipient must be specified when sending a DeleteAttributeRequestItem.",
            ));
        };
        if !attribute.kind.counts_forwards() {
            return Err(Refusal::item(format!(
                "The Attribute '{id}' is not an OwnIdentityAttribute, an OwnRelationshipAttribute or a PeerRelationshipAttribute. You can only request the deletion of such Attributes."
            )));
        }
        let held = self.held_by_peer(id, recipient).await.map_err(thrown)?;
        let own_not_held = match attribute.kind {
            Kind::OwnIdentityAttribute => !held,
            Kind::OwnRelationshipAttribute if attribute.peer.as_deref() == Some(recipient) => {
                let info = serde_json::to_value(&attribute.deletion_info).ok();
                gone_or_going(info.as_ref())
            }
            Kind::OwnRelationshipAttribute => !held,
            _ => false,
        };
        if own_not_held {
            return Err(Refusal::item(
                "The deletion of an own Attribute can only be requested from a peer it is shared with and who hasn't deleted it or agreed to its deletion already.",
            ));
        }
        if attribute.kind == Kind::PeerRelationshipAttribute {
            if attribute.peer.as_deref() == Some(recipient) {
                return Err(Refusal::item(
                    "The deletion of a PeerRelationshipAttribute cannot be requested for the owner.",
                ));
            }
            if !held {
                return Err(Refusal::item(
                    "The deletion of a PeerRelationshipAttribute can only be requested from a third party it is shared with and who hasn't deleted it or agreed to its deletion already.",
                ));
            }
        }
        Ok(())
    }

    pub(super) async fn can_accept_delete_item(
        &self,
        item: &DeleteAttributeRequestItem,
        params: &ItemParams,
        request: &LocalRequest,
    ) -> Check {
        let Some(date) = params.deletion_date.as_deref() else {
            return Err(Refusal::Serval(
                "AcceptDeleteAttributeRequestItemParameters.deletionDate :: Value is not defined"
                    .into(),
            ));
        };
        let Some(attribute) = self
            .stored_attribute(&item.attribute_id)
            .await
            .map_err(thrown)?
        else {
            return Ok(());
        };
        let received = matches!(
            attribute.kind,
            Kind::PeerIdentityAttribute
                | Kind::PeerRelationshipAttribute
                | Kind::ThirdPartyRelationshipAttribute
        );
        if !received || attribute.peer.as_deref() != Some(request.dto.peer.as_str()) {
            return Err(Refusal::item(
                "The recipient isn't the peer of the Attribute and therefore isn't allowed to request the deletion of the Attribute.",
            ));
        }
        let Some(date) = CoreDate::parse(date) else {
            return Err(Refusal::params("The deletionDate is invalid."));
        };
        if date < CoreDate::now() {
            return Err(Refusal::params("The deletionDate must be in the future."));
        }
        Ok(())
    }

    pub(super) async fn accept_delete_item(
        &self,
        item: &DeleteAttributeRequestItem,
        params: &ItemParams,
        change: &mut Change,
    ) -> Result<ResponseItem> {
        let result = ResponseItemResult::Accepted;
        let Some(attribute) = self.stored_attribute(&item.attribute_id).await? else {
            return Ok(ResponseItem::AcceptResponseItem(AcceptResponseItem {
                result,
            }));
        };
        let date = params
            .deletion_date
            .as_deref()
            .and_then(CoreDate::parse)
            .ok_or_else(|| crate::Error::Internal("deletion date checked before".into()))?;
        for mut version in self.with_predecessors(attribute).await? {
            version.deletion_info = Some(LocalAttributeDeletionInfoDto {
                deletion_status: Status::ToBeDeleted,
                deletion_date: date,
            });
            change.put(COLLECTION, &stored(&version)?)?;
        }
        Ok(ResponseItem::DeleteAttributeAcceptResponseItem(
            DeleteAttributeAcceptResponseItem {
                result,
                deletion_date: date.to_string(),
            },
        ))
    }

    /// Records `status` for the attribute and its predecessors with respect to `peer`: on the
    /// attribute itself for an own relationship attribute of that relationship, else on its
    /// forwards to the peer.
    pub(crate) async fn mark_deletion(
        &self,
        attribute_id: &str,
        peer: &str,
        status: Status,
        date: CoreDate,
        change: &mut Change,
    ) -> Result<()> {
        let Some(attribute) = self.stored_attribute(attribute_id).await? else {
            return Ok(());
        };
        if !attribute.kind.counts_forwards() {
            return Ok(());
        }
        let info = LocalAttributeDeletionInfoDto {
            deletion_status: status,
            deletion_date: date,
        };
        let on_attribute = attribute.kind == Kind::OwnRelationshipAttribute
            && attribute.peer.as_deref() == Some(peer);
        for mut version in self.with_predecessors(attribute).await? {
            if on_attribute {
                version.deletion_info = Some(info.clone());
                change.put(COLLECTION, &stored(&version)?)?;
                continue;
            }
            let records = self
                .transport
                .store()
                .find(
                    FORWARDING_DETAILS,
                    &Filter::eq("attributeId", version.id.as_str()).and(Filter::eq("peer", peer)),
                    &FindOptions::default(),
                )
                .await?;
            for mut record in records {
                record["deletionInfo"] = serde_json::to_value(&info)
                    .map_err(|e| crate::Error::Internal(e.to_string()))?;
                change.put(FORWARDING_DETAILS, &record)?;
            }
        }
        Ok(())
    }

    pub(super) async fn apply_delete_response(
        &self,
        item: &DeleteAttributeRequestItem,
        answer: &ResponseItem,
        request: &LocalRequest,
        change: &mut Change,
    ) -> Result<()> {
        let peer = request.dto.peer.as_str();
        match answer {
            ResponseItem::DeleteAttributeAcceptResponseItem(accepted) => {
                let date = CoreDate::parse(&accepted.deletion_date).unwrap_or_else(CoreDate::now);
                self.mark_deletion(
                    &item.attribute_id,
                    peer,
                    Status::ToBeDeletedByRecipient,
                    date,
                    change,
                )
                .await
            }
            ResponseItem::RejectResponseItem(_) => {
                self.mark_deletion(
                    &item.attribute_id,
                    peer,
                    Status::DeletionRequestRejected,
                    CoreDate::now(),
                    change,
                )
                .await
            }
            _ => Ok(()),
        }
    }
}
