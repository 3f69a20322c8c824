//! Rust → JS: fresh keys, ciphers, signatures, addresses, references and a full relationship
//! handshake made here are decrypted, verified and re-serialised by the official
//! `@nmshd/crypto` through `node interop/crypto/vectors.mjs check`.
//!
//! Needs Node 20+ and `npm ci --prefix interop` (run once from the repository root).

use std::path::PathBuf;
use std::process::Command;

use serde_json::{Value, json};
use wire::address::Address;
use wire::cipher::{Cipher, SecretKey};
use wire::encoding::hex;
use wire::exchange::ExchangeKeypair;
use wire::ids::{FileId, RelationshipTemplateId, TokenId};
use wire::password::generate_salt;
use wire::reference::{PasswordType, Reference, SharedPasswordProtection};
use wire::relationship::{PublicRequest, PublicResponse, RelationshipSecrets, RequestSecrets};
use wire::signature::{HashLabel, SignatureKeypair};
use wire::{AnyId, CryptoObject};

/// Encrypts the next message of `sender`; these tests keep no stored secrets to persist first.
fn send(sender: &mut RelationshipSecrets, plaintext: &[u8]) -> Cipher {
    sender
        .reserve_transmit()
        .unwrap()
        .encrypt(plaintext)
        .unwrap()
}

fn interop_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../interop");
    // Resolved here because Node treats `..` lexically and the crate may sit behind a symlink.
    let dir = dir.canonicalize().unwrap_or(dir);
    assert!(
        dir.join("node_modules/@nmshd/crypto").is_dir(),
        "interop/node_modules is missing: run `npm ci --prefix interop` from the repository root"
    );
    dir
}

fn reference_fields(r: &Reference) -> Value {
    json!({
        "id": r.id.as_str(),
        "backboneBaseUrl": r.backbone_base_url,
        "keyHex": hex(r.key.as_bytes()),
        "forIdentityTruncated": r.for_identity_truncated,
        "passwordType": r.password_protection.as_ref().map(|p| match p.password_type {
            PasswordType::Password => "pw".to_string(),
            PasswordType::Pin(n) => format!("pin{n}"),
        }),
        "saltHex": r.password_protection.as_ref().map(|p| hex(&p.salt)),
        "passwordLocationIndicator": r.password_protection.as_ref().and_then(|p| p.location_indicator),
    })
}

fn build_input() -> (Value, usize) {
    let mut expected_checks = 0;

    let mut ciphers = Vec::new();
    for plaintext in [
        String::new(),
        "Hallo Welt ä€𝄞".to_string(),
        "x".repeat(70_000),
    ] {
        let key = SecretKey::generate().unwrap();
        let cipher = key.encrypt(plaintext.as_bytes()).unwrap();
        ciphers.push(json!({ "key": key.to_json(), "cipherBase64": cipher.to_base64(), "plaintext": plaintext }));
        expected_checks += 3;
    }

    let mut signatures = Vec::new();
    for (message, label) in [
        ("identity challenge", HashLabel::Sha512),
        ("relationship content", HashLabel::Sha256),
    ] {
        let pair = SignatureKeypair::generate().unwrap();
        let sig = pair.sign(message.as_bytes(), label);
        signatures.push(json!({
            "publicKeyBase64": pair.public_key().to_base64(),
            "signatureBase64": sig.to_base64(),
            "message": message,
            "keypair": pair.to_json(),
        }));
        expected_checks += 4;
    }

    let requestor = ExchangeKeypair::generate().unwrap();
    let templator = ExchangeKeypair::generate().unwrap();
    let exchanges = vec![json!({
        "requestorKeypair": requestor.to_json(),
        "templatorPublicKey": templator.public_key().to_json(),
        "requestorSecrets": requestor.derive_requestor(templator.public_key()).unwrap().to_json(),
    })];
    expected_checks += 1;

    let mut addresses = Vec::new();
    for domain in ["localhost", "connector.example.org"] {
        let pair = SignatureKeypair::generate().unwrap();
        let address = Address::derive(pair.public_key(), domain).unwrap();
        addresses.push(json!({ "publicKey": pair.public_key().to_json(), "domain": domain, "address": address.as_str() }));
        expected_checks += 1;
    }

    let owner = SignatureKeypair::generate().unwrap();
    let owner_address = Address::derive(owner.public_key(), "localhost").unwrap();
    let refs = [
        Reference {
            id: RelationshipTemplateId::generate().unwrap().into(),
            backbone_base_url: Some("http://127.0.0.1:8080".into()),
            key: SecretKey::generate().unwrap(),
            for_identity_truncated: Some(owner_address.truncated().to_owned()),
            password_protection: Some(SharedPasswordProtection {
                password_type: PasswordType::Pin(6),
                salt: generate_salt().unwrap(),
                location_indicator: Some(50),
            }),
        },
        Reference {
            id: TokenId::generate().unwrap().into(),
            backbone_base_url: None,
            key: SecretKey::generate().unwrap(),
            for_identity_truncated: None,
            password_protection: Some(SharedPasswordProtection {
                password_type: PasswordType::Password,
                salt: generate_salt().unwrap(),
                location_indicator: None,
            }),
        },
        Reference {
            id: AnyId::from(FileId::generate().unwrap()),
            backbone_base_url: Some("https://backbone.example.org/base".into()),
            key: SecretKey::generate().unwrap(),
            for_identity_truncated: None,
            password_protection: None,
        },
    ];
    let references: Vec<Value> = refs
        .iter()
        .map(|r| {
            json!({
                "truncated": r.truncate(),
                "url": r.backbone_base_url.as_ref().map(|_| r.to_url(None).unwrap()),
                "fields": reference_fields(r),
            })
        })
        .collect();
    expected_checks += 2 * references.len();

    // The handshake, entirely in Rust, with wire-format hops in between.
    let templator_identity = SignatureKeypair::generate().unwrap();
    let template_keypair = ExchangeKeypair::generate().unwrap();
    let request = RequestSecrets::from_peer(
        template_keypair.public_key(),
        templator_identity.public_key(),
    )
    .unwrap();
    let request_cipher = request
        .encrypt_request(b"creation content from Rust")
        .unwrap();
    let public_request =
        PublicRequest::from_base64(&request.to_public_request().to_base64()).unwrap();
    let mut templator_secrets =
        RelationshipSecrets::templator_from_request(&public_request, &template_keypair).unwrap();
    let templator_json = templator_secrets.to_json();
    let response =
        PublicResponse::from_base64(&templator_secrets.to_public_response().to_base64()).unwrap();
    let mut requestor_secrets =
        RelationshipSecrets::requestor_from_response(&response, &request).unwrap();
    let requestor_json = requestor_secrets.to_json();
    let from_requestor: Vec<Value> = ["eins", "zwei", "drei"]
        .iter()
        .map(|text| {
            let cipher = send(&mut requestor_secrets, text.as_bytes());
            json!({ "plaintext": text, "cipher": cipher.to_json() })
        })
        .collect();
    let from_templator: Vec<Value> = ["one", "two"]
        .iter()
        .map(|text| {
            let cipher = send(&mut templator_secrets, text.as_bytes());
            json!({ "plaintext": text, "cipher": cipher.to_json() })
        })
        .collect();
    let signature = requestor_secrets.sign(b"signed in Rust");
    expected_checks += 6 + from_requestor.len() + from_templator.len() + 2;

    let input = json!({
        "ciphers": ciphers,
        "signatures": signatures,
        "exchanges": exchanges,
        "addresses": addresses,
        "references": references,
        "handshake": {
            "templateKeypair": template_keypair.to_json(),
            "requestSecrets": request.to_json(),
            "publicRequest": request.to_public_request().to_json(),
            "publicRequestBase64": request.to_public_request().to_base64(),
            "templatorSecrets": templator_json,
            "requestCipherBase64": request_cipher.to_base64(),
            "requestPlaintext": "creation content from Rust",
            "publicResponseBase64": response.to_base64(),
            "requestorSecrets": requestor_json,
            "fromRequestor": from_requestor,
            "fromTemplator": from_templator,
            "relationshipSignature": { "message": "signed in Rust", "signature": signature.to_json() },
        },
    });
    (input, expected_checks)
}

#[test]
fn nmshd_crypto_accepts_everything_rust_produces() {
    let interop = interop_dir();
    let (input, expected_checks) = build_input();
    let path = std::env::temp_dir().join(format!("wire-interop-{}.json", std::process::id()));
    std::fs::write(&path, serde_json::to_vec(&input).unwrap()).unwrap();

    let output = Command::new("node")
        .arg(interop.join("crypto/vectors.mjs"))
        .arg("check")
        .arg(&path)
        .output()
        .expect("`node` must be on PATH (Node 20+)");
    let _ = std::fs::remove_file(&path);
    assert!(
        output.status.success(),
        "node check failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).expect("check prints JSON");
    let checks = report["checks"].as_array().expect("checks array");
    let failed: Vec<&Value> = checks.iter().filter(|c| c["ok"] != json!(true)).collect();
    assert!(failed.is_empty(), "@nmshd/crypto rejected: {failed:#?}");
    assert_eq!(
        checks.len(),
        expected_checks,
        "unexpected number of checks: {checks:#?}"
    );
}

/// The committed vectors are what the official library computes today: regenerated with
/// `node interop/crypto/vectors.mjs generate`, every deterministic section (fixed keys, seeds,
/// nonces and inputs) is identical. Only the random ids and the handshake, which the library
/// makes with its own randomness, may differ.
#[test]
fn committed_vectors_match_a_fresh_run_of_the_official_library() {
    let interop = interop_dir();
    let path = std::env::temp_dir().join(format!("nmshd-vectors-{}.json", std::process::id()));
    let output = Command::new("node")
        .arg(interop.join("crypto/vectors.mjs"))
        .arg("generate")
        .arg(&path)
        .output()
        .expect("`node` must be on PATH (Node 20+)");
    assert!(
        output.status.success(),
        "node generate failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let fresh: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let _ = std::fs::remove_file(&path);
    let committed: Value = serde_json::from_str(include_str!("vectors/nmshd-crypto.json")).unwrap();
    let random = ["ids", "handshake"];
    let sections: Vec<&String> = committed
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| !random.contains(&k.as_str()))
        .collect();
    assert!(sections.len() >= 10, "{sections:?}");
    for section in sections {
        assert_eq!(
            fresh[section], committed[section],
            "section `{section}` differs from a fresh run"
        );
    }
    // The random sections keep their shape: as many ids, the same handshake parts.
    let shape = |v: &Value| match v {
        Value::Array(items) => format!("{} items", items.len()),
        Value::Object(map) => map.keys().cloned().collect::<Vec<_>>().join(","),
        other => panic!("unexpected section {other}"),
    };
    for section in random {
        assert_eq!(
            shape(&fresh[section]),
            shape(&committed[section]),
            "section `{section}` has the same shape"
        );
    }
}
