//! `TransferFileOwnershipRequestItem`: the owner of a file offers it to the peer with its
//! ownership token. Accepting claims the file on the Backbone; the new owner keeps a reference
//! to it as an own identity attribute (`IdentityFileReference`, with the file's tags), shared
//! back with the former owner, who stores it as the peer's attribute.

use super::{Check, Refusal, thrown};
use crate::attributes::{new_attribute, put_created, put_forward};
use crate::requests::LocalRequest;
use crate::{Consumption, Error, Result};
use content::requests::items::TransferFileOwnershipRequestItem;
use content::requests::response::{
    ResponseItem, ResponseItemResult, TransferFileOwnershipAcceptResponseItem,
};
use runtime_types::CoreDate;
use runtime_types::attributes::LocalAttributeKind as Kind;
use runtime_types::files::FileDto;
use serde_json::json;
use transport::Change;

const FILE_REFERENCE: &str = "IdentityFileReference";

impl Consumption {
    /// The file an item names, loaded from the Backbone if it is not here yet.
    async fn offered_file(&self, item: &TransferFileOwnershipRequestItem) -> Result<FileDto> {
        self.transport.get_or_load_file(&item.file_reference).await
    }

    async fn file_tags_refusal(&self, file: &FileDto, lead: &str) -> Check {
        if let Some(tags) = file.tags.as_ref().filter(|t| !t.is_empty())
            && let Err(e) = self.validate_tags(FILE_REFERENCE, tags).await
        {
            return Err(Refusal::item(format!("{lead} has invalid tags. {e}")));
        }
        Ok(())
    }

    pub(super) async fn can_create_transfer_item(
        &self,
        item: &TransferFileOwnershipRequestItem,
    ) -> Check {
        let id = file_id(&item.file_reference);
        let file = match self.transport.get_file(&id).await {
            Ok(file) => file,
            Err(Error::NotFound(_)) => {
                return Err(Refusal::item(format!(
                    "The File with the given ID '{id}' could not be found."
                )));
            }
            Err(e) => return Err(thrown(e)),
        };
        if !file.is_own {
            return Err(Refusal::item(format!(
                "You cannot request the transfer of ownership of the File with ID '{id}' since it is not owned by you."
            )));
        }
        if file.expires_at < CoreDate::now() {
            return Err(Refusal::item(format!(
                "You cannot request the transfer of ownership of the File with ID '{id}' since it is already expired."
            )));
        }
        self.file_tags_refusal(
            &file,
            &format!(
                "You cannot request the transfer of ownership of the File with ID '{id}' since it"
            ),
        )
        .await?;
        if !self
            .transport
            .validate_ownership_token(&file.id, &item.ownership_token)
            .await
            .map_err(thrown)?
        {
            return Err(Refusal::item(format!(
                "The specified ownershipToken is not valid for the File with ID '{id}'."
            )));
        }
        Ok(())
    }

    pub(super) async fn can_accept_transfer_item(
        &self,
        item: &TransferFileOwnershipRequestItem,
        request: &LocalRequest,
    ) -> Check {
        let id = file_id(&item.file_reference);
        let Ok(file) = self.offered_file(item).await else {
            return Err(Refusal::item(format!(
                "You cannot accept this RequestItem since the File with the given ID '{id}' could not be found."
            )));
        };
        if file.expires_at < CoreDate::now() {
            return Err(Refusal::item(format!(
                "You cannot accept this RequestItem since the File with the given ID '{id}' is already expired."
            )));
        }
        if file.is_own {
            return Err(Refusal::item(format!(
                "You cannot accept this RequestItem since the File with the given fileReference '{id}' is already owned by you."
            )));
        }
        if file.owner != request.dto.peer {
            return Err(Refusal::item(format!(
                "You cannot accept this RequestItem since the File with the given fileReference '{id}' is not owned by the peer."
            )));
        }
        self.file_tags_refusal(
            &file,
            &format!("You cannot accept this RequestItem since the File with the given fileReference '{id}'"),
        )
        .await?;
        if !self
            .transport
            .validate_ownership_token(&file.id, &item.ownership_token)
            .await
            .map_err(thrown)?
        {
            return Err(Refusal::item(format!(
                "You cannot accept this RequestItem since the specified ownershipToken is not valid for the File with ID '{id}'."
            )));
        }
        Ok(())
    }

    pub(super) async fn accept_transfer_item(
        &self,
        item: &TransferFileOwnershipRequestItem,
        request: &LocalRequest,
        change: &mut Change,
    ) -> Result<ResponseItem> {
        let file = self.offered_file(item).await?;
        let own = self
            .transport
            .claim_file_ownership(&file.id, &item.ownership_token)
            .await?;
        let mut json = json!({
            "@type": "IdentityAttribute",
            "owner": self.transport.address().as_str(),
            "value": {"@type": FILE_REFERENCE, "value": own.reference.truncated},
        });
        if let Some(tags) = own.tags.as_ref().filter(|t| !t.is_empty()) {
            json["tags"] = json!(tags);
        }
        let content::Attribute::IdentityAttribute(attribute) =
            content::parse_attribute(&json).map_err(Error::content)?
        else {
            return Err(Error::Internal(
                "a file reference is an identity attribute".into(),
            ));
        };
        let dto = new_attribute(
            Kind::OwnIdentityAttribute,
            None,
            content::Attribute::IdentityAttribute(attribute.clone()),
            None,
            None,
        )?;
        put_created(change, &dto)?;
        put_forward(change, &dto, &request.dto.peer, &request.dto.id)?;
        Ok(ResponseItem::TransferFileOwnershipAcceptResponseItem(
            TransferFileOwnershipAcceptResponseItem {
                result: ResponseItemResult::Accepted,
                attribute_id: dto.id,
                attribute,
            },
        ))
    }

    pub(super) fn apply_transfer_response(
        &self,
        answer: &ResponseItem,
        request: &LocalRequest,
        change: &mut Change,
    ) -> Result<()> {
        let ResponseItem::TransferFileOwnershipAcceptResponseItem(accepted) = answer else {
            return Ok(());
        };
        let dto = new_attribute(
            Kind::PeerIdentityAttribute,
            Some(accepted.attribute_id.clone()),
            content::Attribute::IdentityAttribute(accepted.attribute.clone()),
            Some(request.dto.peer.clone()),
            Some(request.dto.id.clone()),
        )?;
        put_created(change, &dto)
    }
}

/// The file id a truncated reference names (the reference itself if it is not one, so the
/// lookup fails as "not found").
fn file_id(reference: &str) -> String {
    wire::Reference::parse_truncated(reference)
        .map(|r| r.id.as_str().to_owned())
        .unwrap_or_else(|_| reference.to_owned())
}
