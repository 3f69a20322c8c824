//! The built-in webhooks module against a real loopback receiver: official config, official
//! payload, and no lost events when the target is down.

mod common;

use common::*;
use module_host::Event;
use serde_json::json;
use std::sync::atomic::Ordering;
use std::time::Duration;

#[tokio::test]
async fn every_event_arrives_with_the_official_payload_and_headers() {
    let dir = tempfile::tempdir().unwrap();
    let receiver = Receiver::start().await;
    let config = json!({
        "webhooks": {
            "enabled": true,
            "targets": {
                "all": {"url": receiver.url("/events/{{trigger}}"), "headers": {"x-tenant": "acme"},
                        "authentication": {"type": "ApiKey", "apiKey": "secret-key", "headerName": "x-my-key"}}
            },
            "webhooks": [
                {"triggers": ["**"], "target": "all"},
                {"triggers": ["transport.messageReceived"], "target": {"url": receiver.url("/messages")}}
            ]
        }
    });
    let host = start_host(config, sqlite_store(dir.path()).await, TestApi::new()).await;

    let mut message = Event::new(
        "transport.messageReceived",
        json!({"id": "MSG1", "createdBy": "did:e:a"}),
    );
    message.correlation_id = Some("corr-42".into());
    host.publish(message).await.unwrap();
    host.publish(Event::new(
        "transport.datawalletSynchronized",
        serde_json::Value::Null,
    ))
    .await
    .unwrap();
    host.publish(Event::new(
        "consumption.attributeCreated",
        json!({"id": "ATT1"}),
    ))
    .await
    .unwrap();

    assert!(
        wait_until(Duration::from_secs(10), || receiver.count() == 4).await,
        "got {:?}",
        receiver.received()
    );
    let received = receiver.received();
    let to_all: Vec<_> = received
        .iter()
        .filter(|r| r.path.starts_with("/events/"))
        .collect();
    assert_eq!(
        to_all.iter().map(|r| r.path.as_str()).collect::<Vec<_>>(),
        [
            "/events/transport.messageReceived",
            "/events/transport.datawalletSynchronized",
            "/events/consumption.attributeCreated"
        ],
        "in order, with {{{{trigger}}}} replaced"
    );
    assert_eq!(
        to_all[0].body,
        json!({"trigger": "transport.messageReceived", "data": {"id": "MSG1", "createdBy": "did:e:a"}})
    );
    assert_eq!(
        to_all[1].body,
        json!({"trigger": "transport.datawalletSynchronized"}),
        "no data key without data"
    );
    assert_eq!(to_all[0].headers["x-tenant"], "acme");
    assert_eq!(to_all[0].headers["x-my-key"], "secret-key");
    assert_eq!(to_all[0].headers["x-correlation-id"], "corr-42");
    assert_eq!(to_all[0].headers["content-type"], "application/json");
    assert!(to_all[2].headers.get("x-correlation-id").is_none());

    let messages: Vec<_> = received.iter().filter(|r| r.path == "/messages").collect();
    assert_eq!(
        messages.len(),
        1,
        "the second webhook only matches messageReceived"
    );
    assert_eq!(messages[0].body["data"]["id"], "MSG1");
    assert!(messages[0].headers.get("x-my-key").is_none());
    host.shutdown().await;
}

#[tokio::test]
async fn oauth2_client_credentials_token_is_fetched_once_and_sent() {
    let dir = tempfile::tempdir().unwrap();
    let receiver = Receiver::start().await;
    let config = json!({
        "webhooks": {
            "enabled": true,
            "targets": {"t": {"url": receiver.url("/hook"), "authentication": {
                "type": "OAuth2", "accessTokenUrl": receiver.url("/token"),
                "clientId": "client", "clientSecret": "s3cret", "scope": "hooks write"}}},
            "webhooks": [{"triggers": ["transport.*"], "target": "t"}]
        }
    });
    let host = start_host(config, sqlite_store(dir.path()).await, TestApi::new()).await;
    for i in 0..3 {
        host.publish(Event::new(
            "transport.messageSent",
            json!({"id": format!("MSG{i}")}),
        ))
        .await
        .unwrap();
    }
    host.publish(Event::new(
        "consumption.attributeCreated",
        json!({"id": "not-a-trigger"}),
    ))
    .await
    .unwrap();
    assert!(wait_until(Duration::from_secs(10), || receiver.count() == 3).await);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        receiver.count(),
        3,
        "consumption.* does not match transport.*"
    );
    for r in receiver.received() {
        assert_eq!(r.headers["authorization"], "Bearer token-1");
    }
    let tokens = receiver.token_requests.lock().unwrap().clone();
    assert_eq!(tokens.len(), 1, "the token is cached");
    assert_eq!(
        tokens[0].1,
        "grant_type=client_credentials&scope=hooks+write"
    );
    // base64("client:s3cret")
    assert_eq!(tokens[0].0["authorization"], "Basic Y2xpZW50OnMzY3JldA==");
    host.shutdown().await;
}

#[tokio::test]
async fn a_target_that_is_down_gets_every_event_once_it_is_back() {
    let dir = tempfile::tempdir().unwrap();
    let receiver = Receiver::start().await;
    receiver.failures_left.store(4, Ordering::SeqCst);
    let config = json!({
        "webhooks": {
            "enabled": true,
            "delivery": {"initialBackoffMs": 20, "maxBackoffMs": 100},
            "webhooks": [{"triggers": ["**"], "target": {"url": receiver.url("/fail/x")}}]
        }
    });
    let host = start_host(config, sqlite_store(dir.path()).await, TestApi::new()).await;
    let events: Vec<_> = (0..5)
        .map(|i| Event::new("transport.messageReceived", json!({"n": i})))
        .collect();
    assert_eq!(
        host.publish_all(&events).await.unwrap(),
        Some(5),
        "one durable write for all five"
    );
    assert!(
        wait_until(Duration::from_secs(10), || receiver.count() == 5).await,
        "got {}",
        receiver.count()
    );
    let order: Vec<_> = receiver
        .received()
        .iter()
        .map(|r| r.body["data"]["n"].as_i64().unwrap())
        .collect();
    assert_eq!(order, [0, 1, 2, 3, 4], "nothing lost, in order");
    assert_eq!(receiver.failures_left.load(Ordering::SeqCst), 0);
    let health = host.health().await;
    assert!(
        health[0].healthy,
        "healthy again after the target came back: {health:?}"
    );
    assert_eq!(health[0].name, "webhooks");
    host.shutdown().await;
}

#[tokio::test]
async fn a_target_missing_at_start_is_a_config_error_with_the_official_code() {
    let dir = tempfile::tempdir().unwrap();
    let config: module_host::ModulesConfig = serde_json::from_value(json!({
        "webhooks": {"enabled": true, "webhooks": [{"triggers": ["**"], "target": "nope"}]}
    }))
    .unwrap();
    let services = module_host::HostServices {
        store: sqlite_store(dir.path()).await,
        api: TestApi::new(),
    };
    let error = module_host::ModuleHost::start(&config, options(), services)
        .await
        .err()
        .expect("fails");
    assert!(
        error
            .to_string()
            .contains("error.runtime.modules.webhooks.invalidTargetReference"),
        "{error}"
    );
}
