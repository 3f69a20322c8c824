//! A module host process is killed with SIGKILL while it delivers webhooks, then restarted on
//! the same SQLite file: every published event reaches the receiver at least once.
//!
//! The child process is this test binary itself, running the ignored `crash_child` test.

mod common;

use common::*;
use module_host::Event;
use serde_json::json;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const EVENTS: u64 = 200;
const CHILD_DIR: &str = "MODULE_HOST_CRASH_DIR";
const CHILD_PORT: &str = "MODULE_HOST_CRASH_PORT";
const CHILD_PUBLISH: &str = "MODULE_HOST_CRASH_PUBLISH";

/// Kills the child when dropped, so a failing assertion never leaves it running.
struct ChildGuard(Child);

impl ChildGuard {
    fn kill_9(&mut self) {
        self.0.kill().unwrap(); // SIGKILL on Unix
        self.0.wait().unwrap();
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn_child(
    dir: &Path,
    port: u16,
    publish: bool,
) -> (ChildGuard, std::sync::mpsc::Receiver<String>) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "crash_child",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_DIR, dir)
        .env(CHILD_PORT, port.to_string())
        .env(CHILD_PUBLISH, if publish { "1" } else { "0" })
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    (ChildGuard(child), rx)
}

fn wait_for_line(lines: &std::sync::mpsc::Receiver<String>, wanted: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while std::time::Instant::now() < deadline {
        if let Ok(line) = lines.recv_timeout(Duration::from_millis(100))
            // libtest prints `test crash_child ... ` without a newline before the child's output.
            && line.trim().ends_with(wanted)
        {
            return;
        }
    }
    panic!("the child never printed '{wanted}'");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_is_delivered_after_a_kill_9_during_delivery() {
    wasm_dir();
    let dir = tempfile::tempdir().unwrap();
    let receiver = Receiver::start().await;

    let (mut child, lines) = spawn_child(dir.path(), receiver.port, true);
    wait_for_line(&lines, "published");
    // Kill while deliveries are in flight (the receiver takes 20 ms per event).
    let started = wait_until(Duration::from_secs(30), || receiver.count() >= 20).await;
    assert!(started, "delivery started before the kill");
    child.kill_9();
    let before_restart = receiver.count();
    assert!(
        (before_restart as u64) < EVENTS,
        "the kill came before delivery finished ({before_restart})"
    );

    let (mut child, lines) = spawn_child(dir.path(), receiver.port, false);
    wait_for_line(&lines, "started");
    let seen = || {
        receiver
            .received()
            .iter()
            .map(|r| r.body["data"]["n"].as_u64().unwrap())
            .collect::<BTreeSet<_>>()
    };
    let complete = wait_until(Duration::from_secs(60), || seen().len() as u64 == EVENTS).await;
    child.kill_9();
    assert!(
        complete,
        "missing events: {:?}",
        (0..EVENTS)
            .filter(|n| !seen().contains(n))
            .collect::<Vec<_>>()
    );
    // At least once: a few events around the kill may arrive twice, never more than the
    // cursor batch.
    let duplicates = receiver.count() as u64 - EVENTS;
    assert!(duplicates <= 64, "{duplicates} duplicates");
}

/// The child process: a module host with the webhooks module on the given SQLite folder.
#[test]
#[ignore = "run by every_event_is_delivered_after_a_kill_9_during_delivery as its child process"]
fn crash_child() {
    let (Ok(dir), Ok(port)) = (std::env::var(CHILD_DIR), std::env::var(CHILD_PORT)) else {
        panic!("crash_child only runs as the child of the crash test");
    };
    let publish = std::env::var(CHILD_PUBLISH).as_deref() == Ok("1");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let store = sqlite_store(Path::new(&dir)).await;
        let config = json!({"webhooks": {
            "enabled": true,
            "webhooks": [{"triggers": ["**"], "target": {"url": format!("http://127.0.0.1:{port}/slow/{{{{trigger}}}}")}}],
            // This test is about the kill: a call that traps on a loaded machine must be retried,
            // not dead-lettered, or "every event arrives" would depend on the machine's load.
            "delivery": {"maxAttempts": 1000, "initialBackoffMs": 10, "maxBackoffMs": 200}
        }});
        let host = start_host(config, store, TestApi::new()).await;
        println!("started");
        if publish {
            for n in 0..EVENTS {
                host.publish(Event::new("transport.messageReceived", json!({"n": n}))).await.unwrap();
            }
            println!("published");
        }
        std::future::pending::<()>().await;
    });
}
