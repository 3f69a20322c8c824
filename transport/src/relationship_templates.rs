//! Relationship templates: an own template carries our identity, a fresh exchange key and any
//! content, signed and encrypted under a key shared only through the reference; a peer
//! template is loaded by reference (its own or a token's) and verified before it is stored.

use crate::Transport;
use crate::change::Change;
use crate::error::{Result, TransportError};
use crate::events;
use crate::password::{self, PasswordProtection};
use crate::tokens::{NewToken, parse_for_identity, token_target};
use crate::util::{self, LOCAL, Ownership, local, local_str, str_field};
use reqwest::Method;
use serde_json::{Value, json};
use wire::{
    Address, AnyId, Cipher, CryptoObject, ExchangeKeypair, ExchangePublicKey, HashLabel, SecretKey,
    Signature, SignaturePublicKey,
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
    pub expires_at: Option<String>,
}

fn template_key_json(id: &str, key: &ExchangePublicKey) -> Value {
    // The template key's JSON carries its local id first, as transport writes it.
    let plain: Value = serde_json::from_str(&key.to_plain_json()).expect("plain key JSON");
    json!({"id": id, "pub": plain["pub"], "alg": plain["alg"]})
}

impl Transport {
    /// `POST /RelationshipTemplates/Own`.
    pub async fn create_own_template(&self, body: &Value) -> Result<Value> {
        let content = body
            .get("content")
            .ok_or_else(|| TransportError::invalid("content is required"))?;
        util::require_object(content, "content")?;
        let expires_at = util::future_time(
            body.get("expiresAt")
                .and_then(Value::as_str)
                .ok_or_else(|| TransportError::invalid("expiresAt is required"))?,
            "expiresAt",
        )?;
        let max_allocations = match body.get("maxNumberOfAllocations") {
            None | Some(Value::Null) => None,
            Some(v) => Some(v.as_u64().filter(|n| *n >= 1).ok_or_else(|| {
                TransportError::invalid("maxNumberOfAllocations must be an integer of at least 1")
            })?),
        };
        let for_identity = parse_for_identity(body.get("forIdentity"))?;
        let protection = PasswordProtection::from_request(body.get("passwordProtection"))?;

        let key_id = AnyId::generate("TRPRTK")?;
        let template_keypair = ExchangeKeypair::generate()?;
        let identity_key: Value =
            serde_json::from_str(&self.identity.public_key.to_plain_json()).expect("key JSON");
        let serialized = json!({
            "@type": "RelationshipTemplateContentWrapper",
            "content": content,
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

        let mut request = json!({"expiresAt": expires_at, "content": cipher.to_base64()});
        if let Some(n) = max_allocations {
            request["maxNumberOfAllocations"] = json!(n);
        }
        if let Some(a) = &for_identity {
            request["forIdentity"] = json!(a.as_str());
        }
        if let Some(p) = &protection {
            request["password"] = json!(p.backbone_password()?);
        }
        let created: Value = self
            .backbone
            .call(Method::POST, "/api/v2/RelationshipTemplates", &request)
            .await?;
        let id = str_field(&created, "id")?.to_owned();
        let reference = wire::Reference {
            id: AnyId::parse(&id)?,
            backbone_base_url: Some(self.backbone.base_url().to_owned()),
            key: secret_key.clone(),
            for_identity_truncated: for_identity.as_ref().map(|a| a.truncated().to_owned()),
            password_protection: protection.as_ref().map(PasswordProtection::shared),
        };
        let mut doc = json!({
            "id": id,
            "isOwn": true,
            "createdBy": self.identity.address.as_str(),
            "createdByDevice": self.identity.device_id,
            "createdAt": created.get("createdAt").cloned().unwrap_or(json!(util::now())),
            "content": content,
            "expiresAt": expires_at,
            "reference": util::reference_dto(&reference)?,
        });
        if let Some(n) = max_allocations {
            doc["maxNumberOfAllocations"] = json!(n);
        }
        if let Some(a) = &for_identity {
            doc["forIdentity"] = json!(a.as_str());
        }
        if let Some(p) = &protection {
            doc["passwordProtection"] = p.dto();
        }
        let mut stored = doc.clone();
        stored[LOCAL] = json!({
            "secretKey": self.vault.seal_crypto(&secret_key)?,
            "templateKeyId": key_id.as_str(),
            "templateKeypair": self.vault.seal_crypto(&template_keypair)?,
            "password": protection.as_ref().map(PasswordProtection::to_local),
        });
        self.store.put(COLLECTION, stored).await?;
        Ok(doc)
    }

    /// `POST /RelationshipTemplates/Peer`: by a template reference or a token reference whose
    /// content points to a template.
    pub async fn load_peer_template(&self, body: &Value) -> Result<Value> {
        let reference = util::reference_field(body)?;
        let password = match body.get("password") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.as_str()),
            Some(_) => return Err(TransportError::invalid("password must be a string")),
        };
        let reference = util::parse_reference(reference, &["RLT", "TOK"])?;
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
        Ok(util::dto(doc))
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
        let template: Value = self.backbone.get(&path).await?;
        let cipher = Cipher::from_base64(str_field(&template, "content")?)?;
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
        let created_by = Address::parse(str_field(&template, "createdBy")?)?;
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
                .get("forIdentity")
                .and_then(Value::as_str)
                .and_then(|a| Address::parse(a).ok())
                .map(|a| a.truncated().to_owned()),
            password_protection: protection.as_ref().map(PasswordProtection::shared),
        };
        let mut doc = json!({
            "id": id,
            "isOwn": created_by == self.identity.address,
            "createdBy": created_by.as_str(),
            "createdByDevice": template.get("createdByDevice").cloned().unwrap_or(Value::Null),
            "createdAt": template.get("createdAt").cloned().unwrap_or(Value::Null),
            "content": wrapper.get("content").cloned().unwrap_or(Value::Null),
            "reference": util::reference_dto(&reference)?,
        });
        for key in ["expiresAt", "maxNumberOfAllocations", "forIdentity"] {
            if let Some(v) = template.get(key).filter(|v| !v.is_null()) {
                doc[key] = v.clone();
            }
        }
        if let Some(p) = &protection {
            doc["passwordProtection"] = p.dto();
        }
        let dto = doc.clone();
        doc[LOCAL] = json!({
            "secretKey": self.vault.seal_crypto(key)?,
            "templateKey": template_key.to_json(),
            "identityPublicKey": identity_key.to_json(),
        });
        let mut change = Change::new();
        change.put(COLLECTION, &doc)?;
        change.event(events::PEER_RELATIONSHIP_TEMPLATE_LOADED, &dto)?;
        self.commit(change).await?;
        Ok(doc)
    }

    pub async fn get_template(&self, id: &str) -> Result<Value> {
        Ok(util::dto(
            self.get_doc(COLLECTION, id, "RelationshipTemplate").await?,
        ))
    }

    pub async fn list_templates(
        &self,
        query: &[(String, String)],
        ownership: Ownership,
    ) -> Result<Vec<Value>> {
        let filter = util::list_filter(query, QUERY_KEYS, ownership)?;
        self.find_dtos(COLLECTION, &filter).await
    }

    /// `DELETE /RelationshipTemplates/{id}`: always locally, on the Backbone when own.
    pub async fn delete_template(&self, id: &str) -> Result<()> {
        let backbone_path = format!("/api/v2/RelationshipTemplates/{id}");
        self.delete_doc(COLLECTION, id, "RelationshipTemplate", &backbone_path)
            .await
    }

    /// `POST /RelationshipTemplates/Own/{id}/Token`: a token holding the template's key, with
    /// the template's personalisation and password.
    pub async fn create_template_token(&self, id: &str, body: &Value) -> Result<Value> {
        let doc = self.get_doc(COLLECTION, id, "RelationshipTemplate").await?;
        if doc.get("isOwn") != Some(&json!(true)) {
            return Err(TransportError::rule(
                "error.runtime.relationshipTemplates.cannotCreateTokenForPeerTemplate",
                "tokens can only be created for own templates",
            ));
        }
        let template_for = doc.get("forIdentity").and_then(Value::as_str);
        let for_identity = parse_for_identity(body.get("forIdentity"))?;
        if template_for.is_some() && for_identity.as_ref().map(Address::as_str) != template_for {
            return Err(TransportError::rule(
                "error.runtime.relationshipTemplates.personalizationMustBeInherited",
                "the token must be personalised like the template",
            ));
        }
        let template_password = match local(&doc).get("password").filter(|p| !p.is_null()) {
            Some(p) => Some(PasswordProtection::from_local(p)?),
            None => None,
        };
        if let Some(requested) = body.get("passwordProtection").filter(|v| !v.is_null()) {
            let same = template_password.as_ref().is_some_and(|t| {
                requested.get("password").and_then(Value::as_str) == Some(t.password.as_str())
                    && (requested.get("passwordIsPin") == Some(&json!(true))) == t.is_pin
            });
            if !same {
                return Err(TransportError::rule(
                    "error.runtime.relationshipTemplates.passwordProtectionMustBeInherited",
                    "the token must carry the template's password protection",
                ));
            }
        }
        let expires_at = match body.get("expiresAt").and_then(Value::as_str) {
            Some(t) => util::future_time(t, "expiresAt")?,
            None => str_field(&doc, "expiresAt")?.to_owned(),
        };
        let key: SecretKey = self.vault.open_crypto(local_str(&doc, "secretKey")?)?;
        let key_json: Value = serde_json::from_str(&key.to_plain_json()).expect("key JSON");
        let mut content = json!({
            "@type": "TokenContentRelationshipTemplate",
            "secretKey": key_json,
            "templateId": id,
        });
        if let Some(a) = template_for {
            content["forIdentity"] = json!(a);
        }
        if let Some(p) = &template_password {
            content["passwordProtection"] = p.shared_json();
        }
        let ephemeral = body
            .get("ephemeral")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        self.create_token(NewToken {
            content,
            expires_at,
            ephemeral,
            for_identity: for_identity.or(template_for.and_then(|a| Address::parse(a).ok())),
            password: template_password,
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
                .map(str::to_owned),
        })
    }

    /// The template keypair of an own template, for answering a request against it.
    pub(crate) async fn own_template_keypair(&self, id: &str) -> Result<ExchangeKeypair> {
        let doc = self.get_doc(COLLECTION, id, "RelationshipTemplate").await?;
        self.vault.open_crypto(local_str(&doc, "templateKeypair")?)
    }
}
