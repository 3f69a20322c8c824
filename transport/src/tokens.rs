//! Tokens: small encrypted JSON objects on the Backbone, shared by reference. Own tokens are
//! created here (also for templates and files, which put a key into the token); peer tokens
//! are loaded by reference, password-protected ones with the password.

use crate::Transport;
use crate::error::{Result, TransportError};
use crate::password::{self, PasswordProtection};
use crate::util::{self, LOCAL, Ownership, local_str, str_field};
use reqwest::Method;
use serde_json::{Value, json};
use wire::{Address, AnyId, Cipher, CryptoObject, SecretKey};

pub const COLLECTION: &str = "Tokens";
pub const QUERY_KEYS: &[&str] = &[
    "createdAt",
    "createdBy",
    "createdByDevice",
    "expiresAt",
    "forIdentity",
    "passwordProtection",
    "passwordProtection.password",
    "passwordProtection.passwordIsPin",
    "isOwn",
];

/// What a new own token holds and who may read it.
pub struct NewToken {
    pub content: Value,
    pub expires_at: String,
    pub ephemeral: bool,
    pub for_identity: Option<Address>,
    pub password: Option<PasswordProtection>,
}

/// Parses `forIdentity`.
pub fn parse_for_identity(value: Option<&Value>) -> Result<Option<Address>> {
    match value.filter(|v| !v.is_null()) {
        None => Ok(None),
        Some(Value::String(s)) => Address::parse(s)
            .map(Some)
            .map_err(|e| TransportError::invalid(format!("forIdentity: {e}"))),
        Some(_) => Err(TransportError::invalid("forIdentity must be an address")),
    }
}

/// The object a loaded token points to: its content must be of `content_type` and name the
/// object in `id_field`; yields the object's id and key.
pub(crate) fn token_target(
    content: &Value,
    content_type: &str,
    id_field: &str,
    what: &str,
) -> Result<(String, SecretKey)> {
    if content.get("@type").and_then(Value::as_str) != Some(content_type) {
        return Err(TransportError::rule(
            "error.runtime.invalidTokenContent",
            format!("the token does not point to {what}"),
        ));
    }
    let id = content
        .get(id_field)
        .and_then(Value::as_str)
        .ok_or_else(|| {
            TransportError::rule(
                "error.runtime.invalidTokenContent",
                format!("{id_field} missing"),
            )
        })?;
    let key = SecretKey::from_json(&content["secretKey"].to_string())?;
    Ok((id.to_owned(), key))
}

impl Transport {
    /// `POST /Tokens/Own`.
    pub async fn create_own_token(&self, body: &Value) -> Result<Value> {
        let content = body
            .get("content")
            .ok_or_else(|| TransportError::invalid("content is required"))?
            .clone();
        let expires_at = util::future_time(
            body.get("expiresAt")
                .and_then(Value::as_str)
                .ok_or_else(|| TransportError::invalid("expiresAt is required"))?,
            "expiresAt",
        )?;
        let ephemeral = match body.get("ephemeral") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(TransportError::invalid("ephemeral must be a boolean")),
        };
        self.create_token(NewToken {
            content,
            expires_at,
            ephemeral,
            for_identity: parse_for_identity(body.get("forIdentity"))?,
            password: PasswordProtection::from_request(body.get("passwordProtection"))?,
        })
        .await
    }

    pub(crate) async fn create_token(&self, token: NewToken) -> Result<Value> {
        let key = SecretKey::generate()?;
        let cipher = key.encrypt(token.content.to_string().as_bytes())?;
        let mut body = json!({"content": cipher.to_base64(), "expiresAt": token.expires_at});
        if let Some(a) = &token.for_identity {
            body["forIdentity"] = json!(a.as_str());
        }
        if let Some(p) = &token.password {
            body["password"] = json!(p.backbone_password()?);
        }
        let created: Value = self
            .backbone
            .call(Method::POST, "/api/v2/Tokens", &body)
            .await?;
        let id = str_field(&created, "id")?;
        let reference = wire::Reference {
            id: AnyId::parse(id)?,
            backbone_base_url: Some(self.backbone.base_url().to_owned()),
            key: key.clone(),
            for_identity_truncated: token
                .for_identity
                .as_ref()
                .map(|a| a.truncated().to_owned()),
            password_protection: token.password.as_ref().map(PasswordProtection::shared),
        };
        let mut doc = json!({
            "id": id,
            "isOwn": true,
            "createdBy": self.identity.address.as_str(),
            "createdByDevice": self.identity.device_id,
            "content": token.content,
            "createdAt": created.get("createdAt").cloned().unwrap_or(json!(util::now())),
            "expiresAt": token.expires_at,
            "reference": util::reference_dto(&reference)?,
            "isEphemeral": token.ephemeral,
        });
        if let Some(a) = &token.for_identity {
            doc["forIdentity"] = json!(a.as_str());
        }
        if let Some(p) = &token.password {
            doc["passwordProtection"] = p.dto();
        }
        if !token.ephemeral {
            let mut stored = doc.clone();
            stored[LOCAL] = json!({"secretKey": self.vault.seal_crypto(&key)?});
            self.store.put(COLLECTION, stored).await?;
        }
        Ok(doc)
    }

    /// `POST /Tokens/Peer`.
    pub async fn load_peer_token(&self, body: &Value) -> Result<Value> {
        let reference = util::reference_field(body)?;
        let ephemeral = body
            .get("ephemeral")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let password = body.get("password").and_then(Value::as_str);
        let reference = util::parse_reference(reference, &["TOK"])?;
        self.load_token(&reference, password, ephemeral).await
    }

    /// Fetches and decrypts a token by reference; stores it unless `ephemeral`.
    pub(crate) async fn load_token(
        &self,
        reference: &wire::Reference,
        password: Option<&str>,
        ephemeral: bool,
    ) -> Result<Value> {
        let protection = password::peer_password(reference.password_protection.as_ref(), password)?;
        let path = format!(
            "/api/v2/Tokens/{}{}",
            reference.id,
            password::query(protection.as_ref())?
        );
        let token: Value = self.backbone.get(&path).await?;
        let content_b64 = str_field(&token, "content")?;
        let cipher = Cipher::from_base64(content_b64)?;
        let plaintext = reference.key.decrypt(&cipher).map_err(|_| {
            TransportError::rule(
                "error.transport.tokens.invalidTokenContent",
                "the token does not decrypt with the key of the reference",
            )
        })?;
        let content = util::peer_json(&plaintext, "token content")?;
        let created_by = str_field(&token, "createdBy")
            .unwrap_or_default()
            .to_owned();
        let is_own = created_by == self.identity.address.as_str();
        let mut doc = json!({
            "id": reference.id.as_str(),
            "isOwn": is_own,
            "createdBy": created_by,
            "createdByDevice": token.get("createdByDevice").cloned().unwrap_or(Value::Null),
            "content": content,
            "createdAt": token.get("createdAt").cloned().unwrap_or(Value::Null),
            "expiresAt": token.get("expiresAt").cloned().unwrap_or(Value::Null),
            "reference": util::reference_dto(reference)?,
            "isEphemeral": ephemeral,
        });
        if let Some(f) = token.get("forIdentity").and_then(Value::as_str) {
            doc["forIdentity"] = json!(f);
        }
        if let Some(p) = &protection {
            doc["passwordProtection"] = p.dto();
        }
        if !ephemeral {
            let mut stored = doc.clone();
            stored[LOCAL] = json!({"secretKey": self.vault.seal_crypto(&reference.key)?});
            self.store.put(COLLECTION, stored).await?;
        }
        Ok(doc)
    }

    pub async fn get_token(&self, id: &str) -> Result<Value> {
        Ok(util::dto(self.get_doc(COLLECTION, id, "Token").await?))
    }

    pub async fn list_tokens(
        &self,
        query: &[(String, String)],
        ownership: Ownership,
    ) -> Result<Vec<Value>> {
        let filter = util::list_filter(query, QUERY_KEYS, ownership)?;
        self.find_dtos(COLLECTION, &filter).await
    }

    /// `DELETE /Tokens/{id}`: on the Backbone too when it is our own.
    pub async fn delete_token(&self, id: &str) -> Result<()> {
        self.delete_doc(COLLECTION, id, "Token", &format!("/api/v2/Tokens/{id}"))
            .await
    }

    /// The key of a stored token (for tests and re-sharing).
    pub async fn token_key(&self, id: &str) -> Result<SecretKey> {
        let doc = self.get_doc(COLLECTION, id, "Token").await?;
        self.vault.open_crypto(local_str(&doc, "secretKey")?)
    }
}
