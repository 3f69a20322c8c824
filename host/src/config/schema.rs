//! The configuration's schema: which keys exist, where, and of what kind. Like the official
//! Connector's JSON schema (`src/jsonSchemas/connectorConfig.json`), it refuses an unknown key
//! where the official refuses one (`transportLibrary.someTypo`, `infrastructure.httpServer.docs`)
//! and stays open where the official is open: the top level, each module's own section (modules
//! define their keys), `jwtBearer` and `oidc` (the identity provider's options), CORS and helmet
//! options. Our own additions (`moduleHost`, `logging.format`/`level`, the HTTP server's `host`,
//! `metrics` and `apiV2`, `unauthorizedDelay`, `keyEncryptionKey`, a module's `grants` and `delivery`) are part of it.
//!
//! Types beyond "object", "array", "boolean", "string" and "number" are left to the typed
//! configuration ([`super::ConnectorConfig`]), which names the key as well.

use super::ConfigError;
use serde_json::Value;

/// What a key may hold.
enum Node {
    Any,
    Bool,
    String,
    Number,
    Array(Box<Node>),
    Object(Object),
}

/// An object's known keys, and what any other key may hold.
struct Object {
    keys: Vec<(&'static str, Node)>,
    rest: Rest,
}

enum Rest {
    /// Other keys are refused.
    Closed,
    /// Other keys are someone else's to define.
    Open,
    /// Other keys are names (of API keys, modules, hosts), each holding this.
    Each(Box<Node>),
}

fn closed(keys: Vec<(&'static str, Node)>) -> Node {
    Node::Object(Object {
        keys,
        rest: Rest::Closed,
    })
}

fn open(keys: Vec<(&'static str, Node)>) -> Node {
    Node::Object(Object {
        keys,
        rest: Rest::Open,
    })
}

fn map_of(each: Node) -> Node {
    Node::Object(Object {
        keys: Vec::new(),
        rest: Rest::Each(Box::new(each)),
    })
}

fn strings() -> Node {
    Node::Array(Box::new(Node::String))
}

fn connector() -> Node {
    open(vec![
        ("debug", Node::Bool),
        ("enforceCertificatePinning", Node::Bool),
        ("pinnedTLSCertificateSHA256Fingerprints", map_of(strings())),
        ("transportLibrary", transport_library()),
        ("database", database()),
        ("logging", logging()),
        (
            "infrastructure",
            closed(vec![("httpServer", http_server())]),
        ),
        ("modules", map_of(module())),
        (
            "moduleHost",
            closed(vec![
                ("builtinDirectory", Node::String),
                ("cacheDirectory", Node::String),
            ]),
        ),
    ])
}

fn transport_library() -> Node {
    closed(vec![
        ("baseUrl", Node::String),
        ("platformClientId", Node::String),
        ("platformClientSecret", Node::String),
        ("allowIdentityCreation", Node::Bool),
        ("addressGenerationHostnameOverride", Node::String),
        ("datawalletEnabled", Node::Bool),
        ("debug", Node::Bool),
        ("platformAdditionalHeaders", map_of(Node::String)),
        ("platformMaxContentLength", Node::Number),
        ("platformMaxRedirects", Node::Number),
        ("platformTimeout", Node::Number),
        ("keyEncryptionKey", Node::String),
    ])
}

fn database() -> Node {
    closed(vec![
        ("driver", Node::String),
        ("dbName", Node::String),
        ("folder", Node::String),
        ("connectionString", Node::String),
    ])
}

/// A log4js configuration's top level (its appenders are log4js' to define), plus our
/// `format` and `level`.
fn logging() -> Node {
    closed(vec![
        ("format", Node::String),
        ("level", Node::String),
        ("appenders", map_of(open(vec![("type", Node::String)]))),
        (
            "categories",
            map_of(closed(vec![
                ("appenders", strings()),
                ("level", Node::String),
                ("enableCallStack", Node::Bool),
            ])),
        ),
        ("levels", Node::Any),
        ("disableClustering", Node::Bool),
        ("pm2", Node::Bool),
        ("pm2InstanceVar", Node::String),
    ])
}

fn http_server() -> Node {
    closed(vec![
        ("enabled", Node::Bool),
        // A number or a numeric string; the typed configuration checks the range.
        ("port", Node::Any),
        ("host", Node::String),
        ("cors", Node::Any),
        ("helmetOptions", Node::Any),
        ("metrics", closed(vec![("enabled", Node::Bool)])),
        ("apiV2", closed(vec![("enabled", Node::Bool)])),
        (
            "authentication",
            closed(vec![
                (
                    "unauthorizedDelay",
                    closed(vec![("minMs", Node::Number), ("maxMs", Node::Number)]),
                ),
                (
                    "apiKey",
                    closed(vec![
                        ("enabled", Node::Bool),
                        ("headerName", Node::String),
                        (
                            "keys",
                            map_of(closed(vec![
                                ("key", Node::String),
                                ("enabled", Node::Bool),
                                ("description", Node::String),
                                ("expiresAt", Node::String),
                                ("scopes", strings()),
                            ])),
                        ),
                    ]),
                ),
                ("jwtBearer", open(vec![("enabled", Node::Bool)])),
                ("oidc", open(vec![("enabled", Node::Bool)])),
            ]),
        ),
    ])
}

/// A module's section: the keys the Connector reads, the rest the module's own.
fn module() -> Node {
    open(vec![
        ("enabled", Node::Bool),
        ("location", Node::String),
        ("displayName", Node::String),
        ("requiredInfrastructure", strings()),
        (
            "grants",
            closed(vec![
                (
                    "http",
                    closed(vec![("hosts", strings()), ("skipTlsCheck", Node::Bool)]),
                ),
                ("api", closed(vec![("scopes", strings())])),
                ("broker", Node::Array(Box::new(Node::Any))),
                // The first contract's names, still accepted.
                ("allowedHosts", strings()),
                ("skipTlsCheck", Node::Bool),
                ("apiScopes", strings()),
                ("brokers", Node::Array(Box::new(Node::Any))),
                ("timeoutMs", Node::Number),
                ("maxMemoryMb", Node::Number),
            ]),
        ),
        (
            "limits",
            closed(vec![
                ("timeoutMs", Node::Number),
                ("maxMemoryMb", Node::Number),
            ]),
        ),
        (
            "delivery",
            closed(vec![
                ("maxAttempts", Node::Number),
                ("initialBackoffMs", Node::Number),
                ("maxBackoffMs", Node::Number),
                ("unhealthyAfter", Node::Number),
            ]),
        ),
    ])
}

/// Checks a merged configuration against the schema; the first problem names its key.
pub fn check(config: &Value) -> Result<(), ConfigError> {
    check_node(&connector(), config, "")
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn check_node(node: &Node, value: &Value, path: &str) -> Result<(), ConfigError> {
    let key = || {
        if path.is_empty() {
            "(root)".to_owned()
        } else {
            path.to_owned()
        }
    };
    // An explicit null is an absent value, as for the typed configuration.
    if value.is_null() {
        return Ok(());
    }
    match node {
        Node::Any => Ok(()),
        Node::Bool if value.is_boolean() => Ok(()),
        Node::Bool => Err(ConfigError::new(key(), "must be true or false")),
        Node::String if value.is_string() => Ok(()),
        Node::String => Err(ConfigError::new(key(), "must be a string")),
        Node::Number if value.is_number() => Ok(()),
        Node::Number => Err(ConfigError::new(key(), "must be a number")),
        Node::Array(item) => {
            let Some(items) = value.as_array() else {
                return Err(ConfigError::new(key(), "must be an array"));
            };
            for (i, v) in items.iter().enumerate() {
                check_node(item, v, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        Node::Object(object) => {
            let Some(map) = value.as_object() else {
                return Err(ConfigError::new(key(), "must be an object"));
            };
            for (name, v) in map {
                let child = join(path, name);
                match object.keys.iter().find(|(k, _)| k == name) {
                    Some((_, node)) => check_node(node, v, &child)?,
                    None => match &object.rest {
                        Rest::Open => {}
                        Rest::Each(node) => check_node(node, v, &child)?,
                        Rest::Closed => {
                            let known: Vec<&str> = object.keys.iter().map(|(k, _)| *k).collect();
                            return Err(ConfigError::new(
                                child,
                                format!(
                                    "is not a known key; {} takes only: {}",
                                    key(),
                                    known.join(", ")
                                ),
                            ));
                        }
                    },
                }
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_built_in_defaults_fit_the_schema() {
        check(&super::super::defaults()).unwrap();
    }

    #[test]
    fn unknown_keys_are_refused_where_the_official_refuses_them() {
        let cases = [
            (
                json!({"transportLibrary": {"someTypo": 1}}),
                "transportLibrary.someTypo",
            ),
            (
                json!({"infrastructure": {"httpServer": {"docs": {"enabled": true}}}}),
                "infrastructure.httpServer.docs",
            ),
            (
                json!({"infrastructure": {"other": {}}}),
                "infrastructure.other",
            ),
            (json!({"database": {"dbname": "x"}}), "database.dbname"),
            (json!({"logging": {"colour": true}}), "logging.colour"),
            (
                json!({"moduleHost": {"cacheDir": "x"}}),
                "moduleHost.cacheDir",
            ),
            (
                json!({"infrastructure": {"httpServer": {"authentication": {"apiKey": {"keys": {"k": {"key": "x", "scope": []}}}}}}}),
                "infrastructure.httpServer.authentication.apiKey.keys.k.scope",
            ),
            (
                json!({"modules": {"webhooks": {"grants": {"allowedHost": []}}}}),
                "modules.webhooks.grants.allowedHost",
            ),
            (
                json!({"modules": {"sync": {"enabled": "yes"}}}),
                "modules.sync.enabled",
            ),
            (
                json!({"infrastructure": {"httpServer": {"metrics": {"path": "/m"}}}}),
                "infrastructure.httpServer.metrics.path",
            ),
            (
                json!({"infrastructure": {"httpServer": {"apiV2": {"enabled": "yes"}}}}),
                "infrastructure.httpServer.apiV2.enabled",
            ),
            (
                json!({"infrastructure": {"httpServer": {"apiV2": true}}}),
                "infrastructure.httpServer.apiV2",
            ),
            (
                json!({"modules": {"webhooks": {"grants": {"apiScopes": [1]}}}}),
                "modules.webhooks.grants.apiScopes[0]",
            ),
        ];
        for (config, key) in cases {
            let err = check(&config).unwrap_err();
            assert_eq!(err.key, key, "{config}: {err}");
        }
    }

    #[test]
    fn open_sections_stay_open() {
        check(&json!({
            "somethingElse": {"a": 1},
            "modules": {"webhooks": {"targets": {}, "anyKeyOfTheModule": [1, 2]}, "custom": {"enabled": false, "location": "x.wasm", "own": {"deep": true}}},
            "infrastructure": {"httpServer": {"port": "8080", "cors": {"origin": ["a"]}, "helmetOptions": {"x": 1},
                "authentication": {"jwtBearer": {"issuerBaseURL": "https://x", "audience": ["a"]}, "oidc": {"enabled": false, "clientID": "c"}}}},
            "logging": {"appenders": {"c": {"type": "stdout", "layout": {"type": "json", "anything": 1}}},
                        "categories": {"default": {"appenders": ["c"], "level": "info"}}},
            "transportLibrary": {"platformAdditionalHeaders": {"X-A": "b"}, "addressGenerationHostnameOverride": null}
        }))
        .unwrap();
    }
}
