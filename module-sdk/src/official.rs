//! Config shapes of the official modules, exactly as the official Connector reads them from
//! `modules.<name>`. Shared by the host (which validates them and derives each built-in
//! module's grants) and by the built-in modules themselves.

use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// A config that the official Connector would refuse at start-up, with its error code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub code: &'static str,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for ConfigError {}

pub mod webhooks {
    use super::*;

    pub const INVALID_TARGET_REFERENCE: &str =
        "error.runtime.modules.webhooks.invalidTargetReference";
    pub const INVALID_URL_FORMAT: &str = "error.runtime.modules.webhooks.invalidUrlFormat";
    pub const INVALID_AUTHENTICATION_CONFIG: &str =
        "error.runtime.modules.webhooks.invalidAuthenticationConfig";
    pub const INVALID_CONFIG: &str = "error.runtime.modules.webhooks.invalidConfig";

    /// The placeholder in a target URL that is replaced by the event name (first occurrence).
    pub const TRIGGER_PLACEHOLDER: &str = "{{trigger}}";

    #[derive(Debug, Clone, Default, Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Config {
        #[serde(default)]
        pub skip_tls_check: bool,
        #[serde(default)]
        pub targets: BTreeMap<String, Target>,
        #[serde(default)]
        pub webhooks: Vec<Webhook>,
    }

    #[derive(Debug, Clone, Deserialize)]
    pub struct Webhook {
        pub triggers: Vec<String>,
        pub target: TargetRef,
    }

    #[derive(Debug, Clone, Deserialize)]
    #[serde(untagged)]
    pub enum TargetRef {
        Named(String),
        Inline(Target),
    }

    #[derive(Debug, Clone, PartialEq, Deserialize)]
    pub struct Target {
        pub url: String,
        #[serde(default)]
        pub headers: BTreeMap<String, String>,
        #[serde(default)]
        pub authentication: Option<Value>,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
    #[serde(tag = "type")]
    pub enum Authentication {
        #[serde(rename = "ApiKey", rename_all = "camelCase")]
        ApiKey {
            api_key: String,
            #[serde(default = "default_api_key_header")]
            header_name: String,
        },
        #[serde(rename = "OAuth2", rename_all = "camelCase")]
        OAuth2 {
            access_token_url: String,
            client_id: String,
            client_secret: String,
            scope: Option<String>,
        },
    }

    fn default_api_key_header() -> String {
        "x-api-key".to_owned()
    }

    /// A webhook with its target resolved and checked.
    #[derive(Debug, Clone, PartialEq)]
    pub struct ResolvedWebhook {
        pub triggers: Vec<String>,
        pub url: String,
        pub headers: BTreeMap<String, String>,
        pub authentication: Option<Authentication>,
    }

    impl ResolvedWebhook {
        /// The URL for one event: the first `{{trigger}}` replaced by the event name.
        pub fn url_for(&self, trigger: &str) -> String {
            self.url.replacen(TRIGGER_PLACEHOLDER, trigger, 1)
        }
    }

    impl Config {
        pub fn from_value(value: &Value) -> Result<Self, ConfigError> {
            Config::deserialize(value).map_err(|e| ConfigError {
                code: INVALID_CONFIG,
                message: e.to_string(),
            })
        }

        /// Resolves target names and checks URLs and authentication, as the official module
        /// does in `init`.
        pub fn resolve(&self) -> Result<Vec<ResolvedWebhook>, ConfigError> {
            self.webhooks
                .iter()
                .map(|webhook| self.resolve_one(webhook))
                .collect()
        }

        fn resolve_one(&self, webhook: &Webhook) -> Result<ResolvedWebhook, ConfigError> {
            if webhook.triggers.is_empty() {
                return Err(ConfigError {
                    code: INVALID_CONFIG,
                    message: "a webhook needs at least one trigger".into(),
                });
            }
            let target = match &webhook.target {
                TargetRef::Named(name) => self.targets.get(name).ok_or_else(|| ConfigError {
                    code: INVALID_TARGET_REFERENCE,
                    message: format!("no target named '{name}'"),
                })?,
                TargetRef::Inline(target) => target,
            };
            if !is_http_url(&target.url) {
                return Err(ConfigError {
                    code: INVALID_URL_FORMAT,
                    message: format!("'{}' is not an http or https URL", target.url),
                });
            }
            let authentication = target
                .authentication
                .as_ref()
                .map(|auth| {
                    Authentication::deserialize(auth).map_err(|e| ConfigError {
                        code: INVALID_AUTHENTICATION_CONFIG,
                        message: e.to_string(),
                    })
                })
                .transpose()?;
            if let Some(Authentication::OAuth2 {
                access_token_url, ..
            }) = &authentication
                && !is_http_url(access_token_url)
            {
                return Err(ConfigError {
                    code: INVALID_AUTHENTICATION_CONFIG,
                    message: format!("'{access_token_url}' is not an http or https URL"),
                });
            }
            Ok(ResolvedWebhook {
                triggers: webhook.triggers.clone(),
                url: target.url.clone(),
                headers: target.headers.clone(),
                authentication,
            })
        }
    }

    fn is_http_url(url: &str) -> bool {
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"));
        rest.is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'))
    }
}

pub mod sync {
    use super::*;

    #[derive(Debug, Clone, Deserialize)]
    pub struct Config {
        /// Seconds between the end of one sync and the start of the next.
        #[serde(default = "default_interval")]
        pub interval: u64,
    }

    fn default_interval() -> u64 {
        60
    }

    impl Config {
        pub fn from_value(value: &Value) -> Result<Self, ConfigError> {
            Config::deserialize(value).map_err(|e| ConfigError {
                code: "error.runtime.modules.sync.invalidConfig",
                message: e.to_string(),
            })
        }
    }
}

pub mod message_broker_publisher {
    use super::*;

    #[derive(Debug, Clone, Deserialize)]
    pub struct Config {
        pub brokers: Vec<Broker>,
    }

    /// One broker: `{type, configuration}` as the official module, plus an optional `name`
    /// (default: its position, `"0"`, `"1"`, …) by which modules address it.
    #[derive(Debug, Clone, PartialEq, Deserialize)]
    pub struct Broker {
        #[serde(default)]
        pub name: Option<String>,
        #[serde(rename = "type")]
        pub kind: String,
        #[serde(default)]
        pub configuration: Value,
    }

    impl Config {
        pub fn from_value(value: &Value) -> Result<Self, ConfigError> {
            let config = Config::deserialize(value).map_err(|e| ConfigError {
                code: "error.runtime.modules.messageBrokerPublisher.invalidConfig",
                message: e.to_string(),
            })?;
            if config.brokers.is_empty() {
                return Err(ConfigError {
                    code: "error.runtime.modules.messageBrokerPublisher.invalidConfig",
                    message: "at least one broker is required".into(),
                });
            }
            Ok(config)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::webhooks::*;
    use serde_json::json;

    #[test]
    fn named_and_inline_targets_resolve() {
        let config = Config::from_value(&json!({
            "targets": {"a": {"url": "http://localhost:1/{{trigger}}", "headers": {"h": "v"},
                              "authentication": {"type": "ApiKey", "apiKey": "k"}}},
            "webhooks": [{"triggers": ["**"], "target": "a"},
                         {"triggers": ["transport.*"], "target": {"url": "https://example.com/hook"}}]
        }))
        .unwrap();
        let hooks = config.resolve().unwrap();
        assert_eq!(hooks[0].url_for("x.y"), "http://localhost:1/x.y");
        assert_eq!(
            hooks[0].authentication,
            Some(Authentication::ApiKey {
                api_key: "k".into(),
                header_name: "x-api-key".into()
            })
        );
        assert_eq!(hooks[1].url, "https://example.com/hook");
    }

    #[test]
    fn bad_configs_get_the_official_codes() {
        let missing =
            Config::from_value(&json!({"webhooks": [{"triggers": ["**"], "target": "nope"}]}))
                .unwrap();
        assert_eq!(
            missing.resolve().unwrap_err().code,
            INVALID_TARGET_REFERENCE
        );
        let bad_url = Config::from_value(
            &json!({"webhooks": [{"triggers": ["**"], "target": {"url": "ftp://x"}}]}),
        );
        assert_eq!(
            bad_url.unwrap().resolve().unwrap_err().code,
            INVALID_URL_FORMAT
        );
        let bad_auth = Config::from_value(&json!({"webhooks": [{"triggers": ["**"],
            "target": {"url": "http://x", "authentication": {"type": "OAuth2", "clientId": "c"}}}]}));
        assert_eq!(
            bad_auth.unwrap().resolve().unwrap_err().code,
            INVALID_AUTHENTICATION_CONFIG
        );
    }
}
