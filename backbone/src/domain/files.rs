//! Files: encrypted blobs with encrypted metadata, readable by anyone who knows the id (the key
//! travels out of band), owned by one identity that can hand ownership over with a token.

use super::sync::EventType;
use super::{Backbone, Caller, Tx};
use crate::error::{Error, Result};
use crate::model::{Bytes, Timestamp};
use serde::{Deserialize, Serialize};
use store::Filter;
use wire::{Address, FileId};

pub use consumer_api::files::{
    File as FileDto, FileOwnershipPayload, NewOwnershipToken, OwnershipTokenRequest,
    OwnershipTokenValidity,
};

pub const COLLECTION: &str = "files";
pub const BLOBS: &str = "file_blobs";
const OWNERSHIP_TOKEN_LENGTH: usize = 17;

/// `[A-Za-z0-9]` without a prefix, so not an id: `wire` draws random strings only for ids.
fn new_ownership_token() -> String {
    use rand::Rng;
    rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(OWNERSHIP_TOKEN_LENGTH)
        .map(char::from)
        .collect()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct File {
    pub id: String,
    pub created_at: Timestamp,
    pub created_by: Address,
    pub created_by_device: String,
    pub modified_at: Timestamp,
    pub modified_by: Address,
    pub modified_by_device: String,
    pub deleted_at: Option<Timestamp>,
    pub deleted_by: Option<Address>,
    pub deleted_by_device: Option<String>,
    pub owner: Address,
    pub owner_signature: Option<Bytes>,
    pub ownership_token: String,
    pub ownership_is_locked: bool,
    pub cipher_size: usize,
    pub cipher_hash: Bytes,
    pub expires_at: Timestamp,
    pub encrypted_properties: Bytes,
}

#[derive(Debug, Serialize, Deserialize)]
struct Blob {
    id: String,
    data: Bytes,
}

/// The upload answer: carries the ownership token, not the metadata.
fn created(f: File) -> FileDto {
    let token = f.ownership_token.clone();
    FileDto {
        ownership_token: Some(token),
        encrypted_properties: None,
        ownership_is_locked: None,
        ..metadata(f)
    }
}

fn metadata(f: File) -> FileDto {
    FileDto {
        id: f.id,
        created_at: f.created_at,
        created_by: f.created_by,
        created_by_device: f.created_by_device,
        modified_at: f.modified_at,
        modified_by: f.modified_by,
        modified_by_device: f.modified_by_device,
        deleted_at: f.deleted_at,
        deleted_by: f.deleted_by,
        deleted_by_device: f.deleted_by_device,
        owner: f.owner,
        owner_signature: f.owner_signature,
        ownership_token: None,
        cipher_size: f.cipher_size,
        cipher_hash: f.cipher_hash,
        expires_at: f.expires_at,
        encrypted_properties: Some(f.encrypted_properties),
        ownership_is_locked: Some(f.ownership_is_locked),
    }
}

pub struct UploadFile {
    pub content: Vec<u8>,
    pub cipher_hash: Bytes,
    pub owner_signature: Option<Bytes>,
    pub expires_at: Timestamp,
    pub encrypted_properties: Bytes,
}

impl Backbone {
    pub async fn upload_file(&self, caller: &Caller, upload: UploadFile) -> Result<FileDto> {
        if upload.content.is_empty() {
            return Err(Error::invalid_property("content"));
        }
        if upload.content.len() > self.config.max_content_size {
            return Err(Error::BodyTooLarge);
        }
        if upload.cipher_hash.is_empty() {
            return Err(Error::invalid_property("cipherHash"));
        }
        if upload.encrypted_properties.is_empty() {
            return Err(Error::invalid_property("encryptedProperties"));
        }
        let now = Timestamp::now();
        let file = File {
            id: FileId::generate()?.to_string(),
            created_at: now,
            created_by: caller.address.clone(),
            created_by_device: caller.device.clone(),
            modified_at: now,
            modified_by: caller.address.clone(),
            modified_by_device: caller.device.clone(),
            deleted_at: None,
            deleted_by: None,
            deleted_by_device: None,
            owner: caller.address.clone(),
            owner_signature: upload.owner_signature,
            ownership_token: new_ownership_token(),
            ownership_is_locked: false,
            cipher_size: upload.content.len(),
            cipher_hash: upload.cipher_hash,
            expires_at: upload.expires_at,
            encrypted_properties: upload.encrypted_properties,
        };
        let mut tx = Tx::new();
        tx.create(
            BLOBS,
            &Blob {
                id: file.id.clone(),
                data: Bytes(upload.content),
            },
        )?;
        tx.create(COLLECTION, &file)?;
        self.commit(tx).await?;
        Ok(created(file))
    }

    pub async fn file_metadata(&self, id: &str) -> Result<FileDto> {
        Ok(metadata(self.live_file(id).await?))
    }

    pub async fn download_file(&self, id: &str) -> Result<Vec<u8>> {
        self.live_file(id).await?;
        let blob: Blob = self.get(BLOBS, id).await?.ok_or(Error::NotFound("File"))?;
        Ok(blob.data.0)
    }

    /// Files the caller owns, all of them or those in `ids`.
    pub async fn list_files(&self, caller: &Caller, ids: &[String]) -> Result<Vec<FileDto>> {
        let found: Vec<File> = self
            .find_listed(
                COLLECTION,
                Filter::eq("owner", caller.address.as_str()),
                ids,
            )
            .await?;
        Ok(found
            .into_iter()
            .filter(|f| f.deleted_at.is_none())
            .map(metadata)
            .collect())
    }

    pub async fn delete_file(&self, caller: &Caller, id: &str) -> Result<()> {
        let _gate = self.gate().await;
        let mut file = self.live_file(id).await?;
        if file.owner != caller.address {
            return Err(Error::Forbidden);
        }
        let now = Timestamp::now();
        file.deleted_at = Some(now);
        file.deleted_by = Some(caller.address.clone());
        file.deleted_by_device = Some(caller.device.clone());
        let mut tx = Tx::new();
        tx.put(COLLECTION, &file)?;
        tx.delete(BLOBS, id);
        self.commit(tx).await
    }

    /// Whether `token` is the file's ownership token. Anyone may ask (the identity offered the
    /// file checks the token before claiming it), but, as with claiming, a wrong token from
    /// anyone but the owner locks the ownership until the owner regenerates the token.
    pub async fn validate_ownership_token(
        &self,
        caller: &Caller,
        id: &str,
        token: &str,
    ) -> Result<OwnershipTokenValidity> {
        let _gate = self.gate().await;
        let mut file = self.live_file(id).await?;
        if file.ownership_is_locked {
            return Ok(OwnershipTokenValidity { is_valid: false });
        }
        if file.ownership_token == token {
            return Ok(OwnershipTokenValidity { is_valid: true });
        }
        if file.owner != caller.address {
            file.ownership_is_locked = true;
            let mut tx = Tx::new();
            tx.put(COLLECTION, &file)?;
            tx.event(
                &file.owner,
                EventType::FileOwnershipLocked,
                super::to_doc(&FileOwnershipPayload {
                    file_id: file.id.clone(),
                    new_owner_address: None,
                })?,
                None,
                false,
            );
            self.commit(tx).await?;
        }
        Ok(OwnershipTokenValidity { is_valid: false })
    }

    pub async fn regenerate_ownership_token(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<NewOwnershipToken> {
        let _gate = self.gate().await;
        let mut file = self.live_file(id).await?;
        if file.owner != caller.address {
            return Err(Error::Forbidden);
        }
        file.ownership_token = new_ownership_token();
        file.ownership_is_locked = false;
        touch(&mut file, caller);
        let mut tx = Tx::new();
        tx.put(COLLECTION, &file)?;
        self.commit(tx).await?;
        Ok(NewOwnershipToken {
            new_ownership_token: file.ownership_token,
        })
    }

    /// Takes a file over with its ownership token. A wrong token locks the ownership until the
    /// owner regenerates it, so tokens cannot be guessed.
    pub async fn claim_file_ownership(
        &self,
        caller: &Caller,
        id: &str,
        token: &str,
    ) -> Result<NewOwnershipToken> {
        let _gate = self.gate().await;
        let mut file = self.live_file(id).await?;
        if file.owner == caller.address {
            return Err(Error::rule(
                "error.platform.validation.file.cannotClaimOwnershipOfOwnFile",
                "You cannot claim the ownership of a file you already own.",
            ));
        }
        if file.ownership_is_locked {
            return Err(Error::Forbidden);
        }
        let mut tx = Tx::new();
        if file.ownership_token != token {
            file.ownership_is_locked = true;
            tx.put(COLLECTION, &file)?;
            tx.event(
                &file.owner,
                EventType::FileOwnershipLocked,
                super::to_doc(&FileOwnershipPayload {
                    file_id: file.id.clone(),
                    new_owner_address: None,
                })?,
                None,
                false,
            );
            self.commit(tx).await?;
            return Err(Error::Forbidden);
        }
        let previous = std::mem::replace(&mut file.owner, caller.address.clone());
        file.ownership_token = new_ownership_token();
        touch(&mut file, caller);
        tx.put(COLLECTION, &file)?;
        tx.event(
            &previous,
            EventType::FileOwnershipClaimed,
            super::to_doc(&FileOwnershipPayload {
                file_id: file.id.clone(),
                new_owner_address: Some(caller.address.clone()),
            })?,
            None,
            false,
        );
        self.commit(tx).await?;
        Ok(NewOwnershipToken {
            new_ownership_token: file.ownership_token,
        })
    }

    async fn live_file(&self, id: &str) -> Result<File> {
        self.get::<File>(COLLECTION, id)
            .await?
            .filter(|f| f.deleted_at.is_none())
            .ok_or(Error::NotFound("File"))
    }
}

fn touch(file: &mut File, caller: &Caller) {
    file.modified_at = Timestamp::now();
    file.modified_by = caller.address.clone();
    file.modified_by_device = caller.device.clone();
}
