//! The Connector's configuration: its typed shape ([`ConnectorConfig`]), how the layers are
//! merged ([`load`]), the schema of its keys (`schema`: an unknown key stops the start, as in
//! the official Connector) and the checks that stop a bad configuration at start-up
//! ([`validate`]).
//!
//! The keys and their meaning are the official Connector's, so an existing `config.json` works
//! unchanged; `config/default.toml` documents every key with its default.

mod load;
mod schema;
mod secret;
mod validate;

pub use load::{ConfigSources, defaults, load, load_from_value, merge, parse_args};
pub use secret::Secret;
pub use validate::validate;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A configuration problem, named by the key it is about.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid configuration: `{key}`: {message}")]
pub struct ConfigError {
    pub key: String,
    pub message: String,
}

impl ConfigError {
    pub fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectorConfig {
    pub debug: bool,
    pub transport_library: TransportLibraryConfig,
    pub database: DatabaseConfig,
    pub logging: LoggingConfig,
    pub infrastructure: InfrastructureConfig,
    /// Each module's section, interpreted by the module host.
    pub modules: Map<String, Value>,
    /// Where module components come from and where compiled ones are cached (this
    /// Connector's addition; the official one loads JavaScript modules instead).
    #[serde(default)]
    pub module_host: ModuleHostConfig,
    #[serde(rename = "pinnedTLSCertificateSHA256Fingerprints", default)]
    pub pinned_tls_certificate_sha256_fingerprints: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub enforce_certificate_pinning: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModuleHostConfig {
    /// Folder with the built-in modules' `.wasm` files, instead of the components built into
    /// the binary.
    pub builtin_directory: Option<String>,
    /// Folder for compiled components; `<database.folder>/module-cache` when absent.
    pub cache_directory: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransportLibraryConfig {
    pub base_url: Option<String>,
    pub platform_client_id: Option<String>,
    pub platform_client_secret: Option<Secret>,
    pub allow_identity_creation: bool,
    pub platform_timeout: u64,
    pub platform_max_redirects: u32,
    #[serde(default)]
    pub platform_additional_headers: BTreeMap<String, String>,
    pub address_generation_hostname_override: Option<String>,
    #[serde(default)]
    pub datawallet_enabled: bool,
    /// Keys of the official transport library we accept but do not interpret.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DatabaseDriver {
    /// The embedded store; `lokijs` (the official debug-only embedded driver) maps here.
    #[serde(alias = "lokijs")]
    Sqlite,
    Mongodb,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseConfig {
    pub driver: DatabaseDriver,
    pub connection_string: Option<Secret>,
    pub db_name: String,
    pub folder: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoggingConfig {
    #[serde(default)]
    pub format: Option<LogFormat>,
    #[serde(default)]
    pub level: Option<String>,
    /// An official log4js configuration (`appenders`, `categories`), read for format and level.
    #[serde(flatten)]
    pub log4js: Map<String, Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

impl LoggingConfig {
    /// JSON when asked for directly or when any log4js appender has a `json` layout.
    pub fn effective_format(&self) -> LogFormat {
        let log4js_json = self
            .log4js
            .get("appenders")
            .and_then(Value::as_object)
            .is_some_and(|apps| {
                apps.values()
                    .any(|a| a.pointer("/layout/type") == Some(&Value::from("json")))
            });
        if log4js_json {
            LogFormat::Json
        } else {
            self.format.unwrap_or(LogFormat::Text)
        }
    }

    /// The configured level, from log4js' `console` level filter when present.
    pub fn effective_level(&self) -> String {
        let log4js_level = self
            .log4js
            .get("appenders")
            .and_then(|a| a.pointer("/console/level"))
            .and_then(Value::as_str);
        log4js_level
            .or(self.level.as_deref())
            .unwrap_or("info")
            .to_lowercase()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InfrastructureConfig {
    pub http_server: HttpServerConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpServerConfig {
    pub enabled: bool,
    pub port: u16,
    #[serde(default = "default_host")]
    pub host: String,
    #[serde(default)]
    pub cors: Value,
    #[serde(default)]
    pub helmet_options: Value,
    pub authentication: AuthenticationConfig,
    /// Prometheus metrics at `/metrics` (this Connector's addition).
    #[serde(default)]
    pub metrics: MetricsConfig,
    /// The Connector 6 routes: everything under `/api/core/v1` also under `/api/v2` (this
    /// Connector's addition; the official 7.0 serves `/api/core/v1` only).
    #[serde(default)]
    pub api_v2: ApiV2Config,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricsConfig {
    pub enabled: bool,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self { enabled: true }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiV2Config {
    pub enabled: bool,
}

impl Default for ApiV2Config {
    fn default() -> Self {
        Self { enabled: true }
    }
}

fn default_host() -> String {
    "0.0.0.0".into()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationConfig {
    pub unauthorized_delay: DelayRange,
    pub api_key: ApiKeyConfig,
    pub jwt_bearer: JwtBearerConfig,
    #[serde(default)]
    pub oidc: Map<String, Value>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DelayRange {
    pub min_ms: u64,
    pub max_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyConfig {
    pub enabled: Option<bool>,
    pub header_name: String,
    pub keys: BTreeMap<String, ApiKeyEntry>,
}

impl ApiKeyConfig {
    /// As the official: enabled when said so, or when any key is configured.
    pub fn is_enabled(&self) -> bool {
        self.enabled.unwrap_or(!self.keys.is_empty())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyEntry {
    pub key: Secret,
    #[serde(default = "yes")]
    pub enabled: bool,
    pub description: Option<String>,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    pub scopes: Option<Vec<String>>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JwtBearerConfig {
    pub enabled: Option<bool>,
    #[serde(rename = "issuerBaseURL")]
    pub issuer_base_url: Option<String>,
    pub jwks_uri: Option<String>,
    pub issuer: Option<String>,
    pub audience: Option<Value>,
    pub secret: Option<Secret>,
    pub token_signing_alg: Option<String>,
}

impl JwtBearerConfig {
    pub fn is_enabled(&self) -> bool {
        self.enabled.unwrap_or(
            self.issuer_base_url.is_some() || self.jwks_uri.is_some() || self.secret.is_some(),
        )
    }
}

impl ConnectorConfig {
    pub fn module_enabled(&self, name: &str) -> bool {
        self.modules
            .get(name)
            .and_then(|m| m.get("enabled"))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    pub fn docs_enabled(&self) -> bool {
        self.modules
            .get("coreHttpApi")
            .and_then(|m| m.pointer("/docs/enabled"))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    /// The configuration as `/Monitoring/Support` shows it: connection string, client secret and
    /// every authentication section replaced, as the official Connector does.
    pub fn sanitized(&self) -> Value {
        let mut v = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Some(cs) = v.pointer_mut("/database/connectionString")
            && !cs.is_null()
        {
            *cs = "***".into();
        }
        if let Some(s) = v.pointer_mut("/transportLibrary/platformClientSecret")
            && !s.is_null()
        {
            *s = "***".into();
        }
        let auth = &self.infrastructure.http_server.authentication;
        let oidc_enabled = auth
            .oidc
            .get("enabled")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let state = |on: bool| {
            Value::from(format!(
                "redacted ({})",
                if on { "enabled" } else { "disabled" }
            ))
        };
        if let Some(a) = v
            .pointer_mut("/infrastructure/httpServer/authentication")
            .and_then(Value::as_object_mut)
        {
            a.insert("apiKey".into(), state(auth.api_key.is_enabled()));
            a.insert("jwtBearer".into(), state(auth.jwt_bearer.is_enabled()));
            a.insert("oidc".into(), state(oidc_enabled));
        }
        redact_nested_secrets(&mut v);
        v
    }
}

/// Module sections and the transport section may hold credentials (webhook API keys, OAuth
/// client secrets, the key-encryption key); any key that names a secret is masked.
fn redact_nested_secrets(v: &mut Value) {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(map) => {
                for (k, child) in map.iter_mut() {
                    let lower = k.to_lowercase();
                    let secret = [
                        "secret",
                        "password",
                        "apikey",
                        "token",
                        "connectionstring",
                        "encryptionkey",
                    ]
                    .iter()
                    .any(|s| lower.contains(s));
                    if secret && (child.is_string() || child.is_number()) {
                        *child = "***".into();
                    } else {
                        walk(child);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    for section in ["modules", "transportLibrary"] {
        if let Some(m) = v.get_mut(section) {
            walk(m);
        }
    }
}
