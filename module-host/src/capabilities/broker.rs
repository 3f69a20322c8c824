//! `broker`: publishing to the message brokers in the module's `grants.broker`. The host owns
//! one client per broker (connected lazily, reconnected after a failure); a module names a
//! broker and an event, and `publish` returns only once the broker accepted the message.

mod amqp;
mod mqtt;
mod nats;
mod redis;

use super::record::{Action, Recorder, outcome};
use crate::config::Grants;
use crate::error::ModuleHostError;
use async_trait::async_trait;
use serde_json::Value;
use std::sync::Arc;

#[async_trait]
pub trait BrokerClient: Send + Sync {
    /// Publishes `payload` for the event `namespace`; each broker type maps the name to its
    /// own topic convention.
    async fn publish(&self, namespace: &str, payload: &[u8]) -> Result<(), String>;
}

pub struct BrokerCapability {
    brokers: Vec<(String, Arc<dyn BrokerClient>)>,
    recorder: Option<Arc<Recorder>>,
}

impl BrokerCapability {
    pub fn new(module: &str, grants: &Grants) -> Result<Self, ModuleHostError> {
        let mut brokers: Vec<(String, Arc<dyn BrokerClient>)> = Vec::new();
        for (index, broker) in grants.broker.iter().enumerate() {
            let name = broker.name.clone().unwrap_or_else(|| index.to_string());
            if brokers.iter().any(|(n, _)| *n == name) {
                return Err(invalid(module, format!("two brokers are named '{name}'")));
            }
            let client = client_for(&broker.kind, &broker.configuration, module)
                .map_err(|message| invalid(module, format!("broker '{name}': {message}")))?;
            brokers.push((name, client));
        }
        Ok(Self {
            brokers,
            recorder: None,
        })
    }

    pub fn recording(self, recorder: Option<Arc<Recorder>>) -> Self {
        Self { recorder, ..self }
    }

    pub fn names(&self) -> Vec<String> {
        self.brokers.iter().map(|(n, _)| n.clone()).collect()
    }

    fn find(&self, broker: &str) -> Result<&Arc<dyn BrokerClient>, String> {
        self.brokers
            .iter()
            .find(|(n, _)| n == broker)
            .map(|(_, client)| client)
            .ok_or_else(|| format!("broker '{broker}' is not in this module's grants"))
    }

    async fn publish_to_broker(
        &self,
        broker: &str,
        namespace: &str,
        payload: &[u8],
    ) -> Result<(), String> {
        self.find(broker)?.publish(namespace, payload).await
    }

    pub async fn publish(
        &self,
        broker: &str,
        namespace: &str,
        payload: &[u8],
    ) -> Result<(), String> {
        let Some(recorder) = &self.recorder else {
            return self.publish_to_broker(broker, namespace, payload).await;
        };
        let result = if recorder.dry_run {
            self.find(broker).map(|_| ())
        } else {
            self.publish_to_broker(broker, namespace, payload).await
        };
        recorder.push(Action::Broker {
            broker: broker.to_owned(),
            namespace: namespace.to_owned(),
            payload: String::from_utf8_lossy(payload).into_owned(),
            outcome: outcome(&result, |_| {
                if recorder.dry_run {
                    "not sent (dry run)"
                } else {
                    "published"
                }
                .to_owned()
            }),
        });
        result
    }
}

fn client_for(
    kind: &str,
    configuration: &Value,
    module: &str,
) -> Result<Arc<dyn BrokerClient>, String> {
    let url = configuration
        .get("url")
        .and_then(Value::as_str)
        .ok_or_else(|| "configuration.url is required".to_owned())?
        .to_owned();
    Ok(match kind {
        "AMQP" => Arc::new(amqp::AmqpBroker::new(url, configuration)?),
        "MQTT" => Arc::new(mqtt::MqttBroker::new(&url, module)?),
        "Redis" => Arc::new(redis::RedisBroker::new(&url)?),
        "NATS" => Arc::new(nats::NatsBroker::new(url)),
        "PubSub" => return Err("Google Pub/Sub is not supported by this Connector".into()),
        other => {
            return Err(format!(
                "unknown broker type '{other}' (AMQP, MQTT, Redis, NATS)"
            ));
        }
    })
}

fn invalid(module: &str, message: String) -> ModuleHostError {
    ModuleHostError::InvalidConfig {
        module: module.to_owned(),
        code: "error.runtime.modules.messageBrokerPublisher.invalidConfig".into(),
        message,
    }
}
