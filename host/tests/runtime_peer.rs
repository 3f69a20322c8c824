//! The harness for interop with the official `@nmshd/runtime` 7.0.0 (`common::runtime_peer`),
//! proved with two official runtimes on our local Backbone: a Request in a relationship
//! template answered by creating the relationship, then a Request by message answered by
//! message. Later tests put our Connector on one side; the wall time of the message flow here
//! is their baseline. Needs Node 20 and `npm ci` in `interop/`.

mod common;

use common::Backbone;
use common::runtime_peer::RuntimePeer;
use serde_json::{Value, json};
use std::time::Instant;

/// An RFC 3339 UTC time `m` minutes from now, as the runtime prints dates.
fn in_minutes(m: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::minutes(m))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn given_name(owner: &str, value: &str) -> Value {
    json!({"@type": "IdentityAttribute", "owner": owner, "value": {"@type": "GivenName", "value": value}})
}

fn surname(owner: &str, value: &str) -> Value {
    json!({"@type": "IdentityAttribute", "owner": owner, "value": {"@type": "Surname", "value": value}})
}

fn read_attribute(value_type: &str) -> Value {
    json!({"@type": "ReadAttributeRequestItem", "mustBeAccepted": true,
           "query": {"@type": "IdentityAttributeQuery", "valueType": value_type}})
}

fn consent(text: &str) -> Value {
    json!({"@type": "ConsentRequestItem", "mustBeAccepted": true, "consent": text})
}

/// The `@type`s of a list of items.
fn types(items: &Value) -> Vec<&str> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["@type"].as_str().unwrap())
        .collect()
}

/// The one attribute of `peer` whose value is of `value_type`.
async fn only_attribute(peer: &RuntimePeer, value_type: &str) -> Value {
    let found = peer
        .ok(
            "consumptionServices.attributes",
            "getAttributes",
            json!({"query": {"content.value.@type": value_type}}),
        )
        .await;
    let found = found.as_array().unwrap();
    assert_eq!(found.len(), 1, "{value_type} attributes: {found:?}");
    found[0].clone()
}

#[tokio::test]
async fn two_official_runtimes_exchange_requests_through_our_backbone() {
    let backbone = Backbone::start().await;
    let a = RuntimePeer::start_with(&backbone, "A", json!({})).await;
    let b = RuntimePeer::start_with(&backbone, "B", json!({})).await;
    assert_ne!(a.address(), b.address());

    // The harness answers a failed use case with the runtime's own code.
    let (code, _) = a
        .call(
            "consumptionServices.attributes",
            "getAttribute",
            json!({"id": "ATTxxxxxxxxxxxxxxxxx"}),
        )
        .await
        .unwrap_err();
    assert_eq!(code, "error.runtime.recordNotFound");
    let (code, _) = a
        .call("transportServices.nothing", "getIt", Value::Null)
        .await
        .unwrap_err();
    assert_eq!(code, "error.peer.unknownService");
    // ... and the events start at the runtime's start-up.
    let (events, _) = a.events_since(0).await;
    assert_eq!(events[0].namespace, "runtime.initializing");

    let relationship_id = request_in_a_template(&a, &b).await;
    request_by_message(&a, &b, &relationship_id).await;
}

/// (a) A's template carries a Request for new relationships; B answers it by creating the
/// relationship, A accepts. Returns the relationship's id.
async fn request_in_a_template(a: &RuntimePeer, b: &RuntimePeer) -> String {
    let template = a
        .ok(
            "transportServices.relationshipTemplates",
            "createOwnRelationshipTemplate",
            json!({
                "expiresAt": in_minutes(30),
                "content": {
                    "@type": "RelationshipTemplateContent",
                    "title": "Interop",
                    "onNewRelationship": {
                        "@type": "Request",
                        "items": [read_attribute("GivenName"), consent("I agree to the interop terms")]
                    }
                }
            }),
        )
        .await;
    let template_id = template["id"].as_str().unwrap();
    assert!(template_id.starts_with("RLT"), "{template}");
    assert_eq!(template["isOwn"], true);
    assert_eq!(template["createdBy"], a.address());

    let (_, b_since) = b.events_since(0).await;
    let loaded = b
        .ok(
            "transportServices.relationshipTemplates",
            "loadPeerRelationshipTemplate",
            json!({"reference": template["reference"]["truncated"]}),
        )
        .await;
    assert_eq!(loaded["id"], template_id);
    assert_eq!(loaded["isOwn"], false);
    assert_eq!(loaded["createdBy"], a.address());
    assert_eq!(loaded["content"]["@type"], "RelationshipTemplateContent");

    // B's RequestModule turns the template's Request into an incoming request, its Decider
    // (no automation) leaves the decision to the user.
    let (processed, _) = b
        .wait_event("consumption.relationshipTemplateProcessed", b_since, false)
        .await;
    assert_eq!(processed.data["template"]["id"], template_id);
    assert_eq!(processed.data["result"], "ManualRequestDecisionRequired");
    let request_id = processed.data["requestId"].as_str().unwrap().to_owned();
    assert!(request_id.starts_with("REQ"), "{}", processed.data);
    let (changed, _) = b
        .wait_event_where(
            "consumption.incomingRequestStatusChanged",
            b_since,
            false,
            json!({"newStatus": "ManualDecisionRequired"}),
        )
        .await;
    assert_eq!(changed.data["request"]["id"], request_id.as_str());
    assert_eq!(changed.data["oldStatus"], "DecisionRequired");

    let incoming = b
        .ok(
            "consumptionServices.incomingRequests",
            "getRequest",
            json!({"id": request_id}),
        )
        .await;
    assert_eq!(incoming["status"], "ManualDecisionRequired");
    assert_eq!(incoming["isOwn"], false);
    assert_eq!(incoming["peer"], a.address());
    assert_eq!(incoming["source"]["type"], "RelationshipTemplate");
    assert_eq!(incoming["source"]["reference"], template_id);
    assert_eq!(
        types(&incoming["content"]["items"]),
        ["ReadAttributeRequestItem", "ConsentRequestItem"]
    );

    let (_, b_since) = b.events_since(0).await;
    let decided = b
        .ok(
            "consumptionServices.incomingRequests",
            "accept",
            json!({"requestId": request_id, "items": [
                {"accept": true, "newAttribute": given_name(b.address(), "Ada")},
                {"accept": true}
            ]}),
        )
        .await;
    assert_eq!(decided["status"], "Decided");
    assert_eq!(decided["response"]["content"]["result"], "Accepted");
    // Deciding makes B's RequestModule create the relationship with the Response in it.
    b.wait_event_where(
        "consumption.incomingRequestStatusChanged",
        b_since,
        false,
        json!({"request": {"id": request_id}, "newStatus": "Completed"}),
    )
    .await;
    let completed = b
        .ok(
            "consumptionServices.incomingRequests",
            "getRequest",
            json!({"id": request_id}),
        )
        .await;
    assert_eq!(completed["status"], "Completed");
    assert_eq!(completed["response"]["source"]["type"], "Relationship");
    let relationship_id = completed["response"]["source"]["reference"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(relationship_id.starts_with("REL"), "{completed}");
    let b_relationship = b
        .ok(
            "transportServices.relationships",
            "getRelationship",
            json!({"id": relationship_id}),
        )
        .await;
    assert_eq!(b_relationship["status"], "Pending");
    assert_eq!(b_relationship["peer"], a.address());
    assert_eq!(
        b_relationship["creationContent"]["@type"],
        "RelationshipCreationContent"
    );
    let b_given_name = only_attribute(b, "GivenName").await;
    assert_eq!(b_given_name["@type"], "OwnIdentityAttribute");
    assert_eq!(b_given_name["content"], given_name(b.address(), "Ada"));

    // A learns of the relationship by syncing; its RequestModule completes the template's
    // Request from the Response in the relationship's creation content.
    let outgoing = a
        .sync_until(
            "a pending relationship and a completed outgoing request",
            || async {
                let relationships = a
                    .ok(
                        "transportServices.relationships",
                        "getRelationships",
                        json!({}),
                    )
                    .await;
                let pending = relationships
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|r| r["id"] == relationship_id.as_str() && r["status"] == "Pending");
                let requests = a
                    .ok(
                        "consumptionServices.outgoingRequests",
                        "getRequests",
                        json!({"query": {"status": "Completed"}}),
                    )
                    .await;
                let request = requests.as_array().unwrap().first().cloned();
                if pending { request } else { None }
            },
        )
        .await;
    assert_eq!(outgoing["id"], request_id.as_str());
    assert_eq!(outgoing["isOwn"], true);
    assert_eq!(outgoing["peer"], b.address());
    assert_eq!(outgoing["source"]["type"], "RelationshipTemplate");
    assert_eq!(outgoing["source"]["reference"], template_id);
    assert_eq!(outgoing["response"]["source"]["type"], "Relationship");
    assert_eq!(
        outgoing["response"]["source"]["reference"],
        relationship_id.as_str()
    );
    let items = &outgoing["response"]["content"]["items"];
    assert_eq!(
        types(items),
        ["ReadAttributeAcceptResponseItem", "AcceptResponseItem"]
    );
    assert_eq!(items[0]["attributeId"], b_given_name["id"]);
    assert_eq!(items[0]["attribute"], given_name(b.address(), "Ada"));
    let (created, _) = a
        .wait_event(
            "consumption.outgoingRequestFromRelationshipCreationCreatedAndCompleted",
            0,
            false,
        )
        .await;
    assert_eq!(created.data["id"], request_id.as_str());

    let accepted = a
        .ok(
            "transportServices.relationships",
            "acceptRelationship",
            json!({"relationshipId": relationship_id}),
        )
        .await;
    assert_eq!(accepted["status"], "Active");
    let (changed, _) = b
        .wait_event_where(
            "transport.relationshipChanged",
            0,
            true,
            json!({"id": relationship_id, "status": "Active"}),
        )
        .await;
    assert_eq!(changed.data["peer"], a.address());

    // B's answer lives on A's side under B's id.
    let a_given_name = only_attribute(a, "GivenName").await;
    assert_eq!(a_given_name["@type"], "PeerIdentityAttribute");
    assert_eq!(a_given_name["id"], b_given_name["id"]);
    assert_eq!(a_given_name["peer"], b.address());
    assert_eq!(a_given_name["sourceReference"], request_id.as_str());
    assert_eq!(a_given_name["content"], given_name(b.address(), "Ada"));
    relationship_id
}

/// (b) A sends B a Request by message, B accepts, A applies the Response; prints the wall time.
async fn request_by_message(a: &RuntimePeer, b: &RuntimePeer, relationship_id: &str) {
    let (_, a_since) = a.events_since(0).await;
    let (_, b_since) = b.events_since(0).await;
    let started = Instant::now();

    let draft = a
        .ok(
            "consumptionServices.outgoingRequests",
            "create",
            json!({"peer": b.address(), "content": {"items": [read_attribute("Surname"), consent("Once more")]}}),
        )
        .await;
    assert_eq!(draft["status"], "Draft");
    let request_id = draft["id"].as_str().unwrap().to_owned();
    assert_eq!(draft["content"]["id"], request_id.as_str());
    let message = a
        .ok(
            "transportServices.messages",
            "sendMessage",
            json!({"recipients": [b.address()], "content": draft["content"]}),
        )
        .await;
    let message_id = message["id"].as_str().unwrap().to_owned();
    assert!(message_id.starts_with("MSG"), "{message}");
    assert_eq!(message["content"]["@type"], "Request");
    let sent = Instant::now();

    let (changed, _) = b
        .wait_event_where(
            "consumption.incomingRequestStatusChanged",
            b_since,
            true,
            json!({"request": {"id": request_id}, "newStatus": "ManualDecisionRequired"}),
        )
        .await;
    assert_eq!(changed.data["request"]["source"]["type"], "Message");
    assert_eq!(
        changed.data["request"]["source"]["reference"],
        message_id.as_str()
    );
    assert_eq!(changed.data["request"]["peer"], a.address());
    let arrived = Instant::now();
    let decided = b
        .ok(
            "consumptionServices.incomingRequests",
            "accept",
            json!({"requestId": request_id, "items": [
                {"accept": true, "newAttribute": surname(b.address(), "Lovelace")},
                {"accept": true}
            ]}),
        )
        .await;
    assert_eq!(decided["status"], "Decided");

    let (completed, _) = a
        .wait_event_where(
            "consumption.outgoingRequestStatusChanged",
            a_since,
            true,
            json!({"request": {"id": request_id}, "newStatus": "Completed"}),
        )
        .await;
    let elapsed = started.elapsed();
    assert_eq!(completed.data["oldStatus"], "Open");
    println!(
        "baseline, two official runtimes: Request by message (create, send, peer accepts, \
         response applied) took {} ms (send {} ms, to the peer's decision {} ms, answered and \
         applied {} ms; syncs poll every 300 ms)",
        elapsed.as_millis(),
        (sent - started).as_millis(),
        (arrived - sent).as_millis(),
        arrived.elapsed().as_millis()
    );

    let outgoing = a
        .ok(
            "consumptionServices.outgoingRequests",
            "getRequest",
            json!({"id": request_id}),
        )
        .await;
    assert_eq!(outgoing["status"], "Completed");
    assert_eq!(outgoing["source"]["type"], "Message");
    assert_eq!(outgoing["source"]["reference"], message_id.as_str());
    assert_eq!(outgoing["response"]["source"]["type"], "Message");
    let response = &outgoing["response"]["content"];
    assert_eq!(response["result"], "Accepted");
    assert_eq!(response["requestId"], request_id.as_str());
    assert_eq!(
        types(&response["items"]),
        ["ReadAttributeAcceptResponseItem", "AcceptResponseItem"]
    );
    assert_eq!(
        response["items"][0]["attribute"],
        surname(b.address(), "Lovelace")
    );
    assert_eq!(response["items"][1]["result"], "Accepted");

    // The response came in a message in the relationship, and A now knows B's surname.
    let response_message = a
        .ok(
            "transportServices.messages",
            "getMessage",
            json!({"id": outgoing["response"]["source"]["reference"]}),
        )
        .await;
    assert_eq!(response_message["content"]["@type"], "ResponseWrapper");
    assert_eq!(
        response_message["content"]["requestId"],
        request_id.as_str()
    );
    assert_eq!(
        response_message["content"]["requestSourceReference"],
        message_id.as_str()
    );
    assert_eq!(response_message["createdBy"], b.address());
    assert_eq!(
        response_message["recipients"][0]["relationshipId"],
        relationship_id
    );
    let b_surname = only_attribute(b, "Surname").await;
    let a_surname = only_attribute(a, "Surname").await;
    assert_eq!(b_surname["@type"], "OwnIdentityAttribute");
    assert_eq!(a_surname["@type"], "PeerIdentityAttribute");
    assert_eq!(a_surname["id"], b_surname["id"]);
    assert_eq!(response["items"][0]["attributeId"], b_surname["id"]);
    assert_eq!(a_surname["sourceReference"], request_id.as_str());
}
