//! Reproduces, byte for byte, the vectors that `interop/crypto/vectors.mjs generate` recorded
//! with the official `@nmshd/crypto` 2.1.3 (`tests/vectors/nmshd-crypto.json`).

use serde_json::Value;
use wire::address::Address;
use wire::cipher::{Cipher, Nonce, SecretKey};
use wire::encoding::hex;
use wire::exchange::{ExchangeKeypair, ExchangePrivateKey, ExchangePublicKey};
use wire::ids::AnyId;
use wire::kdf::{KdfContext, derive_key};
use wire::password::{TRANSPORT_COST, backbone_password, hash_password};
use wire::reference::{PasswordType, Reference, SharedPasswordProtection};
use wire::relationship::{PublicRequest, PublicResponse, RelationshipSecrets, RequestSecrets};
use wire::signature::{
    HashLabel, Signature, SignatureKeypair, SignaturePrivateKey, SignaturePublicKey,
};
use wire::{CryptoObject, hash};

/// Encrypts the next message of `sender`; these tests keep no stored secrets to persist first.
fn send(sender: &mut RelationshipSecrets, plaintext: &[u8]) -> Cipher {
    sender
        .reserve_transmit()
        .unwrap()
        .encrypt(plaintext)
        .unwrap()
}

fn vectors() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/nmshd-crypto.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("vector file")).expect("vector JSON")
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("string field {key} in {v}"))
}

fn unhex<const N: usize>(text: &str) -> [u8; N] {
    assert_eq!(text.len(), 2 * N, "{text}");
    std::array::from_fn(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).unwrap())
}

fn list<'a>(v: &'a Value, key: &str) -> &'a Vec<Value> {
    let items = v[key].as_array().unwrap_or_else(|| panic!("array {key}"));
    assert!(!items.is_empty(), "no vectors under {key}");
    items
}

#[test]
fn secret_keys() {
    for v in list(&vectors(), "secretKeys") {
        let key = SecretKey::from_bytes(unhex(s(v, "keyHex")));
        assert_eq!(key.to_json(), s(v, "json"));
        assert_eq!(key.to_plain_json(), s(v, "plain"));
        assert_eq!(key.to_base64(), s(v, "base64"));
        assert_eq!(SecretKey::from_base64(s(v, "base64")).unwrap(), key);
    }
}

#[test]
fn ciphers_with_fixed_nonces() {
    for v in list(&vectors(), "ciphers") {
        let key = SecretKey::from_bytes(unhex(s(v, "keyHex")));
        let cipher = key
            .encrypt_with_nonce(
                s(v, "plaintext").as_bytes(),
                Nonce::from_bytes(unhex(s(v, "nonceHex"))),
            )
            .unwrap();
        assert_eq!(cipher.to_json(), s(v, "json"));
        assert_eq!(cipher.to_base64(), s(v, "base64"));
        let parsed = Cipher::from_base64(s(v, "base64")).unwrap();
        assert_eq!(key.decrypt(&parsed).unwrap(), s(v, "plaintext").as_bytes());
    }
}

#[test]
fn counter_ciphers_including_wraparound() {
    for v in list(&vectors(), "counterCiphers") {
        let key = SecretKey::from_bytes(unhex(s(v, "keyHex")));
        let base = Nonce::from_bytes(unhex(s(v, "baseNonceHex")));
        let counter = v["counter"].as_u64().unwrap() as u32;
        let cipher = Cipher::from_json(s(v, "json")).unwrap();
        assert_eq!(cipher.counter(), Some(counter));
        assert_eq!(cipher.to_json(), s(v, "json"));
        // Encrypting under the derived nonce must give the recorded ciphertext.
        let again = key
            .encrypt_with_nonce(s(v, "plaintext").as_bytes(), base.with_counter(counter))
            .unwrap();
        assert_eq!(again.ciphertext(), cipher.ciphertext(), "counter {counter}");
        assert_eq!(
            key.decrypt_with_base(&cipher, &base).unwrap(),
            s(v, "plaintext").as_bytes()
        );
    }
}

#[test]
fn signatures_from_seeds() {
    for v in list(&vectors(), "signatures") {
        let pair = SignatureKeypair::from_seed(&unhex(s(v, "seedHex")));
        assert_eq!(pair.public_key().to_json(), s(v, "publicKey"));
        assert_eq!(pair.public_key().to_base64(), s(v, "publicKeyBase64"));
        assert_eq!(pair.private_key().to_json(), s(v, "privateKey"));
        assert_eq!(pair.to_json(), s(v, "keypair"));
        let label = match v["alg"].as_u64() {
            Some(1) => HashLabel::Sha256,
            _ => HashLabel::Sha512,
        };
        let sig = pair.sign(s(v, "message").as_bytes(), label);
        assert_eq!(sig.to_json(), s(v, "signature"));
        assert_eq!(sig.to_base64(), s(v, "signatureBase64"));
        let parsed = Signature::from_base64(s(v, "signatureBase64")).unwrap();
        let public = SignaturePublicKey::from_base64(s(v, "publicKeyBase64")).unwrap();
        assert!(public.verify(s(v, "message").as_bytes(), &parsed));
        assert_eq!(SignatureKeypair::from_json(s(v, "keypair")).unwrap(), pair);
        assert_eq!(
            SignaturePrivateKey::from_json(s(v, "privateKey"))
                .unwrap()
                .public_key(),
            *pair.public_key()
        );
    }
}

#[test]
fn exchange_keys_and_kx_session_keys() {
    for v in list(&vectors(), "exchanges") {
        let requestor = ExchangeKeypair::from_private(ExchangePrivateKey::from_bytes(unhex(s(
            v,
            "requestorPrivateHex",
        ))));
        let templator = ExchangeKeypair::from_private(ExchangePrivateKey::from_bytes(unhex(s(
            v,
            "templatorPrivateHex",
        ))));
        assert_eq!(requestor.to_json(), s(v, "requestorKeypair"));
        assert_eq!(requestor.to_base64(), s(v, "requestorKeypairBase64"));
        assert_eq!(templator.public_key().to_json(), s(v, "templatorPublicKey"));
        assert_eq!(
            ExchangePublicKey::from_json(s(v, "templatorPublicKey")).unwrap(),
            *templator.public_key()
        );
        assert_eq!(
            requestor
                .derive_requestor(templator.public_key())
                .unwrap()
                .to_json(),
            s(v, "requestorSecrets")
        );
        assert_eq!(
            templator
                .derive_templator(requestor.public_key())
                .unwrap()
                .to_json(),
            s(v, "templatorSecrets")
        );
    }
}

#[test]
fn kdf_sub_keys() {
    for v in list(&vectors(), "kdf") {
        let key = derive_key(
            &unhex(s(v, "masterHex")),
            v["id"].as_u64().unwrap(),
            KdfContext::parse(s(v, "context")).unwrap(),
        );
        assert_eq!(hex(key.as_bytes()), s(v, "keyHex"));
        assert_eq!(key.to_json(), s(v, "json"));
    }
}

#[test]
fn argon2id_password_hashes() {
    for v in list(&vectors(), "passwords") {
        let salt = unhex(s(v, "saltHex"));
        let hashed = hash_password(s(v, "password").as_bytes(), &salt, TRANSPORT_COST).unwrap();
        assert_eq!(hex(hashed.as_slice()), s(v, "hashHex"));
        assert_eq!(
            backbone_password(s(v, "password"), &salt).unwrap(),
            s(v, "backbone")
        );
    }
}

#[test]
fn sha_hashes() {
    for v in list(&vectors(), "hashes") {
        assert_eq!(
            hex(&hash::sha256(s(v, "input").as_bytes())),
            s(v, "sha256Hex")
        );
        assert_eq!(
            hex(&hash::sha512(s(v, "input").as_bytes())),
            s(v, "sha512Hex")
        );
    }
}

#[test]
fn identity_addresses() {
    for v in list(&vectors(), "addresses") {
        let key = SignaturePublicKey::from_json(s(v, "publicKey")).unwrap();
        let address = Address::derive(&key, s(v, "domain")).unwrap();
        assert_eq!(address.as_str(), s(v, "address"));
        assert_eq!(Address::parse(s(v, "address")).unwrap(), address);
        assert!(address.belongs_to(&key));
    }
}

fn reference_from(v: &Value) -> Reference {
    let protection = v
        .get("passwordProtection")
        .filter(|p| p.is_object())
        .map(|p| SharedPasswordProtection {
            password_type: match s(p, "passwordType") {
                "pw" => PasswordType::Password,
                pin => PasswordType::Pin(pin[3..].parse().unwrap()),
            },
            salt: unhex(s(p, "salt")),
            location_indicator: p["passwordLocationIndicator"].as_u64().map(|n| n as u8),
        });
    Reference {
        id: AnyId::parse(s(v, "id")).unwrap(),
        backbone_base_url: v["backboneBaseUrl"].as_str().map(str::to_owned),
        key: SecretKey::from_bytes(unhex(s(v, "keyHex"))),
        for_identity_truncated: v["forIdentityTruncated"].as_str().map(str::to_owned),
        password_protection: protection,
    }
}

#[test]
fn references_truncated_and_url() {
    for v in list(&vectors(), "references") {
        let reference = reference_from(v);
        assert_eq!(reference.truncate(), s(v, "truncated"));
        assert_eq!(Reference::parse(s(v, "truncated")).unwrap(), reference);
        if let Some(url) = v["url"].as_str() {
            let app = reference
                .id
                .as_str()
                .starts_with("RLT")
                .then_some("eu.enmeshed.app");
            assert_eq!(reference.to_url(app).unwrap(), url);
            assert_eq!(Reference::parse(url).unwrap(), reference);
        }
    }
}

#[test]
fn ids_generated_by_transport_parse() {
    for v in list(&vectors(), "ids") {
        let id = AnyId::parse_with_prefix(s(v, "id"), s(v, "prefix")).unwrap();
        assert_eq!(id.as_str(), s(v, "id"));
    }
}

#[test]
fn relationship_handshake_recomputed_from_recorded_keys() {
    let all = vectors();
    let h = &all["handshake"];
    let template_keypair = ExchangeKeypair::from_json(s(h, "templateKeypair")).unwrap();
    assert_eq!(template_keypair.to_json(), s(h, "templateKeypair"));
    let identity = SignatureKeypair::from_json(s(h, "templatorIdentity")).unwrap();

    // Request secrets: parse, re-serialise, and recompute from their own random parts.
    let request = RequestSecrets::from_json(s(h, "requestSecrets")).unwrap();
    assert_eq!(request.to_json(), s(h, "requestSecrets"));
    let raw: Value = serde_json::from_str(s(h, "requestSecrets")).unwrap();
    let recomputed = RequestSecrets::from_parts(
        ExchangeKeypair::from_json(&raw["exc"].to_string()).unwrap(),
        ExchangeKeypair::from_json(&raw["eph"].to_string()).unwrap(),
        SignatureKeypair::from_json(&raw["sig"].to_string()).unwrap(),
        request.to_public_request().nonce,
        template_keypair.public_key(),
        identity.public_key(),
    )
    .unwrap();
    assert_eq!(recomputed.to_json(), s(h, "requestSecrets"));
    assert_eq!(request.to_public_request().to_json(), s(h, "publicRequest"));
    assert_eq!(
        request.to_public_request().to_base64(),
        s(h, "publicRequestBase64")
    );

    // Templator: recompute from the public request, the template key and its random parts.
    let public_request = PublicRequest::from_base64(s(h, "publicRequestBase64")).unwrap();
    let raw: Value = serde_json::from_str(s(h, "templatorSecrets")).unwrap();
    let mut templator = RelationshipSecrets::templator_from_parts(
        &public_request,
        &template_keypair,
        SignatureKeypair::from_json(&raw["sig"].to_string()).unwrap(),
        ExchangeKeypair::from_json(&raw["exc"].to_string()).unwrap(),
        *RelationshipSecrets::from_json(s(h, "templatorSecrets"))
            .unwrap()
            .transmit_state()
            .nonce(),
    )
    .unwrap();
    assert_eq!(templator.to_json(), s(h, "templatorSecrets"));
    let request_cipher = Cipher::from_json(s(h, "requestCipher")).unwrap();
    assert_eq!(
        templator.decrypt_request(&request_cipher).unwrap(),
        s(h, "requestPlaintext").as_bytes()
    );

    // Requestor: derived from the response alone.
    let response = PublicResponse::from_base64(s(h, "publicResponseBase64")).unwrap();
    assert_eq!(
        templator.to_public_response().to_json(),
        s(h, "publicResponse")
    );
    assert_eq!(response.to_base64(), s(h, "publicResponseBase64"));
    let mut requestor = RelationshipSecrets::requestor_from_response(&response, &request).unwrap();
    assert_eq!(requestor.to_json(), s(h, "requestorSecrets"));
    assert_eq!(
        RelationshipSecrets::from_json(s(h, "requestorSecrets")).unwrap(),
        requestor
    );

    // Counter ciphers are deterministic: same states, same bytes.
    for m in list(h, "fromRequestor") {
        let cipher = send(&mut requestor, s(m, "plaintext").as_bytes());
        assert_eq!(cipher.to_json(), s(m, "cipher"));
        assert_eq!(
            templator.decrypt_peer_in_order(&cipher).unwrap(),
            s(m, "plaintext").as_bytes()
        );
    }
    for m in list(h, "fromTemplator") {
        let cipher = send(&mut templator, s(m, "plaintext").as_bytes());
        assert_eq!(cipher.to_json(), s(m, "cipher"));
        assert_eq!(
            requestor.decrypt_peer(&cipher).unwrap(),
            s(m, "plaintext").as_bytes()
        );
    }
    assert_eq!(requestor.to_json(), s(h, "requestorSecretsAfter"));
    let signature = Signature::from_json(s(&h["relationshipSignature"], "signature")).unwrap();
    assert!(templator.verify_peer(
        s(&h["relationshipSignature"], "message").as_bytes(),
        &signature
    ));
    let recorded = requestor.sign(s(&h["relationshipSignature"], "message").as_bytes());
    assert_eq!(
        recorded.to_json(),
        s(&h["relationshipSignature"], "signature")
    );
    // The templator decrypted in order here, which the recorded run did not do.
    let after = RelationshipSecrets::from_json(s(h, "templatorSecretsAfter")).unwrap();
    assert_eq!(after.transmit_state(), templator.transmit_state());
}
