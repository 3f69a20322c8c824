//! Throughput of the wire crypto against the raw primitives, measured in the same run.
//!
//!   cargo bench -p wire --bench crypto
//!
//! Prints, per payload size, MiB/s of `SecretKey::encrypt` / `decrypt` (what transport objects
//! use) next to a bare `XChaCha20Poly1305` call (the ceiling), the same for the full wire form
//! (JSON + base64url both ways), and signatures per second next to bare `ed25519-dalek`.
//! Ratios are ours / raw; 1.00 means no overhead.

use std::hint::black_box;
use std::time::{Duration, Instant};

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use ed25519_dalek::{Signer, SigningKey};
use wire::{Cipher, CryptoObject, HashLabel, Nonce, SecretKey, SignatureKeypair};

/// Best per-iteration time over several rounds of at least `budget` each.
fn measure(budget: Duration, mut op: impl FnMut()) -> Duration {
    op();
    let mut best = Duration::MAX;
    for _ in 0..5 {
        let start = Instant::now();
        let mut iterations = 0u32;
        while start.elapsed() < budget {
            op();
            iterations += 1;
        }
        best = best.min(start.elapsed() / iterations);
    }
    best
}

fn mib_per_s(bytes: usize, per_op: Duration) -> f64 {
    bytes as f64 / (1024.0 * 1024.0) / per_op.as_secs_f64()
}

fn row(name: &str, bytes: usize, ours: Duration, raw: Duration) {
    println!(
        "{name:<34} {:>10.1} MiB/s   raw {:>10.1} MiB/s   ratio {:.2}",
        mib_per_s(bytes, ours),
        mib_per_s(bytes, raw),
        raw.as_secs_f64() / ours.as_secs_f64()
    );
}

fn main() {
    let budget = Duration::from_millis(if std::env::args().any(|a| a == "--quick") {
        50
    } else {
        300
    });
    let key_bytes = [7u8; 32];
    let key = SecretKey::from_bytes(key_bytes);
    let raw = XChaCha20Poly1305::new(&key_bytes.into());
    let nonce = [9u8; 24];

    for (label, size) in [("1 KiB", 1024usize), ("10 MiB", 10 * 1024 * 1024)] {
        let payload = vec![0x5au8; size];
        let raw_encrypt = measure(budget, || {
            black_box(
                raw.encrypt(&XNonce::from(nonce), black_box(payload.as_slice()))
                    .unwrap(),
            );
        });
        let ours_encrypt = measure(budget, || {
            black_box(key.encrypt(black_box(&payload)).unwrap());
        });
        let sealed = raw
            .encrypt(&XNonce::from(nonce), payload.as_slice())
            .unwrap();
        let raw_decrypt = measure(budget, || {
            black_box(
                raw.decrypt(&XNonce::from(nonce), black_box(sealed.as_slice()))
                    .unwrap(),
            );
        });
        let cipher = key
            .encrypt_with_nonce(&payload, Nonce::from_bytes(nonce))
            .unwrap();
        let ours_decrypt = measure(budget, || {
            black_box(key.decrypt(black_box(&cipher)).unwrap());
        });
        let wire_encrypt = measure(budget, || {
            black_box(key.encrypt(black_box(&payload)).unwrap().to_base64());
        });
        let wire_text = cipher.to_base64();
        let wire_decrypt = measure(budget, || {
            black_box(
                key.decrypt(&Cipher::from_base64(black_box(&wire_text)).unwrap())
                    .unwrap(),
            );
        });
        println!("-- {label} payload");
        row(
            "encrypt (SecretKey::encrypt)",
            size,
            ours_encrypt,
            raw_encrypt,
        );
        row(
            "decrypt (SecretKey::decrypt)",
            size,
            ours_decrypt,
            raw_decrypt,
        );
        row(
            "encrypt + toBase64 wire form",
            size,
            wire_encrypt,
            raw_encrypt,
        );
        row(
            "fromBase64 wire form + decrypt",
            size,
            wire_decrypt,
            raw_decrypt,
        );
    }

    let seed = [3u8; 32];
    let pair = SignatureKeypair::from_seed(&seed);
    let raw_key = SigningKey::from_bytes(&seed);
    let message = b"{\"expiresAt\":\"2026-11-28T01:23:15.167Z\",\"id\":\"CHLaHvaRhYUfaraaw4QI\",\"type\":\"Identity\"}";
    let raw_sign = measure(budget, || {
        black_box(raw_key.sign(black_box(message)));
    });
    let ours_sign = measure(budget, || {
        black_box(pair.sign(black_box(message), HashLabel::Sha512));
    });
    let raw_sig = raw_key.sign(message);
    let raw_verifying = raw_key.verifying_key();
    let raw_verify = measure(budget, || {
        black_box(
            raw_verifying
                .verify_strict(black_box(message), &raw_sig)
                .is_ok(),
        );
    });
    let sig = pair.sign(message, HashLabel::Sha512);
    let ours_verify = measure(budget, || {
        black_box(pair.public_key().verify(black_box(message), &sig));
    });
    println!("-- Ed25519 over an 82-byte challenge");
    for (name, ours, raw) in [
        ("sign", ours_sign, raw_sign),
        ("verify", ours_verify, raw_verify),
    ] {
        println!(
            "{name:<34} {:>10.0} ops/s     raw {:>10.0} ops/s     ratio {:.2}",
            1.0 / ours.as_secs_f64(),
            1.0 / raw.as_secs_f64(),
            raw.as_secs_f64() / ours.as_secs_f64()
        );
    }
}
