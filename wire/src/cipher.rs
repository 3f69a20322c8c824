//! Symmetric encryption: XChaCha20-Poly1305 (IETF) without associated data, as
//! `CryptoEncryption` does it, with `CryptoSecretKey` and `CryptoCipher` in their wire forms.
//!
//! A cipher carries either its random 24-byte nonce (`nnc`) or a counter (`cnt`) that is added
//! to the base nonce of a relationship state ([`Nonce::with_counter`]).

use chacha20poly1305::aead::{Aead, AeadInOut, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::Deserialize;
use serde::ser::SerializeStruct;
use std::borrow::Cow;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::encoding::{B64u, b64_decode_array, b64_decode_field, b64u_encode_into};
use crate::error::{Result, WireError};
use crate::json::{CryptoObject, check_alg, check_type, crypto_serde, single_key_object};

/// `CryptoEncryptionAlgorithm.XCHACHA20_POLY1305`, the only one implemented.
pub const ALG_XCHACHA20_POLY1305: u64 = 3;
/// Authentication tag appended to every ciphertext.
pub const TAG_LENGTH: usize = 16;
/// Largest ciphertext `@nmshd/crypto` accepts (100 MiB).
pub const MAX_CIPHERTEXT_LENGTH: usize = 100 * 1024 * 1024;

/// A 24-byte XChaCha20 nonce.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Nonce([u8; 24]);

impl Nonce {
    pub fn from_bytes(bytes: [u8; 24]) -> Self {
        Self(bytes)
    }

    pub fn random() -> Result<Self> {
        Ok(Self(crate::random::array()?))
    }

    pub fn as_bytes(&self) -> &[u8; 24] {
        &self.0
    }

    /// The nonce for message `counter` of a state: the last four bytes read as a little-endian
    /// u32, plus the counter, wrapping (libsodium `sodium_add` on a 4-byte tail).
    pub fn with_counter(&self, counter: u32) -> Self {
        let mut out = self.0;
        let tail = u32::from_le_bytes([out[20], out[21], out[22], out[23]]);
        out[20..].copy_from_slice(&tail.wrapping_add(counter).to_le_bytes());
        Self(out)
    }

    pub(crate) fn parse(text: &str, field: &'static str) -> Result<Self> {
        Ok(Self(b64_decode_array(text, field)?))
    }
}

impl std::fmt::Debug for Nonce {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Nonce({})", crate::encoding::b64u_encode(&self.0))
    }
}

/// A 32-byte XChaCha20-Poly1305 key (`CryptoSecretKey`). Zeroised on drop; compared in
/// constant time.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SecretKey([u8; 32]);

impl SecretKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    pub fn generate() -> Result<Self> {
        Ok(Self(crate::random::array()?))
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    fn aead(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&self.0.into())
    }

    fn seal(&self, plaintext: &[u8], nonce: &Nonce) -> Result<Vec<u8>> {
        if plaintext.len() > MAX_CIPHERTEXT_LENGTH - TAG_LENGTH {
            return Err(WireError::Encrypt);
        }
        self.aead()
            .encrypt(&XNonce::from(nonce.0), plaintext)
            .map_err(|_| WireError::Encrypt)
    }

    fn open(&self, ciphertext: &[u8], nonce: &Nonce) -> Result<Vec<u8>> {
        self.aead()
            .decrypt(&XNonce::from(nonce.0), ciphertext)
            .map_err(|_| WireError::Decrypt)
    }

    /// Encrypts under a fresh random nonce, the normal case for templates, tokens, messages,
    /// files and creation content.
    pub fn encrypt(&self, plaintext: &[u8]) -> Result<Cipher> {
        self.encrypt_with_nonce(plaintext, Nonce::random()?)
    }

    /// Encrypts under a given nonce. The caller guarantees the nonce is never reused with
    /// this key.
    pub fn encrypt_with_nonce(&self, plaintext: &[u8], nonce: Nonce) -> Result<Cipher> {
        Ok(Cipher {
            ciphertext: self.seal(plaintext, &nonce)?,
            nonce: CipherNonce::Nonce(nonce),
        })
    }

    /// Encrypts under `base.with_counter(counter)` and records only the counter, as a
    /// relationship transmit state does. Only [`crate::state`] may pick the counter, because
    /// reusing one breaks the cipher.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn encrypt_with_counter(
        &self,
        plaintext: &[u8],
        base: &Nonce,
        counter: u32,
    ) -> Result<Cipher> {
        Ok(Cipher {
            ciphertext: self.seal(plaintext, &base.with_counter(counter))?,
            nonce: CipherNonce::Counter(counter),
        })
    }

    /// Encrypts under a fresh random nonce in the plaintext's own buffer, for large contents
    /// (files), where a second buffer of the same size would double the memory.
    pub fn encrypt_owned(&self, mut plaintext: Vec<u8>) -> Result<Cipher> {
        if plaintext.len() > MAX_CIPHERTEXT_LENGTH - TAG_LENGTH {
            return Err(WireError::Encrypt);
        }
        let nonce = Nonce::random()?;
        plaintext.reserve_exact(TAG_LENGTH);
        self.aead()
            .encrypt_in_place(&XNonce::from(nonce.0), b"", &mut plaintext)
            .map_err(|_| WireError::Encrypt)?;
        Ok(Cipher {
            ciphertext: plaintext,
            nonce: CipherNonce::Nonce(nonce),
        })
    }

    /// Decrypts a cipher that carries its own nonce in the cipher's own buffer, the
    /// counterpart of [`SecretKey::encrypt_owned`].
    pub fn decrypt_owned(&self, cipher: Cipher) -> Result<Vec<u8>> {
        let CipherNonce::Nonce(nonce) = cipher.nonce else {
            return Err(WireError::CipherNeedsState);
        };
        let mut buffer = cipher.ciphertext;
        self.aead()
            .decrypt_in_place(&XNonce::from(nonce.0), b"", &mut buffer)
            .map_err(|_| WireError::Decrypt)?;
        Ok(buffer)
    }

    /// Decrypts a cipher that carries its own nonce.
    pub fn decrypt(&self, cipher: &Cipher) -> Result<Vec<u8>> {
        match &cipher.nonce {
            CipherNonce::Nonce(nonce) => self.open(&cipher.ciphertext, nonce),
            CipherNonce::Counter(_) => Err(WireError::CipherNeedsState),
        }
    }

    /// Decrypts a counter cipher against the base nonce of its state.
    pub fn decrypt_with_base(&self, cipher: &Cipher, base: &Nonce) -> Result<Vec<u8>> {
        let nonce = match &cipher.nonce {
            CipherNonce::Nonce(nonce) => *nonce,
            CipherNonce::Counter(counter) => base.with_counter(*counter),
        };
        self.open(&cipher.ciphertext, &nonce)
    }
}

impl PartialEq for SecretKey {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}
impl Eq for SecretKey {}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

single_key_object!(
    SecretKey,
    SecretKeyInput,
    type = "CryptoSecretKey",
    field = "key",
    text = Zeroizing<String>,
    alg = ALG_XCHACHA20_POLY1305
);

/// How a cipher's nonce is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CipherNonce {
    /// The full random nonce travels with the cipher (`nnc`).
    Nonce(Nonce),
    /// Only the counter travels (`cnt`); the base nonce is in the receiver's state.
    Counter(u32),
}

/// A ciphertext with its tag and nonce information (`CryptoCipher`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cipher {
    ciphertext: Vec<u8>,
    nonce: CipherNonce,
}

impl Cipher {
    /// Ciphertext followed by the 16-byte tag.
    pub fn ciphertext(&self) -> &[u8] {
        &self.ciphertext
    }

    pub fn nonce(&self) -> CipherNonce {
        self.nonce
    }

    /// The counter of a counter cipher.
    pub fn counter(&self) -> Option<u32> {
        match self.nonce {
            CipherNonce::Counter(c) => Some(c),
            CipherNonce::Nonce(_) => None,
        }
    }

    /// The verbose JSON ([`CryptoObject::to_json`]) as UTF-8 bytes, written straight into a
    /// buffer of its exact size: a file's blob is this JSON, up to 13.4 MiB, and the generic
    /// path would build the base64 text first and then copy it into the output.
    pub fn to_json_vec(&self) -> Vec<u8> {
        let cph = base64::encoded_len(self.ciphertext.len(), false)
            .expect("a ciphertext's base64 fits in memory");
        let mut out = Vec::with_capacity(cph + 80);
        out.extend_from_slice(br#"{"cph":""#);
        b64u_encode_into(&self.ciphertext, &mut out);
        out.extend_from_slice(br#"","alg":3,"#);
        match &self.nonce {
            CipherNonce::Nonce(n) => {
                out.extend_from_slice(br#""nnc":""#);
                b64u_encode_into(&n.0, &mut out);
                out.push(b'"');
            }
            CipherNonce::Counter(c) => {
                out.extend_from_slice(br#""cnt":"#);
                out.extend_from_slice(c.to_string().as_bytes());
            }
        }
        out.extend_from_slice(br#","@type":"CryptoCipher"}"#);
        out
    }

    /// Parses either JSON form from UTF-8 bytes, as [`CryptoObject::from_json_bytes`] does, but
    /// reads the base64 text where it lies in `bytes` instead of copying it out first.
    pub fn from_json_slice(bytes: &[u8]) -> Result<Self> {
        let input: CipherText<'_> = serde_json::from_slice(bytes).map_err(|e| WireError::Json {
            what: Self::TYPE,
            detail: e.to_string(),
        })?;
        Self::from_text(&input)
    }

    fn from_text(input: &CipherText<'_>) -> Result<Self> {
        check_type(input.tag.as_deref(), Self::TYPE, &[])?;
        check_alg(input.alg, ALG_XCHACHA20_POLY1305, Self::TYPE)?;
        let cph: &str = &input.cph;
        let nonce = match (input.nnc.as_deref(), input.cnt) {
            (Some(nnc), None) => CipherNonce::Nonce(Nonce::parse(nnc, "nnc")?),
            (None, Some(cnt)) => CipherNonce::Counter(cnt),
            _ => return Err(WireError::CipherNonce),
        };
        // Checked before decoding so a huge field costs no allocation.
        if cph.len() > MAX_CIPHERTEXT_LENGTH / 3 * 4 + 8 {
            return Err(WireError::Length {
                field: "cph",
                expected: MAX_CIPHERTEXT_LENGTH,
                actual: cph.len() / 4 * 3,
            });
        }
        let ciphertext = b64_decode_field(cph, "cph")?;
        if ciphertext.len() < TAG_LENGTH || ciphertext.len() > MAX_CIPHERTEXT_LENGTH {
            return Err(WireError::Length {
                field: "cph",
                expected: TAG_LENGTH,
                actual: ciphertext.len(),
            });
        }
        Ok(Self { ciphertext, nonce })
    }
}

/// A cipher's JSON fields, borrowing their text from the parsed bytes where it has no escapes.
#[derive(Deserialize)]
struct CipherText<'a> {
    #[serde(rename = "@type", borrow)]
    tag: Option<Cow<'a, str>>,
    #[serde(borrow)]
    cph: Cow<'a, str>,
    alg: u64,
    #[serde(borrow)]
    nnc: Option<Cow<'a, str>>,
    cnt: Option<u32>,
}

/// [`CipherText`] owning its text, as the generic [`CryptoObject`] parsing needs.
#[doc(hidden)]
pub struct CipherInput(CipherText<'static>);

impl<'de> Deserialize<'de> for CipherInput {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let owned = |s: Cow<'_, str>| Cow::Owned(s.into_owned());
        let t = CipherText::deserialize(d)?;
        Ok(Self(CipherText {
            tag: t.tag.map(owned),
            cph: owned(t.cph),
            alg: t.alg,
            nnc: t.nnc.map(owned),
            cnt: t.cnt,
        }))
    }
}

impl TryFrom<CipherInput> for Cipher {
    type Error = WireError;
    fn try_from(input: CipherInput) -> Result<Self> {
        Self::from_text(&input.0)
    }
}

impl CryptoObject for Cipher {
    const TYPE: &'static str = "CryptoCipher";
    type Input = CipherInput;
    fn write_fields<S: SerializeStruct>(&self, out: &mut S) -> Result<(), S::Error> {
        // Ciphertext is not secret, and encoding it in one pass is several times faster than
        // streaming it through the formatter (files are up to 10 MiB).
        out.serialize_field("cph", &crate::encoding::b64u_encode(&self.ciphertext))?;
        out.serialize_field("alg", &ALG_XCHACHA20_POLY1305)?;
        match &self.nonce {
            CipherNonce::Nonce(n) => out.serialize_field("nnc", &B64u(&n.0)),
            CipherNonce::Counter(c) => out.serialize_field("cnt", c),
        }
    }
}
crypto_serde!(Cipher, CipherInput);

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SecretKey {
        SecretKey::from_bytes(std::array::from_fn(|i| i as u8))
    }

    fn nonce() -> Nonce {
        Nonce::from_bytes(std::array::from_fn(|i| 0x40 + i as u8))
    }

    #[test]
    fn the_owned_and_in_place_forms_are_the_same_bytes() {
        for size in [0usize, 1, 2, 3, 15, 16, 17, 1000, 65_537] {
            let plaintext: Vec<u8> = (0..size).map(|i| (i * 7) as u8).collect();
            let cipher = key().encrypt_owned(plaintext.clone()).unwrap();
            let json = cipher.to_json_vec();
            assert_eq!(json, cipher.to_json().into_bytes(), "size {size}");
            let CipherNonce::Nonce(nonce) = cipher.nonce() else {
                panic!("a random nonce")
            };
            assert_eq!(
                key().encrypt_with_nonce(&plaintext, nonce).unwrap(),
                cipher,
                "in place equals the copying encryption"
            );
            let parsed = Cipher::from_json_slice(&json).unwrap();
            assert_eq!(parsed, Cipher::from_json_bytes(&json).unwrap());
            assert_eq!(key().decrypt_owned(parsed).unwrap(), plaintext);
        }
        let counted = key().encrypt_with_counter(b"x", &nonce(), 7).unwrap();
        assert_eq!(counted.to_json_vec(), counted.to_json().into_bytes());
        assert_eq!(
            key().decrypt_owned(counted),
            Err(WireError::CipherNeedsState)
        );
        // Escaped text (which no encoder writes, but JSON allows) still parses.
        let escaped = br#"{"cph":"nFxpHL_APHjikfTWyvgIzy-QM-kTT_xYskm4TmKg","alg":3,"nnc":"QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZX","@type":"Crypto\u0043ipher"}"#;
        assert_eq!(
            key()
                .decrypt_owned(Cipher::from_json_slice(escaped).unwrap())
                .unwrap(),
            b"Hello Enmeshed"
        );
        let mut tampered = key().encrypt_owned(b"secret".to_vec()).unwrap();
        tampered.ciphertext[0] ^= 1;
        assert_eq!(key().decrypt_owned(tampered), Err(WireError::Decrypt));
    }

    #[test]
    fn probe_vectors() {
        assert_eq!(
            key().to_json(),
            r#"{"key":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8","alg":3,"@type":"CryptoSecretKey"}"#
        );
        let cipher = key()
            .encrypt_with_nonce(b"Hello Enmeshed", nonce())
            .unwrap();
        assert_eq!(
            cipher.to_json(),
            r#"{"cph":"nFxpHL_APHjikfTWyvgIzy-QM-kTT_xYskm4TmKg","alg":3,"nnc":"QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZX","@type":"CryptoCipher"}"#
        );
        let counted = key()
            .encrypt_with_counter(b"Hello Enmeshed", &nonce(), 1)
            .unwrap();
        assert_eq!(
            counted.to_json(),
            r#"{"cph":"Q5Ev0Slx23N--iVGN5Km-7PSz2syXs0r6-Beonck","alg":3,"cnt":1,"@type":"CryptoCipher"}"#
        );
        assert_eq!(
            key().decrypt_with_base(&counted, &nonce()).unwrap(),
            b"Hello Enmeshed"
        );
        assert_eq!(key().decrypt(&cipher).unwrap(), b"Hello Enmeshed");
        assert_eq!(key().decrypt(&counted), Err(WireError::CipherNeedsState));
    }

    #[test]
    fn counter_nonce_wraps_in_the_last_four_bytes() {
        let mut base = *nonce().as_bytes();
        base[20..].copy_from_slice(&[0xff; 4]);
        let next = Nonce::from_bytes(base).with_counter(1);
        assert_eq!(&next.as_bytes()[..20], &base[..20]);
        assert_eq!(&next.as_bytes()[20..], &[0; 4]);
        assert_eq!(nonce().with_counter(256).as_bytes()[21], 0x56);
    }

    #[test]
    fn tampering_and_wrong_keys_fail() {
        let cipher = key().encrypt(b"secret").unwrap();
        let other = SecretKey::generate().unwrap();
        assert_eq!(other.decrypt(&cipher), Err(WireError::Decrypt));
        let mut json: serde_json::Value = serde_json::from_str(&cipher.to_json()).unwrap();
        json["cph"] = crate::encoding::b64u_encode(&[0u8; 22]).into();
        let forged = Cipher::from_json(&json.to_string()).unwrap();
        assert_eq!(key().decrypt(&forged), Err(WireError::Decrypt));
    }

    #[test]
    fn cipher_needs_exactly_one_nonce_form() {
        let both = r#"{"cph":"nFxpHL_APHjikfTWyvgIzy-QM-kTT_xYskm4TmKg","alg":3,"nnc":"QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZX","cnt":1}"#;
        let none = r#"{"cph":"nFxpHL_APHjikfTWyvgIzy-QM-kTT_xYskm4TmKg","alg":3}"#;
        assert!(Cipher::from_json(both).is_err());
        assert!(Cipher::from_json(none).is_err());
        let aes = r#"{"cph":"nFxpHL_APHjikfTWyvgIzy-QM-kTT_xYskm4TmKg","alg":2,"cnt":1}"#;
        assert!(matches!(
            Cipher::from_json(aes),
            Err(WireError::Algorithm { alg: 2, .. })
        ));
    }

    #[test]
    fn base64_form_round_trips() {
        let cipher = key()
            .encrypt_with_nonce(b"Hello Enmeshed", nonce())
            .unwrap();
        assert_eq!(
            cipher.to_base64(),
            "eyJjcGgiOiJuRnhwSExfQVBIamlrZlRXeXZnSXp5LVFNLWtUVF94WXNrbTRUbUtnIiwiYWxnIjozLCJubmMiOiJRRUZDUTBSRlJrZElTVXBMVEUxT1QxQlJVbE5VVlZaWCIsIkB0eXBlIjoiQ3J5cHRvQ2lwaGVyIn0"
        );
        assert_eq!(Cipher::from_base64(&cipher.to_base64()).unwrap(), cipher);
    }
}
