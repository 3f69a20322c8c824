//! Randomness straight from the operating system; every key, nonce and id comes from here.

use crate::error::{Result, WireError};

pub(crate) fn fill(buf: &mut [u8]) -> Result<()> {
    getrandom::fill(buf).map_err(|_| WireError::Random)
}

pub(crate) fn array<const N: usize>() -> Result<[u8; N]> {
    let mut out = [0u8; N];
    fill(&mut out)?;
    Ok(out)
}

/// `len` characters drawn uniformly from `alphabet` by rejection sampling, as transport's
/// `Random.string` does.
pub(crate) fn string_from(alphabet: &[u8], len: usize) -> Result<String> {
    debug_assert!(!alphabet.is_empty() && alphabet.len() <= 256);
    let limit = 256 - (256 % alphabet.len());
    let mut out = String::with_capacity(len);
    let mut pool = [0u8; 32];
    while out.len() < len {
        fill(&mut pool)?;
        for &b in &pool {
            if (b as usize) < limit && out.len() < len {
                out.push(alphabet[b as usize % alphabet.len()] as char);
            }
        }
    }
    Ok(out)
}
