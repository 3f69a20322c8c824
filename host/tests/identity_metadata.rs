//! `/IdentityMetadata` through REST on real Connectors and a local Backbone: upsert, get and
//! delete for the own address and a peer, keyed and unkeyed slots, the runtime's schema
//! messages, its two error codes, and the records about a peer going with the relationship.

mod common;

use common::{Backbone, Peer, error_of, relate};
use reqwest::Method;
use serde_json::{Value, json};

const INVALID: &str = "error.runtime.validation.invalidPropertyValue";
const NOT_FOUND: &str = "error.runtime.identityMetadata.notFound";

fn query(reference: &str, key: Option<&str>) -> String {
    let mut q = format!("/IdentityMetadata?reference={}", urlencode(reference));
    if let Some(k) = key {
        q.push_str(&format!("&key={}", urlencode(k)));
    }
    q
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn upsert(peer: &Peer, body: Value) -> Value {
    peer.ok(Method::PUT, "/IdentityMetadata", Some(body), 200)
        .await
}

async fn message(resp: reqwest::Response, status: u16, code: &str) -> String {
    error_of(resp, status, code).await["message"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn upsert_get_and_delete_by_reference_and_key() {
    let backbone = Backbone::start().await;
    let a = Peer::start(&backbone).await;
    let me = a.address().await;

    // A keyed record and the unkeyed one are separate slots.
    let keyed = upsert(
        &a,
        json!({"reference": me, "key": "k", "value": {"a": "json"}}),
    )
    .await;
    assert_eq!(
        keyed,
        json!({"reference": me, "key": "k", "value": {"a": "json"}})
    );
    let unkeyed = upsert(&a, json!({"reference": me, "value": "value"})).await;
    assert_eq!(unkeyed, json!({"reference": me, "value": "value"}));
    assert!(unkeyed.get("key").is_none(), "no key given, none answered");

    assert_eq!(
        a.get(&query(&me, Some("k"))).await["value"],
        json!({"a": "json"})
    );
    assert_eq!(a.get(&query(&me, None)).await["value"], "value");

    // Upserting the same slot replaces the value; primitives and null are values too.
    for value in [json!(42), json!(null), json!([1, "two"]), json!(false)] {
        let replaced = upsert(&a, json!({"reference": me, "key": "k", "value": value})).await;
        assert_eq!(replaced["value"], value);
        assert_eq!(a.get(&query(&me, Some("k"))).await["value"], value);
    }

    // Deleting the keyed slot leaves the unkeyed one.
    a.ok(Method::DELETE, &query(&me, Some("k")), None, 204)
        .await;
    let gone = a.send(Method::GET, &query(&me, Some("k")), None).await;
    assert_eq!(
        message(gone, 400, NOT_FOUND).await,
        "There is no stored IdentityMetadata for the specified combination of reference and key."
    );
    assert_eq!(a.get(&query(&me, None)).await["value"], "value");
    let again = a.send(Method::DELETE, &query(&me, Some("k")), None).await;
    error_of(again, 400, NOT_FOUND).await;
    a.ok(Method::DELETE, &query(&me, None), None, 204).await;
    error_of(
        a.send(Method::GET, &query(&me, None), None).await,
        400,
        NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn the_runtimes_schema_messages_and_an_unfamiliar_reference() {
    let backbone = Backbone::start().await;
    let a = Peer::start(&backbone).await;
    let stranger = Peer::start(&backbone).await;
    let me = a.address().await;
    let pattern =
        "did:e:((([A-Za-z0-9]+(-[A-Za-z0-9]+)*)\\.)+[a-z]{2,}|localhost):dids:[0-9a-f]{22}";

    let bodies = [
        (
            json!({}),
            "must have required property 'reference'".to_owned(),
        ),
        (
            json!({"reference": me}),
            "must have required property 'value'".to_owned(),
        ),
        (
            json!({"reference": me, "value": 1, "extra": 1}),
            "must NOT have additional properties".to_owned(),
        ),
        (
            json!({"reference": 5, "value": 1}),
            "reference must be string".to_owned(),
        ),
        (
            json!({"reference": "someone", "value": 1}),
            format!("reference must match pattern {pattern}"),
        ),
        (
            json!({"reference": me, "key": 7, "value": 1}),
            "key must be string".to_owned(),
        ),
    ];
    for (body, expected) in bodies {
        let resp = a
            .send(Method::PUT, "/IdentityMetadata", Some(body.clone()))
            .await;
        assert_eq!(message(resp, 400, INVALID).await, expected, "{body}");
    }

    let no_reference = a.send(Method::GET, "/IdentityMetadata?key=k", None).await;
    assert_eq!(
        message(no_reference, 400, INVALID).await,
        "must have required property 'reference'"
    );
    let twice = format!("{}&reference={}", query(&me, None), urlencode(&me));
    let resp = a.send(Method::DELETE, &twice, None).await;
    assert_eq!(
        message(resp, 400, INVALID).await,
        "reference must be string"
    );
    let resp = a
        .send(Method::GET, "/IdentityMetadata?reference=x", None)
        .await;
    assert_eq!(
        message(resp, 400, INVALID).await,
        format!("reference must match pattern {pattern}")
    );

    // Someone the Connector has no relationship with.
    let other = stranger.address().await;
    let resp = a
        .send(
            Method::PUT,
            "/IdentityMetadata",
            Some(json!({"reference": other, "value": 1})),
        )
        .await;
    assert_eq!(
        message(
            resp,
            400,
            "error.runtime.identityMetadata.unfamiliarReferencedIdentity"
        )
        .await,
        "The reference of the IdentityMetadata resolves neither to the address of a peer of a Relationship nor the address of the own Identity."
    );
}

#[tokio::test]
async fn records_about_a_peer_go_with_the_decomposed_relationship() {
    let backbone = Backbone::start().await;
    let a = Peer::start(&backbone).await;
    let b = Peer::start(&backbone).await;
    let (me, peer) = (a.address().await, b.address().await);
    let relationship = relate(&a, &b).await;

    upsert(
        &a,
        json!({"reference": peer, "key": "customerNumber", "value": "C-1"}),
    )
    .await;
    upsert(&a, json!({"reference": peer, "value": {"note": "unkeyed"}})).await;
    upsert(
        &a,
        json!({"reference": me, "key": "customerNumber", "value": "self"}),
    )
    .await;
    assert_eq!(
        a.get(&query(&peer, Some("customerNumber"))).await["value"],
        "C-1"
    );

    a.put(&format!("/Relationships/{relationship}/Terminate"))
        .await;
    // A terminated relationship still makes the peer familiar.
    upsert(
        &a,
        json!({"reference": peer, "key": "state", "value": "terminated"}),
    )
    .await;
    a.ok(
        Method::DELETE,
        &format!("/Relationships/{relationship}"),
        None,
        204,
    )
    .await;

    for key in [Some("customerNumber"), None, Some("state")] {
        let resp = a.send(Method::GET, &query(&peer, key), None).await;
        error_of(resp, 400, NOT_FOUND).await;
    }
    assert_eq!(
        a.get(&query(&me, Some("customerNumber"))).await["value"],
        "self",
        "what is kept about the own identity stays"
    );
    let resp = a
        .send(
            Method::PUT,
            "/IdentityMetadata",
            Some(json!({"reference": peer, "value": 1})),
        )
        .await;
    error_of(
        resp,
        400,
        "error.runtime.identityMetadata.unfamiliarReferencedIdentity",
    )
    .await;
}
