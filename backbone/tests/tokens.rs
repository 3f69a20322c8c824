//! Tokens on the Consumer API over real HTTP: every answer reads as the shared
//! `consumer_api::tokens` types, and passwords, `forIdentity`, the failed-attempt lock (with
//! its `TokenLocked` event) and the content update follow the Backbone's rules.

mod common;

use backbone::Config;
use common::{FORBIDDEN, NOT_FOUND, assert_error, b64u, bad_request, cipher, start};
use consumer_api::tokens::{CreateTokenResponse, Token, TokenLockedPayload};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn expires() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn created((status, body): (StatusCode, Value)) -> CreateTokenResponse {
    assert_eq!(status, StatusCode::CREATED, "{body}");
    serde_json::from_value(body["result"].clone()).expect("a CreateTokenResponse")
}

fn token((status, body): (StatusCode, Value)) -> Token {
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_value(body["result"].clone()).expect("a Token")
}

/// The password query parameter as transport sends it: standard base64, URL-encoded.
fn password_query(password: &[u8]) -> String {
    use base64::Engine;
    let std = base64::engine::general_purpose::STANDARD.encode(password);
    format!(
        "?password={}",
        std.replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D")
    )
}

#[tokio::test]
async fn tokens_read_as_the_shared_types_and_hide_from_those_they_are_not_for() {
    let h = start(Config::default()).await;
    let a = h.identity().await;
    let b = h.identity().await;
    let c = h.identity().await;

    let open = created(
        h.post(
            Some(&a.token),
            "/api/v2/Tokens",
            json!({"content": cipher("open"), "expiresAt": expires()}),
        )
        .await,
    );
    let read = token(h.get(None, &format!("/api/v2/Tokens/{}", open.id)).await);
    assert_eq!(read.id, open.id);
    assert_eq!(read.created_at, open.created_at);
    assert_eq!(
        read.created_by.as_ref().map(|x| x.as_str()),
        Some(a.address.as_str())
    );
    assert_eq!(read.created_by_device.as_deref(), Some(a.device.as_str()));
    assert!(!read.is_password_protected);
    assert!(matches!(read.content, Some(Some(_))));

    let personal = created(
        h.post(
            Some(&a.token),
            "/api/v2/Tokens",
            json!({"content": cipher("for b"), "expiresAt": expires(), "forIdentity": b.address}),
        )
        .await,
    );
    let path = format!("/api/v2/Tokens/{}", personal.id);
    let for_b = token(h.get(Some(&b.token), &path).await);
    assert_eq!(
        for_b.for_identity.map(|x| x.to_string()),
        Some(b.address.clone())
    );
    assert_error(h.get(Some(&c.token), &path).await, NOT_FOUND);
    assert_error(h.get(None, &path).await, NOT_FOUND);

    // Only the creator lists and deletes its tokens.
    let (status, listed) = h.get(Some(&a.token), "/api/v2/Tokens").await;
    assert_eq!(status, StatusCode::OK);
    let listed: Vec<Token> = serde_json::from_value(listed["result"].clone()).unwrap();
    assert_eq!(listed.len(), 2);
    assert_error(h.delete(Some(&b.token), &path).await, FORBIDDEN);
    let (status, _) = h.delete(Some(&a.token), &path).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_error(h.get(Some(&b.token), &path).await, NOT_FOUND);

    // The Backbone's own validation of a create.
    let (status, body) = h
        .post(
            Some(&a.token),
            "/api/v2/Tokens",
            json!({"content": cipher("x"), "expiresAt": "2000-01-01T00:00:00.000Z"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_error(
        h.post(
            Some(&a.token),
            "/api/v2/Tokens",
            json!({"content": cipher("x"), "expiresAt": expires(), "forIdentity": "nobody"}),
        )
        .await,
        bad_request("error.platform.validation.invalidPropertyValue"),
    );
}

#[tokio::test]
async fn wrong_passwords_lock_a_token_and_tell_its_creator() {
    let h = start(Config::default()).await;
    let a = h.identity().await;
    let b = h.identity().await;
    let password = [9u8; 32];
    let made = created(
        h.post(
            Some(&a.token),
            "/api/v2/Tokens",
            json!({"content": cipher("secret"), "expiresAt": expires(), "password": b64u(&password)}),
        )
        .await,
    );
    let path = format!("/api/v2/Tokens/{}", made.id);
    assert_error(h.get(Some(&b.token), &path).await, NOT_FOUND);
    let right = token(
        h.get(None, &format!("{path}{}", password_query(&password)))
            .await,
    );
    assert!(right.is_password_protected);

    let wrong = format!("{path}{}", password_query(&[1u8; 32]));
    let mut locked = None;
    for _ in 0..100 {
        let answer = h.get(None, &wrong).await;
        if answer.0 != StatusCode::NOT_FOUND {
            locked = Some(answer);
            break;
        }
    }
    assert_error(
        locked.expect("the token locks after 100 wrong passwords"),
        bad_request("error.platform.token.tooManyFailedPasswordAttempts"),
    );
    // Locked for the right password too, but not for its creator.
    let right_again = h
        .get(None, &format!("{path}{}", password_query(&password)))
        .await;
    assert_error(
        right_again,
        bad_request("error.platform.token.tooManyFailedPasswordAttempts"),
    );
    token(h.get(Some(&a.token), &path).await);

    let events = h.sync_all(&a).await;
    let locked_events: Vec<TokenLockedPayload> = events
        .iter()
        .filter(|e| e["type"] == "TokenLocked")
        .map(|e| serde_json::from_value(e["payload"].clone()).expect("a TokenLockedPayload"))
        .collect();
    assert_eq!(
        locked_events,
        [TokenLockedPayload {
            token_id: made.id.clone()
        }]
    );
}

#[tokio::test]
async fn an_empty_token_is_filled_in_once() {
    let h = start(Config::default()).await;
    let a = h.identity().await;
    let empty = created(
        h.post(None, "/api/v2/Tokens", json!({"expiresAt": expires()}))
            .await,
    );
    let path = format!("/api/v2/Tokens/{}", empty.id);
    let before = token(h.get(None, &path).await);
    assert_eq!(before.content, Some(None));
    assert_eq!(before.created_by, None);

    let update = format!("{path}/UpdateContent");
    let (status, body) = h
        .request(
            reqwest::Method::POST,
            Some(&a.token),
            &update,
            Some(json!({"newContent": cipher("filled")})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body["result"].get("content").is_none(),
        "the answer to an update leaves the content out: {body}"
    );
    let answer: Token = serde_json::from_value(body["result"].clone()).unwrap();
    assert_eq!(answer.content, None);
    assert_eq!(
        answer.created_by.map(|x| x.to_string()),
        Some(a.address.clone())
    );

    let again = h
        .request(
            reqwest::Method::POST,
            Some(&a.token),
            &update,
            Some(json!({"newContent": cipher("twice")})),
        )
        .await;
    assert_error(
        again,
        bad_request("error.platform.token.contentUpdateNotPossibleBecauseContentAlreadyExists"),
    );
    let after = token(h.get(None, &path).await);
    assert!(matches!(after.content, Some(Some(_))));
}
