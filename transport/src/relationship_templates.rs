//! Relationship templates: an own template carries our identity, a fresh exchange key and its
//! content (a `RelationshipTemplateContent` or `ArbitraryRelationshipTemplateContent`), signed
//! and encrypted under a key shared only through the reference; a peer template is loaded by
//! reference (its own or a token's) and verified before it is stored.
//!
//! A stored template is its `RelationshipTemplateDTO` plus the keys under `_local`, so the
//! official list queries run on the stored documents as they are.

use crate::Transport;
use crate::change::Change;
use crate::error::{Result, TransportError};
use crate::events;
use crate::password::{self, PasswordProtection};
use crate::tokens::{NewToken, parse_for_identity, token_target};
use crate::util::{self, LOCAL, Ownership, local, local_str, str_field};
use consumer_api::relationship_templates::{
    CreateRelationshipTemplateRequest, CreatedRelationshipTemplate,
    RelationshipTemplate as BackboneTemplate,
};
use consumer_api::{Bytes, Timestamp};
use content::TemplateContent;
use reqwest::Method;
use runtime_types::relationship_templates::{
    CreateOwnRelationshipTemplateRequest, CreateTokenForOwnRelationshipTemplateRequest,
    LoadPeerRelationshipTemplateRequest, PasswordProtectionRequest, ReferenceDto,
    RelationshipTemplateContentDerivation, RelationshipTemplateDto,
};
use runtime_types::tokens::TokenDto;
use serde_json::{Value, json};
use wire::{
    Address, AnyId, Cipher, CryptoObject, ExchangeKeypair, ExchangePublicKey, HashLabel,
    RelationshipTemplateId, SecretKey, Signature, SignaturePublicKey,
};

pub const COLLECTION: &str = "Templates";
pub const QUERY_KEYS: &[&str] = &[
    "isOwn",
    "createdAt",
    "expiresAt",
    "createdBy",
    "createdByDevice",
    "maxNumberOfAllocations",
    "forIdentity",
    "passwordProtection",
    "passwordProtection.password",
    "passwordProtection.passwordIsPin",
    "passwordProtection.passwordLocationIndicator",
    "content.@type",
];

/// What a requestor needs from a peer template to start a relationship.
pub(crate) struct PeerTemplate {
    pub id: String,
    pub created_by: Address,
    pub identity_key: SignaturePublicKey,
    pub template_key: ExchangePublicKey,
    pub expires_at: Option<Timestamp>,
    /// Whether the template's content, as shown, is a `RelationshipTemplateContent` (else an
    /// `ArbitraryRelationshipTemplateContent`).
    pub carries_request: bool,
}

/// `expiresAt` of a creation request: an ISO 8601 date-time in the future, with the runtime's
/// messages for both failures.
pub(crate) fn future_expiry(text: &str) -> Result<Timestamp> {
    let at = Timestamp::parse(text)
        .ok_or_else(|| TransportError::invalid("expiresAt must match ISO8601 datetime format"))?;
    if at.is_past() {
        return Err(TransportError::invalid("'expiresAt' must be in the future"));
    }
    Ok(at)
}

/// The request's password protection, checked and salted by [`PasswordProtection`].
fn protection_of(
    request: Option<&PasswordProtectionRequest>,
) -> Result<Option<PasswordProtection>> {
    request.map(PasswordProtection::from_request).transpose()
}

fn reference_dto(reference: &wire::Reference) -> Result<ReferenceDto> {
    Ok(ReferenceDto {
        truncated: reference.truncate(),
        url: reference.to_url(None)?,
    })
}

/// The DTO of a stored template. Documents written before contents were wrapped get their
/// content mapped as the runtime maps it.
pub(crate) fn template_dto(doc: Value) -> Result<RelationshipTemplateDto> {
    let mut doc = util::dto(doc);
    if let Some(content) = doc.get_mut("content") {
        *content =
            serde_json::to_value(RelationshipTemplateContentDerivation::wrap(content.take()))
                .map_err(|e| TransportError::Internal(e.to_string()))?;
    }
    serde_json::from_value(doc)
        .map_err(|e| TransportError::Internal(format!("stored template: {e}")))
}

/// The document to store: the DTO with `local` under `_local`.
fn stored(dto: &RelationshipTemplateDto, local: Value) -> Result<Value> {
    let mut doc = serde_json::to_value(dto).map_err(|e| TransportError::Internal(e.to_string()))?;
    doc[LOCAL] = local;
    Ok(doc)
}

fn template_key_json(id: &str, key: &ExchangePublicKey) -> Value {
    // The template key's JSON carries its local id first, as transport writes it.
    let plain: Value = serde_json::from_str(&key.to_plain_json()).expect("plain key JSON");
    json!({"id": id, "pub": plain["pub"], "alg": plain["alg"]})
}

impl Transport {
    /// `CreateOwnRelationshipTemplate`'s content rules: one of the two template contents; for
    /// a `RelationshipTemplateContent`, a new relationship's Request that does not outlive the
    /// template and Requests the consumption layer could create. A Request without an expiry
    /// gets the template's, as the runtime sets it before the upload.
    async fn checked_template_content(
        &self,
        content: &Value,
        expires_at: Timestamp,
    ) -> Result<RelationshipTemplateContentDerivation> {
        let mut parsed =
            content::parse_template_content(content).map_err(TransportError::content)?;
        if let TemplateContent::RelationshipTemplateContent(template) = &mut parsed {
            let request = &mut template.on_new_relationship;
            // The content crate prints dates the runtime's way, so they parse back.
            let request_expiry = request.expires_at.as_deref().and_then(Timestamp::parse);
            if request_expiry.is_some_and(|at| at > expires_at) {
                return Err(TransportError::rule(
                    "error.runtime.relationshipTemplates.requestCannotExpireAfterRelationshipTemplate",
                    "The expiration date of the Request within the onNewRelationship property of the RelationshipTemplateContent must be set such that the expiration date of the RelationshipTemplate is not exceeded.",
                ));
            }
            self.check_template_requests_can_be_created(template)
                .await?;
            if template.on_new_relationship.expires_at.is_none() {
                template.on_new_relationship.expires_at = Some(expires_at.to_string());
            }
        }
        Ok(parsed.into())
    }

    /// `POST /RelationshipTemplates/Own`.
    pub async fn create_own_template(
        &self,
        request: CreateOwnRelationshipTemplateRequest,
    ) -> Result<RelationshipTemplateDto> {
        // The runtime's order: the request's shape, then its rules, then the content.
        if request.max_number_of_allocations == Some(0) {
            return Err(TransportError::invalid(
                "maxNumberOfAllocations must be >= 1",
            ));
        }
        let expires_at = future_expiry(&request.expires_at)?;
        let protection = protection_of(request.password_protection.as_ref())?;
        let content = self
            .checked_template_content(&request.content, expires_at)
            .await?;
        let for_identity = parse_for_identity(request.for_identity.as_deref())?;
        let content_json =
            serde_json::to_value(&content).map_err(|e| TransportError::Internal(e.to_string()))?;

        let key_id = AnyId::generate("TRPRTK")?;
        let template_keypair = ExchangeKeypair::generate()?;
        let identity_key: Value =
            serde_json::from_str(&self.identity.public_key.to_plain_json()).expect("key JSON");
        let serialized = json!({
            "@type": "RelationshipTemplateContentWrapper",
            "content": content_json,
            "identity": {"address": self.identity.address.as_str(), "publicKey": identity_key},
            "templateKey": template_key_json(key_id.as_str(), template_keypair.public_key()),
        })
        .to_string();
        let signature = self
            .identity
            .private_key
            .sign(serialized.as_bytes(), HashLabel::Sha512);
        let signed = json!({
            "@type": "RelationshipTemplateSigned",
            "deviceSignature": serde_json::from_str::<Value>(&signature.to_plain_json()).expect("signature JSON"),
            "serializedTemplate": serialized,
        });
        let secret_key = SecretKey::generate()?;
        let cipher = secret_key.encrypt(signed.to_string().as_bytes())?;

        let backbone_request = CreateRelationshipTemplateRequest {
            expires_at: Some(expires_at),
            max_number_of_allocations: request.max_number_of_allocations,
            for_identity: for_identity.as_ref().map(|a| a.to_string()),
            password: match &protection {
                Some(p) => Some(Bytes::decode(&p.backbone_password()?).ok_or_else(|| {
                    TransportError::Internal("the password hash is not base64".into())
                })?),
                None => None,
            },
            content: Bytes::decode(&cipher.to_base64())
                .ok_or_else(|| TransportError::Internal("a cipher is not base64".into()))?,
        };
        let created: CreatedRelationshipTemplate = self
            .backbone
            .call(
                Method::POST,
                "/api/v2/RelationshipTemplates",
                &backbone_request,
            )
            .await?;
        let reference = wire::Reference {
            id: AnyId::parse(&created.id)?,
            backbone_base_url: Some(self.backbone.base_url().to_owned()),
            key: secret_key.clone(),
            for_identity_truncated: for_identity.as_ref().map(|a| a.truncated().to_owned()),
            password_protection: protection.as_ref().map(PasswordProtection::shared),
        };
        let dto = RelationshipTemplateDto {
            id: created.id,
            is_own: true,
            created_by: self.identity.address.to_string(),
            created_by_device: self.identity.device_id.clone(),
            created_at: created.created_at,
            for_identity: for_identity.map(|a| a.to_string()),
            password_protection: protection.as_ref().map(PasswordProtection::to_dto),
            content,
            expires_at: Some(expires_at),
            max_number_of_allocations: request.max_number_of_allocations,
            reference: reference_dto(&reference)?,
        };
        let doc = stored(
            &dto,
            json!({
                "secretKey": self.vault.seal_crypto(&secret_key)?,
                "templateKeyId": key_id.as_str(),
                "templateKeypair": self.vault.seal_crypto(&template_keypair)?,
                "password": protection.as_ref().map(PasswordProtection::to_local),
            }),
        )?;
        self.store.put(COLLECTION, doc).await?;
        Ok(dto)
    }

    /// `POST /RelationshipTemplates/Peer`: by a template reference or a token reference whose
    /// content points to a template.
    pub async fn load_peer_template(
        &self,
        request: LoadPeerRelationshipTemplateRequest,
    ) -> Result<RelationshipTemplateDto> {
        let password = request.password.as_deref();
        let reference = util::parse_reference(&request.reference, &["RLT", "TOK"])?;
        let (template_id, key, shared) = if reference.id.as_str().starts_with("TOK") {
            let token = self.load_token(&reference, password, true).await?;
            let content = &token["content"];
            let (id, key) = token_target(
                content,
                "TokenContentRelationshipTemplate",
                "templateId",
                "a relationship template",
            )?;
            let shared = content
                .get("passwordProtection")
                .and_then(password::shared_from_json);
            (id, key, shared)
        } else {
            (
                reference.id.to_string(),
                reference.key.clone(),
                reference.password_protection.clone(),
            )
        };
        let protection = password::peer_password(shared.as_ref(), password)?;
        let doc = self.fetch_template(&template_id, &key, protection).await?;
        template_dto(doc)
    }

    async fn fetch_template(
        &self,
        id: &str,
        key: &SecretKey,
        protection: Option<PasswordProtection>,
    ) -> Result<Value> {
        if let Some(existing) = self.store.get(COLLECTION, id).await?
            && existing.get("isOwn") == Some(&json!(true))
        {
            return Ok(existing);
        }
        let path = format!(
            "/api/v2/RelationshipTemplates/{id}{}",
            password::query(protection.as_ref())?
        );
        let template: BackboneTemplate = self.backbone.get(&path).await?;
        let cipher = Cipher::from_base64(&template.content.encode())?;
        let invalid = |what: &str| {
            TransportError::peer(
                "error.transport.relationshipTemplates.invalidContent",
                format!("the template {what}"),
            )
        };
        let plaintext = key
            .decrypt(&cipher)
            .map_err(|_| invalid("does not decrypt with the key of the reference"))?;
        let signed = util::peer_json(&plaintext, "template")?;
        let serialized = signed
            .get("serializedTemplate")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("has no serializedTemplate"))?;
        let wrapper = util::peer_json(serialized.as_bytes(), "template")?;
        let identity_key =
            SignaturePublicKey::from_json(&wrapper["identity"]["publicKey"].to_string())
                .map_err(|_| invalid("has no valid identity key"))?;
        let signature = Signature::from_json(&signed["deviceSignature"].to_string())
            .map_err(|_| invalid("has no valid signature"))?;
        if !identity_key.verify(serialized.as_bytes(), &signature) {
            return Err(TransportError::peer(
                "error.transport.signatureNotValid",
                "the template's signature is not valid",
            ));
        }
        let created_by = template.created_by;
        let claimed = wrapper["identity"]["address"].as_str().unwrap_or_default();
        if claimed != created_by.as_str() || !created_by.belongs_to(&identity_key) {
            return Err(invalid("was signed by another identity than its creator"));
        }
        let template_key = ExchangePublicKey::from_json(&wrapper["templateKey"].to_string())
            .map_err(|_| invalid("has no valid template key"))?;
        let reference = wire::Reference {
            id: AnyId::parse(id)?,
            backbone_base_url: Some(self.backbone.base_url().to_owned()),
            key: key.clone(),
            for_identity_truncated: template
                .for_identity
                .as_ref()
                .map(|a| a.truncated().to_owned()),
            password_protection: protection.as_ref().map(PasswordProtection::shared),
        };
        let dto = RelationshipTemplateDto {
            id: id.to_owned(),
            is_own: created_by == self.identity.address,
            created_by: created_by.to_string(),
            created_by_device: template.created_by_device,
            created_at: template.created_at,
            for_identity: template.for_identity.map(|a| a.to_string()),
            password_protection: protection.as_ref().map(PasswordProtection::to_dto),
            // The runtime shows anything but the two template contents wrapped.
            content: RelationshipTemplateContentDerivation::wrap(
                wrapper.get("content").cloned().unwrap_or(Value::Null),
            ),
            expires_at: template.expires_at,
            max_number_of_allocations: template.max_number_of_allocations,
            reference: reference_dto(&reference)?,
        };
        let doc = stored(
            &dto,
            json!({
                "secretKey": self.vault.seal_crypto(key)?,
                "templateKey": template_key.to_json(),
                "identityPublicKey": identity_key.to_json(),
            }),
        )?;
        let mut change = Change::new();
        change.put(COLLECTION, &doc)?;
        change.event(events::PEER_RELATIONSHIP_TEMPLATE_LOADED, &dto)?;
        self.commit(change).await?;
        Ok(doc)
    }

    pub async fn get_template(
        &self,
        id: &RelationshipTemplateId,
    ) -> Result<RelationshipTemplateDto> {
        template_dto(
            self.get_doc(COLLECTION, id.as_str(), "RelationshipTemplate")
                .await?,
        )
    }

    pub async fn list_templates(
        &self,
        query: &[(String, String)],
        ownership: Ownership,
    ) -> Result<Vec<RelationshipTemplateDto>> {
        let filter = util::list_filter(query, QUERY_KEYS, ownership)?;
        self.find_dtos(COLLECTION, &filter)
            .await?
            .into_iter()
            .map(template_dto)
            .collect()
    }

    /// `DELETE /RelationshipTemplates/{id}`: always locally, on the Backbone when own.
    pub async fn delete_template(&self, id: &RelationshipTemplateId) -> Result<()> {
        let backbone_path = format!("/api/v2/RelationshipTemplates/{id}");
        self.delete_doc(
            COLLECTION,
            id.as_str(),
            "RelationshipTemplate",
            &backbone_path,
        )
        .await
    }

    /// `POST /RelationshipTemplates/Own/{id}/Token`: a token holding the template's key and its
    /// personalisation. A protected template's token must repeat the template's protection;
    /// an unprotected template may still be shared through a protected token. The token is
    /// ephemeral unless asked otherwise, as in the runtime.
    pub async fn create_template_token(
        &self,
        id: &RelationshipTemplateId,
        request: CreateTokenForOwnRelationshipTemplateRequest,
    ) -> Result<TokenDto> {
        let expires_at = request
            .expires_at
            .as_deref()
            .map(future_expiry)
            .transpose()?;
        let requested = protection_of(request.password_protection.as_ref())?;
        let doc = self
            .get_doc(COLLECTION, id.as_str(), "RelationshipTemplate")
            .await?;
        if doc.get("isOwn") != Some(&json!(true)) {
            return Err(TransportError::rule(
                "error.runtime.relationshipTemplates.cannotCreateTokenForPeerTemplate",
                "You cannot create a Token for a peer RelationshipTemplate.",
            ));
        }
        let template_for = doc.get("forIdentity").and_then(Value::as_str);
        let for_identity = parse_for_identity(request.for_identity.as_deref())?;
        if template_for.is_some() && for_identity.as_ref().map(Address::as_str) != template_for {
            return Err(TransportError::rule(
                "error.runtime.relationshipTemplates.personalizationMustBeInherited",
                "If a RelationshipTemplate is personalized, Tokens created from it must have the same personalization.",
            ));
        }
        let template_password = match local(&doc).get("password").filter(|p| !p.is_null()) {
            Some(p) => Some(PasswordProtection::from_local(
                serde_json::from_value(p.clone())
                    .map_err(|e| TransportError::Internal(format!("stored protection: {e}")))?,
            )?),
            None => None,
        };
        if let Some(template) = &template_password {
            let same = requested.as_ref().is_some_and(|r| {
                r.password == template.password
                    && r.is_pin == template.is_pin
                    && r.location_indicator == template.location_indicator
            });
            if !same {
                return Err(TransportError::rule(
                    "error.runtime.relationshipTemplates.passwordProtectionMustBeInherited",
                    "If a RelationshipTemplate has password protection, Tokens created from it must have the same password protection.",
                ));
            }
        }
        let expires_at = match expires_at {
            Some(at) => at,
            None => match doc.get("expiresAt").and_then(Value::as_str) {
                Some(at) => Timestamp::parse(at).ok_or_else(|| {
                    TransportError::Internal("stored expiresAt is not a date".into())
                })?,
                None => Timestamp::now().plus_days(12),
            },
        };
        let key: SecretKey = self.vault.open_crypto(local_str(&doc, "secretKey")?)?;
        let key_json: Value = serde_json::from_str(&key.to_plain_json()).expect("key JSON");
        let mut content = json!({
            "@type": "TokenContentRelationshipTemplate",
            "secretKey": key_json,
            "templateId": id.as_str(),
        });
        if let Some(a) = template_for {
            content["forIdentity"] = json!(a);
        }
        // The token content tells the reader how the template itself is protected.
        if let Some(p) = &template_password {
            content["passwordProtection"] = p.shared_json();
        }
        self.create_token(NewToken {
            content,
            expires_at,
            ephemeral: request.ephemeral.unwrap_or(true),
            for_identity,
            // The token's own protection is the requested one (the template's, if it has one).
            password: requested,
        })
        .await
    }

    /// The requestor's view of a stored peer template.
    pub(crate) async fn peer_template(&self, id: &str) -> Result<PeerTemplate> {
        let doc = self.get_doc(COLLECTION, id, "RelationshipTemplate").await?;
        if doc.get("isOwn") == Some(&json!(true)) {
            return Err(TransportError::invalid(
                "a relationship cannot be created from an own template",
            ));
        }
        Ok(PeerTemplate {
            id: id.to_owned(),
            created_by: Address::parse(str_field(&doc, "createdBy")?)?,
            identity_key: SignaturePublicKey::from_json(local_str(&doc, "identityPublicKey")?)?,
            template_key: ExchangePublicKey::from_json(local_str(&doc, "templateKey")?)?,
            expires_at: doc
                .get("expiresAt")
                .and_then(Value::as_str)
                .and_then(Timestamp::parse),
            carries_request: matches!(
                RelationshipTemplateContentDerivation::wrap(
                    doc.get("content").cloned().unwrap_or(Value::Null)
                ),
                RelationshipTemplateContentDerivation::RelationshipTemplateContent(_)
            ),
        })
    }

    /// The template keypair of an own template, for answering a request against it.
    pub(crate) async fn own_template_keypair(&self, id: &str) -> Result<ExchangeKeypair> {
        let doc = self.get_doc(COLLECTION, id, "RelationshipTemplate").await?;
        self.vault.open_crypto(local_str(&doc, "templateKeypair")?)
    }
}
