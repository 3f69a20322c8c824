//! The official `@nmshd/runtime` 7.0.0 (the Enmeshed App's engine) as a peer on our local
//! Backbone: one Node process per identity (`interop/runtime/peer.mjs`) driven over its stdin
//! and stdout line protocol. Any runtime use case is one [`RuntimePeer::call`]; every event its
//! event bus published is readable by index. Needs Node 20 and `npm ci` in `interop/`; a
//! missing runtime package fails the test, it never skips it.

use super::Backbone;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
use tokio::sync::oneshot;

/// How long a command may take before the peer counts as hung (a `waitEvent` gets its own
/// timeout on top).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);
/// How long [`RuntimePeer::wait_event`] waits for an event.
pub const EVENT_TIMEOUT: Duration = Duration::from_secs(60);
/// Stderr lines kept for the panic message when the peer misbehaves.
const STDERR_KEPT: usize = 200;

/// A failed use case: the runtime's error `(code, message)`.
pub type PeerError = (String, String);

/// One event of the runtime's event bus, as the Connector's webhooks module would post it.
#[derive(Debug, Clone, Deserialize)]
pub struct RuntimeEvent {
    pub namespace: String,
    /// The event's data as JSON (`null` for events without data).
    pub data: Value,
}

#[derive(Deserialize)]
struct Answer {
    id: Option<u64>,
    #[serde(default)]
    ok: Option<Value>,
    #[serde(default)]
    error: Option<AnswerError>,
}

#[derive(Deserialize)]
struct AnswerError {
    code: String,
    message: String,
}

#[derive(Deserialize)]
struct EventPage {
    events: Vec<RuntimeEvent>,
    next: usize,
}

#[derive(Deserialize)]
struct FoundEvent {
    event: RuntimeEvent,
    index: usize,
}

type Pending = Arc<Mutex<HashMap<u64, oneshot::Sender<Result<Value, PeerError>>>>>;

/// One official runtime with its own identity; the process is killed when this is dropped.
pub struct RuntimePeer {
    name: String,
    address: String,
    _child: tokio::process::Child,
    stdin: tokio::sync::Mutex<tokio::process::ChildStdin>,
    pending: Pending,
    next_id: AtomicU64,
    stderr: Arc<Mutex<VecDeque<String>>>,
}

/// `interop/`, with the official runtime installed.
fn interop_dir() -> PathBuf {
    let interop = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../interop");
    assert!(
        interop.join("node_modules/@nmshd/runtime").exists(),
        "the official runtime is not installed: run `npm ci --prefix interop` first ({} is missing)",
        interop.join("node_modules/@nmshd/runtime").display()
    );
    interop
}

impl RuntimePeer {
    /// A runtime with the modules the official Connector runs (request, decider without
    /// automation, notification).
    pub async fn start(backbone: &Backbone) -> Self {
        Self::start_with(backbone, "runtime", json!({})).await
    }

    /// `name` labels its messages; `modules` is merged over the Connector's module
    /// configuration per module, e.g. `{"decider": {"automationConfig": [...]}}`.
    pub async fn start_with(backbone: &Backbone, name: &str, modules: Value) -> Self {
        let script = interop_dir().join("runtime/peer.mjs");
        let mut child = tokio::process::Command::new("node")
            .arg(&script)
            .arg(backbone.base_url())
            .arg("--modules")
            .arg(modules.to_string())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("node must be installed");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let stderr_pipe = child.stderr.take().unwrap();

        let stderr: Arc<Mutex<VecDeque<String>>> = Arc::default();
        let echo = std::env::var_os("RUNTIME_PEER_LOG").is_some();
        let (kept, label) = (stderr.clone(), name.to_owned());
        tokio::spawn(async move {
            let mut lines = tokio::io::BufReader::new(stderr_pipe).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if echo {
                    eprintln!("[{label}] {line}");
                }
                let mut kept = kept.lock().unwrap();
                if kept.len() == STDERR_KEPT {
                    kept.pop_front();
                }
                kept.push_back(line);
            }
        });

        let pending: Pending = Arc::default();
        let (ready_tx, ready_rx) = oneshot::channel::<String>();
        let (answers, kept) = (pending.clone(), stderr.clone());
        tokio::spawn(async move {
            let mut ready = Some(ready_tx);
            let mut lines = tokio::io::BufReader::new(stdout).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(address) = line.strip_prefix("READY ") {
                    if let Some(ready) = ready.take() {
                        let _ = ready.send(address.trim().to_owned());
                    }
                    continue;
                }
                let Ok(answer) = serde_json::from_str::<Answer>(&line) else {
                    kept.lock().unwrap().push_back(format!("(stdout) {line}"));
                    continue;
                };
                let result = match (answer.ok, answer.error) {
                    (_, Some(e)) => Err((e.code, e.message)),
                    (ok, None) => Ok(ok.unwrap_or(Value::Null)),
                };
                let waiter = answer.id.and_then(|id| answers.lock().unwrap().remove(&id));
                match waiter {
                    Some(waiter) => {
                        let _ = waiter.send(result);
                    }
                    None => kept
                        .lock()
                        .unwrap()
                        .push_back(format!("(unpaired answer) {line}")),
                }
            }
            // The process is gone: every waiting command learns it from its dropped sender.
            answers.lock().unwrap().clear();
        });

        let address = match tokio::time::timeout(Duration::from_secs(90), ready_rx).await {
            Ok(Ok(address)) => address,
            Ok(Err(_)) => panic!(
                "the official runtime '{name}' exited before it was ready:\n{}",
                tail(&stderr)
            ),
            Err(_) => panic!(
                "the official runtime '{name}' was not ready within 90 s:\n{}",
                tail(&stderr)
            ),
        };
        assert!(
            address.starts_with("did:e:localhost:dids:"),
            "unexpected address {address}"
        );
        Self {
            name: name.to_owned(),
            address,
            _child: child,
            stdin: tokio::sync::Mutex::new(stdin),
            pending,
            next_id: AtomicU64::new(1),
            stderr,
        }
    }

    /// The identity's address, `did:e:localhost:dids:…`.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Sends one command and waits for its answer.
    async fn command(&self, mut command: Value, within: Duration) -> Result<Value, PeerError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        command["id"] = json!(id);
        let (tx, rx) = oneshot::channel();
        self.pending.lock().unwrap().insert(id, tx);
        let mut line = command.to_string();
        line.push('\n');
        {
            let mut stdin = self.stdin.lock().await;
            if let Err(e) = stdin.write_all(line.as_bytes()).await {
                panic!(
                    "the official runtime '{}' does not take commands ({e}):\n{}",
                    self.name,
                    tail(&self.stderr)
                );
            }
            stdin.flush().await.unwrap();
        }
        match tokio::time::timeout(within, rx).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => panic!(
                "the official runtime '{}' exited during {command}:\n{}",
                self.name,
                tail(&self.stderr)
            ),
            Err(_) => panic!(
                "the official runtime '{}' did not answer {command} within {within:?}:\n{}",
                self.name,
                tail(&self.stderr)
            ),
        }
    }

    /// Calls a use case through its facade: `service` is `transportServices.messages`,
    /// `consumptionServices.incomingRequests`, `anonymousServices.tokens`, ...; `args` is its
    /// request (`Null` for a use case without one). The Result's value, or its error.
    pub async fn call(&self, service: &str, method: &str, args: Value) -> Result<Value, PeerError> {
        let mut command = json!({"cmd": "call", "service": service, "method": method});
        if !args.is_null() {
            command["args"] = args;
        }
        self.command(command, COMMAND_TIMEOUT).await
    }

    /// [`call`](Self::call) that must succeed.
    pub async fn ok(&self, service: &str, method: &str, args: Value) -> Value {
        match self.call(service, method, args.clone()).await {
            Ok(value) => value,
            Err((code, message)) => panic!(
                "{} {service}.{method}({args}) failed: {code}: {message}",
                self.name
            ),
        }
    }

    /// `transportServices.account.syncEverything()`; its value.
    pub async fn sync(&self) -> Value {
        self.command(json!({"cmd": "sync"}), COMMAND_TIMEOUT)
            .await
            .unwrap_or_else(|(code, message)| {
                panic!("{} sync failed: {code}: {message}", self.name)
            })
    }

    /// Every event published from index `since` on, and the index after the last.
    pub async fn events_since(&self, since: usize) -> (Vec<RuntimeEvent>, usize) {
        let page = self
            .command(json!({"cmd": "events", "since": since}), COMMAND_TIMEOUT)
            .await
            .unwrap_or_else(|(code, message)| panic!("{code}: {message}"));
        let page: EventPage = serde_json::from_value(page).unwrap();
        (page.events, page.next)
    }

    /// The first event in `namespace` from index `since` on and its index, syncing every
    /// 300 ms while waiting when `sync` is true; panics after [`EVENT_TIMEOUT`].
    pub async fn wait_event(
        &self,
        namespace: &str,
        since: usize,
        sync: bool,
    ) -> (RuntimeEvent, usize) {
        self.wait_event_where(namespace, since, sync, Value::Null)
            .await
    }

    /// [`wait_event`](Self::wait_event) for an event whose data contains `pattern` (each field
    /// of the pattern, recursively; `Null` for any), e.g. `{"newStatus": "Completed"}`.
    pub async fn wait_event_where(
        &self,
        namespace: &str,
        since: usize,
        sync: bool,
        pattern: Value,
    ) -> (RuntimeEvent, usize) {
        let mut command = json!({
            "cmd": "waitEvent",
            "namespace": namespace,
            "since": since,
            "sync": sync,
            "timeoutMs": EVENT_TIMEOUT.as_millis() as u64,
        });
        if !pattern.is_null() {
            command["where"] = pattern;
        }
        let found = self
            .command(command, EVENT_TIMEOUT + COMMAND_TIMEOUT)
            .await
            .unwrap_or_else(|(code, message)| {
                panic!(
                    "{} waited for {namespace} in vain: {code}: {message}\n{}",
                    self.name,
                    tail(&self.stderr)
                )
            });
        let found: FoundEvent = serde_json::from_value(found).unwrap();
        (found.event, found.index)
    }

    /// Syncs until `check` yields a value; panics after [`EVENT_TIMEOUT`] with `what`.
    pub async fn sync_until<F, Fut, T>(&self, what: &str, mut check: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Option<T>>,
    {
        let deadline = tokio::time::Instant::now() + EVENT_TIMEOUT;
        loop {
            self.sync().await;
            if let Some(value) = check().await {
                return value;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{} timed out waiting for {what}",
                self.name
            );
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }

    /// Stops the runtime cleanly (dropping kills it instead).
    pub async fn stop(self) {
        let _ = self.command(json!({"cmd": "stop"}), COMMAND_TIMEOUT).await;
    }
}

fn tail(stderr: &Mutex<VecDeque<String>>) -> String {
    let kept = stderr.lock().unwrap();
    if kept.is_empty() {
        return "(nothing on stderr)".to_owned();
    }
    kept.iter().cloned().collect::<Vec<_>>().join("\n")
}
