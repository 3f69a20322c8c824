//! A Backbone on a loopback port plus a small HTTP client that speaks its protocol the way
//! transport does (signed challenges, password grant, bearer tokens).

#![allow(dead_code)]

use backbone::{Config, ServerHandle};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signer, SigningKey};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;

pub struct Harness {
    pub handle: ServerHandle,
    pub http: reqwest::Client,
    pub url: String,
}

pub struct Identity {
    pub address: String,
    pub username: String,
    pub password: String,
    pub device: String,
    pub token: String,
    pub key: SigningKey,
}

pub fn b64u(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// `b64u(JSON)` of a crypto object, as `toBase64()` produces it.
pub fn b64u_json(value: &Value) -> String {
    b64u(value.to_string().as_bytes())
}

/// A syntactically valid cipher, standing in for encrypted content the Backbone never opens.
pub fn cipher(tag: &str) -> String {
    b64u_json(
        &json!({ "cph": b64u(tag.as_bytes()), "alg": 3, "nnc": b64u(&[7u8; 24]), "@type": "CryptoCipher" }),
    )
}

/// A Backbone on an in-memory store and a free loopback port, or why it refused to start.
pub async fn serve(config: Config) -> backbone::error::Result<ServerHandle> {
    let store = Arc::new(
        store::sqlite::SqliteStore::open_in_memory()
            .await
            .expect("in-memory store"),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    backbone::serve(config, store, listener).await
}

pub async fn start(config: Config) -> Harness {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let handle = serve(config).await.expect("start backbone");
    let url = handle.base_url();
    Harness {
        handle,
        http: reqwest::Client::new(),
        url,
    }
}

impl Harness {
    pub async fn request(
        &self,
        method: reqwest::Method,
        token: Option<&str>,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        self.send(self.builder(method, token, path, body)).await
    }

    /// A request from a client that declares datawallet version 1, as transport does for
    /// sync runs and datawallet modifications.
    pub async fn datawallet_request(
        &self,
        method: reqwest::Method,
        token: &str,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let request = self.builder(method, Some(token), path, body);
        self.send(request.header("x-supported-datawallet-version", "1"))
            .await
    }

    fn builder(
        &self,
        method: reqwest::Method,
        token: Option<&str>,
        path: &str,
        body: Option<Value>,
    ) -> reqwest::RequestBuilder {
        let mut request = self.http.request(method, format!("{}{path}", self.url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        request
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> (StatusCode, Value) {
        reply(request.send().await.expect("request")).await
    }

    pub async fn get(&self, token: Option<&str>, path: &str) -> (StatusCode, Value) {
        self.request(reqwest::Method::GET, token, path, None).await
    }

    pub async fn post(&self, token: Option<&str>, path: &str, body: Value) -> (StatusCode, Value) {
        self.request(reqwest::Method::POST, token, path, Some(body))
            .await
    }

    pub async fn put(&self, token: Option<&str>, path: &str, body: Value) -> (StatusCode, Value) {
        self.request(reqwest::Method::PUT, token, path, Some(body))
            .await
    }

    pub async fn patch(&self, token: Option<&str>, path: &str, body: Value) -> (StatusCode, Value) {
        self.request(reqwest::Method::PATCH, token, path, Some(body))
            .await
    }

    pub async fn delete(&self, token: Option<&str>, path: &str) -> (StatusCode, Value) {
        self.request(reqwest::Method::DELETE, token, path, None)
            .await
    }

    /// POSTs a challenge and signs it with `key` the way transport does.
    pub async fn signed_challenge(&self, key: &SigningKey) -> Value {
        let (status, challenge) = self.post(None, "/api/v2/Challenges", json!({})).await;
        assert_eq!(status, StatusCode::CREATED, "{challenge}");
        let challenge = &challenge["result"];
        let text = json!({ "expiresAt": challenge["expiresAt"], "id": challenge["id"], "type": "Identity" }).to_string();
        let signature = key.sign(text.as_bytes());
        json!({ "challenge": text, "signature": b64u_json(&json!({ "sig": b64u(&signature.to_bytes()), "alg": 2 })) })
    }

    pub fn public_key(key: &SigningKey) -> String {
        b64u_json(&json!({ "pub": b64u(key.verifying_key().as_bytes()), "alg": 3 }))
    }

    pub async fn create_identity_request(
        &self,
        key: &SigningKey,
        signed_challenge: Value,
        password: &str,
    ) -> (StatusCode, Value) {
        let body = json!({
            "clientId": "test", "clientSecret": "test",
            "identityPublicKey": Self::public_key(key),
            "devicePassword": password,
            "identityVersion": 1,
            "signedChallenge": signed_challenge,
        });
        self.post(None, "/api/v2/Identities", body).await
    }

    pub async fn login(&self, username: &str, password: &str) -> (StatusCode, Value) {
        let form = [
            ("client_id", "test"),
            ("client_secret", "test"),
            ("grant_type", "password"),
            ("username", username),
            ("password", password),
        ];
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let response = self
            .http
            .post(format!("{}/connect/token", self.url))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("token request");
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// A fresh identity with its first device logged in and its datawallet created, as after
    /// transport's `AccountController.init`.
    pub async fn identity(&self) -> Identity {
        let key = SigningKey::from_bytes(&rand_bytes());
        let password = format!("pw-{}", b64u(&rand_bytes()));
        let signed = self.signed_challenge(&key).await;
        let (status, created) = self.create_identity_request(&key, signed, &password).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let created = &created["result"];
        let username = created["device"]["username"]
            .as_str()
            .expect("username")
            .to_owned();
        let (status, token) = self.login(&username, &password).await;
        assert_eq!(status, StatusCode::OK, "{token}");
        let identity = Identity {
            address: created["address"].as_str().expect("address").to_owned(),
            device: created["device"]["id"].as_str().expect("device").to_owned(),
            username,
            password,
            token: token["access_token"].as_str().expect("token").to_owned(),
            key,
        };
        let run = self.start_sync(&identity, "DatawalletVersionUpgrade").await;
        let id = run["result"]["syncRun"]["id"]
            .as_str()
            .expect("sync run")
            .to_owned();
        let (status, body) = self
            .put(
                Some(&identity.token),
                &format!("/api/v2/SyncRuns/{id}/FinalizeDatawalletVersionUpgrade"),
                json!({ "newDatawalletVersion": 1 }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        identity
    }

    pub async fn start_sync(&self, who: &Identity, kind: &str) -> Value {
        let (status, body) = self.try_start_sync(who, kind).await;
        assert!(status.is_success(), "{status} {body}");
        body
    }

    pub async fn try_start_sync(&self, who: &Identity, kind: &str) -> (StatusCode, Value) {
        let body = json!({ "type": kind });
        self.datawallet_request(
            reqwest::Method::POST,
            &who.token,
            "/api/v2/SyncRuns",
            Some(body),
        )
        .await
    }

    /// Uploads `content` as a file (with placeholder ciphers for its metadata).
    pub async fn upload(
        &self,
        who: &Identity,
        content: Vec<u8>,
        owner: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut form = reqwest::multipart::Form::new()
            .part(
                "content",
                reqwest::multipart::Part::bytes(content).file_name("cipher.bin"),
            )
            .text("cipherHash", cipher("hash"));
        if let Some(owner) = owner {
            form = form.text("owner", owner.to_owned());
        }
        let form = form
            .text("expiresAt", "2099-01-01T00:00:00.000Z")
            .text("encryptedProperties", cipher("props"));
        let request = self.builder(
            reqwest::Method::POST,
            Some(&who.token),
            "/api/v2/Files",
            None,
        );
        self.send(request.multipart(form)).await
    }

    /// Runs one external event sync and acknowledges every event; returns the events.
    pub async fn sync_all(&self, who: &Identity) -> Vec<Value> {
        let started = self.start_sync(who, "ExternalEventSync").await;
        let Some(id) = started["result"]["syncRun"]["id"].as_str() else {
            return Vec::new();
        };
        // Every page, as transport reads them: events left out of the results count as failed.
        let mut events = Vec::new();
        for page in 1.. {
            let path =
                format!("/api/v2/SyncRuns/{id}/ExternalEvents?pageNumber={page}&pageSize=200");
            let (status, body) = self.get(Some(&who.token), &path).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            events.extend(body["result"].as_array().cloned().unwrap_or_default());
            if page >= body["pagination"]["totalPages"].as_u64().unwrap_or(1) {
                break;
            }
        }
        let results: Vec<Value> = events
            .iter()
            .map(|e| json!({ "externalEventId": e["id"] }))
            .collect();
        let (status, body) = self
            .put(
                Some(&who.token),
                &format!("/api/v2/SyncRuns/{id}/FinalizeExternalEventSync"),
                json!({ "externalEventResults": results }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        events
    }

    pub async fn template(&self, owner: &Identity, extra: Value) -> String {
        let mut body =
            json!({ "content": cipher("template"), "expiresAt": "2099-01-01T00:00:00.000Z" });
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        let (status, created) = self
            .post(Some(&owner.token), "/api/v2/RelationshipTemplates", body)
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        created["result"]["id"]
            .as_str()
            .expect("template id")
            .to_owned()
    }

    /// `requestor` reads `owner`'s new template and sends a relationship request; returns its id.
    pub async fn pending_relationship(&self, owner: &Identity, requestor: &Identity) -> String {
        let template = self.template(owner, json!({})).await;
        let (status, _) = self
            .get(
                Some(&requestor.token),
                &format!("/api/v2/RelationshipTemplates/{template}"),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, created) = self
            .post(
                Some(&requestor.token),
                "/api/v2/Relationships",
                json!({ "relationshipTemplateId": template, "creationContent": cipher("request") }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        created["result"]["id"]
            .as_str()
            .expect("relationship id")
            .to_owned()
    }

    /// A relationship from `requestor` that `owner` has accepted; returns its id.
    pub async fn active_relationship(&self, owner: &Identity, requestor: &Identity) -> String {
        let relationship = self.pending_relationship(owner, requestor).await;
        let (status, body) = self
            .put(
                Some(&owner.token),
                &format!("/api/v2/Relationships/{relationship}/Accept"),
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        relationship
    }

    pub async fn send_message(&self, from: &Identity, to: &Identity) -> (StatusCode, Value) {
        let body = json!({ "recipients": [{ "address": to.address, "encryptedKey": cipher("k") }], "body": cipher("b") });
        self.post(Some(&from.token), "/api/v2/Messages", body).await
    }
}

pub fn rand_bytes() -> [u8; 32] {
    use rand::RngCore;
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    b
}

/// Status and body of a response; a body that is not JSON comes back as a string.
pub async fn reply(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.expect("body");
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, value)
}

/// The `result.id` of a creation response.
pub fn result_id(created: &Value) -> String {
    created["result"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no result id in {created}"))
        .to_owned()
}

/// An expected error: its HTTP status and its official `error.code`.
pub type ExpectedError = (StatusCode, &'static str);

pub const NOT_FOUND: ExpectedError = (StatusCode::NOT_FOUND, "error.platform.recordNotFound");
pub const FORBIDDEN: ExpectedError = (StatusCode::FORBIDDEN, "error.platform.forbidden");
pub const UNAUTHORIZED: ExpectedError = (StatusCode::UNAUTHORIZED, "error.platform.unauthorized");
pub const UNPARSABLE: ExpectedError = (
    StatusCode::BAD_REQUEST,
    "error.platform.inputCannotBeParsed",
);

pub fn bad_request(code: &'static str) -> ExpectedError {
    (StatusCode::BAD_REQUEST, code)
}

/// Asserts the official error envelope with the expected status and code.
pub fn assert_error((status, body): (StatusCode, Value), (expected_status, code): ExpectedError) {
    assert_eq!(status, expected_status, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        body["error"]["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("ERR") && id.len() == 20),
        "{body}"
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}
