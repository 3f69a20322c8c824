//! Merging the configuration layers, lowest priority first: built-in defaults
//! (`config/default.toml`), `bundled.config.{json,toml}` next to the binary, the custom file,
//! environment variables, command-line arguments. Objects merge key by key; anything else is
//! replaced. This is the official Connector's order (nconf), with the same aliases.

use super::{ConfigError, ConnectorConfig};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

const DEFAULTS: &str = include_str!("../../../config/default.toml");

/// The top-level keys an environment variable may set; everything else in the environment
/// (PATH, HOME, ...) is not configuration.
const TOP_LEVEL_KEYS: &[&str] = &[
    "debug",
    "transportLibrary",
    "database",
    "logging",
    "infrastructure",
    "modules",
    "moduleHost",
    "pinnedTLSCertificateSHA256Fingerprints",
    "enforceCertificatePinning",
];

const ALIASES: &[(&str, &str)] = &[
    ("DATABASE_NAME", "database:dbName"),
    ("DATABASE_CONNECTION_STRING", "database:connectionString"),
    ("SYNC_ENABLED", "modules:sync:enabled"),
    ("PLATFORM_CLIENT_ID", "transportLibrary:platformClientId"),
    (
        "PLATFORM_CLIENT_SECRET",
        "transportLibrary:platformClientSecret",
    ),
    ("DEBUG", "debug"),
];

/// Everything configuration is read from; tests fill it directly instead of touching the
/// process environment.
#[derive(Debug, Clone, Default)]
pub struct ConfigSources {
    /// `--config FILE` / `-c FILE`.
    pub config_file: Option<PathBuf>,
    /// `--a:b=c` arguments, in order.
    pub cli_overrides: Vec<(String, String)>,
    pub env: Vec<(String, String)>,
    /// Where `bundled.config.*` is looked for (the binary's folder).
    pub bundled_dir: Option<PathBuf>,
    /// Folder for the default `./config.json`.
    pub working_dir: PathBuf,
}

impl ConfigSources {
    /// The process's own arguments (after the subcommand) and environment.
    pub fn from_process(args: &[String]) -> Result<Self, ConfigError> {
        let (config_file, cli_overrides) = parse_args(args)?;
        Ok(Self {
            config_file,
            cli_overrides,
            env: std::env::vars().collect(),
            bundled_dir: std::env::current_exe()
                .ok()
                .and_then(|p| p.parent().map(Path::to_path_buf)),
            working_dir: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
        })
    }
}

/// `--config FILE`, if given, and the `--a:b=c` overrides in order.
pub type ParsedArgs = (Option<PathBuf>, Vec<(String, String)>);

/// Splits `start`'s arguments into the config file and `--a:b=c` overrides.
pub fn parse_args(args: &[String]) -> Result<ParsedArgs, ConfigError> {
    let mut file = None;
    let mut overrides = Vec::new();
    let mut it = args.iter().peekable();
    while let Some(arg) = it.next() {
        let Some(body) = arg
            .strip_prefix("--")
            .or_else(|| arg.strip_prefix('-').filter(|b| *b == "c"))
        else {
            return Err(ConfigError::new(
                arg.as_str(),
                "unexpected argument; use --config FILE or --a:b=value",
            ));
        };
        let (key, value) = match body.split_once('=') {
            Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
            None => (body.to_owned(), None),
        };
        let value = match value {
            Some(v) => v,
            None => match it.peek() {
                Some(next) if !next.starts_with("--") => it.next().cloned().unwrap_or_default(),
                // A bare flag is `true`, as nconf reads it.
                _ => "true".to_owned(),
            },
        };
        if key == "config" || key == "c" {
            file = Some(PathBuf::from(value));
        } else {
            overrides.push((key, value));
        }
    }
    Ok((file, overrides))
}

/// The built-in defaults as a JSON value, the base layer of every configuration.
pub fn defaults() -> Value {
    parse_toml(DEFAULTS, "config/default.toml")
        .unwrap_or_else(|e| panic!("the built-in defaults do not parse: {e}"))
}

pub fn load(sources: &ConfigSources) -> Result<ConnectorConfig, ConfigError> {
    let mut merged = defaults();

    if let Some(dir) = &sources.bundled_dir {
        for name in ["bundled.config.json", "bundled.config.toml"] {
            let path = dir.join(name);
            if path.is_file() {
                merge(&mut merged, read_file(&path)?);
            }
        }
    }

    let env_value = |key: &str| {
        sources
            .env
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    let custom = sources
        .config_file
        .clone()
        .or_else(|| env_value("CUSTOM_CONFIG_LOCATION").map(PathBuf::from))
        .map(|p| (p, true))
        .unwrap_or_else(|| (sources.working_dir.join("config.json"), false));
    match custom {
        (path, true) if !path.is_file() => {
            return Err(ConfigError::new(
                "--config",
                format!("the file {} does not exist", path.display()),
            ));
        }
        (path, _) if path.is_file() => merge(&mut merged, read_file(&path)?),
        _ => {}
    }

    let mut env_layer = Value::Object(Map::new());
    for (name, raw) in &sources.env {
        if let Some((_, path)) = ALIASES.iter().find(|(alias, _)| alias == name) {
            set_path(&mut env_layer, path, parse_scalar(raw));
            continue;
        }
        let path = name.replace("__", ":");
        let top = path.split(':').next().unwrap_or_default();
        if TOP_LEVEL_KEYS.contains(&top) {
            set_path(&mut env_layer, &path, parse_scalar(raw));
        }
    }
    merge(&mut merged, env_layer);

    let mut cli_layer = Value::Object(Map::new());
    for (key, raw) in &sources.cli_overrides {
        set_path(&mut cli_layer, &key.replace("__", ":"), parse_scalar(raw));
    }
    merge(&mut merged, cli_layer);

    load_from_value(merged)
}

/// Checks a merged configuration against the schema and deserialises it, naming the exact key
/// that does not fit.
pub fn load_from_value(value: Value) -> Result<ConnectorConfig, ConfigError> {
    super::schema::check(&value)?;
    let config: ConnectorConfig = serde_path_to_error::deserialize(value).map_err(|e| {
        let key = e.path().to_string();
        let message = e.into_inner().to_string();
        ConfigError::new(if key == "." { "(root)".into() } else { key }, message)
    })?;
    super::validate(config)
}

fn read_file(path: &Path) -> Result<Value, ConfigError> {
    let key = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError::new(&key, format!("cannot read: {e}")))?;
    if path.extension().is_some_and(|e| e == "toml") {
        parse_toml(&text, &key)
    } else {
        serde_json::from_str(&text)
            .map_err(|e| ConfigError::new(&key, format!("not valid JSON: {e}")))
    }
}

fn parse_toml(text: &str, key: &str) -> Result<Value, ConfigError> {
    let table: toml::Table =
        toml::from_str(text).map_err(|e| ConfigError::new(key, format!("not valid TOML: {e}")))?;
    serde_json::to_value(table).map_err(|e| ConfigError::new(key, e.to_string()))
}

/// Values are JSON when they parse as JSON (`true`, `8080`, `{"a":1}`), strings otherwise.
fn parse_scalar(raw: &str) -> Value {
    serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_owned()))
}

/// Sets `a:b:c` in `target`, creating objects on the way (replacing non-objects).
fn set_path(target: &mut Value, path: &str, value: Value) {
    let segments: Vec<&str> = path.split(':').filter(|s| !s.is_empty()).collect();
    let Some((last, parents)) = segments.split_last() else {
        return;
    };
    let mut cur = target;
    for seg in parents {
        cur = object_mut(cur)
            .entry(seg.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    object_mut(cur).insert(last.to_string(), value);
}

fn object_mut(v: &mut Value) -> &mut Map<String, Value> {
    if !v.is_object() {
        *v = Value::Object(Map::new());
    }
    match v {
        Value::Object(m) => m,
        _ => unreachable!("replaced by an object just above"),
    }
}

/// Deep merge: objects key by key, everything else replaced by the higher layer.
pub fn merge(base: &mut Value, over: Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(existing) if existing.is_object() && v.is_object() => merge(existing, v),
                    _ => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, o) => *b = o,
    }
}
