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
use consumer_api::Bytes;
/// The transitions the routes ask for are the Consumer API's.
pub use consumer_api::relationships::Transition;
use consumer_api::relationships::{
    CanCreateRelationshipAnswer, ChangeRelationshipRequest,
    CreateRelationshipRequest as BackboneCreateRequest, Relationship as BackboneRelationship,
};
use content::CreationContent;
use reqwest::Method;
use runtime_types::relationships::{
    CanCreateRelationshipRequest, CanCreateRelationshipResponse, CreateRelationshipRequest,
    IdentityDto, RelationshipAuditLogEntryDto, RelationshipCreationContentDerivation,
    RelationshipDto, RelationshipStatus,
};
use serde_json::{Value, json};
use store::{Filter, Write};
use wire::{
    Address, AnyId, Cipher, CryptoObject, HashLabel, PublicRequest, PublicResponse, RelationshipId,
    RelationshipSecrets, RequestSecrets, Signature, SignaturePublicKey,
};

pub const COLLECTION: &str = "Relationships";
pub const SECRETS: &str = "Secrets";
pub const QUERY_KEYS: &[&str] = &["templateId", "peer", "status"];

/// A relationship's secrets as stored: still the requestor's request, or established.
pub(crate) enum StoredSecrets {
    Request(RequestSecrets),
    Established(RelationshipSecrets),
}

/// Which side of the handshake we are, kept under `_local`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Requestor,
    Templator,
}

impl Role {
    fn as_str(self) -> &'static str {
        match self {
            Self::Requestor => "requestor",
            Self::Templator => "templator",
        }
    }
}

fn internal(e: impl std::fmt::Display) -> TransportError {
    TransportError::Internal(e.to_string())
}

/// The DTO of a stored relationship. Documents written before contents were wrapped get their
/// creation content mapped as the runtime maps it.
pub(crate) fn relationship_dto(doc: Value) -> Result<RelationshipDto> {
    let mut doc = util::dto(doc);
    if let Some(content) = doc.get_mut("creationContent") {
        *content =
            serde_json::to_value(RelationshipCreationContentDerivation::wrap(content.take()))
                .map_err(internal)?;
    }
    serde_json::from_value(doc).map_err(|e| internal(format!("stored relationship: {e}")))
}

/// The document to store: the DTO with the secrets' id and our role under `_local`.
fn stored(dto: &RelationshipDto, secrets_id: &str, role: Role) -> Result<Value> {
    let mut doc = serde_json::to_value(dto).map_err(internal)?;
    doc[LOCAL] = json!({"secretsId": secrets_id, "role": role.as_str()});
    Ok(doc)
}

/// The status of a stored relationship.
fn status_of(doc: &Value) -> Result<RelationshipStatus> {
    serde_json::from_value(doc.get("status").cloned().unwrap_or(Value::Null)).map_err(internal)
}

/// `doc` brought up to the Backbone's answer: its status and its audit log as the runtime
/// shows it.
fn updated(doc: &mut Value, answer: &BackboneRelationship) -> Result<()> {
    doc["status"] =
        serde_json::to_value(RelationshipStatus::from(answer.status)).map_err(internal)?;
    doc["auditLog"] = serde_json::to_value(RelationshipAuditLogEntryDto::log(&answer.audit_log))
        .map_err(internal)?;
    Ok(())
}

fn plain(value: &impl CryptoObject) -> Value {
    serde_json::from_str(&value.to_plain_json()).expect("crypto objects serialise")
}

/// JavaScript's truthiness, for the runtime's `if (request.creationContent)`.
fn is_truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

fn invalid_peer(what: &str) -> TransportError {
    TransportError::peer(
        "error.transport.relationships.invalidCreationContent",
        format!("the relationship {what}"),
    )
}

impl Transport {
    pub async fn list_relationships(
        &self,
        query: &[(String, String)],
    ) -> Result<Vec<RelationshipDto>> {
        let filter = util::list_filter(query, QUERY_KEYS, util::Ownership::All)?;
        self.find_dtos(COLLECTION, &filter)
            .await?
            .into_iter()
            .map(relationship_dto)
            .collect()
    }

    pub async fn get_relationship(&self, id: &RelationshipId) -> Result<RelationshipDto> {
        relationship_dto(
            self.get_doc(COLLECTION, id.as_str(), "Relationship")
                .await?,
        )
    }

    /// The relationship to `peer` that is not over yet, if any.
    pub(crate) async fn current_relationship_to(&self, peer: &str) -> Result<Option<Value>> {
        let docs = self
            .store
            .find(COLLECTION, &Filter::eq("peer", peer), &Default::default())
            .await?;
        Ok(docs
            .into_iter()
            .find(|d| status_of(d).is_ok_and(RelationshipStatus::blocks_new_relationship)))
    }

    /// `PUT /Relationships/CanCreate`: `{isSuccess: true}` or `{isSuccess: false, code, message}`.
    /// A creation content the parser throws on is an error of the route, as in the runtime;
    /// a content of the wrong kind or one that does not fit the template is a failure.
    pub async fn can_create_relationship(
        &self,
        request: CanCreateRelationshipRequest,
    ) -> Result<CanCreateRelationshipResponse> {
        let as_answer = |e: TransportError| match e {
            TransportError::Invalid { .. }
            | TransportError::NotFound(_)
            | TransportError::Backbone(_) => Ok(CanCreateRelationshipResponse::failure(
                e.code(),
                e.to_string(),
            )),
            e => Err(e),
        };
        let template = match self.check_can_create(&request.template_id).await {
            Ok(template) => template,
            Err(e) => return as_answer(e),
        };
        // The runtime checks the content only when one is given (JavaScript truthiness).
        let Some(content) = request.creation_content.filter(is_truthy) else {
            return Ok(CanCreateRelationshipResponse::success());
        };
        let parsed = match content::parse_creation_content(&content) {
            Ok(parsed) => parsed,
            Err(e) if e.kind == content::ErrorKind::WrongKind => {
                return as_answer(TransportError::content(e));
            }
            Err(e) => return Err(TransportError::content(e)),
        };
        match self.check_creation_content_fits(&template, &parsed).await {
            Ok(()) => Ok(CanCreateRelationshipResponse::success()),
            Err(e) => as_answer(e),
        }
    }

    /// `validateCreationContentOfRelationship`: the creation content's kind must fit the
    /// template's, and a `RelationshipCreationContent` must answer the Request the template
    /// carried with the Response of the accepted incoming Request.
    async fn check_creation_content_fits(
        &self,
        template: &crate::relationship_templates::PeerTemplate,
        creation: &CreationContent,
    ) -> Result<()> {
        match (template.carries_request, creation) {
            (false, CreationContent::RelationshipCreationContent(_)) => {
                Err(TransportError::invalid(
                    "The creationContent of a Relationship must be an ArbitraryRelationshipCreationContent if the content of the RelationshipTemplate is an ArbitraryRelationshipTemplateContent.",
                ))
            }
            (true, CreationContent::ArbitraryRelationshipCreationContent(_)) => {
                Err(TransportError::invalid(
                    "The creationContent of a Relationship must be a RelationshipCreationContent if the content of the RelationshipTemplate is a RelationshipTemplateContent.",
                ))
            }
            (true, CreationContent::RelationshipCreationContent(c)) => {
                self.check_accepted_incoming_request(&template.id, c).await
            }
            _ => Ok(()),
        }
    }

    async fn check_can_create(
        &self,
        template_id: &str,
    ) -> Result<crate::relationship_templates::PeerTemplate> {
        wire::RelationshipTemplateId::parse(template_id).map_err(|_| {
            TransportError::invalid(format!(
                "templateId must match pattern {}[A-Za-z0-9]{{17}}",
                wire::RelationshipTemplateId::PREFIX
            ))
        })?;
        let template = self.peer_template(template_id).await?;
        if template.expires_at.is_some_and(|at| at.is_past()) {
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
        let answer: CanCreateRelationshipAnswer = self
            .backbone
            .get(&format!(
                "/api/v2/Relationships/CanCreate?peer={}",
                template.created_by
            ))
            .await?;
        if !answer.can_create {
            return Err(TransportError::rule(
                "error.transport.relationships.relationshipCurrentlyExists",
                format!(
                    "the Backbone does not allow a relationship to this peer ({})",
                    answer.code.as_deref().unwrap_or("no reason")
                ),
            ));
        }
        Ok(template)
    }

    /// `POST /Relationships`: requests a relationship against a loaded peer template.
    pub async fn create_relationship(
        &self,
        request: CreateRelationshipRequest,
    ) -> Result<RelationshipDto> {
        util::require_object(&request.creation_content, "creationContent")?;
        let template = self.check_can_create(&request.template_id).await?;
        let parsed = content::parse_creation_content(&request.creation_content)
            .map_err(TransportError::content)?;
        self.check_creation_content_fits(&template, &parsed).await?;
        // Sent as the official library prints the parsed content.
        let content = serde_json::to_value(&parsed).map_err(internal)?;

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
        let created: BackboneRelationship = self
            .backbone
            .call(
                Method::POST,
                "/api/v2/Relationships",
                &BackboneCreateRequest {
                    relationship_template_id: template.id.clone(),
                    creation_content: Some(Bytes(creation_content.to_string().into_bytes())),
                },
            )
            .await?;
        let dto = RelationshipDto {
            id: created.id.clone(),
            template_id: template.id.clone(),
            status: created.status.into(),
            peer: template.created_by.to_string(),
            peer_identity: IdentityDto {
                address: template.created_by.to_string(),
                public_key: template.identity_key.to_base64(),
            },
            peer_deletion_info: None,
            creation_content: parsed.into(),
            audit_log: RelationshipAuditLogEntryDto::log(&created.audit_log),
        };
        let doc = stored(&dto, secrets_id.as_str(), Role::Requestor)?;
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
        let backbone: BackboneRelationship = self
            .backbone
            .get(&format!("/api/v2/Relationships/{id}"))
            .await?;
        let me = &self.identity.address;
        let mut writes = Vec::new();
        let mut doc = match self.store.get(COLLECTION, id).await? {
            Some(doc) => doc,
            None if &backbone.to == me => {
                let (doc, secrets_write) = self.relationship_as_templator(&backbone).await?;
                writes.push(secrets_write);
                doc
            }
            None if &backbone.from == me => {
                self.relationship_recovered_as_requestor(&backbone).await?
            }
            None => return Err(TransportError::invalid("the relationship is not ours")),
        };
        updated(&mut doc, &backbone)?;

        if &backbone.from == me
            && backbone.status != consumer_api::relationships::RelationshipStatus::Pending
            && let Some(response) = backbone.creation_response_content()
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
        let dto = serde_json::to_value(relationship_dto(doc)?).map_err(internal)?;
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

    fn public_response(bytes: &Bytes) -> Result<PublicResponse> {
        let outer = util::peer_json(&bytes.0, "creation response content")?;
        PublicResponse::from_json(&outer["publicCreationResponseContentCrypto"].to_string())
            .map_err(|_| invalid_peer("response has no valid public response crypto"))
    }

    /// The templator's first sight of a request: derive the secrets and verify the content.
    async fn relationship_as_templator(
        &self,
        backbone: &BackboneRelationship,
    ) -> Result<(Value, Write)> {
        let template_id = backbone
            .relationship_template_id
            .as_deref()
            .ok_or_else(|| invalid_peer("request names no template"))?;
        let template_keypair = self.own_template_keypair(template_id).await?;
        let bytes = backbone
            .creation_content()
            .ok_or_else(|| invalid_peer("request has no creation content"))?;
        let outer = util::peer_json(&bytes.0, "creation content")?;
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
        if peer != backbone.from || !peer.belongs_to(&peer_key) {
            return Err(invalid_peer(
                "creation content names another identity than its sender",
            ));
        }
        let secrets_id = AnyId::generate("TRPRSE")?;
        let dto = RelationshipDto {
            id: backbone.id.clone(),
            template_id: template_id.to_owned(),
            status: backbone.status.into(),
            peer: peer.to_string(),
            peer_identity: IdentityDto {
                address: peer.to_string(),
                public_key: peer_key.to_base64(),
            },
            peer_deletion_info: None,
            creation_content: RelationshipCreationContentDerivation::wrap(
                wrapper.get("content").cloned().unwrap_or(Value::Null),
            ),
            audit_log: RelationshipAuditLogEntryDto::log(&backbone.audit_log),
        };
        let doc = stored(&dto, secrets_id.as_str(), Role::Templator)?;
        let write = Write::Put {
            collection: SECRETS.into(),
            doc: self.secrets_doc(secrets_id.as_str(), &secrets)?,
        };
        Ok((doc, write))
    }

    /// A request we sent but whose document was lost to a crash right after the Backbone
    /// accepted it: the request secrets were stored first and are found by template. The
    /// content we sent is gone with the document; it shows as an empty arbitrary content.
    async fn relationship_recovered_as_requestor(
        &self,
        backbone: &BackboneRelationship,
    ) -> Result<Value> {
        let template_id = backbone
            .relationship_template_id
            .as_deref()
            .ok_or_else(|| invalid_peer("request names no template"))?;
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
        let dto = RelationshipDto {
            id: backbone.id.clone(),
            template_id: template_id.to_owned(),
            status: backbone.status.into(),
            peer: template.created_by.to_string(),
            peer_identity: IdentityDto {
                address: template.created_by.to_string(),
                public_key: template.identity_key.to_base64(),
            },
            peer_deletion_info: None,
            creation_content: RelationshipCreationContentDerivation::wrap(Value::Null),
            audit_log: RelationshipAuditLogEntryDto::log(&backbone.audit_log),
        };
        stored(&dto, str_field(secrets, "id")?, Role::Requestor)
    }

    fn require_status(doc: &Value, transition: Transition) -> Result<()> {
        let status = status_of(doc)?;
        let allowed: Vec<&str> = transition
            .allowed_from()
            .iter()
            .map(|s| RelationshipStatus::from(*s).as_str())
            .collect();
        if allowed.contains(&status.as_str()) {
            Ok(())
        } else {
            Err(TransportError::rule(
                WRONG_RELATIONSHIP_STATUS,
                format!(
                    "the relationship is {}, this needs {}",
                    status.as_str(),
                    allowed.join(" or ")
                ),
            ))
        }
    }

    fn is_templator(doc: &Value) -> bool {
        util::local(doc).get("role").and_then(Value::as_str) == Some(Role::Templator.as_str())
    }

    /// `PUT /Relationships/{id}/Accept`: the templator's answer with its public response.
    pub async fn accept_relationship(&self, id: &RelationshipId) -> Result<RelationshipDto> {
        let doc = self
            .get_doc(COLLECTION, id.as_str(), "Relationship")
            .await?;
        Self::require_status(&doc, Transition::Accept)?;
        if !Self::is_templator(&doc) {
            return Err(TransportError::rule(
                "error.transport.relationships.operationOnlyAllowedForPeer",
                "only the templator can accept a relationship",
            ));
        }
        let serialized = json!({
            "@type": "RelationshipCreationResponseContentWrapper",
            "relationshipId": id.as_str(),
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
            Transition::Accept,
            ChangeRelationshipRequest {
                creation_response_content: Some(Bytes(response.to_string().into_bytes())),
            },
        )
        .await
    }

    /// Reject, Revoke, Terminate and the reactivation steps: one Backbone call each. Accept
    /// has its own function (it carries the key agreement) and so has decomposition (it
    /// deletes).
    pub async fn relationship_action(
        &self,
        id: &RelationshipId,
        transition: Transition,
    ) -> Result<RelationshipDto> {
        let doc = self
            .get_doc(COLLECTION, id.as_str(), "Relationship")
            .await?;
        match transition {
            Transition::Reject if !Self::is_templator(&doc) => {
                return Err(TransportError::rule(
                    "error.transport.relationships.operationOnlyAllowedForPeer",
                    "only the templator can reject a relationship; the requestor revokes",
                ));
            }
            Transition::Revoke if Self::is_templator(&doc) => {
                return Err(TransportError::rule(
                    "error.transport.relationships.operationOnlyAllowedForPeer",
                    "only the requestor can revoke a relationship; the templator rejects",
                ));
            }
            Transition::Accept => return self.accept_relationship(id).await,
            Transition::Decompose => {
                return Err(TransportError::Internal(
                    "decomposition deletes the relationship; use decompose_relationship".into(),
                ));
            }
            _ => {}
        }
        Self::require_status(&doc, transition)?;
        self.change_relationship(doc, transition, ChangeRelationshipRequest::default())
            .await
    }

    async fn change_relationship(
        &self,
        mut doc: Value,
        transition: Transition,
        body: ChangeRelationshipRequest,
    ) -> Result<RelationshipDto> {
        let id = str_field(&doc, "id")?.to_owned();
        let answer: BackboneRelationship = self
            .backbone
            .call(
                Method::PUT,
                &format!("/api/v2/Relationships/{id}/{}", transition.path()),
                &body,
            )
            .await?;
        updated(&mut doc, &answer)?;
        let dto = relationship_dto(doc.clone())?;
        let mut change = Change::new();
        change.put(COLLECTION, &doc)?;
        change.event(events::RELATIONSHIP_CHANGED, &dto)?;
        match transition {
            Transition::RequestReactivation => {
                change.event(events::RELATIONSHIP_REACTIVATION_REQUESTED, &dto)?
            }
            Transition::AcceptReactivation
            | Transition::RejectReactivation
            | Transition::RevokeReactivation => {
                change.event(events::RELATIONSHIP_REACTIVATION_COMPLETED, &dto)?
            }
            _ => {}
        }
        self.commit(change).await?;
        Ok(dto)
    }

    /// `DELETE /Relationships/{id}`: decomposes it on the Backbone and deletes it, its secrets
    /// and the messages exchanged in it.
    pub async fn decompose_relationship(&self, id: &RelationshipId) -> Result<()> {
        let id = id.as_str();
        let doc = self.get_doc(COLLECTION, id, "Relationship").await?;
        // The runtime decomposes only what is over; a pending request is revoked or rejected
        // first, an active relationship terminated.
        let status = status_of(&doc)?;
        if !matches!(
            status,
            RelationshipStatus::Terminated | RelationshipStatus::DeletionProposed
        ) {
            return Err(TransportError::rule(
                WRONG_RELATIONSHIP_STATUS,
                format!(
                    "the relationship is {}, this needs Terminated or DeletionProposed",
                    status.as_str()
                ),
            ));
        }
        self.backbone
            .call_no_result(
                Method::PUT,
                &format!(
                    "/api/v2/Relationships/{id}/{}",
                    Transition::Decompose.path()
                ),
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
        let peer_data = self
            .peer_data
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        for data in peer_data {
            let records = self
                .store
                .find(
                    data.collection,
                    &Filter::eq(data.field, peer),
                    &Default::default(),
                )
                .await?;
            for record in records {
                change.delete(data.collection, str_field(&record, "id")?);
            }
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
