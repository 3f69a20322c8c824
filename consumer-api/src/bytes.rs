//! Byte strings as the Backbone handles `byte[]`: written as base64url without padding, read as
//! base64url first and standard base64 as the fallback. The codec is [`wire::encoding`]; this
//! type only adds what a stored `byte[]` field needs (serde, a redacting `Debug`, a
//! constant-time comparison), which `wire` keeps private.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use wire::encoding::{b64_decode, b64u_encode};

#[derive(Clone, PartialEq, Eq)]
pub struct Bytes(pub Vec<u8>);

impl Bytes {
    pub fn decode(s: &str) -> Option<Self> {
        b64_decode(s).ok().map(Bytes)
    }

    pub fn encode(&self) -> String {
        b64u_encode(&self.0)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Constant-time comparison, for passwords.
    pub fn ct_eq(&self, other: &Bytes) -> bool {
        use subtle::ConstantTimeEq;
        self.0.len() == other.0.len() && bool::from(self.0.ct_eq(&other.0))
    }
}

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Contents may be passwords or ciphertexts; their length is all a log needs.
        write!(f, "Bytes({} bytes)", self.0.len())
    }
}

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.encode())
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Bytes::decode(&s).ok_or_else(|| serde::de::Error::custom("value is not valid base64"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_both_alphabets_and_writes_url_safe() {
        let std = Bytes::decode("6UIRURdA+wPlQdscxhonvoGmzhawCEH7cK7Nj/2bKtE=").unwrap();
        let url = Bytes::decode("6UIRURdA-wPlQdscxhonvoGmzhawCEH7cK7Nj_2bKtE").unwrap();
        assert_eq!(std, url);
        assert_eq!(std.encode(), "6UIRURdA-wPlQdscxhonvoGmzhawCEH7cK7Nj_2bKtE");
        assert!(Bytes::decode("not base64!").is_none());
    }
}
