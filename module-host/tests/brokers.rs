//! The built-in messageBrokerPublisher module against the real brokers on this machine: every
//! event arrives on every broker with the official payload and topic. The brokers are where
//! `scripts/services.sh` put them: `CONNECTOR_TEST_{AMQP,MQTT,REDIS,NATS}` (`host:port`), by
//! default the standard loopback ports (RabbitMQ 5672, Mosquitto 1883, Redis 6379, NATS 4222).

mod common;

use common::*;
use futures_util::StreamExt;
use module_host::Event;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

type Inbox = Arc<Mutex<Vec<(String, Value)>>>;

/// `host:port` of a broker: from the environment, else the standard loopback port.
fn broker(name: &str, standard_port: u16) -> String {
    std::env::var(format!("CONNECTOR_TEST_{name}"))
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| format!("127.0.0.1:{standard_port}"))
}

fn amqp() -> String {
    broker("AMQP", 5672)
}
fn mqtt() -> String {
    broker("MQTT", 1883)
}
fn redis_address() -> String {
    broker("REDIS", 6379)
}
fn nats() -> String {
    broker("NATS", 4222)
}

fn push(inbox: &Inbox, topic: &str, payload: &[u8]) {
    let value = serde_json::from_slice(payload).unwrap_or(Value::Null);
    inbox.lock().unwrap().push((topic.to_owned(), value));
}

async fn amqp_consumer(inbox: Inbox) {
    use lapin::options::{BasicConsumeOptions, QueueBindOptions, QueueDeclareOptions};
    use lapin::types::FieldTable;
    let properties = lapin::ConnectionProperties::default()
        .with_executor(tokio_executor_trait::Tokio::current())
        .with_reactor(tokio_reactor_trait::Tokio::current());
    let connection =
        lapin::Connection::connect(&format!("amqp://guest:guest@{}/%2f", amqp()), properties)
            .await
            .unwrap();
    let channel = connection.create_channel().await.unwrap();
    let options = QueueDeclareOptions {
        exclusive: true,
        auto_delete: true,
        ..Default::default()
    };
    let queue = channel
        .queue_declare("", options, FieldTable::default())
        .await
        .unwrap();
    channel
        .queue_bind(
            queue.name().as_str(),
            "amq.topic",
            "#",
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    let mut consumer = channel
        .basic_consume(
            queue.name().as_str(),
            "test",
            BasicConsumeOptions {
                no_ack: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap();
    tokio::spawn(async move {
        let _keep = connection;
        while let Some(Ok(delivery)) = consumer.next().await {
            push(&inbox, delivery.routing_key.as_str(), &delivery.data);
        }
    });
}

async fn mqtt_consumer(inbox: Inbox) {
    let address = mqtt();
    let (host, port) = address.rsplit_once(':').unwrap();
    let mut options = rumqttc::MqttOptions::new(
        format!("test-consumer-{}", std::process::id()),
        host,
        port.parse().unwrap(),
    );
    options.set_keep_alive(Duration::from_secs(30));
    let (client, mut eventloop) = rumqttc::AsyncClient::new(options, 64);
    client
        .subscribe("transport/#", rumqttc::QoS::AtLeastOnce)
        .await
        .unwrap();
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
    let mut ready_tx = Some(ready_tx);
    tokio::spawn(async move {
        let _keep = client;
        loop {
            match eventloop.poll().await {
                Ok(rumqttc::Event::Incoming(rumqttc::Packet::SubAck(_))) => {
                    if let Some(tx) = ready_tx.take() {
                        let _ = tx.send(());
                    }
                }
                Ok(rumqttc::Event::Incoming(rumqttc::Packet::Publish(p))) => {
                    push(&inbox, &p.topic, &p.payload)
                }
                Ok(_) => {}
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    });
    ready_rx.await.unwrap();
}

async fn redis_consumer(inbox: Inbox) {
    let client = redis::Client::open(format!("redis://{}", redis_address())).unwrap();
    let mut pubsub = client.get_async_pubsub().await.unwrap();
    pubsub.psubscribe("transport.*").await.unwrap();
    tokio::spawn(async move {
        let mut messages = pubsub.into_on_message();
        while let Some(message) = messages.next().await {
            push(
                &inbox,
                message.get_channel_name(),
                message.get_payload_bytes(),
            );
        }
    });
}

async fn nats_consumer(inbox: Inbox) {
    let client = async_nats::connect(nats()).await.unwrap();
    let mut subscriber = client.subscribe("transport.>").await.unwrap();
    client.flush().await.unwrap();
    tokio::spawn(async move {
        let _keep = client;
        while let Some(message) = subscriber.next().await {
            push(&inbox, message.subject.as_str(), &message.payload);
        }
    });
}

#[tokio::test]
async fn every_event_reaches_amqp_mqtt_redis_and_nats() {
    let inboxes: [Inbox; 4] = Default::default();
    amqp_consumer(inboxes[0].clone()).await;
    mqtt_consumer(inboxes[1].clone()).await;
    redis_consumer(inboxes[2].clone()).await;
    nats_consumer(inboxes[3].clone()).await;

    let dir = tempfile::tempdir().unwrap();
    let config = json!({
        "messageBrokerPublisher": {
            "enabled": true,
            "brokers": [
                {"type": "AMQP", "configuration": {"url": format!("amqp://guest:guest@{}", amqp()), "exchange": "amq.topic"}},
                {"type": "MQTT", "configuration": {"url": format!("mqtt://{}", mqtt())}},
                {"type": "Redis", "configuration": {"url": format!("redis://{}", redis_address())}},
                {"type": "NATS", "configuration": {"url": format!("nats://{}", nats())}}
            ]
        }
    });
    let host = start_host(config, sqlite_store(dir.path()).await, TestApi::new()).await;
    // A per-run id keeps runs on a shared broker apart.
    let run = format!("{}-{}", std::process::id(), rand_suffix());
    host.publish(Event::new(
        "transport.messageReceived",
        json!({"id": "MSG1", "run": run}),
    ))
    .await
    .unwrap();
    host.publish(Event::new(
        "transport.relationshipChanged",
        json!({"id": "REL1", "run": run}),
    ))
    .await
    .unwrap();
    host.publish(Event::new("transport.datawalletSynchronized", Value::Null))
        .await
        .unwrap();

    let ours = |inbox: &Inbox| -> Vec<(String, Value)> {
        inbox
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, v)| v["run"] == run || *v == json!({}))
            .cloned()
            .collect()
    };
    let all_arrived = wait_until(Duration::from_secs(15), || {
        inboxes.iter().all(|i| ours(i).len() >= 3)
    })
    .await;
    assert!(
        all_arrived,
        "{:?}",
        inboxes.iter().map(ours).collect::<Vec<_>>()
    );

    let expected = |separator: &str| {
        vec![
            (
                format!("transport{separator}messageReceived"),
                json!({"id": "MSG1", "run": run}),
            ),
            (
                format!("transport{separator}relationshipChanged"),
                json!({"id": "REL1", "run": run}),
            ),
            (
                format!("transport{separator}datawalletSynchronized"),
                json!({}),
            ),
        ]
    };
    assert_eq!(
        ours(&inboxes[0]),
        expected("."),
        "AMQP: routing key = event name"
    );
    assert_eq!(ours(&inboxes[1]), expected("/"), "MQTT: topic with / for .");
    assert_eq!(
        ours(&inboxes[2]),
        expected("."),
        "Redis: channel = event name"
    );
    assert_eq!(
        ours(&inboxes[3]),
        expected("."),
        "NATS: subject = event name"
    );
    assert!(host.health().await[0].healthy);
    host.shutdown().await;
}

#[tokio::test]
async fn an_unreachable_broker_holds_events_instead_of_dropping_them() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on port 1.
    let config = json!({
        "messageBrokerPublisher": {
            "enabled": true,
            "brokers": [{"type": "NATS", "configuration": {"url": "nats://127.0.0.1:1"}}],
            "limits": {"timeoutMs": 2000},
            "delivery": {"initialBackoffMs": 20, "maxBackoffMs": 50, "maxAttempts": 1}
        }
    });
    let host = start_host(config, sqlite_store(dir.path()).await, TestApi::new()).await;
    host.publish(Event::new("transport.messageSent", json!({"id": "MSG1"})))
        .await
        .unwrap();
    let unhealthy = wait_until(Duration::from_secs(20), || {
        futures_util::FutureExt::now_or_never(host.health()).is_some_and(|h| !h[0].healthy)
    })
    .await;
    let health = host.health().await;
    assert!(unhealthy, "{health:?}");
    assert_eq!(
        health[0].dead_letters, 0,
        "a broker that is down is retried, never given up"
    );
    assert_eq!(health[0].pending, 1);
    assert!(
        health[0]
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("NATS"),
        "{health:?}"
    );
    host.shutdown().await;
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}
