//! Private keys and relationship secrets at rest: sealed with XChaCha20-Poly1305 under the
//! key-encryption key the operator configures, so a copy of the database alone reveals no key.
//!
//! The key comes from configuration or the environment as 32 bytes in base64, or as a
//! passphrase that is stretched with Argon2id under a salt kept next to the sealed data.

use crate::error::{Result, TransportError};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wire::{Cipher, CryptoObject, SecretKey};
use zeroize::Zeroizing;

/// The key every secret at rest is sealed with.
#[derive(Clone)]
pub struct Vault {
    key: SecretKey,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vault(<redacted>)")
    }
}

/// How the operator gave the key-encryption key.
#[derive(Clone)]
pub enum KeySource {
    /// 32 random bytes, base64 or base64url.
    Raw(Zeroizing<[u8; 32]>),
    /// Any other string: stretched with Argon2id.
    Passphrase(Zeroizing<String>),
}

impl KeySource {
    pub fn parse(text: &str) -> Result<Self> {
        if text.len() < 16 {
            return Err(TransportError::Startup {
                code: "error.transport.general.keyEncryptionKeyTooShort",
                message: "the key-encryption key must be at least 16 characters".into(),
            });
        }
        if let Ok(bytes) = wire::encoding::b64_decode(text)
            && let Ok(array) = <[u8; 32]>::try_from(bytes.as_slice())
        {
            return Ok(Self::Raw(Zeroizing::new(array)));
        }
        Ok(Self::Passphrase(Zeroizing::new(text.to_owned())))
    }

    /// Generates a fresh raw key, base64-encoded, for operators who keep it in a file.
    pub fn generate_encoded() -> Result<Zeroizing<String>> {
        let key = SecretKey::generate()?;
        Ok(Zeroizing::new(wire::encoding::std_b64_encode(
            key.as_bytes(),
        )))
    }
}

impl Vault {
    /// Opens the vault for `source`; `salt` is the per-database salt for passphrases.
    pub fn open(source: &KeySource, salt: &[u8; 16]) -> Result<Self> {
        let key = match source {
            KeySource::Raw(bytes) => SecretKey::from_bytes(**bytes),
            KeySource::Passphrase(text) => {
                let hashed = wire::password::hash_password(
                    text.as_bytes(),
                    salt,
                    wire::password::TRANSPORT_COST,
                )?;
                SecretKey::from_bytes(*hashed)
            }
        };
        Ok(Self { key })
    }

    pub fn seal_bytes(&self, plaintext: &[u8]) -> Result<String> {
        Ok(self.key.encrypt(plaintext)?.to_base64())
    }

    pub fn open_bytes(&self, sealed: &str) -> Result<Zeroizing<Vec<u8>>> {
        let cipher = Cipher::from_base64(sealed)?;
        self.key
            .decrypt(&cipher)
            .map(Zeroizing::new)
            .map_err(|_| TransportError::Startup {
                code: "error.transport.general.wrongKeyEncryptionKey",
                message: "the stored secrets do not open with the configured key-encryption key"
                    .into(),
            })
    }

    pub fn seal<T: Serialize>(&self, value: &T) -> Result<String> {
        let json = Zeroizing::new(
            serde_json::to_vec(value).map_err(|e| TransportError::Internal(e.to_string()))?,
        );
        self.seal_bytes(&json)
    }

    pub fn open_json<T: DeserializeOwned>(&self, sealed: &str) -> Result<T> {
        let bytes = self.open_bytes(sealed)?;
        serde_json::from_slice(&bytes)
            .map_err(|e| TransportError::Internal(format!("sealed secret does not parse: {e}")))
    }

    /// Seals a crypto object in its verbose JSON form.
    pub fn seal_crypto<T: CryptoObject>(&self, value: &T) -> Result<String> {
        let json = Zeroizing::new(value.to_json());
        self.seal_bytes(json.as_bytes())
    }

    pub fn open_crypto<T: CryptoObject>(&self, sealed: &str) -> Result<T> {
        let bytes = self.open_bytes(sealed)?;
        Ok(T::from_json_bytes(&bytes)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_data_opens_only_with_the_same_key() {
        let salt = [7u8; 16];
        let raw = KeySource::parse(&KeySource::generate_encoded().unwrap()).unwrap();
        assert!(matches!(raw, KeySource::Raw(_)));
        let vault = Vault::open(&raw, &salt).unwrap();
        let sealed = vault.seal(&serde_json::json!({"k": "v"})).unwrap();
        assert!(!sealed.contains("\"v\""));
        let back: serde_json::Value = vault.open_json(&sealed).unwrap();
        assert_eq!(back["k"], "v");

        let other = Vault::open(&KeySource::parse("another passphrase!").unwrap(), &salt).unwrap();
        let err = other.open_json::<serde_json::Value>(&sealed).unwrap_err();
        assert!(err.to_string().contains("key-encryption key"), "{err}");
    }

    #[test]
    fn short_keys_are_refused() {
        assert!(KeySource::parse("short").is_err());
    }
}
