//! `/Attributes` through REST on a real Connector with a local Backbone: creating own identity
//! attributes with every check in the runtime's order and words, reading and listing them with
//! the official filters, succession and versions, the identity attribute and IQL queries, and
//! deletion with the predecessors.

mod common;

use common::webhooks::Webhooks;
use common::{Backbone, Peer, error_of};
use reqwest::Method;
use serde_json::{Value, json};

const INVALID: &str = "error.runtime.validation.invalidPropertyValue";
const DESERIALIZATION: &str = "error.runtime.requestDeserialization";

async fn message(resp: reqwest::Response, status: u16, code: &str) -> String {
    error_of(resp, status, code).await["message"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn given_name(name: &str) -> Value {
    json!({"content": {"value": {"@type": "GivenName", "value": name}}})
}

async fn create(a: &Peer, body: Value) -> Value {
    a.post("/Attributes", body).await
}

fn ids(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn create_get_and_the_checks_in_the_runtimes_order() {
    let backbone = Backbone::start().await;
    let a = Peer::start(&backbone).await;
    let me = a.address().await;

    let resp = a
        .send(Method::POST, "/Attributes", Some(given_name("  Alice ")))
        .await;
    assert_eq!(resp.status().as_u16(), 201);
    assert_eq!(resp.headers()["location"], "_");
    let created: Value = resp.json::<Value>().await.unwrap()["result"].clone();
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("ATT") && id.len() == 20, "{id}");
    assert_eq!(created["@type"], "OwnIdentityAttribute");
    assert_eq!(created["numberOfForwards"], 0);
    assert_eq!(
        created["content"],
        json!({"@type": "IdentityAttribute", "owner": me, "value": {"@type": "GivenName", "value": "Alice"}}),
        "the value's strings are trimmed"
    );
    let keys: Vec<&String> = created.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 5, "no fields beyond the DTO's: {keys:?}");
    assert_eq!(a.get(&format!("/Attributes/{id}")).await, created);

    // The same value again, whitespace and all, is a duplicate.
    for body in [given_name("Alice"), given_name("Alice  ")] {
        let resp = a.send(Method::POST, "/Attributes", Some(body)).await;
        assert_eq!(
            message(
                resp,
                400,
                "error.runtime.attributes.cannotCreateDuplicateOwnIdentityAttribute"
            )
            .await,
            format!(
                "The OwnIdentityAttribute cannot be created because it has the same content.value as the already existing OwnIdentityAttribute with id '{id}'."
            )
        );
    }

    let cases = [
        (json!({}), INVALID, "must have required property 'content'".to_owned()),
        (json!({"content": {}}), INVALID, "content must have required property 'value'".to_owned()),
        (
            json!({"content": {"value": {"@type": "GivenName", "value": "B"}}, "x": 1}),
            INVALID,
            "must NOT have additional properties".to_owned(),
        ),
        (
            json!({"content": {"value": {"@type": "GivenName", "value": "B"}, "tags": "x"}}),
            INVALID,
            "content/tags must be array".to_owned(),
        ),
        (
            json!({"content": {"value": {"@type": "ProprietaryString", "title": "t", "value": "v"}}}),
            INVALID,
            "content.value.@type must match one of the allowed Attribute value types for IdentityAttributes".to_owned(),
        ),
        (
            json!({"content": {"value": {"@type": "GivenName"}}}),
            INVALID,
            "GivenName :: must have required property 'value'".to_owned(),
        ),
        (
            json!({"content": {"value": {"@type": "GivenName", "value": "B", "x": 1}}}),
            INVALID,
            "GivenName :: must NOT have additional properties".to_owned(),
        ),
        (
            json!({"content": {"value": {"@type": "BirthDate", "day": "1", "month": 1, "year": 1990}}}),
            INVALID,
            "BirthDate :: day must be number".to_owned(),
        ),
        (
            given_name(&"x".repeat(101)),
            DESERIALIZATION,
            "GivenName.value :: Value is longer than 100 characters".to_owned(),
        ),
    ];
    for (body, code, expected) in cases {
        let resp = a
            .send(Method::POST, "/Attributes", Some(body.clone()))
            .await;
        assert_eq!(message(resp, 400, code).await, expected, "{body}");
    }

    let resp = a
        .send(Method::POST, "/Attributes", Some(given_name("Анна")))
        .await;
    let text = message(
        resp,
        400,
        "error.consumption.attributes.forbiddenCharactersInAttribute",
    )
    .await;
    assert!(
        text.starts_with("error.consumption.attributes.forbiddenCharactersInAttribute: 'The Attribute contains forbidden characters.' at "),
        "{text}"
    );

    // Tags are checked against the Backbone's tag collection and ignored by the duplicate
    // check; IQL finds attributes by them.
    let tagged = create(
        &a,
        json!({"content": {"value": {"@type": "Surname", "value": "Tagged"}, "tags": ["x:custom", "language:de", "urn:a:b"]}}),
    )
    .await;
    assert_eq!(
        tagged["content"]["tags"],
        json!(["x:custom", "language:de", "urn:a:b"])
    );
    let resp = a
        .send(
            Method::POST,
            "/Attributes",
            Some(json!({"content": {"value": {"@type": "Surname", "value": "Other"}, "tags": ["nonsense", "language:xx"]}})),
        )
        .await;
    assert_eq!(
        message(resp, 400, "error.consumption.attributes.invalidTags").await,
        "Detected invalidity of the following tags: 'nonsense', 'language:xx'."
    );
    let duplicate = a
        .send(
            Method::POST,
            "/Attributes",
            Some(json!({"content": {"value": {"@type": "Surname", "value": "Tagged"}, "tags": ["x:other"]}})),
        )
        .await;
    error_of(
        duplicate,
        400,
        "error.runtime.attributes.cannotCreateDuplicateOwnIdentityAttribute",
    )
    .await;
    let found = a
        .ok(
            Method::POST,
            "/Attributes/ExecuteIQLQuery",
            Some(json!({"query": {"queryString": "#language:de && Surname"}})),
            200,
        )
        .await;
    assert_eq!(ids(&found), [tagged["id"].as_str().unwrap()]);

    let resp = a.send(Method::GET, "/Attributes/ATT1", None).await;
    assert_eq!(
        message(resp, 400, INVALID).await,
        "id must match pattern ATT[A-Za-z0-9]{17}"
    );
    let resp = a
        .send(Method::GET, "/Attributes/ATTaaaaaaaaaaaaaaaaa", None)
        .await;
    assert_eq!(
        message(resp, 404, "error.runtime.recordNotFound").await,
        "LocalAttribute not found. Make sure the ID exists and the record is not expired."
    );
}

#[tokio::test]
async fn can_create_reports_value_problems_as_results() {
    let backbone = Backbone::start().await;
    let a = Peer::start(&backbone).await;
    let can = |body: Value| {
        let a = &a;
        async move {
            a.ok(Method::PUT, "/Attributes/CanCreate", Some(body), 200)
                .await
        }
    };
    assert_eq!(can(given_name("Bob")).await, json!({"isSuccess": true}));
    assert_eq!(
        a.get("/Attributes").await,
        json!([]),
        "asking creates nothing"
    );
    let id = create(&a, given_name("Bob")).await["id"].clone();
    assert_eq!(
        can(given_name(" Bob")).await,
        json!({"isSuccess": false, "code": "error.runtime.attributes.cannotCreateDuplicateOwnIdentityAttribute",
               "message": format!("The OwnIdentityAttribute cannot be created because it has the same content.value as the already existing OwnIdentityAttribute with id '{}'.", id.as_str().unwrap())})
    );
    assert_eq!(
        can(json!({"content": {"value": {"@type": "Nope"}}})).await,
        json!({"isSuccess": false, "code": INVALID, "message": "content.value.@type must match one of the allowed Attribute value types for IdentityAttributes"})
    );
    assert_eq!(
        can(given_name(&"x".repeat(101))).await,
        json!({"isSuccess": false, "code": INVALID, "message": "GivenName.value :: Value is longer than 100 characters"})
    );
    let resp = a
        .send(
            Method::PUT,
            "/Attributes/CanCreate",
            Some(json!({"content": 1})),
        )
        .await;
    assert_eq!(message(resp, 400, INVALID).await, "content must be object");
}

#[tokio::test]
async fn succession_versions_listing_and_deletion() {
    let backbone = Backbone::start().await;
    let a = Peer::start(&backbone).await;
    let first = create(&a, given_name("Carol")).await;
    let first_id = first["id"].as_str().unwrap().to_owned();
    let surname = create(
        &a,
        json!({"content": {"value": {"@type": "Surname", "value": "Smith"}}}),
    )
    .await;

    let succeeded = a
        .post(
            &format!("/Attributes/{first_id}/Succeed"),
            json!({"successorContent": {"value": {"@type": "GivenName", "value": " Caroline "}}}),
        )
        .await;
    let second = succeeded["successor"].clone();
    let second_id = second["id"].as_str().unwrap().to_owned();
    assert_eq!(succeeded["predecessor"]["succeededBy"], second_id.as_str());
    assert_eq!(second["succeeds"], first_id.as_str());
    assert_eq!(second["content"]["value"]["value"], "Caroline");
    assert_eq!(second["numberOfForwards"], 0);
    assert!(succeeded.get("notificationId").is_none());

    // Succession rules, each with its own code.
    let resp = a
        .send(
            Method::POST,
            &format!("/Attributes/{first_id}/Succeed"),
            Some(json!({"successorContent": {"value": {"@type": "GivenName", "value": "Caro"}}})),
        )
        .await;
    error_of(
        resp,
        400,
        "error.consumption.attributes.cannotSucceedAttributesWithASuccessor",
    )
    .await;
    for (value, code) in [
        (
            json!({"@type": "GivenName", "value": "Caroline"}),
            "error.consumption.attributes.successionMustChangeContent",
        ),
        (
            json!({"@type": "Surname", "value": "Caroline"}),
            "error.consumption.attributes.successionMustNotChangeValueType",
        ),
    ] {
        let resp = a
            .send(
                Method::POST,
                &format!("/Attributes/{second_id}/Succeed"),
                Some(json!({"successorContent": {"value": value}})),
            )
            .await;
        error_of(resp, 400, code).await;
    }
    let resp = a
        .send(
            Method::POST,
            "/Attributes/ATTbbbbbbbbbbbbbbbbb/Succeed",
            Some(json!({"successorContent": {"value": {"@type": "GivenName", "value": "X"}}})),
        )
        .await;
    assert_eq!(
        message(resp, 404, "error.runtime.recordNotFound").await,
        "Predecessor attribute 'ATTbbbbbbbbbbbbbbbbb' not found."
    );

    // Versions, newest first, from either end of the chain.
    for id in [&first_id, &second_id] {
        let versions = a.get(&format!("/Attributes/{id}/Versions")).await;
        assert_eq!(ids(&versions), [second_id.as_str(), first_id.as_str()]);
    }

    // Listings: latest versions by default, filters as the runtime reads them.
    let latest = a.get("/Attributes/Own/Identity").await;
    assert_eq!(
        ids(&latest),
        [surname["id"].as_str().unwrap(), second_id.as_str()]
    );
    let all = a
        .get("/Attributes/Own/Identity?onlyLatestVersions=false")
        .await;
    assert_eq!(all.as_array().unwrap().len(), 3);
    let names = a
        .get("/Attributes?content.value.@type=GivenName&unknownKey=1")
        .await;
    assert_eq!(ids(&names), [first_id.as_str(), second_id.as_str()]);
    let resp = a
        .send(Method::GET, "/Attributes/Own/Identity?peer=x", None)
        .await;
    assert_eq!(
        message(resp, 400, INVALID).await,
        "query must NOT have additional properties"
    );
    assert_eq!(
        a.get(&format!("/Attributes/Peer/{}", a.address().await))
            .await,
        json!([])
    );
    let resp = a.send(Method::GET, "/Attributes/Peer/nobody", None).await;
    assert!(
        message(resp, 400, INVALID)
            .await
            .starts_with("peer must match pattern did:e:")
    );

    // The identity attribute query returns every version; the IQL query too.
    let query = a
        .ok(
            Method::POST,
            "/Attributes/ExecuteIdentityAttributeQuery",
            Some(json!({"query": {"valueType": "GivenName"}})),
            200,
        )
        .await;
    assert_eq!(ids(&query), [first_id.as_str(), second_id.as_str()]);
    let iql = |q: &str| {
        let a = &a;
        let body = json!({"query": {"queryString": q}});
        async move {
            a.ok(Method::POST, "/Attributes/ExecuteIQLQuery", Some(body), 200)
                .await
        }
    };
    assert_eq!(
        ids(&iql("GivenName").await),
        [first_id.as_str(), second_id.as_str()]
    );
    assert_eq!(
        ids(&iql("GivenName.value=Caroline").await),
        [second_id.as_str()]
    );
    assert_eq!(ids(&iql("Surname || GivenName.value=Carol").await).len(), 2);
    let resp = a
        .send(
            Method::POST,
            "/Attributes/ExecuteIQLQuery",
            Some(json!({"query": {"queryString": "GivenName = x"}})),
        )
        .await;
    assert!(
        message(resp, 400, DESERIALIZATION)
            .await
            .starts_with("IQLQuery.queryString:String :: invalid IQL query at character offset "),
    );
    let valid = a
        .ok(
            Method::POST,
            "/Attributes/ValidateIQLQuery",
            Some(json!({"query": {"@type": "IQLQuery", "queryString": "#x:a && GivenName"}})),
            200,
        )
        .await;
    assert_eq!(valid, json!({"isValid": true}));
    let resp = a
        .send(
            Method::POST,
            "/Attributes/ValidateIQLQuery",
            Some(json!({"query": {"queryString": "GivenName"}})),
        )
        .await;
    assert_eq!(
        message(resp, 400, INVALID).await,
        "query must have required property '@type'"
    );

    // Nothing was shared yet: every view of exchanged attributes is empty but answers.
    let me = a.address().await;
    assert_eq!(
        a.get(&format!("/Attributes/{second_id}/ForwardingDetails"))
            .await,
        json!([])
    );
    let resp = a
        .send(
            Method::GET,
            &format!("/Attributes/{second_id}/ForwardingDetails?x=1"),
            None,
        )
        .await;
    assert_eq!(
        message(resp, 400, INVALID).await,
        "query must NOT have additional properties"
    );
    assert_eq!(
        a.get(&format!(
            "/Attributes/{second_id}/Versions/Shared?peer={me}"
        ))
        .await,
        json!([])
    );
    let resp = a
        .send(
            Method::GET,
            &format!("/Attributes/{second_id}/Versions/Shared"),
            None,
        )
        .await;
    assert_eq!(
        message(resp, 400, INVALID).await,
        "must have required property 'peer'"
    );
    assert_eq!(
        a.get(&format!("/Attributes/Own/Shared/{me}")).await,
        json!([])
    );
    let resp = a
        .send(
            Method::POST,
            "/Attributes/ExecuteRelationshipAttributeQuery",
            Some(json!({"query": {"key": "k", "owner": "", "attributeCreationHints": {"title": "t", "valueType": "ProprietaryString", "confidentiality": "public"}}})),
        )
        .await;
    assert_eq!(
        message(resp, 404, "error.runtime.recordNotFound").await,
        "RelationshipAttribute not found. Make sure the ID exists and the record is not expired."
    );
    let third = a
        .ok(
            Method::POST,
            "/Attributes/ExecuteThirdPartyRelationshipAttributeQuery",
            Some(json!({"query": {"key": "k", "owner": "", "thirdParty": [me]}})),
            200,
        )
        .await;
    assert_eq!(third, json!([]));

    // Deleting the latest version takes its predecessors with it.
    let deleted = a
        .ok(
            Method::DELETE,
            &format!("/Attributes/{second_id}"),
            None,
            200,
        )
        .await;
    assert_eq!(deleted, json!({"notificationIds": []}));
    for id in [&first_id, &second_id] {
        let resp = a
            .send(Method::GET, &format!("/Attributes/{id}"), None)
            .await;
        error_of(resp, 404, "error.runtime.recordNotFound").await;
    }
    assert_eq!(
        ids(&a.get("/Attributes").await),
        [surname["id"].as_str().unwrap()]
    );
    // The value is free again.
    create(&a, given_name("Carol")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attribute_events_reach_modules_with_their_dtos() {
    let backbone = Backbone::start().await;
    let hooks = Webhooks::start().await;
    let hook_url = hooks.url.clone();
    let a = Peer::start_with(&backbone, |cfg| {
        cfg["modules"] = json!({
            "webhooks": {"enabled": true, "targets": {"receiver": {"url": hook_url}},
                         "webhooks": [{"triggers": ["consumption.**"], "target": "receiver"}],
                         "grants": {"http": {"hosts": ["127.0.0.1"]}}}
        });
    })
    .await;
    let created = create(&a, given_name("Dora")).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let event = hooks
        .wait_for("consumption.attributeCreated", |b| {
            b["data"]["id"] == id.as_str()
        })
        .await;
    assert_eq!(event.body["data"], created, "the event carries the DTO");

    let succeeded = a
        .post(
            &format!("/Attributes/{id}/Succeed"),
            json!({"successorContent": {"value": {"@type": "GivenName", "value": "Dorothea"}}}),
        )
        .await;
    let event = hooks
        .wait_for("consumption.attributeSucceeded", |b| {
            b["data"]["predecessor"]["id"] == id.as_str()
        })
        .await;
    assert_eq!(event.body["data"]["successor"], succeeded["successor"]);

    let successor = succeeded["successor"]["id"].as_str().unwrap().to_owned();
    a.ok(
        Method::DELETE,
        &format!("/Attributes/{successor}"),
        None,
        200,
    )
    .await;
    for deleted in [&successor, &id] {
        hooks
            .wait_for("consumption.attributeDeleted", |b| {
                b["data"]["id"] == deleted.as_str()
            })
            .await;
    }
}
