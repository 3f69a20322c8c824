//! Replacing a module's `.wasm` file reloads it without a restart; a file that does not load
//! leaves the previous version running.

mod common;

use common::*;
use module_host::Event;
use serde_json::json;
use std::path::Path;
use std::time::Duration;

fn replace(path: &Path, bytes: &[u8]) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

#[tokio::test]
async fn a_replaced_wasm_file_is_reloaded_and_retries_run_on_the_new_version() {
    let dir = tempfile::tempdir().unwrap();
    let receiver = Receiver::start().await;
    let module_path = dir.path().join("custom.wasm");
    std::fs::copy(wasm("hostile"), &module_path).unwrap();
    let config = json!({
        "custom": {
            "enabled": true,
            "location": module_path.to_str().unwrap(),
            // Read by the hostile version…
            "mode": "panic",
            // …and by the webhooks version that replaces it.
            "webhooks": [{"triggers": ["**"], "target": {"url": receiver.url("/reloaded")}}],
            "grants": {"http": {"hosts": [format!("127.0.0.1:{}", receiver.port)]}},
            "delivery": {"maxAttempts": 1000, "initialBackoffMs": 50, "maxBackoffMs": 100}
        }
    });
    let host = start_host(config, sqlite_store(dir.path()).await, TestApi::new()).await;
    host.publish(Event::new(
        "transport.messageReceived",
        json!({"id": "MSG1"}),
    ))
    .await
    .unwrap();
    let failing = wait_until(Duration::from_secs(5), || {
        futures_util::FutureExt::now_or_never(host.health())
            .is_some_and(|h| h[0].consecutive_failures >= 2)
    })
    .await;
    assert!(failing, "the first version panics on every event");
    assert_eq!(receiver.count(), 0);

    replace(&module_path, &std::fs::read(wasm("webhooks")).unwrap());
    assert!(
        wait_until(Duration::from_secs(10), || receiver.count() == 1).await,
        "the retried event went out"
    );
    assert_eq!(receiver.received()[0].body["data"]["id"], "MSG1");
    assert_eq!(host.health().await[0].dead_letters, 0);

    replace(&module_path, b"not a component");
    let noticed = wait_until(Duration::from_secs(5), || {
        futures_util::FutureExt::now_or_never(host.health()).is_some_and(|h| {
            h[0].last_error
                .as_deref()
                .is_some_and(|e| e.contains("reload failed"))
        })
    })
    .await;
    assert!(noticed, "{:?}", host.health().await);
    host.publish(Event::new(
        "transport.messageReceived",
        json!({"id": "MSG2"}),
    ))
    .await
    .unwrap();
    assert!(
        wait_until(Duration::from_secs(10), || receiver.count() == 2).await,
        "the previous version still runs"
    );
    host.shutdown().await;
}
