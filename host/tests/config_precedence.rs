//! Configuration layers as a table: defaults < bundled file < custom file < environment <
//! command line, the official aliases, JSON values, and errors that name the key.

use connector::config::{ConfigSources, load};
use serde_json::{Value, json};
use std::path::Path;

fn write(dir: &Path, name: &str, content: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

fn sources(dir: &Path) -> ConfigSources {
    ConfigSources {
        working_dir: dir.to_path_buf(),
        ..Default::default()
    }
}

fn port(s: &ConfigSources) -> u16 {
    load(s).unwrap().infrastructure.http_server.port
}

#[test]
fn layers_in_priority_order() {
    let dir = tempfile::tempdir().unwrap();
    let bundled = dir.path().join("bin");
    std::fs::create_dir(&bundled).unwrap();
    write(
        &bundled,
        "bundled.config.json",
        r#"{"infrastructure":{"httpServer":{"port":1001}}}"#,
    );
    let file = write(
        dir.path(),
        "custom.json",
        r#"{"infrastructure":{"httpServer":{"port":1002}}}"#,
    );
    let env = |v: &str| vec![("infrastructure__httpServer__port".to_owned(), v.to_owned())];
    let cli = vec![(
        "infrastructure:httpServer:port".to_owned(),
        "1004".to_owned(),
    )];

    // (bundled, file, env, cli) -> expected port
    let table: &[(bool, bool, bool, bool, u16)] = &[
        (false, false, false, false, 80),
        (true, false, false, false, 1001),
        (true, true, false, false, 1002),
        (false, true, false, false, 1002),
        (true, true, true, false, 1003),
        (false, false, true, false, 1003),
        (true, true, true, true, 1004),
        (false, false, false, true, 1004),
        (true, false, true, true, 1004),
    ];
    for &(b, f, e, c, expected) in table {
        let mut s = sources(dir.path());
        if b {
            s.bundled_dir = Some(bundled.clone());
        }
        if f {
            s.config_file = Some(file.clone());
        }
        if e {
            s.env = env("1003");
        }
        if c {
            s.cli_overrides = cli.clone();
        }
        assert_eq!(port(&s), expected, "bundled={b} file={f} env={e} cli={c}");
    }
}

#[test]
fn custom_file_location_and_default_config_json() {
    let dir = tempfile::tempdir().unwrap();
    // ./config.json is read when nothing else is named.
    write(
        dir.path(),
        "config.json",
        r#"{"infrastructure":{"httpServer":{"port":2001}}}"#,
    );
    assert_eq!(port(&sources(dir.path())), 2001);
    // CUSTOM_CONFIG_LOCATION replaces it, --config replaces that.
    let other = write(
        dir.path(),
        "other.json",
        r#"{"infrastructure":{"httpServer":{"port":2002}}}"#,
    );
    let third = write(
        dir.path(),
        "third.toml",
        "[infrastructure.httpServer]\nport = 2003\n",
    );
    let mut s = sources(dir.path());
    s.env = vec![("CUSTOM_CONFIG_LOCATION".into(), other.display().to_string())];
    assert_eq!(port(&s), 2002);
    s.config_file = Some(third);
    assert_eq!(port(&s), 2003, "native TOML files are read too");
}

#[test]
fn environment_rules_and_aliases() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = sources(dir.path());
    s.env = vec![
        ("DATABASE_NAME".into(), "tenant1".into()),
        (
            "DATABASE_CONNECTION_STRING".into(),
            "mongodb://db:27017".into(),
        ),
        ("database:driver".into(), "mongodb".into()),
        ("SYNC_ENABLED".into(), "true".into()),
        ("PLATFORM_CLIENT_ID".into(), "client".into()),
        ("PLATFORM_CLIENT_SECRET".into(), "s3cret".into()),
        ("DEBUG".into(), "true".into()),
        (
            "transportLibrary__platformAdditionalHeaders".into(),
            r#"{"X-Tenant":"a"}"#.into(),
        ),
        (
            "transportLibrary__baseUrl".into(),
            "https://backbone.example".into(),
        ),
        // Not configuration: ignored.
        ("PATH".into(), "/usr/bin".into()),
        ("HOME".into(), "{not json".into()),
    ];
    let c = load(&s).unwrap();
    assert_eq!(c.database.db_name, "tenant1");
    assert_eq!(
        c.database.connection_string.as_ref().unwrap().expose(),
        "mongodb://db:27017"
    );
    assert_eq!(
        c.database.driver,
        connector::config::DatabaseDriver::Mongodb
    );
    assert!(
        c.module_enabled("sync"),
        "SYNC_ENABLED=true is parsed as JSON"
    );
    assert_eq!(
        c.transport_library.platform_client_id.as_deref(),
        Some("client")
    );
    assert_eq!(
        c.transport_library
            .platform_client_secret
            .as_ref()
            .unwrap()
            .expose(),
        "s3cret"
    );
    assert!(c.debug);
    assert_eq!(
        c.transport_library.platform_additional_headers["X-Tenant"],
        "a"
    );
    assert_eq!(
        c.transport_library.base_url.as_deref(),
        Some("https://backbone.example")
    );
}

#[test]
fn json_values_from_env_and_cli() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = sources(dir.path());
    s.env = vec![(
        "infrastructure__httpServer__authentication__apiKey__keys".into(),
        r#"{"k":{"key":"Test-Key-0123456789-abcdefghIJKL!"}}"#.into(),
    )];
    s.cli_overrides = vec![(
        "modules:webhooks:targets".into(),
        r#"{"t":{"url":"http://x"}}"#.into(),
    )];
    let c = load(&s).unwrap();
    assert!(
        c.infrastructure
            .http_server
            .authentication
            .api_key
            .keys
            .contains_key("k")
    );
    assert_eq!(c.modules["webhooks"]["targets"]["t"]["url"], "http://x");
    assert_eq!(
        c.modules["webhooks"]["enabled"], false,
        "objects merge, the default `enabled` stays"
    );
}

#[test]
fn official_config_json_is_accepted_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let official = json!({
        "debug": true,
        "transportLibrary": {"baseUrl": "https://bb.example", "platformClientId": "id", "platformClientSecret": "secret"},
        "database": {"driver": "lokijs", "folder": "./db", "dbName": "default"},
        "logging": {"appenders": {"consoleAppender": {"type": "stdout", "layout": {"type": "json"}},
                    "console": {"type": "logLevelFilter", "level": "WARN", "appender": "consoleAppender"}},
                    "categories": {"default": {"appenders": ["console"], "level": "TRACE"}}},
        "infrastructure": {"httpServer": {"enabled": true, "port": 8080, "cors": {"origin": false},
            "authentication": {"apiKey": {"headerName": "X-API-KEY", "keys": {"default": {"key": "Test-Key-0123456789-abcdefghIJKL!", "scopes": ["**"]}}}}}},
        "modules": {"coreHttpApi": {"docs": {"enabled": true}}, "webhooks": {"enabled": true,
            "targets": {"t": {"url": "https://example.com/{{trigger}}"}}, "webhooks": [{"triggers": ["**"], "target": "t"}]}}
    });
    let file = write(dir.path(), "config.json", &official.to_string());
    let mut s = sources(dir.path());
    s.config_file = Some(file);
    let c = load(&s).unwrap();
    assert_eq!(
        c.database.driver,
        connector::config::DatabaseDriver::Sqlite,
        "lokijs maps to the embedded store"
    );
    assert_eq!(
        c.logging.effective_format(),
        connector::config::LogFormat::Json
    );
    assert_eq!(c.logging.effective_level(), "warn");
    assert_eq!(c.infrastructure.http_server.port, 8080);
    assert!(c.docs_enabled());
    assert!(c.module_enabled("webhooks"));
}

#[test]
fn open_sections_take_any_key_as_the_official_schema_does() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "config.json",
        &json!({
            "someToolsOwnKey": {"x": 1},
            "modules": {"webhooks": {"aKeyOfTheModule": 1}, "custom": {"enabled": false, "location": "custom.wasm", "own": {"deep": [1]}}},
            "infrastructure": {"httpServer": {"authentication": {"jwtBearer": {"audience": "a", "clockTolerance": 5}}}}
        })
        .to_string(),
    );
    let mut s = sources(dir.path());
    s.config_file = Some(file);
    let c = load(&s).unwrap();
    assert_eq!(c.modules["custom"]["own"]["deep"][0], 1);
}

#[test]
fn invalid_configurations_name_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, &str)] = &[
        (
            r#"{"infrastructure":{"httpServer":{"port":"eighty"}}}"#,
            "infrastructure.httpServer.port",
        ),
        (
            r#"{"infrastructure":{"httpServer":{"port":70000}}}"#,
            "infrastructure.httpServer.port",
        ),
        (
            r#"{"transportLibrary":{"baseUrl":"ftp://x"}}"#,
            "transportLibrary.baseUrl",
        ),
        (r#"{"database":{"driver":"postgres"}}"#, "database.driver"),
        (
            r#"{"database":{"driver":"mongodb"}}"#,
            "database.connectionString",
        ),
        (
            r#"{"modules":{"coreHttpApi":{"docs":{"enabled":true}}}}"#,
            "modules.coreHttpApi.docs.enabled",
        ),
        (
            r#"{"modules":{"sync":{"enabled":"yes"}}}"#,
            "modules.sync.enabled",
        ),
        (r#"{"debug":"maybe"}"#, "debug"),
        // Unknown keys where the official schema allows none.
        (
            r#"{"transportLibrary":{"someTypo":true}}"#,
            "transportLibrary.someTypo",
        ),
        (
            r#"{"infrastructure":{"httpServer":{"docs":{"enabled":true}}}}"#,
            "infrastructure.httpServer.docs",
        ),
        (
            r#"{"moduleHost":{"builtinDir":"x"}}"#,
            "moduleHost.builtinDir",
        ),
        (
            r#"{"modules":{"webhooks":{"grants":{"allowedHost":["x"]}}}}"#,
            "modules.webhooks.grants.allowedHost",
        ),
        // A decider rule for read requests must say which attribute to answer with.
        (
            r#"{"modules":{"decider":{"automationConfig":[{"requestConfig":{"content.item.@type":"ReadAttributeRequestItem"},"responseConfig":{"accept":true}}]}}}"#,
            "modules.decider.automationConfig",
        ),
    ];
    for (content, key) in cases {
        let file = write(dir.path(), "bad.json", content);
        let mut s = sources(dir.path());
        s.config_file = Some(file);
        let err = load(&s).unwrap_err();
        assert_eq!(err.key, *key, "{content} -> {err}");
        assert!(err.to_string().contains(key));
    }
    let file = write(dir.path(), "broken.json", "{ not json");
    let mut s = sources(dir.path());
    s.config_file = Some(file.clone());
    assert!(load(&s).unwrap_err().message.contains("not valid JSON"));
    s.config_file = Some(dir.path().join("missing.json"));
    assert!(load(&s).unwrap_err().message.contains("does not exist"));
}

#[test]
fn sync_gives_way_to_sse() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = sources(dir.path());
    s.cli_overrides = vec![
        ("modules:sync:enabled".into(), "true".into()),
        ("modules:sse:enabled".into(), "true".into()),
    ];
    let c = load(&s).unwrap();
    assert!(!c.module_enabled("sync") && c.module_enabled("sse"));
}

#[test]
fn cli_argument_forms() {
    let args: Vec<String> = ["--config", "c.json", "--a:b=1", "--debug", "--x:y", "z"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let (file, overrides) = connector::config::parse_args(&args).unwrap();
    assert_eq!(file.unwrap(), Path::new("c.json"));
    assert_eq!(
        overrides,
        vec![
            ("a:b".into(), "1".into()),
            ("debug".into(), "true".into()),
            ("x:y".into(), "z".into())
        ]
    );
    assert!(connector::config::parse_args(&["stray".to_owned()]).is_err());
    let _ = Value::Null;
}
