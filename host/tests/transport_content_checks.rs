//! The official content checks of the transport routes, pinned through the REST API of real
//! Connectors on a local Backbone: which contents `POST /Messages`, `POST
//! /RelationshipTemplates/Own`, `POST /Relationships`, `PUT /Relationships/CanCreate` and
//! `POST /Tokens/Own` take, in the runtime's order and with its codes and messages, and how
//! the taken content is stored and shown.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{Value, json};

const INVALID_PROPERTY: &str = "error.runtime.validation.invalidPropertyValue";

/// A Request as a message carries it: with an id, one item.
fn request_content(id: Option<&str>) -> Value {
    let mut request = json!({"@type": "Request", "items": [{"@type": "AuthenticationRequestItem", "mustBeAccepted": true, "title": "Log in"}]});
    if let Some(id) = id {
        request["id"] = json!(id);
    }
    request
}

fn notification() -> Value {
    json!({"@type": "Notification", "id": "NOTxxxxxxxxxxxxxxxxx", "items": [{"@type": "OwnAttributeDeletedByOwnerNotificationItem", "attributeId": "ATTxxxxxxxxxxxxxxxxx"}]})
}

fn response() -> Value {
    json!({"result": "Accepted", "requestId": "REQxxxxxxxxxxxxxxxxx", "items": [{"@type": "AcceptResponseItem", "result": "Accepted"}]})
}

async fn refused(
    peer: &Peer,
    method: Method,
    path: &str,
    body: Value,
    status: u16,
    code: &str,
) -> String {
    let resp = peer.send(method, path, Some(body.clone())).await;
    let error = error_of(resp, status, code).await;
    error["message"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

/// `PUT /Relationships/CanCreate`'s answer, which is a 200 whether or not it may.
async fn can_create(peer: &Peer, body: Value) -> Value {
    peer.ok(Method::PUT, "/Relationships/CanCreate", Some(body), 200)
        .await
}

#[tokio::test]
async fn messages_take_the_five_contents_and_check_requests_in_the_runtimes_order() {
    let backbone = Backbone::start().await;
    let a = Peer::start(&backbone).await;
    let b = Peer::start(&backbone).await;
    let relationship = relate(&a, &b).await;
    let b_addr = b.address().await;
    let stranger = Peer::start(&backbone).await.address().await;
    let send = |recipients: Vec<&str>, content: Value| json!({"recipients": recipients, "content": content});

    // Contents of another kind and unknown ones; then a Request: one recipient, an active
    // relationship, an id, then the outgoing request it must have been created as.
    let mut typed_response = response();
    typed_response["@type"] = json!("Response");
    let no_active = format!(
        "The Message cannot be sent as there is no active Relationship to the recipient(s) with the following address(es): '{stranger}'. However, please note that Messages whose content is a Notification can be sent on terminated Relationships as well."
    );
    let cases = [
        (
            vec![b_addr.as_str()],
            json!({"@type": "Response", "result": "Accepted", "requestId": "REQxxxxxxxxxxxxxxxxx", "items": []}),
            400,
            "error.runtime.requestDeserialization",
            "Response.items:Array :: may not be empty",
        ),
        (
            vec![&b_addr],
            typed_response,
            400,
            INVALID_PROPERTY,
            "The content of a Message must either be a Mail, Request, ResponseWrapper, Notification or an ArbitraryMessageContent.",
        ),
        (
            vec![&b_addr],
            json!({"@type": "NoSuchContent"}),
            400,
            "error.runtime.unknownType",
            "Type 'NoSuchContent' with version 1 was not found within reflection classes. You might have to install a module first.",
        ),
        (
            vec![&b_addr, &stranger],
            request_content(None),
            400,
            INVALID_PROPERTY,
            "Only one recipient is allowed for sending Requests.",
        ),
        (
            vec![&stranger],
            request_content(None),
            400,
            "error.runtime.messages.hasNoActiveRelationship",
            &no_active,
        ),
        (
            vec![&b_addr],
            request_content(None),
            400,
            INVALID_PROPERTY,
            "The Request must have an id.",
        ),
        (
            vec![&b_addr],
            request_content(Some("REQxxxxxxxxxxxxxxxxx")),
            404,
            "error.runtime.recordNotFound",
            "Request not found. Make sure the ID exists and the record is not expired.",
        ),
    ];
    for (recipients, content, status, code, message) in cases {
        let body = send(recipients, content);
        let got = refused(&a, Method::POST, "/Messages", body.clone(), status, code).await;
        assert_eq!(got, message, "{body}");
    }

    // A Notification needs a relationship that is active or terminated; with none the runtime
    // returns a transport CoreError, which the official Connector answers as unexpected.
    let resp = a
        .send(
            Method::POST,
            "/Messages",
            Some(send(vec![&stranger], notification())),
        )
        .await;
    let error = error_of(resp, 500, "error.connector.unexpected").await;
    assert_eq!(error["message"], "An unexpected error occurred.");

    // On a terminated relationship only a Notification may go. The Backbone holds it back
    // until the relationship is reactivated; then the peer receives it as it was sent.
    a.put(&format!("/Relationships/{relationship}/Terminate"))
        .await;
    b.sync().await;
    let mail = json!({"@type": "Mail", "to": [b_addr], "subject": "s", "body": "b"});
    refused(
        &a,
        Method::POST,
        "/Messages",
        send(vec![&b_addr], mail),
        400,
        "error.runtime.messages.hasNoActiveRelationship",
    )
    .await;
    let sent = a
        .post("/Messages", send(vec![&b_addr], notification()))
        .await;
    assert_eq!(sent["content"], notification());
    b.put(&format!("/Relationships/{relationship}/Reactivate"))
        .await;
    a.sync().await;
    a.put(&format!("/Relationships/{relationship}/Reactivate/Accept"))
        .await;
    b.sync().await;
    let received = b
        .get(&format!("/Messages/{}", sent["id"].as_str().unwrap()))
        .await;
    assert_eq!(received["content"], notification());
}

#[tokio::test]
async fn template_requests_may_not_outlive_the_template_and_get_its_expiry() {
    let backbone = Backbone::start().await;
    let a = Peer::start(&backbone).await;
    let b = Peer::start(&backbone).await;
    let path = "/RelationshipTemplates/Own";
    let expires_at = "2099-01-01T00:00:00.000Z";
    let template_content = |request: Value| json!({"@type": "RelationshipTemplateContent", "onNewRelationship": request});

    let mut late = request_content(None);
    late["expiresAt"] = json!("2099-01-01T00:00:00.001Z");
    let message = refused(
        &a,
        Method::POST,
        path,
        json!({"content": template_content(late), "expiresAt": expires_at}),
        400,
        "error.runtime.relationshipTemplates.requestCannotExpireAfterRelationshipTemplate",
    )
    .await;
    assert_eq!(
        message,
        "The expiration date of the Request within the onNewRelationship property of the RelationshipTemplateContent must be set such that the expiration date of the RelationshipTemplate is not exceeded."
    );

    // The same expiry is fine; an earlier one is kept.
    let mut same = request_content(None);
    same["expiresAt"] = json!("2099-01-01T01:00:00+01:00");
    let template = a
        .post(
            path,
            json!({"content": template_content(same), "expiresAt": expires_at}),
        )
        .await;
    assert_eq!(
        template["content"]["onNewRelationship"]["expiresAt"],
        expires_at
    );

    // Without an expiry the Request gets the template's, before the upload: the peer sees it.
    let template = a
        .post(
            path,
            json!({"content": template_content(request_content(None)), "expiresAt": expires_at}),
        )
        .await;
    let shown = json!({
        "@type": "RelationshipTemplateContent",
        "onNewRelationship": {"expiresAt": expires_at, "items": [{"@type": "AuthenticationRequestItem", "mustBeAccepted": true, "title": "Log in"}]}
    });
    assert_eq!(template["content"], shown);
    let id = template["id"].as_str().unwrap();
    assert_eq!(
        a.get(&format!("/RelationshipTemplates/{id}")).await["content"],
        shown
    );
    let loaded = b
        .post(
            "/RelationshipTemplates/Peer",
            json!({"reference": template["reference"]["truncated"]}),
        )
        .await;
    assert_eq!(loaded["content"], shown);
}

#[tokio::test]
async fn creation_contents_must_fit_the_templates_content() {
    let backbone = Backbone::start().await;
    let a = Peer::start(&backbone).await;
    let b = Peer::start(&backbone).await;
    let offer = |content: Value| {
        let a = &a;
        let b = &b;
        async move {
            let template = a
                .post(
                    "/RelationshipTemplates/Own",
                    json!({"content": content, "expiresAt": in_minutes(30)}),
                )
                .await;
            b.post(
                "/RelationshipTemplates/Peer",
                json!({"reference": template["reference"]["truncated"]}),
            )
            .await["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let with_request = offer(
        json!({"@type": "RelationshipTemplateContent", "onNewRelationship": request_content(None)}),
    )
    .await;
    let arbitrary =
        offer(json!({"@type": "ArbitraryRelationshipTemplateContent", "value": {}})).await;
    let creation = json!({"@type": "RelationshipCreationContent", "response": response()});
    let arbitrary_creation =
        json!({"@type": "ArbitraryRelationshipCreationContent", "value": {"hello": "a"}});

    // Each refusal comes from POST /Relationships as an error, from CanCreate as a failure.
    let cases = [
        (
            &with_request,
            arbitrary_creation.clone(),
            INVALID_PROPERTY,
            "The creationContent of a Relationship must be a RelationshipCreationContent if the content of the RelationshipTemplate is a RelationshipTemplateContent.",
        ),
        (
            &with_request,
            creation.clone(),
            "error.runtime.relationships.noAcceptedIncomingRequest",
            "There is no accepted incoming Request associated with the RelationshipTemplateContent of the RelationshipTemplate.",
        ),
        (
            &arbitrary,
            creation.clone(),
            INVALID_PROPERTY,
            "The creationContent of a Relationship must be an ArbitraryRelationshipCreationContent if the content of the RelationshipTemplate is an ArbitraryRelationshipTemplateContent.",
        ),
        (
            &arbitrary,
            json!({"from": "b"}),
            INVALID_PROPERTY,
            "The creationContent of a Relationship must either be an ArbitraryRelationshipCreationContent or a RelationshipCreationContent.",
        ),
    ];
    for (template, content, code, message) in cases {
        let body = json!({"templateId": template, "creationContent": content});
        assert_eq!(
            refused(&b, Method::POST, "/Relationships", body.clone(), 400, code).await,
            message,
            "{body}"
        );
        assert_eq!(
            can_create(&b, body.clone()).await,
            json!({"isSuccess": false, "code": code, "message": message}),
            "{body}"
        );
    }

    // Content the parser throws on is an error of CanCreate too; no content is not checked.
    let body = json!({"templateId": arbitrary, "creationContent": {"@type": "ArbitraryRelationshipCreationContent"}});
    let message = refused(
        &b,
        Method::PUT,
        "/Relationships/CanCreate",
        body,
        400,
        "error.runtime.requestDeserialization",
    )
    .await;
    assert_eq!(
        message,
        "ArbitraryRelationshipCreationContent.value :: Value is not defined"
    );
    for body in [
        json!({"templateId": with_request}),
        json!({"templateId": with_request, "creationContent": null}),
    ] {
        assert_eq!(can_create(&b, body).await, json!({"isSuccess": true}));
    }

    let body = json!({"templateId": arbitrary, "creationContent": arbitrary_creation});
    assert_eq!(
        can_create(&b, body.clone()).await,
        json!({"isSuccess": true})
    );
    let relationship = b.post("/Relationships", body).await;
    assert_eq!(relationship["creationContent"], arbitrary_creation);
}

#[tokio::test]
async fn token_contents_must_parse_as_the_class_they_name() {
    let backbone = Backbone::start().await;
    let a = Peer::start(&backbone).await;
    let create = |content: Value| json!({"content": content, "expiresAt": in_minutes(30)});
    for content in [
        json!({"@type": "NoSuchContent"}),
        json!({"@type": "Mail", "to": [], "subject": "s", "body": "b"}),
        json!({"@type": "GivenName"}),
    ] {
        let message = refused(
            &a,
            Method::POST,
            "/Tokens/Own",
            create(content),
            400,
            "error.runtime.invalidTokenContent",
        )
        .await;
        assert_eq!(
            message,
            "The given Token has an invalid content for this route."
        );
    }
    // Content of its own is kept as the official library prints it; other JSON as given.
    let token = a
        .post(
            "/Tokens/Own",
            create(json!({"@type": "Mail", "to": ["x"], "subject": "s", "body": "b"})),
        )
        .await;
    assert_eq!(
        token["content"],
        json!({"@type": "Mail", "to": ["x"], "cc": [], "subject": "s", "body": "b"})
    );
    let part = json!({"@type": "GivenName", "value": "Ada"});
    assert_eq!(
        a.post("/Tokens/Own", create(part.clone())).await["content"],
        part
    );
    assert_eq!(
        a.post("/Tokens/Own", create(json!({"free": 1}))).await["content"],
        json!({"free": 1})
    );
}
