//! Secrets never leave the Connector. The `connector` binary runs with every log line of its
//! own crates on (`trace`) through a scenario that touches the identity, relationships,
//! messages with files, tokens, attributes, sync, monitoring and error answers. Afterwards
//! every secret its database holds (the device password, each private and secret key) and the
//! API key are searched for in everything it logged and everything it answered.

mod common;

use common::{API_KEY, Backbone, Peer};
use serde_json::{Value, json};
use std::collections::BTreeSet;

const BIN: &str = env!("CARGO_BIN_EXE_connector");
const KEY_ENCRYPTION_KEY: &str = "a passphrase for the vault of this test";

/// Field names under which the store keeps secret values.
const SECRET_FIELDS: [&str; 6] = [
    "prv",
    "password",
    "key",
    "secretKey",
    "privateKey",
    "secret",
];

/// Every string of 16 or more characters under a secret field, anywhere in `value`.
fn secrets_in(value: &Value, under_secret: bool, found: &mut BTreeSet<String>) {
    match value {
        Value::String(s) if under_secret && s.len() >= 16 => {
            found.insert(s.clone());
        }
        Value::Object(map) => {
            for (k, v) in map {
                secrets_in(
                    v,
                    under_secret || SECRET_FIELDS.contains(&k.as_str()),
                    found,
                );
            }
        }
        Value::Array(items) => items
            .iter()
            .for_each(|v| secrets_in(v, under_secret, found)),
        _ => {}
    }
}

/// Records every answer's status and body.
struct Client {
    http: reqwest::Client,
    base: String,
    answers: Vec<String>,
}

impl Client {
    async fn call(
        &mut self,
        key: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<&str>,
    ) -> Value {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("X-API-KEY", key);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_owned());
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = format!("{:?}", response.headers());
        let text = response.text().await.unwrap();
        self.answers.push(format!("{status} {headers} {text}"));
        serde_json::from_str::<Value>(&text).map_or(Value::Null, |v| v["result"].clone())
    }

    async fn api(&mut self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let body = body.map(|b| b.to_string());
        self.call(
            API_KEY,
            method,
            &format!("/api/core/v1{path}"),
            body.as_deref(),
        )
        .await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_a_log_line_or_an_answer() {
    use reqwest::Method;
    let backbone = Backbone::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = common::config_json(&backbone.base_url(), &dir.path().join("data"));
    cfg["logging"] = json!({"level": "trace"});
    cfg["transportLibrary"]["keyEncryptionKey"] = json!(KEY_ENCRYPTION_KEY);
    let config = dir.path().join("config.json");
    std::fs::write(&config, cfg.to_string()).unwrap();
    let a = common::binary::spawn(BIN, dir.path(), &config, 0).await;
    let mut client = Client {
        http: reqwest::Client::new(),
        base: a.base_url.clone(),
        answers: Vec::new(),
    };
    let b = Peer::start(&backbone).await;
    let b_address = b.address().await;

    // The identity, monitoring, and answers to bad requests.
    client.api(Method::GET, "/Account/IdentityInfo", None).await;
    for path in [
        "/health",
        "/Monitoring/Version",
        "/Monitoring/Support",
        "/Monitoring/Requests",
    ] {
        client.call(API_KEY, Method::GET, path, None).await;
    }
    client
        .call(
            "Wrong-Key-0123456789-abcdefghijkl",
            Method::GET,
            "/api/core/v1/Messages",
            None,
        )
        .await;
    client
        .call(
            API_KEY,
            Method::POST,
            "/api/core/v1/Messages",
            Some("{not json"),
        )
        .await;
    client
        .api(Method::GET, "/Messages/MSGxxxxxxxxxxxxxxxxx", None)
        .await;
    client
        .api(
            Method::POST,
            "/Messages",
            Some(json!({"recipients": ["did:e:nobody"], "content": {}})),
        )
        .await;

    // A relationship B asks for through A's template.
    let template = client
        .api(
            Method::POST,
            "/RelationshipTemplates/Own",
            Some(json!({"content": {"@type": "ArbitraryRelationshipTemplateContent", "value": {}}, "expiresAt": common::in_minutes(30)})),
        )
        .await;
    let template_id = template["id"].as_str().unwrap().to_owned();
    let token = client
        .api(
            Method::POST,
            &format!("/RelationshipTemplates/Own/{template_id}/Token"),
            Some(json!({})),
        )
        .await;
    let relationship = common::request_by_token(&b, &token, &template_id).await;
    let relationship_id = relationship["id"].as_str().unwrap().to_owned();
    client.api(Method::POST, "/Account/Sync", None).await;
    client
        .api(
            Method::PUT,
            &format!("/Relationships/{relationship_id}/Accept"),
            Some(json!({})),
        )
        .await;
    b.sync().await;

    // Messages both ways, one with a file.
    let upload = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"attached".to_vec())
                .file_name("a.txt")
                .mime_str("text/plain")
                .unwrap(),
        )
        .text("expiresAt", common::in_minutes(30));
    let file_answer = client
        .http
        .post(format!("{}/api/core/v1/Files/Own", a.base_url))
        .header("X-API-KEY", API_KEY)
        .multipart(upload)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    client.answers.push(file_answer.clone());
    let file_id = serde_json::from_str::<Value>(&file_answer).unwrap()["result"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    client
        .api(
            Method::POST,
            "/Messages",
            Some(json!({"recipients": [b_address], "content": {"@type": "Mail", "to": [b_address], "subject": "s", "body": "b"}, "attachments": [file_id]})),
        )
        .await;
    b.sync().await;
    let a_address = client.api(Method::GET, "/Account/IdentityInfo", None).await["address"]
        .as_str()
        .unwrap()
        .to_owned();
    b.post(
        "/Messages",
        json!({"recipients": [a_address], "content": {"@type": "ArbitraryMessageContent", "value": "reply"}}),
    )
    .await;
    client.api(Method::POST, "/Account/Sync", None).await;
    client.api(Method::GET, "/Messages", None).await;
    client
        .api(Method::GET, &format!("/Files/{file_id}"), None)
        .await;
    client
        .api(Method::GET, &format!("/Files/{file_id}/Download"), None)
        .await;
    client
        .api(
            Method::POST,
            &format!("/Files/Own/{file_id}/Token"),
            Some(json!({})),
        )
        .await;

    // Tokens and attributes.
    client
        .api(
            Method::POST,
            "/Tokens/Own",
            Some(json!({"content": {"any": "thing"}, "expiresAt": common::in_minutes(30)})),
        )
        .await;
    client
        .api(
            Method::POST,
            "/Attributes",
            Some(json!({"content": {"value": {"@type": "GivenName", "value": "Ada"}}})),
        )
        .await;
    client.api(Method::GET, "/Attributes", None).await;
    client.api(Method::GET, "/Relationships", None).await;

    // Stop cleanly, then read what it logged and what its database holds.
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &a.child.id().to_string()])
        .status();
    let mut child = a.child;
    assert!(child.wait().unwrap().success());
    let log = common::binary::read_log(&a.log);
    assert!(log.lines().count() > 20, "the detailed log is on:\n{log}");

    let db = rusqlite::Connection::open(dir.path().join("data/default.db")).unwrap();
    let docs = |table: &str| -> Vec<Value> {
        let mut statement = db.prepare(&format!("SELECT doc FROM \"{table}\"")).unwrap();
        statement
            .query_map([], |row| row.get::<_, String>(0))
            .unwrap()
            .map(|doc| serde_json::from_str(&doc.unwrap()).unwrap())
            .collect()
    };
    let account = docs("AccountInfo").remove(0);
    let salt: [u8; 16] = wire::encoding::b64_decode(account["vaultSalt"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let vault = transport::vault::Vault::open(
        &transport::vault::KeySource::parse(KEY_ENCRYPTION_KEY).unwrap(),
        &salt,
    )
    .unwrap();
    let mut secrets = BTreeSet::new();
    let unseal = |sealed: &str, secrets: &mut BTreeSet<String>| {
        secrets.insert(sealed.to_owned());
        let plain = vault.open_bytes(sealed).unwrap();
        let text = String::from_utf8(plain.to_vec()).unwrap();
        match serde_json::from_str::<Value>(&text) {
            Ok(value) => secrets_in(&value, false, secrets),
            Err(_) => {
                secrets.insert(text);
            }
        }
    };
    for field in ["identityPrivateKey", "devicePrivateKey", "devicePassword"] {
        unseal(account[field].as_str().unwrap(), &mut secrets);
    }
    let relationship_secrets = docs("Secrets");
    assert!(!relationship_secrets.is_empty());
    for doc in &relationship_secrets {
        unseal(doc["sealed"].as_str().unwrap(), &mut secrets);
    }
    assert!(
        secrets.len() >= 8,
        "the sealed secrets and what they hold: {} found",
        secrets.len()
    );
    secrets.insert(KEY_ENCRYPTION_KEY.to_owned());
    secrets.insert(API_KEY.to_owned());

    let answers = client.answers.join("\n");
    for secret in &secrets {
        assert!(!log.contains(secret.as_str()), "a secret is in the log");
        assert!(
            !answers.contains(secret.as_str()),
            "a secret is in an answer"
        );
    }
    println!(
        "{} secrets searched for in {} log bytes and {} answers",
        secrets.len(),
        log.len(),
        client.answers.len()
    );
}
