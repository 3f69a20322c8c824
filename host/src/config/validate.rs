//! Checks that need more than types: the ones the official Connector makes at start-up.

use super::{ConfigError, ConnectorConfig, DatabaseDriver};
use serde_json::Value;

pub fn validate(mut config: ConnectorConfig) -> Result<ConnectorConfig, ConfigError> {
    if let Some(url) = &config.transport_library.base_url
        && !(url.starts_with("http://") || url.starts_with("https://"))
    {
        return Err(ConfigError::new(
            "transportLibrary.baseUrl",
            "must start with http:// or https://",
        ));
    }
    if config.database.driver == DatabaseDriver::Mongodb
        && config.database.connection_string.is_none()
    {
        return Err(ConfigError::new(
            "database.connectionString",
            "required when database.driver is \"mongodb\"",
        ));
    }
    if config.database.db_name.is_empty() {
        return Err(ConfigError::new("database.dbName", "must not be empty"));
    }
    let delay = config
        .infrastructure
        .http_server
        .authentication
        .unauthorized_delay;
    if delay.min_ms > delay.max_ms {
        return Err(ConfigError::new(
            "infrastructure.httpServer.authentication.unauthorizedDelay",
            "minMs must not be larger than maxMs",
        ));
    }
    if config.docs_enabled() && !config.debug {
        return Err(ConfigError::new(
            "modules.coreHttpApi.docs.enabled",
            "the API docs are only available in debug mode",
        ));
    }
    for (name, module) in &config.modules {
        if !module.is_object() {
            return Err(ConfigError::new(
                format!("modules.{name}"),
                "must be an object",
            ));
        }
        if let Some(enabled) = module.get("enabled")
            && !enabled.is_boolean()
        {
            return Err(ConfigError::new(
                format!("modules.{name}.enabled"),
                "must be true or false",
            ));
        }
    }
    // As the official DeciderModule at start-up: every rule's answer must fit what it matches.
    consumption::requests::decider::Decider::from_module_config(config.modules.get("decider"))
        .map_err(|e| ConfigError::new("modules.decider.automationConfig", e.to_string()))?;
    // As the official: SSE delivers what sync would fetch, so the two never run together.
    if config.module_enabled("sync") && config.module_enabled("sse") {
        tracing::warn!(
            "modules.sync and modules.sse are both enabled; sync is disabled in favour of sse"
        );
        if let Some(sync) = config
            .modules
            .get_mut("sync")
            .and_then(Value::as_object_mut)
        {
            sync.insert("enabled".into(), false.into());
        }
    }
    Ok(config)
}
