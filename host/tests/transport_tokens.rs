//! Tokens through the REST API of two Connectors on a local Backbone: DTOs with exactly the
//! official fields, password location indicators as the official runtime stores, shows,
//! filters and refuses them, and the official code and message for bad token input.

mod common;

use common::{Backbone, Peer, error_of, in_minutes};
use reqwest::Method as M;
use serde_json::{Value, json};

const INDICATOR_MESSAGE: &str = "must be a number from 50 to 99 or one of the following strings: Self, Letter, RegistrationLetter, Email, SMS, Website";
const INDICATOR_KEY: &str = "passwordProtection.passwordLocationIndicator";

/// Asserts the DTO has exactly the official `TokenDTO` fields and reads as one.
fn assert_token_dto(dto: &Value) -> runtime_types::tokens::TokenDto {
    let required = [
        "id",
        "isOwn",
        "createdBy",
        "createdByDevice",
        "content",
        "createdAt",
        "expiresAt",
        "reference",
        "isEphemeral",
    ];
    let optional = ["forIdentity", "passwordProtection"];
    let map = dto.as_object().expect("a DTO is an object");
    for key in required {
        assert!(map.contains_key(key), "{key} missing in {dto}");
    }
    for key in map.keys() {
        assert!(
            required.contains(&key.as_str()) || optional.contains(&key.as_str()),
            "{key} is not a TokenDTO field: {dto}"
        );
    }
    for date in ["createdAt", "expiresAt"] {
        let text = dto[date].as_str().unwrap();
        // `2026-11-28T01:13:37.487Z`, as the runtime prints dates.
        assert_eq!(text.len(), 24, "{date}: {text}");
        assert!(text.ends_with('Z') && text.as_bytes()[19] == b'.', "{text}");
    }
    assert_eq!(
        dto["reference"].as_object().unwrap().len(),
        2,
        "reference is {{truncated, url}}"
    );
    serde_json::from_value(dto.clone()).expect("reads as runtime-types TokenDto")
}

fn own_token_body(protection: Value) -> Value {
    json!({"content": {"any": "json"}, "expiresAt": in_minutes(30), "passwordProtection": protection})
}

async fn ids(peer: &Peer, path: &str) -> Vec<String> {
    let mut ids: Vec<String> = peer
        .get(path)
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[tokio::test]
async fn location_indicators_are_stored_shown_filtered_and_mapped_as_the_runtime_does() {
    let backbone = Backbone::start().await;
    let a = Peer::start(&backbone).await;
    let b = Peer::start(&backbone).await;

    let email = a
        .post(
            "/Tokens/Own",
            own_token_body(json!({"password": "secret", "passwordLocationIndicator": "Email"})),
        )
        .await;
    assert_token_dto(&email);
    assert_eq!(
        email["passwordProtection"],
        json!({"password": "secret", "passwordLocationIndicator": "Email"})
    );
    assert_eq!(email["isOwn"], true);
    assert_eq!(email["isEphemeral"], false);
    assert_eq!(email["content"], json!({"any": "json"}));

    let ninety_nine = a
        .post(
            "/Tokens/Own",
            own_token_body(
                json!({"password": "1234", "passwordIsPin": true, "passwordLocationIndicator": 99}),
            ),
        )
        .await;
    assert_eq!(
        ninety_nine["passwordProtection"],
        json!({"password": "1234", "passwordIsPin": true, "passwordLocationIndicator": 99})
    );
    let own_self = a
        .post(
            "/Tokens/Own",
            own_token_body(json!({"password": "pw", "passwordLocationIndicator": "Self"})),
        )
        .await;
    let plain = a
        .post(
            "/Tokens/Own",
            json!({"content": {"k": 1}, "expiresAt": in_minutes(30), "ephemeral": false}),
        )
        .await;
    assert!(plain.get("passwordProtection").is_none(), "{plain}");
    assert!(plain.get("forIdentity").is_none(), "{plain}");
    let id = |v: &Value| v["id"].as_str().unwrap().to_owned();

    // The reference carries the number; the peer sees the option's name or the number.
    for (own, password, shown) in [
        (&email, "secret", json!("Email")),
        (&ninety_nine, "1234", json!(99)),
        (&own_self, "pw", json!("Self")),
    ] {
        let loaded = b
            .post(
                "/Tokens/Peer",
                json!({"reference": own["reference"]["truncated"], "password": password}),
            )
            .await;
        assert_token_dto(&loaded);
        assert_eq!(loaded["isOwn"], false);
        assert_eq!(loaded["createdBy"], own["createdBy"]);
        assert_eq!(loaded["createdAt"], own["createdAt"]);
        assert_eq!(
            loaded["passwordProtection"]["passwordLocationIndicator"],
            shown
        );
        assert_eq!(loaded["content"], json!({"any": "json"}));
    }

    // Filters: names and numbers as the runtime reads them.
    let q = |v: &str| format!("/Tokens/Own?{INDICATOR_KEY}={v}");
    assert_eq!(ids(&a, &q("Email")).await, [id(&email)]);
    assert_eq!(ids(&a, &q("4")).await, [id(&email)]);
    assert_eq!(ids(&a, &q("99")).await, [id(&ninety_nine)]);
    assert_eq!(ids(&a, &q("Self")).await, [id(&own_self)]);
    assert_eq!(ids(&a, &q("SMS")).await, Vec::<String>::new());
    assert_eq!(ids(&a, &q("bogus")).await, Vec::<String>::new());
    assert_eq!(
        ids(
            &a,
            &format!("/Tokens/Own?{INDICATOR_KEY}=Email&{INDICATOR_KEY}=99")
        )
        .await,
        sorted(vec![id(&email), id(&ninety_nine)])
    );
    assert_eq!(
        ids(&a, "/Tokens/Own?passwordProtection.passwordIsPin=true").await,
        [id(&ninety_nine)]
    );
    assert_eq!(
        ids(&a, "/Tokens/Own?passwordProtection.passwordIsPin=!").await,
        sorted(vec![id(&email), id(&own_self)])
    );
    assert_eq!(
        ids(&a, "/Tokens/Own?passwordProtection=!").await,
        [id(&plain)]
    );
    assert_eq!(ids(&a, "/Tokens/Own?passwordProtection=").await.len(), 3);
    assert_eq!(
        ids(&b, &format!("/Tokens/Peer?{INDICATOR_KEY}=Email")).await,
        [id(&email)]
    );
    assert_eq!(ids(&b, "/Tokens/Own").await, Vec::<String>::new());

    // Every listed and fetched DTO has the official shape.
    for dto in a.get("/Tokens/Own").await.as_array().unwrap() {
        assert_token_dto(dto);
        let fetched = a.get(&format!("/Tokens/{}", id(dto))).await;
        assert_eq!(&fetched, dto);
    }
    for dto in b.get("/Tokens/Peer").await.as_array().unwrap() {
        assert_token_dto(dto);
    }

    // What the creator may not choose is refused with the runtime's message.
    for bad in [
        json!("invalidPasswordLocationIndicator"),
        json!(1000),
        json!(49),
        json!(1),
        json!("RecoveryKit"),
        json!(null),
    ] {
        let resp = a
            .send(
                M::POST,
                "/Tokens/Own",
                Some(own_token_body(
                    json!({"password": "x", "passwordLocationIndicator": bad}),
                )),
            )
            .await;
        let err = error_of(resp, 400, "error.runtime.validation.invalidPropertyValue").await;
        assert_eq!(err["message"], INDICATOR_MESSAGE, "{bad}");
    }
    assert_eq!(ids(&a, "/Tokens/Own").await.len(), 4, "nothing was created");
}

#[tokio::test]
async fn an_own_token_loaded_by_reference_comes_from_the_store_and_ephemeral_ones_are_not_kept() {
    let backbone = Backbone::start().await;
    let a = Peer::start(&backbone).await;
    let b = Peer::start(&backbone).await;
    let own = a
        .post(
            "/Tokens/Own",
            json!({"content": {"a": 1}, "expiresAt": in_minutes(30), "ephemeral": true}),
        )
        .await;
    assert_eq!(own["isEphemeral"], true);
    assert_eq!(a.get("/Tokens/Own").await, json!([]));
    let url = own["reference"]["url"].as_str().unwrap();
    let loaded = b
        .post("/Tokens/Peer", json!({"reference": url, "ephemeral": true}))
        .await;
    assert_eq!(loaded["isEphemeral"], true);
    assert_eq!(b.get("/Tokens/Peer").await, json!([]));

    let kept = a
        .post(
            "/Tokens/Own",
            json!({"content": "ab", "expiresAt": in_minutes(30)}),
        )
        .await;
    // Untyped content as the runtime wraps it: a string spreads into an object by index.
    assert_eq!(kept["content"], json!({"0": "a", "1": "b"}));
    let again = a
        .post(
            "/Tokens/Peer",
            json!({"reference": kept["reference"]["truncated"]}),
        )
        .await;
    assert_eq!(again["isOwn"], true);
    assert_eq!(again["id"], kept["id"]);
    assert_eq!(again["content"], kept["content"]);
}

#[tokio::test]
async fn bad_token_input_gets_the_official_code_and_message() {
    let backbone = Backbone::start().await;
    let a = Peer::start(&backbone).await;
    const INVALID: &str = "error.runtime.validation.invalidPropertyValue";
    let message = |resp: reqwest::Response, status: u16, code: &'static str| async move {
        error_of(resp, status, code).await["message"]
            .as_str()
            .unwrap()
            .to_owned()
    };

    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"content": {}, "expiresAt": "yesterday"}),
            "expiresAt must match ISO8601 datetime format",
        ),
        (
            json!({"content": {}, "expiresAt": "2000-01-01T00:00:00.000Z"}),
            "'expiresAt' must be in the future",
        ),
        (
            json!({"content": {}, "expiresAt": in_minutes(5), "passwordProtection": {"password": "abc", "passwordIsPin": true}}),
            "'passwordProtection.passwordIsPin' is true, hence 'passwordProtection.password' must consist of 4 to 16 digits from 0 to 9.",
        ),
        (
            // The schema's checks come before the time check.
            json!({"content": {}, "expiresAt": "2000-01-01T00:00:00.000Z", "passwordProtection": {"password": ""}}),
            "passwordProtection/password must NOT have fewer than 1 characters",
        ),
    ];
    for (body, expected) in cases {
        let resp = a.send(M::POST, "/Tokens/Own", Some(body.clone())).await;
        assert_eq!(message(resp, 400, INVALID).await, expected, "{body}");
    }
    let resp = a
        .send(
            M::POST,
            "/Tokens/Own",
            Some(json!({"content": null, "expiresAt": in_minutes(5)})),
        )
        .await;
    assert_eq!(
        message(resp, 400, "error.runtime.invalidTokenContent").await,
        "The given Token has an invalid content for this route."
    );

    // Every malformed, null or empty token reference, and any other shape error of the body.
    let file_reference = format!("RklM{}", "x".repeat(90));
    for body in [
        json!({}),
        json!({"reference": null}),
        json!({"reference": ""}),
        json!({"reference": 42}),
        json!({"reference": "VE9LeHh4eHh4eHh4eHh4eHh4eHh4fDN8"}),
        json!({"reference": file_reference}),
        json!({"reference": "https://example.com/r/FILxxxxxxxxxxxxxxxxx#abc"}),
        json!({"reference": format!("VE9L{}", "x".repeat(84)), "unknown": 1}),
        json!({"reference": format!("VE9L{}", "x".repeat(84)), "ephemeral": "yes"}),
        json!([1, 2]),
    ] {
        let resp = a.send(M::POST, "/Tokens/Peer", Some(body.clone())).await;
        assert_eq!(
            message(resp, 400, INVALID).await,
            "token reference invalid",
            "{body}"
        );
    }
    let resp = a.post_raw("/Tokens/Peer", "{not json").await;
    error_of(resp, 400, "error.connector.validation.invalidJsonInPayload").await;

    // Typed ids in the path.
    for method in [M::GET, M::DELETE] {
        let resp = a.send(method, "/Tokens/nope", None).await;
        assert_eq!(
            message(resp, 400, INVALID).await,
            "id must match pattern TOK[A-Za-z0-9]{17}"
        );
    }
    let resp = a.send(M::GET, "/Tokens/TOKxxxxxxxxxxxxxxxxx", None).await;
    error_of(resp, 404, "error.runtime.recordNotFound").await;

    // Query keys and values outside the official ones.
    for query in [
        "unknownKey=1",
        "passwordProtection.passwordIsPin=yes",
        "passwordProtection=x",
    ] {
        let resp = a.send(M::GET, &format!("/Tokens/Own?{query}"), None).await;
        error_of(resp, 400, INVALID).await;
    }
}
