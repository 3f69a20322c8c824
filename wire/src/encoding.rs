//! Byte encodings used on the wire: base64url without padding (the default of every crypto
//! JSON field and every `toBase64()` wrapper) and standard padded base64 (password hashes and
//! reference salts). Decoders accept either alphabet with or without padding, as the
//! Backbone does, because peers are not consistent about it.

use base64::Engine;
use base64::display::Base64Display;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use zeroize::Zeroizing;

use crate::error::{Result, WireError};

/// base64url without padding, as `CoreBuffer.toBase64URL()` writes it.
pub fn b64u_encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Appends base64url without padding to `out`, encoding in place in the space it reserves.
pub(crate) fn b64u_encode_into(bytes: &[u8], out: &mut Vec<u8>) {
    let start = out.len();
    let length =
        base64::encoded_len(bytes.len(), false).expect("base64 of a buffer fits in memory");
    out.resize(start + length, 0);
    URL_SAFE_NO_PAD
        .encode_slice(bytes, &mut out[start..])
        .expect("the space is the encoded length");
}

/// Standard base64 with padding, as `CoreBuffer.toBase64()` writes it.
pub fn std_b64_encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Decodes base64url or standard base64, padded or not.
pub fn b64_decode(text: &str) -> Result<Vec<u8>> {
    b64_decode_field(text, "value")
}

pub(crate) fn b64_decode_field(text: &str, field: &'static str) -> Result<Vec<u8>> {
    let trimmed = text.trim_end_matches('=');
    if text.len() - trimmed.len() > 2 {
        return Err(WireError::Base64 { field });
    }
    let decoded = if trimmed.bytes().any(|b| b == b'+' || b == b'/') {
        if trimmed.bytes().any(|b| b == b'-' || b == b'_') {
            return Err(WireError::Base64 { field });
        }
        base64::engine::general_purpose::STANDARD_NO_PAD.decode(trimmed)
    } else {
        URL_SAFE_NO_PAD.decode(trimmed)
    };
    decoded.map_err(|_| WireError::Base64 { field })
}

/// Decodes into a fixed-size array, zeroising the intermediate buffer (it may hold a key).
pub(crate) fn b64_decode_array<const N: usize>(text: &str, field: &'static str) -> Result<[u8; N]> {
    let bytes = Zeroizing::new(b64_decode_field(text, field)?);
    <[u8; N]>::try_from(bytes.as_slice()).map_err(|_| WireError::Length {
        field,
        expected: N,
        actual: bytes.len(),
    })
}

/// Serialises bytes as base64url straight into the output, so key material is not copied into
/// an intermediate `String`.
pub(crate) struct B64u<'a>(pub &'a [u8]);

impl serde::Serialize for B64u<'_> {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(&Base64Display::new(self.0, &URL_SAFE_NO_PAD))
    }
}

/// Lower-case hex, for ids and logs of public values.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 0x0f) as usize] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_both_alphabets_with_and_without_padding() {
        let bytes = [0xfbu8, 0xff, 0xbf, 0x00];
        for text in ["-_-_AA", "-_-_AA==", "+/+/AA", "+/+/AA=="] {
            assert_eq!(b64_decode(text).unwrap(), bytes, "{text}");
        }
        assert_eq!(b64u_encode(&bytes), "-_-_AA");
        assert_eq!(std_b64_encode(&bytes), "+/+/AA==");
    }

    #[test]
    fn rejects_mixed_alphabets_and_garbage() {
        assert!(b64_decode("+_AA").is_err());
        assert!(b64_decode("A===").is_err());
        assert!(b64_decode("a b").is_err());
        assert!(b64_decode("A").is_err());
    }
}
