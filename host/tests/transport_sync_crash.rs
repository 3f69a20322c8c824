//! External events are processed idempotently across hard crashes: the real `connector` binary
//! is killed with SIGKILL at chosen points of a sync (before any event, between two messages,
//! inside one message, after every event was written but before the Backbone heard of it) and
//! restarted on the same SQLite folder; in the end it holds every message, relationship change
//! and attachment exactly once.
//!
//! The crash points are exact, not timed: the binary reaches the Backbone through a forwarding
//! proxy on loopback that, when armed, stops at one request (never forwarding it) and tells the
//! test, which then kills the process. The proxy also records what each sync run delivered, so
//! the test can show that events of a killed run really came back and were only acknowledged.

mod common;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::Response;
use common::{API_KEY, binary};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;

const BIN: &str = env!("CARGO_BIN_EXE_connector");
/// Messages per round: the Backbone's default quota of unreceived messages per sender.
const ROUND: usize = 20;
const ROUNDS: usize = 3;
/// Long enough for any step of this test on a busy machine; a hang fails instead of blocking.
const STEP_TIMEOUT: Duration = Duration::from_secs(30);

// ---------------------------------------------------------------------------------------------
// The proxy between the binary and the Backbone.

/// A request the proxy can stop at.
#[derive(Clone, Copy, Debug)]
enum Point {
    /// `GET /api/v2/SyncRuns/{id}/ExternalEvents`: the run is open, nothing processed yet.
    EventsList,
    /// `GET /api/v2/Messages/{id}`: the start of one message's processing.
    MessageFetch,
    /// `GET /api/v2/Files/{id}/metadata`: inside a message's processing (its attachment).
    FileMetadata,
    /// `PUT /api/v2/SyncRuns/{id}/FinalizeExternalEventSync`: every event handled locally.
    Finalize,
}

impl Point {
    fn matches(self, method: &Method, path: &str) -> bool {
        let get = method == Method::GET;
        match self {
            Point::EventsList => {
                get && path.starts_with("/api/v2/SyncRuns/") && path.ends_with("/ExternalEvents")
            }
            Point::MessageFetch => path
                .strip_prefix("/api/v2/Messages/")
                .is_some_and(|rest| get && !rest.is_empty() && !rest.contains('/')),
            Point::FileMetadata => {
                get && path.starts_with("/api/v2/Files/") && path.ends_with("/metadata")
            }
            Point::Finalize => {
                method == Method::PUT && path.ends_with("/FinalizeExternalEventSync")
            }
        }
    }
}

struct Hold {
    point: Point,
    /// Matching requests still to forward before stopping.
    skip: usize,
    reached: oneshot::Sender<String>,
}

/// One external event as a sync run handed it out.
#[derive(Clone, Debug)]
struct Delivery {
    run: String,
    id: String,
    kind: String,
    sync_error_count: u64,
    payload: Value,
}

struct ProxyState {
    upstream: String,
    http: reqwest::Client,
    hold: Mutex<Option<Hold>>,
    deliveries: Mutex<Vec<Delivery>>,
}

struct Proxy {
    state: Arc<ProxyState>,
    base_url: String,
}

impl Proxy {
    async fn start(upstream: String) -> Self {
        let state = Arc::new(ProxyState {
            upstream,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            hold: Mutex::new(None),
            deliveries: Mutex::new(Vec::new()),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let app = axum::Router::new()
            .fallback(forward)
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { state, base_url }
    }

    /// Stops at the `nth` (1-based) request matching `point` from now on; the receiver yields
    /// its path once a request is held there.
    fn arm(&self, point: Point, nth: usize) -> oneshot::Receiver<String> {
        let (reached, rx) = oneshot::channel();
        let mut hold = self.state.hold.lock().unwrap();
        assert!(hold.is_none(), "a hold is still armed");
        *hold = Some(Hold {
            point,
            skip: nth - 1,
            reached,
        });
        rx
    }

    fn delivery_count(&self) -> usize {
        self.state.deliveries.lock().unwrap().len()
    }

    fn deliveries_since(&self, mark: usize) -> Vec<Delivery> {
        self.state.deliveries.lock().unwrap()[mark..].to_vec()
    }
}

/// Forwards a request to the Backbone unchanged, unless it is the armed hold: that one is never
/// forwarded and never answered (the process that sent it is about to be killed).
async fn forward(State(proxy): State<Arc<ProxyState>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    let held = {
        let mut hold = proxy.hold.lock().unwrap();
        match hold.as_mut() {
            Some(h) if h.point.matches(&parts.method, &path) => {
                if h.skip == 0 {
                    hold.take().map(|h| h.reached)
                } else {
                    h.skip -= 1;
                    None
                }
            }
            _ => None,
        }
    };
    if let Some(reached) = held {
        let _ = reached.send(path.clone());
        std::future::pending::<()>().await;
    }

    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    let target = format!(
        "{}{}",
        proxy.upstream,
        parts.uri.path_and_query().map_or("/", |pq| pq.as_str())
    );
    let mut upstream = proxy.http.request(parts.method.clone(), target).body(bytes);
    for (name, value) in &parts.headers {
        if !is_hop_header(name) {
            upstream = upstream.header(name, value);
        }
    }
    let answer = match upstream.send().await {
        Ok(answer) => answer,
        Err(e) => {
            return Response::builder()
                .status(StatusCode::BAD_GATEWAY)
                .body(Body::from(e.to_string()))
                .unwrap();
        }
    };
    let status = answer.status();
    let headers: HeaderMap = answer.headers().clone();
    let bytes = answer.bytes().await.unwrap_or_default();
    if Point::EventsList.matches(&parts.method, &path) && status.is_success() {
        record_deliveries(&proxy, &path, &bytes);
    }
    let mut response = Response::builder().status(status);
    for (name, value) in &headers {
        if !is_hop_header(name) {
            response = response.header(name, value);
        }
    }
    response.body(Body::from(bytes)).unwrap()
}

fn is_hop_header(name: &header::HeaderName) -> bool {
    [
        header::HOST,
        header::CONNECTION,
        header::CONTENT_LENGTH,
        header::TRANSFER_ENCODING,
    ]
    .contains(name)
}

fn record_deliveries(proxy: &ProxyState, path: &str, body: &[u8]) {
    let run = path.split('/').nth(4).unwrap_or_default().to_owned();
    let page: Value = serde_json::from_slice(body).unwrap();
    let mut deliveries = proxy.deliveries.lock().unwrap();
    for event in page["result"].as_array().unwrap() {
        deliveries.push(Delivery {
            run: run.clone(),
            id: event["id"].as_str().unwrap().to_owned(),
            kind: event["type"].as_str().unwrap().to_owned(),
            sync_error_count: event["syncErrorCount"].as_u64().unwrap(),
            payload: event["payload"].clone(),
        });
    }
}

// ---------------------------------------------------------------------------------------------
// REST access to either party.

#[derive(Clone)]
struct Api {
    base: String,
    http: reqwest::Client,
}

impl Api {
    fn new(base: String) -> Self {
        Self {
            base,
            http: reqwest::Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/core/v1{path}", self.base)
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, self.url(path))
            .header("X-API-KEY", API_KEY)
            .timeout(STEP_TIMEOUT);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap()
        };
        (status, value)
    }

    async fn expect(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        status: u16,
    ) -> Value {
        let (got, value) = self.call(method.clone(), path, body).await;
        assert_eq!(got, status, "{method} {path}: {value}");
        value["result"].clone()
    }

    async fn get(&self, path: &str) -> Value {
        self.expect(reqwest::Method::GET, path, None, 200).await
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.expect(reqwest::Method::POST, path, Some(body), 201)
            .await
    }

    async fn sync(&self) {
        self.expect(reqwest::Method::POST, "/Account/Sync", None, 204)
            .await;
    }

    /// Syncs until the Backbone has nothing left: after a restart, one sync delivers every
    /// event a killed run left open.
    async fn sync_to_completion(&self) {
        self.sync().await;
    }

    async fn address(&self) -> String {
        self.get("/Account/IdentityInfo").await["address"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn messages(&self) -> Vec<Value> {
        self.get("/Messages").await.as_array().unwrap().clone()
    }

    async fn upload(&self, name: &str, bytes: &[u8]) -> Value {
        let form = reqwest::multipart::Form::new()
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes.to_vec())
                    .file_name(name.to_owned())
                    .mime_str("application/octet-stream")
                    .unwrap(),
            )
            .text("title", name.to_owned())
            .text("expiresAt", in_minutes(60));
        let response = self
            .http
            .post(self.url("/Files/Own"))
            .header("X-API-KEY", API_KEY)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 201);
        response.json::<Value>().await.unwrap()["result"].clone()
    }

    async fn download(&self, path: &str) -> Vec<u8> {
        let response = self
            .http
            .get(self.url(path))
            .header("X-API-KEY", API_KEY)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "GET {path}");
        response.bytes().await.unwrap().to_vec()
    }
}

fn in_minutes(m: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::minutes(m)).to_rfc3339()
}

// ---------------------------------------------------------------------------------------------
// Party B: the real binary, killed and restarted on one data folder.

struct Binary {
    dir: PathBuf,
    config: PathBuf,
    starts: usize,
    child: binary::Process,
    log: PathBuf,
    api: Api,
}

impl Binary {
    async fn start(dir: &Path, backbone_url: &str) -> Self {
        let config = dir.join("config.json");
        let cfg = common::config_json(backbone_url, &dir.join("data"));
        std::fs::write(&config, cfg.to_string()).unwrap();
        let (child, log, api) = Self::spawn(dir, &config, 0).await;
        Self {
            dir: dir.to_owned(),
            config,
            starts: 1,
            child,
            log,
            api,
        }
    }

    async fn spawn(dir: &Path, config: &Path, n: usize) -> (binary::Process, PathBuf, Api) {
        let spawned = binary::spawn(BIN, dir, config, n).await;
        (spawned.child, spawned.log, Api::new(spawned.base_url))
    }

    /// Starts `POST /Account/Sync`, waits until the proxy holds the armed request, then kills
    /// the process with SIGKILL and restarts it on the same folder.
    async fn crash_during_sync(&mut self, mut held: oneshot::Receiver<String>) -> String {
        let api = self.api.clone();
        let mut sync = tokio::spawn(async move {
            api.http
                .post(api.url("/Account/Sync"))
                .header("X-API-KEY", API_KEY)
                .send()
                .await
        });
        let path = tokio::select! {
            reached = &mut held => reached.unwrap(),
            answer = &mut sync => panic!(
                "a sync ended ({:?}) without reaching the crash point: after a restart one sync must deliver everything left open:\n{}",
                answer.map(|r| r.map(|r| r.status())),
                binary::read_log(&self.log)
            ),
            () = tokio::time::sleep(STEP_TIMEOUT) => panic!(
                "the sync never reached the crash point:\n{}",
                binary::read_log(&self.log)
            ),
        };
        self.child.kill().unwrap();
        let status = self.child.wait().unwrap();
        // The held request was never answered, so the sync cannot have completed.
        assert_eq!(status.signal(), Some(9), "killed, not exited: {status}");
        let answer = sync.await.unwrap();
        assert!(
            answer.is_err(),
            "the sync must not have answered before the kill: {answer:?}"
        );

        let (child, log, api) = Self::spawn(&self.dir, &self.config, self.starts).await;
        self.starts += 1;
        self.child = child;
        self.log = log;
        self.api = api;
        path
    }
}

// ---------------------------------------------------------------------------------------------

struct Sent {
    id: String,
    subject: String,
    body: String,
    attachment: Option<(String, Vec<u8>)>,
}

/// Messages with index ≡ 3 (mod 7) carry an attachment of their own.
fn has_attachment(i: usize) -> bool {
    i % 7 == 3
}

async fn send_round(a: &Api, b_address: &str, round: usize) -> Vec<Sent> {
    let mut sent = Vec::new();
    for i in round * ROUND..(round + 1) * ROUND {
        let subject = format!("Message {i}");
        let body = format!("Body of message {i} – Grüße, ✓");
        let attachment = if has_attachment(i) {
            let bytes: Vec<u8> = (0..1000 + i).map(|k| (k * 31 + i) as u8).collect();
            let file = a.upload(&format!("attachment-{i}.bin"), &bytes).await;
            Some((file["id"].as_str().unwrap().to_owned(), bytes))
        } else {
            None
        };
        let attachments: Vec<&str> = attachment.iter().map(|(id, _)| id.as_str()).collect();
        let message = a
            .post(
                "/Messages",
                json!({
                    "recipients": [b_address],
                    "content": {"@type": "Mail", "to": [b_address], "subject": subject, "body": body},
                    "attachments": attachments,
                }),
            )
            .await;
        sent.push(Sent {
            id: message["id"].as_str().unwrap().to_owned(),
            subject,
            body,
            attachment,
        });
    }
    sent
}

/// The message ids that `deliveries` handed out.
fn message_ids(deliveries: &[Delivery]) -> BTreeSet<String> {
    deliveries
        .iter()
        .filter(|d| d.kind == "MessageReceived")
        .map(|d| d.payload["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Asserts that the last run in `deliveries` handed out exactly the `expected` messages again,
/// each after `errors` killed runs.
fn assert_redelivered(deliveries: &[Delivery], expected: &BTreeSet<String>, errors: u64) {
    let last_run = &deliveries.last().expect("a final run").run;
    let last: Vec<Delivery> = deliveries
        .iter()
        .filter(|d| &d.run == last_run)
        .cloned()
        .collect();
    assert_eq!(&message_ids(&last), expected);
    for d in &last {
        assert_eq!(d.sync_error_count, errors, "{d:?}");
    }
}

/// Everything a crash scenario needs: the Backbone (in this process, across every restart of
/// B), the proxy B reaches it through, A (in process) and B (the real binary), related
/// through A's template with A's acceptance still to be synced by B.
struct Pair {
    _backbone: backbone::ServerHandle,
    proxy: Proxy,
    a_connector: connector::RunningConnector,
    _a_data: tempfile::TempDir,
    a: Api,
    a_address: String,
    _b_dir: tempfile::TempDir,
    b: Binary,
    b_address: String,
    rel_id: String,
}

async fn start_pair() -> Pair {
    common::install_tls_provider();
    // Runs of a killed process expire after a second instead of ten, so each restart waits
    // briefly for a new run.
    let store: Arc<dyn store::Store> =
        Arc::new(store::sqlite::SqliteStore::open_in_memory().await.unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let backbone = backbone::serve(
        backbone::Config {
            sync_run_duration: Duration::from_secs(1),
            ..Default::default()
        },
        store,
        listener,
    )
    .await
    .unwrap();
    let proxy = Proxy::start(backbone.base_url()).await;

    let a_data = tempfile::tempdir().unwrap();
    let a_connector = connector::start(common::load(common::config_json(
        &backbone.base_url(),
        a_data.path(),
    )))
    .await
    .unwrap();
    let a = Api::new(a_connector.base_url());
    let a_address = a.address().await;

    let b_dir = tempfile::tempdir().unwrap();
    let b = Binary::start(b_dir.path(), &proxy.base_url).await;
    let b_address = b.api.address().await;

    let template = a
        .post(
            "/RelationshipTemplates/Own",
            json!({"content": {"@type": "ArbitraryRelationshipTemplateContent", "value": {}}, "expiresAt": in_minutes(30)}),
        )
        .await;
    let token = a
        .post(
            &format!(
                "/RelationshipTemplates/Own/{}/Token",
                template["id"].as_str().unwrap()
            ),
            json!({}),
        )
        .await;
    let loaded = b
        .api
        .post(
            "/RelationshipTemplates/Peer",
            json!({"reference": token["reference"]["truncated"]}),
        )
        .await;
    let relationship = b
        .api
        .post(
            "/Relationships",
            json!({"templateId": loaded["id"], "creationContent": {"@type": "ArbitraryRelationshipCreationContent", "value": {}}}),
        )
        .await;
    let rel_id = relationship["id"].as_str().unwrap().to_owned();
    a.sync().await;
    let accepted = a
        .expect(
            reqwest::Method::PUT,
            &format!("/Relationships/{rel_id}/Accept"),
            Some(json!({})),
            200,
        )
        .await;
    assert_eq!(accepted["status"], "Active");
    Pair {
        _backbone: backbone,
        proxy,
        a_connector,
        _a_data: a_data,
        a,
        a_address,
        _b_dir: b_dir,
        b,
        b_address,
        rel_id,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_connector_during_sync_neither_loses_nor_duplicates_anything() {
    // Relationship: B requests through A's template, A accepts; B is killed after writing the
    // change but before finalising the run that carried it.
    let Pair {
        proxy,
        a,
        a_address,
        mut b,
        b_address,
        rel_id,
        a_connector,
        _backbone: _backbone_alive,
        _a_data: _a_data_alive,
        _b_dir: _b_dir_alive,
    } = start_pair().await;

    let mark = proxy.delivery_count();
    let held = proxy.arm(Point::Finalize, 1);
    b.crash_during_sync(held).await;
    let killed_run = proxy.deliveries_since(mark);
    let change = killed_run
        .iter()
        .find(|d| d.kind == "RelationshipStatusChanged")
        .expect("the killed run carried the status change")
        .clone();
    assert_eq!(change.payload["relationshipId"], rel_id);
    // Written before the kill, so already there after the restart.
    assert_eq!(
        b.api.get(&format!("/Relationships/{rel_id}")).await["status"],
        "Active"
    );
    b.api.sync_to_completion().await;
    let after = proxy.deliveries_since(mark);
    let again: Vec<&Delivery> = after.iter().filter(|d| d.id == change.id).collect();
    assert_eq!(again.len(), 2, "delivered in the killed run and once more");
    assert_ne!(again[0].run, again[1].run);
    assert_eq!(again[1].sync_error_count, 1);
    let relationships = b.api.get("/Relationships").await;
    assert_eq!(
        relationships.as_array().unwrap().len(),
        1,
        "{relationships}"
    );
    assert_eq!(relationships[0]["id"], rel_id);
    assert_eq!(relationships[0]["status"], "Active");
    assert_eq!(relationships[0]["peer"], a_address);

    let mut sent: Vec<Sent> = Vec::new();

    // Round 1: killed between two messages (the 8th is being fetched), then after every event
    // was written but before the Backbone heard of it.
    sent.extend(send_round(&a, &b_address, 0).await);
    let round: BTreeSet<String> = sent.iter().map(|s| s.id.clone()).collect();
    let mark = proxy.delivery_count();
    let held = proxy.arm(Point::MessageFetch, 8);
    b.crash_during_sync(held).await;
    assert_eq!(message_ids(&proxy.deliveries_since(mark)), round);
    let stored = b.api.messages().await;
    assert_eq!(
        stored.len(),
        7,
        "the seven messages written before the kill"
    );
    let held = proxy.arm(Point::Finalize, 1);
    b.crash_during_sync(held).await;
    assert_eq!(
        b.api.messages().await.len(),
        ROUND,
        "all written, none finalised"
    );
    b.api.sync_to_completion().await;
    assert_redelivered(&proxy.deliveries_since(mark), &round, 2);
    assert_eq!(b.api.messages().await.len(), ROUND);

    // Round 2: killed before any event was processed, then inside a message's processing (its
    // attachment's metadata is being fetched: the message is read, nothing of it written).
    let before = sent.len();
    sent.extend(send_round(&a, &b_address, 1).await);
    let round: BTreeSet<String> = sent[before..].iter().map(|s| s.id.clone()).collect();
    let mark = proxy.delivery_count();
    let held = proxy.arm(Point::EventsList, 1);
    b.crash_during_sync(held).await;
    assert_eq!(b.api.messages().await.len(), before);
    let held = proxy.arm(Point::FileMetadata, 2);
    b.crash_during_sync(held).await;
    let second_attachment = (before..before + ROUND)
        .filter(|&i| has_attachment(i))
        .nth(1)
        .unwrap();
    assert_eq!(
        b.api.messages().await.len(),
        second_attachment,
        "the messages before the one being processed"
    );
    b.api.sync_to_completion().await;
    let round_deliveries = proxy.deliveries_since(mark);
    let last_run = &round_deliveries.last().unwrap().run;
    assert_eq!(
        message_ids(
            &round_deliveries
                .iter()
                .filter(|d| &d.run == last_run)
                .cloned()
                .collect::<Vec<_>>()
        ),
        round
    );
    assert_eq!(b.api.messages().await.len(), before + ROUND);

    // Round 3: killed between two messages once more, then synced to the end.
    let before = sent.len();
    sent.extend(send_round(&a, &b_address, 2).await);
    let round: BTreeSet<String> = sent[before..].iter().map(|s| s.id.clone()).collect();
    let mark = proxy.delivery_count();
    let held = proxy.arm(Point::MessageFetch, 15);
    b.crash_during_sync(held).await;
    assert_eq!(b.api.messages().await.len(), before + 14);
    b.api.sync_to_completion().await;
    assert_redelivered(&proxy.deliveries_since(mark), &round, 1);
    assert_eq!(sent.len(), ROUND * ROUNDS);
    assert_eq!(b.starts, 7, "six kills, six restarts");

    // Every sent message exactly once, intact, with its attachment downloadable.
    let stored = b.api.messages().await;
    let mut by_id: HashMap<String, Value> = HashMap::new();
    for message in &stored {
        let id = message["id"].as_str().unwrap().to_owned();
        assert!(
            by_id.insert(id.clone(), message.clone()).is_none(),
            "{id} twice"
        );
    }
    assert_eq!(stored.len(), sent.len());
    for s in &sent {
        let got = by_id.get(&s.id).unwrap_or_else(|| panic!("{} lost", s.id));
        assert_eq!(got["isOwn"], false);
        assert_eq!(got["createdBy"], a_address);
        assert_eq!(got["content"]["@type"], "Mail");
        assert_eq!(got["content"]["subject"], s.subject);
        assert_eq!(got["content"]["body"], s.body);
        assert_eq!(got["recipients"][0]["address"], b_address);
        assert_eq!(got["recipients"][0]["relationshipId"], rel_id);
        match &s.attachment {
            Some((file_id, bytes)) => {
                assert_eq!(got["attachments"], json!([file_id]));
                let downloaded = b
                    .api
                    .download(&format!(
                        "/Messages/{}/Attachments/{file_id}/Download",
                        s.id
                    ))
                    .await;
                assert!(downloaded == *bytes, "attachment {file_id} of {}", s.id);
            }
            None => assert_eq!(got["attachments"], json!([])),
        }
    }
    // Each attachment is one file on B, not one per delivery.
    let files = b.api.get("/Files").await;
    let mut file_counts: BTreeMap<String, usize> = BTreeMap::new();
    for file in files.as_array().unwrap() {
        *file_counts
            .entry(file["id"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    let attached: BTreeMap<String, usize> = sent
        .iter()
        .filter_map(|s| s.attachment.as_ref().map(|(id, _)| (id.clone(), 1)))
        .collect();
    assert_eq!(file_counts, attached);
    // Nothing is left for B on the Backbone, and the relationship is still the one, active.
    let mark = proxy.delivery_count();
    b.api.sync_to_completion().await;
    let relationships = b.api.get("/Relationships").await;
    assert_eq!(relationships.as_array().unwrap().len(), 1);
    assert_eq!(relationships[0]["status"], "Active");
    assert_eq!(b.api.messages().await.len(), ROUND * ROUNDS);
    assert!(
        proxy.deliveries_since(mark).is_empty(),
        "every event was acknowledged: nothing came back"
    );

    a_connector.shutdown().await.unwrap();
}

/// The incoming requests B holds, by id.
async fn incoming_requests(b: &Api) -> BTreeMap<String, Value> {
    let mut by_id = BTreeMap::new();
    for request in b.get("/Requests/Incoming").await.as_array().unwrap() {
        let id = request["id"].as_str().unwrap().to_owned();
        assert!(
            by_id.insert(id.clone(), request.clone()).is_none(),
            "{id} twice"
        );
    }
    by_id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_connector_while_it_receives_requests_neither_loses_nor_duplicates_one() {
    // Bound whole: a field left to `..` would be dropped (the Backbone stopped) right here.
    let Pair {
        proxy,
        a,
        mut b,
        b_address,
        a_connector: _a_alive,
        _backbone: _backbone_alive,
        _a_data: _a_data_alive,
        _b_dir: _b_dir_alive,
        ..
    } = start_pair().await;
    b.api.sync_to_completion().await;

    // A asks three times by message.
    let mut asked = Vec::new();
    for i in 0..3 {
        let created = a
            .post(
                "/Requests/Outgoing",
                json!({"peer": b_address, "content": {"title": format!("Request {i}"), "items": [
                    {"@type": "ConsentRequestItem", "mustBeAccepted": true, "consent": format!("Consent {i}")}
                ]}}),
            )
            .await;
        a.post(
            "/Messages",
            json!({"recipients": [b_address], "content": created["content"]}),
        )
        .await;
        asked.push(created);
    }
    let ids: BTreeSet<String> = asked
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();

    // Killed while the second message is fetched: the first message and its request are
    // written together, the others not at all.
    let mark = proxy.delivery_count();
    let held = proxy.arm(Point::MessageFetch, 2);
    b.crash_during_sync(held).await;
    let first = incoming_requests(&b.api).await;
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(b.api.messages().await.len(), 1);
    let (first_id, first_request) = first.iter().next().unwrap();
    assert!(ids.contains(first_id));
    assert_eq!(first_request["status"], "ManualDecisionRequired");
    assert_eq!(
        first_request["source"]["reference"],
        b.api.messages().await[0]["id"],
        "the request and the message that carried it"
    );

    // Killed after every event was written but before the Backbone heard of it; the events
    // come again and are only acknowledged.
    let held = proxy.arm(Point::Finalize, 1);
    b.crash_during_sync(held).await;
    assert_eq!(incoming_requests(&b.api).await.len(), 3);
    b.api.sync_to_completion().await;
    let redelivered = proxy.deliveries_since(mark);
    assert!(
        message_ids(&redelivered).len() == 3,
        "every message delivered: {redelivered:?}"
    );
    let all = incoming_requests(&b.api).await;
    assert_eq!(all.keys().cloned().collect::<BTreeSet<_>>(), ids);
    assert_eq!(b.api.messages().await.len(), 3);
    for request in all.values() {
        assert_eq!(request["status"], "ManualDecisionRequired");
    }

    // And the requests still work: B accepts one, A completes it.
    let id = first_id.clone();
    let decided = b
        .api
        .expect(
            reqwest::Method::PUT,
            &format!("/Requests/Incoming/{id}/Accept"),
            Some(json!({"items": [{"accept": true}]})),
            200,
        )
        .await;
    assert_eq!(decided["status"], "Decided");
    assert_eq!(
        b.api.get(&format!("/Requests/Incoming/{id}")).await["status"],
        "Completed"
    );
    a.sync().await;
    assert_eq!(
        a.get(&format!("/Requests/Outgoing/{id}")).await["status"],
        "Completed"
    );
}
