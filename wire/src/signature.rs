//! Ed25519 signatures in the `@nmshd/crypto` forms: `CryptoSignaturePublicKey`,
//! `CryptoSignaturePrivateKey` (libsodium's 64-byte seed‖public layout),
//! `CryptoSignatureKeypair` and `CryptoSignature`.
//!
//! The `alg` of a signature is only a hash label ([`HashLabel`]); the signed bytes never
//! depend on it. Verification is libsodium-strict (no small-order keys, canonical S).

use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use serde::Deserialize;
use serde::ser::SerializeStruct;
use subtle::ConstantTimeEq;

use crate::encoding::{B64u, b64_decode_array};
use crate::error::{Result, WireError};
use crate::json::{
    CryptoObject, check_alg, check_type, crypto_serde, keypair_object, single_key_object,
};

/// The only signature algorithm `@nmshd/crypto` implements (`ECDSA_ED25519`, really Ed25519).
pub const ALG_ED25519: u64 = 3;

/// The hash label carried by a `CryptoSignature`. Identity and device signatures use
/// [`HashLabel::Sha512`], relationship signatures [`HashLabel::Sha256`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashLabel {
    Sha256 = 1,
    Sha512 = 2,
}

impl HashLabel {
    fn from_wire(alg: u64) -> Result<Self> {
        match alg {
            1 => Ok(Self::Sha256),
            2 => Ok(Self::Sha512),
            other => Err(WireError::Algorithm {
                what: "CryptoSignature",
                alg: other,
            }),
        }
    }
}

/// An Ed25519 public key. Kept as raw bytes: `@nmshd/crypto` accepts any 32 bytes here, and an
/// invalid point simply never verifies.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SignaturePublicKey {
    bytes: [u8; 32],
}

impl SignaturePublicKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self { bytes }
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.bytes
    }

    /// Verifies a detached signature over `message`, whatever its hash label.
    pub fn verify(&self, message: &[u8], signature: &Signature) -> bool {
        let Ok(key) = VerifyingKey::from_bytes(&self.bytes) else {
            return false;
        };
        let sig = ed25519_dalek::Signature::from_bytes(&signature.bytes);
        key.verify_strict(message, &sig).is_ok()
    }
}

impl std::fmt::Debug for SignaturePublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SignaturePublicKey({})",
            crate::encoding::b64u_encode(&self.bytes)
        )
    }
}

single_key_object!(
    SignaturePublicKey,
    PublicKeyInput,
    type = "CryptoSignaturePublicKey",
    field = "pub",
    text = String,
    alg = ALG_ED25519
);

/// An Ed25519 private key; on the wire the 64-byte libsodium layout seed‖public key.
/// Zeroised on drop (by `ed25519-dalek`).
#[derive(Clone)]
pub struct SignaturePrivateKey {
    key: SigningKey,
    /// Optional local id that TS keeps with the key; carried only for byte-exact round trips.
    id: Option<String>,
}

impl SignaturePrivateKey {
    /// Builds the key from a 32-byte seed, as libsodium's `crypto_sign_seed_keypair`.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self {
            key: SigningKey::from_bytes(seed),
            id: None,
        }
    }

    /// Parses libsodium's 64-byte seed‖public layout; rejects a public half that does not
    /// belong to the seed.
    pub fn from_keypair_bytes(bytes: &[u8; 64]) -> Result<Self> {
        let key = SigningKey::from_keypair_bytes(bytes).map_err(|_| WireError::KeypairMismatch)?;
        Ok(Self { key, id: None })
    }

    pub fn generate() -> Result<Self> {
        let seed = zeroize::Zeroizing::new(crate::random::array::<32>()?);
        Ok(Self::from_seed(&seed))
    }

    pub fn public_key(&self) -> SignaturePublicKey {
        SignaturePublicKey::from_bytes(self.key.verifying_key().to_bytes())
    }

    /// Detached Ed25519 signature over `message`, labelled with `label`.
    pub fn sign(&self, message: &[u8], label: HashLabel) -> Signature {
        Signature {
            bytes: self.key.sign(message).to_bytes(),
            label,
        }
    }

    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }
}

impl std::fmt::Debug for SignaturePrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SignaturePrivateKey(<redacted>)")
    }
}

impl PartialEq for SignaturePrivateKey {
    fn eq(&self, other: &Self) -> bool {
        bool::from(self.key.to_bytes().ct_eq(&other.key.to_bytes())) && self.id == other.id
    }
}

#[doc(hidden)]
#[derive(Deserialize)]
pub struct PrivateKeyInput {
    #[serde(rename = "@type")]
    tag: Option<String>,
    prv: zeroize::Zeroizing<String>,
    alg: u64,
    id: Option<String>,
}

impl TryFrom<PrivateKeyInput> for SignaturePrivateKey {
    type Error = WireError;
    fn try_from(input: PrivateKeyInput) -> Result<Self> {
        check_type(input.tag.as_deref(), Self::TYPE, &[])?;
        check_alg(input.alg, ALG_ED25519, Self::TYPE)?;
        let bytes = zeroize::Zeroizing::new(b64_decode_array::<64>(&input.prv, "prv")?);
        let mut key = Self::from_keypair_bytes(&bytes)?;
        key.id = input.id;
        Ok(key)
    }
}

impl CryptoObject for SignaturePrivateKey {
    const TYPE: &'static str = "CryptoSignaturePrivateKey";
    type Input = PrivateKeyInput;
    fn write_fields<S: SerializeStruct>(&self, out: &mut S) -> Result<(), S::Error> {
        let bytes = zeroize::Zeroizing::new(self.key.to_keypair_bytes());
        out.serialize_field("prv", &B64u(bytes.as_slice()))?;
        out.serialize_field("alg", &ALG_ED25519)?;
        if let Some(id) = &self.id {
            out.serialize_field("id", id)?;
        }
        Ok(())
    }
}
crypto_serde!(SignaturePrivateKey, PrivateKeyInput);

/// A signature keypair (`CryptoSignatureKeypair`).
#[derive(Clone, Debug, PartialEq)]
pub struct SignatureKeypair {
    public: SignaturePublicKey,
    private: SignaturePrivateKey,
}

impl SignatureKeypair {
    pub fn generate() -> Result<Self> {
        Ok(Self::from_private(SignaturePrivateKey::generate()?))
    }

    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self::from_private(SignaturePrivateKey::from_seed(seed))
    }

    pub fn from_private(private: SignaturePrivateKey) -> Self {
        Self {
            public: private.public_key(),
            private,
        }
    }

    pub fn public_key(&self) -> &SignaturePublicKey {
        &self.public
    }

    pub fn private_key(&self) -> &SignaturePrivateKey {
        &self.private
    }

    pub fn sign(&self, message: &[u8], label: HashLabel) -> Signature {
        self.private.sign(message, label)
    }
}

keypair_object!(
    SignatureKeypair,
    KeypairInput,
    type = "CryptoSignatureKeypair",
    public = SignaturePublicKey,
    private = SignaturePrivateKey
);

/// A detached Ed25519 signature with its hash label (`CryptoSignature`).
#[derive(Clone, PartialEq, Eq)]
pub struct Signature {
    bytes: [u8; 64],
    label: HashLabel,
}

impl Signature {
    pub fn from_bytes(bytes: [u8; 64], label: HashLabel) -> Self {
        Self { bytes, label }
    }

    pub fn as_bytes(&self) -> &[u8; 64] {
        &self.bytes
    }

    pub fn label(&self) -> HashLabel {
        self.label
    }
}

impl std::fmt::Debug for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Signature({:?}, {})",
            self.label,
            crate::encoding::b64u_encode(&self.bytes)
        )
    }
}

#[doc(hidden)]
#[derive(Deserialize)]
pub struct SignatureInput {
    #[serde(rename = "@type")]
    tag: Option<String>,
    sig: String,
    alg: u64,
}

impl TryFrom<SignatureInput> for Signature {
    type Error = WireError;
    fn try_from(input: SignatureInput) -> Result<Self> {
        check_type(input.tag.as_deref(), Self::TYPE, &[])?;
        Ok(Self {
            label: HashLabel::from_wire(input.alg)?,
            bytes: b64_decode_array(&input.sig, "sig")?,
        })
    }
}

impl CryptoObject for Signature {
    const TYPE: &'static str = "CryptoSignature";
    type Input = SignatureInput;
    fn write_fields<S: SerializeStruct>(&self, out: &mut S) -> Result<(), S::Error> {
        out.serialize_field("sig", &B64u(&self.bytes))?;
        out.serialize_field("alg", &(self.label as u64))
    }
}
crypto_serde!(Signature, SignatureInput);

#[cfg(test)]
mod tests {
    use super::*;

    fn seed() -> [u8; 32] {
        std::array::from_fn(|i| 0x80 + i as u8)
    }

    #[test]
    fn probe_vectors() {
        let pair = SignatureKeypair::from_seed(&seed());
        assert_eq!(
            pair.public_key().to_json(),
            r#"{"pub":"zRSzf5VulTGU_3-3Oz2B3MVh1hp1OAlLfD4aZD7l86o","alg":3,"@type":"CryptoSignaturePublicKey"}"#
        );
        let sig = pair.sign(b"content to sign", HashLabel::Sha512);
        assert_eq!(
            sig.to_json(),
            r#"{"sig":"n848w57KORNEAgNrqjeK1nQXvm-0LMvIHrYzMqprLdGsxxM830PULZof7YfR__uBwIFABRiM0Znt0HXnAIrvCQ","alg":2,"@type":"CryptoSignature"}"#
        );
        assert!(pair.public_key().verify(b"content to sign", &sig));
        assert!(!pair.public_key().verify(b"content to sigN", &sig));
    }

    #[test]
    fn keypair_round_trip_rejects_foreign_public_half() {
        let pair = SignatureKeypair::from_seed(&seed());
        let json = pair.to_json();
        assert_eq!(SignatureKeypair::from_json(&json).unwrap(), pair);
        let other = SignatureKeypair::from_seed(&[7; 32]);
        let forged = json.replace(
            &crate::encoding::b64u_encode(pair.public_key().as_bytes()),
            &crate::encoding::b64u_encode(other.public_key().as_bytes()),
        );
        assert!(SignatureKeypair::from_json(&forged).is_err());
    }

    #[test]
    fn foreign_type_tag_is_rejected() {
        let text = r#"{"pub":"zRSzf5VulTGU_3-3Oz2B3MVh1hp1OAlLfD4aZD7l86o","alg":3,"@type":"CryptoExchangePublicKey"}"#;
        assert!(matches!(
            SignaturePublicKey::from_json(text),
            Err(WireError::WrongType { .. })
        ));
    }
}
