//! Sub-key derivation, libsodium's `crypto_kdf_derive_from_key`: keyed BLAKE2b-256 over an
//! empty message, salt = sub-key id (LE u64) ‖ 8 zero bytes, personal = context ‖ 8 zero bytes.

use blake2::Blake2bMac;
use blake2::digest::Mac;
use blake2::digest::consts::U32;

use crate::cipher::SecretKey;
use crate::error::{Result, WireError};

/// An 8-byte KDF context such as `REQTMP01`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KdfContext([u8; 8]);

impl KdfContext {
    pub const fn new(context: &[u8; 8]) -> Self {
        Self(*context)
    }

    pub fn parse(context: &str) -> Result<Self> {
        <[u8; 8]>::try_from(context.as_bytes())
            .map(Self)
            .map_err(|_| WireError::KdfContext)
    }
}

/// The relationship request key (encrypts the creation content).
pub const REQUEST_TEMPLATE: KdfContext = KdfContext::new(b"REQTMP01");
/// Requestor → templator transmit key.
pub const RELATIONSHIP_REQUESTOR: KdfContext = KdfContext::new(b"RELREQ01");
/// Templator → requestor transmit key.
pub const RELATIONSHIP_TEMPLATOR: KdfContext = KdfContext::new(b"RELTEM01");
/// Datawallet payload keys, sub-key id = modification index.
pub const DATAWALLET: KdfContext = KdfContext::new(b"DataSync");

/// Derives sub-key `id` of `master` in `context` (`CryptoDerivation.deriveKeyFromBase`).
pub fn derive_key(master: &[u8; 32], id: u64, context: KdfContext) -> SecretKey {
    let mut salt = [0u8; 16];
    salt[..8].copy_from_slice(&id.to_le_bytes());
    let mut personal = [0u8; 16];
    personal[..8].copy_from_slice(&context.0);
    let mac = Blake2bMac::<U32>::new_with_salt_and_personal(master, &salt, &personal)
        .expect("a 32-byte key, 16-byte salt and 16-byte personal are within BLAKE2b limits");
    SecretKey::from_bytes(mac.finalize().into_bytes().into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::hex;

    #[test]
    fn probe_vectors() {
        let master: [u8; 32] = std::array::from_fn(|i| 0xa0 + i as u8);
        let cases = [
            (
                1,
                "REQTMP01",
                "943108d2c90040bed1b3c5154287666d542898665de23164dec2501123da7229",
            ),
            (
                1,
                "RELREQ01",
                "3c7aeb1b34fc9d16bc71d2d0c425db80ab6d067641e531ea670e663587f4ef6b",
            ),
            (
                7,
                "DataSync",
                "62fe76fa21167ae0340a0b03827c2843fa7d674b20c81b5c1207ce41165e128a",
            ),
        ];
        for (id, ctx, expected) in cases {
            let key = derive_key(&master, id, KdfContext::parse(ctx).unwrap());
            assert_eq!(hex(key.as_bytes()), expected, "{ctx}/{id}");
        }
        assert!(KdfContext::parse("SHORT").is_err());
    }
}
