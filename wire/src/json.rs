//! The `@nmshd/crypto` JSON conventions shared by every crypto object: short field names,
//! an optional `@type` tag (present in the "verbose" form, absent when nested), and the
//! `toBase64()` wrapper that is base64url of the verbose JSON.
//!
//! Field order is part of byte-compatibility: each object writes its fields in the order
//! `@nmshd/crypto` emits them, and [`CryptoObject::TYPE_FIRST`] says where `@type` goes.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde::ser::SerializeStruct;

use crate::encoding::{b64_decode_field, b64u_encode};
use crate::error::{Result, WireError};

/// A crypto object with the `@nmshd/crypto` verbose/plain JSON forms.
///
/// `Serialize` writes the plain (nested) form; `Deserialize` accepts both forms and rejects a
/// foreign `@type`.
pub trait CryptoObject: Serialize + DeserializeOwned {
    /// The `@type` tag, the TS class name.
    const TYPE: &'static str;
    /// Whether `@type` precedes the other fields in the verbose form.
    const TYPE_FIRST: bool = false;

    /// The lenient input shape that is validated into `Self`.
    #[doc(hidden)]
    type Input: DeserializeOwned + TryInto<Self, Error = WireError>;

    /// Writes the fields of the plain form, in TS order.
    #[doc(hidden)]
    fn write_fields<S: SerializeStruct>(&self, out: &mut S) -> Result<(), S::Error>;

    /// Verbose JSON (`toJSON()` / `serialize()` in TS), including `@type`.
    fn to_json(&self) -> String {
        serde_json::to_string(&Verbose(self)).expect("crypto objects always serialise")
    }

    /// Plain JSON (`serialize(false)` in TS), without `@type`.
    fn to_plain_json(&self) -> String {
        serde_json::to_string(self).expect("crypto objects always serialise")
    }

    /// base64url of the verbose JSON (`toBase64()` in TS), the form sent to the Backbone.
    fn to_base64(&self) -> String {
        b64u_encode(self.to_json().as_bytes())
    }

    /// Parses either JSON form.
    fn from_json(text: &str) -> Result<Self> {
        Self::from_json_bytes(text.as_bytes())
    }

    /// Parses either JSON form from UTF-8 bytes.
    fn from_json_bytes(bytes: &[u8]) -> Result<Self> {
        let input: Self::Input = serde_json::from_slice(bytes).map_err(|e| WireError::Json {
            what: Self::TYPE,
            detail: e.to_string(),
        })?;
        input.try_into()
    }

    /// Parses the `toBase64()` form.
    fn from_base64(text: &str) -> Result<Self> {
        let bytes = zeroize::Zeroizing::new(b64_decode_field(text, Self::TYPE)?);
        Self::from_json_bytes(&bytes)
    }
}

// serde_json writes `{}` at once for a struct announced with zero fields; any other count is
// only a hint.
const FIELD_COUNT_HINT: usize = 4;

/// Serialises an object in its verbose form (with `@type`).
pub(crate) struct Verbose<'a, T: ?Sized>(pub &'a T);

impl<T: CryptoObject> Serialize for Verbose<'_, T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_struct(T::TYPE, FIELD_COUNT_HINT)?;
        if T::TYPE_FIRST {
            out.serialize_field("@type", T::TYPE)?;
        }
        self.0.write_fields(&mut out)?;
        if !T::TYPE_FIRST {
            out.serialize_field("@type", T::TYPE)?;
        }
        out.end()
    }
}

/// Serialises an object in its plain form; used by the `Serialize` impls.
pub(crate) fn serialize_plain<T: CryptoObject, S: serde::Serializer>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut out = serializer.serialize_struct(T::TYPE, FIELD_COUNT_HINT)?;
    value.write_fields(&mut out)?;
    out.end()
}

/// Checks an optional `@type` tag against the accepted names.
pub(crate) fn check_type(
    found: Option<&str>,
    expected: &'static str,
    aliases: &[&str],
) -> Result<()> {
    match found {
        None => Ok(()),
        Some(t) if t == expected || aliases.contains(&t) => Ok(()),
        Some(t) => Err(WireError::WrongType {
            expected,
            actual: t.chars().take(64).collect(),
        }),
    }
}

/// Implements `Serialize` through [`CryptoObject::write_fields`] and `Deserialize` through a
/// private input struct with `TryFrom`.
macro_rules! crypto_serde {
    ($ty:ty, $input:ty) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                $crate::json::serialize_plain(self, serializer)
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let input = <$input as serde::Deserialize>::deserialize(deserializer)?;
                <$ty>::try_from(input).map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use crypto_serde;
