//! The `modules` section of the Connector's config, as serde types the host's config loader
//! deserializes, and how each entry becomes a WebAssembly module with its grants.
//!
//! Operators configure the official modules exactly as for the official Connector
//! (`modules.webhooks.targets`, `modules.sync.interval`, …). A custom module names its
//! component with `location: "path/to/module.wasm"` and says what it may do in `grants`.

use crate::BuiltinComponents;
use crate::error::ModuleHostError;
use indexmap::IndexMap;
use module_sdk::official;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::path::PathBuf;
use std::time::Duration;

/// `modules`: module name → its section, in config order (the order modules are loaded).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct ModulesConfig(pub IndexMap<String, ModuleConfig>);

/// One `modules.<name>` section.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(try_from = "ModuleSection")]
pub struct ModuleConfig {
    pub enabled: bool,
    /// A `.wasm` path, an official location such as `@nmshd/connector:WebhooksModule`, or
    /// absent for the official module of the same name.
    pub location: Option<String>,
    pub display_name: Option<String>,
    pub grants: Grants,
    pub limits: Limits,
    pub delivery: DeliveryPolicy,
    /// The module's own keys (`targets`, `interval`, `brokers`, …), handed to the module
    /// through the `config` import.
    pub settings: Map<String, Value>,
}

/// A `modules.<name>` section as written, before the old grant keys are mapped to the new.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ModuleSection {
    #[serde(default)]
    enabled: bool,
    #[serde(default)]
    location: Option<String>,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    grants: GrantsSection,
    #[serde(default)]
    limits: Option<Limits>,
    #[serde(default)]
    delivery: DeliveryPolicy,
    #[serde(flatten)]
    settings: Map<String, Value>,
}

/// `grants` as written: the capability-named keys, and the keys of the first contract
/// (`allowedHosts`, `skipTlsCheck`, `apiScopes`, `brokers`, and the limits `timeoutMs` and
/// `maxMemoryMb`), still accepted so existing configs keep working.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct GrantsSection {
    #[serde(default)]
    http: Option<HttpGrant>,
    #[serde(default)]
    api: Option<ApiGrant>,
    #[serde(default)]
    broker: Option<Vec<official::message_broker_publisher::Broker>>,
    #[serde(default)]
    allowed_hosts: Option<Vec<String>>,
    #[serde(default)]
    skip_tls_check: Option<bool>,
    #[serde(default)]
    api_scopes: Option<Vec<String>>,
    #[serde(default)]
    brokers: Option<Vec<official::message_broker_publisher::Broker>>,
    #[serde(default)]
    timeout_ms: Option<u64>,
    #[serde(default)]
    max_memory_mb: Option<u64>,
}

/// Refuses a section that gives a setting both under its name and under its old name.
fn not_both(new: bool, new_key: &str, old: bool, old_key: &str) -> Result<(), String> {
    if new && old {
        return Err(format!(
            "{old_key} is the old name of {new_key}; give only {new_key}"
        ));
    }
    Ok(())
}

impl TryFrom<ModuleSection> for ModuleConfig {
    type Error = String;

    fn try_from(section: ModuleSection) -> Result<Self, String> {
        let g = section.grants;
        let old_http = g.allowed_hosts.is_some() || g.skip_tls_check.is_some();
        not_both(
            g.http.is_some(),
            "grants.http",
            old_http,
            "grants.allowedHosts/skipTlsCheck",
        )?;
        not_both(
            g.api.is_some(),
            "grants.api",
            g.api_scopes.is_some(),
            "grants.apiScopes",
        )?;
        not_both(
            g.broker.is_some(),
            "grants.broker",
            g.brokers.is_some(),
            "grants.brokers",
        )?;
        let old_limits = g.timeout_ms.is_some() || g.max_memory_mb.is_some();
        not_both(
            section.limits.is_some(),
            "limits",
            old_limits,
            "grants.timeoutMs/maxMemoryMb",
        )?;
        let http = g.http.unwrap_or(HttpGrant {
            hosts: g.allowed_hosts.unwrap_or_default(),
            skip_tls_check: g.skip_tls_check.unwrap_or_default(),
        });
        let api = g.api.unwrap_or(ApiGrant {
            scopes: g.api_scopes.unwrap_or_default(),
        });
        let limits = section.limits.unwrap_or(Limits {
            timeout_ms: g.timeout_ms.unwrap_or_else(default_timeout_ms),
            max_memory_mb: g.max_memory_mb.unwrap_or_else(default_max_memory_mb),
        });
        Ok(Self {
            enabled: section.enabled,
            location: section.location,
            display_name: section.display_name,
            grants: Grants {
                http,
                api,
                broker: g.broker.or(g.brokers).unwrap_or_default(),
            },
            limits,
            delivery: section.delivery,
            settings: section.settings,
        })
    }
}

/// What a module may do, one entry per capability of the contract. Everything not granted is
/// denied.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Grants {
    pub http: HttpGrant,
    pub api: ApiGrant,
    /// `broker`: the message brokers the module may publish to.
    pub broker: Vec<official::message_broker_publisher::Broker>,
}

/// `grants.http`: outbound HTTP.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpGrant {
    /// `example.com` (any port), `example.com:8443`, `*.example.com`.
    #[serde(default)]
    pub hosts: Vec<String>,
    /// Accept invalid TLS certificates (the webhooks module's `skipTlsCheck`).
    #[serde(default)]
    pub skip_tls_check: bool,
}

/// `grants.api`: calls to the Connector's own API.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApiGrant {
    /// Scopes as for an API key (e.g. `core:messages`); none means no access.
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// `limits`: what one call of the module may use.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Limits {
    /// Wall-clock budget for one call (`on-event`, `on-tick`), host calls included.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// Linear memory cap for one call.
    #[serde(default = "default_max_memory_mb")]
    pub max_memory_mb: u64,
}

fn default_timeout_ms() -> u64 {
    30_000
}
fn default_max_memory_mb() -> u64 {
    64
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            timeout_ms: default_timeout_ms(),
            max_memory_mb: default_max_memory_mb(),
        }
    }
}

/// The longest budget one call gets, whatever `timeoutMs` says (an absurd value must not
/// overflow the deadline arithmetic).
pub const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

impl Limits {
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms).min(MAX_TIMEOUT)
    }
    pub fn max_memory_bytes(&self) -> usize {
        usize::try_from(self.max_memory_mb.saturating_mul(1 << 20)).unwrap_or(usize::MAX)
    }
}

/// How failed deliveries are retried.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeliveryPolicy {
    /// Attempts for an event whose call traps, times out or panics, before it becomes a dead
    /// letter. Events the module reports as `retryable` are retried without limit.
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    #[serde(default = "default_initial_backoff_ms")]
    pub initial_backoff_ms: u64,
    #[serde(default = "default_max_backoff_ms")]
    pub max_backoff_ms: u64,
    /// Consecutive failures after which the module reports unhealthy.
    #[serde(default = "default_unhealthy_after")]
    pub unhealthy_after: u32,
}

fn default_max_attempts() -> u32 {
    5
}
fn default_initial_backoff_ms() -> u64 {
    500
}
fn default_max_backoff_ms() -> u64 {
    60_000
}
fn default_unhealthy_after() -> u32 {
    3
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: default_max_attempts(),
            initial_backoff_ms: default_initial_backoff_ms(),
            max_backoff_ms: default_max_backoff_ms(),
            unhealthy_after: default_unhealthy_after(),
        }
    }
}

impl DeliveryPolicy {
    /// Exponential backoff for the `attempt`-th retry (1-based), capped.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let factor = 1u64
            .checked_shl(attempt.saturating_sub(1).min(30))
            .unwrap_or(u64::MAX);
        Duration::from_millis(
            self.initial_backoff_ms
                .saturating_mul(factor)
                .min(self.max_backoff_ms),
        )
    }
}

/// The official modules this host runs as WebAssembly components.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builtin {
    Webhooks,
    Sync,
    AutoAcceptPendingRelationships,
    AutoDecomposeDeletionProposedRelationships,
    MessageBrokerPublisher,
}

impl Builtin {
    pub const ALL: [Builtin; 5] = [
        Builtin::Webhooks,
        Builtin::Sync,
        Builtin::AutoAcceptPendingRelationships,
        Builtin::AutoDecomposeDeletionProposedRelationships,
        Builtin::MessageBrokerPublisher,
    ];

    /// The config key of the official module.
    pub fn key(self) -> &'static str {
        match self {
            Builtin::Webhooks => "webhooks",
            Builtin::Sync => "sync",
            Builtin::AutoAcceptPendingRelationships => "autoAcceptPendingRelationships",
            Builtin::AutoDecomposeDeletionProposedRelationships => {
                "autoDecomposeDeletionProposedRelationships"
            }
            Builtin::MessageBrokerPublisher => "messageBrokerPublisher",
        }
    }

    /// The official `location`.
    pub fn location(self) -> &'static str {
        match self {
            Builtin::Webhooks => "@nmshd/connector:WebhooksModule",
            Builtin::Sync => "@nmshd/connector:SyncModule",
            Builtin::AutoAcceptPendingRelationships => {
                "@nmshd/connector:AutoAcceptPendingRelationshipsModule"
            }
            Builtin::AutoDecomposeDeletionProposedRelationships => {
                "@nmshd/connector:AutoDecomposeDeletionProposedRelationshipsModule"
            }
            Builtin::MessageBrokerPublisher => "@nmshd/connector:MessageBrokerPublisherModule",
        }
    }

    /// The component's file name in a built-in module directory: the config key, which is
    /// also the crate's name in `modules/` and the name the module describes itself with.
    pub fn file_name(self) -> String {
        format!("{}.wasm", self.key())
    }

    /// Grants the official module needs, derived from its own config keys. Also validates
    /// those keys as the official module does at start-up.
    fn derived_grants(self, name: &str, settings: &Value) -> Result<Grants, ModuleHostError> {
        let invalid = |e: official::ConfigError| ModuleHostError::InvalidConfig {
            module: name.to_owned(),
            code: e.code.to_owned(),
            message: e.message,
        };
        let mut grants = Grants::default();
        match self {
            Builtin::Webhooks => {
                let config = official::webhooks::Config::from_value(settings).map_err(invalid)?;
                for webhook in config.resolve().map_err(invalid)? {
                    grants.http.hosts.push(authority_of(name, &webhook.url)?);
                    if let Some(official::webhooks::Authentication::OAuth2 {
                        access_token_url,
                        ..
                    }) = &webhook.authentication
                    {
                        grants
                            .http
                            .hosts
                            .push(authority_of(name, access_token_url)?);
                    }
                }
                grants.http.skip_tls_check = config.skip_tls_check;
            }
            Builtin::Sync => {
                official::sync::Config::from_value(settings).map_err(invalid)?;
                grants.api.scopes = vec!["core:account".into()];
            }
            Builtin::AutoAcceptPendingRelationships
            | Builtin::AutoDecomposeDeletionProposedRelationships => {
                grants.api.scopes = vec!["core:account".into(), "core:relationships".into()];
            }
            Builtin::MessageBrokerPublisher => {
                grants.broker = official::message_broker_publisher::Config::from_value(settings)
                    .map_err(invalid)?
                    .brokers;
            }
        }
        Ok(grants)
    }
}

/// Where a module's component comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModuleSource {
    Builtin(Builtin),
    File(PathBuf),
}

/// A module the host will run: name, component, effective grants and settings.
#[derive(Debug, Clone)]
pub struct ModuleSpec {
    pub name: String,
    pub source: ModuleSource,
    pub grants: Grants,
    pub limits: Limits,
    pub delivery: DeliveryPolicy,
    pub settings: Map<String, Value>,
}

/// Where a module's component bytes are read from when it loads.
#[derive(Debug, Clone)]
pub enum ComponentOrigin {
    /// A file, read at load and watched for changes.
    File(PathBuf),
    /// Bytes compiled into the Connector; they never change while it runs.
    Embedded(&'static [u8]),
}

impl std::fmt::Display for ComponentOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ComponentOrigin::File(path) => write!(f, "{}", path.display()),
            ComponentOrigin::Embedded(_) => f.write_str("built into the Connector"),
        }
    }
}

impl ModuleSpec {
    pub fn origin(&self, builtins: &BuiltinComponents) -> Result<ComponentOrigin, ModuleHostError> {
        match (&self.source, builtins) {
            (ModuleSource::File(path), _) => Ok(ComponentOrigin::File(path.clone())),
            (ModuleSource::Builtin(builtin), BuiltinComponents::Directory(dir)) => {
                Ok(ComponentOrigin::File(dir.join(builtin.file_name())))
            }
            (ModuleSource::Builtin(builtin), BuiltinComponents::Embedded(component)) => {
                component(*builtin)
                    .map(ComponentOrigin::Embedded)
                    .ok_or_else(|| {
                        ModuleHostError::load(
                            &self.name,
                            format!(
                                "this build of the Connector has no built-in '{}' module; set \
                             moduleHost.builtinDirectory to a folder with {}",
                                builtin.key(),
                                builtin.file_name()
                            ),
                        )
                    })
            }
        }
    }
}

impl ModuleConfig {
    /// Where this entry's component comes from, or `None` if it is not a WebAssembly module
    /// (e.g. `coreHttpApi`, `sse`, runtime modules), which the Connector handles itself.
    pub fn source(&self, name: &str) -> Option<ModuleSource> {
        match self.location.as_deref() {
            Some(location) if location.ends_with(".wasm") => {
                Some(ModuleSource::File(PathBuf::from(location)))
            }
            Some(location) => Builtin::ALL
                .into_iter()
                .find(|b| b.location() == location)
                .map(ModuleSource::Builtin),
            None => Builtin::ALL
                .into_iter()
                .find(|b| b.key() == name)
                .map(ModuleSource::Builtin),
        }
    }
}

impl ModulesConfig {
    /// The enabled WebAssembly modules, validated, with their effective grants: what the
    /// operator granted plus what an official module needs for its own config.
    pub fn wasm_modules(&self) -> Result<Vec<ModuleSpec>, ModuleHostError> {
        let mut specs = Vec::new();
        for (name, config) in &self.0 {
            if !config.enabled {
                continue;
            }
            let Some(source) = config.source(name) else {
                continue;
            };
            let mut grants = config.grants.clone();
            if let ModuleSource::Builtin(builtin) = &source {
                let derived =
                    builtin.derived_grants(name, &Value::Object(config.settings.clone()))?;
                grants.http.hosts.extend(derived.http.hosts);
                grants.api.scopes.extend(derived.api.scopes);
                grants.broker.extend(derived.broker);
                grants.http.skip_tls_check |= derived.http.skip_tls_check;
            }
            specs.push(ModuleSpec {
                name: name.clone(),
                source,
                grants,
                limits: config.limits,
                delivery: config.delivery.clone(),
                settings: config.settings.clone(),
            });
        }
        Ok(specs)
    }
}

/// `host[:port]` of a URL, with `{{trigger}}` standing for any path.
fn authority_of(module: &str, url: &str) -> Result<String, ModuleHostError> {
    let parsed = url::Url::parse(&url.replace(official::webhooks::TRIGGER_PLACEHOLDER, "trigger"))
        .map_err(|e| ModuleHostError::InvalidConfig {
            module: module.to_owned(),
            code: official::webhooks::INVALID_URL_FORMAT.to_owned(),
            message: format!("'{url}': {e}"),
        })?;
    let host = parsed.host_str().unwrap_or_default();
    Ok(match parsed.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn modules(value: Value) -> ModulesConfig {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn official_keys_select_builtins_and_derive_grants() {
        let config = modules(json!({
            "coreHttpApi": {"enabled": true, "docs": {"enabled": false}},
            "webhooks": {"enabled": true, "targets": {"t": {"url": "http://127.0.0.1:9000/{{trigger}}"}},
                         "webhooks": [{"triggers": ["**"], "target": "t"}], "skipTlsCheck": true},
            "sync": {"enabled": true, "interval": 5},
            "messageBrokerPublisher": {"enabled": false, "brokers": []},
            "custom": {"enabled": true, "location": "/opt/m.wasm", "grants": {"api": {"scopes": ["core:messages"]}}}
        }));
        let specs = config.wasm_modules().unwrap();
        let names: Vec<_> = specs.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["webhooks", "sync", "custom"]);
        assert_eq!(specs[0].grants.http.hosts, ["127.0.0.1:9000"]);
        assert!(specs[0].grants.http.skip_tls_check);
        assert_eq!(specs[1].grants.api.scopes, ["core:account"]);
        assert_eq!(specs[1].settings["interval"], 5);
        assert_eq!(specs[2].source, ModuleSource::File("/opt/m.wasm".into()));
        assert_eq!(specs[2].grants.api.scopes, ["core:messages"]);
        assert_eq!(specs[2].limits.timeout_ms, 30_000);
        let huge = Limits {
            timeout_ms: u64::MAX,
            ..Limits::default()
        };
        assert_eq!(huge.timeout(), MAX_TIMEOUT, "an absurd timeoutMs is capped");
    }

    #[test]
    fn official_location_under_another_key_is_the_builtin() {
        let config = modules(
            json!({"hooks2": {"enabled": true, "location": "@nmshd/connector:SyncModule"}}),
        );
        assert_eq!(
            config.wasm_modules().unwrap()[0].source,
            ModuleSource::Builtin(Builtin::Sync)
        );
    }

    #[test]
    fn invalid_official_config_fails_with_the_official_code() {
        let config = modules(
            json!({"webhooks": {"enabled": true, "webhooks": [{"triggers": ["**"], "target": "x"}]}}),
        );
        let err = config.wasm_modules().unwrap_err().to_string();
        assert!(err.contains("invalidTargetReference"), "{err}");
        let config = modules(json!({"messageBrokerPublisher": {"enabled": true, "brokers": []}}));
        assert!(config.wasm_modules().is_err());
    }

    #[test]
    fn old_grant_keys_are_aliases_of_the_capability_names() {
        let old = modules(
            json!({"m": {"enabled": true, "location": "m.wasm", "grants": {
            "allowedHosts": ["a.example"], "skipTlsCheck": true, "apiScopes": ["core:messages"],
            "brokers": [{"type": "Redis", "configuration": {"url": "redis://127.0.0.1"}}],
            "timeoutMs": 500, "maxMemoryMb": 8}}}),
        );
        let new = modules(
            json!({"m": {"enabled": true, "location": "m.wasm", "grants": {
            "http": {"hosts": ["a.example"], "skipTlsCheck": true}, "api": {"scopes": ["core:messages"]},
            "broker": [{"type": "Redis", "configuration": {"url": "redis://127.0.0.1"}}]},
            "limits": {"timeoutMs": 500, "maxMemoryMb": 8}}}),
        );
        let (old, new) = (
            &old.wasm_modules().unwrap()[0],
            &new.wasm_modules().unwrap()[0],
        );
        assert_eq!(old.grants, new.grants);
        assert_eq!(old.limits, new.limits);
        assert_eq!(new.limits.timeout_ms, 500);
        assert_eq!(new.grants.broker.len(), 1);
        assert!(
            !new.settings.contains_key("limits"),
            "limits is not a module setting"
        );

        let both = serde_json::from_value::<ModulesConfig>(json!({"m": {"grants": {
            "apiScopes": ["core:messages"], "api": {"scopes": []}}}}));
        let err = both.unwrap_err().to_string();
        assert!(
            err.contains("grants.apiScopes is the old name of grants.api"),
            "{err}"
        );
        let both = serde_json::from_value::<ModulesConfig>(json!({"m": {
            "grants": {"timeoutMs": 1}, "limits": {"timeoutMs": 2}}}));
        assert!(both.is_err());
    }

    #[test]
    fn unknown_grant_keys_are_rejected() {
        let err = serde_json::from_value::<ModulesConfig>(
            json!({"m": {"enabled": true, "grants": {"alowedHosts": []}}}),
        );
        assert!(err.is_err());
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let policy = DeliveryPolicy {
            initial_backoff_ms: 100,
            max_backoff_ms: 1000,
            ..Default::default()
        };
        assert_eq!(policy.backoff(1), Duration::from_millis(100));
        assert_eq!(policy.backoff(3), Duration::from_millis(400));
        assert_eq!(policy.backoff(50), Duration::from_millis(1000));
    }
}
