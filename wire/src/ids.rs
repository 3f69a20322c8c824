//! Object ids: a prefix plus random characters, 20 characters in total.
//!
//! Backbone ids have a three-letter prefix and 17 characters of `[A-Za-z0-9]`; error ids
//! (`ERR…`) use the reduced alphabet without `I`, `O` and `0` and no lower case. Transport's
//! local ids use the same shape with prefixes of up to six characters (`TRPRTK…`).
//! Each kind has its own type so a `FileId` can never be passed where a `MessageId` belongs.

use std::fmt;

use crate::error::{Result, WireError};

/// Total length of every id.
pub const ID_LENGTH: usize = 20;

const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const ERROR_ID_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

fn validate(text: &str, prefix: &str, alphabet: &[u8]) -> Result<()> {
    let Some(rest) = text.strip_prefix(prefix) else {
        return Err(WireError::Id(format!("expected prefix {prefix}")));
    };
    if text.len() != ID_LENGTH {
        return Err(WireError::Id(format!(
            "expected {ID_LENGTH} characters, got {}",
            text.len()
        )));
    }
    if !rest.bytes().all(|b| alphabet.contains(&b)) {
        return Err(WireError::Id(
            "contains a character outside the id alphabet".into(),
        ));
    }
    Ok(())
}

fn generate(prefix: &str, alphabet: &[u8]) -> Result<String> {
    let mut id = String::with_capacity(ID_LENGTH);
    id.push_str(prefix);
    id.push_str(&crate::random::string_from(
        alphabet,
        ID_LENGTH - prefix.len(),
    )?);
    Ok(id)
}

/// An id of any kind: an upper-case alphanumeric prefix of 1 to 6 characters followed by
/// `[A-Za-z0-9]` up to 20 characters. Use it where the kind is only known at run time.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AnyId(String);

impl AnyId {
    /// Generates a fresh id with `prefix`.
    pub fn generate(prefix: &str) -> Result<Self> {
        check_prefix(prefix)?;
        Ok(Self(generate(prefix, ALPHANUMERIC)?))
    }

    /// Parses an id that must start with `prefix`.
    pub fn parse_with_prefix(text: &str, prefix: &str) -> Result<Self> {
        check_prefix(prefix)?;
        validate(text, prefix, ALPHANUMERIC)?;
        Ok(Self(text.to_owned()))
    }

    /// Parses a reference id: 20 characters of `[A-Za-z0-9]`, whatever the prefix.
    pub fn parse(text: &str) -> Result<Self> {
        validate(text, "", ALPHANUMERIC)?;
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn check_prefix(prefix: &str) -> Result<()> {
    if prefix.is_empty()
        || prefix.len() > 6
        || !prefix
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return Err(WireError::Id(format!("invalid id prefix {prefix:?}")));
    }
    Ok(())
}

impl fmt::Display for AnyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for AnyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for AnyId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for AnyId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

macro_rules! id_types {
    ($($(#[$doc:meta])* $name:ident = $prefix:literal, $alphabet:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// The three-letter prefix of this kind of id.
            pub const PREFIX: &'static str = $prefix;

            /// Generates a fresh random id.
            pub fn generate() -> Result<Self> {
                Ok(Self(generate(Self::PREFIX, $alphabet)?))
            }

            /// Parses and validates an id of this kind.
            pub fn parse(text: &str) -> Result<Self> {
                validate(text, Self::PREFIX, $alphabet)?;
                Ok(Self(text.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = WireError;
            fn from_str(text: &str) -> Result<Self> {
                Self::parse(text)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl From<$name> for AnyId {
            fn from(id: $name) -> AnyId {
                AnyId(id.0)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                // The runtime's words, so the API edge can answer "id must match pattern …".
                Self::parse(&text).map_err(|_| {
                    serde::de::Error::custom(format_args!(
                        "must match pattern {}[A-Za-z0-9]{{{}}}",
                        Self::PREFIX,
                        ID_LENGTH - Self::PREFIX.len()
                    ))
                })
            }
        }
    )*};
}

id_types! {
    /// `MSG…`
    MessageId = "MSG", ALPHANUMERIC;
    /// `REL…`
    RelationshipId = "REL", ALPHANUMERIC;
    /// `RLT…`
    RelationshipTemplateId = "RLT", ALPHANUMERIC;
    /// `FIL…`
    FileId = "FIL", ALPHANUMERIC;
    /// `TOK…`
    TokenId = "TOK", ALPHANUMERIC;
    /// `DVC…`
    DeviceId = "DVC", ALPHANUMERIC;
    /// `USR…`, the device user name used to log in.
    Username = "USR", ALPHANUMERIC;
    /// `CHL…`
    ChallengeId = "CHL", ALPHANUMERIC;
    /// `IDP…`
    IdentityDeletionProcessId = "IDP", ALPHANUMERIC;
    /// `IDA…`
    IdentityDeletionAuditLogEntryId = "IDA", ALPHANUMERIC;
    /// `DPI…`
    DevicePushIdentifier = "DPI", ALPHANUMERIC;
    /// `CLT…`
    ClientId = "CLT", ALPHANUMERIC;
    /// `SYR…`
    SyncRunId = "SYR", ALPHANUMERIC;
    /// `SYI…`
    ExternalEventId = "SYI", ALPHANUMERIC;
    /// `SYE…`
    SyncErrorId = "SYE", ALPHANUMERIC;
    /// `DWL…`
    DatawalletId = "DWL", ALPHANUMERIC;
    /// `DWM…`
    DatawalletModificationId = "DWM", ALPHANUMERIC;
    /// `RAL…`
    RelationshipAuditLogEntryId = "RAL", ALPHANUMERIC;
    /// `TIR…`
    TierId = "TIR", ALPHANUMERIC;
    /// `QUO…`
    QuotaId = "QUO", ALPHANUMERIC;
    /// `TQD…`
    TierQuotaDefinitionId = "TQD", ALPHANUMERIC;
    /// `ANC…`
    AnnouncementId = "ANC", ALPHANUMERIC;
    /// `AAC…`
    AnnouncementActionId = "AAC", ALPHANUMERIC;
    /// `ERR…`, the id of one error response; reduced alphabet without I, O, 0 or lower case.
    ErrorId = "ERR", ERROR_ID_ALPHABET;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_parse_back_and_are_distinct() {
        let a = MessageId::generate().unwrap();
        let b = MessageId::generate().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 20);
        assert!(a.as_str().starts_with("MSG"));
        assert_eq!(MessageId::parse(a.as_str()).unwrap(), a);
        assert!(FileId::parse(a.as_str()).is_err());
    }

    #[test]
    fn error_ids_avoid_ambiguous_characters() {
        for _ in 0..50 {
            let id = ErrorId::generate().unwrap();
            assert!(!id.as_str()[3..].contains(['I', 'O', '0', '1']), "{id}");
            assert!(!id.as_str().bytes().any(|b| b.is_ascii_lowercase()));
        }
        assert!(ErrorId::parse("ERRABCDEFGHJKLMNPQR0").is_err());
        assert!(ErrorId::parse("ERRABCDEFGHJKLMNPQR1").is_err());
        assert!(ErrorId::parse("ERRABCDEFGHJKLMNPQR2").is_ok());
    }

    #[test]
    fn rejects_wrong_length_and_characters() {
        assert!(RelationshipId::parse("REL").is_err());
        assert!(RelationshipId::parse("RELabcdefghijklmnopqr").is_err());
        assert!(RelationshipId::parse("RELabcdefghijklmnop-").is_err());
        assert!(RelationshipId::parse("RELabcdefghijklmnöp").is_err());
        assert!(RelationshipId::parse("RELabcdefghijklmnopq").is_ok());
    }

    #[test]
    fn local_ids_with_long_prefixes() {
        let id = AnyId::generate("TRPRTK").unwrap();
        assert_eq!(id.as_str().len(), 20);
        assert!(AnyId::parse_with_prefix(id.as_str(), "TRPRTK").is_ok());
        assert!(AnyId::generate("trp").is_err());
        assert!(AnyId::generate("TOOLONGX").is_err());
    }

    #[test]
    fn serde_validates() {
        let id: TokenId = serde_json::from_str("\"TOKabcdefghijklmnopq\"").unwrap();
        assert_eq!(
            serde_json::to_string(&id).unwrap(),
            "\"TOKabcdefghijklmnopq\""
        );
        assert!(serde_json::from_str::<TokenId>("\"FILabcdefghijklmnopq\"").is_err());
    }
}
