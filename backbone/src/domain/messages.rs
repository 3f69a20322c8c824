//! Messages between identities in a relationship. The Backbone stores the encrypted body once
//! and one encrypted key per recipient; a recipient's first read marks it received and tells
//! the sender with a `MessageDelivered` event.

use super::relationships::Status;
use super::sync::EventType;
use super::{Backbone, Caller, Tx};
use crate::error::{Error, Result};
use crate::model::{Bytes, Timestamp};
use serde::{Deserialize, Serialize};
use store::Filter;
use wire::{Address, FileId, MessageId};

pub use consumer_api::messages::{
    Attachment, Message as MessageDto, MessageEventPayload, Recipient as MessageRecipient,
    SendMessageRequest, SentMessage,
};

pub const COLLECTION: &str = "messages";
const UNRECEIVED: &str = "unreceived_messages";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recipient {
    pub address: Address,
    pub encrypted_key: Bytes,
    pub received_at: Option<Timestamp>,
    pub received_by_device: Option<String>,
    pub relationship_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub id: String,
    pub created_at: Timestamp,
    pub created_by: Address,
    pub created_by_device: String,
    pub body: Bytes,
    pub attachments: Vec<Attachment>,
    pub recipients: Vec<Recipient>,
    /// Sender and recipients, so "messages of X" is one equality query.
    pub participants: Vec<Address>,
}

/// The sender sees every recipient, a recipient only itself.
fn for_viewer(m: Message, viewer: &Address, with_body: bool) -> MessageDto {
    let is_sender = &m.created_by == viewer;
    let recipients = m
        .recipients
        .into_iter()
        .filter(|r| is_sender || &r.address == viewer)
        .map(|r| MessageRecipient {
            address: r.address,
            encrypted_key: r.encrypted_key,
            received_at: r.received_at,
            received_by_device: r.received_by_device,
        })
        .collect();
    MessageDto {
        id: m.id,
        created_at: m.created_at,
        created_by: m.created_by,
        created_by_device: m.created_by_device,
        body: with_body.then_some(m.body),
        attachments: m.attachments,
        recipients,
    }
}

impl Backbone {
    pub async fn send_message(
        &self,
        caller: &Caller,
        request: SendMessageRequest,
    ) -> Result<SentMessage> {
        if request.recipients.is_empty()
            || request.recipients.len() > self.config.max_message_recipients
        {
            return Err(Error::invalid_property("recipients"));
        }
        if request.body.is_empty() || request.body.len() > self.config.max_content_size {
            return Err(Error::invalid_property("body"));
        }
        if request
            .attachments
            .iter()
            .any(|a| FileId::parse(&a.id).is_err())
        {
            return Err(Error::invalid_property("attachments"));
        }
        let _gate = self.gate().await;
        let id = MessageId::generate()?.to_string();
        let mut recipients = Vec::with_capacity(request.recipients.len());
        let mut blocked = Vec::with_capacity(request.recipients.len());
        let mut unreceived_counts = Vec::with_capacity(request.recipients.len());
        for r in request.recipients {
            let address = Address::parse(&r.address)
                .map_err(|_| Error::invalid_property("recipients.address"))?;
            let relationship = self
                .relationships_between(&caller.address, &address)
                .await?
                .into_iter()
                .next()
                .ok_or_else(|| {
                    Error::rule(
                        "error.platform.validation.message.noRelationshipToRecipientExists",
                        format!("Cannot send message to {address} because there is no relationship to it."),
                    )
                })?;
            if !matches!(
                relationship.status,
                Status::Active | Status::Pending | Status::Terminated
            ) {
                return Err(Error::rule(
                    "error.platform.validation.message.relationshipToRecipientNotActive",
                    format!(
                        "Cannot send message to {address} because the relationship to it is not active."
                    ),
                ));
            }
            let unreceived = self.unreceived(&caller.address, &address).await?;
            if unreceived.count >= self.config.max_unreceived_messages_per_sender {
                return Err(Error::rule(
                    "error.platform.validation.message.maxNumberOfUnreceivedMessagesReached",
                    format!(
                        "The message could not be sent because {address} already has the maximum number of unread messages from you."
                    ),
                ));
            }
            unreceived_counts.push(UnreceivedCount {
                count: unreceived.count + 1,
                ..unreceived
            });
            blocked.push(matches!(
                relationship.status,
                Status::Pending | Status::Terminated
            ));
            recipients.push(Recipient {
                address,
                encrypted_key: r.encrypted_key,
                received_at: None,
                received_by_device: None,
                relationship_id: relationship.id,
            });
        }
        let mut participants = vec![caller.address.clone()];
        participants.extend(recipients.iter().map(|r| r.address.clone()));
        let message = Message {
            id,
            created_at: Timestamp::now(),
            created_by: caller.address.clone(),
            created_by_device: caller.device.clone(),
            body: request.body,
            attachments: request.attachments,
            recipients,
            participants,
        };
        let mut tx = Tx::new();
        tx.create(COLLECTION, &message)?;
        for count in &unreceived_counts {
            tx.put(UNRECEIVED, count)?;
        }
        for (recipient, blocked) in message.recipients.iter().zip(blocked) {
            tx.event(
                &recipient.address,
                EventType::MessageReceived,
                to_payload(&message.id)?,
                Some(&recipient.relationship_id),
                blocked,
            );
        }
        self.commit(tx).await?;
        Ok(SentMessage {
            id: message.id,
            created_at: message.created_at,
        })
    }

    pub async fn get_message(
        &self,
        caller: &Caller,
        id: &str,
        no_body: bool,
    ) -> Result<MessageDto> {
        let _gate = self.gate().await;
        let message: Message = self
            .get::<Message>(COLLECTION, id)
            .await?
            .filter(|m| m.participants.contains(&caller.address))
            .ok_or(Error::NotFound("Message"))?;
        let mut tx = Tx::new();
        let mut messages = [message];
        self.mark_received(&mut messages, caller, &mut tx).await?;
        self.commit(tx).await?;
        let [message] = messages;
        Ok(for_viewer(message, &caller.address, !no_body))
    }

    /// The caller's messages, all of them or those in `ids`; fetching marks them received.
    pub async fn list_messages(&self, caller: &Caller, ids: &[String]) -> Result<Vec<MessageDto>> {
        let _gate = self.gate().await;
        let mut found: Vec<Message> = self
            .find_listed(
                COLLECTION,
                Filter::eq("participants", caller.address.as_str()),
                ids,
            )
            .await?;
        let mut tx = Tx::new();
        self.mark_received(&mut found, caller, &mut tx).await?;
        self.commit(tx).await?;
        Ok(found
            .into_iter()
            .map(|m| for_viewer(m, &caller.address, true))
            .collect())
    }
}

fn to_payload(id: &str) -> Result<serde_json::Value> {
    super::to_doc(&MessageEventPayload { id: id.to_owned() })
}

/// How many of `sender`'s messages `recipient` has not fetched yet. Kept as a counter so the
/// per-sender limit costs one lookup per message instead of a scan.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UnreceivedCount {
    id: String,
    count: u64,
}

impl Backbone {
    async fn unreceived(&self, sender: &Address, recipient: &Address) -> Result<UnreceivedCount> {
        let id = format!("{sender} {recipient}");
        Ok(self
            .get(UNRECEIVED, &id)
            .await?
            .unwrap_or(UnreceivedCount { id, count: 0 }))
    }

    /// Records the caller's first fetch of each message addressed to it, and lowers the
    /// senders' unreceived counters once per sender.
    async fn mark_received(
        &self,
        messages: &mut [Message],
        caller: &Caller,
        tx: &mut Tx,
    ) -> Result<()> {
        let mut fetched: Vec<(Address, u64)> = Vec::new();
        for message in messages.iter_mut() {
            let Some(recipient) = message
                .recipients
                .iter_mut()
                .find(|r| r.address == caller.address)
            else {
                continue;
            };
            if recipient.received_at.is_some() {
                continue;
            }
            recipient.received_at = Some(Timestamp::now());
            recipient.received_by_device = Some(caller.device.clone());
            let relationship = recipient.relationship_id.clone();
            tx.put(COLLECTION, message)?;
            // The sender learns of the delivery in the same batch that records it.
            tx.event(
                &message.created_by,
                EventType::MessageDelivered,
                to_payload(&message.id)?,
                Some(&relationship),
                false,
            );
            match fetched
                .iter_mut()
                .find(|(sender, _)| sender == &message.created_by)
            {
                Some((_, n)) => *n += 1,
                None => fetched.push((message.created_by.clone(), 1)),
            }
        }
        for (sender, n) in fetched {
            let mut unreceived = self.unreceived(&sender, &caller.address).await?;
            unreceived.count = unreceived.count.saturating_sub(n);
            tx.put(UNRECEIVED, &unreceived)?;
        }
        Ok(())
    }
}
