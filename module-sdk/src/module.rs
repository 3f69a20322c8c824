//! The [`Module`] trait and the glue between it and the generated bindings.

use crate::bindings::connector::module::types as wit;
use crate::events::Event;

/// How often the host calls [`Module::on_tick`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// Pause between the end of one tick and the start of the next.
    pub every_ms: u64,
    /// Whether the first tick runs as soon as the module is loaded.
    pub run_at_start: bool,
}

/// Why handling an event or a tick failed. The host decides what happens next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModuleError {
    /// Try again later (a target is down); the host retries with backoff, without limit.
    Retryable(String),
    /// Never going to work for this event; the host keeps it as a dead letter and moves on.
    Fatal(String),
}

impl ModuleError {
    pub fn retryable(message: impl std::fmt::Display) -> Self {
        Self::Retryable(message.to_string())
    }
    pub fn fatal(message: impl std::fmt::Display) -> Self {
        Self::Fatal(message.to_string())
    }
}

/// A Connector module. Every method has a default, so implement only what you need.
///
/// The host creates a fresh instance for every call: keep state in [`kv`], not in statics.
pub trait Module {
    /// Event name patterns to receive (`*` one segment, `**` one or more). Called once per
    /// load; may read [`config`].
    fn events() -> Vec<String> {
        Vec::new()
    }

    /// When to call [`Module::on_tick`]; `None` for never.
    fn schedule() -> Option<Schedule> {
        None
    }

    fn on_event(_event: Event) -> Result<(), ModuleError> {
        Ok(())
    }

    fn on_tick() -> Result<(), ModuleError> {
        Ok(())
    }
}

pub fn describe<M: Module>(name: &str, version: &str) -> wit::ModuleInfo {
    wit::ModuleInfo {
        name: name.to_owned(),
        version: version.to_owned(),
        events: M::events(),
        schedule: M::schedule().map(|s| wit::Schedule {
            every_ms: s.every_ms,
            run_at_start: s.run_at_start,
        }),
    }
}

pub fn on_event<M: Module>(event: wit::Event) -> Result<(), wit::ModuleError> {
    let data = match event.data.as_deref().map(serde_json::from_str).transpose() {
        Ok(data) => data,
        Err(e) => {
            return Err(wit::ModuleError::Fatal(format!(
                "event data is not JSON: {e}"
            )));
        }
    };
    let event = Event {
        seq: event.seq,
        namespace: event.namespace,
        data,
        correlation_id: event.correlation_id,
        occurred_at_ms: event.occurred_at_ms,
    };
    M::on_event(event).map_err(into_wit)
}

pub fn on_tick<M: Module>() -> Result<(), wit::ModuleError> {
    M::on_tick().map_err(into_wit)
}

fn into_wit(error: ModuleError) -> wit::ModuleError {
    match error {
        ModuleError::Retryable(m) => wit::ModuleError::Retryable(m),
        ModuleError::Fatal(m) => wit::ModuleError::Fatal(m),
    }
}

/// The module's own config section (`modules.<name>` without `grants`).
pub mod config {
    use crate::bindings::connector::module::config as host;
    use serde::de::DeserializeOwned;

    /// One top-level key, deserialized; `Ok(None)` when the key is absent.
    pub fn get<T: DeserializeOwned>(key: &str) -> Result<Option<T>, serde_json::Error> {
        host::get(key)
            .map(|json| serde_json::from_str(&json))
            .transpose()
    }

    /// The whole section, deserialized into the module's config struct.
    pub fn all<T: DeserializeOwned>() -> Result<T, serde_json::Error> {
        serde_json::from_str(&host::all())
    }
}

/// The module's private, durable key-value store.
pub mod kv {
    use crate::bindings::connector::module::kv as host;

    pub fn get(key: &str) -> Result<Option<Vec<u8>>, String> {
        host::get(key)
    }
    pub fn set(key: &str, value: &[u8]) -> Result<(), String> {
        host::set(key, value)
    }
    pub fn delete(key: &str) -> Result<(), String> {
        host::delete(key)
    }
}

/// The Connector's log, tagged with the module's name by the host.
pub mod log {
    use crate::bindings::connector::module::log::{Level, log};

    pub fn debug(message: &str) {
        log(Level::Debug, message)
    }
    pub fn info(message: &str) {
        log(Level::Info, message)
    }
    pub fn warn(message: &str) {
        log(Level::Warn, message)
    }
    pub fn error(message: &str) {
        log(Level::Error, message)
    }
}

/// The message brokers in the module's `brokers` grant.
pub mod broker {
    use crate::bindings::connector::module::broker as host;

    /// Names of the brokers this module may publish to, in config order.
    pub fn brokers() -> Vec<String> {
        host::brokers()
    }

    /// Publishes `payload` for the event `namespace`; returns once the broker accepted it.
    pub fn publish(broker: &str, namespace: &str, payload: &[u8]) -> Result<(), String> {
        host::publish(broker, namespace, payload)
    }
}
