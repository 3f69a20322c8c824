//! Files: the content is encrypted under its own key and uploaded as the JSON of its cipher;
//! the metadata (name, type, size, hashes and the content key) is encrypted under a second
//! key that is what references, tokens and message attachments share. Downloads are checked
//! against both hashes before the bytes are handed out.

use crate::Transport;
use crate::error::{Result, TransportError};
use crate::password::PasswordProtection;
use crate::tokens::{NewToken, parse_for_identity, token_target};
use crate::util::{self, LOCAL, Ownership, local_str, str_field};
use reqwest::Method;
use serde_json::{Value, json};
use wire::{AnyId, Cipher, CryptoObject, HashLabel, SecretKey};

pub const COLLECTION: &str = "Files";
pub const QUERY_KEYS: &[&str] = &[
    "createdAt",
    "createdBy",
    "createdByDevice",
    "description",
    "expiresAt",
    "filename",
    "filesize",
    "mimetype",
    "title",
    "isOwn",
    "tags",
    "ownershipToken",
    "ownershipIsLocked",
];
/// `platformMaxUnencryptedFileSize`.
pub const MAX_FILE_SIZE: usize = 10 * 1024 * 1024;
const DEFAULT_EXPIRY: &str = "9999-12-31T00:00:00.000Z";

/// An upload as the REST layer received it.
pub struct NewFile {
    pub content: Vec<u8>,
    pub filename: String,
    pub mimetype: String,
    pub expires_at: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub tags: Vec<String>,
}

/// A decrypted download.
pub struct Download {
    pub content: Vec<u8>,
    pub filename: String,
    pub mimetype: String,
}

fn plain(value: &impl CryptoObject) -> Value {
    serde_json::from_str(&value.to_plain_json()).expect("crypto objects serialise")
}

fn check_tag(tag: &str) -> bool {
    ["x:", "X:", "urn:", "bkb:", "language:", "mimetype:"]
        .iter()
        .any(|p| tag.starts_with(p) && tag.len() > p.len())
}

impl Transport {
    /// `POST /Files/Own`.
    pub async fn upload_own_file(&self, file: NewFile) -> Result<Value> {
        if file.content.is_empty() {
            return Err(TransportError::invalid(
                "the file content must not be empty",
            ));
        }
        if file.content.len() > MAX_FILE_SIZE {
            return Err(TransportError::rule(
                "error.transport.files.maxFileSizeExceeded",
                format!("the file is larger than {MAX_FILE_SIZE} bytes"),
            ));
        }
        if file.filename.is_empty() {
            return Err(TransportError::invalid("filename must not be empty"));
        }
        if let Some(bad) = file.tags.iter().find(|t| !check_tag(t)) {
            return Err(TransportError::invalid(format!(
                "the tag {bad:?} needs a prefix x:, urn:, bkb:, language: or mimetype:"
            )));
        }
        let expires_at = match &file.expires_at {
            Some(t) => util::future_time(t, "expiresAt")?,
            None => DEFAULT_EXPIRY.to_owned(),
        };
        let plaintext_hash = wire::hash::sha512(&file.content);
        let owner_signature = self
            .identity
            .device_key
            .sign(&plaintext_hash, HashLabel::Sha512);
        let content_key = SecretKey::generate()?;
        let blob = content_key.encrypt(&file.content)?.to_json().into_bytes();
        let cipher_hash = wire::encoding::b64u_encode(&wire::hash::sha512(&blob));
        let mut metadata = serde_json::Map::new();
        metadata.insert("@type".into(), json!("FileMetadata"));
        if let Some(d) = &file.description {
            metadata.insert("description".into(), json!(d));
        }
        metadata.insert("filename".into(), json!(file.filename));
        metadata.insert("filesize".into(), json!(file.content.len()));
        metadata.insert("mimetype".into(), json!(file.mimetype));
        metadata.insert(
            "plaintextHash".into(),
            json!(wire::encoding::b64u_encode(&plaintext_hash)),
        );
        metadata.insert("secretKey".into(), plain(&content_key));
        if !file.tags.is_empty() {
            metadata.insert("tags".into(), json!(file.tags));
        }
        if let Some(t) = &file.title {
            metadata.insert("title".into(), json!(t));
        }
        let metadata_key = SecretKey::generate()?;
        let encrypted_properties = metadata_key
            .encrypt(Value::Object(metadata).to_string().as_bytes())?
            .to_base64();
        let created: Value = self
            .backbone
            .upload(
                "/api/v2/Files",
                blob,
                vec![
                    ("cipherHash", cipher_hash.clone()),
                    ("owner", self.identity.address.to_string()),
                    ("ownerSignature", owner_signature.to_base64()),
                    ("expiresAt", expires_at.clone()),
                    ("encryptedProperties", encrypted_properties),
                ],
            )
            .await?;
        let id = str_field(&created, "id")?;
        let mut doc = json!({
            "id": id,
            "isOwn": true,
            "filename": file.filename,
            "filesize": file.content.len(),
            "createdAt": created.get("createdAt").cloned().unwrap_or(json!(util::now())),
            "createdBy": self.identity.address.as_str(),
            "createdByDevice": self.identity.device_id,
            "expiresAt": expires_at,
            "mimetype": file.mimetype,
            "reference": self.file_reference(id, &metadata_key)?,
            "owner": self.identity.address.as_str(),
        });
        if !file.tags.is_empty() {
            doc["tags"] = json!(file.tags);
        }
        if let Some(t) = &file.title {
            doc["title"] = json!(t);
        }
        if let Some(d) = &file.description {
            doc["description"] = json!(d);
        }
        if let Some(t) = created.get("ownershipToken").and_then(Value::as_str) {
            doc["ownershipToken"] = json!(t);
        }
        let mut stored = doc.clone();
        stored[LOCAL] = json!({
            "metadataKey": self.vault.seal_crypto(&metadata_key)?,
            "contentKey": self.vault.seal_crypto(&content_key)?,
            "cipherHash": cipher_hash,
            "plaintextHash": wire::encoding::b64u_encode(&plaintext_hash),
        });
        self.store.put(COLLECTION, stored).await?;
        Ok(doc)
    }

    fn file_reference(&self, id: &str, key: &SecretKey) -> Result<Value> {
        util::reference_dto(&wire::Reference {
            id: AnyId::parse(id)?,
            backbone_base_url: Some(self.backbone.base_url().to_owned()),
            key: key.clone(),
            for_identity_truncated: None,
            password_protection: None,
        })
    }

    /// Loads a file's metadata from the Backbone and builds its stored document; `None` when
    /// it is already stored.
    pub(crate) async fn file_doc_from_backbone(
        &self,
        id: &str,
        metadata_key: &SecretKey,
    ) -> Result<Option<Value>> {
        if self.store.get(COLLECTION, id).await?.is_some() {
            return Ok(None);
        }
        let meta: Value = self
            .backbone
            .get(&format!("/api/v2/Files/{id}/metadata"))
            .await?;
        let invalid = || {
            TransportError::peer(
                "error.transport.files.invalidMetadata",
                "the file's metadata does not decrypt or parse",
            )
        };
        let cipher = Cipher::from_base64(str_field(&meta, "encryptedProperties")?)?;
        let properties = util::peer_json(
            &metadata_key.decrypt(&cipher).map_err(|_| invalid())?,
            "file metadata",
        )?;
        let content_key =
            SecretKey::from_json(&properties["secretKey"].to_string()).map_err(|_| invalid())?;
        let owner = meta
            .get("owner")
            .or_else(|| meta.get("createdBy"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        let mut doc = json!({
            "id": id,
            "isOwn": owner == self.identity.address.as_str(),
            "filename": properties.get("filename").cloned().unwrap_or(json!("")),
            "filesize": properties.get("filesize").cloned().unwrap_or(json!(0)),
            "createdAt": meta.get("createdAt").cloned().unwrap_or(Value::Null),
            "createdBy": meta.get("createdBy").cloned().unwrap_or(Value::Null),
            "createdByDevice": meta.get("createdByDevice").cloned().unwrap_or(Value::Null),
            "expiresAt": meta.get("expiresAt").cloned().unwrap_or(Value::Null),
            "mimetype": properties.get("mimetype").cloned().unwrap_or(json!("application/octet-stream")),
            "reference": self.file_reference(id, metadata_key)?,
            "owner": owner,
        });
        for key in ["title", "description", "tags"] {
            if let Some(v) = properties.get(key).filter(|v| !v.is_null()) {
                doc[key] = v.clone();
            }
        }
        if meta.get("ownershipIsLocked") == Some(&json!(true)) {
            doc["ownershipIsLocked"] = json!(true);
        }
        doc[LOCAL] = json!({
            "metadataKey": self.vault.seal_crypto(metadata_key)?,
            "contentKey": self.vault.seal_crypto(&content_key)?,
            "cipherHash": meta.get("cipherHash").cloned().unwrap_or(Value::Null),
            "plaintextHash": properties.get("plaintextHash").cloned().unwrap_or(Value::Null),
        });
        Ok(Some(doc))
    }

    /// `POST /Files/Peer` and `GET /Files/{reference}`: by file reference or file token.
    pub async fn load_peer_file(&self, body: &Value) -> Result<Value> {
        let reference = util::reference_field(body)?;
        let password = body.get("password").and_then(Value::as_str);
        let reference = util::parse_reference(reference, &["FIL", "TOK"])?;
        let (file_id, key) = if reference.id.as_str().starts_with("TOK") {
            let token = self.load_token(&reference, password, true).await?;
            token_target(&token["content"], "TokenContentFile", "fileId", "a file")?
        } else {
            (reference.id.to_string(), reference.key.clone())
        };
        if let Some(doc) = self.file_doc_from_backbone(&file_id, &key).await? {
            self.store.put(COLLECTION, doc).await?;
        }
        self.get_file(&file_id).await
    }

    pub async fn get_file(&self, id: &str) -> Result<Value> {
        Ok(util::dto(self.get_doc(COLLECTION, id, "File").await?))
    }

    /// A file by id, or by reference (loading it when it is new).
    pub async fn get_or_load_file(&self, id_or_reference: &str) -> Result<Value> {
        if id_or_reference.starts_with("FIL") && id_or_reference.len() == 20 {
            return self.get_file(id_or_reference).await;
        }
        self.load_peer_file(&json!({"reference": id_or_reference}))
            .await
    }

    pub async fn list_files(
        &self,
        query: &[(String, String)],
        ownership: Ownership,
    ) -> Result<Vec<Value>> {
        let filter = util::list_filter(query, QUERY_KEYS, ownership)?;
        self.find_dtos(COLLECTION, &filter).await
    }

    pub(crate) async fn file_with_key(&self, id: &str) -> Result<(Value, SecretKey)> {
        let doc = self.get_doc(COLLECTION, id, "File").await?;
        let key = self.vault.open_crypto(local_str(&doc, "metadataKey")?)?;
        Ok((doc, key))
    }

    /// `GET /Files/{id}/Download`: fetched, checked against both hashes, decrypted.
    pub async fn download_file(&self, id: &str) -> Result<Download> {
        let doc = self.get_doc(COLLECTION, id, "File").await?;
        let blob = self
            .backbone
            .download(&format!("/api/v2/Files/{id}"))
            .await?;
        let cipher_hash = wire::encoding::b64u_encode(&wire::hash::sha512(&blob));
        if local_str(&doc, "cipherHash")? != cipher_hash {
            return Err(TransportError::peer(
                "error.transport.files.cipherMismatch",
                "the downloaded file does not match its cipher hash",
            ));
        }
        let key: SecretKey = self.vault.open_crypto(local_str(&doc, "contentKey")?)?;
        let cipher = Cipher::from_json_bytes(&blob)?;
        let content = key.decrypt(&cipher).map_err(|_| {
            TransportError::peer(
                "error.transport.files.cipherMismatch",
                "the file does not decrypt",
            )
        })?;
        if local_str(&doc, "plaintextHash")?
            != wire::encoding::b64u_encode(&wire::hash::sha512(&content))
        {
            return Err(TransportError::peer(
                "error.transport.files.plaintextHashMismatch",
                "the decrypted file does not match its plaintext hash",
            ));
        }
        Ok(Download {
            content,
            filename: str_field(&doc, "filename")?.to_owned(),
            mimetype: str_field(&doc, "mimetype")?.to_owned(),
        })
    }

    /// `POST /Files/{id}/Token`.
    pub async fn create_file_token(&self, id: &str, body: &Value) -> Result<Value> {
        let (doc, key) = self.file_with_key(id).await?;
        let expires_at = match body.get("expiresAt").and_then(Value::as_str) {
            Some(t) => util::future_time(t, "expiresAt")?,
            None => str_field(&doc, "expiresAt")?.to_owned(),
        };
        self.create_token(NewToken {
            content: json!({"@type": "TokenContentFile", "fileId": id, "secretKey": plain(&key)}),
            expires_at,
            ephemeral: body
                .get("ephemeral")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            for_identity: parse_for_identity(body.get("forIdentity"))?,
            password: PasswordProtection::from_request(body.get("passwordProtection"))?,
        })
        .await
    }

    fn require_own_file(doc: &Value) -> Result<()> {
        if doc.get("isOwn") == Some(&json!(true)) {
            Ok(())
        } else {
            Err(TransportError::rule(
                "error.runtime.files.notOwnedByYou",
                "only the owner of the file can do this",
            ))
        }
    }

    /// `PATCH /Files/{id}/RegenerateOwnershipToken`.
    pub async fn regenerate_ownership_token(&self, id: &str) -> Result<Value> {
        let mut doc = self.get_doc(COLLECTION, id, "File").await?;
        Self::require_own_file(&doc)?;
        let answer: Value = self
            .backbone
            .call(
                Method::PATCH,
                &format!("/api/v2/Files/{id}/RegenerateOwnershipToken"),
                &json!({}),
            )
            .await?;
        doc["ownershipToken"] = json!(str_field(&answer, "newOwnershipToken")?);
        if let Some(map) = doc.as_object_mut() {
            map.remove("ownershipIsLocked");
        }
        self.store.put(COLLECTION, doc.clone()).await?;
        Ok(util::dto(doc))
    }

    /// `DELETE /Files/{id}`.
    pub async fn delete_file(&self, id: &str) -> Result<()> {
        self.delete_doc(COLLECTION, id, "File", &format!("/api/v2/Files/{id}"))
            .await
    }

    /// A `FileOwnershipLocked` or `FileOwnershipClaimed` event: refresh the local copy.
    pub(crate) async fn file_ownership_changed(&self, id: &str) -> Result<Option<Value>> {
        let Some(mut doc) = self.store.get(COLLECTION, id).await? else {
            return Ok(None);
        };
        let meta: Value = self
            .backbone
            .get(&format!("/api/v2/Files/{id}/metadata"))
            .await?;
        if let Some(owner) = meta.get("owner").and_then(Value::as_str) {
            doc["owner"] = json!(owner);
            doc["isOwn"] = json!(owner == self.identity.address.as_str());
        }
        if meta.get("ownershipIsLocked") == Some(&json!(true)) {
            doc["ownershipIsLocked"] = json!(true);
        }
        Ok(Some(doc))
    }
}
