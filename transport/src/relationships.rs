//! Relationships: the request against a peer template (requestor), the templator's view
//! created from the Backbone's copy during sync, acceptance with the key agreement's public
//! response, and the later life cycle (reject, revoke, terminate, reactivation, decompose).
//!
//! The relationship secrets live sealed in `Secrets`. Request secrets are stored before the
//! request reaches the Backbone and a relationship document is written together with its
//! secrets, so a crash at any point leaves either nothing on the Backbone or enough locally
//! to continue.

use crate::Transport;
use crate::change::Change;
use crate::error::{Result, TransportError, WRONG_RELATIONSHIP_STATUS};
use crate::events;
use crate::util::{self, LOCAL, local_str, str_field};
use reqwest::Method;
use serde_json::{Value, json};
use store::{Filter, Write};
use wire::{
    Address, AnyId, Cipher, CryptoObject, HashLabel, PublicRequest, PublicResponse,
    RelationshipSecrets, RequestSecrets, Signature, SignaturePublicKey,
};

pub const COLLECTION: &str = "Relationships";
pub const SECRETS: &str = "Secrets";
pub const QUERY_KEYS: &[&str] = &["templateId", "peer", "status"];

/// Statuses in which no new relationship to the same peer may be started.
const BLOCKING_STATUSES: &[&str] = &["Pending", "Active", "Terminated", "DeletionProposed"];

/// A relationship's secrets as stored: still the requestor's request, or established.
pub(crate) enum StoredSecrets {
    Request(RequestSecrets),
    Established(RelationshipSecrets),
}

fn audit_log(backbone: &Value) -> Value {
    let entries = backbone
        .get("auditLog")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    Value::Array(
        entries
            .into_iter()
            .map(|mut e| {
                if let Some(map) = e.as_object_mut() {
                    map.retain(|_, v| !v.is_null());
                }
                e
            })
            .collect(),
    )
}

fn plain(value: &impl CryptoObject) -> Value {
    serde_json::from_str(&value.to_plain_json()).expect("crypto objects serialise")
}

fn invalid_peer(what: &str) -> TransportError {
    TransportError::peer(
        "error.transport.relationships.invalidCreationContent",
        format!("the relationship {what}"),
    )
}

impl Transport {
    pub async fn list_relationships(&self, query: &[(String, String)]) -> Result<Vec<Value>> {
        let filter = util::list_filter(query, QUERY_KEYS, util::Ownership::All)?;
        self.find_dtos(COLLECTION, &filter).await
    }

    pub async fn get_relationship(&self, id: &str) -> Result<Value> {
        Ok(util::dto(
            self.get_doc(COLLECTION, id, "Relationship").await?,
        ))
    }

    /// The relationship to `peer` that is not over yet, if any.
    pub(crate) async fn current_relationship_to(&self, peer: &str) -> Result<Option<Value>> {
        let docs = self
            .store
            .find(COLLECTION, &Filter::eq("peer", peer), &Default::default())
            .await?;
        Ok(docs.into_iter().find(|d| {
            d.get("status")
                .and_then(Value::as_str)
                .is_some_and(|s| BLOCKING_STATUSES.contains(&s))
        }))
    }

    /// `PUT /Relationships/CanCreate`: `{isSuccess, code?, message?}`.
    pub async fn can_create_relationship(&self, body: &Value) -> Result<Value> {
        match self.check_can_create(body).await {
            Ok(_) => Ok(json!({"isSuccess": true})),
            Err(
                e @ (TransportError::Invalid { .. }
                | TransportError::NotFound(_)
                | TransportError::Backbone(_)),
            ) => Ok(json!({"isSuccess": false, "code": e.code(), "message": e.to_string()})),
            Err(e) => Err(e),
        }
    }

    async fn check_can_create(
        &self,
        body: &Value,
    ) -> Result<crate::relationship_templates::PeerTemplate> {
        let template_id = body
            .get("templateId")
            .and_then(Value::as_str)
            .ok_or_else(|| TransportError::invalid("templateId must be a string"))?;
        wire::RelationshipTemplateId::parse(template_id)
            .map_err(|e| TransportError::invalid(format!("templateId: {e}")))?;
        let template = self.peer_template(template_id).await?;
        if let Some(expires) = &template.expires_at
            && util::parse_time(expires, "expiresAt")? <= chrono::Utc::now()
        {
            return Err(TransportError::rule(
                "error.transport.relationships.relationshipTemplateIsExpired",
                "the relationship template is expired",
            ));
        }
        if self
            .current_relationship_to(template.created_by.as_str())
            .await?
            .is_some()
        {
            return Err(TransportError::rule(
                "error.transport.relationships.relationshipCurrentlyExists",
                "a relationship to this peer already exists",
            ));
        }
        let answer: Value = self
            .backbone
            .get(&format!(
                "/api/v2/Relationships/CanCreate?peer={}",
                template.created_by
            ))
            .await?;
        if answer.get("canCreate") != Some(&json!(true)) {
            return Err(TransportError::rule(
                "error.transport.relationships.relationshipCurrentlyExists",
                format!(
                    "the Backbone does not allow a relationship to this peer ({})",
                    answer
                        .get("code")
                        .and_then(Value::as_str)
                        .unwrap_or("no reason")
                ),
            ));
        }
        Ok(template)
    }

    /// `POST /Relationships`: requests a relationship against a loaded peer template.
    pub async fn create_relationship(&self, body: &Value) -> Result<Value> {
        let content = body
            .get("creationContent")
            .ok_or_else(|| TransportError::invalid("creationContent is required"))?;
        util::require_object(content, "creationContent")?;
        let template = self.check_can_create(body).await?;

        let secrets = RequestSecrets::from_peer(&template.template_key, &template.identity_key)?;
        let serialized = json!({
            "@type": "RelationshipCreationContentWrapper",
            "content": content,
            "identity": {"address": self.identity.address.as_str(), "publicKey": plain(&self.identity.public_key)},
            "templateId": template.id,
        })
        .to_string();
        let device_signature = self
            .identity
            .device_key
            .sign(serialized.as_bytes(), HashLabel::Sha512);
        let relationship_signature = secrets.sign(serialized.as_bytes());
        let signed = json!({
            "deviceSignature": plain(&device_signature),
            "relationshipSignature": plain(&relationship_signature),
            "serializedCreationContent": serialized,
        });
        let cipher = secrets.encrypt_request(signed.to_string().as_bytes())?;
        let creation_content = json!({
            "@type": "RelationshipCreationContentCipher",
            "cipher": plain(&cipher),
            "publicCreationContentCrypto": plain(&secrets.to_public_request()),
        });

        // The secrets exist on disk before the Backbone knows of the request.
        let secrets_id = AnyId::generate("TRPRSE")?;
        self.store
            .put(
                SECRETS,
                json!({
                    "id": secrets_id.as_str(),
                    "kind": "request",
                    "templateId": template.id,
                    "sealed": self.vault.seal_crypto(&secrets)?,
                }),
            )
            .await?;
        let created: Value = self
            .backbone
            .call(
                Method::POST,
                "/api/v2/Relationships",
                &json!({
                    "relationshipTemplateId": template.id,
                    "creationContent": wire::encoding::b64u_encode(creation_content.to_string().as_bytes()),
                }),
            )
            .await?;
        let doc = json!({
            "id": str_field(&created, "id")?,
            "templateId": template.id,
            "status": created.get("status").cloned().unwrap_or(json!("Pending")),
            "peer": template.created_by.as_str(),
            "peerIdentity": {"address": template.created_by.as_str(), "publicKey": template.identity_key.to_base64()},
            "creationContent": content,
            "auditLog": audit_log(&created),
            LOCAL: {"secretsId": secrets_id.as_str(), "role": "requestor"},
        });
        let dto = util::dto(doc.clone());
        let mut change = Change::new();
        change.put(COLLECTION, &doc)?;
        change.event(events::RELATIONSHIP_CHANGED, &dto)?;
        self.commit(change).await?;
        Ok(dto)
    }

    pub(crate) async fn load_secrets(&self, doc: &Value) -> Result<(String, StoredSecrets)> {
        let id = local_str(doc, "secretsId")?.to_owned();
        let stored = self.store.get(SECRETS, &id).await?.ok_or_else(|| {
            TransportError::rule(
                "error.transport.secrets.secretNotFound",
                "the relationship's secrets are missing",
            )
        })?;
        let sealed = str_field(&stored, "sealed")?;
        let secrets = if stored.get("kind").and_then(Value::as_str) == Some("request") {
            StoredSecrets::Request(self.vault.open_crypto(sealed)?)
        } else {
            StoredSecrets::Established(self.vault.open_crypto(sealed)?)
        };
        Ok((id, secrets))
    }

    pub(crate) fn secrets_doc(&self, id: &str, secrets: &RelationshipSecrets) -> Result<Value> {
        Ok(json!({"id": id, "kind": "relationship", "sealed": self.vault.seal_crypto(secrets)?}))
    }

    /// Encrypts with the relationship's transmit state: the advanced counter is stored before
    /// the cipher exists, so no counter is ever used twice.
    pub(crate) async fn encrypt_for_relationship(
        &self,
        doc: &Value,
        plaintext: &[u8],
    ) -> Result<(Cipher, RelationshipSecrets)> {
        let _guard = self.secrets_lock.lock().await;
        let (id, secrets) = self.load_secrets(doc).await?;
        let StoredSecrets::Established(mut secrets) = secrets else {
            return Err(TransportError::rule(
                WRONG_RELATIONSHIP_STATUS,
                "the relationship is not established yet",
            ));
        };
        let reservation = secrets.reserve_transmit()?;
        self.store
            .put(SECRETS, self.secrets_doc(&id, &secrets)?)
            .await?;
        Ok((reservation.encrypt(plaintext)?, secrets))
    }

    /// Fetches the Backbone's copy of a relationship and brings the local one up to date;
    /// returns the writes and events to apply atomically with the sync bookkeeping.
    pub(crate) async fn relationship_from_backbone(
        &self,
        id: &str,
        event_type: &str,
    ) -> Result<(Vec<Write>, Vec<(&'static str, Value)>)> {
        let backbone: Value = self
            .backbone
            .get(&format!("/api/v2/Relationships/{id}"))
            .await?;
        let from = str_field(&backbone, "from")?;
        let to = str_field(&backbone, "to")?;
        let me = self.identity.address.as_str();
        let mut writes = Vec::new();
        let mut doc = match self.store.get(COLLECTION, id).await? {
            Some(doc) => doc,
            None if to == me => {
                let (doc, secrets_write) = self.relationship_as_templator(&backbone).await?;
                writes.push(secrets_write);
                doc
            }
            None if from == me => self.relationship_recovered_as_requestor(&backbone).await?,
            None => return Err(TransportError::invalid("the relationship is not ours")),
        };
        let status = backbone.get("status").cloned().unwrap_or(Value::Null);
        doc["status"] = status.clone();
        doc["auditLog"] = audit_log(&backbone);

        if from == me
            && status != json!("Pending")
            && let Some(response) = backbone
                .get("creationResponseContent")
                .and_then(Value::as_str)
            && let (secrets_id, StoredSecrets::Request(request)) = self.load_secrets(&doc).await?
        {
            let response = Self::public_response(response)?;
            let secrets = RelationshipSecrets::requestor_from_response(&response, &request)?;
            writes.push(Write::Put {
                collection: SECRETS.into(),
                doc: self.secrets_doc(&secrets_id, &secrets)?,
            });
        }
        writes.push(Write::Put {
            collection: COLLECTION.into(),
            doc: doc.clone(),
        });
        let dto = util::dto(doc);
        let mut out = vec![(events::RELATIONSHIP_CHANGED, dto.clone())];
        match event_type {
            "RelationshipReactivationRequested" => {
                out.push((events::RELATIONSHIP_REACTIVATION_REQUESTED, dto))
            }
            "RelationshipReactivationCompleted" => {
                out.push((events::RELATIONSHIP_REACTIVATION_COMPLETED, dto))
            }
            _ => {}
        }
        Ok((writes, out))
    }

    fn public_response(b64: &str) -> Result<PublicResponse> {
        let bytes = wire::encoding::b64_decode(b64)
            .map_err(|_| invalid_peer("response content is not base64"))?;
        let outer = util::peer_json(&bytes, "creation response content")?;
        PublicResponse::from_json(&outer["publicCreationResponseContentCrypto"].to_string())
            .map_err(|_| invalid_peer("response has no valid public response crypto"))
    }

    /// The templator's first sight of a request: derive the secrets and verify the content.
    async fn relationship_as_templator(&self, backbone: &Value) -> Result<(Value, Write)> {
        let template_id = str_field(backbone, "relationshipTemplateId")?;
        let template_keypair = self.own_template_keypair(template_id).await?;
        let bytes = wire::encoding::b64_decode(str_field(backbone, "creationContent")?)
            .map_err(|_| invalid_peer("creation content is not base64"))?;
        let outer = util::peer_json(&bytes, "creation content")?;
        let request = PublicRequest::from_json(&outer["publicCreationContentCrypto"].to_string())
            .map_err(|_| invalid_peer("creation content has no valid public request"))?;
        let cipher = Cipher::from_json(&outer["cipher"].to_string())
            .map_err(|_| invalid_peer("creation content has no valid cipher"))?;
        let secrets = RelationshipSecrets::templator_from_request(&request, &template_keypair)?;
        let plaintext = secrets
            .decrypt_request(&cipher)
            .map_err(|_| invalid_peer("creation content does not decrypt"))?;
        let signed = util::peer_json(&plaintext, "creation content")?;
        let serialized = signed
            .get("serializedCreationContent")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid_peer("creation content is not signed"))?;
        let signature = Signature::from_json(&signed["relationshipSignature"].to_string())
            .map_err(|_| invalid_peer("creation content has no relationship signature"))?;
        if !request
            .signature_key
            .verify(serialized.as_bytes(), &signature)
        {
            return Err(TransportError::peer(
                "error.transport.signatureNotValid",
                "the relationship request's signature is not valid",
            ));
        }
        let wrapper = util::peer_json(serialized.as_bytes(), "creation content")?;
        let peer = Address::parse(wrapper["identity"]["address"].as_str().unwrap_or_default())?;
        let peer_key = SignaturePublicKey::from_json(&wrapper["identity"]["publicKey"].to_string())
            .map_err(|_| invalid_peer("creation content has no identity key"))?;
        if peer.as_str() != str_field(backbone, "from")? || !peer.belongs_to(&peer_key) {
            return Err(invalid_peer(
                "creation content names another identity than its sender",
            ));
        }
        let secrets_id = AnyId::generate("TRPRSE")?;
        let doc = json!({
            "id": str_field(backbone, "id")?,
            "templateId": template_id,
            "status": backbone.get("status").cloned().unwrap_or(json!("Pending")),
            "peer": peer.as_str(),
            "peerIdentity": {"address": peer.as_str(), "publicKey": peer_key.to_base64()},
            "creationContent": wrapper.get("content").cloned().unwrap_or(Value::Null),
            "auditLog": audit_log(backbone),
            LOCAL: {"secretsId": secrets_id.as_str(), "role": "templator"},
        });
        let write = Write::Put {
            collection: SECRETS.into(),
            doc: self.secrets_doc(secrets_id.as_str(), &secrets)?,
        };
        Ok((doc, write))
    }

    /// A request we sent but whose document was lost to a crash right after the Backbone
    /// accepted it: the request secrets were stored first and are found by template.
    async fn relationship_recovered_as_requestor(&self, backbone: &Value) -> Result<Value> {
        let template_id = str_field(backbone, "relationshipTemplateId")?;
        let candidates = self
            .store
            .find(
                SECRETS,
                &Filter::eq("templateId", template_id).and(Filter::eq("kind", "request")),
                &Default::default(),
            )
            .await?;
        let secrets = candidates.last().ok_or_else(|| {
            TransportError::rule(
                "error.transport.secrets.secretNotFound",
                "no request secrets for this relationship",
            )
        })?;
        let template = self.peer_template(template_id).await?;
        Ok(json!({
            "id": str_field(backbone, "id")?,
            "templateId": template_id,
            "status": backbone.get("status").cloned().unwrap_or(json!("Pending")),
            "peer": template.created_by.as_str(),
            "peerIdentity": {"address": template.created_by.as_str(), "publicKey": template.identity_key.to_base64()},
            "creationContent": Value::Null,
            "auditLog": audit_log(backbone),
            LOCAL: {"secretsId": str_field(secrets, "id")?, "role": "requestor"},
        }))
    }

    fn require_status(doc: &Value, allowed: &[&str]) -> Result<()> {
        let status = doc
            .get("status")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if allowed.contains(&status) {
            Ok(())
        } else {
            Err(TransportError::rule(
                WRONG_RELATIONSHIP_STATUS,
                format!(
                    "the relationship is {status}, this needs {}",
                    allowed.join(" or ")
                ),
            ))
        }
    }

    fn is_templator(doc: &Value) -> bool {
        util::local(doc).get("role").and_then(Value::as_str) == Some("templator")
    }

    /// `PUT /Relationships/{id}/Accept`: the templator's answer with its public response.
    pub async fn accept_relationship(&self, id: &str) -> Result<Value> {
        let doc = self.get_doc(COLLECTION, id, "Relationship").await?;
        Self::require_status(&doc, &["Pending"])?;
        if !Self::is_templator(&doc) {
            return Err(TransportError::rule(
                "error.transport.relationships.operationOnlyAllowedForPeer",
                "only the templator can accept a relationship",
            ));
        }
        let serialized = json!({
            "@type": "RelationshipCreationResponseContentWrapper",
            "relationshipId": id,
        })
        .to_string();
        let device_signature = self
            .identity
            .device_key
            .sign(serialized.as_bytes(), HashLabel::Sha512);
        let (_, StoredSecrets::Established(current)) = self.load_secrets(&doc).await? else {
            return Err(TransportError::Internal("templator secrets missing".into()));
        };
        let relationship_signature = current.sign(serialized.as_bytes());
        let signed = json!({
            "deviceSignature": plain(&device_signature),
            "relationshipSignature": plain(&relationship_signature),
            "serializedCreationResponseContent": serialized,
        });
        let (cipher, secrets) = self
            .encrypt_for_relationship(&doc, signed.to_string().as_bytes())
            .await?;
        let response = json!({
            "@type": "RelationshipCreationResponseContentCipher",
            "cipher": plain(&cipher),
            "publicCreationResponseContentCrypto": plain(&secrets.to_public_response()),
        });
        self.change_relationship(
            doc,
            "Accept",
            json!({"creationResponseContent": wire::encoding::b64u_encode(response.to_string().as_bytes())}),
            &[],
        )
        .await
    }

    /// Reject, Revoke, Terminate and the reactivation steps: one Backbone call each.
    pub async fn relationship_action(&self, id: &str, action: &str) -> Result<Value> {
        let doc = self.get_doc(COLLECTION, id, "Relationship").await?;
        let (path, allowed, extra): (&str, &[&str], &[&'static str]) = match action {
            "Reject" => {
                if !Self::is_templator(&doc) {
                    return Err(TransportError::rule(
                        "error.transport.relationships.operationOnlyAllowedForPeer",
                        "only the templator can reject a relationship; the requestor revokes",
                    ));
                }
                ("Reject", &["Pending"], &[])
            }
            "Revoke" => {
                if Self::is_templator(&doc) {
                    return Err(TransportError::rule(
                        "error.transport.relationships.operationOnlyAllowedForPeer",
                        "only the requestor can revoke a relationship; the templator rejects",
                    ));
                }
                ("Revoke", &["Pending"], &[])
            }
            "Terminate" => ("Terminate", &["Active"], &[]),
            "Reactivate" => (
                "Reactivate",
                &["Terminated"],
                &[events::RELATIONSHIP_REACTIVATION_REQUESTED],
            ),
            "Reactivate/Accept" | "Reactivate/Reject" | "Reactivate/Revoke" => (
                action,
                &["Terminated"],
                &[events::RELATIONSHIP_REACTIVATION_COMPLETED],
            ),
            _ => return Err(TransportError::invalid("unknown relationship action")),
        };
        Self::require_status(&doc, allowed)?;
        self.change_relationship(doc, path, json!({}), extra).await
    }

    async fn change_relationship(
        &self,
        mut doc: Value,
        action: &str,
        body: Value,
        extra_events: &[&'static str],
    ) -> Result<Value> {
        let id = str_field(&doc, "id")?.to_owned();
        let answer: Value = self
            .backbone
            .call(
                Method::PUT,
                &format!("/api/v2/Relationships/{id}/{action}"),
                &body,
            )
            .await?;
        doc["status"] = answer
            .get("status")
            .cloned()
            .unwrap_or(doc["status"].clone());
        doc["auditLog"] = audit_log(&answer);
        let dto = util::dto(doc.clone());
        let mut change = Change::new();
        change.put(COLLECTION, &doc)?;
        change.event(events::RELATIONSHIP_CHANGED, &dto)?;
        for event in extra_events {
            change.event(event, &dto)?;
        }
        self.commit(change).await?;
        Ok(dto)
    }

    /// `DELETE /Relationships/{id}`: decomposes it on the Backbone and deletes it, its secrets
    /// and the messages exchanged in it.
    pub async fn decompose_relationship(&self, id: &str) -> Result<()> {
        let doc = self.get_doc(COLLECTION, id, "Relationship").await?;
        Self::require_status(&doc, &["Terminated", "DeletionProposed"])?;
        self.backbone
            .call_no_result(
                Method::PUT,
                &format!("/api/v2/Relationships/{id}/Decompose"),
                Some(&json!({})),
            )
            .await?;
        let peer = str_field(&doc, "peer")?;
        let mut change = Change::new();
        change.delete(COLLECTION, id);
        change.delete(SECRETS, local_str(&doc, "secretsId")?);
        let messages = self
            .store
            .find(
                crate::messages::COLLECTION,
                &Filter::eq("participant", peer),
                &Default::default(),
            )
            .await?;
        for m in messages {
            change.delete(crate::messages::COLLECTION, str_field(&m, "id")?);
        }
        change.event(
            events::RELATIONSHIP_DECOMPOSED_BY_SELF,
            &json!({"relationshipId": id}),
        )?;
        self.commit(change).await
    }

    /// The established secrets and document of the active relationship to `peer`.
    pub(crate) async fn relationship_secrets_for(
        &self,
        peer: &str,
    ) -> Result<Option<(Value, RelationshipSecrets)>> {
        let Some(doc) = self.current_relationship_to(peer).await? else {
            return Ok(None);
        };
        match self.load_secrets(&doc).await? {
            (_, StoredSecrets::Established(s)) => Ok(Some((doc, s))),
            _ => Ok(None),
        }
    }
}
