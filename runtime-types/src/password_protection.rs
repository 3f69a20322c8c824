//! Password and PIN protection as the runtime shows and accepts it, shared by tokens,
//! relationship templates and files: `PasswordProtectionDTO`, its `passwordLocationIndicator`
//! and the `passwordProtection` of a create request.

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};

/// The names of `PasswordLocationIndicatorOptions`, at the index that is their number.
const OPTION_NAMES: [&str; 7] = [
    "RecoveryKit",
    "Self",
    "Letter",
    "RegistrationLetter",
    "Email",
    "SMS",
    "Website",
];

/// The runtime's refusal of an indicator a creator may not choose.
pub const INVALID_LOCATION_INDICATOR: &str = "must be a number from 50 to 99 or one of the following strings: Self, Letter, RegistrationLetter, Email, SMS, Website";

/// Where the app keeps the password. The runtime stores it as a number (0 to 99, the number
/// that also travels in a reference) and shows the numbers of the named options by their name
/// (`"Email"`), every other number as itself (`99`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PasswordLocationIndicator(u8);

impl PasswordLocationIndicator {
    /// Any indicator a reference may carry (0 to 99).
    pub fn from_number(n: u64) -> Option<Self> {
        u8::try_from(n).ok().filter(|n| *n <= 99).map(Self)
    }

    /// A named option (`RecoveryKit` included, which a peer's reference may carry).
    pub fn from_name(name: &str) -> Option<Self> {
        OPTION_NAMES
            .iter()
            .position(|o| *o == name)
            .and_then(|i| u8::try_from(i).ok())
            .map(Self)
    }

    /// The number stored and put into references.
    pub fn number(self) -> u8 {
        self.0
    }

    /// The option's name, for the numbers that have one.
    pub fn name(self) -> Option<&'static str> {
        OPTION_NAMES.get(usize::from(self.0)).copied()
    }

    /// A list query value as the runtime reads it: digits are the number, a name its number;
    /// anything else matches nothing (`None`).
    pub fn from_query(value: &str) -> Option<Self> {
        if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
            value.parse::<u64>().ok().and_then(Self::from_number)
        } else {
            Self::from_name(value)
        }
    }
}

impl Serialize for PasswordLocationIndicator {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.name() {
            Some(name) => s.serialize_str(name),
            None => s.serialize_u8(self.0),
        }
    }
}

impl<'de> Deserialize<'de> for PasswordLocationIndicator {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = PasswordLocationIndicator;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a password location name or a number from 0 to 99")
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
                PasswordLocationIndicator::from_number(n)
                    .ok_or_else(|| E::custom(INVALID_LOCATION_INDICATOR))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
                u64::try_from(n)
                    .map_err(|_| E::custom(INVALID_LOCATION_INDICATOR))
                    .and_then(|n| self.visit_u64(n))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                PasswordLocationIndicator::from_name(s)
                    .ok_or_else(|| E::custom(INVALID_LOCATION_INDICATOR))
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// What a creator asked for as `passwordLocationIndicator`. The official schema accepts any
/// JSON value here and the runtime's own check refuses the wrong ones afterwards, with a
/// message of its own; so reading the body never fails on it, and [`Self::check`] answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestedLocationIndicator {
    /// A number from 50 to 99 or an option name other than `RecoveryKit`.
    Valid(PasswordLocationIndicator),
    /// Anything else, `null` included.
    Invalid,
}

impl RequestedLocationIndicator {
    /// The indicator, or the runtime's message.
    pub fn check(self) -> Result<PasswordLocationIndicator, &'static str> {
        match self {
            Self::Valid(i) => Ok(i),
            Self::Invalid => Err(INVALID_LOCATION_INDICATOR),
        }
    }

    fn classify(value: &serde_json::Value) -> Self {
        let valid = match value {
            // JSON does not tell `50` from `50.0`, and neither does the runtime.
            serde_json::Value::Number(n) => n
                .as_f64()
                .filter(|f| f.fract() == 0.0 && (50.0..=99.0).contains(f))
                .and_then(|f| PasswordLocationIndicator::from_number(f as u64)),
            serde_json::Value::String(s) if s != "RecoveryKit" => {
                PasswordLocationIndicator::from_name(s)
            }
            _ => None,
        };
        valid.map_or(Self::Invalid, Self::Valid)
    }
}

impl Serialize for RequestedLocationIndicator {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Valid(i) => i.serialize(s),
            Self::Invalid => s.serialize_none(),
        }
    }
}

/// Present values, `null` included, become `Some`; only an absent key is `None`.
fn requested_indicator<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<RequestedLocationIndicator>, D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    Ok(Some(RequestedLocationIndicator::classify(&value)))
}

/// `PasswordProtectionDTO`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct PasswordProtectionDto {
    pub password: String,
    /// Only ever `true`; absent for a password.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub password_is_pin: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub password_location_indicator: Option<PasswordLocationIndicator>,
}

/// `passwordProtection` of a request that creates a token or template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct PasswordProtectionRequest {
    pub password: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub password_is_pin: Option<bool>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        default,
        deserialize_with = "requested_indicator"
    )]
    #[cfg_attr(feature = "schema", schema(value_type = Option<PasswordLocationIndicator>))]
    pub password_location_indicator: Option<RequestedLocationIndicator>,
}

#[cfg(feature = "schema")]
impl utoipa::PartialSchema for PasswordLocationIndicator {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
        let names = ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(OPTION_NAMES.iter().skip(1).copied()));
        let numbers = ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(50))
            .maximum(Some(99));
        OneOfBuilder::new().item(names).item(numbers).into()
    }
}

#[cfg(feature = "schema")]
impl utoipa::ToSchema for PasswordLocationIndicator {}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn named_numbers_print_as_names_others_as_numbers() {
        let email = PasswordLocationIndicator::from_name("Email").unwrap();
        assert_eq!(email.number(), 4);
        assert_eq!(serde_json::to_value(email).unwrap(), json!("Email"));
        let n = PasswordLocationIndicator::from_number(99).unwrap();
        assert_eq!(serde_json::to_value(n).unwrap(), json!(99));
        // A peer's numeric indicator reads as its name.
        let one: PasswordLocationIndicator = serde_json::from_value(json!(1)).unwrap();
        assert_eq!(serde_json::to_value(one).unwrap(), json!("Self"));
        assert!(PasswordLocationIndicator::from_number(100).is_none());
    }

    #[test]
    fn creators_may_choose_names_and_50_to_99_only() {
        let parse = |v: serde_json::Value| {
            let r: PasswordProtectionRequest =
                serde_json::from_value(json!({"password": "x", "passwordLocationIndicator": v}))
                    .unwrap();
            r.password_location_indicator.unwrap().check()
        };
        assert!(parse(json!("Website")).is_ok());
        assert!(parse(json!(50)).is_ok());
        assert!(parse(json!(99)).is_ok());
        assert!(parse(json!(60.0)).is_ok());
        for bad in [
            json!("RecoveryKit"),
            json!("invalid"),
            json!(49),
            json!(100),
            json!(1000),
            json!(1),
            json!(-5),
            json!(50.5),
            json!(99.9),
            json!(null),
            json!(true),
        ] {
            assert_eq!(parse(bad.clone()), Err(INVALID_LOCATION_INDICATOR), "{bad}");
        }
        let absent: PasswordProtectionRequest =
            serde_json::from_value(json!({"password": "x"})).unwrap();
        assert_eq!(absent.password_location_indicator, None);
    }

    #[test]
    fn query_values_read_as_the_runtime_reads_them() {
        let q = PasswordLocationIndicator::from_query;
        assert_eq!(q("50").map(|i| i.number()), Some(50));
        assert_eq!(q("Self").map(|i| i.number()), Some(1));
        assert_eq!(q("1").map(|i| i.number()), Some(1));
        assert_eq!(q("nonsense"), None);
        assert_eq!(q(">50"), None);
    }
}
