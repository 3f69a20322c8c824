//! The relationship key agreement between a templator (who published a template) and a
//! requestor (who answers it), as `CryptoRelationship*` in `@nmshd/crypto`.
//!
//! 1. The requestor builds [`RequestSecrets`] from the template's exchange key and the
//!    templator's identity key, and sends [`RequestSecrets::to_public_request`] with the
//!    creation content encrypted under the request key.
//! 2. The templator turns the public request into [`RelationshipSecrets`]
//!    ([`RelationshipSecrets::templator_from_request`]) and answers with
//!    [`RelationshipSecrets::to_public_response`].
//! 3. The requestor completes its own [`RelationshipSecrets`] from that response
//!    ([`RelationshipSecrets::requestor_from_response`]).
//!
//! Roles map onto libsodium's `crypto_kx` inverted: the requestor is the server.

use serde::Deserialize;
use serde::ser::SerializeStruct;

use crate::cipher::{Cipher, Nonce, SecretKey};
use crate::error::{Result, WireError};
use crate::exchange::{ExchangeKeypair, ExchangePublicKey};
use crate::json::{CryptoObject, check_type, crypto_serde};
use crate::kdf::{RELATIONSHIP_REQUESTOR, RELATIONSHIP_TEMPLATOR, REQUEST_TEMPLATE, derive_key};
use crate::signature::{HashLabel, Signature, SignatureKeypair, SignaturePublicKey};
use crate::state::{PublicState, ReceiveState, StateType, TransmitReservation, TransmitState};

/// `CryptoRelationshipType`: which side of the handshake we are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Templator = 1,
    Requestor = 2,
}

/// What a requestor publishes with its request (`CryptoRelationshipPublicRequest`).
#[derive(Clone, Debug, PartialEq)]
pub struct PublicRequest {
    pub exchange_key: ExchangePublicKey,
    pub signature_key: SignaturePublicKey,
    pub ephemeral_key: ExchangePublicKey,
    pub nonce: Nonce,
}

#[doc(hidden)]
#[derive(Deserialize)]
pub struct PublicRequestInput {
    #[serde(rename = "@type")]
    tag: Option<String>,
    exc: ExchangePublicKey,
    sig: SignaturePublicKey,
    eph: ExchangePublicKey,
    nnc: String,
}

impl TryFrom<PublicRequestInput> for PublicRequest {
    type Error = WireError;
    fn try_from(input: PublicRequestInput) -> Result<Self> {
        check_type(input.tag.as_deref(), Self::TYPE, &[])?;
        Ok(Self {
            exchange_key: input.exc,
            signature_key: input.sig,
            ephemeral_key: input.eph,
            nonce: Nonce::parse(&input.nnc, "nnc")?,
        })
    }
}

impl CryptoObject for PublicRequest {
    const TYPE: &'static str = "CryptoRelationshipPublicRequest";
    type Input = PublicRequestInput;
    fn write_fields<S: SerializeStruct>(&self, out: &mut S) -> Result<(), S::Error> {
        out.serialize_field("exc", &self.exchange_key)?;
        out.serialize_field("sig", &self.signature_key)?;
        out.serialize_field("eph", &self.ephemeral_key)?;
        out.serialize_field("nnc", &crate::encoding::B64u(self.nonce.as_bytes()))
    }
}
crypto_serde!(PublicRequest, PublicRequestInput);

/// What a templator sends back on acceptance (`CryptoRelationshipPublicResponse`).
#[derive(Clone, Debug, PartialEq)]
pub struct PublicResponse {
    pub exchange_key: ExchangePublicKey,
    pub signature_key: SignaturePublicKey,
    pub state: PublicState,
    pub id: Option<String>,
}

#[doc(hidden)]
#[derive(Deserialize)]
pub struct PublicResponseInput {
    #[serde(rename = "@type")]
    tag: Option<String>,
    exc: ExchangePublicKey,
    sig: SignaturePublicKey,
    sta: PublicState,
    id: Option<String>,
}

impl TryFrom<PublicResponseInput> for PublicResponse {
    type Error = WireError;
    fn try_from(input: PublicResponseInput) -> Result<Self> {
        check_type(input.tag.as_deref(), Self::TYPE, &[])?;
        if input.sta.state_type() != StateType::Transmit {
            return Err(WireError::State("a response must publish a transmit state"));
        }
        Ok(Self {
            exchange_key: input.exc,
            signature_key: input.sig,
            state: input.sta,
            id: input.id,
        })
    }
}

impl CryptoObject for PublicResponse {
    const TYPE: &'static str = "CryptoRelationshipPublicResponse";
    type Input = PublicResponseInput;
    fn write_fields<S: SerializeStruct>(&self, out: &mut S) -> Result<(), S::Error> {
        out.serialize_field("exc", &self.exchange_key)?;
        out.serialize_field("sig", &self.signature_key)?;
        out.serialize_field("sta", &self.state)?;
        if let Some(id) = &self.id {
            out.serialize_field("id", id)?;
        }
        Ok(())
    }
}
crypto_serde!(PublicResponse, PublicResponseInput);

/// The requestor's secrets between sending a request and receiving the response
/// (`CryptoRelationshipRequestSecrets`).
#[derive(Clone, Debug, PartialEq)]
pub struct RequestSecrets {
    exchange_keypair: ExchangeKeypair,
    ephemeral_keypair: ExchangeKeypair,
    signature_keypair: SignatureKeypair,
    peer_identity_key: SignaturePublicKey,
    peer_exchange_key: ExchangePublicKey,
    secret_key: SecretKey,
    nonce: Nonce,
    id: Option<String>,
}

impl RequestSecrets {
    /// Fresh request secrets against a template's exchange key
    /// (`CryptoRelationshipRequestSecrets.fromPeer`).
    pub fn from_peer(
        template_key: &ExchangePublicKey,
        templator_identity: &SignaturePublicKey,
    ) -> Result<Self> {
        Self::from_parts(
            ExchangeKeypair::generate()?,
            ExchangeKeypair::generate()?,
            SignatureKeypair::generate()?,
            Nonce::random()?,
            template_key,
            templator_identity,
        )
    }

    /// The deterministic part of [`Self::from_peer`], for given keys and nonce.
    pub fn from_parts(
        exchange_keypair: ExchangeKeypair,
        ephemeral_keypair: ExchangeKeypair,
        signature_keypair: SignatureKeypair,
        nonce: Nonce,
        template_key: &ExchangePublicKey,
        templator_identity: &SignaturePublicKey,
    ) -> Result<Self> {
        let master = ephemeral_keypair.derive_requestor(template_key)?;
        let secret_key = derive_key(master.transmission_key(), 1, REQUEST_TEMPLATE);
        Ok(Self {
            exchange_keypair,
            ephemeral_keypair,
            signature_keypair,
            peer_identity_key: templator_identity.clone(),
            peer_exchange_key: *template_key,
            secret_key,
            nonce,
            id: None,
        })
    }

    pub fn to_public_request(&self) -> PublicRequest {
        PublicRequest {
            exchange_key: *self.exchange_keypair.public_key(),
            signature_key: self.signature_keypair.public_key().clone(),
            ephemeral_key: *self.ephemeral_keypair.public_key(),
            nonce: self.nonce,
        }
    }

    /// Encrypts the creation content under the request key (random nonce).
    pub fn encrypt_request(&self, plaintext: &[u8]) -> Result<Cipher> {
        self.secret_key.encrypt(plaintext)
    }

    pub fn decrypt_request(&self, cipher: &Cipher) -> Result<Vec<u8>> {
        self.secret_key.decrypt(cipher)
    }

    /// Relationship signature (hash label SHA-256, the TS default).
    pub fn sign(&self, message: &[u8]) -> Signature {
        self.signature_keypair.sign(message, HashLabel::Sha256)
    }

    pub fn verify_own(&self, message: &[u8], signature: &Signature) -> bool {
        self.signature_keypair
            .public_key()
            .verify(message, signature)
    }

    pub fn verify_peer_identity(&self, message: &[u8], signature: &Signature) -> bool {
        self.peer_identity_key.verify(message, signature)
    }

    pub fn request_key(&self) -> &SecretKey {
        &self.secret_key
    }
}

#[doc(hidden)]
#[derive(Deserialize)]
pub struct RequestSecretsInput {
    #[serde(rename = "@type")]
    tag: Option<String>,
    eph: ExchangeKeypair,
    exc: ExchangeKeypair,
    id: Option<String>,
    key: SecretKey,
    nnc: String,
    pik: SignaturePublicKey,
    pxk: ExchangePublicKey,
    sig: SignatureKeypair,
}

impl TryFrom<RequestSecretsInput> for RequestSecrets {
    type Error = WireError;
    fn try_from(input: RequestSecretsInput) -> Result<Self> {
        check_type(input.tag.as_deref(), Self::TYPE, &[])?;
        Ok(Self {
            exchange_keypair: input.exc,
            ephemeral_keypair: input.eph,
            signature_keypair: input.sig,
            peer_identity_key: input.pik,
            peer_exchange_key: input.pxk,
            secret_key: input.key,
            nonce: Nonce::parse(&input.nnc, "nnc")?,
            id: input.id,
        })
    }
}

impl CryptoObject for RequestSecrets {
    const TYPE: &'static str = "CryptoRelationshipRequestSecrets";
    const TYPE_FIRST: bool = true;
    type Input = RequestSecretsInput;
    // ts-serval's generic serialisation: keys sorted alphabetically.
    fn write_fields<S: SerializeStruct>(&self, out: &mut S) -> Result<(), S::Error> {
        out.serialize_field("eph", &self.ephemeral_keypair)?;
        out.serialize_field("exc", &self.exchange_keypair)?;
        if let Some(id) = &self.id {
            out.serialize_field("id", id)?;
        }
        out.serialize_field("key", &self.secret_key)?;
        out.serialize_field("nnc", &crate::encoding::B64u(self.nonce.as_bytes()))?;
        out.serialize_field("pik", &self.peer_identity_key)?;
        out.serialize_field("pxk", &self.peer_exchange_key)?;
        out.serialize_field("sig", &self.signature_keypair)
    }
}
crypto_serde!(RequestSecrets, RequestSecretsInput);

/// The established secrets of one side of a relationship (`CryptoRelationshipSecrets`).
///
/// Holds the transmit counter: after [`Self::reserve_transmit`] the value returned by
/// [`CryptoObject::to_json`] must be persisted before the reservation encrypts.
#[derive(Clone, Debug, PartialEq)]
pub struct RelationshipSecrets {
    role: Role,
    exchange_keypair: ExchangeKeypair,
    signature_keypair: SignatureKeypair,
    transmit: TransmitState,
    receive: ReceiveState,
    peer_exchange_key: ExchangePublicKey,
    peer_signature_key: SignaturePublicKey,
    peer_template_key: ExchangePublicKey,
    peer_identity_key: Option<SignaturePublicKey>,
    request_secret_key: SecretKey,
    id: Option<String>,
}

impl RelationshipSecrets {
    /// The templator's secrets for an incoming request
    /// (`CryptoRelationshipSecrets.fromRelationshipRequest`), with fresh keys and nonce.
    pub fn templator_from_request(
        request: &PublicRequest,
        template_keypair: &ExchangeKeypair,
    ) -> Result<Self> {
        Self::templator_from_parts(
            request,
            template_keypair,
            SignatureKeypair::generate()?,
            ExchangeKeypair::generate()?,
            Nonce::random()?,
        )
    }

    /// The deterministic part of [`Self::templator_from_request`]. `transmit_nonce` must be
    /// fresh and random; it is the base of every nonce this side will send with.
    pub fn templator_from_parts(
        request: &PublicRequest,
        template_keypair: &ExchangeKeypair,
        signature_keypair: SignatureKeypair,
        exchange_keypair: ExchangeKeypair,
        transmit_nonce: Nonce,
    ) -> Result<Self> {
        let derived = exchange_keypair.derive_templator(&request.exchange_key)?;
        let tx_key = derive_key(derived.transmission_key(), 1, RELATIONSHIP_TEMPLATOR);
        let rx_key = derive_key(derived.receiving_key(), 1, RELATIONSHIP_REQUESTOR);
        let master = template_keypair.derive_templator(&request.ephemeral_key)?;
        let request_secret_key = derive_key(master.receiving_key(), 1, REQUEST_TEMPLATE);
        Ok(Self {
            role: Role::Templator,
            exchange_keypair,
            signature_keypair,
            transmit: TransmitState::new(tx_key, transmit_nonce, 0),
            receive: ReceiveState::new(rx_key, request.nonce, 0),
            peer_exchange_key: request.exchange_key,
            peer_signature_key: request.signature_key.clone(),
            peer_template_key: request.ephemeral_key,
            peer_identity_key: None,
            request_secret_key,
            id: None,
        })
    }

    /// The requestor's secrets once the templator accepted
    /// (`CryptoRelationshipSecrets.fromRelationshipResponse`).
    pub fn requestor_from_response(
        response: &PublicResponse,
        request: &RequestSecrets,
    ) -> Result<Self> {
        let derived = request
            .exchange_keypair
            .derive_requestor(&response.exchange_key)?;
        let tx_key = derive_key(derived.transmission_key(), 1, RELATIONSHIP_REQUESTOR);
        let rx_key = derive_key(derived.receiving_key(), 1, RELATIONSHIP_TEMPLATOR);
        Ok(Self {
            role: Role::Requestor,
            exchange_keypair: request.exchange_keypair.clone(),
            signature_keypair: request.signature_keypair.clone(),
            transmit: TransmitState::new(tx_key, request.nonce, 0),
            receive: ReceiveState::from_public_state(&response.state, rx_key),
            peer_exchange_key: response.exchange_key,
            peer_signature_key: response.signature_key.clone(),
            peer_template_key: request.peer_exchange_key,
            peer_identity_key: Some(request.peer_identity_key.clone()),
            request_secret_key: request.secret_key.clone(),
            id: None,
        })
    }

    pub fn role(&self) -> Role {
        self.role
    }

    pub fn to_public_response(&self) -> PublicResponse {
        PublicResponse {
            exchange_key: *self.exchange_keypair.public_key(),
            signature_key: self.signature_keypair.public_key().clone(),
            state: self.transmit.to_public_state(),
            id: None,
        }
    }

    /// Reserves the next transmit counter. Persist `self` afterwards and only then call
    /// [`TransmitReservation::encrypt`]: a counter is never handed out twice, even across a
    /// crash, as long as the persisted secrets are the ones reloaded.
    #[must_use = "the counter is consumed; persist the secrets, then encrypt with the reservation"]
    pub fn reserve_transmit(&mut self) -> Result<TransmitReservation> {
        self.transmit.reserve()
    }

    /// Reserves, persists through `persist`, then encrypts: the cipher only exists once the
    /// advanced counter is stored. A failing `persist` consumes the counter and yields no
    /// cipher.
    pub fn encrypt_persisted<E>(
        &mut self,
        plaintext: &[u8],
        persist: impl FnOnce(&Self) -> std::result::Result<(), E>,
    ) -> std::result::Result<Cipher, PersistedEncryptError<E>> {
        let reservation = self
            .reserve_transmit()
            .map_err(PersistedEncryptError::Wire)?;
        persist(self).map_err(PersistedEncryptError::Persist)?;
        reservation
            .encrypt(plaintext)
            .map_err(PersistedEncryptError::Wire)
    }

    pub fn transmit_state(&self) -> &TransmitState {
        &self.transmit
    }

    pub fn receive_state(&self) -> &ReceiveState {
        &self.receive
    }

    /// Decrypts a cipher this side sent.
    pub fn decrypt_own(&self, cipher: &Cipher) -> Result<Vec<u8>> {
        self.transmit.decrypt_own(cipher)
    }

    /// Decrypts a peer cipher in any order (messages).
    pub fn decrypt_peer(&self, cipher: &Cipher) -> Result<Vec<u8>> {
        self.receive.decrypt_any_order(cipher)
    }

    /// Decrypts the next peer cipher in strict order, advancing the receive counter.
    pub fn decrypt_peer_in_order(&mut self, cipher: &Cipher) -> Result<Vec<u8>> {
        self.receive.decrypt_in_order(cipher)
    }

    /// Decrypts the creation content with the request key.
    pub fn decrypt_request(&self, cipher: &Cipher) -> Result<Vec<u8>> {
        self.request_secret_key.decrypt(cipher)
    }

    /// Relationship signature with the TS default label SHA-256.
    pub fn sign(&self, message: &[u8]) -> Signature {
        self.signature_keypair.sign(message, HashLabel::Sha256)
    }

    pub fn verify_own(&self, message: &[u8], signature: &Signature) -> bool {
        self.signature_keypair
            .public_key()
            .verify(message, signature)
    }

    pub fn verify_peer(&self, message: &[u8], signature: &Signature) -> bool {
        self.peer_signature_key.verify(message, signature)
    }

    /// Verifies with the peer's identity key; only the requestor knows it from the template.
    pub fn verify_peer_identity(&self, message: &[u8], signature: &Signature) -> Result<bool> {
        let key = self.peer_identity_key.as_ref().ok_or(WireError::State(
            "the peer identity key is unknown on the templator side",
        ))?;
        Ok(key.verify(message, signature))
    }

    pub fn peer_signature_key(&self) -> &SignaturePublicKey {
        &self.peer_signature_key
    }

    pub fn signature_public_key(&self) -> &SignaturePublicKey {
        self.signature_keypair.public_key()
    }
}

/// Failure of [`RelationshipSecrets::encrypt_persisted`].
#[derive(Debug, thiserror::Error)]
pub enum PersistedEncryptError<E> {
    #[error(transparent)]
    Wire(WireError),
    #[error("persisting the relationship secrets failed")]
    Persist(#[source] E),
}

#[doc(hidden)]
#[derive(Deserialize)]
pub struct RelationshipSecretsInput {
    #[serde(rename = "@type")]
    tag: Option<String>,
    exc: ExchangeKeypair,
    id: Option<String>,
    pik: Option<SignaturePublicKey>,
    psk: SignaturePublicKey,
    ptk: ExchangePublicKey,
    pxk: ExchangePublicKey,
    rsk: SecretKey,
    rx: ReceiveState,
    sig: SignatureKeypair,
    tx: TransmitState,
    typ: u64,
}

impl TryFrom<RelationshipSecretsInput> for RelationshipSecrets {
    type Error = WireError;
    fn try_from(input: RelationshipSecretsInput) -> Result<Self> {
        check_type(input.tag.as_deref(), Self::TYPE, &[])?;
        let role = match input.typ {
            1 => Role::Templator,
            2 => Role::Requestor,
            _ => return Err(WireError::State("relationship type must be 1 or 2")),
        };
        Ok(Self {
            role,
            exchange_keypair: input.exc,
            signature_keypair: input.sig,
            transmit: input.tx,
            receive: input.rx,
            peer_exchange_key: input.pxk,
            peer_signature_key: input.psk,
            peer_template_key: input.ptk,
            peer_identity_key: input.pik,
            request_secret_key: input.rsk,
            id: input.id,
        })
    }
}

impl CryptoObject for RelationshipSecrets {
    const TYPE: &'static str = "CryptoRelationshipSecrets";
    const TYPE_FIRST: bool = true;
    type Input = RelationshipSecretsInput;
    // ts-serval's generic serialisation: keys sorted alphabetically.
    fn write_fields<S: SerializeStruct>(&self, out: &mut S) -> Result<(), S::Error> {
        out.serialize_field("exc", &self.exchange_keypair)?;
        if let Some(id) = &self.id {
            out.serialize_field("id", id)?;
        }
        if let Some(pik) = &self.peer_identity_key {
            out.serialize_field("pik", pik)?;
        }
        out.serialize_field("psk", &self.peer_signature_key)?;
        out.serialize_field("ptk", &self.peer_template_key)?;
        out.serialize_field("pxk", &self.peer_exchange_key)?;
        out.serialize_field("rsk", &self.request_secret_key)?;
        out.serialize_field("rx", &self.receive)?;
        out.serialize_field("sig", &self.signature_keypair)?;
        out.serialize_field("tx", &self.transmit)?;
        out.serialize_field("typ", &(self.role as u64))
    }
}
crypto_serde!(RelationshipSecrets, RelationshipSecretsInput);

#[cfg(test)]
mod tests {
    use super::*;

    const PROBE_TEMPLATOR: &str = r#"{"@type":"CryptoRelationshipSecrets","exc":{"pub":{"pub":"b0lVy94cFNkfv_U6bsTgbsaA3G5gNTvoHwo67v7JfXY","alg":3},"prv":{"prv":"9i7AcFBP900_FEAxcNDm9SEhyZniLwne563eJI7XYy0","alg":3}},"psk":{"pub":"8T_YMrf-ei_mYF2WPW7enTZ_z6YyGt3xYPxbyzfeT8w","alg":3},"ptk":{"pub":"Cnz3QfJSwrCS75zziKx63J47zEB1S1dV-DwweAnakxk","alg":3},"pxk":{"pub":"mLOgcR9SPj9vzKiXht9E2G-IIgu3iVBmaiPnSl6LdAY","alg":3},"rsk":{"key":"DV0dPRxGpHCHIkKMZgHmzHx8dCncrYSN5OPgtnkJ7lo","alg":3},"rx":{"nnc":"abozMRAGTpR20pcjCMP_lhdrQXKXhN8N","cnt":0,"key":"DoOSExgM1H0iOdoQUeLLp72iirM6lR6cPqN4qsG0tcg","alg":3,"typ":1,"@type":"CryptoPrivateStateReceive"},"sig":{"pub":{"pub":"FFCcwKiZkcV3MhAdHl70NFW1KPNqZ8nrO39j4VnzX8U","alg":3},"prv":{"prv":"OckVMPw1BTLR8ocehlA6Z6vp11BrFjmvlLTvEgNhTRAUUJzAqJmRxXcyEB0eXvQ0VbUo82pnyes7f2PhWfNfxQ","alg":3}},"tx":{"nnc":"MpkT9BmtmE54JZ0aBZNSx6i1wUcAyB6s","cnt":0,"key":"TK4AgK2G_DiTc8GTXZfIun84kNAfi1-OP0Qkhr9BYTw","alg":3,"typ":2,"@type":"CryptoPrivateStateTransmit"},"typ":1}"#;
    const PROBE_REQUEST: &str = r#"{"@type":"CryptoRelationshipRequestSecrets","eph":{"pub":{"pub":"Cnz3QfJSwrCS75zziKx63J47zEB1S1dV-DwweAnakxk","alg":3},"prv":{"prv":"GND63BFP__sRepKCTbHzSqkv_fjHz1CkDhh-L6EoLVI","alg":3}},"exc":{"pub":{"pub":"mLOgcR9SPj9vzKiXht9E2G-IIgu3iVBmaiPnSl6LdAY","alg":3},"prv":{"prv":"8vDX2VXKzC1T7tzj-WQDKWQl11UtUcLsj7Wvhkps-6s","alg":3}},"key":{"key":"DV0dPRxGpHCHIkKMZgHmzHx8dCncrYSN5OPgtnkJ7lo","alg":3},"nnc":"abozMRAGTpR20pcjCMP_lhdrQXKXhN8N","pik":{"pub":"J0nOqxb_Ij6y2daPS-XYksB_zqbymXAR3pH0shNSgLQ","alg":3},"pxk":{"pub":"0mwFVVVPbaQfftUFJDFUumlamgMS363sOvXMnqtJq0U","alg":3},"sig":{"pub":{"pub":"8T_YMrf-ei_mYF2WPW7enTZ_z6YyGt3xYPxbyzfeT8w","alg":3},"prv":{"prv":"kF__1q0Zp6ORGWaccxxi2aC-v5MhfNaD9S-LMMf3IZPxP9gyt_56L-ZgXZY9bt6dNn_PpjIa3fFg_FvLN95PzA","alg":3}}}"#;

    #[test]
    fn probe_secrets_round_trip_byte_for_byte() {
        let templator = RelationshipSecrets::from_json(PROBE_TEMPLATOR).unwrap();
        assert_eq!(templator.to_json(), PROBE_TEMPLATOR);
        let request = RequestSecrets::from_json(PROBE_REQUEST).unwrap();
        assert_eq!(request.to_json(), PROBE_REQUEST);
        assert_eq!(
            request.to_public_request().to_json(),
            r#"{"exc":{"pub":"mLOgcR9SPj9vzKiXht9E2G-IIgu3iVBmaiPnSl6LdAY","alg":3},"sig":{"pub":"8T_YMrf-ei_mYF2WPW7enTZ_z6YyGt3xYPxbyzfeT8w","alg":3},"eph":{"pub":"Cnz3QfJSwrCS75zziKx63J47zEB1S1dV-DwweAnakxk","alg":3},"nnc":"abozMRAGTpR20pcjCMP_lhdrQXKXhN8N","@type":"CryptoRelationshipPublicRequest"}"#
        );
        assert_eq!(
            templator.to_public_response().to_json(),
            r#"{"exc":{"pub":"b0lVy94cFNkfv_U6bsTgbsaA3G5gNTvoHwo67v7JfXY","alg":3},"sig":{"pub":"FFCcwKiZkcV3MhAdHl70NFW1KPNqZ8nrO39j4VnzX8U","alg":3},"sta":{"nnc":"MpkT9BmtmE54JZ0aBZNSx6i1wUcAyB6s","alg":3,"typ":2},"@type":"CryptoRelationshipPublicResponse"}"#
        );
    }

    #[test]
    fn probe_requestor_reproduces_the_recorded_transmit_cipher() {
        let request = RequestSecrets::from_json(PROBE_REQUEST).unwrap();
        let templator = RelationshipSecrets::from_json(PROBE_TEMPLATOR).unwrap();
        let mut requestor =
            RelationshipSecrets::requestor_from_response(&templator.to_public_response(), &request)
                .unwrap();
        let first = requestor
            .reserve_transmit()
            .unwrap()
            .encrypt(b"first")
            .unwrap();
        let second = requestor
            .reserve_transmit()
            .unwrap()
            .encrypt(b"second")
            .unwrap();
        assert_eq!(
            second.to_json(),
            r#"{"cph":"JfuzxdBFzCbjv6DxHwS85Lu803GuzQ","alg":3,"cnt":1,"@type":"CryptoCipher"}"#
        );
        assert_eq!(templator.decrypt_peer(&first).unwrap(), b"first");
        assert_eq!(
            requestor.transmit_state().to_json(),
            r#"{"nnc":"abozMRAGTpR20pcjCMP_lhdrQXKXhN8N","cnt":2,"key":"DoOSExgM1H0iOdoQUeLLp72iirM6lR6cPqN4qsG0tcg","alg":3,"typ":2,"@type":"CryptoPrivateStateTransmit"}"#
        );
    }

    #[test]
    fn full_handshake_with_fresh_keys() {
        let templator_identity = SignatureKeypair::generate().unwrap();
        let template_key = ExchangeKeypair::generate().unwrap();
        let request =
            RequestSecrets::from_peer(template_key.public_key(), templator_identity.public_key())
                .unwrap();
        let content = request.encrypt_request(b"creation content").unwrap();
        let public_request =
            PublicRequest::from_json(&request.to_public_request().to_json()).unwrap();
        let mut templator =
            RelationshipSecrets::templator_from_request(&public_request, &template_key).unwrap();
        assert_eq!(
            templator.decrypt_request(&content).unwrap(),
            b"creation content"
        );
        let response =
            PublicResponse::from_base64(&templator.to_public_response().to_base64()).unwrap();
        let mut requestor =
            RelationshipSecrets::requestor_from_response(&response, &request).unwrap();

        let mut stored = String::new();
        let to_requestor = templator
            .encrypt_persisted(b"hello requestor", |s| {
                stored = s.to_json();
                Ok::<(), std::convert::Infallible>(())
            })
            .unwrap();
        assert_eq!(
            RelationshipSecrets::from_json(&stored)
                .unwrap()
                .transmit_state()
                .next_counter(),
            1
        );
        assert_eq!(
            requestor.decrypt_peer_in_order(&to_requestor).unwrap(),
            b"hello requestor"
        );
        let to_templator = requestor
            .reserve_transmit()
            .unwrap()
            .encrypt(b"hello templator")
            .unwrap();
        assert_eq!(
            templator.decrypt_peer(&to_templator).unwrap(),
            b"hello templator"
        );

        let sig = requestor.sign(b"signed");
        assert!(templator.verify_peer(b"signed", &sig));
        assert!(!templator.verify_peer(b"other", &sig));
        assert!(templator.verify_peer_identity(b"signed", &sig).is_err());
        let identity_sig = templator_identity.sign(b"template", HashLabel::Sha512);
        assert!(
            requestor
                .verify_peer_identity(b"template", &identity_sig)
                .unwrap()
        );
    }

    #[test]
    fn failed_persist_yields_no_cipher_and_burns_the_counter() {
        let template_key = ExchangeKeypair::generate().unwrap();
        let identity = SignatureKeypair::generate().unwrap();
        let request =
            RequestSecrets::from_peer(template_key.public_key(), identity.public_key()).unwrap();
        let mut templator = RelationshipSecrets::templator_from_request(
            &request.to_public_request(),
            &template_key,
        )
        .unwrap();
        let result = templator.encrypt_persisted(b"x", |_| Err("disk full"));
        assert!(matches!(
            result,
            Err(PersistedEncryptError::Persist("disk full"))
        ));
        assert_eq!(templator.transmit_state().next_counter(), 1);
    }
}
