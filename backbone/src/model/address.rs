//! Identity addresses `did:e:<domain>:dids:<20 hex><2 hex checksum>`, derived from the identity's
//! Ed25519 public key exactly as transport derives them, so both sides agree.

use sha2::{Digest, Sha256, Sha512};
use std::fmt::Write as _;

#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Address(String);

const MAX_LENGTH: usize = 80;

impl Address {
    pub fn derive(public_key: &[u8; 32], did_domain: &str) -> Self {
        let hash = Sha256::digest(Sha512::digest(public_key));
        let prefix = format!("did:e:{did_domain}:dids:{}", hex(&hash[..10]));
        let checksum = Sha256::digest(prefix.as_bytes());
        Address(format!("{prefix}{}", hex(&checksum[..1])))
    }

    /// Accepts any well-formed address whose checksum is right, whatever its domain: peers of a
    /// local Backbone are still addressed by their full DID.
    pub fn parse(s: &str) -> Option<Self> {
        if s.len() > MAX_LENGTH {
            return None;
        }
        let rest = s.strip_prefix("did:e:")?;
        let (domain, hash) = rest.split_once(":dids:")?;
        let domain_ok = !domain.is_empty()
            && domain
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
        let hash_ok = hash.len() == 22
            && hash
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !domain_ok || !hash_ok {
            return None;
        }
        let (body, checksum) = s.split_at(s.len() - 2);
        let expected = Sha256::digest(body.as_bytes());
        (hex(&expected[..1]) == checksum).then(|| Address(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;

    #[test]
    fn matches_the_transport_probe_vector() {
        let seed: [u8; 32] = std::array::from_fn(|i| 0x80 + i as u8);
        let public = SigningKey::from_bytes(&seed).verifying_key().to_bytes();
        let address = Address::derive(&public, "localhost");
        assert_eq!(
            address.as_str(),
            "did:e:localhost:dids:7a8b8b30579a130e7866f8"
        );
        assert_eq!(Address::parse(address.as_str()), Some(address));
    }

    #[test]
    fn rejects_bad_checksums_and_shapes() {
        assert!(Address::parse("did:e:localhost:dids:7a8b8b30579a130e7866f9").is_none());
        assert!(Address::parse("did:e:localhost:dids:7a8b8b30579a130e7866").is_none());
        assert!(Address::parse("did:e:LOCALHOST:dids:7a8b8b30579a130e7866f8").is_none());
        assert!(Address::parse("").is_none());
    }
}
