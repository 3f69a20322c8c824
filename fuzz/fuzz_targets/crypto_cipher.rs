//! A `CryptoCipher` as a peer or the Backbone sends it (base64 of its JSON, or the JSON), then
//! decrypted with a fixed key: parsing and decryption refuse, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wire::{Cipher, CryptoObject, SecretKey};

fuzz_target!(|data: &[u8]| {
    let key = SecretKey::from_bytes([7; 32]);
    let parsed = match std::str::from_utf8(data) {
        Ok(text) => Cipher::from_base64(text).or_else(|_| Cipher::from_json(text)),
        Err(_) => Cipher::from_json_bytes(data),
    };
    if let Ok(cipher) = parsed {
        let _ = key.decrypt(&cipher);
        let _ = cipher.to_json();
    }
});
