//! API keys: the official policy, checked at start-up, and a constant-time look-up.

use crate::config::{ApiKeyConfig, ConfigError};
use subtle::ConstantTimeEq;

pub struct ApiKeys {
    header: axum::http::HeaderName,
    keys: Vec<Key>,
}

struct Key {
    secret: Vec<u8>,
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
    roles: Vec<String>,
}

/// At least 30 characters with 2 upper-case, 2 lower-case, 2 digits and 1 special character.
pub fn check_policy(key: &str) -> Result<(), String> {
    let count = |f: fn(&char) -> bool| key.chars().filter(f).count();
    let mut problems = Vec::new();
    if key.chars().count() < 30 {
        problems.push("at least 30 characters");
    }
    if count(char::is_ascii_uppercase) < 2 {
        problems.push("at least 2 upper-case letters");
    }
    if count(char::is_ascii_lowercase) < 2 {
        problems.push("at least 2 lower-case letters");
    }
    if count(char::is_ascii_digit) < 2 {
        problems.push("at least 2 digits");
    }
    if count(|c| !c.is_ascii_alphanumeric()) < 1 {
        problems.push("at least 1 special character");
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("the key needs {}", problems.join(", ")))
    }
}

impl ApiKeys {
    pub fn from_config(config: &ApiKeyConfig) -> Result<Self, ConfigError> {
        const BASE: &str = "infrastructure.httpServer.authentication.apiKey";
        let header =
            axum::http::HeaderName::from_bytes(config.header_name.to_ascii_lowercase().as_bytes())
                .map_err(|_| {
                    ConfigError::new(format!("{BASE}.headerName"), "not a valid header name")
                })?;
        let mut keys: Vec<Key> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (name, entry) in &config.keys {
            if !seen.insert(entry.key.expose().to_owned()) {
                return Err(ConfigError::new(
                    format!("{BASE}.keys.{name}.key"),
                    "the same key is configured twice",
                ));
            }
            if !entry.enabled {
                continue;
            }
            check_policy(entry.key.expose())
                .map_err(|m| ConfigError::new(format!("{BASE}.keys.{name}.key"), m))?;
            keys.push(Key {
                secret: entry.key.expose().as_bytes().to_vec(),
                expires_at: entry.expires_at,
                roles: entry.scopes.clone().unwrap_or_else(|| vec!["**".into()]),
            });
        }
        let now = chrono::Utc::now();
        if config.is_enabled() && !keys.iter().any(|k| k.expires_at.is_none_or(|e| e > now)) {
            return Err(ConfigError::new(
                format!("{BASE}.keys"),
                "API key authentication is enabled but no key is valid",
            ));
        }
        Ok(Self { header, keys })
    }

    pub fn header(&self) -> &axum::http::HeaderName {
        &self.header
    }

    /// The roles of the key, if it is configured, enabled and not expired. Every key is
    /// compared, in constant time, so timing tells nothing about which prefix matched.
    pub fn roles_for(&self, presented: &[u8]) -> Option<Vec<String>> {
        let now = chrono::Utc::now();
        let mut found = None;
        for key in &self.keys {
            let equal: bool = key.secret.ct_eq(presented).into();
            if equal && key.expires_at.is_none_or(|e| e > now) {
                found = Some(key.roles.clone());
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::check_policy;

    #[test]
    fn policy() {
        assert!(check_policy("AAbb12!-this-is-long-enough-xyz").is_ok());
        let err = check_policy("short").unwrap_err();
        assert!(
            err.contains("30 characters")
                && err.contains("2 upper-case")
                && err.contains("special")
        );
        assert!(
            check_policy("aabb12!-this-is-long-enough-xyzq")
                .unwrap_err()
                .contains("upper-case")
        );
        assert!(
            check_policy("AAbb12x0this0is0long0enough0xyz")
                .unwrap_err()
                .contains("special")
        );
    }
}
