//! Relationship cipher states: the public state a peer learns (`CryptoPublicState`) and the
//! private transmit and receive states (`CryptoPrivateStateTransmit` / `…Receive`) that hold a
//! key, a base nonce and a message counter.
//!
//! A transmit counter must never be used twice with its key. [`TransmitState::reserve`]
//! therefore advances the counter *before* it hands out the means to encrypt: persist the
//! state after reserving and before encrypting, and a crash can only skip a counter.

use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::cipher::{ALG_XCHACHA20_POLY1305, Cipher, CipherNonce, Nonce, SecretKey};
use crate::encoding::{B64u, b64_decode_array};
use crate::error::{Result, WireError};
use crate::json::{CryptoObject, Verbose, check_alg, check_type, crypto_serde};

/// `CryptoStateType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateType {
    Receive = 1,
    Transmit = 2,
}

impl StateType {
    fn from_wire(typ: u64) -> Result<Self> {
        match typ {
            1 => Ok(Self::Receive),
            2 => Ok(Self::Transmit),
            _ => Err(WireError::State(
                "state type must be 1 (receive) or 2 (transmit)",
            )),
        }
    }
}

/// The public half of a transmit state: its base nonce (`CryptoPublicState`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicState {
    nonce: Nonce,
    state_type: StateType,
    id: Option<String>,
}

impl PublicState {
    pub fn nonce(&self) -> &Nonce {
        &self.nonce
    }

    pub fn state_type(&self) -> StateType {
        self.state_type
    }
}

#[doc(hidden)]
#[derive(Deserialize)]
pub struct PublicStateInput {
    #[serde(rename = "@type")]
    tag: Option<String>,
    nnc: String,
    alg: u64,
    typ: u64,
    id: Option<String>,
}

impl TryFrom<PublicStateInput> for PublicState {
    type Error = WireError;
    fn try_from(input: PublicStateInput) -> Result<Self> {
        check_type(input.tag.as_deref(), Self::TYPE, &[])?;
        check_alg(input.alg, ALG_XCHACHA20_POLY1305, Self::TYPE)?;
        Ok(Self {
            nonce: Nonce::parse(&input.nnc, "nnc")?,
            state_type: StateType::from_wire(input.typ)?,
            id: input.id,
        })
    }
}

impl CryptoObject for PublicState {
    const TYPE: &'static str = "CryptoPublicState";
    const TYPE_FIRST: bool = true;
    type Input = PublicStateInput;
    fn write_fields<S: SerializeStruct>(&self, out: &mut S) -> Result<(), S::Error> {
        out.serialize_field("nnc", &B64u(self.nonce.as_bytes()))?;
        out.serialize_field("alg", &ALG_XCHACHA20_POLY1305)?;
        out.serialize_field("typ", &(self.state_type as u64))?;
        if let Some(id) = &self.id {
            out.serialize_field("id", id)?;
        }
        Ok(())
    }
}
crypto_serde!(PublicState, PublicStateInput);

/// Fields shared by both private states. TS writes `@type` on these even when nested.
#[derive(Clone, PartialEq)]
struct PrivateState {
    nonce: Nonce,
    counter: u32,
    key: SecretKey,
    id: Option<String>,
}

#[doc(hidden)]
#[derive(Deserialize)]
pub struct PrivateStateInput {
    #[serde(rename = "@type")]
    tag: Option<String>,
    nnc: String,
    cnt: u32,
    key: Zeroizing<String>,
    alg: u64,
    typ: u64,
    id: Option<String>,
}

impl PrivateState {
    fn parse(input: PrivateStateInput, expected: &'static str, typ: StateType) -> Result<Self> {
        check_type(input.tag.as_deref(), expected, &["CryptoPrivateState"])?;
        check_alg(input.alg, ALG_XCHACHA20_POLY1305, expected)?;
        if StateType::from_wire(input.typ)? != typ {
            return Err(WireError::State(
                "state type does not match the state's @type",
            ));
        }
        Ok(Self {
            nonce: Nonce::parse(&input.nnc, "nnc")?,
            counter: input.cnt,
            key: SecretKey::from_bytes(b64_decode_array(&input.key, "key")?),
            id: input.id,
        })
    }

    fn new(key: SecretKey, nonce: Nonce, counter: u32) -> Self {
        Self {
            nonce,
            counter,
            key,
            id: None,
        }
    }

    /// Decrypts a cipher under this state's key and base nonce, whatever its counter.
    fn decrypt(&self, cipher: &Cipher) -> Result<Vec<u8>> {
        cipher_counter(cipher)?;
        self.key.decrypt_with_base(cipher, &self.nonce)
    }

    fn write<S: SerializeStruct>(&self, out: &mut S, typ: StateType) -> Result<(), S::Error> {
        out.serialize_field("nnc", &B64u(self.nonce.as_bytes()))?;
        out.serialize_field("cnt", &self.counter)?;
        out.serialize_field("key", &B64u(self.key.as_bytes()))?;
        out.serialize_field("alg", &ALG_XCHACHA20_POLY1305)?;
        out.serialize_field("typ", &(typ as u64))?;
        if let Some(id) = &self.id {
            out.serialize_field("id", id)?;
        }
        Ok(())
    }
}

fn cipher_counter(cipher: &Cipher) -> Result<u32> {
    match cipher.nonce() {
        CipherNonce::Counter(counter) => Ok(counter),
        CipherNonce::Nonce(_) => Err(WireError::State(
            "a relationship cipher must carry a counter",
        )),
    }
}

/// Our sending side of a relationship (`CryptoPrivateStateTransmit`).
#[derive(Clone, PartialEq)]
pub struct TransmitState(PrivateState);

impl TransmitState {
    /// A fresh state with a random base nonce and counter 0.
    pub fn generate(key: SecretKey) -> Result<Self> {
        Ok(Self::new(key, Nonce::random()?, 0))
    }

    pub(crate) fn new(key: SecretKey, nonce: Nonce, counter: u32) -> Self {
        Self(PrivateState::new(key, nonce, counter))
    }

    /// The counter the next reservation will get.
    pub fn next_counter(&self) -> u32 {
        self.0.counter
    }

    pub fn nonce(&self) -> &Nonce {
        &self.0.nonce
    }

    pub fn to_public_state(&self) -> PublicState {
        PublicState {
            nonce: self.0.nonce,
            state_type: StateType::Transmit,
            id: self.0.id.clone(),
        }
    }

    /// Takes the next counter for one cipher and advances the state past it.
    ///
    /// Persist this state (the advanced counter) before calling
    /// [`TransmitReservation::encrypt`]; after a crash the stored state is then always ahead
    /// of every cipher that left the process.
    #[must_use = "the counter is consumed; persist the state, then encrypt with the reservation"]
    pub fn reserve(&mut self) -> Result<TransmitReservation> {
        // u32::MAX stays unused: it is the last value a u32 counter can record as "next".
        let counter = self.0.counter;
        let next = counter.checked_add(1).ok_or(WireError::CounterExhausted)?;
        self.0.counter = next;
        Ok(TransmitReservation {
            key: self.0.key.clone(),
            nonce: self.0.nonce,
            counter,
        })
    }

    /// Decrypts a cipher we sent ourselves (`decryptOwn`).
    pub fn decrypt_own(&self, cipher: &Cipher) -> Result<Vec<u8>> {
        self.0.decrypt(cipher)
    }
}

impl std::fmt::Debug for TransmitState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "TransmitState(next counter {}, key <redacted>)",
            self.0.counter
        )
    }
}

/// One reserved transmit counter with what is needed to encrypt under it, exactly once.
pub struct TransmitReservation {
    key: SecretKey,
    nonce: Nonce,
    counter: u32,
}

impl TransmitReservation {
    pub fn counter(&self) -> u32 {
        self.counter
    }

    /// Encrypts under the reserved counter; the result carries `cnt`, not the nonce.
    pub fn encrypt(self, plaintext: &[u8]) -> Result<Cipher> {
        self.key
            .encrypt_with_counter(plaintext, &self.nonce, self.counter)
    }
}

impl std::fmt::Debug for TransmitReservation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TransmitReservation(counter {})", self.counter)
    }
}

/// Our receiving side of a relationship (`CryptoPrivateStateReceive`).
#[derive(Clone, PartialEq)]
pub struct ReceiveState(PrivateState);

impl ReceiveState {
    pub(crate) fn new(key: SecretKey, nonce: Nonce, counter: u32) -> Self {
        Self(PrivateState::new(key, nonce, counter))
    }

    pub fn from_public_state(state: &PublicState, key: SecretKey) -> Self {
        let mut out = Self::new(key, state.nonce, 0);
        out.0.id = state.id.clone();
        out
    }

    /// The counter the next in-order cipher must carry.
    pub fn expected_counter(&self) -> u32 {
        self.0.counter
    }

    pub fn nonce(&self) -> &Nonce {
        &self.0.nonce
    }

    /// Decrypts a peer cipher in any order (`decrypt(cipher, omitCounterCheck = true)`), as
    /// messages do; the state does not change.
    pub fn decrypt_any_order(&self, cipher: &Cipher) -> Result<Vec<u8>> {
        self.0.decrypt(cipher)
    }

    /// Decrypts the next peer cipher in strict order and advances the counter on success.
    pub fn decrypt_in_order(&mut self, cipher: &Cipher) -> Result<Vec<u8>> {
        let got = cipher_counter(cipher)?;
        if got != self.0.counter {
            return Err(WireError::CounterOrder {
                expected: self.0.counter,
                got,
            });
        }
        let next = got.checked_add(1).ok_or(WireError::CounterExhausted)?;
        let plaintext = self.0.key.decrypt_with_base(cipher, &self.0.nonce)?;
        self.0.counter = next;
        Ok(plaintext)
    }
}

impl std::fmt::Debug for ReceiveState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ReceiveState(expected counter {}, key <redacted>)",
            self.0.counter
        )
    }
}

/// The wire form of a private state. These carry `@type` in every form, so their `Serialize`
/// is the verbose one.
macro_rules! private_state_object {
    ($ty:ty, type = $type_name:literal, $typ:expr) => {
        impl TryFrom<PrivateStateInput> for $ty {
            type Error = WireError;
            fn try_from(input: PrivateStateInput) -> Result<Self> {
                PrivateState::parse(input, Self::TYPE, $typ).map(Self)
            }
        }

        impl CryptoObject for $ty {
            const TYPE: &'static str = $type_name;
            type Input = PrivateStateInput;
            fn write_fields<S: SerializeStruct>(&self, out: &mut S) -> Result<(), S::Error> {
                self.0.write(out, $typ)
            }
        }

        impl Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                Verbose(self).serialize(serializer)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let input = PrivateStateInput::deserialize(deserializer)?;
                <$ty>::try_from(input).map_err(serde::de::Error::custom)
            }
        }
    };
}
private_state_object!(TransmitState, type = "CryptoPrivateStateTransmit", StateType::Transmit);
private_state_object!(ReceiveState, type = "CryptoPrivateStateReceive", StateType::Receive);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_transmit_state_after_two_messages() {
        let json = r#"{"nnc":"abozMRAGTpR20pcjCMP_lhdrQXKXhN8N","cnt":2,"key":"DoOSExgM1H0iOdoQUeLLp72iirM6lR6cPqN4qsG0tcg","alg":3,"typ":2,"@type":"CryptoPrivateStateTransmit"}"#;
        let state = TransmitState::from_json(json).unwrap();
        assert_eq!(state.next_counter(), 2);
        assert_eq!(state.to_json(), json);
        assert_eq!(state.to_plain_json(), json);
        assert!(ReceiveState::from_json(json).is_err());
    }

    #[test]
    fn reservation_advances_before_encrypting() {
        let key = SecretKey::generate().unwrap();
        let mut tx = TransmitState::generate(key.clone()).unwrap();
        let mut rx = ReceiveState::from_public_state(&tx.to_public_state(), key);
        let first = tx.reserve().unwrap();
        let second = tx.reserve().unwrap();
        assert_eq!(tx.next_counter(), 2);
        let c2 = second.encrypt(b"two").unwrap();
        let c1 = first.encrypt(b"one").unwrap();
        assert_eq!(rx.decrypt_any_order(&c2).unwrap(), b"two");
        assert!(matches!(
            rx.decrypt_in_order(&c2),
            Err(WireError::CounterOrder {
                expected: 0,
                got: 1
            })
        ));
        assert_eq!(rx.decrypt_in_order(&c1).unwrap(), b"one");
        assert_eq!(rx.decrypt_in_order(&c2).unwrap(), b"two");
        assert_eq!(rx.expected_counter(), 2);
        assert_eq!(tx.decrypt_own(&c1).unwrap(), b"one");
    }

    #[test]
    fn exhausted_counter_refuses_instead_of_wrapping() {
        let mut tx = TransmitState::new(
            SecretKey::generate().unwrap(),
            Nonce::random().unwrap(),
            u32::MAX - 1,
        );
        tx.reserve().unwrap().encrypt(b"last").unwrap();
        assert_eq!(tx.reserve().unwrap_err(), WireError::CounterExhausted);
        assert_eq!(tx.next_counter(), u32::MAX);
    }
}
