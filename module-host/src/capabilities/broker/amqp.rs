//! AMQP 0.9.1 (RabbitMQ): routing key = event name, on the configured exchange (default: the
//! default exchange), with publisher confirms so `publish` means "the broker has it".

use super::BrokerClient;
use async_trait::async_trait;
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions, ExchangeDeclareOptions};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, ExchangeKind};
use serde_json::Value;
use std::time::Duration;
use tokio::sync::Mutex;

pub struct AmqpBroker {
    url: String,
    exchange: String,
    timeout: Duration,
    channel: Mutex<Option<(Connection, Channel)>>,
}

impl AmqpBroker {
    pub fn new(url: String, configuration: &Value) -> Result<Self, String> {
        if !url.starts_with("amqp://") && !url.starts_with("amqps://") {
            return Err(format!("'{url}' is not an amqp:// or amqps:// URL"));
        }
        Ok(Self {
            url,
            exchange: configuration
                .get("exchange")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            timeout: Duration::from_millis(
                configuration
                    .get("timeout")
                    .and_then(Value::as_u64)
                    .unwrap_or(2000),
            ),
            channel: Mutex::new(None),
        })
    }

    async fn connect(&self) -> Result<(Connection, Channel), String> {
        let properties = ConnectionProperties::default()
            .with_executor(tokio_executor_trait::Tokio::current())
            .with_reactor(tokio_reactor_trait::Tokio::current());
        let connection = Connection::connect(&self.url, properties)
            .await
            .map_err(|e| format!("AMQP connect: {e}"))?;
        let channel = connection
            .create_channel()
            .await
            .map_err(|e| format!("AMQP channel: {e}"))?;
        if !self.exchange.is_empty() {
            // Passive: the exchange must exist, as the official module checks.
            let options = ExchangeDeclareOptions {
                passive: true,
                ..Default::default()
            };
            channel
                .exchange_declare(
                    self.exchange.as_str(),
                    ExchangeKind::Topic,
                    options,
                    FieldTable::default(),
                )
                .await
                .map_err(|e| format!("AMQP exchange '{}' does not exist: {e}", self.exchange))?;
        }
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .map_err(|e| format!("AMQP confirm mode: {e}"))?;
        Ok((connection, channel))
    }

    async fn publish_inner(&self, namespace: &str, payload: &[u8]) -> Result<(), String> {
        let mut guard = self.channel.lock().await;
        let channel = match guard.as_ref() {
            Some((_, channel)) if channel.status().connected() => channel.clone(),
            _ => {
                let (connection, channel) = self.connect().await?;
                *guard = Some((connection, channel.clone()));
                channel
            }
        };
        let result = async {
            let confirm = channel
                .basic_publish(
                    self.exchange.as_str(),
                    namespace,
                    BasicPublishOptions::default(),
                    payload,
                    BasicProperties::default().with_content_type("application/json".into()),
                )
                .await
                .map_err(|e| format!("AMQP publish: {e}"))?;
            let confirmation = confirm.await.map_err(|e| format!("AMQP confirm: {e}"))?;
            if confirmation.is_nack() {
                Err("AMQP broker refused the message".to_owned())
            } else {
                Ok(())
            }
        }
        .await;
        if result.is_err() {
            *guard = None;
        }
        result
    }
}

#[async_trait]
impl BrokerClient for AmqpBroker {
    async fn publish(&self, namespace: &str, payload: &[u8]) -> Result<(), String> {
        tokio::time::timeout(self.timeout, self.publish_inner(namespace, payload))
            .await
            .map_err(|_| format!("AMQP publish timed out after {:?}", self.timeout))?
    }
}
