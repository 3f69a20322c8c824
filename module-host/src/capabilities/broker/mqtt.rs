//! MQTT 3.1.1: topic = event name with `/` for `.`, QoS 1. `publish` waits for the broker's
//! PUBACK of exactly this message (publishes are serialized, so the next packet id sent is
//! ours).

use super::BrokerClient;
use async_trait::async_trait;
use rumqttc::{AsyncClient, Event, EventLoop, MqttOptions, Outgoing, Packet, QoS};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::{Mutex, mpsc};
use tokio::task::JoinHandle;

const ACK_TIMEOUT: Duration = Duration::from_secs(5);

enum Notice {
    Sent(u16),
    Acked(u16),
    Failed(String),
}

struct Session {
    client: AsyncClient,
    notices: mpsc::UnboundedReceiver<Notice>,
    driver: JoinHandle<()>,
}

impl Drop for Session {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

pub struct MqttBroker {
    options: MqttOptions,
    session: Mutex<Option<Session>>,
}

impl MqttBroker {
    pub fn new(url: &str, module: &str) -> Result<Self, String> {
        let parsed = url::Url::parse(url).map_err(|e| format!("invalid MQTT URL '{url}': {e}"))?;
        if !matches!(parsed.scheme(), "mqtt" | "tcp") {
            return Err(format!(
                "MQTT scheme '{}' is not supported (mqtt://, tcp://)",
                parsed.scheme()
            ));
        }
        let host = parsed
            .host_str()
            .ok_or_else(|| format!("MQTT URL '{url}' has no host"))?;
        let nonce = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let mut options = MqttOptions::new(
            format!("connector-{module}-{nonce:x}"),
            host,
            parsed.port().unwrap_or(1883),
        );
        options.set_keep_alive(Duration::from_secs(30));
        if !parsed.username().is_empty() {
            options.set_credentials(parsed.username(), parsed.password().unwrap_or_default());
        }
        Ok(Self {
            options,
            session: Mutex::new(None),
        })
    }

    fn connect(&self) -> Session {
        let (client, eventloop) = AsyncClient::new(self.options.clone(), 16);
        let (tx, notices) = mpsc::unbounded_channel();
        let driver = tokio::spawn(drive(eventloop, tx));
        Session {
            client,
            notices,
            driver,
        }
    }
}

async fn drive(mut eventloop: EventLoop, tx: mpsc::UnboundedSender<Notice>) {
    loop {
        let notice = match eventloop.poll().await {
            Ok(Event::Outgoing(Outgoing::Publish(pkid))) => Notice::Sent(pkid),
            Ok(Event::Incoming(Packet::PubAck(ack))) => Notice::Acked(ack.pkid),
            Ok(_) => continue,
            Err(e) => {
                let _ = tx.send(Notice::Failed(e.to_string()));
                return;
            }
        };
        if tx.send(notice).is_err() {
            return;
        }
    }
}

async fn publish_on(session: &mut Session, topic: String, payload: &[u8]) -> Result<(), String> {
    while session.notices.try_recv().is_ok() {}
    session
        .client
        .publish(topic, QoS::AtLeastOnce, false, payload.to_vec())
        .await
        .map_err(|e| format!("MQTT publish: {e}"))?;
    let mut pkid = None;
    loop {
        match session.notices.recv().await {
            Some(Notice::Sent(id)) if pkid.is_none() => pkid = Some(id),
            Some(Notice::Acked(id)) if Some(id) == pkid => return Ok(()),
            Some(Notice::Failed(e)) => return Err(format!("MQTT connection: {e}")),
            None => return Err("MQTT connection closed".into()),
            Some(_) => {}
        }
    }
}

#[async_trait]
impl BrokerClient for MqttBroker {
    async fn publish(&self, namespace: &str, payload: &[u8]) -> Result<(), String> {
        let mut guard = self.session.lock().await;
        let session = guard.get_or_insert_with(|| self.connect());
        let result = tokio::time::timeout(
            ACK_TIMEOUT,
            publish_on(session, namespace.replace('.', "/"), payload),
        )
        .await
        .unwrap_or_else(|_| Err("MQTT broker did not acknowledge in time".into()));
        if result.is_err() {
            *guard = None;
        }
        result
    }
}
