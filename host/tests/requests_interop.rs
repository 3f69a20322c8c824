//! Requests between our Connector (driven over REST) and the official `@nmshd/runtime` 7.0.0
//! (the Enmeshed App's engine, `common::runtime_peer`) on our local Backbone:
//! (a) our template with a Request for new relationships holding Read, Share, Create,
//! Propose and Consent items, loaded and accepted by the runtime, which creates the
//! relationship; our outgoing request is completed from the creation content and both sides
//! hold the exchanged attributes under the same ids;
//! (b) the runtime's Request by message, accepted by us over REST and completed on its side;
//! (d) rejections both ways; (e) a request that expires before it is answered.
//! Needs Node 20 and `npm ci` in `interop/`.

mod common;

use common::runtime_peer::RuntimePeer;
use common::{Backbone, Peer, in_minutes};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

fn types(items: &Value) -> Vec<&str> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["@type"].as_str().unwrap())
        .collect()
}

fn identity(owner: &str, value_type: &str, value: &str) -> Value {
    json!({"@type": "IdentityAttribute", "owner": owner, "value": {"@type": value_type, "value": value}})
}

/// The runtime's attributes whose value is of `value_type`.
async fn runtime_attributes(peer: &RuntimePeer, value_type: &str) -> Vec<Value> {
    peer.ok(
        "consumptionServices.attributes",
        "getAttributes",
        json!({"query": {"content.value.@type": value_type}}),
    )
    .await
    .as_array()
    .unwrap()
    .clone()
}

/// Our Connector and an official runtime in an active relationship through our template
/// whose Request the runtime answered; returns both and the request's id.
async fn related_through_our_template(backbone: &Backbone) -> (Peer, RuntimePeer, String) {
    let ours = Peer::start(backbone).await;
    let app = RuntimePeer::start_with(backbone, "App", json!({})).await;
    let me = ours.address().await;

    // Something of ours to share: our display name.
    let display_name = ours
        .post(
            "/Attributes",
            json!({"content": {"value": {"@type": "DisplayName", "value": "Example Corp"}}}),
        )
        .await;
    let display_name_id = display_name["id"].as_str().unwrap().to_owned();

    let template = ours
        .post(
            "/RelationshipTemplates/Own",
            json!({"expiresAt": in_minutes(30), "content": {
                "@type": "RelationshipTemplateContent",
                "title": "Become a customer",
                "onNewRelationship": {"items": [
                    {"@type": "ReadAttributeRequestItem", "mustBeAccepted": true,
                     "query": {"@type": "IdentityAttributeQuery", "valueType": "GivenName"}},
                    {"@type": "ShareAttributeRequestItem", "mustBeAccepted": true,
                     "attributeId": display_name_id, "attribute": display_name["content"]},
                    {"@type": "CreateAttributeRequestItem", "mustBeAccepted": true,
                     "attribute": {"@type": "RelationshipAttribute", "owner": "", "key": "customerNumber",
                                   "confidentiality": "protected",
                                   "value": {"@type": "ProprietaryString", "title": "Customer number", "value": "C-4711"}}},
                    {"@type": "ProposeAttributeRequestItem", "mustBeAccepted": false,
                     "query": {"@type": "IdentityAttributeQuery", "valueType": "Surname"},
                     "attribute": {"@type": "IdentityAttribute", "owner": "", "value": {"@type": "Surname", "value": "Lovelace"}}},
                    {"@type": "ConsentRequestItem", "mustBeAccepted": true, "consent": "I accept the terms."}
                ]}
            }}),
        )
        .await;
    let template_id = template["id"].as_str().unwrap().to_owned();

    // The App loads the template from its QR code's truncated reference.
    let (_, since) = app.events_since(0).await;
    app.ok(
        "transportServices.relationshipTemplates",
        "loadPeerRelationshipTemplate",
        json!({"reference": template["reference"]["truncated"]}),
    )
    .await;
    let (processed, _) = app
        .wait_event("consumption.relationshipTemplateProcessed", since, false)
        .await;
    assert_eq!(
        processed.data["result"], "ManualRequestDecisionRequired",
        "{}",
        processed.data
    );
    let request_id = processed.data["requestId"].as_str().unwrap().to_owned();
    let incoming = app
        .ok(
            "consumptionServices.incomingRequests",
            "getRequest",
            json!({"id": request_id}),
        )
        .await;
    assert_eq!(
        types(&incoming["content"]["items"]),
        [
            "ReadAttributeRequestItem",
            "ShareAttributeRequestItem",
            "CreateAttributeRequestItem",
            "ProposeAttributeRequestItem",
            "ConsentRequestItem"
        ]
    );

    // The person accepts: a new given name, the share, the customer number, the proposed
    // surname, the consent.
    let params = json!({"requestId": request_id, "items": [
        {"accept": true, "newAttribute": identity(app.address(), "GivenName", "Ada")},
        {"accept": true},
        {"accept": true},
        {"accept": true, "attribute": identity(app.address(), "Surname", "Lovelace")},
        {"accept": true}
    ]});
    let can = app
        .ok(
            "consumptionServices.incomingRequests",
            "canAccept",
            params.clone(),
        )
        .await;
    assert_eq!(can["isSuccess"], true, "{can}");
    let (_, since) = app.events_since(0).await;
    app.ok("consumptionServices.incomingRequests", "accept", params)
        .await;
    app.wait_event_where(
        "consumption.incomingRequestStatusChanged",
        since,
        false,
        json!({"request": {"id": request_id}, "newStatus": "Completed"}),
    )
    .await;
    let completed = app
        .ok(
            "consumptionServices.incomingRequests",
            "getRequest",
            json!({"id": request_id}),
        )
        .await;
    assert_eq!(completed["response"]["source"]["type"], "Relationship");
    let relationship_id = completed["response"]["source"]["reference"]
        .as_str()
        .unwrap()
        .to_owned();

    // We learn of the relationship by syncing and complete our request from its creation
    // content.
    ours.sync().await;
    let outgoing = ours.get(&format!("/Requests/Outgoing/{request_id}")).await;
    assert_eq!(outgoing["status"], "Completed", "{outgoing}");
    assert_eq!(outgoing["peer"], app.address());
    assert_eq!(
        outgoing["source"],
        json!({"type": "RelationshipTemplate", "reference": template_id})
    );
    assert_eq!(
        outgoing["response"]["source"],
        json!({"type": "Relationship", "reference": relationship_id})
    );
    assert_eq!(
        outgoing["response"]["content"], completed["response"]["content"],
        "the response as the App sent it"
    );
    let answers = &outgoing["response"]["content"]["items"];
    assert_eq!(
        types(answers),
        [
            "ReadAttributeAcceptResponseItem",
            "AcceptResponseItem",
            "CreateAttributeAcceptResponseItem",
            "ProposeAttributeAcceptResponseItem",
            "AcceptResponseItem"
        ]
    );
    assert_eq!(
        ours.put(&format!("/Relationships/{relationship_id}/Accept"))
            .await["status"],
        "Active"
    );
    app.sync_until("the relationship active", || async {
        let r = app
            .ok(
                "transportServices.relationships",
                "getRelationship",
                json!({"id": relationship_id}),
            )
            .await;
        (r["status"] == "Active").then_some(())
    })
    .await;

    // Both sides hold the exchanged attributes under the same ids.
    let app_given_name = &runtime_attributes(&app, "GivenName").await[0];
    assert_eq!(app_given_name["@type"], "OwnIdentityAttribute");
    let ours_given_name = ours
        .get(&format!(
            "/Attributes/{}",
            app_given_name["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(ours_given_name["@type"], "PeerIdentityAttribute");
    assert_eq!(ours_given_name["peer"], app.address());
    assert_eq!(ours_given_name["content"], app_given_name["content"]);
    assert_eq!(ours_given_name["sourceReference"], request_id.as_str());

    let app_display_name = &runtime_attributes(&app, "DisplayName").await[0];
    assert_eq!(app_display_name["@type"], "PeerIdentityAttribute");
    assert_eq!(app_display_name["id"], display_name_id.as_str());
    assert_eq!(app_display_name["peer"], me.as_str());
    let forwards = ours
        .get(&format!("/Attributes/{display_name_id}/ForwardingDetails"))
        .await;
    assert_eq!(forwards.as_array().unwrap().len(), 1, "{forwards}");
    assert_eq!(forwards[0]["peer"], app.address());
    assert_eq!(forwards[0]["sourceReference"], request_id.as_str());

    let app_number = &runtime_attributes(&app, "ProprietaryString").await[0];
    assert_eq!(app_number["@type"], "OwnRelationshipAttribute");
    assert_eq!(app_number["content"]["owner"], app.address());
    let ours_number = ours
        .get(&format!(
            "/Attributes/{}",
            app_number["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(ours_number["@type"], "PeerRelationshipAttribute");
    assert_eq!(ours_number["content"], app_number["content"]);

    let app_surname = &runtime_attributes(&app, "Surname").await[0];
    let ours_surname = ours
        .get(&format!(
            "/Attributes/{}",
            app_surname["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(ours_surname["@type"], "PeerIdentityAttribute");
    assert_eq!(ours_surname["content"]["value"]["value"], "Lovelace");
    (ours, app, request_id)
}

#[tokio::test]
async fn our_template_request_answered_by_the_app_then_requests_by_message_both_ways() {
    let backbone = Backbone::start().await;
    let (ours, app, _) = related_through_our_template(&backbone).await;
    let me = ours.address().await;

    // (b) The App asks us by message; we accept over REST.
    let created = app
        .ok(
            "consumptionServices.outgoingRequests",
            "create",
            json!({"peer": me, "content": {"items": [
                {"@type": "ReadAttributeRequestItem", "mustBeAccepted": true,
                 "query": {"@type": "IdentityAttributeQuery", "valueType": "EMailAddress"}},
                {"@type": "FormFieldRequestItem", "mustBeAccepted": true, "title": "Rating",
                 "settings": {"@type": "RatingFormFieldSettings", "maxRating": 5}},
                {"@type": "AuthenticationRequestItem", "mustBeAccepted": true, "title": "Log in"}
            ]}}),
        )
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    app.ok(
        "transportServices.messages",
        "sendMessage",
        json!({"recipients": [me], "content": created["content"]}),
    )
    .await;
    ours.sync().await;
    let incoming = ours.get(&format!("/Requests/Incoming/{id}")).await;
    assert_eq!(incoming["status"], "ManualDecisionRequired");
    assert_eq!(incoming["peer"], app.address());
    assert_eq!(
        incoming["content"], created["content"],
        "the App's request as it sent it"
    );
    let decided = ours
        .ok(
            Method::PUT,
            &format!("/Requests/Incoming/{id}/Accept"),
            Some(json!({"items": [
                {"accept": true, "newAttribute": identity(&me, "EMailAddress", "info@example.com")},
                {"accept": true, "response": 4},
                {"accept": true}
            ]})),
            200,
        )
        .await;
    assert_eq!(decided["status"], "Decided");
    let done = app
        .sync_until("the App's request completed", || async {
            let r = app
                .ok(
                    "consumptionServices.outgoingRequests",
                    "getRequest",
                    json!({"id": id}),
                )
                .await;
            (r["status"] == "Completed").then_some(r)
        })
        .await;
    let answers = &done["response"]["content"]["items"];
    assert_eq!(
        types(answers),
        [
            "ReadAttributeAcceptResponseItem",
            "FormFieldAcceptResponseItem",
            "AcceptResponseItem"
        ]
    );
    assert_eq!(answers[1]["response"], 4);
    let email = &runtime_attributes(&app, "EMailAddress").await[0];
    assert_eq!(email["@type"], "PeerIdentityAttribute");
    assert_eq!(email["peer"], me.as_str());
    let ours_email = ours
        .get(&format!("/Attributes/{}", email["id"].as_str().unwrap()))
        .await;
    assert_eq!(ours_email["@type"], "OwnIdentityAttribute");
    assert_eq!(ours_email["content"], email["content"]);
    assert_eq!(
        ours.get(&format!("/Requests/Incoming/{id}")).await["status"],
        "Completed"
    );

    // (d) We ask the App by message and it rejects.
    let ours_request = ours
        .ok(
            Method::POST,
            "/Requests/Outgoing",
            Some(json!({"peer": app.address(), "content": {"items": [
                {"@type": "ConsentRequestItem", "mustBeAccepted": false, "consent": "Newsletter"}
            ]}})),
            201,
        )
        .await;
    let ours_id = ours_request["id"].as_str().unwrap().to_owned();
    ours.post(
        "/Messages",
        json!({"recipients": [app.address()], "content": ours_request["content"]}),
    )
    .await;
    let app_incoming = app
        .sync_until("our request at the App", || async {
            app.call(
                "consumptionServices.incomingRequests",
                "getRequest",
                json!({"id": ours_id}),
            )
            .await
            .ok()
            .filter(|r| r["status"] == "ManualDecisionRequired")
        })
        .await;
    assert_eq!(app_incoming["content"], ours_request["content"]);
    app.ok(
        "consumptionServices.incomingRequests",
        "reject",
        json!({"requestId": ours_id, "items": [{"accept": false, "code": "no.thanks", "message": "Not now"}]}),
    )
    .await;
    let mut rejected = Value::Null;
    for _ in 0..40 {
        ours.sync().await;
        rejected = ours.get(&format!("/Requests/Outgoing/{ours_id}")).await;
        if rejected["status"] == "Completed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(rejected["status"], "Completed", "{rejected}");
    assert_eq!(rejected["response"]["content"]["result"], "Rejected");
    assert_eq!(
        rejected["response"]["content"]["items"][0],
        json!({"@type": "RejectResponseItem", "result": "Rejected", "code": "no.thanks", "message": "Not now"})
    );

    // (d) The App asks, we reject.
    let created = app
        .ok(
            "consumptionServices.outgoingRequests",
            "create",
            json!({"peer": me, "content": {"items": [
                {"@type": "ConsentRequestItem", "mustBeAccepted": true, "consent": "Data sharing"}
            ]}}),
        )
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    app.ok(
        "transportServices.messages",
        "sendMessage",
        json!({"recipients": [me], "content": created["content"]}),
    )
    .await;
    ours.sync().await;
    ours.ok(
        Method::PUT,
        &format!("/Requests/Incoming/{id}/Reject"),
        Some(json!({"items": [{"accept": false}]})),
        200,
    )
    .await;
    let done = app
        .sync_until("the App's request rejected", || async {
            let r = app
                .ok(
                    "consumptionServices.outgoingRequests",
                    "getRequest",
                    json!({"id": id}),
                )
                .await;
            (r["status"] == "Completed").then_some(r)
        })
        .await;
    assert_eq!(done["response"]["content"]["result"], "Rejected");
    assert_eq!(
        done["response"]["content"]["items"],
        json!([{"@type": "RejectResponseItem", "result": "Rejected"}])
    );

    // (e) Our request expires before the App answers: both sides see it Expired, and the
    // App can no longer accept it.
    let expires_at = (chrono::Utc::now() + chrono::Duration::seconds(3))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let expiring = ours
        .ok(
            Method::POST,
            "/Requests/Outgoing",
            Some(
                json!({"peer": app.address(), "content": {"expiresAt": expires_at, "items": [
                    {"@type": "ConsentRequestItem", "mustBeAccepted": true, "consent": "Soon gone"}
                ]}}),
            ),
            201,
        )
        .await;
    let expiring_id = expiring["id"].as_str().unwrap().to_owned();
    ours.post(
        "/Messages",
        json!({"recipients": [app.address()], "content": expiring["content"]}),
    )
    .await;
    app.sync_until("the expiring request at the App", || async {
        app.call(
            "consumptionServices.incomingRequests",
            "getRequest",
            json!({"id": expiring_id}),
        )
        .await
        .ok()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let app_view = app
        .ok(
            "consumptionServices.incomingRequests",
            "getRequest",
            json!({"id": expiring_id}),
        )
        .await;
    assert_eq!(app_view["status"], "Expired");
    let (code, _) = app
        .call(
            "consumptionServices.incomingRequests",
            "accept",
            json!({"requestId": expiring_id, "items": [{"accept": true}]}),
        )
        .await
        .unwrap_err();
    assert_eq!(code, "error.runtime.unknown");
    assert_eq!(
        ours.get(&format!("/Requests/Outgoing/{expiring_id}")).await["status"],
        "Expired"
    );
}

/// The App's attribute of `value_type` that has no successor.
async fn latest(peer: &RuntimePeer, value_type: &str) -> Value {
    runtime_attributes(peer, value_type)
        .await
        .into_iter()
        .find(|a| a.get("succeededBy").is_none())
        .unwrap_or_else(|| panic!("no latest {value_type}"))
}

#[tokio::test]
async fn successions_and_deletions_reach_the_other_side_both_ways() {
    let backbone = Backbone::start().await;
    let (ours, app, _) = related_through_our_template(&backbone).await;
    let app_address = app.address().to_owned();

    // (c) We succeed our display name and tell the App.
    let display_name = &runtime_attributes(&app, "DisplayName").await[0];
    let old_id = display_name["id"].as_str().unwrap().to_owned();
    let succeeded = ours
        .post(
            &format!("/Attributes/{old_id}/Succeed"),
            json!({"successorContent": {"value": {"@type": "DisplayName", "value": "Example GmbH"}}}),
        )
        .await;
    let new_id = succeeded["successor"]["id"].as_str().unwrap().to_owned();
    let notified = ours
        .post(
            &format!("/Attributes/{new_id}/NotifyPeer"),
            json!({"peer": app_address}),
        )
        .await;
    assert!(
        notified["notificationId"]
            .as_str()
            .unwrap()
            .starts_with("NOT")
    );
    let (_, since) = app.events_since(0).await;
    let (event, _) = app
        .wait_event("consumption.attributeSucceeded", since, true)
        .await;
    assert_eq!(event.data["predecessor"]["id"], old_id.as_str());
    assert_eq!(event.data["successor"]["id"], new_id.as_str());
    let app_successor = latest(&app, "DisplayName").await;
    assert_eq!(app_successor["id"], new_id.as_str());
    assert_eq!(app_successor["succeeds"], old_id.as_str());
    assert_eq!(app_successor["content"]["value"]["value"], "Example GmbH");

    // The App succeeds its given name and tells us.
    let given_name = latest(&app, "GivenName").await;
    let given_name_id = given_name["id"].as_str().unwrap().to_owned();
    let app_succeeded = app
        .ok(
            "consumptionServices.attributes",
            "succeedOwnIdentityAttribute",
            json!({"predecessorId": given_name_id, "successorContent": {"value": {"@type": "GivenName", "value": "Augusta Ada"}}}),
        )
        .await;
    let app_successor_id = app_succeeded["successor"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.ok(
        "consumptionServices.attributes",
        "notifyPeerAboutOwnIdentityAttributeSuccession",
        json!({"attributeId": app_successor_id, "peer": ours.address().await}),
    )
    .await;
    let mut ours_successor = Value::Null;
    for _ in 0..40 {
        ours.sync().await;
        let (status, body) = ours
            .call(
                Method::GET,
                &format!("/Attributes/{app_successor_id}"),
                None,
            )
            .await;
        if status == 200 {
            ours_successor = body;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(
        ours_successor["@type"], "PeerIdentityAttribute",
        "{ours_successor}"
    );
    assert_eq!(ours_successor["succeeds"], given_name_id.as_str());
    assert_eq!(ours_successor["content"]["value"]["value"], "Augusta Ada");
    assert_eq!(
        ours.get(&format!("/Attributes/{given_name_id}")).await["succeededBy"],
        app_successor_id.as_str()
    );

    // The App deletes its surname: our copy is marked deleted by its owner.
    let surname = latest(&app, "Surname").await;
    let surname_id = surname["id"].as_str().unwrap().to_owned();
    app.ok(
        "consumptionServices.attributes",
        "deleteAttributeAndNotify",
        json!({"attributeId": surname_id}),
    )
    .await;
    let mut copy = Value::Null;
    for _ in 0..40 {
        ours.sync().await;
        copy = ours.get(&format!("/Attributes/{surname_id}")).await;
        if copy.get("deletionInfo").is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(
        copy["deletionInfo"]["deletionStatus"], "DeletedByEmitter",
        "{copy}"
    );

    // We delete our display name: the App's copy is marked the same way.
    let deleted = ours
        .ok(Method::DELETE, &format!("/Attributes/{new_id}"), None, 200)
        .await;
    assert_eq!(deleted["notificationIds"].as_array().unwrap().len(), 1);
    let app_copy = app
        .sync_until("the App's copy marked deleted", || async {
            let a = app
                .ok(
                    "consumptionServices.attributes",
                    "getAttribute",
                    json!({"id": new_id}),
                )
                .await;
            a.get("deletionInfo").is_some().then_some(a)
        })
        .await;
    assert_eq!(
        app_copy["deletionInfo"]["deletionStatus"],
        "DeletedByEmitter"
    );
}
