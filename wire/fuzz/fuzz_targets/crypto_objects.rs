//! Key, cipher, signature and state JSON parsers, plain and base64-wrapped.
#![no_main]
use libfuzzer_sys::fuzz_target;
use wire::*;

fuzz_target!(|data: &[u8]| {
    let _ = SecretKey::from_json_bytes(data);
    let _ = Cipher::from_json_bytes(data);
    let _ = Signature::from_json_bytes(data);
    let _ = SignaturePublicKey::from_json_bytes(data);
    let _ = SignaturePrivateKey::from_json_bytes(data);
    let _ = SignatureKeypair::from_json_bytes(data);
    let _ = ExchangePublicKey::from_json_bytes(data);
    let _ = ExchangePrivateKey::from_json_bytes(data);
    let _ = ExchangeKeypair::from_json_bytes(data);
    let _ = ExchangeSecrets::from_json_bytes(data);
    let _ = PublicState::from_json_bytes(data);
    let _ = TransmitState::from_json_bytes(data);
    let _ = ReceiveState::from_json_bytes(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Cipher::from_base64(text);
        let _ = Signature::from_base64(text);
    }
});
