//! Password and PIN protection of templates and tokens: what the owner chose (kept locally
//! and shown in the DTO), the salt that travels in the reference, and the Argon2id hash the
//! Backbone compares.

use crate::error::{Result, TransportError};
use runtime_types::password_protection::{
    PasswordLocationIndicator, PasswordProtectionDto, PasswordProtectionRequest,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use wire::reference::{PasswordType, SharedPasswordProtection};

/// The runtime's refusal of a PIN that is not 4 to 16 digits.
pub const INVALID_PIN: &str = "'passwordProtection.passwordIsPin' is true, hence 'passwordProtection.password' must consist of 4 to 16 digits from 0 to 9.";

/// What is kept of a protection next to a template's DTO: the DTO's fields and the salt.
/// An indicator stored before indicators were checked reads as none.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StoredPasswordProtection {
    password: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    password_is_pin: Option<bool>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_indicator"
    )]
    password_location_indicator: Option<PasswordLocationIndicator>,
    salt: String,
}

fn lenient_indicator<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<PasswordLocationIndicator>, D::Error> {
    Ok(serde_json::from_value(Value::deserialize(d)?).unwrap_or(None))
}

#[derive(Clone, Debug, PartialEq)]
pub struct PasswordProtection {
    pub password: String,
    pub is_pin: bool,
    pub location_indicator: Option<PasswordLocationIndicator>,
    pub salt: [u8; 16],
}

/// The checks the runtime's request schema makes on `passwordProtection` (they come before
/// every other check of a create request, `expiresAt` in the future included).
pub fn check_request_schema(request: &PasswordProtectionRequest) -> Result<()> {
    if request.password.is_empty() {
        return Err(TransportError::invalid(
            "passwordProtection/password must NOT have fewer than 1 characters",
        ));
    }
    if request.password_is_pin == Some(false) {
        return Err(TransportError::invalid(
            "passwordProtection/passwordIsPin must be equal to constant",
        ));
    }
    Ok(())
}

impl PasswordProtection {
    /// Validates a typed `passwordProtection` as the runtime does after its schema (a PIN is 4
    /// to 16 digits; the location indicator is a number from 50 to 99 or an option name) and
    /// picks a fresh salt.
    pub fn from_request(request: &PasswordProtectionRequest) -> Result<Self> {
        check_request_schema(request)?;
        let is_pin = request.password_is_pin == Some(true);
        let password = request.password.as_str();
        let valid_pin =
            (4..=16).contains(&password.len()) && password.bytes().all(|b| b.is_ascii_digit());
        if is_pin && !valid_pin {
            return Err(TransportError::invalid(INVALID_PIN));
        }
        let location_indicator = request
            .password_location_indicator
            .map(|r| r.check().map_err(TransportError::invalid))
            .transpose()?;
        Ok(Self {
            password: password.to_owned(),
            is_pin,
            location_indicator,
            salt: wire::password::generate_salt()?,
        })
    }

    /// The `passwordProtection` of a DTO.
    pub fn to_dto(&self) -> PasswordProtectionDto {
        PasswordProtectionDto {
            password: self.password.clone(),
            password_is_pin: self.is_pin.then_some(true),
            password_location_indicator: self.location_indicator,
        }
    }

    /// Stored next to the DTO, for tokens made later from the same object.
    pub(crate) fn to_local(&self) -> StoredPasswordProtection {
        let dto = self.to_dto();
        StoredPasswordProtection {
            password: dto.password,
            password_is_pin: dto.password_is_pin,
            password_location_indicator: dto.password_location_indicator,
            salt: wire::encoding::std_b64_encode(&self.salt),
        }
    }

    pub(crate) fn from_local(stored: StoredPasswordProtection) -> Result<Self> {
        let salt = wire::encoding::b64_decode(&stored.salt)?
            .try_into()
            .map_err(|_| TransportError::Internal("stored salt must be 16 bytes".into()))?;
        Ok(Self {
            password: stored.password,
            is_pin: stored.password_is_pin == Some(true),
            location_indicator: stored.password_location_indicator,
            salt,
        })
    }

    pub fn backbone_password(&self) -> Result<String> {
        Ok(wire::password::backbone_password(
            &self.password,
            &self.salt,
        )?)
    }

    pub fn shared(&self) -> SharedPasswordProtection {
        SharedPasswordProtection {
            password_type: if self.is_pin {
                PasswordType::Pin(self.password.len() as u8)
            } else {
                PasswordType::Password
            },
            salt: self.salt,
            location_indicator: self
                .location_indicator
                .map(PasswordLocationIndicator::number),
        }
    }

    /// What a peer learns from a reference plus the password it was given.
    pub fn from_shared(shared: &SharedPasswordProtection, password: &str) -> Self {
        Self {
            password: password.to_owned(),
            is_pin: matches!(shared.password_type, PasswordType::Pin(_)),
            location_indicator: shared
                .location_indicator
                .and_then(|n| PasswordLocationIndicator::from_number(u64::from(n))),
            salt: shared.salt,
        }
    }

    /// ts-serval JSON of `SharedPasswordProtection`, as carried in token contents.
    pub(crate) fn shared_json(&self) -> Value {
        let shared = self.shared();
        let kind = match shared.password_type {
            PasswordType::Password => "pw".to_owned(),
            PasswordType::Pin(n) => format!("pin{n}"),
        };
        let mut v =
            json!({"passwordType": kind, "salt": wire::encoding::std_b64_encode(&shared.salt)});
        if let Some(l) = shared.location_indicator {
            v["passwordLocationIndicator"] = json!(l);
        }
        v
    }
}

/// The password a peer object demands, hashed for the Backbone, or the official error when
/// none was given.
pub fn peer_password(
    shared: Option<&SharedPasswordProtection>,
    given: Option<&str>,
) -> Result<Option<PasswordProtection>> {
    match (shared, given) {
        (None, _) => Ok(None),
        (Some(_), None) => Err(TransportError::rule(
            "error.transport.noPasswordProvided",
            "You need to provide a password to perform this operation.",
        )),
        (Some(s), Some(p)) => Ok(Some(PasswordProtection::from_shared(s, p))),
    }
}

/// `?password=<std base64, URL-encoded>` or nothing.
pub fn query(protection: Option<&PasswordProtection>) -> Result<String> {
    Ok(match protection {
        None => String::new(),
        Some(p) => {
            let hashed = p.backbone_password()?;
            let encoded: String = url_encode(&hashed);
            format!("?password={encoded}")
        }
    })
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Parses `SharedPasswordProtection` JSON from a token content. A location indicator that is
/// no indicator (above 99) is left out: it only tells the App where the password is kept.
pub(crate) fn shared_from_json(value: &Value) -> Option<SharedPasswordProtection> {
    let kind = value.get("passwordType")?.as_str()?;
    let salt: [u8; 16] = wire::encoding::b64_decode(value.get("salt")?.as_str()?)
        .ok()?
        .try_into()
        .ok()?;
    let password_type = if kind == "pw" {
        PasswordType::Password
    } else {
        PasswordType::Pin(kind.strip_prefix("pin")?.parse().ok()?)
    };
    Some(SharedPasswordProtection {
        password_type,
        salt,
        location_indicator: value
            .get("passwordLocationIndicator")
            .and_then(Value::as_u64)
            .and_then(PasswordLocationIndicator::from_number)
            .map(PasswordLocationIndicator::number),
    })
}
