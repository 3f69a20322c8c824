//! Password and PIN protection of templates and tokens: what the owner chose (kept locally
//! and shown in the DTO), the salt that travels in the reference, and the Argon2id hash the
//! Backbone compares.

use crate::error::{Result, TransportError};
use serde_json::{Value, json};
use wire::reference::{PasswordType, SharedPasswordProtection};

#[derive(Clone, Debug, PartialEq)]
pub struct PasswordProtection {
    pub password: String,
    pub is_pin: bool,
    pub location_indicator: Option<Value>,
    pub salt: [u8; 16],
}

impl PasswordProtection {
    /// Validates `passwordProtection` of a create request (`{password, passwordIsPin?,
    /// passwordLocationIndicator?}`) and picks a fresh salt.
    pub fn from_request(value: Option<&Value>) -> Result<Option<Self>> {
        let Some(value) = value.filter(|v| !v.is_null()) else {
            return Ok(None);
        };
        let password = value
            .get("password")
            .and_then(Value::as_str)
            .filter(|p| !p.is_empty())
            .ok_or_else(|| {
                TransportError::invalid("passwordProtection.password must be a non-empty string")
            })?;
        let is_pin = match value.get("passwordIsPin") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(true)) => true,
            Some(_) => {
                return Err(TransportError::invalid(
                    "passwordProtection.passwordIsPin must be true or absent",
                ));
            }
        };
        let valid_pin =
            (4..=16).contains(&password.len()) && password.bytes().all(|b| b.is_ascii_digit());
        if is_pin && !valid_pin {
            return Err(TransportError::invalid(
                "a PIN must consist of 4 to 16 digits",
            ));
        }
        let location_indicator = value
            .get("passwordLocationIndicator")
            .filter(|v| !v.is_null())
            .cloned();
        if let Some(l) = &location_indicator
            && !(l.is_string() || l.as_u64().is_some_and(|n| n <= 99))
        {
            return Err(TransportError::invalid(
                "passwordProtection.passwordLocationIndicator must be a name or a number 0..99",
            ));
        }
        Ok(Some(Self {
            password: password.to_owned(),
            is_pin,
            location_indicator,
            salt: wire::password::generate_salt()?,
        }))
    }

    /// The `passwordProtection` of a DTO.
    pub fn dto(&self) -> Value {
        let mut v = json!({"password": self.password});
        if self.is_pin {
            v["passwordIsPin"] = json!(true);
        }
        if let Some(l) = &self.location_indicator {
            v["passwordLocationIndicator"] = l.clone();
        }
        v
    }

    /// Stored next to the DTO, for tokens made later from the same object.
    pub fn to_local(&self) -> Value {
        let mut v = self.dto();
        v["salt"] = json!(wire::encoding::std_b64_encode(&self.salt));
        v
    }

    pub fn from_local(value: &Value) -> Result<Self> {
        let salt =
            wire::encoding::b64_decode(value.get("salt").and_then(Value::as_str).unwrap_or(""))?
                .try_into()
                .map_err(|_| TransportError::Internal("stored salt must be 16 bytes".into()))?;
        Ok(Self {
            password: value
                .get("password")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            is_pin: value.get("passwordIsPin") == Some(&json!(true)),
            location_indicator: value.get("passwordLocationIndicator").cloned(),
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
                .as_ref()
                .and_then(Value::as_u64)
                .map(|n| n as u8),
        }
    }

    /// What a peer learns from a reference plus the password it was given.
    pub fn from_shared(shared: &SharedPasswordProtection, password: &str) -> Self {
        Self {
            password: password.to_owned(),
            is_pin: matches!(shared.password_type, PasswordType::Pin(_)),
            location_indicator: shared.location_indicator.map(|n| json!(n)),
            salt: shared.salt,
        }
    }

    /// ts-serval JSON of `SharedPasswordProtection`, as carried in token contents.
    pub fn shared_json(&self) -> Value {
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
            "the referenced object is password-protected; provide the password",
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

/// Parses `SharedPasswordProtection` JSON from a token content.
pub fn shared_from_json(value: &Value) -> Option<SharedPasswordProtection> {
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
            .map(|n| n as u8),
    })
}
