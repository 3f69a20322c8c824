//! Files: the content is encrypted under its own key and uploaded as the JSON of its cipher;
//! the metadata (name, type, size, hashes and the content key) is encrypted under a second
//! key that is what references, tokens and message attachments share. Downloads are checked
//! against both hashes before the bytes are handed out.
//!
//! Uploads are checked as the runtime's `UploadOwnFileUseCase` checks them, in its order and
//! with its words: the schema (`content`, `filename`, `mimetype` required, `expiresAt` an
//! ISO 8601 date-time), then the size, then `expiresAt` in the future ([`check_upload`]);
//! the consumption layer then checks the tags, before [`Transport::upload_own_file`].

use crate::Transport;
use crate::error::{Result, TransportError};
use crate::password::PasswordProtection;
use crate::tokens::{NewToken, parse_for_identity, token_target};
use crate::util::{self, LOCAL, Ownership, local_str};
use consumer_api::files::{self as api, UploadFields};
use consumer_api::{Bytes, Timestamp};
use reqwest::Method;
use runtime_types::files::{
    CreateTokenForFileRequest, FileDto, LoadPeerFileRequest, ReferenceDto, UploadOwnFileParts,
};
use runtime_types::tokens::TokenDto;
use serde_json::{Value, json};
use wire::{AnyId, Cipher, CryptoObject, FileId, HashLabel, SecretKey};

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
/// The runtime's `@errorMessage` for a reference that is no file or token reference.
const INVALID_REFERENCE: &str = "token / file reference invalid";

/// A decrypted download.
pub struct Download {
    pub content: Vec<u8>,
    pub filename: String,
    pub mimetype: String,
}

fn plain(value: &impl CryptoObject) -> Value {
    serde_json::from_str(&value.to_plain_json()).expect("crypto objects serialise")
}

fn internal(e: impl std::fmt::Display) -> TransportError {
    TransportError::Internal(e.to_string())
}

/// An `ISO8601DateTimeString` as the runtime's schema accepts it (a date, optionally with a
/// time and a zone; no zone means UTC), or its schema error naming `field`.
pub fn parse_iso_date_time(text: &str, field: &str) -> Result<Timestamp> {
    use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};
    let invalid = || TransportError::invalid(format!("{field} must match ISO8601 datetime format"));
    if let Some(t) = Timestamp::parse(text) {
        return Ok(t);
    }
    let naive = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
    .or_else(|| {
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
    })
    .ok_or_else(invalid)?;
    Timestamp::parse(&util::format_time(Utc.from_utc_datetime(&naive))).ok_or_else(invalid)
}

/// `expiresAt` of an upload or a token: well-formed, then in the future.
fn future_expiry(text: &str) -> Result<Timestamp> {
    let t = parse_iso_date_time(text, "expiresAt")?;
    if t.is_past() {
        return Err(TransportError::invalid("'expiresAt' must be in the future"));
    }
    Ok(t)
}

fn required<T>(value: Option<T>, name: &str) -> Result<T> {
    value.ok_or_else(|| TransportError::invalid(format!("must have required property '{name}'")))
}

/// What a stored file keeps beside its DTO.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct FileSecrets {
    metadata_key: String,
    content_key: String,
    cipher_hash: String,
    plaintext_hash: String,
}

/// The stored document of a file: its DTO and, under `_local`, its keys and hashes.
fn stored_doc(dto: &FileDto, secrets: &FileSecrets) -> Result<Value> {
    let mut doc = serde_json::to_value(dto).map_err(internal)?;
    doc[LOCAL] = serde_json::to_value(secrets).map_err(internal)?;
    Ok(doc)
}

/// An upload that passed the runtime's request checks; the tags are checked by the
/// consumption layer (they need the Backbone's tag catalogue) before it is uploaded.
#[derive(Debug)]
pub struct CheckedUpload {
    content: Vec<u8>,
    filename: String,
    mimetype: String,
    expires_at: Timestamp,
    title: Option<String>,
    description: Option<String>,
    tags: Option<Vec<String>>,
}

impl CheckedUpload {
    /// The tags, none when the request had none or an empty list.
    pub fn tags(&self) -> &[String] {
        self.tags.as_deref().unwrap_or_default()
    }
}

/// The checks of `UploadOwnFileUseCase`'s validator, in its order and with its words: the
/// schema (`content`, `filename`, `mimetype` required, `expiresAt` an ISO 8601 date-time,
/// `tags` unique), then the size, then `expiresAt` in the future.
pub fn check_upload(file: UploadOwnFileParts) -> Result<CheckedUpload> {
    let content = required(file.content, "content")?;
    let filename = required(file.filename, "filename")?;
    let mimetype = required(file.mimetype, "mimetype")?;
    let expires_at = file
        .expires_at
        .as_deref()
        .map(|t| parse_iso_date_time(t, "expiresAt"))
        .transpose()?;
    let tags = file.tags.filter(|t| !t.is_empty());
    if let Some(tags) = &tags {
        for (i, tag) in tags.iter().enumerate() {
            if let Some(j) = tags[..i].iter().position(|t| t == tag) {
                return Err(TransportError::invalid(format!(
                    "tags must NOT have duplicate items (items ## {i} and {j} are identical)"
                )));
            }
        }
    }
    if content.len() > MAX_FILE_SIZE {
        return Err(TransportError::invalid("'content' is too large"));
    }
    let expires_at = match expires_at {
        Some(t) if t.is_past() => {
            return Err(TransportError::invalid("'expiresAt' must be in the future"));
        }
        Some(t) => t,
        None => Timestamp::parse(DEFAULT_EXPIRY).ok_or_else(|| internal("default expiry"))?,
    };
    Ok(CheckedUpload {
        content,
        filename,
        mimetype,
        expires_at,
        title: file.title,
        description: file.description,
        tags,
    })
}

fn file_dto(doc: Value) -> Result<FileDto> {
    serde_json::from_value(util::dto(doc)).map_err(internal)
}

impl Transport {
    /// `POST /Files/Own`, after [`check_upload`] and the consumption layer's tag check. An
    /// empty file is a file like any other: its cipher is not empty.
    pub async fn upload_own_file(&self, file: CheckedUpload) -> Result<FileDto> {
        let CheckedUpload {
            content,
            filename,
            mimetype,
            expires_at,
            title,
            description,
            tags,
        } = file;
        let filesize = content.len() as u64;
        // Hashing, encrypting and encoding a large file takes tens of milliseconds of CPU,
        // which would hold up every other request of its runtime worker.
        let (plaintext_hash, content_key, blob, cipher_hash) = blocking(move || {
            let plaintext_hash = wire::hash::sha512(&content);
            let content_key = SecretKey::generate()?;
            // The content becomes its ciphertext in its own buffer, and the cipher its JSON in
            // one more: a file is held at most about twice and a third over while uploaded.
            let blob = content_key.encrypt_owned(content)?.to_json_vec();
            let cipher_hash = wire::hash::sha512(&blob);
            Ok((plaintext_hash, content_key, blob, cipher_hash))
        })
        .await?;
        let owner_signature = self
            .identity
            .device_key
            .sign(&plaintext_hash, HashLabel::Sha512);
        let mut metadata = serde_json::Map::new();
        metadata.insert("@type".into(), json!("FileMetadata"));
        if let Some(d) = &description {
            metadata.insert("description".into(), json!(d));
        }
        metadata.insert("filename".into(), json!(filename));
        metadata.insert("filesize".into(), json!(filesize));
        metadata.insert("mimetype".into(), json!(mimetype));
        metadata.insert(
            "plaintextHash".into(),
            json!(wire::encoding::b64u_encode(&plaintext_hash)),
        );
        metadata.insert("secretKey".into(), plain(&content_key));
        if let Some(tags) = &tags {
            metadata.insert("tags".into(), json!(tags));
        }
        if let Some(t) = &title {
            metadata.insert("title".into(), json!(t));
        }
        let metadata_key = SecretKey::generate()?;
        let encrypted_properties =
            metadata_key.encrypt(Value::Object(metadata).to_string().as_bytes())?;
        let fields = UploadFields {
            cipher_hash: Bytes(cipher_hash.to_vec()),
            owner: Some(self.identity.address.clone()),
            owner_signature: Some(
                Bytes::decode(&owner_signature.to_base64())
                    .ok_or_else(|| internal("a signature is not base64"))?,
            ),
            expires_at,
            encrypted_properties: Bytes::decode(&encrypted_properties.to_base64())
                .ok_or_else(|| internal("a cipher is not base64"))?,
        };
        let created: api::File = self
            .backbone
            .upload("/api/v2/Files", blob, fields.to_parts())
            .await?;
        let dto = FileDto {
            id: created.id.clone(),
            is_own: true,
            filename,
            tags,
            filesize,
            created_at: created.created_at,
            created_by: self.identity.address.to_string(),
            created_by_device: self.identity.device_id.clone(),
            expires_at,
            mimetype,
            title,
            description,
            reference: self.file_reference(&created.id, &metadata_key)?,
            owner: self.identity.address.to_string(),
            ownership_token: created.ownership_token,
            ownership_is_locked: None,
        };
        let secrets = FileSecrets {
            metadata_key: self.vault.seal_crypto(&metadata_key)?,
            content_key: self.vault.seal_crypto(&content_key)?,
            cipher_hash: wire::encoding::b64u_encode(&cipher_hash),
            plaintext_hash: wire::encoding::b64u_encode(&plaintext_hash),
        };
        self.store
            .put(COLLECTION, stored_doc(&dto, &secrets)?)
            .await?;
        Ok(dto)
    }

    fn file_reference(&self, id: &str, key: &SecretKey) -> Result<ReferenceDto> {
        let reference = wire::Reference {
            id: AnyId::parse(id)?,
            backbone_base_url: Some(self.backbone.base_url().to_owned()),
            key: key.clone(),
            for_identity_truncated: None,
            password_protection: None,
        };
        Ok(ReferenceDto {
            truncated: reference.truncate(),
            url: reference.to_url(None)?,
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
        let meta: api::File = self
            .backbone
            .get(&format!("/api/v2/Files/{id}/metadata"))
            .await?;
        let invalid = || {
            TransportError::peer(
                "error.transport.files.invalidMetadata",
                "the file's metadata does not decrypt or parse",
            )
        };
        let encrypted = meta.encrypted_properties.as_ref().ok_or_else(invalid)?;
        let cipher = Cipher::from_base64(&encrypted.encode())?;
        let properties = util::peer_json(
            &metadata_key.decrypt(&cipher).map_err(|_| invalid())?,
            "file metadata",
        )?;
        let content_key =
            SecretKey::from_json(&properties["secretKey"].to_string()).map_err(|_| invalid())?;
        let text = |key: &str| {
            properties
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let dto = FileDto {
            id: id.to_owned(),
            is_own: meta.owner == self.identity.address,
            filename: text("filename").unwrap_or_default(),
            tags: properties
                .get("tags")
                .and_then(|t| serde_json::from_value(t.clone()).ok()),
            filesize: properties
                .get("filesize")
                .and_then(Value::as_u64)
                .unwrap_or(0),
            created_at: meta.created_at,
            created_by: meta.created_by.to_string(),
            created_by_device: meta.created_by_device.clone(),
            expires_at: meta.expires_at,
            mimetype: text("mimetype").unwrap_or_else(|| "application/octet-stream".into()),
            title: text("title"),
            description: text("description"),
            reference: self.file_reference(id, metadata_key)?,
            owner: meta.owner.to_string(),
            ownership_token: None,
            ownership_is_locked: meta.ownership_is_locked.filter(|locked| *locked),
        };
        let secrets = FileSecrets {
            metadata_key: self.vault.seal_crypto(metadata_key)?,
            content_key: self.vault.seal_crypto(&content_key)?,
            cipher_hash: meta.cipher_hash.encode(),
            plaintext_hash: text("plaintextHash").unwrap_or_default(),
        };
        Ok(Some(stored_doc(&dto, &secrets)?))
    }

    /// `POST /Files/Peer`: by file reference or file token reference.
    pub async fn load_peer_file(&self, request: LoadPeerFileRequest) -> Result<FileDto> {
        let invalid = || TransportError::invalid(INVALID_REFERENCE);
        let text = request
            .reference
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .ok_or_else(invalid)?;
        let reference = wire::Reference::parse(text).map_err(|_| invalid())?;
        let (file_id, key) = if reference.id.as_str().starts_with("TOK") {
            let token = self
                .load_token(&reference, request.password.as_deref(), true)
                .await?;
            token_target(&token["content"], "TokenContentFile", "fileId", "a file")?
        } else if reference.id.as_str().starts_with("FIL") {
            (reference.id.to_string(), reference.key.clone())
        } else {
            return Err(invalid());
        };
        if let Some(doc) = self.file_doc_from_backbone(&file_id, &key).await? {
            self.store.put(COLLECTION, doc).await?;
        }
        self.get_file(&file_id).await
    }

    pub async fn get_file(&self, id: &str) -> Result<FileDto> {
        file_dto(self.get_doc(COLLECTION, id, "File").await?)
    }

    /// `GET /Files/{idOrReference}`: a file by id, or by reference (loading it when it is new).
    pub async fn get_or_load_file(&self, id_or_reference: &str) -> Result<FileDto> {
        if id_or_reference.starts_with("FIL") {
            let id = FileId::parse(id_or_reference)
                .map_err(|_| TransportError::invalid("id must match pattern FIL[A-Za-z0-9]{17}"))?;
            return self.get_file(id.as_str()).await;
        }
        self.load_peer_file(LoadPeerFileRequest {
            reference: Some(id_or_reference.to_owned()),
            password: None,
        })
        .await
    }

    /// `GET /Files`, `/Files/Own`, `/Files/Peer` as stored JSON: a stored file is its DTO plus `_local`
    /// (its keys, never shown), so the answer passes the stored text on without `_local`.
    pub async fn list_files_json(
        &self,
        query: &[(String, String)],
        ownership: Ownership,
    ) -> Result<store::JsonRows> {
        let filter = util::list_filter(query, QUERY_KEYS, ownership)?;
        Ok(self
            .store
            .find_json(COLLECTION, &filter, &Default::default(), &[util::LOCAL])
            .await?)
    }

    pub(crate) async fn file_with_key(&self, id: &str) -> Result<(Value, SecretKey)> {
        let doc = self.get_doc(COLLECTION, id, "File").await?;
        let key = self.vault.open_crypto(local_str(&doc, "metadataKey")?)?;
        Ok((doc, key))
    }

    /// `GET /Files/{id}/Download`: fetched, checked against both hashes, decrypted.
    pub async fn download_file(&self, id: &FileId) -> Result<Download> {
        let doc = self.get_doc(COLLECTION, id.as_str(), "File").await?;
        let blob = self
            .backbone
            .download(&format!("/api/v2/Files/{id}"))
            .await?;
        let stored_cipher_hash = Bytes::decode(local_str(&doc, "cipherHash")?);
        let stored_plaintext_hash = local_str(&doc, "plaintextHash")?.to_owned();
        let key: SecretKey = self.vault.open_crypto(local_str(&doc, "contentKey")?)?;
        let content =
            blocking(move || open_blob(&blob, stored_cipher_hash, &stored_plaintext_hash, &key))
                .await?;
        let dto = file_dto(doc)?;
        Ok(Download {
            content,
            filename: dto.filename,
            mimetype: dto.mimetype,
        })
    }

    /// `POST /Files/{id}/Token`.
    pub async fn create_file_token(
        &self,
        id: &FileId,
        request: CreateTokenForFileRequest,
    ) -> Result<TokenDto> {
        let (doc, key) = self.file_with_key(id.as_str()).await?;
        let expires_at = match request.expires_at.as_deref() {
            Some(t) => future_expiry(t)?,
            None => file_dto(doc)?.expires_at,
        };
        self.create_token(NewToken {
            content: json!({"@type": "TokenContentFile", "fileId": id, "secretKey": plain(&key)}),
            expires_at,
            ephemeral: request.ephemeral.unwrap_or(false),
            for_identity: parse_for_identity(request.for_identity.as_deref())?,
            password: request
                .password_protection
                .as_ref()
                .map(PasswordProtection::from_request)
                .transpose()?,
        })
        .await
    }

    fn require_own_file(dto: &FileDto) -> Result<()> {
        if dto.is_own {
            Ok(())
        } else {
            Err(TransportError::rule(
                "error.runtime.files.notOwnedByYou",
                "Only the owner of the File can perform this action.",
            ))
        }
    }

    /// `PATCH /Files/{id}/RegenerateOwnershipToken`.
    pub async fn regenerate_ownership_token(&self, id: &FileId) -> Result<FileDto> {
        let doc = self.get_doc(COLLECTION, id.as_str(), "File").await?;
        let mut dto = file_dto(doc.clone())?;
        Self::require_own_file(&dto)?;
        let answer: api::NewOwnershipToken = self
            .backbone
            .call(
                Method::PATCH,
                &format!("/api/v2/Files/{id}/RegenerateOwnershipToken"),
                &json!({}),
            )
            .await?;
        dto.ownership_token = Some(answer.new_ownership_token);
        dto.ownership_is_locked = None;
        let mut stored = serde_json::to_value(&dto).map_err(internal)?;
        if let Some(local) = doc.get(LOCAL) {
            stored[LOCAL] = local.clone();
        }
        self.store.put(COLLECTION, stored).await?;
        Ok(dto)
    }

    /// Whether `token` is the ownership token of file `id`. Asked of the Backbone, which, as
    /// when claiming, locks the ownership when anyone but the owner names a wrong token.
    pub async fn validate_ownership_token(&self, id: &str, token: &str) -> Result<bool> {
        let answer: consumer_api::files::OwnershipTokenValidity = self
            .backbone
            .call(
                Method::POST,
                &format!("/api/v2/Files/{id}/ValidateOwnershipToken"),
                &consumer_api::files::OwnershipTokenRequest {
                    ownership_token: token.to_owned(),
                },
            )
            .await?;
        Ok(answer.is_valid)
    }

    /// Takes over a loaded peer file with its ownership token: the file becomes own, with the
    /// new ownership token the Backbone hands out.
    pub async fn claim_file_ownership(&self, id: &str, token: &str) -> Result<FileDto> {
        let doc = self.get_doc(COLLECTION, id, "File").await?;
        let answer: api::NewOwnershipToken = self
            .backbone
            .call(
                Method::PATCH,
                &format!("/api/v2/Files/{id}/ClaimOwnership"),
                &consumer_api::files::OwnershipTokenRequest {
                    ownership_token: token.to_owned(),
                },
            )
            .await?;
        let mut stored = doc;
        stored["owner"] = json!(self.identity.address.as_str());
        stored["isOwn"] = json!(true);
        stored["ownershipToken"] = json!(answer.new_ownership_token);
        if let Some(map) = stored.as_object_mut() {
            map.remove("ownershipIsLocked");
        }
        self.store.put(COLLECTION, stored.clone()).await?;
        file_dto(stored)
    }

    /// `DELETE /Files/{id}`.
    pub async fn delete_file(&self, id: &FileId) -> Result<()> {
        self.delete_doc(
            COLLECTION,
            id.as_str(),
            "File",
            &format!("/api/v2/Files/{id}"),
        )
        .await
    }

    /// A `FileOwnershipLocked` or `FileOwnershipClaimed` event: refresh the local copy.
    pub(crate) async fn file_ownership_changed(&self, id: &str) -> Result<Option<Value>> {
        let Some(mut doc) = self.store.get(COLLECTION, id).await? else {
            return Ok(None);
        };
        let meta: api::File = self
            .backbone
            .get(&format!("/api/v2/Files/{id}/metadata"))
            .await?;
        doc["owner"] = json!(meta.owner);
        doc["isOwn"] = json!(meta.owner == self.identity.address);
        if meta.ownership_is_locked == Some(true) {
            doc["ownershipIsLocked"] = json!(true);
        }
        Ok(Some(doc))
    }
}

/// Checks a downloaded blob against its cipher hash, decrypts it and checks the content
/// against its plaintext hash. The cipher hash runs on a second thread while the blob is
/// decoded and decrypted: both only read the blob, and SHA-512 is the slowest step.
fn open_blob(
    blob: &[u8],
    stored_cipher_hash: Option<Bytes>,
    stored_plaintext_hash: &str,
    key: &SecretKey,
) -> Result<Vec<u8>> {
    let (cipher_hash, decrypted) = std::thread::scope(|scope| {
        let hashing = scope.spawn(|| wire::hash::sha512(blob));
        let decrypted = Cipher::from_json_slice(blob).map(|cipher| key.decrypt_owned(cipher));
        (hashing.join(), decrypted)
    });
    let cipher_hash =
        cipher_hash.map_err(|_| TransportError::Internal("the cipher hash panicked".into()))?;
    // Stored hashes may be in either base64 alphabet (older documents kept the Backbone's).
    if stored_cipher_hash.map(|b| b.encode()) != Some(wire::encoding::b64u_encode(&cipher_hash)) {
        return Err(TransportError::peer(
            "error.transport.files.cipherMismatch",
            "the downloaded file does not match its cipher hash",
        ));
    }
    let content = decrypted?.map_err(|_| {
        TransportError::peer(
            "error.transport.files.cipherMismatch",
            "the file does not decrypt",
        )
    })?;
    if stored_plaintext_hash != wire::encoding::b64u_encode(&wire::hash::sha512(&content)) {
        return Err(TransportError::peer(
            "error.transport.files.plaintextHashMismatch",
            "the decrypted file does not match its plaintext hash",
        ));
    }
    Ok(content)
}

/// Runs CPU-bound work off the async runtime's workers.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| TransportError::Internal(format!("file work did not finish: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file's blob with its stored hashes, as an upload leaves them.
    fn sealed(content: &[u8]) -> (SecretKey, Vec<u8>, Option<Bytes>, String) {
        let key = SecretKey::generate().unwrap();
        let blob = key.encrypt_owned(content.to_vec()).unwrap().to_json_vec();
        let cipher_hash = Some(Bytes(wire::hash::sha512(&blob).to_vec()));
        let plaintext_hash = wire::encoding::b64u_encode(&wire::hash::sha512(content));
        (key, blob, cipher_hash, plaintext_hash)
    }

    #[test]
    fn a_blob_that_matches_both_hashes_opens() {
        let (key, blob, cipher_hash, plaintext_hash) = sealed(b"the file");
        let content = open_blob(&blob, cipher_hash, &plaintext_hash, &key).unwrap();
        assert_eq!(content, b"the file");
    }

    #[test]
    fn a_changed_blob_or_a_wrong_hash_is_refused_with_its_code() {
        let (key, mut blob, cipher_hash, plaintext_hash) = sealed(b"the file");
        let wrong = open_blob(&blob, cipher_hash.clone(), "AAAA", &key).unwrap_err();
        assert_eq!(wrong.code(), "error.transport.files.plaintextHashMismatch");
        let other_key = SecretKey::generate().unwrap();
        let undecryptable =
            open_blob(&blob, cipher_hash.clone(), &plaintext_hash, &other_key).unwrap_err();
        assert_eq!(undecryptable.code(), "error.transport.files.cipherMismatch");
        assert_eq!(undecryptable.to_string(), "the file does not decrypt");
        let last = blob.len() - 3;
        blob[last] ^= 1;
        let changed = open_blob(&blob, cipher_hash, &plaintext_hash, &key).unwrap_err();
        assert_eq!(changed.code(), "error.transport.files.cipherMismatch");
        assert_eq!(
            changed.to_string(),
            "the downloaded file does not match its cipher hash"
        );
    }
}
