//! Shareable references to templates, tokens and files: the truncated form
//! (base64url of `"<id>[@<baseUrl>]|<alg>|<key>|<forIdentity>|<password>"`) and the URL form
//! (`<baseUrl>/r/<id>[?app=<appId>]#<base64url("<alg>|<key>|<forIdentity>|<password>")>`),
//! as `Reference` in `@nmshd/core-types`.

use crate::cipher::{ALG_XCHACHA20_POLY1305, SecretKey};
use crate::encoding::{b64_decode_array, b64_decode_field, b64u_encode, std_b64_encode};
use crate::error::{Result, WireError};
use crate::ids::AnyId;
use crate::password::SALT_LENGTH;

fn invalid(reason: impl Into<String>) -> WireError {
    WireError::Reference(reason.into())
}

/// `pw` (a password) or `pin<N>` (a PIN of N digits, 4 to 16).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordType {
    Password,
    Pin(u8),
}

impl PasswordType {
    fn parse(text: &str) -> Result<Self> {
        if text == "pw" {
            return Ok(Self::Password);
        }
        let digits = text
            .strip_prefix("pin")
            .ok_or_else(|| invalid("password type must be pw or pin<4..16>"))?;
        // Only canonical decimal (no sign, no leading zero) round-trips to the same text.
        let length: u8 = digits
            .parse()
            .ok()
            .filter(|n| (4..=16).contains(n) && digits == format!("{n}"))
            .ok_or_else(|| invalid("a PIN length must be 4 to 16"))?;
        Ok(Self::Pin(length))
    }

    fn write(&self, out: &mut String) {
        match self {
            Self::Password => out.push_str("pw"),
            Self::Pin(n) => {
                out.push_str("pin");
                out.push_str(&n.to_string());
            }
        }
    }
}

/// How a referenced object's password is described (`SharedPasswordProtection`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedPasswordProtection {
    pub password_type: PasswordType,
    pub salt: [u8; SALT_LENGTH],
    /// Where the app keeps the password (0..=99), if anywhere.
    pub location_indicator: Option<u8>,
}

impl SharedPasswordProtection {
    fn parse(text: &str) -> Result<Option<Self>> {
        if text.is_empty() {
            return Ok(None);
        }
        let parts: Vec<&str> = text.split('&').collect();
        if !(2..=3).contains(&parts.len()) {
            return Err(invalid("the password part must have 2 or 3 components"));
        }
        let location_indicator = match parts.get(2) {
            None | Some(&"") => None,
            Some(n) => Some(
                n.parse::<u8>()
                    .ok()
                    .filter(|v| *v <= 99 && *n == v.to_string())
                    .ok_or_else(|| invalid("the password location indicator must be 0 to 99"))?,
            ),
        };
        Ok(Some(Self {
            password_type: PasswordType::parse(parts[0])?,
            salt: b64_decode_array(parts[1], "salt")?,
            location_indicator,
        }))
    }

    fn write(&self, out: &mut String) {
        self.password_type.write(out);
        out.push('&');
        out.push_str(&std_b64_encode(&self.salt));
        if let Some(location) = self.location_indicator {
            out.push('&');
            out.push_str(&location.to_string());
        }
    }
}

/// A reference to a template (`RLT…`), token (`TOK…`) or file (`FIL…`) with its key.
#[derive(Clone, Debug, PartialEq)]
pub struct Reference {
    pub id: AnyId,
    pub backbone_base_url: Option<String>,
    pub key: SecretKey,
    /// Last four hex characters of the address the object is meant for.
    pub for_identity_truncated: Option<String>,
    pub password_protection: Option<SharedPasswordProtection>,
}

impl Reference {
    /// Parses either form: URLs start with `http`, everything else is truncated.
    pub fn parse(text: &str) -> Result<Self> {
        if text.starts_with("http") {
            Self::parse_url(text)
        } else {
            Self::parse_truncated(text)
        }
    }

    /// Fails unless the id has `prefix` (`RLT`, `TOK`, `FIL`).
    pub fn require_prefix(self, prefix: &str) -> Result<Self> {
        if self.id.as_str().starts_with(prefix) {
            Ok(self)
        } else {
            Err(invalid(format!("expected an id starting with {prefix}")))
        }
    }

    /// The truncated form (`Reference.truncate()`).
    pub fn truncate(&self) -> String {
        let mut text = String::from(self.id.as_str());
        if let Some(url) = &self.backbone_base_url {
            text.push('@');
            text.push_str(url);
        }
        text.push('|');
        self.write_secret_part(&mut text);
        b64u_encode(text.as_bytes())
    }

    /// The URL form (`Reference.toUrl(appId)`); needs a base URL.
    pub fn to_url(&self, app_id: Option<&str>) -> Result<String> {
        let base = self
            .backbone_base_url
            .as_deref()
            .ok_or_else(|| invalid("a URL reference needs the Backbone base URL"))?;
        let mut secret = String::new();
        self.write_secret_part(&mut secret);
        let app = app_id.map(|a| format!("?app={a}")).unwrap_or_default();
        Ok(format!(
            "{base}/r/{}{app}#{}",
            self.id,
            b64u_encode(secret.as_bytes())
        ))
    }

    fn write_secret_part(&self, out: &mut String) {
        out.push_str(&ALG_XCHACHA20_POLY1305.to_string());
        out.push('|');
        out.push_str(&b64u_encode(self.key.as_bytes()));
        out.push('|');
        out.push_str(self.for_identity_truncated.as_deref().unwrap_or_default());
        out.push('|');
        if let Some(protection) = &self.password_protection {
            protection.write(out);
        }
    }

    pub fn parse_truncated(text: &str) -> Result<Self> {
        let bytes = zeroize::Zeroizing::new(b64_decode_field(text, "truncated reference")?);
        let decoded = std::str::from_utf8(&bytes).map_err(|_| invalid("not UTF-8"))?;
        let parts: Vec<&str> = decoded.split('|').collect();
        if parts.len() != 3 && parts.len() != 5 {
            return Err(invalid(format!(
                "expected 3 or 5 components, got {}",
                parts.len()
            )));
        }
        let (id, backbone_base_url) = match parts[0].split_once('@') {
            Some((id, url)) => (id, Some(url.to_owned())),
            None => (parts[0], None),
        };
        Self::assemble(
            id,
            backbone_base_url,
            parts[1],
            parts[2],
            parts.get(3).copied().unwrap_or_default(),
            parts.get(4).copied().unwrap_or_default(),
        )
    }

    pub fn parse_url(text: &str) -> Result<Self> {
        let (location, fragment) = text
            .split_once('#')
            .ok_or_else(|| invalid("a URL reference needs a #fragment"))?;
        let path = location.split_once('?').map_or(location, |(p, _)| p);
        let (base, id) = path
            .rsplit_once("/r/")
            .ok_or_else(|| invalid("a URL reference needs a /r/<id> path"))?;
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(invalid("a URL reference must be http or https"));
        }
        let bytes = zeroize::Zeroizing::new(b64_decode_field(fragment, "reference fragment")?);
        let decoded = std::str::from_utf8(&bytes).map_err(|_| invalid("not UTF-8"))?;
        let parts: Vec<&str> = decoded.split('|').collect();
        if parts.len() != 4 {
            return Err(invalid("the URL fragment must have 4 components"));
        }
        Self::assemble(
            id,
            Some(base.to_owned()),
            parts[0],
            parts[1],
            parts[2],
            parts[3],
        )
    }

    fn assemble(
        id: &str,
        backbone_base_url: Option<String>,
        alg: &str,
        key: &str,
        for_identity: &str,
        password: &str,
    ) -> Result<Self> {
        let id = AnyId::parse(id)?;
        if alg.parse::<u64>().ok() != Some(ALG_XCHACHA20_POLY1305) {
            return Err(invalid("the key algorithm must be 3 (XChaCha20-Poly1305)"));
        }
        let key = SecretKey::from_bytes(b64_decode_array(key, "key")?);
        let for_identity_truncated = match for_identity {
            "" => None,
            t if t.len() == 4 && t.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) => {
                Some(t.to_owned())
            }
            _ => {
                return Err(invalid(
                    "forIdentityTruncated must be 4 lower-case hex characters",
                ));
            }
        };
        Ok(Self {
            id,
            backbone_base_url,
            key,
            for_identity_truncated,
            password_protection: SharedPasswordProtection::parse(password)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe_key() -> SecretKey {
        SecretKey::from_bytes(std::array::from_fn(|i| i as u8))
    }

    #[test]
    fn probe_vectors() {
        let plain = Reference {
            id: AnyId::parse("RLTabcdefghijklmnopq").unwrap(),
            backbone_base_url: None,
            key: probe_key(),
            for_identity_truncated: None,
            password_protection: None,
        };
        let truncated = "UkxUYWJjZGVmZ2hpamtsbW5vcHF8M3xBQUVDQXdRRkJnY0lDUW9MREEwT0R4QVJFaE1VRlJZWEdCa2FHeHdkSGg4fHw";
        assert_eq!(plain.truncate(), truncated);
        assert_eq!(Reference::parse(truncated).unwrap(), plain);

        let protected = Reference {
            backbone_base_url: Some("https://bb.example".into()),
            for_identity_truncated: Some("ab12".into()),
            password_protection: Some(SharedPasswordProtection {
                password_type: PasswordType::Pin(4),
                salt: std::array::from_fn(|i| 0x30 + i as u8),
                location_indicator: Some(1),
            }),
            ..plain
        };
        let decoded = "RLTabcdefghijklmnopq@https://bb.example|3|AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8|ab12|pin4&MDEyMzQ1Njc4OTo7PD0+Pw==&1";
        assert_eq!(protected.truncate(), b64u_encode(decoded.as_bytes()));
        assert_eq!(Reference::parse(&protected.truncate()).unwrap(), protected);

        let url = protected.to_url(Some("eu.enmeshed.app")).unwrap();
        assert!(url.starts_with("https://bb.example/r/RLTabcdefghijklmnopq?app=eu.enmeshed.app#"));
        assert_eq!(Reference::parse(&url).unwrap(), protected);
    }

    #[test]
    fn rejects_malformed_parts() {
        let bad = [
            "RLTabcdefghijklmnopq|3",
            "RLTabcdefghijklmnopq|3|AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8|ab12",
            "RLTabc|3|AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
            "RLTabcdefghijklmnopq|2|AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
            "RLTabcdefghijklmnopq|3|AAEC",
            "RLTabcdefghijklmnopq|3|AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8|AB12|",
            "RLTabcdefghijklmnopq|3|AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8||pin3&MDEyMzQ1Njc4OTo7PD0+Pw==",
            "RLTabcdefghijklmnopq|3|AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8||pw&MDEy",
            "RLTabcdefghijklmnopq|3|AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8||pw&MDEyMzQ1Njc4OTo7PD0+Pw==&100",
        ];
        for text in bad {
            assert!(
                Reference::parse(&b64u_encode(text.as_bytes())).is_err(),
                "{text}"
            );
        }
        assert!(Reference::parse("https://bb.example/r/RLTabcdefghijklmnopq").is_err());
        assert!(Reference::parse("not base64 !").is_err());
    }
}
