//! Interop: one identity driven by the official `@nmshd/transport` 7.0.0 (Node scripts in
//! `interop/transport/`), the other by our Connector over REST, on our Backbone — once with
//! our Connector as templator (`peer.mjs` requests), once with the official side as
//! templator (`templator.mjs` offers, our Connector requests); messages go both ways.
//!
//! The bare transport library knows no `@nmshd/content` types, so contents here are plain JSON.
//! Needs Node 20 and `npm ci` in `interop/`.

mod common;

use common::{Backbone, Peer, in_minutes};
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
async fn until<F, Fut>(rest: &Peer, what: &str, mut check: F) -> Value
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
    let backbone = Backbone::start().await;
    let rest = Peer::start(&backbone).await;
    let template = rest
        .post(
            "/RelationshipTemplates/Own",
            json!({"content": {"@type": "ArbitraryRelationshipTemplateContent", "value": {"from": "connector"}}, "expiresAt": in_minutes(10)}),
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
        let pending = rest.get("/Relationships?status=Pending").await;
        pending.as_array().unwrap().first().cloned()
    })
    .await;
    // Content without a known type is wrapped, as the runtime maps it.
    assert_eq!(
        pending["creationContent"]["value"]["from"],
        "official transport"
    );
    let id = pending["id"].as_str().unwrap();
    let active = rest.put(&format!("/Relationships/{id}/Accept")).await;
    assert_eq!(active["status"], "Active");

    let message = until(&rest, "the official transport's message", || async {
        let received = rest.get("/Messages?isOwn=false").await;
        received.as_array().unwrap().first().cloned()
    })
    .await;
    assert_eq!(message["content"]["@type"], "ArbitraryMessageContent");
    assert_eq!(message["content"]["value"]["text"], "hello Connector");
    rest.post(
        "/Messages",
        json!({"recipients": [message["createdBy"]], "content": {"@type": "ArbitraryMessageContent", "value": {"text": "hello official transport"}}}),
    )
    .await;

    let result = peer.result(Duration::from_secs(90)).await;
    assert_eq!(result["templateContent"]["value"]["from"], "connector");
    assert_eq!(
        result["replyContent"]["value"]["text"],
        "hello official transport"
    );
}

#[tokio::test]
async fn our_connector_relates_to_a_template_of_the_official_transport() {
    let backbone = Backbone::start().await;
    let rest = Peer::start(&backbone).await;
    let backbone_url = backbone.base_url();
    let mut templator = Script::spawn("templator.mjs", &[&backbone_url]);
    let official = templator.expect("ADDRESS ", Duration::from_secs(60)).await;
    let token = templator.expect("TOKEN ", Duration::from_secs(60)).await;
    let (truncated, url) = token.split_once(' ').expect("two references");
    assert!(url.starts_with(&format!("{backbone_url}/r/TOK")), "{url}");

    // The token's reference, as a user would scan it, loads the official side's template.
    let template = rest
        .post("/RelationshipTemplates/Peer", json!({"reference": url}))
        .await;
    assert_eq!(template["isOwn"], false);
    assert_eq!(template["createdBy"], official);
    assert_eq!(template["content"]["value"]["from"], "official transport");
    // Loading it again by the truncated reference finds the same template.
    let again = rest
        .post(
            "/RelationshipTemplates/Peer",
            json!({"reference": truncated}),
        )
        .await;
    assert_eq!(again["id"], template["id"]);

    let relationship = rest
        .post(
            "/Relationships",
            json!({"templateId": template["id"], "creationContent": {"@type": "ArbitraryRelationshipCreationContent", "value": {"from": "connector"}}}),
        )
        .await;
    assert_eq!(relationship["status"], "Pending");
    assert_eq!(relationship["peer"], official);
    let rel_id = relationship["id"].as_str().unwrap().to_owned();
    until(&rest, "the official side to accept", || async {
        let current = rest.get(&format!("/Relationships/{rel_id}")).await;
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
        .text("expiresAt", in_minutes(10));
    let file = rest.upload(form).await;
    let sent = rest
        .post(
            "/Messages",
            json!({"recipients": [official], "content": {"@type": "ArbitraryMessageContent", "value": {"text": "hello official transport"}}, "attachments": [file["id"]]}),
        )
        .await;

    let reply = until(&rest, "the official side's reply", || async {
        let received = rest.get("/Messages?isOwn=false").await;
        received.as_array().unwrap().first().cloned()
    })
    .await;
    let result = templator.result(Duration::from_secs(90)).await;
    assert_eq!(result["creationContent"]["value"]["from"], "connector");
    assert_eq!(
        result["messageContent"]["value"]["text"],
        "hello official transport"
    );
    assert_eq!(result["attachmentText"], "a file from the Connector");
    assert_eq!(result["attachmentFilename"], "connector.txt");

    assert_eq!(reply["id"], result["replyId"]);
    assert_eq!(reply["createdBy"], official);
    assert_eq!(reply["content"]["value"]["text"], "hello Connector");
    assert_eq!(reply["content"]["value"]["answering"], sent["id"]);
    assert_eq!(reply["attachments"], json!([result["replyFileId"]]));
    let path = format!(
        "/Messages/{}/Attachments/{}/Download",
        reply["id"].as_str().unwrap(),
        result["replyFileId"].as_str().unwrap()
    );
    let resp = rest.send(reqwest::Method::GET, &path, None).await;
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(
        resp.bytes().await.unwrap().as_ref(),
        result["replyFileText"].as_str().unwrap().as_bytes()
    );
    let file_meta = rest
        .get(&format!(
            "/Files/{}",
            result["replyFileId"].as_str().unwrap()
        ))
        .await;
    assert_eq!(file_meta["filename"], "reply.txt");
    assert_eq!(file_meta["isOwn"], false);
}
