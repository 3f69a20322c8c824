//! The HTTP edge as a client of the official Connector sees it, through a real server: the
//! official codes and messages of the shell's own errors, error ids from the official alphabet,
//! paths matched case-insensitively, and `/Monitoring/Support` in the official shape with
//! nothing secret in it.

mod common;

use common::{API_KEY, MONITOR_ONLY_KEY, Running, error_of};
use serde_json::{Value, json};

const KEK: &str = "a-long-key-encryption-passphrase-for-the-edge-test";
const ERROR_ID_ALPHABET: &str = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// Every string in `value` (object keys excluded), with the key it was found under.
fn strings<'a>(value: &'a Value, key: &'a str, out: &mut Vec<(&'a str, &'a str)>) {
    match value {
        Value::String(s) => out.push((key, s)),
        Value::Array(items) => items.iter().for_each(|v| strings(v, key, out)),
        Value::Object(map) => map.iter().for_each(|(k, v)| strings(v, k, out)),
        _ => {}
    }
}

#[tokio::test]
async fn support_shows_the_official_shape_and_no_secret_of_the_identity() {
    let c = Running::start_with(|cfg| {
        cfg["transportLibrary"]["keyEncryptionKey"] = json!(KEK);
    })
    .await;
    let resp = c.get("/Monitoring/Support", Some(API_KEY)).await;
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.unwrap();
    let support: Value = serde_json::from_str(&text).unwrap();

    let mut keys: Vec<&str> = support
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["configuration", "health", "identityInfo", "version"],
        "exactly the official keys, no `modules`"
    );
    let info: Value = c
        .get("/api/core/v1/Account/IdentityInfo", Some(API_KEY))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        support["identityInfo"], info["result"],
        "the identity as `GET /Account/IdentityInfo` shows it"
    );
    let mut info_keys: Vec<&str> = support["identityInfo"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    info_keys.sort_unstable();
    assert_eq!(info_keys, ["address", "publicKey"]);

    // Every value the stored identity holds besides its public parts: sealed private keys,
    // the sealed device password, the device's username and id, the vault salt.
    let stored = c
        .connector
        .app
        .store
        .get("AccountInfo", "identity")
        .await
        .unwrap()
        .expect("the stored identity");
    let mut values = Vec::new();
    strings(&stored, "", &mut values);
    let public = ["id", "state", "address", "publicKey", "createdAt"];
    let secrets: Vec<(&str, &str)> = values
        .into_iter()
        .filter(|(key, value)| !public.contains(key) && value.len() >= 8)
        .collect();
    let secret_keys: Vec<&str> = secrets.iter().map(|(k, _)| *k).collect();
    for expected in ["vaultSalt", "devicePassword", "username"] {
        assert!(
            secret_keys.contains(&expected),
            "the scan covers {expected}: {secret_keys:?}"
        );
    }
    for (key, secret) in &secrets {
        assert!(!text.contains(secret), "support output leaks {key}");
    }
    for secret in [API_KEY, MONITOR_ONLY_KEY, KEK] {
        assert!(
            !text.contains(secret),
            "support output leaks a configured secret"
        );
    }
}

#[tokio::test]
async fn the_shell_answers_with_the_official_codes_and_messages() {
    let c = Running::start().await;
    let cases = [
        (
            c.get("/api/core/v1/Nothing", Some(API_KEY)).await,
            404,
            "error.connector.http.routeDoesNotExist",
            "The requested route does not exist.",
        ),
        (
            c.http.delete(c.url("/health")).send().await.unwrap(),
            405,
            "error.connector.http.methodNotAllowed",
            "The request method is not supported for the requested resource.",
        ),
        (
            c.http
                .get(c.url("/Monitoring/Version"))
                .header("X-API-KEY", API_KEY)
                .header("accept", "text/html")
                .send()
                .await
                .unwrap(),
            406,
            "error.connector.http.notAcceptable",
            "The requested resource is capable of generating only content not acceptable according to the Accept headers sent in the request.",
        ),
        (
            c.get("/api/core/v1/Messages", Some(MONITOR_ONLY_KEY)).await,
            403,
            "error.connector.forbidden",
            "You are not allowed to access this endpoint.",
        ),
        (
            c.http
                .post(c.url("/api/core/v1/Tokens/Own"))
                .header("X-API-KEY", API_KEY)
                .header("content-type", "application/json")
                .body("{ not json")
                .send()
                .await
                .unwrap(),
            400,
            "error.connector.validation.invalidJsonInPayload",
            "The given payload is not a valid json object.",
        ),
        (
            c.get("/Monitoring/Version", None).await,
            401,
            "error.connector.unauthorized",
            "Unauthorized.",
        ),
    ];
    for (resp, status, code, message) in cases {
        let err = error_of(resp, status, code).await;
        assert_eq!(err["message"], message, "{code}");
    }
}

#[tokio::test]
async fn error_ids_use_the_official_alphabet() {
    let c = Running::start().await;
    for _ in 0..40 {
        let err = error_of(
            c.get("/api/core/v1/Nothing", Some(API_KEY)).await,
            404,
            "error.connector.http.routeDoesNotExist",
        )
        .await;
        let id = err["id"].as_str().unwrap();
        let rest = id.strip_prefix("ERR").expect("ERR prefix");
        assert_eq!(rest.len(), 17, "{id}");
        assert!(
            rest.chars().all(|ch| ERROR_ID_ALPHABET.contains(ch)),
            "{id} has a character outside {ERROR_ID_ALPHABET}"
        );
    }
}

#[tokio::test]
async fn paths_match_case_insensitively_as_express_does() {
    let c = Running::start_with(common::with_docs).await;
    let body = |resp: reqwest::Response| async move {
        assert_eq!(resp.status(), 200);
        resp.json::<Value>().await.unwrap()
    };
    let official = body(
        c.get("/api/core/v1/Account/IdentityInfo", Some(API_KEY))
            .await,
    )
    .await;
    for spelling in [
        "/api/core/v1/account/identityinfo",
        "/API/CORE/V1/ACCOUNT/IDENTITYINFO",
        "/api/core/v1/Account/IdentityInfo/",
    ] {
        assert_eq!(
            body(c.get(spelling, Some(API_KEY)).await).await,
            official,
            "{spelling}"
        );
    }
    let messages = body(c.get("/api/core/v1/Messages", Some(API_KEY)).await).await;
    assert_eq!(
        body(c.get("/api/core/v1/messages", Some(API_KEY)).await).await,
        messages
    );
    let version = body(c.get("/monitoring/version", Some(API_KEY)).await).await;
    assert_eq!(version["version"], env!("CARGO_PKG_VERSION"));

    // A path parameter keeps the caller's spelling: ids are case-sensitive.
    let token = c
        .http
        .post(c.url("/api/core/v1/tokens/own"))
        .header("X-API-KEY", API_KEY)
        .json(
            &json!({"content": {"a": 1}, "expiresAt": common::in_minutes(10), "ephemeral": false}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(token.status(), 201, "POST in lower case creates a token");
    let token: Value = token.json().await.unwrap();
    let id = token["result"]["id"].as_str().unwrap();
    let fetched = body(
        c.get(&format!("/api/core/v1/tokens/{id}"), Some(API_KEY))
            .await,
    )
    .await;
    assert_eq!(fetched["result"]["id"], id);
    error_of(
        c.get(
            &format!("/api/core/v1/Tokens/{}", id.to_lowercase()),
            Some(API_KEY),
        )
        .await,
        400,
        "error.runtime.validation.invalidPropertyValue",
    )
    .await;

    // The API document keeps the official spelling.
    let doc: Value = c.get("/docs/json", None).await.json().await.unwrap();
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.contains_key("/api/core/v1/Messages"));
    assert!(!paths.keys().any(|p| p == "/api/core/v1/messages"));
    // Unknown routes stay unknown in any spelling.
    error_of(
        c.get("/api/core/v1/nothing", Some(API_KEY)).await,
        404,
        "error.connector.http.routeDoesNotExist",
    )
    .await;
}
