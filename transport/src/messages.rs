//! Messages: content signed per recipient with the relationship key, encrypted under a fresh
//! message key that travels to each recipient encrypted with the relationship's transmit
//! state; attachments carry the files' metadata keys. Received messages are decrypted,
//! verified and stored during sync, their attachments loaded with them.

use crate::Transport;
use crate::change::Change;
use crate::error::{Result, TransportError};
use crate::events;
use crate::util::{self, str_field};
use reqwest::Method;
use serde_json::{Value, json};
use store::Write;
use wire::{Address, Cipher, CryptoObject, SecretKey, Signature};

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

fn plain(value: &impl CryptoObject) -> Value {
    serde_json::from_str(&value.to_plain_json()).expect("crypto objects serialise")
}

fn message_dto(mut doc: Value) -> Value {
    if let Some(map) = doc.as_object_mut() {
        map.remove("participant");
    }
    util::dto(doc)
}

fn invalid_peer(code: &'static str, what: &str) -> TransportError {
    TransportError::peer(code, format!("the message {what}"))
}

impl Transport {
    /// `POST /Messages`.
    pub async fn send_message(&self, body: &Value) -> Result<Value> {
        let recipients: Vec<Address> = body
            .get("recipients")
            .and_then(Value::as_array)
            .filter(|r| !r.is_empty())
            .ok_or_else(|| {
                TransportError::invalid("recipients must be a non-empty array of addresses")
            })?
            .iter()
            .map(|r| {
                r.as_str()
                    .ok_or_else(|| TransportError::invalid("recipients must be addresses"))
                    .and_then(|s| {
                        Address::parse(s)
                            .map_err(|e| TransportError::invalid(format!("recipients: {e}")))
                    })
            })
            .collect::<Result<_>>()?;
        let content = body
            .get("content")
            .ok_or_else(|| TransportError::invalid("content is required"))?;
        util::require_object(content, "content")?;
        let attachment_ids: Vec<String> = match body.get("attachments") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|i| {
                    i.as_str()
                        .filter(|s| wire::FileId::parse(s).is_ok())
                        .map(str::to_owned)
                        .ok_or_else(|| TransportError::invalid("attachments must be file ids"))
                })
                .collect::<Result<_>>()?,
            Some(_) => return Err(TransportError::invalid("attachments must be an array")),
        };

        let mut relationships = Vec::new();
        for recipient in &recipients {
            let doc = self
                .current_relationship_to(recipient.as_str())
                .await?
                .filter(|d| d.get("status") == Some(&json!("Active")))
                .ok_or_else(|| {
                    TransportError::rule(
                        "error.runtime.messages.hasNoActiveRelationship",
                        format!("there is no active relationship to {recipient}"),
                    )
                })?;
            relationships.push(doc);
        }
        let mut attachments = Vec::new();
        for id in &attachment_ids {
            let (_, metadata_key) = self.file_with_key(id).await?;
            attachments.push(json!({
                "backboneBaseUrl": self.backbone.base_url(),
                "id": id,
                "key": plain(&metadata_key),
            }));
        }

        let created_at = util::now();
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
            backbone_recipients.push(
                json!({"address": recipient.as_str(), "encryptedKey": encrypted_key.to_base64()}),
            );
        }
        let signed =
            json!({"@type": "MessageSigned", "message": serialized, "signatures": signatures});
        let body_cipher = message_key.encrypt(signed.to_string().as_bytes())?;
        let created: Value = self
            .backbone
            .call(
                Method::POST,
                "/api/v2/Messages",
                &json!({
                    "attachments": attachment_ids.iter().map(|id| json!({"id": id})).collect::<Vec<_>>(),
                    "body": body_cipher.to_base64(),
                    "recipients": backbone_recipients,
                }),
            )
            .await?;
        let recipient_dtos: Vec<Value> = recipients
            .iter()
            .zip(&relationships)
            .map(|(r, d)| json!({"address": r.as_str(), "relationshipId": d["id"]}))
            .collect();
        let doc = json!({
            "id": str_field(&created, "id")?,
            "isOwn": true,
            "content": content,
            "createdBy": self.identity.address.as_str(),
            "createdByDevice": self.identity.device_id,
            "recipients": recipient_dtos,
            "createdAt": created.get("createdAt").cloned().unwrap_or(json!(created_at)),
            "attachments": attachment_ids,
            "participant": addresses,
        });
        let dto = message_dto(doc.clone());
        let mut change = Change::new();
        change.put(COLLECTION, &doc)?;
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
        let message: Value = self.backbone.get(&format!("/api/v2/Messages/{id}")).await?;
        let me = self.identity.address.as_str();
        let sender = str_field(&message, "createdBy")?;
        if sender == me {
            return Ok((Vec::new(), Vec::new()));
        }
        let own_entry = message
            .get("recipients")
            .and_then(Value::as_array)
            .and_then(|r| {
                r.iter()
                    .find(|e| e.get("address").and_then(Value::as_str) == Some(me))
            })
            .ok_or_else(|| {
                invalid_peer(
                    "error.transport.messages.ownAddressNotInList",
                    "is not addressed to us",
                )
            })?
            .clone();
        let (relationship, secrets) =
            self.relationship_secrets_for(sender)
                .await?
                .ok_or_else(|| {
                    invalid_peer(
                        "error.transport.messages.hasNeitherActiveNorTerminatedRelationship",
                        "comes from an identity without an established relationship",
                    )
                })?;
        let key_cipher = Cipher::from_base64(str_field(&own_entry, "encryptedKey")?)?;
        let key_json = secrets.decrypt_peer(&key_cipher).map_err(|_| {
            invalid_peer(
                "error.transport.messages.plaintextMismatch",
                "key does not decrypt",
            )
        })?;
        let message_key = SecretKey::from_json_bytes(&key_json)?;
        let body = Cipher::from_base64(str_field(&message, "body")?)?;
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
                    .find(|e| e.get("recipient").and_then(Value::as_str) == Some(me))
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
        let recipients: Vec<&str> = wrapper
            .get("recipients")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if !recipients.contains(&me) {
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
        let doc = json!({
            "id": id,
            "isOwn": false,
            "content": wrapper.get("content").cloned().unwrap_or(Value::Null),
            "createdBy": sender,
            "createdByDevice": message.get("createdByDevice").cloned().unwrap_or(Value::Null),
            "recipients": [{
                "address": me,
                "relationshipId": relationship["id"],
                "receivedAt": own_entry.get("receivedAt").cloned().unwrap_or(json!(util::now())),
                "receivedByDevice": own_entry.get("receivedByDevice").cloned().unwrap_or(json!(self.identity.device_id)),
            }],
            "createdAt": message.get("createdAt").cloned().unwrap_or(Value::Null),
            "attachments": attachment_ids,
            "participant": [sender],
        });
        writes.push(Write::Put {
            collection: COLLECTION.into(),
            doc: doc.clone(),
        });
        Ok((writes, vec![(events::MESSAGE_RECEIVED, message_dto(doc))]))
    }

    pub async fn get_message(&self, id: &str) -> Result<Value> {
        Ok(message_dto(self.get_doc(COLLECTION, id, "Message").await?))
    }

    pub async fn list_messages(&self, query: &[(String, String)]) -> Result<Vec<Value>> {
        let filter = util::list_filter(query, QUERY_KEYS, util::Ownership::All)?;
        let docs = self
            .store
            .find(COLLECTION, &filter, &Default::default())
            .await?;
        Ok(docs.into_iter().map(message_dto).collect())
    }

    /// The file attached to a message, as a DTO.
    pub async fn message_attachment(&self, message_id: &str, file_id: &str) -> Result<Value> {
        let message = self.get_doc(COLLECTION, message_id, "Message").await?;
        let attached = message
            .get("attachments")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|v| v.as_str() == Some(file_id)));
        if !attached {
            return Err(TransportError::rule(
                "error.runtime.messages.fileNotFoundInMessage",
                format!("the file {file_id} is not attached to the message {message_id}"),
            ));
        }
        self.get_file(file_id).await
    }

    /// Marks when this side read the message; kept only locally.
    pub async fn set_message_read(&self, id: &str) -> Result<Value> {
        let mut doc = self.get_doc(COLLECTION, id, "Message").await?;
        if doc.get("wasReadAt").is_none() {
            doc["wasReadAt"] = json!(util::now());
            self.store.put(COLLECTION, doc.clone()).await?;
        }
        Ok(message_dto(doc))
    }
}
