//! The one error type of the wire layer. Every parser in this crate reports through it.

/// Failure to parse, verify or compute a wire object.
///
/// Messages never contain key material: they name the field and the rule that was broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("invalid base64 in {field}")]
    Base64 { field: &'static str },
    #[error("{field} must be {expected} bytes, got {actual}")]
    Length {
        field: &'static str,
        expected: usize,
        actual: usize,
    },
    #[error("invalid {what} JSON: {detail}")]
    Json { what: &'static str, detail: String },
    #[error("expected @type {expected}, got {actual}")]
    WrongType {
        expected: &'static str,
        actual: String,
    },
    #[error("unsupported algorithm {alg} for {what}")]
    Algorithm { what: &'static str, alg: u64 },
    #[error("a cipher needs exactly one of nonce (nnc) or counter (cnt)")]
    CipherNonce,
    #[error("a counter-nonce cipher needs the base nonce of its state")]
    CipherNeedsState,
    #[error("decryption failed: wrong key, nonce or tampered ciphertext")]
    Decrypt,
    #[error("plaintext too large to encrypt")]
    Encrypt,
    #[error("message counter {got} is out of order, expected {expected}")]
    CounterOrder { expected: u32, got: u32 },
    #[error("the transmit counter is exhausted; the relationship key must not encrypt again")]
    CounterExhausted,
    #[error("key exchange with this public key yields no shared secret")]
    WeakExchangeKey,
    #[error("the private signature key does not match its public half")]
    KeypairMismatch,
    #[error("invalid state: {0}")]
    State(&'static str),
    #[error("invalid id: {0}")]
    Id(String),
    #[error("invalid identity address: {0}")]
    Address(String),
    #[error("invalid reference: {0}")]
    Reference(String),
    #[error("invalid KDF context: must be exactly 8 bytes")]
    KdfContext,
    #[error("password hashing failed: {0}")]
    PasswordHash(String),
    #[error("the operating system random source failed")]
    Random,
}

pub type Result<T, E = WireError> = std::result::Result<T, E>;
