//! Wire formats of the Enmeshed network, byte-compatible with `@nmshd/crypto` and
//! `@nmshd/transport`: the crypto primitives and their JSON forms, the relationship key
//! agreement, object ids, identity addresses and shareable references.
//!
//! This crate owns bytes and their meaning; it performs no I/O and keeps no state of its own.
//! Persisting relationship counters is the caller's job, and the API makes the caller do it
//! before a counter is used (see [`relationship::RelationshipSecrets::reserve_transmit`]).

pub mod address;
pub mod cipher;
pub mod encoding;
pub mod error;
pub mod exchange;
pub mod hash;
pub mod ids;
pub mod json;
pub mod kdf;
pub mod password;
mod random;
pub mod reference;
pub mod relationship;
pub mod signature;
pub mod state;

pub use address::Address;
pub use cipher::{Cipher, CipherNonce, Nonce, SecretKey};
pub use error::{Result, WireError};
pub use exchange::{ExchangeKeypair, ExchangePrivateKey, ExchangePublicKey, ExchangeSecrets};
pub use ids::*;
pub use json::CryptoObject;
pub use reference::{PasswordType, Reference, SharedPasswordProtection};
pub use relationship::{PublicRequest, PublicResponse, RelationshipSecrets, RequestSecrets, Role};
pub use signature::{
    HashLabel, Signature, SignatureKeypair, SignaturePrivateKey, SignaturePublicKey,
};
pub use state::{PublicState, ReceiveState, TransmitReservation, TransmitState};
