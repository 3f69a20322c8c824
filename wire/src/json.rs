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

/// Checks an `alg` field against the one algorithm an object supports.
pub(crate) fn check_alg(found: u64, supported: u64, what: &'static str) -> Result<()> {
    if found == supported {
        Ok(())
    } else {
        Err(WireError::Algorithm { what, alg: found })
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

/// The wire form of a crypto object that is one fixed-length base64 field plus `alg`
/// (public, private and secret keys): its input struct, validation and serialisation. The type
/// provides `from_bytes` and `as_bytes`.
macro_rules! single_key_object {
    (
        $ty:ty, $input:ident, type = $type_name:literal, field = $field:literal,
        text = $text:ty, alg = $alg:expr $(, type_first = $first:expr)?
    ) => {
        #[doc(hidden)]
        #[derive(serde::Deserialize)]
        pub struct $input {
            #[serde(rename = "@type")]
            tag: Option<String>,
            #[serde(rename = $field)]
            value: $text,
            alg: u64,
        }

        impl TryFrom<$input> for $ty {
            type Error = $crate::error::WireError;
            fn try_from(input: $input) -> $crate::error::Result<Self> {
                $crate::json::check_type(input.tag.as_deref(), Self::TYPE, &[])?;
                $crate::json::check_alg(input.alg, $alg, Self::TYPE)?;
                Ok(Self::from_bytes($crate::encoding::b64_decode_array(
                    &input.value,
                    $field,
                )?))
            }
        }

        impl $crate::json::CryptoObject for $ty {
            const TYPE: &'static str = $type_name;
            $(const TYPE_FIRST: bool = $first;)?
            type Input = $input;
            fn write_fields<S: serde::ser::SerializeStruct>(
                &self,
                out: &mut S,
            ) -> Result<(), S::Error> {
                out.serialize_field($field, &$crate::encoding::B64u(self.as_bytes()))?;
                out.serialize_field("alg", &$alg)
            }
        }
        $crate::json::crypto_serde!($ty, $input);
    };
}
pub(crate) use single_key_object;

/// The wire form of a keypair (`pub` and `prv`, nested without `@type`): its input struct,
/// which refuses a public key that does not belong to the private one, and serialisation. The
/// type has `public` and `private` fields and the private key a `public_key()`.
macro_rules! keypair_object {
    ($ty:ty, $input:ident, type = $type_name:literal, public = $public:ty, private = $private:ty) => {
        #[doc(hidden)]
        #[derive(serde::Deserialize)]
        pub struct $input {
            #[serde(rename = "@type")]
            tag: Option<String>,
            #[serde(rename = "pub")]
            public: $public,
            prv: $private,
        }

        impl TryFrom<$input> for $ty {
            type Error = $crate::error::WireError;
            fn try_from(input: $input) -> $crate::error::Result<Self> {
                $crate::json::check_type(input.tag.as_deref(), Self::TYPE, &[])?;
                if input.prv.public_key() != input.public {
                    return Err($crate::error::WireError::KeypairMismatch);
                }
                Ok(Self {
                    public: input.public,
                    private: input.prv,
                })
            }
        }

        impl $crate::json::CryptoObject for $ty {
            const TYPE: &'static str = $type_name;
            type Input = $input;
            fn write_fields<S: serde::ser::SerializeStruct>(
                &self,
                out: &mut S,
            ) -> Result<(), S::Error> {
                out.serialize_field("pub", &self.public)?;
                out.serialize_field("prv", &self.private)
            }
        }
        $crate::json::crypto_serde!($ty, $input);
    };
}
pub(crate) use keypair_object;
