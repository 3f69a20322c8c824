//! Interop: one identity driven by the official `@nmshd/transport` 7.0.0 (Node scripts in
//! `interop/transport/`), the other by our Connector over REST, on our Backbone — once with
//! our Connector as templator (`peer.mjs` requests), once with the official side as
//! templator (`templator.mjs` offers, our Connector requests); messages go both ways.
//!
//! The bare transport library knows no `@nmshd/content` types, so contents here are plain JSON.
//! Needs Node 20 and `npm ci` in `interop/`.

mod common;

use common::{API_KEY, Backbone};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Duration;
use tokio::io::AsyncBufReadExt;
use tokio::sync::mpsc;

fn interop_dir() -> PathBuf {
    let interop = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../interop");
    assert!(
        interop.join("node_modules/@nmshd/transport").exists(),
        "run `npm ci` in interop/ first"
    );
    interop
}

/// Our Connector on a fresh data folder, driven over REST.
struct Rest {
    connector: connector::RunningConnector,
    _data: tempfile::TempDir,
    http: reqwest::Client,
}

impl Rest {
    async fn start(backbone: &Backbone) -> Self {
        let data = tempfile::tempdir().unwrap();
        let connector = connector::start(common::load(common::config_json(
            &backbone.base_url(),
            data.path(),
        )))
        .await
        .unwrap();
        Self {
            connector,
            _data: data,
            http: reqwest::Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/core/v1{path}", self.connector.base_url())
    }

    /// A successful call's `result`.
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self
            .http
            .request(method.clone(), self.url(path))
            .header("X-API-KEY", API_KEY);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        assert!(status < 300, "{method} {path}: {status} {text}");
        if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str::<Value>(&text).unwrap()["result"].clone()
        }
    }

    async fn sync(&self) {
        self.call(reqwest::Method::POST, "/Account/Sync", None)
            .await;
    }
}

/// A Node script whose stdout lines arrive as they are printed.
struct Script {
    child: tokio::process::Child,
    lines: mpsc::UnboundedReceiver<String>,
    seen: Vec<String>,
}

impl Script {
    fn spawn(name: &str, args: &[&str]) -> Self {
        let mut child = tokio::process::Command::new("node")
            .arg(interop_dir().join("transport").join(name))
            .args(args)
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("node must be installed");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut reader = tokio::io::BufReader::new(stdout).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// The rest of the line starting with `prefix`; fails on `FAILED`, exit or timeout.
    async fn expect(&mut self, prefix: &str, within: Duration) -> String {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let line = tokio::time::timeout_at(deadline, self.lines.recv())
                .await
                .unwrap_or_else(|_| panic!("no {prefix} line in time: {:?}", self.seen));
            let Some(line) = line else {
                panic!("the script ended without {prefix}: {:?}", self.seen);
            };
            assert!(!line.starts_with("FAILED"), "{line}\n{:?}", self.seen);
            self.seen.push(line.clone());
            if let Some(rest) = line.strip_prefix(prefix) {
                return rest.trim().to_owned();
            }
        }
    }

    /// Waits for the `RESULT` line and a clean exit.
    async fn result(mut self, within: Duration) -> Value {
        let result = self.expect("RESULT ", within).await;
        let status = tokio::time::timeout(Duration::from_secs(20), self.child.wait())
            .await
            .expect("the script exits")
            .unwrap();
        assert!(status.success(), "{:?}", self.seen);
        serde_json::from_str(&result).unwrap()
    }
}

/// Syncs and asks `check` until it yields a value.
async fn until<F, Fut>(rest: &Rest, what: &str, mut check: F) -> Value
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<Value>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while tokio::time::Instant::now() < deadline {
        rest.sync().await;
        if let Some(value) = check().await {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test]
async fn the_official_transport_relates_and_messages_with_our_connector() {
    use reqwest::Method as M;
    let backbone = Backbone::start().await;
    let rest = Rest::start(&backbone).await;
    let expires = (chrono::Utc::now() + chrono::Duration::minutes(10)).to_rfc3339();
    let template = rest
        .call(
            M::POST,
            "/RelationshipTemplates/Own",
            Some(json!({"content": {"from": "connector"}, "expiresAt": expires})),
        )
        .await;
    let backbone_url = backbone.base_url();
    let mut peer = Script::spawn(
        "peer.mjs",
        &[
            &backbone_url,
            template["reference"]["truncated"].as_str().unwrap(),
        ],
    );
    peer.expect("ADDRESS ", Duration::from_secs(60)).await;

    let pending = until(&rest, "the relationship request", || async {
        let pending = rest
            .call(M::GET, "/Relationships?status=Pending", None)
            .await;
        pending.as_array().unwrap().first().cloned()
    })
    .await;
    assert_eq!(pending["creationContent"]["from"], "official transport");
    let id = pending["id"].as_str().unwrap();
    let active = rest
        .call(
            M::PUT,
            &format!("/Relationships/{id}/Accept"),
            Some(json!({})),
        )
        .await;
    assert_eq!(active["status"], "Active");

    let message = until(&rest, "the official transport's message", || async {
        let received = rest.call(M::GET, "/Messages?isOwn=false", None).await;
        received.as_array().unwrap().first().cloned()
    })
    .await;
    assert_eq!(message["content"]["text"], "hello Connector");
    rest.call(
        M::POST,
        "/Messages",
        Some(json!({"recipients": [message["createdBy"]], "content": {"text": "hello official transport"}})),
    )
    .await;

    let result = peer.result(Duration::from_secs(90)).await;
    assert_eq!(result["templateContent"]["from"], "connector");
    assert_eq!(result["replyContent"]["text"], "hello official transport");
}

#[tokio::test]
async fn our_connector_relates_to_a_template_of_the_official_transport() {
    use reqwest::Method as M;
    let backbone = Backbone::start().await;
    let rest = Rest::start(&backbone).await;
    let backbone_url = backbone.base_url();
    let mut templator = Script::spawn("templator.mjs", &[&backbone_url]);
    let official = templator.expect("ADDRESS ", Duration::from_secs(60)).await;
    let token = templator.expect("TOKEN ", Duration::from_secs(60)).await;
    let (truncated, url) = token.split_once(' ').expect("two references");
    assert!(url.starts_with(&format!("{backbone_url}/r/TOK")), "{url}");

    // The token's reference, as a user would scan it, loads the official side's template.
    let template = rest
        .call(
            M::POST,
            "/RelationshipTemplates/Peer",
            Some(json!({"reference": url})),
        )
        .await;
    assert_eq!(template["isOwn"], false);
    assert_eq!(template["createdBy"], official);
    assert_eq!(template["content"]["from"], "official transport");
    // Loading it again by the truncated reference finds the same template.
    let again = rest
        .call(
            M::POST,
            "/RelationshipTemplates/Peer",
            Some(json!({"reference": truncated})),
        )
        .await;
    assert_eq!(again["id"], template["id"]);

    let relationship = rest
        .call(
            M::POST,
            "/Relationships",
            Some(json!({"templateId": template["id"], "creationContent": {"from": "connector"}})),
        )
        .await;
    assert_eq!(relationship["status"], "Pending");
    assert_eq!(relationship["peer"], official);
    let rel_id = relationship["id"].as_str().unwrap().to_owned();
    until(&rest, "the official side to accept", || async {
        let current = rest
            .call(M::GET, &format!("/Relationships/{rel_id}"), None)
            .await;
        (current["status"] == "Active").then_some(current)
    })
    .await;

    // Our message with an attachment; the official side downloads it and answers with its own.
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"a file from the Connector".to_vec())
                .file_name("connector.txt")
                .mime_str("text/plain")
                .unwrap(),
        )
        .text(
            "expiresAt",
            (chrono::Utc::now() + chrono::Duration::minutes(10)).to_rfc3339(),
        );
    let resp = rest
        .http
        .post(rest.url("/Files/Own"))
        .header("X-API-KEY", API_KEY)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    let file = resp.json::<Value>().await.unwrap()["result"].clone();
    let sent = rest
        .call(
            M::POST,
            "/Messages",
            Some(json!({"recipients": [official], "content": {"text": "hello official transport"}, "attachments": [file["id"]]})),
        )
        .await;

    let reply = until(&rest, "the official side's reply", || async {
        let received = rest.call(M::GET, "/Messages?isOwn=false", None).await;
        received.as_array().unwrap().first().cloned()
    })
    .await;
    let result = templator.result(Duration::from_secs(90)).await;
    assert_eq!(result["creationContent"]["from"], "connector");
    assert_eq!(result["messageContent"]["text"], "hello official transport");
    assert_eq!(result["attachmentText"], "a file from the Connector");
    assert_eq!(result["attachmentFilename"], "connector.txt");

    assert_eq!(reply["id"], result["replyId"]);
    assert_eq!(reply["createdBy"], official);
    assert_eq!(reply["content"]["text"], "hello Connector");
    assert_eq!(reply["content"]["answering"], sent["id"]);
    assert_eq!(reply["attachments"], json!([result["replyFileId"]]));
    let path = format!(
        "/Messages/{}/Attachments/{}/Download",
        reply["id"].as_str().unwrap(),
        result["replyFileId"].as_str().unwrap()
    );
    let resp = rest
        .http
        .get(rest.url(&path))
        .header("X-API-KEY", API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(
        resp.bytes().await.unwrap().as_ref(),
        result["replyFileText"].as_str().unwrap().as_bytes()
    );
    let file_meta = rest
        .call(
            M::GET,
            &format!("/Files/{}", result["replyFileId"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(file_meta["filename"], "reply.txt");
    assert_eq!(file_meta["isOwn"], false);
}
