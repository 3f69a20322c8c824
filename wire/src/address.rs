//! Identity addresses: `did:e:<domain>:dids:<20 hex><2 hex checksum>`.
//!
//! The 20 hex characters are the first 10 bytes of SHA-256(SHA-512(raw Ed25519 public key));
//! the checksum is the first byte of SHA-256 over everything before it. Both the Backbone and
//! transport derive the address independently and must agree, so derivation lives here once.

use std::fmt;

use subtle::ConstantTimeEq;

use crate::encoding::hex;
use crate::error::{Result, WireError};
use crate::hash::{sha256, sha512};
use crate::signature::SignaturePublicKey;

const PREFIX: &str = "did:e:";
const INFIX: &str = ":dids:";
/// The runtime's request schemas' pattern of an address (`AddressString`), as their messages
/// quote it ("peer must match pattern …").
pub const PATTERN: &str =
    r"did:e:((([A-Za-z0-9]+(-[A-Za-z0-9]+)*)\.)+[a-z]{2,}|localhost):dids:[0-9a-f]{22}";
/// Longest address the Backbone accepts.
pub const MAX_ADDRESS_LENGTH: usize = 80;

/// A validated identity address.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Address(String);

impl Address {
    /// Derives the address of an identity from its public key for a DID domain
    /// (the Backbone's `DidDomainName`, transport's `addressGenerationHostnameOverride`).
    pub fn derive(public_key: &SignaturePublicKey, domain: &str) -> Result<Self> {
        check_domain(domain)?;
        let main = format!("{PREFIX}{domain}{INFIX}{}", identity_part(public_key));
        let checksum = hex(&sha256(main.as_bytes())[..1]);
        let address = main + &checksum;
        if address.len() > MAX_ADDRESS_LENGTH {
            return Err(WireError::Address(format!(
                "longer than {MAX_ADDRESS_LENGTH} characters"
            )));
        }
        Ok(Self(address))
    }

    /// Parses an address and checks its format and checksum (not the key it belongs to).
    pub fn parse(text: &str) -> Result<Self> {
        if text.len() > MAX_ADDRESS_LENGTH {
            return Err(WireError::Address(format!(
                "longer than {MAX_ADDRESS_LENGTH} characters"
            )));
        }
        let rest = text
            .strip_prefix(PREFIX)
            .ok_or_else(|| WireError::Address(format!("must start with {PREFIX}")))?;
        let (domain, tail) = rest
            .rsplit_once(INFIX)
            .ok_or_else(|| WireError::Address(format!("missing {INFIX}")))?;
        check_domain(domain)?;
        if tail.len() != 22 || !tail.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(WireError::Address(
                "identity part must be 22 lower-case hex characters".into(),
            ));
        }
        let main = &text[..text.len() - 2];
        let expected = hex(&sha256(main.as_bytes())[..1]);
        if expected.as_bytes() != &text.as_bytes()[text.len() - 2..] {
            return Err(WireError::Address("checksum mismatch".into()));
        }
        Ok(Self(text.to_owned()))
    }

    /// Whether this address was derived from `public_key` (any domain). Constant time in the
    /// compared hash, since the key may be probed by a peer.
    pub fn belongs_to(&self, public_key: &SignaturePublicKey) -> bool {
        let tail = &self.0[self.0.len() - 22..self.0.len() - 2];
        bool::from(tail.as_bytes().ct_eq(identity_part(public_key).as_bytes()))
    }

    /// The DID domain the address was made for.
    pub fn domain(&self) -> &str {
        &self.0[PREFIX.len()..self.0.len() - 22 - INFIX.len()]
    }

    /// The last four characters, used as `forIdentityTruncated` in references.
    pub fn truncated(&self) -> &str {
        &self.0[self.0.len() - 4..]
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn identity_part(public_key: &SignaturePublicKey) -> String {
    hex(&sha256(&sha512(public_key.as_bytes()))[..10])
}

/// The Backbone's rule: dot-separated labels of `[a-z0-9-]`, the last one `[a-z]{2,}`.
fn check_domain(domain: &str) -> Result<()> {
    let mut labels = domain.split('.').collect::<Vec<_>>();
    let last = labels.pop().unwrap_or_default();
    let last_ok = last.len() >= 2 && last.bytes().all(|b| b.is_ascii_lowercase());
    let others_ok = labels.iter().all(|l| {
        !l.is_empty()
            && l.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    });
    if last_ok && others_ok {
        Ok(())
    } else {
        Err(WireError::Address(format!(
            "invalid DID domain {:?}",
            domain.chars().take(64).collect::<String>()
        )))
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for Address {
    type Err = WireError;
    fn from_str(text: &str) -> Result<Self> {
        Self::parse(text)
    }
}

impl AsRef<str> for Address {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl serde::Serialize for Address {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Address {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signature::SignatureKeypair;

    fn probe_key() -> SignaturePublicKey {
        SignatureKeypair::from_seed(&std::array::from_fn(|i| 0x80 + i as u8))
            .public_key()
            .clone()
    }

    #[test]
    fn probe_vector() {
        let address = Address::derive(&probe_key(), "localhost").unwrap();
        assert_eq!(
            address.as_str(),
            "did:e:localhost:dids:7a8b8b30579a130e7866f8"
        );
        assert_eq!(address.domain(), "localhost");
        assert_eq!(address.truncated(), "66f8");
        assert!(address.belongs_to(&probe_key()));
        assert_eq!(Address::parse(address.as_str()).unwrap(), address);
    }

    #[test]
    fn rejects_bad_checksum_domain_and_shape() {
        assert!(Address::parse("did:e:localhost:dids:7a8b8b30579a130e7866f9").is_err());
        assert!(Address::parse("did:e:127.0.0.1:dids:7a8b8b30579a130e7866f8").is_err());
        assert!(Address::parse("did:e:localhost:dids:7A8B8B30579A130E7866F8").is_err());
        assert!(Address::parse("did:e:localhost:dids:7a8b").is_err());
        assert!(Address::parse("").is_err());
        assert!(Address::derive(&probe_key(), "127.0.0.1").is_err());
        let other = SignatureKeypair::from_seed(&[1; 32]);
        let address = Address::derive(&probe_key(), "bb.example.org").unwrap();
        assert!(!address.belongs_to(other.public_key()));
        assert_eq!(address.domain(), "bb.example.org");
    }
}
