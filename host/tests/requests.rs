//! Requests between two of our Connectors through REST on a local Backbone: a Request by
//! message with consent, form field, read, create and propose items (and a group) accepted
//! and its response applied on the requester's side; the same rejected; a template's request
//! for a new relationship accepted by a stranger, which creates the relationship and completes
//! the template owner's request from the creation content; and the routes' error codes.

mod common;

use common::{Backbone, Peer, error_of, in_minutes, relate};
use reqwest::Method;
use serde_json::{Value, json};

const UNKNOWN: &str = "error.runtime.unknown";

fn request_content(me: &str) -> Value {
    let _ = me;
    json!({
        "title": "Onboarding",
        "items": [
            {"@type": "ConsentRequestItem", "mustBeAccepted": true, "consent": "I agree to the terms."},
            {"@type": "FormFieldRequestItem", "mustBeAccepted": true, "title": "Customer since",
             "settings": {"@type": "IntegerFormFieldSettings", "min": 1900, "max": 2100}},
            {"@type": "ReadAttributeRequestItem", "mustBeAccepted": true,
             "query": {"@type": "IdentityAttributeQuery", "valueType": "GivenName"}},
            {"@type": "RequestItemGroup", "title": "Contract", "items": [
                {"@type": "CreateAttributeRequestItem", "mustBeAccepted": true,
                 "attribute": {"@type": "RelationshipAttribute", "owner": "", "key": "customerNumber",
                               "confidentiality": "protected",
                               "value": {"@type": "ProprietaryString", "title": "Customer number", "value": "C-4711"}}},
                {"@type": "ProposeAttributeRequestItem", "mustBeAccepted": false,
                 "query": {"@type": "IdentityAttributeQuery", "valueType": "Surname"},
                 "attribute": {"@type": "IdentityAttribute", "owner": "", "value": {"@type": "Surname", "value": "Lovelace"}}},
                {"@type": "AuthenticationRequestItem", "mustBeAccepted": false, "title": "Log in"}
            ]}
        ]
    })
}

fn accept_params(b: &str) -> Value {
    json!({"items": [
        {"accept": true},
        {"accept": true, "response": 1999},
        {"accept": true, "newAttribute": {"@type": "IdentityAttribute", "owner": b, "value": {"@type": "GivenName", "value": "Ada"}}},
        {"items": [
            {"accept": true},
            {"accept": true, "attribute": {"@type": "IdentityAttribute", "owner": b, "value": {"@type": "Surname", "value": "Lovelace"}}},
            {"accept": false, "code": "some.code", "message": "not now"}
        ]}
    ]})
}

/// `a` creates the request for `b` and sends it by message; `b` syncs until it is there.
async fn ask(a: &Peer, b: &Peer) -> (Value, Value) {
    let me = a.address().await;
    let peer = b.address().await;
    let created = a
        .ok(
            Method::POST,
            "/Requests/Outgoing",
            Some(json!({"peer": peer, "content": request_content(&me)})),
            201,
        )
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("REQ") && id.len() == 20, "{id}");
    assert_eq!(created["status"], "Draft");
    assert_eq!(created["isOwn"], true);
    assert_eq!(created["content"]["id"], id.as_str());
    assert_eq!(created["content"]["@type"], "Request");
    assert!(created.get("source").is_none() && created.get("response").is_none());

    let message = a
        .post(
            "/Messages",
            json!({"recipients": [peer], "content": created["content"]}),
        )
        .await;
    let open = a.get(&format!("/Requests/Outgoing/{id}")).await;
    assert_eq!(open["status"], "Open");
    assert_eq!(
        open["source"],
        json!({"type": "Message", "reference": message["id"]})
    );

    b.sync().await;
    let incoming = b.get(&format!("/Requests/Incoming/{id}")).await;
    assert_eq!(incoming["isOwn"], false);
    assert_eq!(incoming["peer"], me.as_str());
    assert_eq!(incoming["status"], "ManualDecisionRequired");
    assert_eq!(incoming["content"], created["content"]);
    assert_eq!(
        incoming["source"],
        json!({"type": "Message", "reference": message["id"]})
    );
    (created, message)
}

#[tokio::test]
async fn a_request_by_message_accepted_and_its_response_applied() {
    let backbone = Backbone::start().await;
    let a = Peer::start(&backbone).await;
    let b = Peer::start(&backbone).await;
    relate(&a, &b).await;
    let a_address = a.address().await;
    let b_address = b.address().await;
    let (created, _) = ask(&a, &b).await;
    let id = created["id"].as_str().unwrap();

    // Checks before deciding: the wrong number of answers, a must-be-accepted item left out,
    // a form field answered with the wrong kind.
    let check = |body: Value| {
        let b = &b;
        async move {
            b.ok(
                Method::PUT,
                &format!("/Requests/Incoming/{id}/CanAccept"),
                Some(body),
                200,
            )
            .await
        }
    };
    let wrong_count = check(json!({"items": [{"accept": true}]})).await;
    assert_eq!(wrong_count["isSuccess"], false);
    assert_eq!(
        wrong_count["code"],
        "error.consumption.requests.decide.validation.invalidNumberOfItems"
    );
    let mut refused = accept_params(&b_address);
    refused["items"][0] = json!({"accept": false});
    refused["items"][1] = json!({"accept": true, "response": "soon"});
    let verdict = check(refused).await;
    assert_eq!(verdict["isSuccess"], false);
    assert_eq!(
        verdict["code"],
        "error.consumption.requests.validation.inheritedFromItem"
    );
    assert_eq!(
        verdict["items"][0]["code"],
        "error.consumption.requests.decide.validation.mustBeAcceptedItemNotAccepted"
    );
    assert_eq!(
        verdict["items"][1],
        json!({"isSuccess": false, "code": "error.consumption.requests.invalidAcceptParameters",
               "message": "An integer form field must be accepted with an integer.", "items": []})
    );
    assert_eq!(verdict["items"][2]["isSuccess"], true);
    let fine = check(accept_params(&b_address)).await;
    assert_eq!(fine["isSuccess"], true, "{fine}");
    assert_eq!(fine["items"].as_array().unwrap().len(), 4);
    assert_eq!(fine["items"][3]["items"].as_array().unwrap().len(), 3);

    // Accepting: Decided in the answer, Completed once the response message is out.
    let decided = b
        .ok(
            Method::PUT,
            &format!("/Requests/Incoming/{id}/Accept"),
            Some(accept_params(&b_address)),
            200,
        )
        .await;
    assert_eq!(decided["status"], "Decided");
    assert_eq!(decided["response"]["content"]["result"], "Accepted");
    let completed = b.get(&format!("/Requests/Incoming/{id}")).await;
    assert_eq!(completed["status"], "Completed");
    assert_eq!(completed["response"]["source"]["type"], "Message");
    let answers = &completed["response"]["content"]["items"];
    assert_eq!(
        answers[0],
        json!({"@type": "AcceptResponseItem", "result": "Accepted"})
    );
    assert_eq!(
        answers[1],
        json!({"@type": "FormFieldAcceptResponseItem", "result": "Accepted", "response": 1999})
    );
    assert_eq!(answers[2]["@type"], "ReadAttributeAcceptResponseItem");
    assert_eq!(answers[3]["@type"], "ResponseItemGroup");
    assert_eq!(
        answers[3]["items"][0]["@type"],
        "CreateAttributeAcceptResponseItem"
    );
    assert_eq!(
        answers[3]["items"][1]["@type"],
        "ProposeAttributeAcceptResponseItem"
    );
    assert_eq!(
        answers[3]["items"][2],
        json!({"@type": "RejectResponseItem", "result": "Rejected", "code": "some.code", "message": "not now"})
    );

    // The responder's side: its given name as an own identity attribute forwarded to `a`,
    // the customer number as a peer relationship attribute (owner: `b` itself? no: `""`
    // means the recipient, `b`), the proposed surname as an own identity attribute.
    let given_name_id = answers[2]["attributeId"].as_str().unwrap();
    let own = b.get(&format!("/Attributes/{given_name_id}")).await;
    assert_eq!(own["@type"], "OwnIdentityAttribute");
    assert_eq!(own["numberOfForwards"], 1);
    assert_eq!(
        own["content"]["value"],
        json!({"@type": "GivenName", "value": "Ada"})
    );
    let forwards = b
        .get(&format!("/Attributes/{given_name_id}/ForwardingDetails"))
        .await;
    assert_eq!(forwards[0]["peer"], a_address.as_str());
    assert_eq!(forwards[0]["sourceReference"], id);
    let number_id = answers[3]["items"][0]["attributeId"].as_str().unwrap();
    let number = b.get(&format!("/Attributes/{number_id}")).await;
    assert_eq!(number["@type"], "OwnRelationshipAttribute");
    assert_eq!(number["peer"], a_address.as_str());
    assert_eq!(number["content"]["owner"], b_address.as_str());

    // The requester applies the response when it syncs.
    a.sync().await;
    let done = a.get(&format!("/Requests/Outgoing/{id}")).await;
    assert_eq!(done["status"], "Completed");
    assert_eq!(
        done["response"]["content"],
        completed["response"]["content"]
    );
    assert_eq!(done["response"]["source"]["type"], "Message");
    let peer_given_name = a.get(&format!("/Attributes/{given_name_id}")).await;
    assert_eq!(peer_given_name["@type"], "PeerIdentityAttribute");
    assert_eq!(peer_given_name["peer"], b_address.as_str());
    assert_eq!(peer_given_name["sourceReference"], id);
    assert_eq!(peer_given_name["content"], own["content"]);
    let peer_number = a.get(&format!("/Attributes/{number_id}")).await;
    assert_eq!(peer_number["@type"], "PeerRelationshipAttribute");
    assert_eq!(peer_number["content"], number["content"]);
    let surname_id = answers[3]["items"][1]["attributeId"].as_str().unwrap();
    assert_eq!(
        a.get(&format!("/Attributes/{surname_id}")).await["@type"],
        "PeerIdentityAttribute"
    );
    let exchanged = a.get(&format!("/Attributes/Peer/{b_address}")).await;
    assert_eq!(exchanged.as_array().unwrap().len(), 3, "{exchanged}");

    // Deciding twice is refused with the runtime's words.
    let again = b
        .send(
            Method::PUT,
            &format!("/Requests/Incoming/{id}/Accept"),
            Some(accept_params(&b_address)),
        )
        .await;
    let err = error_of(again, 400, UNKNOWN).await;
    assert_eq!(
        err["message"],
        "An error was thrown in a UseCase: Local Request has to be in status 'DecisionRequired/ManualDecisionRequired'."
    );

    // The lists with the official filters.
    let listed = a.get("/Requests/Outgoing?status=Completed").await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(
        a.get("/Requests/Outgoing?status=Open")
            .await
            .as_array()
            .unwrap()
            .is_empty()
    );
    let by_type = b
        .get("/Requests/Incoming?content.items.@type=ConsentRequestItem")
        .await;
    assert_eq!(by_type.as_array().unwrap().len(), 1);
    assert!(
        b.get(&format!(
            "/Requests/Incoming?response.source.reference={}",
            completed["response"]["source"]["reference"]
                .as_str()
                .unwrap()
        ))
        .await
        .as_array()
        .unwrap()
        .is_empty(),
        "the runtime's translator never matches this filter"
    );
}

#[tokio::test]
async fn a_request_by_message_rejected() {
    let backbone = Backbone::start().await;
    let a = Peer::start(&backbone).await;
    let b = Peer::start(&backbone).await;
    relate(&a, &b).await;
    let (created, _) = ask(&a, &b).await;
    let id = created["id"].as_str().unwrap();
    let reject = json!({"items": [
        {"accept": false}, {"accept": false}, {"accept": false, "code": "no", "message": "never"},
        {"items": [{"accept": false}, {"accept": false}, {"accept": false}]}
    ]});
    let mut accepting = reject.clone();
    accepting["items"][0] = json!({"accept": true});
    let can = b
        .ok(
            Method::PUT,
            &format!("/Requests/Incoming/{id}/CanReject"),
            Some(accepting),
            200,
        )
        .await;
    assert_eq!(
        can["items"][0]["code"],
        "error.consumption.requests.decide.validation.itemAcceptedButRequestNotAccepted"
    );
    let decided = b
        .ok(
            Method::PUT,
            &format!("/Requests/Incoming/{id}/Reject"),
            Some(reject),
            200,
        )
        .await;
    assert_eq!(decided["status"], "Decided");
    assert_eq!(decided["response"]["content"]["result"], "Rejected");
    assert_eq!(
        decided["response"]["content"]["items"][2],
        json!({"@type": "RejectResponseItem", "result": "Rejected", "code": "no", "message": "never"})
    );
    a.sync().await;
    let done = a.get(&format!("/Requests/Outgoing/{id}")).await;
    assert_eq!(done["status"], "Completed");
    assert_eq!(done["response"]["content"]["result"], "Rejected");
    assert!(
        a.get(&format!("/Attributes/Peer/{}", b.address().await))
            .await
            .as_array()
            .unwrap()
            .is_empty(),
        "a rejection leaves no attributes"
    );
}

#[tokio::test]
async fn a_template_request_accepted_by_a_stranger_creates_the_relationship() {
    let backbone = Backbone::start().await;
    let a = Peer::start(&backbone).await;
    let c = Peer::start(&backbone).await;
    let c_address = c.address().await;
    let template = a
        .post(
            "/RelationshipTemplates/Own",
            json!({"expiresAt": in_minutes(30), "content": {
                "@type": "RelationshipTemplateContent",
                "title": "Become a customer",
                "onNewRelationship": {"items": [
                    {"@type": "ReadAttributeRequestItem", "mustBeAccepted": true,
                     "query": {"@type": "IdentityAttributeQuery", "valueType": "GivenName"}},
                    {"@type": "ConsentRequestItem", "mustBeAccepted": true, "consent": "Terms"}
                ]}
            }}),
        )
        .await;
    let template_id = template["id"].as_str().unwrap();
    assert!(
        template["content"]["onNewRelationship"]["expiresAt"].is_string(),
        "the request's expiry defaults to the template's"
    );
    let token = a
        .post(
            &format!("/RelationshipTemplates/Own/{template_id}/Token"),
            json!({}),
        )
        .await;
    c.post(
        "/RelationshipTemplates/Peer",
        json!({"reference": token["reference"]["truncated"]}),
    )
    .await;
    // Loading the template again asks nothing new while its request waits.
    c.post(
        "/RelationshipTemplates/Peer",
        json!({"reference": token["reference"]["truncated"]}),
    )
    .await;
    let incoming = c.get("/Requests/Incoming").await;
    assert_eq!(incoming.as_array().unwrap().len(), 1, "{incoming}");
    let request = &incoming[0];
    let id = request["id"].as_str().unwrap();
    assert_eq!(request["status"], "ManualDecisionRequired");
    assert_eq!(
        request["source"],
        json!({"type": "RelationshipTemplate", "reference": template_id})
    );
    assert!(
        request["content"].get("id").is_none(),
        "template requests carry no id"
    );

    // Without an accepted request the relationship cannot be asked for by hand.
    let refused = c
        .send(
            Method::POST,
            "/Relationships",
            Some(json!({"templateId": template_id, "creationContent": {"@type": "RelationshipCreationContent", "response": {"result": "Accepted", "requestId": id, "items": [{"@type": "AcceptResponseItem", "result": "Accepted"}]}}})),
        )
        .await;
    error_of(
        refused,
        400,
        "error.runtime.relationships.noAcceptedIncomingRequest",
    )
    .await;

    let decided = c
        .ok(
            Method::PUT,
            &format!("/Requests/Incoming/{id}/Accept"),
            Some(json!({"items": [
                {"accept": true, "newAttribute": {"@type": "IdentityAttribute", "owner": c_address, "value": {"@type": "GivenName", "value": "Grace"}}},
                {"accept": true}
            ]})),
            200,
        )
        .await;
    assert_eq!(decided["status"], "Decided");
    let completed = c.get(&format!("/Requests/Incoming/{id}")).await;
    assert_eq!(completed["status"], "Completed");
    assert_eq!(completed["response"]["source"]["type"], "Relationship");
    let relationship_id = completed["response"]["source"]["reference"]
        .as_str()
        .unwrap();
    let relationship = c.get(&format!("/Relationships/{relationship_id}")).await;
    assert_eq!(relationship["status"], "Pending");
    assert_eq!(relationship["creationContent"]["response"], {
        let mut response = completed["response"]["content"].clone();
        response.as_object_mut().unwrap().remove("@type");
        response
    });

    // The template owner completes its request from the creation content.
    a.sync().await;
    let outgoing = a.get(&format!("/Requests/Outgoing/{id}")).await;
    assert_eq!(outgoing["status"], "Completed");
    assert_eq!(outgoing["peer"], c_address.as_str());
    assert_eq!(
        outgoing["source"],
        json!({"type": "RelationshipTemplate", "reference": template_id})
    );
    assert_eq!(
        outgoing["response"]["source"],
        json!({"type": "Relationship", "reference": relationship_id})
    );
    let attribute_id = completed["response"]["content"]["items"][0]["attributeId"]
        .as_str()
        .unwrap();
    let peer_attribute = a.get(&format!("/Attributes/{attribute_id}")).await;
    assert_eq!(peer_attribute["@type"], "PeerIdentityAttribute");
    assert_eq!(peer_attribute["content"]["value"]["value"], "Grace");
    assert_eq!(
        a.put(&format!("/Relationships/{relationship_id}/Accept"))
            .await["status"],
        "Active"
    );
}

#[tokio::test]
async fn the_routes_refuse_bad_input_with_the_official_codes() {
    let backbone = Backbone::start().await;
    let a = Peer::start(&backbone).await;
    let b = Peer::start(&backbone).await;
    let me = a.address().await;
    let peer = b.address().await;
    let unknown_id = "REQaaaaaaaaaaaaaaaaa";

    let item = json!({"@type": "ConsentRequestItem", "mustBeAccepted": true, "consent": "c"});
    // Validate answers 201 with the verdict.
    let to_self = a
        .ok(
            Method::POST,
            "/Requests/Outgoing/Validate",
            Some(json!({"peer": me, "content": {"items": [item]}})),
            201,
        )
        .await;
    assert_eq!(to_self["isSuccess"], false);
    assert_eq!(
        to_self["code"],
        "error.consumption.requests.cannotShareRequestWithYourself"
    );
    let stranger = a
        .ok(
            Method::POST,
            "/Requests/Outgoing/Validate",
            Some(json!({"peer": peer, "content": {"items": [item]}})),
            201,
        )
        .await;
    assert_eq!(
        stranger["code"],
        "error.consumption.requests.missingRelationship"
    );
    let without_peer = a
        .ok(
            Method::POST,
            "/Requests/Outgoing/Validate",
            Some(json!({"content": {"items": [item]}})),
            201,
        )
        .await;
    assert_eq!(
        without_peer,
        json!({"isSuccess": true, "items": [{"isSuccess": true, "items": []}]})
    );

    // Content rules: the runtime's words.
    let missing_flag = a
        .send(
            Method::POST,
            "/Requests/Outgoing",
            Some(json!({"peer": peer, "content": {"items": [{"@type": "ConsentRequestItem", "consent": "c"}]}})),
        )
        .await;
    let err = error_of(missing_flag, 400, "error.runtime.requestDeserialization").await;
    assert_eq!(
        err["message"],
        "Request.items :: Item with index 0 could not be deserialized to a Serializable (ConsentRequestItem.mustBeAccepted :: Value is not defined)"
    );
    let empty = a
        .send(
            Method::POST,
            "/Requests/Outgoing",
            Some(json!({"peer": peer, "content": {"items": []}})),
        )
        .await;
    error_of(empty, 400, "error.runtime.requestDeserialization").await;
    let no_peer = a
        .send(
            Method::POST,
            "/Requests/Outgoing",
            Some(json!({"content": {"items": [item]}})),
        )
        .await;
    error_of(no_peer, 400, "error.runtime.requestDeserialization").await;
    let no_relationship = a
        .send(
            Method::POST,
            "/Requests/Outgoing",
            Some(json!({"peer": peer, "content": {"items": [item]}})),
        )
        .await;
    error_of(
        no_relationship,
        400,
        "error.consumption.requests.missingRelationship",
    )
    .await;

    // Unknown ids: the codes differ by route, as in the runtime.
    error_of(
        a.send(
            Method::GET,
            &format!("/Requests/Incoming/{unknown_id}"),
            None,
        )
        .await,
        404,
        "error.runtime.recordNotFound",
    )
    .await;
    error_of(
        a.send(
            Method::GET,
            &format!("/Requests/Outgoing/{unknown_id}"),
            None,
        )
        .await,
        404,
        "error.runtime.recordNotFound",
    )
    .await;
    error_of(
        a.send(
            Method::PUT,
            &format!("/Requests/Incoming/{unknown_id}/CanAccept"),
            Some(json!({"items": []})),
        )
        .await,
        404,
        "error.transport.recordNotFound",
    )
    .await;
    error_of(
        a.send(
            Method::PUT,
            &format!("/Requests/Incoming/{unknown_id}/Accept"),
            Some(json!({"items": []})),
        )
        .await,
        404,
        "error.runtime.recordNotFound",
    )
    .await;
    // The answers are parsed before the request is looked for.
    let no_items = a
        .send(
            Method::PUT,
            &format!("/Requests/Incoming/{unknown_id}/CanAccept"),
            Some(json!({})),
        )
        .await;
    let err = error_of(no_items, 400, "error.runtime.requestDeserialization").await;
    assert_eq!(
        err["message"],
        "InternalDecideRequestParameters.items :: Value is not defined"
    );
    error_of(
        a.send(Method::GET, "/Requests/Incoming/nope", None).await,
        400,
        "error.runtime.validation.invalidPropertyValue",
    )
    .await;
    let automation = a
        .send(
            Method::PUT,
            &format!("/Requests/Incoming/{unknown_id}/Accept"),
            Some(json!({"items": [], "decidedByAutomation": true})),
        )
        .await;
    let err = error_of(
        automation,
        400,
        "error.connector.incomingRequests.decidedByAutomation",
    )
    .await;
    assert_eq!(
        err["message"],
        "Decided by automation is not allowed for this endpoint."
    );

    // Sending: a Request nobody created, then one sent twice.
    relate(&a, &b).await;
    let unknown_request = a
        .send(
            Method::POST,
            "/Messages",
            Some(json!({"recipients": [peer], "content": {"@type": "Request", "id": unknown_id, "items": [item]}})),
        )
        .await;
    error_of(unknown_request, 404, "error.runtime.recordNotFound").await;
    let created = a
        .ok(
            Method::POST,
            "/Requests/Outgoing",
            Some(json!({"peer": peer, "content": {"items": [item]}})),
            201,
        )
        .await;
    let mut changed = created["content"].clone();
    changed["title"] = json!("changed");
    let different = a
        .send(
            Method::POST,
            "/Messages",
            Some(json!({"recipients": [peer], "content": changed})),
        )
        .await;
    let err = error_of(
        different,
        400,
        "error.runtime.validation.invalidPropertyValue",
    )
    .await;
    assert_eq!(
        err["message"],
        "The sent Request must have the same content as the LocalRequest."
    );
    a.post(
        "/Messages",
        json!({"recipients": [peer], "content": created["content"]}),
    )
    .await;
    let twice = a
        .send(
            Method::POST,
            "/Messages",
            Some(json!({"recipients": [peer], "content": created["content"]})),
        )
        .await;
    error_of(
        twice,
        400,
        "error.runtime.messages.cannotSendRequestThatWasAlreadySent",
    )
    .await;
    let expired = a
        .send(
            Method::POST,
            "/Requests/Outgoing/Validate",
            Some(json!({"peer": peer, "content": {"items": [item], "expiresAt": "2020-01-01T00:00:00.000Z"}})),
        )
        .await;
    assert_eq!(expired.status().as_u16(), 201);
    let verdict: Value = expired.json::<Value>().await.unwrap()["result"].clone();
    assert_eq!(
        verdict["code"],
        "error.consumption.requests.cannotCreateRequestWithExpirationDateInPast"
    );

    // An item type the content rules do not know.
    let unknown_item = a
        .send(
            Method::POST,
            "/Requests/Outgoing",
            Some(json!({"peer": peer, "content": {"items": [{"@type": "NoSuchRequestItem", "mustBeAccepted": true}]}})),
        )
        .await;
    error_of(unknown_item, 400, "error.runtime.requestDeserialization").await;

    // An outgoing request's id on the incoming routes is no incoming request.
    let own_id = created["id"].as_str().unwrap();
    error_of(
        a.send(Method::GET, &format!("/Requests/Incoming/{own_id}"), None)
            .await,
        404,
        "error.runtime.recordNotFound",
    )
    .await;
    error_of(
        a.send(
            Method::PUT,
            &format!("/Requests/Incoming/{own_id}/Accept"),
            Some(json!({"items": [{"accept": true}]})),
        )
        .await,
        404,
        "error.runtime.recordNotFound",
    )
    .await;
    error_of(
        a.send(
            Method::PUT,
            &format!("/Requests/Incoming/{own_id}/CanReject"),
            Some(json!({"items": [{"accept": false}]})),
        )
        .await,
        404,
        "error.transport.recordNotFound",
    )
    .await;

    // A request that expired before it was answered can no longer be decided.
    let soon = (chrono::Utc::now() + chrono::Duration::seconds(2))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let expiring = a
        .ok(
            Method::POST,
            "/Requests/Outgoing",
            Some(json!({"peer": peer, "content": {"expiresAt": soon, "items": [item]}})),
            201,
        )
        .await;
    a.post(
        "/Messages",
        json!({"recipients": [peer], "content": expiring["content"]}),
    )
    .await;
    b.sync().await;
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let expiring_id = expiring["id"].as_str().unwrap();
    let late = b
        .send(
            Method::PUT,
            &format!("/Requests/Incoming/{expiring_id}/Accept"),
            Some(json!({"items": [{"accept": true}]})),
        )
        .await;
    let err = error_of(late, 400, UNKNOWN).await;
    assert_eq!(
        err["message"],
        "An error was thrown in a UseCase: Local Request has to be in status 'DecisionRequired/ManualDecisionRequired'."
    );
    assert_eq!(
        b.get(&format!("/Requests/Incoming/{expiring_id}")).await["status"],
        "Expired"
    );
    assert_eq!(
        a.get(&format!("/Requests/Outgoing/{expiring_id}")).await["status"],
        "Expired"
    );
}

#[tokio::test]
async fn the_decider_answers_what_its_rules_cover_and_leaves_the_rest_to_a_person() {
    let backbone = Backbone::start().await;
    let a = Peer::start(&backbone).await;
    let b = Peer::start_with(&backbone, |config| {
        config["modules"]["decider"] = json!({"automationConfig": [
            {"requestConfig": {"content.item.@type": "ReadAttributeRequestItem", "content.item.query.valueType": "GivenName"},
             "responseConfig": {"accept": true, "newAttribute": {"@type": "IdentityAttribute", "owner": "", "value": {"@type": "GivenName", "value": "Robo"}}}},
            {"requestConfig": {"content.item.@type": "FormFieldRequestItem"},
             "responseConfig": {"accept": false, "code": "no.forms"}}
        ]});
    })
    .await;
    relate(&a, &b).await;
    let peer = b.address().await;
    let read = json!({"@type": "ReadAttributeRequestItem", "mustBeAccepted": true,
                      "query": {"@type": "IdentityAttributeQuery", "valueType": "GivenName"}});
    let form = json!({"@type": "FormFieldRequestItem", "mustBeAccepted": false, "title": "Age",
                      "settings": {"@type": "IntegerFormFieldSettings"}});
    let send = |items: Value| {
        let (a, peer) = (&a, peer.clone());
        async move {
            common::send_request(a, &peer, items).await["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let decided = send(json!([read.clone(), {"@type": "RequestItemGroup", "items": [form]}])).await;
    let consent = send(
        json!([read, {"@type": "ConsentRequestItem", "mustBeAccepted": true, "consent": "c"}]),
    )
    .await;
    b.sync().await;

    // The answer goes out right after the sync: poll until it is Completed.
    let mut automatic = Value::Null;
    for _ in 0..40 {
        automatic = b.get(&format!("/Requests/Incoming/{decided}")).await;
        if automatic["status"] == "Completed" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(automatic["status"], "Completed", "{automatic}");
    assert_eq!(automatic["wasAutomaticallyDecided"], true);
    let answers = &automatic["response"]["content"]["items"];
    assert_eq!(answers[0]["@type"], "ReadAttributeAcceptResponseItem");
    assert_eq!(answers[0]["attribute"]["value"]["value"], "Robo");
    assert_eq!(
        answers[0]["attribute"]["owner"],
        peer.as_str(),
        "an empty owner is the responder"
    );
    assert_eq!(
        answers[1]["items"][0],
        json!({"@type": "RejectResponseItem", "result": "Rejected", "code": "no.forms"})
    );
    let manual = b.get(&format!("/Requests/Incoming/{consent}")).await;
    assert_eq!(
        manual["status"], "ManualDecisionRequired",
        "consent needs a person"
    );
    assert!(manual.get("wasAutomaticallyDecided").is_none());
    let listed = b
        .get("/Requests/Incoming?wasAutomaticallyDecided=true")
        .await;
    assert_eq!(listed.as_array().unwrap().len(), 1);

    a.sync().await;
    let done = a.get(&format!("/Requests/Outgoing/{decided}")).await;
    assert_eq!(done["status"], "Completed");
    assert_eq!(
        done["response"]["content"],
        automatic["response"]["content"]
    );
}

/// A Connector whose `webhooks` module posts every consumption event and the received
/// messages to `hooks`.
async fn with_webhooks(backbone: &Backbone, hooks: &common::webhooks::Webhooks) -> Peer {
    let url = hooks.url.clone();
    Peer::start_with(backbone, |cfg| {
        cfg["modules"] = json!({
            "webhooks": {"enabled": true, "targets": {"receiver": {"url": url}},
                         "webhooks": [{"triggers": ["consumption.**", "transport.messageReceived"], "target": "receiver"}],
                         "grants": {"http": {"hosts": ["127.0.0.1"]}}}
        });
    })
    .await
}

fn position(bodies: &[Value], wanted: impl Fn(&Value) -> bool) -> usize {
    let found: Vec<usize> = bodies
        .iter()
        .enumerate()
        .filter(|(_, b)| wanted(b))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(found.len(), 1, "exactly once: {found:?}");
    found[0]
}

#[tokio::test]
async fn request_events_in_the_runtimes_order_and_once_each() {
    let backbone = Backbone::start().await;
    let a_hooks = common::webhooks::Webhooks::start().await;
    let b_hooks = common::webhooks::Webhooks::start().await;
    let a = with_webhooks(&backbone, &a_hooks).await;
    let b = with_webhooks(&backbone, &b_hooks).await;
    relate(&a, &b).await;
    let peer = b.address().await;
    let created = a
        .ok(
            Method::POST,
            "/Requests/Outgoing",
            Some(json!({"peer": peer, "content": {"items": [
                {"@type": "ReadAttributeRequestItem", "mustBeAccepted": true,
                 "query": {"@type": "IdentityAttributeQuery", "valueType": "GivenName"}}
            ]}})),
            201,
        )
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let created_event = a_hooks
        .wait_for("consumption.outgoingRequestCreated", |b| {
            b["data"]["id"] == id.as_str()
        })
        .await;
    assert_eq!(
        created_event.body["data"], created,
        "the event carries the DTO"
    );
    a.post(
        "/Messages",
        json!({"recipients": [peer], "content": created["content"]}),
    )
    .await;
    let opened = a_hooks
        .wait_for("consumption.outgoingRequestStatusChanged", |b| {
            b["data"]["newStatus"] == "Open"
        })
        .await;
    assert_eq!(opened.body["data"]["oldStatus"], "Draft");
    assert_eq!(opened.body["data"]["request"]["id"], id.as_str());

    b.sync().await;
    b_hooks
        .wait_for("consumption.messageProcessed", |_| true)
        .await;
    let b_events = b_hooks.bodies();
    let received = position(&b_events, |e| {
        e["trigger"] == "consumption.incomingRequestReceived" && e["data"]["id"] == id.as_str()
    });
    assert_eq!(b_events[received]["data"]["status"], "Open");
    let required = position(&b_events, |e| {
        e["trigger"] == "consumption.incomingRequestStatusChanged"
            && e["data"]["newStatus"] == "DecisionRequired"
    });
    let manual = position(&b_events, |e| {
        e["trigger"] == "consumption.incomingRequestStatusChanged"
            && e["data"]["newStatus"] == "ManualDecisionRequired"
    });
    let processed = position(&b_events, |e| {
        e["trigger"] == "consumption.messageProcessed"
    });
    assert!(received < required && required < manual && manual < processed);
    assert_eq!(
        b_events[processed]["data"]["result"],
        "ManualRequestDecisionRequired"
    );
    assert_eq!(
        b_events[processed]["data"]["message"]["content"]["id"],
        id.as_str()
    );

    b.ok(
        Method::PUT,
        &format!("/Requests/Incoming/{id}/Accept"),
        Some(json!({"items": [{"accept": true, "newAttribute": {"@type": "IdentityAttribute", "owner": peer, "value": {"@type": "GivenName", "value": "Eve"}}}]})),
        200,
    )
    .await;
    b_hooks
        .wait_for("consumption.incomingRequestStatusChanged", |e| {
            e["data"]["newStatus"] == "Completed"
        })
        .await;

    // On the requester's side the request is completed before the response message counts as
    // processed: a client waiting for `messageProcessed` finds the request done.
    a.sync().await;
    let done = a_hooks
        .wait_for("consumption.messageProcessed", |e| {
            e["data"]["message"]["content"]["@type"] == "ResponseWrapper"
        })
        .await;
    assert_eq!(done.body["data"]["result"], "NoRequest");
    let a_events = a_hooks.bodies();
    let completed = position(&a_events, |e| {
        e["trigger"] == "consumption.outgoingRequestStatusChanged"
            && e["data"]["newStatus"] == "Completed"
    });
    let attribute = position(&a_events, |e| {
        e["trigger"] == "consumption.attributeCreated"
            && e["data"]["@type"] == "PeerIdentityAttribute"
    });
    let processed = position(&a_events, |e| {
        e["trigger"] == "consumption.messageProcessed"
            && e["data"]["message"]["content"]["@type"] == "ResponseWrapper"
    });
    assert!(
        attribute < completed && completed < processed,
        "{a_events:#?}"
    );
    assert_eq!(
        a_events[completed]["data"]["request"]["status"],
        "Completed"
    );
}

#[tokio::test]
async fn a_template_request_for_an_existing_relationship_is_answered_by_message() {
    let backbone = Backbone::start().await;
    let a = Peer::start(&backbone).await;
    let b = Peer::start(&backbone).await;
    relate(&a, &b).await;
    let template = a
        .post(
            "/RelationshipTemplates/Own",
            json!({"expiresAt": in_minutes(30), "content": {
                "@type": "RelationshipTemplateContent",
                "onNewRelationship": {"items": [
                    {"@type": "ConsentRequestItem", "mustBeAccepted": true, "consent": "New customers"}
                ]},
                "onExistingRelationship": {"items": [
                    {"@type": "AuthenticationRequestItem", "mustBeAccepted": true, "title": "Log in"}
                ]}
            }}),
        )
        .await;
    let template_id = template["id"].as_str().unwrap();
    let token = a
        .post(
            &format!("/RelationshipTemplates/Own/{template_id}/Token"),
            json!({}),
        )
        .await;
    b.post(
        "/RelationshipTemplates/Peer",
        json!({"reference": token["reference"]["truncated"]}),
    )
    .await;
    let incoming = b.get("/Requests/Incoming").await;
    assert_eq!(incoming.as_array().unwrap().len(), 1, "{incoming}");
    assert_eq!(
        incoming[0]["content"]["items"][0]["@type"], "AuthenticationRequestItem",
        "a related peer gets the request for existing relationships"
    );
    let id = incoming[0]["id"].as_str().unwrap();
    b.ok(
        Method::PUT,
        &format!("/Requests/Incoming/{id}/Accept"),
        Some(json!({"items": [{"accept": true}]})),
        200,
    )
    .await;
    let completed = b.get(&format!("/Requests/Incoming/{id}")).await;
    assert_eq!(completed["status"], "Completed");
    assert_eq!(completed["response"]["source"]["type"], "Message");
    let message = b
        .get(&format!(
            "/Messages/{}",
            completed["response"]["source"]["reference"]
                .as_str()
                .unwrap()
        ))
        .await;
    assert_eq!(
        message["content"]["requestSourceType"],
        "RelationshipTemplate"
    );
    assert_eq!(message["content"]["requestSourceReference"], template_id);

    a.sync().await;
    let outgoing = a.get(&format!("/Requests/Outgoing/{id}")).await;
    assert_eq!(outgoing["status"], "Completed");
    assert_eq!(
        outgoing["content"]["items"][0]["@type"],
        "AuthenticationRequestItem"
    );
    assert_eq!(
        outgoing["source"],
        json!({"type": "RelationshipTemplate", "reference": template_id})
    );
    assert_eq!(outgoing["response"]["source"]["type"], "Message");
}

#[tokio::test]
async fn the_owner_asks_a_peer_to_delete_its_copy() {
    let backbone = Backbone::start().await;
    let a = Peer::start(&backbone).await;
    let b = Peer::start(&backbone).await;
    relate(&a, &b).await;
    let a_address = a.address().await;

    // `a` reads `b`'s given name: `b` owns it, `a` holds a copy with the same id.
    let attribute_id = common::share_given_name(&a, &b, "Mallory").await;

    // Only a peer holding the attribute can be asked.
    let delete_item = json!({"@type": "DeleteAttributeRequestItem", "mustBeAccepted": true, "attributeId": attribute_id});
    let nobody = b
        .ok(
            Method::POST,
            "/Requests/Outgoing/Validate",
            Some(json!({"content": {"items": [delete_item]}})),
            201,
        )
        .await;
    assert_eq!(
        nobody["items"][0]["code"],
        "error.consumption.requests.invalidRequestItem"
    );
    assert!(
        nobody["items"][0]["message"]
            .as_str()
            .unwrap()
            .contains("The recipient must be specified when sending a DeleteAttributeRequestItem."),
        "{nobody}"
    );

    let ask = b
        .ok(
            Method::POST,
            "/Requests/Outgoing",
            Some(json!({"peer": a_address, "content": {"items": [delete_item]}})),
            201,
        )
        .await;
    let id = ask["id"].as_str().unwrap().to_owned();
    b.post(
        "/Messages",
        json!({"recipients": [a_address], "content": ask["content"]}),
    )
    .await;
    let forwards = b
        .get(&format!("/Attributes/{attribute_id}/ForwardingDetails"))
        .await;
    assert_eq!(
        forwards[0]["deletionInfo"]["deletionStatus"],
        "DeletionRequestSent"
    );

    a.sync().await;
    let check = |params: Value| {
        let (a, id) = (&a, id.clone());
        async move {
            a.ok(
                Method::PUT,
                &format!("/Requests/Incoming/{id}/CanAccept"),
                Some(json!({"items": [params]})),
                200,
            )
            .await["items"][0]
                .clone()
        }
    };
    let missing = check(json!({"accept": true})).await;
    assert_eq!(
        missing["code"],
        "error.consumption.requests.servalErrorDuringRequestItemProcessing"
    );
    let past = check(json!({"accept": true, "deletionDate": "2020-01-01T00:00:00.000Z"})).await;
    assert_eq!(
        past,
        json!({"isSuccess": false, "code": "error.consumption.requests.invalidAcceptParameters",
               "message": "The deletionDate must be in the future.", "items": []})
    );
    let deletion_date = in_minutes(60 * 24);
    a.ok(
        Method::PUT,
        &format!("/Requests/Incoming/{id}/Accept"),
        Some(json!({"items": [{"accept": true, "deletionDate": deletion_date}]})),
        200,
    )
    .await;
    let copy = a.get(&format!("/Attributes/{attribute_id}")).await;
    assert_eq!(copy["deletionInfo"]["deletionStatus"], "ToBeDeleted");

    b.sync().await;
    let done = b.get(&format!("/Requests/Outgoing/{id}")).await;
    assert_eq!(done["status"], "Completed");
    let answer = &done["response"]["content"]["items"][0];
    assert_eq!(answer["@type"], "DeleteAttributeAcceptResponseItem");
    assert_eq!(answer["deletionDate"], copy["deletionInfo"]["deletionDate"]);
    let forwards = b
        .get(&format!("/Attributes/{attribute_id}/ForwardingDetails"))
        .await;
    assert_eq!(
        forwards[0]["deletionInfo"],
        json!({"deletionStatus": "ToBeDeletedByRecipient", "deletionDate": answer["deletionDate"]})
    );
}

#[tokio::test]
async fn a_rejected_relationship_takes_the_exchanged_attributes_with_it() {
    let backbone = Backbone::start().await;
    let a = Peer::start(&backbone).await;
    let c = Peer::start(&backbone).await;
    let c_address = c.address().await;
    let display_name = a
        .post(
            "/Attributes",
            json!({"content": {"value": {"@type": "DisplayName", "value": "Shop"}}}),
        )
        .await;
    let display_name_id = display_name["id"].as_str().unwrap().to_owned();
    let template = a
        .post(
            "/RelationshipTemplates/Own",
            json!({"expiresAt": in_minutes(30), "content": {
                "@type": "RelationshipTemplateContent",
                "onNewRelationship": {"items": [
                    {"@type": "ReadAttributeRequestItem", "mustBeAccepted": true,
                     "query": {"@type": "IdentityAttributeQuery", "valueType": "GivenName"}},
                    {"@type": "ShareAttributeRequestItem", "mustBeAccepted": true,
                     "attributeId": display_name_id, "attribute": display_name["content"]}
                ]}
            }}),
        )
        .await;
    let template_id = template["id"].as_str().unwrap();
    let token = a
        .post(
            &format!("/RelationshipTemplates/Own/{template_id}/Token"),
            json!({}),
        )
        .await;
    c.post(
        "/RelationshipTemplates/Peer",
        json!({"reference": token["reference"]["truncated"]}),
    )
    .await;
    let id = c.get("/Requests/Incoming").await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let decided = c
        .ok(
            Method::PUT,
            &format!("/Requests/Incoming/{id}/Accept"),
            Some(json!({"items": [
                {"accept": true, "newAttribute": {"@type": "IdentityAttribute", "owner": c_address, "value": {"@type": "GivenName", "value": "Zoe"}}},
                {"accept": true}
            ]})),
            200,
        )
        .await;
    let given_name_id = decided["response"]["content"]["items"][0]["attributeId"]
        .as_str()
        .unwrap()
        .to_owned();
    let completed = c.get(&format!("/Requests/Incoming/{id}")).await;
    let relationship_id = completed["response"]["source"]["reference"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        c.get(&format!("/Attributes/{display_name_id}")).await["@type"],
        "PeerIdentityAttribute"
    );
    a.sync().await;
    assert_eq!(
        a.get(&format!("/Attributes/{given_name_id}")).await["@type"],
        "PeerIdentityAttribute"
    );
    assert_eq!(
        a.get(&format!("/Attributes/{display_name_id}")).await["numberOfForwards"],
        1
    );

    // A rejects: what it received from C goes, and so does its record of sharing with C.
    a.put(&format!("/Relationships/{relationship_id}/Reject"))
        .await;
    error_of(
        a.send(Method::GET, &format!("/Attributes/{given_name_id}"), None)
            .await,
        404,
        "error.runtime.recordNotFound",
    )
    .await;
    assert_eq!(
        a.get(&format!("/Attributes/{display_name_id}")).await["numberOfForwards"],
        0
    );
    // C learns of it by syncing: the same on its side; its own given name stays.
    c.sync().await;
    error_of(
        c.send(Method::GET, &format!("/Attributes/{display_name_id}"), None)
            .await,
        404,
        "error.runtime.recordNotFound",
    )
    .await;
    let own = c.get(&format!("/Attributes/{given_name_id}")).await;
    assert_eq!(own["@type"], "OwnIdentityAttribute");
    assert_eq!(own["numberOfForwards"], 0);
}

#[tokio::test]
async fn a_decomposed_relationship_marks_what_was_exchanged_on_the_peers_side() {
    let backbone = Backbone::start().await;
    let a = Peer::start(&backbone).await;
    let b = Peer::start(&backbone).await;
    let relationship_id = relate(&a, &b).await;
    let attribute_id = common::share_given_name(&a, &b, "Bob").await;

    // B ends the relationship and decomposes it; A sees the deletion proposed.
    b.put(&format!("/Relationships/{relationship_id}/Terminate"))
        .await;
    b.ok(
        Method::DELETE,
        &format!("/Relationships/{relationship_id}"),
        None,
        204,
    )
    .await;
    a.sync().await;
    let relationship = a.get(&format!("/Relationships/{relationship_id}")).await;
    assert_eq!(relationship["status"], "DeletionProposed");
    let copy = a.get(&format!("/Attributes/{attribute_id}")).await;
    assert_eq!(copy["deletionInfo"]["deletionStatus"], "DeletedByEmitter");
    let last = relationship["auditLog"].as_array().unwrap().last().unwrap();
    assert_eq!(copy["deletionInfo"]["deletionDate"], last["createdAt"]);
    // B's own attribute is untouched by its own decomposition (its forwards are gone with it).
    let own = b.get(&format!("/Attributes/{attribute_id}")).await;
    assert_eq!(own["@type"], "OwnIdentityAttribute");
    assert!(own.get("deletionInfo").is_none());
}

#[tokio::test]
async fn a_file_changes_hands_through_a_request() {
    let backbone = Backbone::start().await;
    let a = Peer::start(&backbone).await;
    let b = Peer::start(&backbone).await;
    relate(&a, &b).await;
    let a_address = a.address().await;
    let b_address = b.address().await;
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"the contract".to_vec())
                .file_name("contract.txt")
                .mime_str("text/plain")
                .unwrap(),
        )
        .text("expiresAt", in_minutes(60));
    let file = a.upload(form).await;
    let file_id = file["id"].as_str().unwrap().to_owned();
    let item = |token: &str| {
        json!({"@type": "TransferFileOwnershipRequestItem", "mustBeAccepted": true,
               "fileReference": file["reference"]["truncated"], "ownershipToken": token})
    };
    let wrong = a
        .ok(
            Method::POST,
            "/Requests/Outgoing/Validate",
            Some(json!({"peer": b_address, "content": {"items": [item("wrongtoken00000000")]}})),
            201,
        )
        .await;
    assert!(
        wrong["items"][0]["message"]
            .as_str()
            .unwrap()
            .contains(&format!(
                "The specified ownershipToken is not valid for the File with ID '{file_id}'."
            )),
        "{wrong}"
    );
    let created = a
        .ok(
            Method::POST,
            "/Requests/Outgoing",
            Some(json!({"peer": b_address, "content": {"items": [item(file["ownershipToken"].as_str().unwrap())]}})),
            201,
        )
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    a.post(
        "/Messages",
        json!({"recipients": [b_address], "content": created["content"]}),
    )
    .await;
    b.sync().await;
    let can = b
        .ok(
            Method::PUT,
            &format!("/Requests/Incoming/{id}/CanAccept"),
            Some(json!({"items": [{"accept": true}]})),
            200,
        )
        .await;
    assert_eq!(can["isSuccess"], true, "{can}");
    let decided = b
        .ok(
            Method::PUT,
            &format!("/Requests/Incoming/{id}/Accept"),
            Some(json!({"items": [{"accept": true}]})),
            200,
        )
        .await;
    let answer = &decided["response"]["content"]["items"][0];
    assert_eq!(answer["@type"], "TransferFileOwnershipAcceptResponseItem");
    assert_eq!(
        answer["attribute"]["value"]["@type"],
        "IdentityFileReference"
    );
    assert!(
        answer["attribute"].get("@type").is_none(),
        "typed field: no @type"
    );
    let owned = b.get(&format!("/Files/{file_id}")).await;
    assert_eq!(owned["isOwn"], true);
    assert_eq!(owned["owner"], b_address.as_str());
    let attribute_id = answer["attributeId"].as_str().unwrap();
    let reference = b.get(&format!("/Attributes/{attribute_id}")).await;
    assert_eq!(reference["@type"], "OwnIdentityAttribute");
    assert_eq!(reference["numberOfForwards"], 1);

    a.sync().await;
    assert_eq!(
        a.get(&format!("/Requests/Outgoing/{id}")).await["status"],
        "Completed"
    );
    let peer_reference = a.get(&format!("/Attributes/{attribute_id}")).await;
    assert_eq!(peer_reference["@type"], "PeerIdentityAttribute");
    assert_eq!(peer_reference["content"], reference["content"]);
    let former = a.get(&format!("/Files/{file_id}")).await;
    assert_eq!(former["isOwn"], false, "the claim reached the former owner");
    assert_eq!(former["owner"], b_address.as_str());
    assert_ne!(a_address, b_address);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_module_accepts_what_it_can_answer() {
    let backbone = Backbone::start().await;
    let a = Peer::start(&backbone).await;
    let a_address = a.address().await;
    let wasm = common::wasm_dir();
    let module = wasm.join("request_acceptor.wasm");
    let accept_from = a_address.clone();
    let b = Peer::start_with(&backbone, move |cfg| {
        cfg["modules"] = json!({
            "requestAcceptor": {
                "enabled": true,
                "location": module.to_str().unwrap(),
                "grants": {"api": {"scopes": ["core:requests"]}},
                "acceptFrom": [accept_from],
                "answers": {"GivenName": "Support"}
            }
        });
    })
    .await;
    relate(&a, &b).await;
    let b_address = b.address().await;
    let ask = |items: Value| {
        let (a, b_address) = (&a, b_address.clone());
        async move {
            common::send_request(a, &b_address, items).await["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let answerable = ask(json!([
        {"@type": "ConsentRequestItem", "mustBeAccepted": true, "consent": "Terms"},
        {"@type": "ReadAttributeRequestItem", "mustBeAccepted": true,
         "query": {"@type": "IdentityAttributeQuery", "valueType": "GivenName"}},
        {"@type": "FormFieldRequestItem", "mustBeAccepted": false, "title": "Mood",
         "settings": {"@type": "BooleanFormFieldSettings"}}
    ]))
    .await;
    let unanswerable = ask(json!([
        {"@type": "ReadAttributeRequestItem", "mustBeAccepted": true,
         "query": {"@type": "IdentityAttributeQuery", "valueType": "Surname"}}
    ]))
    .await;
    b.sync().await;

    let mut done = Value::Null;
    for _ in 0..100 {
        a.sync().await;
        done = a.get(&format!("/Requests/Outgoing/{answerable}")).await;
        if done["status"] == "Completed" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(done["status"], "Completed", "{done}");
    let answers = &done["response"]["content"]["items"];
    assert_eq!(answers[0]["@type"], "AcceptResponseItem");
    assert_eq!(answers[1]["attribute"]["value"]["value"], "Support");
    assert_eq!(answers[1]["attribute"]["owner"], b_address.as_str());
    assert_eq!(
        answers[2]["@type"], "RejectResponseItem",
        "optional and unanswerable: declined"
    );
    assert_eq!(
        b.get(&format!("/Requests/Incoming/{unanswerable}")).await["status"],
        "ManualDecisionRequired",
        "left to a person"
    );
}

#[tokio::test]
async fn succeeding_an_own_relationship_attribute_tells_the_peer_at_once() {
    let backbone = Backbone::start().await;
    let a = Peer::start(&backbone).await;
    let b = Peer::start(&backbone).await;
    relate(&a, &b).await;
    let a_address = a.address().await;
    let b_address = b.address().await;
    // `a` creates a relationship attribute it owns in the relationship with `b`.
    let created = a
        .ok(
            Method::POST,
            "/Requests/Outgoing",
            Some(json!({"peer": b_address, "content": {"items": [
                {"@type": "CreateAttributeRequestItem", "mustBeAccepted": true,
                 "attribute": {"@type": "RelationshipAttribute", "owner": a_address, "key": "tariff",
                               "confidentiality": "protected",
                               "value": {"@type": "ProprietaryString", "title": "Tariff", "value": "Basic"}}}
            ]}})),
            201,
        )
        .await;
    a.post(
        "/Messages",
        json!({"recipients": [b_address], "content": created["content"]}),
    )
    .await;
    b.sync().await;
    let decided = b
        .ok(
            Method::PUT,
            &format!(
                "/Requests/Incoming/{}/Accept",
                created["id"].as_str().unwrap()
            ),
            Some(json!({"items": [{"accept": true}]})),
            200,
        )
        .await;
    let id = decided["response"]["content"]["items"][0]["attributeId"]
        .as_str()
        .unwrap()
        .to_owned();
    a.sync().await;
    assert_eq!(
        a.get(&format!("/Attributes/{id}")).await["@type"],
        "OwnRelationshipAttribute"
    );
    assert_eq!(
        b.get(&format!("/Attributes/{id}")).await["@type"],
        "PeerRelationshipAttribute"
    );

    let with_tags = a
        .send(
            Method::POST,
            &format!("/Attributes/{id}/Succeed"),
            Some(json!({"successorContent": {"value": {"@type": "ProprietaryString", "title": "Tariff", "value": "Premium"}, "tags": ["x:y"]}})),
        )
        .await;
    let err = error_of(
        with_tags,
        400,
        "error.runtime.validation.invalidPropertyValue",
    )
    .await;
    assert_eq!(
        err["message"],
        "successorContent must NOT have additional properties"
    );
    let succeeded = a
        .post(
            &format!("/Attributes/{id}/Succeed"),
            json!({"successorContent": {"value": {"@type": "ProprietaryString", "title": "Tariff", "value": "Premium"}}}),
        )
        .await;
    let notification = succeeded["notificationId"].as_str().unwrap();
    let successor = &succeeded["successor"];
    assert_eq!(successor["@type"], "OwnRelationshipAttribute");
    assert_eq!(successor["sourceReference"], notification);
    assert_eq!(successor["succeeds"], id.as_str());
    assert_eq!(successor["content"]["key"], "tariff");
    assert_eq!(successor["content"]["confidentiality"], "protected");
    assert_eq!(succeeded["predecessor"]["succeededBy"], successor["id"]);

    b.sync().await;
    let successor_id = successor["id"].as_str().unwrap();
    let received = b.get(&format!("/Attributes/{successor_id}")).await;
    assert_eq!(received["@type"], "PeerRelationshipAttribute");
    assert_eq!(received["content"], successor["content"]);
    assert_eq!(received["succeeds"], id.as_str());
    assert_eq!(received["sourceReference"], notification);
}

#[tokio::test]
async fn an_expired_template_request_is_not_received() {
    let backbone = Backbone::start().await;
    let a = Peer::start(&backbone).await;
    let c = Peer::start(&backbone).await;
    let soon = (chrono::Utc::now() + chrono::Duration::seconds(2))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let template = a
        .post(
            "/RelationshipTemplates/Own",
            json!({"expiresAt": in_minutes(30), "content": {
                "@type": "RelationshipTemplateContent",
                "onNewRelationship": {"expiresAt": soon, "items": [
                    {"@type": "ConsentRequestItem", "mustBeAccepted": true, "consent": "Hurry"}
                ]}
            }}),
        )
        .await;
    let token = a
        .post(
            &format!(
                "/RelationshipTemplates/Own/{}/Token",
                template["id"].as_str().unwrap()
            ),
            json!({}),
        )
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    c.post(
        "/RelationshipTemplates/Peer",
        json!({"reference": token["reference"]["truncated"]}),
    )
    .await;
    assert!(
        c.get("/Requests/Incoming")
            .await
            .as_array()
            .unwrap()
            .is_empty(),
        "an expired request is not received"
    );
}

#[tokio::test]
async fn a_relationship_attribute_is_shared_with_a_third_party() {
    let backbone = Backbone::start().await;
    let a = Peer::start(&backbone).await;
    let b = Peer::start(&backbone).await;
    let c = Peer::start(&backbone).await;
    relate(&b, &c).await;
    relate(&a, &b).await;
    let b_address = b.address().await;
    let c_address = c.address().await;

    // `c` gives `b` a membership: a relationship attribute `b` owns in the relationship with `c`.
    let create = common::send_request(
        &c,
        &b_address,
        json!([{"@type": "CreateAttributeRequestItem", "mustBeAccepted": true,
                "attribute": {"@type": "RelationshipAttribute", "owner": "", "key": "membership",
                              "confidentiality": "public",
                              "value": {"@type": "ProprietaryString", "title": "Membership", "value": "Gold"}}}]),
    )
    .await;
    b.sync().await;
    let decided = b
        .ok(
            Method::PUT,
            &format!(
                "/Requests/Incoming/{}/Accept",
                create["id"].as_str().unwrap()
            ),
            Some(json!({"items": [{"accept": true}]})),
            200,
        )
        .await;
    let membership = decided["response"]["content"]["items"][0]["attributeId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        b.get(&format!("/Attributes/{membership}")).await["@type"],
        "OwnRelationshipAttribute"
    );

    // `a` asks `b` for what it holds with `c`.
    let query = |third: &str| {
        json!([{"@type": "ReadAttributeRequestItem", "mustBeAccepted": true,
                "query": {"@type": "ThirdPartyRelationshipAttributeQuery", "key": "membership",
                          "owner": "recipient", "thirdParty": [third]}}])
    };
    // A third party `b` has nothing with (asking for the own address is refused outright).
    let elsewhere = common::send_request(
        &a,
        &b_address,
        query("did:e:localhost:dids:0123456789abcdef012345"),
    )
    .await;
    let wanted = common::send_request(&a, &b_address, query(&c_address)).await;
    b.sync().await;
    let answer = json!({"items": [{"accept": true, "existingAttributeId": membership}]});
    let check = |id: Value, body: Value| {
        let b = &b;
        async move {
            b.ok(
                Method::PUT,
                &format!("/Requests/Incoming/{}/CanAccept", id.as_str().unwrap()),
                Some(body),
                200,
            )
            .await["items"][0]
                .clone()
        }
    };
    let wrong_party = check(elsewhere["id"].clone(), answer.clone()).await;
    assert_eq!(
        wrong_party["code"], "error.consumption.requests.attributeQueryMismatch",
        "{wrong_party}"
    );
    let with_tags = check(
        wanted["id"].clone(),
        json!({"items": [{"accept": true, "existingAttributeId": membership, "tags": ["x:y"]}]}),
    )
    .await;
    assert_eq!(
        with_tags["message"],
        "When responding to a ThirdPartyRelationshipAttributeQuery, no tags may be specified."
    );
    let decided = b
        .ok(
            Method::PUT,
            &format!(
                "/Requests/Incoming/{}/Accept",
                wanted["id"].as_str().unwrap()
            ),
            Some(answer),
            200,
        )
        .await;
    let item = &decided["response"]["content"]["items"][0];
    assert_eq!(item["@type"], "ReadAttributeAcceptResponseItem");
    assert_eq!(item["thirdPartyAddress"], c_address.as_str());

    a.sync().await;
    let copy = a.get(&format!("/Attributes/{membership}")).await;
    assert_eq!(copy["@type"], "ThirdPartyRelationshipAttribute");
    assert_eq!(copy["peer"], b_address.as_str());
    assert_eq!(copy["initialAttributePeer"], c_address.as_str());
    assert_eq!(copy["content"]["value"]["value"], "Gold");
}
