//! X25519 key agreement in libsodium's `crypto_kx` construction, with the
//! `CryptoExchange*` wire forms.
//!
//! `crypto_kx`: q = X25519(sk, peer_pk); h = BLAKE2b-512(q ‖ client_pk ‖ server_pk). The
//! server takes tx = h[0..32], rx = h[32..64], the client the reverse. In a relationship the
//! **requestor is the server** and the templator the client. (The `crypto_kx` crate swaps rx
//! and tx relative to libsodium, hence this own implementation.)

use blake2::{Blake2b512, Digest};
use serde::Deserialize;
use serde::ser::SerializeStruct;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::encoding::{B64u, b64_decode_array};
use crate::error::{Result, WireError};
use crate::json::{
    CryptoObject, check_alg, check_type, crypto_serde, keypair_object, single_key_object,
};

/// `CryptoExchangeAlgorithm.ECDH_X25519`.
pub const ALG_X25519: u64 = 3;

/// An X25519 public key (`CryptoExchangePublicKey`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExchangePublicKey([u8; 32]);

impl ExchangePublicKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for ExchangePublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ExchangePublicKey({})",
            crate::encoding::b64u_encode(&self.0)
        )
    }
}

single_key_object!(
    ExchangePublicKey,
    ExchangePublicKeyInput,
    type = "CryptoExchangePublicKey",
    field = "pub",
    text = String,
    alg = ALG_X25519,
    type_first = true
);

/// An X25519 private scalar, stored raw and unclamped as libsodium keeps it
/// (`CryptoExchangePrivateKey`). Zeroised on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct ExchangePrivateKey([u8; 32]);

impl ExchangePrivateKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    pub fn generate() -> Result<Self> {
        Ok(Self(crate::random::array()?))
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub fn public_key(&self) -> ExchangePublicKey {
        ExchangePublicKey(x25519_dalek::x25519(
            self.0,
            x25519_dalek::X25519_BASEPOINT_BYTES,
        ))
    }

    /// The raw shared point; libsodium refuses an all-zero result (a small-order peer key).
    fn shared(&self, peer: &ExchangePublicKey) -> Result<Zeroizing<[u8; 32]>> {
        let q = Zeroizing::new(x25519_dalek::x25519(self.0, peer.0));
        if bool::from(q.ct_eq(&[0u8; 32])) {
            return Err(WireError::WeakExchangeKey);
        }
        Ok(q)
    }
}

impl PartialEq for ExchangePrivateKey {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl std::fmt::Debug for ExchangePrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ExchangePrivateKey(<redacted>)")
    }
}

single_key_object!(
    ExchangePrivateKey,
    ExchangePrivateKeyInput,
    type = "CryptoExchangePrivateKey",
    field = "prv",
    text = Zeroizing<String>,
    alg = ALG_X25519
);

/// An exchange keypair (`CryptoExchangeKeypair`).
#[derive(Clone, Debug, PartialEq)]
pub struct ExchangeKeypair {
    public: ExchangePublicKey,
    private: ExchangePrivateKey,
}

impl ExchangeKeypair {
    pub fn generate() -> Result<Self> {
        Ok(Self::from_private(ExchangePrivateKey::generate()?))
    }

    pub fn from_private(private: ExchangePrivateKey) -> Self {
        Self {
            public: private.public_key(),
            private,
        }
    }

    pub fn public_key(&self) -> &ExchangePublicKey {
        &self.public
    }

    pub fn private_key(&self) -> &ExchangePrivateKey {
        &self.private
    }

    /// Session keys when this side is libsodium's server: the relationship requestor
    /// (`CryptoExchange.deriveRequestor`).
    pub fn derive_requestor(&self, peer: &ExchangePublicKey) -> Result<ExchangeSecrets> {
        let h = self.session_hash(peer, peer, &self.public)?;
        Ok(ExchangeSecrets::split(&h, false))
    }

    /// Session keys when this side is libsodium's client: the relationship templator
    /// (`CryptoExchange.deriveTemplator`).
    pub fn derive_templator(&self, peer: &ExchangePublicKey) -> Result<ExchangeSecrets> {
        let h = self.session_hash(peer, &self.public, peer)?;
        Ok(ExchangeSecrets::split(&h, true))
    }

    fn session_hash(
        &self,
        peer: &ExchangePublicKey,
        client: &ExchangePublicKey,
        server: &ExchangePublicKey,
    ) -> Result<Zeroizing<[u8; 64]>> {
        let q = self.private.shared(peer)?;
        let mut hasher = Blake2b512::new();
        hasher.update(q.as_slice());
        hasher.update(client.0);
        hasher.update(server.0);
        Ok(Zeroizing::new(hasher.finalize().into()))
    }
}

keypair_object!(
    ExchangeKeypair,
    ExchangeKeypairInput,
    type = "CryptoExchangeKeypair",
    public = ExchangePublicKey,
    private = ExchangePrivateKey
);

/// The receive and transmit session keys of one side (`CryptoExchangeSecrets`).
#[derive(Clone, Zeroize, ZeroizeOnDrop, PartialEq)]
pub struct ExchangeSecrets {
    rx: [u8; 32],
    tx: [u8; 32],
}

impl ExchangeSecrets {
    fn split(h: &[u8; 64], client: bool) -> Self {
        let mut first = [0u8; 32];
        let mut second = [0u8; 32];
        first.copy_from_slice(&h[..32]);
        second.copy_from_slice(&h[32..]);
        if client {
            Self {
                rx: first,
                tx: second,
            }
        } else {
            Self {
                tx: first,
                rx: second,
            }
        }
    }

    pub fn receiving_key(&self) -> &[u8; 32] {
        &self.rx
    }

    pub fn transmission_key(&self) -> &[u8; 32] {
        &self.tx
    }
}

impl std::fmt::Debug for ExchangeSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ExchangeSecrets(<redacted>)")
    }
}

#[doc(hidden)]
#[derive(Deserialize)]
pub struct ExchangeSecretsInput {
    #[serde(rename = "@type")]
    tag: Option<String>,
    rx: Zeroizing<String>,
    tx: Zeroizing<String>,
    alg: u64,
}

impl TryFrom<ExchangeSecretsInput> for ExchangeSecrets {
    type Error = WireError;
    fn try_from(input: ExchangeSecretsInput) -> Result<Self> {
        check_type(input.tag.as_deref(), Self::TYPE, &[])?;
        check_alg(input.alg, crate::cipher::ALG_XCHACHA20_POLY1305, Self::TYPE)?;
        Ok(Self {
            rx: b64_decode_array(&input.rx, "rx")?,
            tx: b64_decode_array(&input.tx, "tx")?,
        })
    }
}

impl CryptoObject for ExchangeSecrets {
    const TYPE: &'static str = "CryptoExchangeSecrets";
    type Input = ExchangeSecretsInput;
    fn write_fields<S: SerializeStruct>(&self, out: &mut S) -> Result<(), S::Error> {
        out.serialize_field("rx", &B64u(&self.rx))?;
        out.serialize_field("tx", &B64u(&self.tx))?;
        out.serialize_field("alg", &crate::cipher::ALG_XCHACHA20_POLY1305)
    }
}
crypto_serde!(ExchangeSecrets, ExchangeSecretsInput);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_key_forms() {
        let a = ExchangeKeypair::from_json(r#"{"pub":{"pub":"7vsrUD0au8OReo1HbcVseRLaRZhnUK3Xk1Fw0XzrGXM","alg":3},"prv":{"prv":"RMfR4bbZ0ciHi2JZiaqzApf4-eNZPGPLlElBlJ6YnSg","alg":3},"@type":"CryptoExchangeKeypair"}"#).unwrap();
        assert_eq!(
            a.public_key().to_json(),
            r#"{"@type":"CryptoExchangePublicKey","pub":"7vsrUD0au8OReo1HbcVseRLaRZhnUK3Xk1Fw0XzrGXM","alg":3}"#
        );
        assert_eq!(
            a.to_base64(),
            "eyJwdWIiOnsicHViIjoiN3ZzclVEMGF1OE9SZW8xSGJjVnNlUkxhUlpoblVLM1hrMUZ3MFh6ckdYTSIsImFsZyI6M30sInBydiI6eyJwcnYiOiJSTWZSNGJiWjBjaUhpMkpaaWFxekFwZjQtZU5aUEdQTGxFbEJsSjZZblNnIiwiYWxnIjozfSwiQHR5cGUiOiJDcnlwdG9FeGNoYW5nZUtleXBhaXIifQ"
        );
    }

    #[test]
    fn both_sides_agree_and_roles_mirror() {
        let requestor = ExchangeKeypair::generate().unwrap();
        let templator = ExchangeKeypair::generate().unwrap();
        let r = requestor.derive_requestor(templator.public_key()).unwrap();
        let t = templator.derive_templator(requestor.public_key()).unwrap();
        assert_eq!(r.transmission_key(), t.receiving_key());
        assert_eq!(r.receiving_key(), t.transmission_key());
        assert_ne!(r.receiving_key(), r.transmission_key());
    }

    #[test]
    fn small_order_peer_is_refused() {
        let own = ExchangeKeypair::generate().unwrap();
        let zero = ExchangePublicKey::from_bytes([0; 32]);
        assert_eq!(own.derive_requestor(&zero), Err(WireError::WeakExchangeKey));
    }
}
