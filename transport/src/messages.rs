//! Messages: content signed per recipient with the relationship key, encrypted under a fresh
//! message key that travels to each recipient encrypted with the relationship's transmit
//! state; attachments carry the files' metadata keys. Received messages are decrypted,
//! verified and stored during sync, their attachments loaded with them; a `MessageDelivered`
//! event sets the recipient's `receivedAt` on the sent message.
//!
//! Content follows the runtime's rules (the `content` crate): a sent message must be a Mail,
//! Request, ResponseWrapper, Notification or ArbitraryMessageContent and is sent as the
//! official library prints it; received content the rules refuse is kept, shown wrapped as an
//! ArbitraryMessageContent.

use crate::Transport;
use crate::change::Change;
use crate::error::{Result, TransportError};
use crate::events;
use crate::util::{self, str_field};
use consumer_api::messages::{self as api, Attachment, NewRecipient};
use consumer_api::{Bytes, Timestamp};
use content::{Mail, MessageContent};
use reqwest::Method;
use runtime_types::files::FileDto;
use runtime_types::messages::{
    MessageDto, MessageWithAttachmentsDto, RecipientDto, SendMessageRequest, shown_content,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use store::Write;
use wire::{Address, Cipher, CryptoObject, FileId, MessageId, SecretKey, Signature};

pub const COLLECTION: &str = "Messages";
pub const QUERY_KEYS: &[&str] = &[
    "isOwn",
    "createdBy",
    "createdByDevice",
    "createdAt",
    "attachments",
    "recipients.address",
    "recipients.relationshipId",
    "participant",
    "wasReadAt",
    "content.@type",
    "content.subject",
    "content.body",
    "content.bodyFormat",
];

/// A message as stored: its DTO plus the peers it involves, for the `participant` query.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredMessage {
    #[serde(flatten)]
    dto: MessageDto,
    #[serde(default)]
    participant: Vec<String>,
}

fn plain(value: &impl CryptoObject) -> Value {
    serde_json::from_str(&value.to_plain_json()).expect("crypto objects serialise")
}

fn invalid_peer(code: &'static str, what: &str) -> TransportError {
    TransportError::peer(code, format!("the message {what}"))
}

fn internal(e: impl std::fmt::Display) -> TransportError {
    TransportError::Internal(e.to_string())
}

/// The schema checks of `SendMessageRequest`, with the runtime's (ajv's) words.
fn check_request(request: &SendMessageRequest) -> Result<(Vec<Address>, Vec<FileId>)> {
    if request.recipients.is_empty() {
        return Err(TransportError::invalid(
            "recipients must NOT have fewer than 1 items",
        ));
    }
    let mut recipients = Vec::with_capacity(request.recipients.len());
    for (i, text) in request.recipients.iter().enumerate() {
        if let Some(j) = request.recipients[..i].iter().position(|r| r == text) {
            return Err(TransportError::invalid(format!(
                "recipients must NOT have duplicate items (items ## {i} and {j} are identical)"
            )));
        }
        recipients.push(Address::parse(text).map_err(|_| {
            TransportError::invalid(format!(
                "recipients/{i} must match pattern {}",
                wire::address::PATTERN
            ))
        })?);
    }
    let mut attachments = Vec::new();
    for (i, text) in request.attachments.iter().flatten().enumerate() {
        if let Some(j) = request
            .attachments
            .iter()
            .flatten()
            .take(i)
            .position(|a| a == text)
        {
            return Err(TransportError::invalid(format!(
                "attachments must NOT have duplicate items (items ## {i} and {j} are identical)"
            )));
        }
        attachments.push(FileId::parse(text).map_err(|_| {
            TransportError::invalid(format!(
                "attachments/{i} must match pattern FIL[A-Za-z0-9]{{17}}"
            ))
        })?);
    }
    Ok((recipients, attachments))
}

/// The runtime's checks of a Mail's `to` and `cc` against the message's recipients.
fn check_mail_recipients(mail: &Mail, recipients: &[Address]) -> Result<()> {
    let has_duplicates =
        |list: &[String]| list.iter().enumerate().any(|(i, a)| list[..i].contains(a));
    if has_duplicates(&mail.cc) {
        return Err(TransportError::invalid(
            "Some recipients in 'cc' are listed multiple times.",
        ));
    }
    if has_duplicates(&mail.to) {
        return Err(TransportError::invalid(
            "Some recipients in 'to' are listed multiple times.",
        ));
    }
    let both: Vec<&str> = mail
        .cc
        .iter()
        .filter(|a| mail.to.contains(a))
        .map(String::as_str)
        .collect();
    if !both.is_empty() {
        return Err(TransportError::invalid(format!(
            "The recipients '{}' are put into both 'to' and 'cc'.",
            both.join("', '")
        )));
    }
    let message: Vec<String> = recipients.iter().map(|a| a.to_string()).collect();
    let mail_side: Vec<&String> = mail.cc.iter().chain(&mail.to).collect();
    // `_.xor(messageRecipients, mailRecipients)`: message recipients first, then mail ones.
    let mut mismatch: Vec<&str> = message
        .iter()
        .filter(|a| !mail_side.contains(a))
        .map(String::as_str)
        .collect();
    mismatch.extend(
        mail_side
            .iter()
            .filter(|a| !message.contains(a))
            .map(|a| a.as_str()),
    );
    if !mismatch.is_empty() {
        return Err(TransportError::invalid(format!(
            "The identities '{}' are not listed among both the Message recipients and the recipients in 'to'/'cc'.",
            mismatch.join("', '")
        )));
    }
    Ok(())
}

/// `'a', 'b'`, as the runtime lists addresses in its messages.
fn quoted(addresses: &[String]) -> String {
    addresses
        .iter()
        .map(|a| format!("'{a}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The recipients whose relationship keeps a message from being sent, by reason, in the
/// runtime's terms (`SendMessageUseCase.validateMessageRecipients`).
#[derive(Default)]
struct RecipientProblems {
    no_active: Vec<String>,
    neither_active_nor_terminated: Vec<String>,
    in_deletion: Vec<String>,
    deleted: Vec<String>,
}

impl RecipientProblems {
    /// The first problem in the runtime's order; a Notification may go where the relationship
    /// is terminated or the peer is about to be deleted.
    fn into_error(self, is_notification: bool) -> Option<TransportError> {
        if !is_notification {
            if !self.no_active.is_empty() {
                return Some(TransportError::rule(
                    "error.runtime.messages.hasNoActiveRelationship",
                    format!(
                        "The Message cannot be sent as there is no active Relationship to the recipient(s) with the following address(es): {}. However, please note that Messages whose content is a Notification can be sent on terminated Relationships as well.",
                        quoted(&self.no_active)
                    ),
                ));
            }
            if !self.in_deletion.is_empty() {
                return Some(TransportError::rule(
                    "error.runtime.messages.peerIsInDeletion",
                    format!(
                        "The Message cannot be sent as the recipient(s) with the following address(es) being in deletion: {}. However, please note that Messages whose content is a Notification can be sent to recipients in deletion.",
                        quoted(&self.in_deletion)
                    ),
                ));
            }
        }
        if !self.neither_active_nor_terminated.is_empty() {
            return Some(TransportError::returned_core_error(
                "error.transport.messages.hasNeitherActiveNorTerminatedRelationship",
                format!(
                    "The Message cannot be sent as there is neither an active nor a terminated Relationship to the recipient(s) with the following address(es): {}.",
                    quoted(&self.neither_active_nor_terminated)
                ),
            ));
        }
        if !self.deleted.is_empty() {
            return Some(TransportError::returned_core_error(
                "error.transport.messages.peerIsDeleted",
                format!(
                    "The Message cannot be sent due to the deletion of the recipient(s) with the following address(es): {}",
                    quoted(&self.deleted)
                ),
            ));
        }
        None
    }
}

impl Transport {
    /// The relationship to each recipient, checked as the runtime checks them: a Request goes
    /// to exactly one recipient; a relationship must be active and its peer not in deletion,
    /// except that a Notification may also go where it is terminated or the peer is in
    /// deletion.
    async fn recipient_relationships(
        &self,
        content: &MessageContent,
        recipients: &[Address],
    ) -> Result<Vec<Value>> {
        if matches!(content, MessageContent::Request(_)) && recipients.len() != 1 {
            return Err(TransportError::invalid(
                "Only one recipient is allowed for sending Requests.",
            ));
        }
        let mut problems = RecipientProblems::default();
        let mut relationships = Vec::with_capacity(recipients.len());
        for recipient in recipients {
            let address = recipient.to_string();
            let Some(doc) = self.current_relationship_to(recipient.as_str()).await? else {
                problems.no_active.push(address.clone());
                problems.neither_active_nor_terminated.push(address);
                continue;
            };
            match doc.get("status").and_then(Value::as_str) {
                // Only an active relationship's peer is asked about its deletion.
                Some("Active") => match doc
                    .pointer("/peerDeletionInfo/deletionStatus")
                    .and_then(Value::as_str)
                {
                    Some("ToBeDeleted") => problems.in_deletion.push(address),
                    Some("Deleted") => problems.deleted.push(address),
                    _ => {}
                },
                Some("Terminated") => problems.no_active.push(address),
                _ => {
                    problems.no_active.push(address.clone());
                    problems.neither_active_nor_terminated.push(address);
                    continue;
                }
            }
            relationships.push(doc);
        }
        match problems.into_error(matches!(content, MessageContent::Notification(_))) {
            Some(error) => Err(error),
            None => Ok(relationships),
        }
    }

    /// `POST /Messages`.
    pub async fn send_message(&self, request: SendMessageRequest) -> Result<MessageDto> {
        let (recipients, attachment_ids) = check_request(&request)?;
        let content =
            content::parse_message_content(&request.content).map_err(TransportError::content)?;
        let relationships = self.recipient_relationships(&content, &recipients).await?;
        if let MessageContent::Mail(mail) = &content {
            check_mail_recipients(mail, &recipients)?;
        }
        if let (MessageContent::Request(request), [recipient]) = (&content, recipients.as_slice()) {
            if request.id.is_none() {
                return Err(TransportError::invalid("The Request must have an id."));
            }
            self.check_outgoing_request_for_message(request, recipient)
                .await?;
        }
        // Sent and stored as the official library prints the parsed content.
        let content = serde_json::to_value(&content).map_err(internal)?;
        let mut attachments = Vec::new();
        for id in &attachment_ids {
            let (_, metadata_key) = self.file_with_key(id.as_str()).await?;
            attachments.push(json!({
                "backboneBaseUrl": self.backbone.base_url(),
                "id": id,
                "key": plain(&metadata_key),
            }));
        }

        let created_at = Timestamp::now();
        let addresses: Vec<&str> = recipients.iter().map(Address::as_str).collect();
        let serialized = json!({
            "@type": "MessageContentWrapper",
            "attachments": attachments,
            "content": content,
            "createdAt": created_at,
            "recipients": addresses,
        })
        .to_string();
        let message_key = SecretKey::generate()?;
        let key_json = message_key.to_plain_json();
        let mut signatures = Vec::new();
        let mut backbone_recipients = Vec::new();
        for (recipient, doc) in recipients.iter().zip(&relationships) {
            let (encrypted_key, secrets) = self
                .encrypt_for_relationship(doc, key_json.as_bytes())
                .await?;
            let signature = secrets.sign(serialized.as_bytes());
            signatures.push(
                json!({"recipient": recipient.as_str(), "signature": signature.to_plain_json()}),
            );
            backbone_recipients.push(NewRecipient {
                address: recipient.to_string(),
                encrypted_key: Bytes::decode(&encrypted_key.to_base64())
                    .ok_or_else(|| internal("a cipher is not base64"))?,
            });
        }
        let signed =
            json!({"@type": "MessageSigned", "message": serialized, "signatures": signatures});
        let body_cipher = message_key.encrypt(signed.to_string().as_bytes())?;
        let created: api::SentMessage = self
            .backbone
            .call(
                Method::POST,
                "/api/v2/Messages",
                &api::SendMessageRequest {
                    recipients: backbone_recipients,
                    body: Bytes::decode(&body_cipher.to_base64())
                        .ok_or_else(|| internal("a cipher is not base64"))?,
                    attachments: attachment_ids
                        .iter()
                        .map(|id| Attachment { id: id.to_string() })
                        .collect(),
                },
            )
            .await?;
        let dto = MessageDto {
            id: created.id,
            is_own: true,
            content,
            created_by: self.identity.address.to_string(),
            created_by_device: self.identity.device_id.to_string(),
            recipients: recipients
                .iter()
                .zip(&relationships)
                .map(|(r, d)| RecipientDto {
                    address: r.to_string(),
                    received_at: None,
                    received_by_device: None,
                    relationship_id: d.get("id").and_then(Value::as_str).map(str::to_owned),
                })
                .collect(),
            created_at: created.created_at,
            attachments: attachment_ids.iter().map(ToString::to_string).collect(),
            was_read_at: None,
        };
        let stored = StoredMessage {
            dto: dto.clone(),
            participant: addresses.iter().map(|a| (*a).to_owned()).collect(),
        };
        let mut change = Change::new();
        change.put(COLLECTION, &stored)?;
        change.event(events::MESSAGE_SENT, &dto)?;
        self.commit(change).await?;
        Ok(dto)
    }

    /// Decrypts and verifies a message the Backbone announced; returns the writes (the message
    /// and its attachments' metadata) and the event, for the sync to apply atomically.
    pub(crate) async fn receive_message(
        &self,
        id: &str,
    ) -> Result<(Vec<Write>, Vec<(&'static str, Value)>)> {
        let message: api::Message = self.backbone.get(&format!("/api/v2/Messages/{id}")).await?;
        let me = &self.identity.address;
        let sender = message.created_by.to_string();
        if &message.created_by == me {
            return Ok((Vec::new(), Vec::new()));
        }
        let own_entry = message
            .recipients
            .iter()
            .find(|r| &r.address == me)
            .ok_or_else(|| {
                invalid_peer(
                    "error.transport.messages.ownAddressNotInList",
                    "is not addressed to us",
                )
            })?
            .clone();
        let (relationship, secrets) =
            self.relationship_secrets_for(&sender)
                .await?
                .ok_or_else(|| {
                    invalid_peer(
                        "error.transport.messages.hasNeitherActiveNorTerminatedRelationship",
                        "comes from an identity without an established relationship",
                    )
                })?;
        let key_cipher = Cipher::from_base64(&own_entry.encrypted_key.encode())?;
        let key_json = secrets.decrypt_peer(&key_cipher).map_err(|_| {
            invalid_peer(
                "error.transport.messages.plaintextMismatch",
                "key does not decrypt",
            )
        })?;
        let message_key = SecretKey::from_json_bytes(&key_json)?;
        let body = message
            .body
            .as_ref()
            .ok_or_else(|| internal("the Backbone sent a message without its body"))?;
        let body = Cipher::from_base64(&body.encode())?;
        let signed = util::peer_json(
            &message_key.decrypt(&body).map_err(|_| {
                invalid_peer(
                    "error.transport.messages.plaintextMismatch",
                    "body does not decrypt",
                )
            })?,
            "message",
        )?;
        let serialized = signed
            .get("message")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                invalid_peer(
                    "error.transport.messages.signatureListMismatch",
                    "is not signed",
                )
            })?;
        let signature = signed
            .get("signatures")
            .and_then(Value::as_array)
            .and_then(|s| {
                s.iter()
                    .find(|e| e.get("recipient").and_then(Value::as_str) == Some(me.as_str()))
            })
            .and_then(|e| e.get("signature").and_then(Value::as_str))
            .and_then(|s| Signature::from_json(s).ok())
            .ok_or_else(|| {
                invalid_peer(
                    "error.transport.messages.signatureListMismatch",
                    "has no signature for us",
                )
            })?;
        if !secrets.verify_peer(serialized.as_bytes(), &signature) {
            return Err(invalid_peer(
                "error.transport.messages.signatureNotValid",
                "signature is not valid",
            ));
        }
        let wrapper = util::peer_json(serialized.as_bytes(), "message")?;
        let listed = wrapper
            .get("recipients")
            .and_then(Value::as_array)
            .is_some_and(|r| r.iter().any(|a| a.as_str() == Some(me.as_str())));
        if !listed {
            return Err(invalid_peer(
                "error.transport.messages.ownAddressNotInList",
                "does not list us as recipient",
            ));
        }

        let mut writes = Vec::new();
        let mut attachment_ids = Vec::new();
        for attachment in wrapper
            .get("attachments")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let file_id = str_field(attachment, "id")?;
            let key = SecretKey::from_json(&attachment["key"].to_string()).map_err(|_| {
                invalid_peer(
                    "error.transport.files.invalidMetadata",
                    "attachment key is invalid",
                )
            })?;
            if let Some(file_doc) = self.file_doc_from_backbone(file_id, &key).await? {
                writes.push(Write::Put {
                    collection: crate::files::COLLECTION.into(),
                    doc: file_doc,
                });
            }
            attachment_ids.push(file_id.to_owned());
        }
        let dto = MessageDto {
            id: id.to_owned(),
            is_own: false,
            content: shown_content(wrapper.get("content").cloned().unwrap_or(Value::Null)),
            created_by: sender.clone(),
            created_by_device: message.created_by_device,
            recipients: vec![RecipientDto {
                address: me.to_string(),
                received_at: Some(own_entry.received_at.unwrap_or_else(Timestamp::now)),
                received_by_device: Some(
                    own_entry
                        .received_by_device
                        .unwrap_or_else(|| self.identity.device_id.to_string()),
                ),
                relationship_id: relationship
                    .get("id")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            }],
            created_at: message.created_at,
            attachments: attachment_ids,
            was_read_at: None,
        };
        let stored = StoredMessage {
            dto: dto.clone(),
            participant: vec![sender],
        };
        writes.push(Write::Put {
            collection: COLLECTION.into(),
            doc: serde_json::to_value(&stored).map_err(internal)?,
        });
        let event = serde_json::to_value(&dto).map_err(internal)?;
        Ok((writes, vec![(events::MESSAGE_RECEIVED, event)]))
    }

    /// A `MessageDelivered` event: a recipient fetched one of our messages. Reads the
    /// recipients' receipts from the Backbone onto the stored message; returns the writes and
    /// the `transport.messageDelivered` event, for the sync to apply atomically. A message
    /// not stored here (sent from another device before this one existed) changes nothing.
    pub(crate) async fn message_delivered(
        &self,
        id: &str,
    ) -> Result<(Vec<Write>, Vec<(&'static str, Value)>)> {
        let Some(mut stored) = self.stored_message(id).await? else {
            return Ok((Vec::new(), Vec::new()));
        };
        let message: api::Message = self
            .backbone
            .get(&format!("/api/v2/Messages/{id}?noBody=true"))
            .await?;
        for recipient in &mut stored.dto.recipients {
            if let Some(receipt) = message
                .recipients
                .iter()
                .find(|r| r.address.as_str() == recipient.address)
            {
                recipient.received_at = receipt.received_at;
                recipient.received_by_device = receipt.received_by_device.clone();
            }
        }
        let event = serde_json::to_value(&stored.dto).map_err(internal)?;
        Ok((
            vec![Write::Put {
                collection: COLLECTION.into(),
                doc: serde_json::to_value(&stored).map_err(internal)?,
            }],
            vec![(events::MESSAGE_DELIVERED, event)],
        ))
    }

    async fn stored_message(&self, id: &str) -> Result<Option<StoredMessage>> {
        self.store
            .get(COLLECTION, id)
            .await?
            .map(|doc| serde_json::from_value(doc).map_err(internal))
            .transpose()
    }

    async fn message(&self, id: &MessageId) -> Result<StoredMessage> {
        self.stored_message(id.as_str())
            .await?
            .ok_or(TransportError::NotFound("Message"))
    }

    /// `GET /Messages/{id}`: the message with its attached files.
    pub async fn get_message(&self, id: &MessageId) -> Result<MessageWithAttachmentsDto> {
        let message = self.message(id).await?.dto;
        let mut files = Vec::with_capacity(message.attachments.len());
        for file in &message.attachments {
            files.push(self.get_file(file).await?);
        }
        Ok(MessageWithAttachmentsDto::new(message, files))
    }

    /// `GET /Messages` as stored JSON: each stored message is its DTO plus the `participant`
    /// index field, so the answer passes the stored text on without the index.
    pub async fn list_messages_json(&self, query: &[(String, String)]) -> Result<store::JsonRows> {
        let filter = util::list_filter(query, QUERY_KEYS, util::Ownership::All)?;
        Ok(self
            .store
            .find_json(COLLECTION, &filter, &Default::default(), &["participant"])
            .await?)
    }

    /// The file attached to a message.
    pub async fn message_attachment(&self, message: &MessageId, file: &FileId) -> Result<FileDto> {
        let stored = self.message(message).await?;
        if !stored.dto.attachments.iter().any(|a| a == file.as_str()) {
            return Err(TransportError::rule(
                "error.runtime.messages.fileNotFoundInMessage",
                format!("The requested File '{file}' was not found in the given Message."),
            ));
        }
        self.get_file(file.as_str()).await
    }

    /// Marks when this side read the message; kept only locally.
    pub async fn set_message_read(&self, id: &MessageId) -> Result<MessageDto> {
        let mut stored = self.message(id).await?;
        if stored.dto.was_read_at.is_none() {
            stored.dto.was_read_at = Some(Timestamp::now());
            let mut change = Change::new();
            change.put(COLLECTION, &stored)?;
            change.event(events::MESSAGE_WAS_READ_AT_CHANGED, &stored.dto)?;
            self.commit(change).await?;
        }
        Ok(stored.dto)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(in_deletion: &[&str], deleted: &[&str]) -> RecipientProblems {
        RecipientProblems {
            in_deletion: in_deletion.iter().map(|a| (*a).to_owned()).collect(),
            deleted: deleted.iter().map(|a| (*a).to_owned()).collect(),
            ..RecipientProblems::default()
        }
    }

    #[test]
    fn peers_in_deletion_stop_all_but_notifications() {
        let error = problems(&["a", "b"], &[]).into_error(false).unwrap();
        assert_eq!(error.code(), "error.runtime.messages.peerIsInDeletion");
        assert_eq!(
            error.to_string(),
            "The Message cannot be sent as the recipient(s) with the following address(es) being in deletion: 'a', 'b'. However, please note that Messages whose content is a Notification can be sent to recipients in deletion."
        );
        assert!(problems(&["a"], &[]).into_error(true).is_none());
    }

    #[test]
    fn deleted_peers_stop_every_message_as_a_returned_core_error() {
        for is_notification in [false, true] {
            let error = problems(&[], &["a"]).into_error(is_notification).unwrap();
            assert_eq!(error.code(), "error.connector.unexpected");
            assert_eq!(
                error.to_string(),
                "internal error: error.transport.messages.peerIsDeleted: 'The Message cannot be sent due to the deletion of the recipient(s) with the following address(es): 'a''"
            );
        }
    }
}
