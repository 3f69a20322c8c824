//! Backbone ids: a three-letter prefix plus 17 characters from `[A-Za-z0-9]`, 20 in total.

use rand::Rng;

const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/// Error ids avoid characters that are easily confused when read out.
const ERROR_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ123456789";
pub const LENGTH: usize = 20;

pub const MESSAGE: &str = "MSG";
pub const RELATIONSHIP: &str = "REL";
pub const TEMPLATE: &str = "RLT";
pub const FILE: &str = "FIL";
pub const TOKEN: &str = "TOK";
pub const DEVICE: &str = "DVC";
pub const USERNAME: &str = "USR";
pub const CHALLENGE: &str = "CHL";
pub const DELETION_PROCESS: &str = "IDP";
pub const PUSH_IDENTIFIER: &str = "DPI";
pub const SYNC_RUN: &str = "SYR";
pub const EXTERNAL_EVENT: &str = "SYI";
pub const DATAWALLET_MODIFICATION: &str = "DWM";
pub const ERROR: &str = "ERR";

pub fn new(prefix: &str) -> String {
    random(prefix, ALPHANUMERIC, LENGTH - prefix.len())
}

pub fn new_error_id() -> String {
    random(ERROR, ERROR_ALPHABET, LENGTH - ERROR.len())
}

/// Random alphanumeric string without prefix, e.g. file ownership tokens.
pub fn random_token(len: usize) -> String {
    random("", ALPHANUMERIC, len)
}

fn random(prefix: &str, alphabet: &[u8], len: usize) -> String {
    let mut rng = rand::rng();
    let mut s = String::with_capacity(prefix.len() + len);
    s.push_str(prefix);
    for _ in 0..len {
        s.push(alphabet[rng.random_range(0..alphabet.len())] as char);
    }
    s
}

pub fn is_valid(prefix: &str, id: &str) -> bool {
    id.len() == LENGTH && id.starts_with(prefix) && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_have_prefix_length_and_alphabet() {
        let id = new(MESSAGE);
        assert!(is_valid(MESSAGE, &id), "{id}");
        assert!(!is_valid(RELATIONSHIP, &id));
        assert!(!is_valid(MESSAGE, "MSG123"));
        assert!(!is_valid(MESSAGE, "MSG-1234567890123456"));
        let err = new_error_id();
        assert_eq!(err.len(), LENGTH);
        assert!(!err[3..].contains(['I', 'O', '0']));
    }
}
