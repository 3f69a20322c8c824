//! NATS: subject = event name. `flush` after publishing waits for the server's answer, so a
//! returned `Ok` means the server has the message.

use super::BrokerClient;
use async_trait::async_trait;
use tokio::sync::Mutex;

pub struct NatsBroker {
    url: String,
    client: Mutex<Option<async_nats::Client>>,
}

impl NatsBroker {
    pub fn new(url: String) -> Self {
        Self {
            url,
            client: Mutex::new(None),
        }
    }
}

#[async_trait]
impl BrokerClient for NatsBroker {
    async fn publish(&self, namespace: &str, payload: &[u8]) -> Result<(), String> {
        let mut guard = self.client.lock().await;
        let client = match guard.as_ref() {
            Some(client) => client.clone(),
            None => {
                let client = async_nats::connect(self.url.as_str())
                    .await
                    .map_err(|e| format!("NATS connect: {e}"))?;
                *guard = Some(client.clone());
                client
            }
        };
        let result = async {
            client
                .publish(namespace.to_owned(), payload.to_vec().into())
                .await
                .map_err(|e| format!("NATS publish: {e}"))?;
            client.flush().await.map_err(|e| format!("NATS flush: {e}"))
        }
        .await;
        if result.is_err() {
            *guard = None;
        }
        result
    }
}
