//! Messages: content signed per recipient with the relationship key, encrypted under a fresh
//! message key that travels to each recipient encrypted with the relationship's transmit
//! state; attachments carry the files' metadata keys. Received messages are decrypted,
//! verified and stored during sync, their attachments loaded with them; a `MessageDelivered`
//! event sets the recipient's `receivedAt` on the sent message.
//!
//! Content follows the runtime's rules: a sent message must be a Mail, Request,
//! ResponseWrapper, Notification or ArbitraryMessageContent (a Mail checked as the runtime's
//! content classes check it); received content of any other shape is shown wrapped as an
//! ArbitraryMessageContent.

use crate::Transport;
use crate::change::Change;
use crate::error::{Result, TransportError};
use crate::events;
use crate::util::{self, str_field};
use consumer_api::messages::{self as api, Attachment, NewRecipient};
use consumer_api::{Bytes, Timestamp};
use reqwest::Method;
use runtime_types::files::FileDto;
use runtime_types::messages::{
    CONTENT_TYPES, MessageDto, MessageWithAttachmentsDto, RecipientDto, SendMessageRequest,
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

/// `platformMaxRecipients` is the Backbone's; the runtime's own limit is the schema's.
const MAIL_SUBJECT_MAX: usize = 300;
const MAIL_BODY_MAX: usize = 50_000;

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

/// A serval parse failure of message content, as the runtime reports it.
fn deserialization(message: String) -> TransportError {
    TransportError::rule("error.runtime.requestDeserialization", message)
}

/// Content a peer sent, as the runtime shows it: one of the message content types as it is,
/// anything else wrapped as an ArbitraryMessageContent.
pub fn shown_content(content: Value) -> Value {
    let known = content
        .get("@type")
        .and_then(Value::as_str)
        .is_some_and(|t| CONTENT_TYPES.contains(&t));
    if known {
        content
    } else {
        json!({"@type": "ArbitraryMessageContent", "value": content})
    }
}

/// The addresses of a Mail's `to` or `cc`, as the Mail class reads them.
fn mail_addresses(mail: &serde_json::Map<String, Value>, key: &str) -> Result<Vec<String>> {
    let values = match mail.get(key) {
        Some(Value::Array(items)) => items,
        _ => return Ok(Vec::new()),
    };
    values
        .iter()
        .map(|v| {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| deserialization(format!("Mail.{key} :: Value is not a string")))
        })
        .collect()
}

/// Checks a Mail's own fields in the order the Mail class declares them (`to`, `cc`,
/// `subject`, `body`) and returns it as the runtime stores it (`cc` always present, the
/// legacy `content` moved to `body`).
fn parse_mail(mut mail: serde_json::Map<String, Value>) -> Result<Value> {
    match mail.get("to") {
        None | Some(Value::Null) => {
            return Err(deserialization("Mail.to :: Value is not defined".into()));
        }
        Some(Value::Array(items)) if items.is_empty() => {
            return Err(deserialization("Mail.to:Array :: may not be empty".into()));
        }
        Some(Value::Array(_)) => {}
        Some(_) => return Err(deserialization("Mail.to :: Value is not an array".into())),
    }
    if matches!(mail.get("cc"), None | Some(Value::Null)) {
        mail.insert("cc".into(), json!([]));
    }
    if mail.get("body").is_none_or(Value::is_null)
        && let Some(body) = mail.remove("content")
    {
        mail.insert("body".into(), body);
    }
    for (key, max) in [("subject", MAIL_SUBJECT_MAX), ("body", MAIL_BODY_MAX)] {
        match mail.get(key) {
            None | Some(Value::Null) => {
                return Err(deserialization(format!(
                    "Mail.{key} :: Value is not defined"
                )));
            }
            Some(Value::String(s)) if s.chars().count() > max => {
                return Err(deserialization(format!(
                    "Mail.{key} :: Value is longer than {max} characters"
                )));
            }
            Some(Value::String(_)) => {}
            Some(_) => {
                return Err(deserialization(format!(
                    "Mail.{key} :: Value is not a string"
                )));
            }
        }
    }
    Ok(Value::Object(mail))
}

/// The runtime's `SendMessageUseCase` content check: the content's class first, then (for a
/// Mail) its own fields. Returns the content as it is sent and stored.
fn parse_content(content: Value) -> Result<Value> {
    const NOT_MESSAGE_CONTENT: &str = "The content of a Message must either be a Mail, Request, ResponseWrapper, Notification or an ArbitraryMessageContent.";
    let Value::Object(map) = content else {
        return Err(TransportError::invalid(NOT_MESSAGE_CONTENT));
    };
    let kind = match map.get("@type") {
        None => return Err(TransportError::invalid(NOT_MESSAGE_CONTENT)),
        Some(Value::String(kind)) => kind.clone(),
        Some(_) => {
            return Err(TransportError::rule(
                "error.runtime.servalError",
                "@type is not a string.",
            ));
        }
    };
    match kind.as_str() {
        "Mail" => parse_mail(map),
        "ArbitraryMessageContent" if !map.contains_key("value") => Err(deserialization(
            "ArbitraryMessageContent.value :: Value is not defined".into(),
        )),
        k if CONTENT_TYPES.contains(&k) => Ok(Value::Object(map)),
        other => Err(TransportError::rule(
            "error.runtime.unknownType",
            format!(
                "Type '{other}' with version 1 was not found within reflection classes. You might have to install a module first."
            ),
        )),
    }
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
fn check_mail_recipients(content: &Value, recipients: &[Address]) -> Result<()> {
    let Some(mail) = content
        .as_object()
        .filter(|m| m.get("@type") == Some(&json!("Mail")))
    else {
        return Ok(());
    };
    let cc = mail_addresses(mail, "cc")?;
    let to = mail_addresses(mail, "to")?;
    let has_duplicates =
        |list: &[String]| list.iter().enumerate().any(|(i, a)| list[..i].contains(a));
    if has_duplicates(&cc) {
        return Err(TransportError::invalid(
            "Some recipients in 'cc' are listed multiple times.",
        ));
    }
    if has_duplicates(&to) {
        return Err(TransportError::invalid(
            "Some recipients in 'to' are listed multiple times.",
        ));
    }
    let both: Vec<&String> = cc.iter().filter(|a| to.contains(a)).collect();
    if !both.is_empty() {
        let joined = both
            .iter()
            .map(|a| a.as_str())
            .collect::<Vec<_>>()
            .join("', '");
        return Err(TransportError::invalid(format!(
            "The recipients '{joined}' are put into both 'to' and 'cc'."
        )));
    }
    let message: Vec<String> = recipients.iter().map(|a| a.to_string()).collect();
    let mail_side: Vec<&String> = cc.iter().chain(&to).collect();
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

fn no_active_relationship(peers: &[String]) -> TransportError {
    TransportError::rule(
        "error.runtime.messages.hasNoActiveRelationship",
        format!(
            "The Message cannot be sent as there is no active Relationship to the recipient(s) with the following address(es): {}. However, please note that Messages whose content is a Notification can be sent on terminated Relationships as well.",
            peers
                .iter()
                .map(|a| format!("'{a}'"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )
}

impl Transport {
    /// `POST /Messages`.
    pub async fn send_message(&self, request: SendMessageRequest) -> Result<MessageDto> {
        let (recipients, attachment_ids) = check_request(&request)?;
        let content = parse_content(request.content)?;

        let mut relationships = Vec::new();
        let mut without = Vec::new();
        for recipient in &recipients {
            match self
                .current_relationship_to(recipient.as_str())
                .await?
                .filter(|d| d.get("status") == Some(&json!("Active")))
            {
                Some(doc) => relationships.push(doc),
                None => without.push(recipient.to_string()),
            }
        }
        if !without.is_empty() {
            return Err(no_active_relationship(&without));
        }
        check_mail_recipients(&content, &recipients)?;
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

    pub async fn list_messages(&self, query: &[(String, String)]) -> Result<Vec<MessageDto>> {
        let filter = util::list_filter(query, QUERY_KEYS, util::Ownership::All)?;
        let docs = self
            .store
            .find(COLLECTION, &filter, &Default::default())
            .await?;
        docs.into_iter()
            .map(|doc| {
                serde_json::from_value::<StoredMessage>(doc)
                    .map(|m| m.dto)
                    .map_err(internal)
            })
            .collect()
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

    #[test]
    fn content_without_a_message_type_is_shown_wrapped() {
        assert_eq!(
            shown_content(json!({"text": "hi"})),
            json!({"@type": "ArbitraryMessageContent", "value": {"text": "hi"}})
        );
        assert_eq!(
            shown_content(json!({"@type": "JSONWrapper", "value": 1})),
            json!({"@type": "ArbitraryMessageContent", "value": {"@type": "JSONWrapper", "value": 1}})
        );
        let mail = json!({"@type": "Mail", "to": [], "cc": [], "subject": "s", "body": "b"});
        assert_eq!(shown_content(mail.clone()), mail);
    }

    fn message_of(e: TransportError) -> (String, String) {
        (e.code().to_owned(), e.to_string())
    }

    #[test]
    fn sent_content_follows_the_runtime_classes() {
        let err = |v: Value| message_of(parse_content(v).unwrap_err());
        assert_eq!(
            err(json!({"@type": "Mail", "subject": "s", "body": "b"})).1,
            "Mail.to :: Value is not defined"
        );
        assert_eq!(
            err(json!({"@type": "Mail", "to": [], "subject": "s", "body": "b"})).1,
            "Mail.to:Array :: may not be empty"
        );
        assert_eq!(
            err(json!({"@type": "Mail", "to": ["x"], "body": "b"})).1,
            "Mail.subject :: Value is not defined"
        );
        assert_eq!(
            err(json!({"@type": "Bogus"})).0,
            "error.runtime.unknownType"
        );
        assert_eq!(
            err(json!("text")).0,
            "error.runtime.validation.invalidPropertyValue"
        );
        // The legacy `content` of a Mail becomes its body; `cc` is always there.
        assert_eq!(
            parse_content(json!({"@type": "Mail", "to": ["x"], "subject": "s", "content": "b"}))
                .unwrap(),
            json!({"@type": "Mail", "to": ["x"], "cc": [], "subject": "s", "body": "b"})
        );
    }
}
