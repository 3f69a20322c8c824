//! Password protection of tokens and templates: Argon2id v1.3 as libsodium's `crypto_pwhash`
//! with transport's limits (3 passes, 20 MiB, one lane), 32-byte output.

use zeroize::Zeroizing;

use crate::encoding::std_b64_encode;
use crate::error::{Result, WireError};

/// Salt length (`crypto_pwhash_SALTBYTES`).
pub const SALT_LENGTH: usize = 16;

/// Argon2id cost, with the memory limit in bytes as libsodium counts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PasswordHashCost {
    pub ops_limit: u32,
    pub mem_limit_bytes: u32,
}

/// The cost transport uses for shared passwords.
pub const TRANSPORT_COST: PasswordHashCost = PasswordHashCost {
    ops_limit: 3,
    mem_limit_bytes: 20 * 1024 * 1024,
};

/// Hashes a password into 32 bytes with Argon2id.
pub fn hash_password(
    password: &[u8],
    salt: &[u8; SALT_LENGTH],
    cost: PasswordHashCost,
) -> Result<Zeroizing<[u8; 32]>> {
    let params = argon2::Params::new(cost.mem_limit_bytes / 1024, cost.ops_limit, 1, Some(32))
        .map_err(|e| WireError::PasswordHash(e.to_string()))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut out = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(password, salt, out.as_mut_slice())
        .map_err(|e| WireError::PasswordHash(e.to_string()))?;
    Ok(out)
}

/// The form sent to the Backbone as `password`: standard padded base64 of the transport hash.
pub fn backbone_password(password: &str, salt: &[u8; SALT_LENGTH]) -> Result<String> {
    Ok(std_b64_encode(
        hash_password(password.as_bytes(), salt, TRANSPORT_COST)?.as_slice(),
    ))
}

/// A fresh random salt.
pub fn generate_salt() -> Result<[u8; SALT_LENGTH]> {
    crate::random::array()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_vector() {
        let salt: [u8; 16] = std::array::from_fn(|i| 0x30 + i as u8);
        assert_eq!(
            backbone_password("password", &salt).unwrap(),
            "6UIRURdA+wPlQdscxhonvoGmzhawCEH7cK7Nj/2bKtE="
        );
    }
}
