//! The official messageBrokerPublisher module: publishes every event's data as JSON (`{}` when
//! it has none) to every configured broker (`brokers[{type, configuration}]`: AMQP, MQTT,
//! Redis, and NATS). The host holds the connections; a broker that is down makes the event
//! retryable instead of dropping it.

// The crate is named by the module's config key, as its file and `describe()` name are.
#![allow(non_snake_case)]

use module_sdk::progress::Progress;
use module_sdk::{Event, Module, ModuleError, broker, export_module};
use serde_json::Value;

struct MessageBrokerPublisher;

impl Module for MessageBrokerPublisher {
    fn events() -> Vec<String> {
        vec!["**".into()]
    }

    fn on_event(event: Event) -> Result<(), ModuleError> {
        let payload = event
            .data
            .unwrap_or_else(|| Value::Object(Default::default()))
            .to_string();
        let brokers = broker::brokers();
        let mut progress = Progress::load(event.seq, brokers.len() as u32);
        for (index, name) in brokers.iter().enumerate() {
            let step = index as u32;
            if progress.is_done(step) {
                continue;
            }
            broker::publish(name, &event.namespace, payload.as_bytes())
                .map_err(|e| ModuleError::retryable(format!("broker '{name}': {e}")))?;
            progress.mark(step);
        }
        Ok(())
    }
}

export_module!(MessageBrokerPublisher);
