//! Redis: `PUBLISH <event name> <payload>`.

use super::BrokerClient;
use async_trait::async_trait;
use redis::aio::MultiplexedConnection;
use tokio::sync::Mutex;

pub struct RedisBroker {
    client: redis::Client,
    connection: Mutex<Option<MultiplexedConnection>>,
}

impl RedisBroker {
    pub fn new(url: &str) -> Result<Self, String> {
        let client = redis::Client::open(url).map_err(|e| format!("invalid Redis URL: {e}"))?;
        Ok(Self {
            client,
            connection: Mutex::new(None),
        })
    }
}

#[async_trait]
impl BrokerClient for RedisBroker {
    async fn publish(&self, namespace: &str, payload: &[u8]) -> Result<(), String> {
        let mut guard = self.connection.lock().await;
        let mut connection = match guard.as_ref() {
            Some(connection) => connection.clone(),
            None => {
                let connection = self
                    .client
                    .get_multiplexed_async_connection()
                    .await
                    .map_err(|e| format!("Redis connect: {e}"))?;
                *guard = Some(connection.clone());
                connection
            }
        };
        let result: Result<i64, _> = redis::cmd("PUBLISH")
            .arg(namespace)
            .arg(payload)
            .query_async(&mut connection)
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) => {
                *guard = None;
                Err(format!("Redis publish: {e}"))
            }
        }
    }
}
