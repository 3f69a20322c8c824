//! The official contract of the RelationshipTemplates and Relationships routes, pinned against
//! two real Connectors and a local Backbone on loopback: the DTOs' exact keys, content wrapped
//! as the runtime wraps it, the audit log as the runtime shows it, the runtime's codes and
//! messages for refused template contents and dates, and tokens for unprotected templates.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{Value, json};

const INVALID_PROPERTY: &str = "error.runtime.validation.invalidPropertyValue";

fn keys(v: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    keys
}

async fn refused(peer: &Peer, path: &str, body: Value, code: &str) -> String {
    let resp = peer.send(Method::POST, path, Some(body)).await;
    let error = error_of(resp, 400, code).await;
    error["message"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn own_templates_refuse_unknown_and_incomplete_content_and_bad_dates_in_the_runtimes_words() {
    let backbone = Backbone::start().await;
    let a = Peer::start(&backbone).await;
    let path = "/RelationshipTemplates/Own";

    let message = refused(
        &a,
        path,
        json!({"content": {"@type": "NoSuchContent", "value": 1}, "expiresAt": in_minutes(5)}),
        "error.runtime.unknownType",
    )
    .await;
    assert_eq!(
        message,
        "Type 'NoSuchContent' with version 1 was not found within reflection classes. You might have to install a module first."
    );

    let message = refused(
        &a,
        path,
        json!({"content": {"@type": "ArbitraryRelationshipTemplateContent"}, "expiresAt": in_minutes(5)}),
        "error.runtime.requestDeserialization",
    )
    .await;
    assert_eq!(
        message,
        "ArbitraryRelationshipTemplateContent.value :: Value is not defined"
    );

    let message = refused(
        &a,
        path,
        json!({"content": {"@type": "RelationshipTemplateContent", "title": "t"}, "expiresAt": in_minutes(5)}),
        "error.runtime.requestDeserialization",
    )
    .await;
    assert_eq!(
        message,
        "RelationshipTemplateContent.onNewRelationship :: Value is not defined"
    );

    // A known object is parsed by its own rules first, as `Serializable.fromUnknown` does.
    let message = refused(
        &a,
        path,
        json!({"content": {"@type": "Mail", "to": [], "subject": "", "body": ""}, "expiresAt": in_minutes(5)}),
        "error.runtime.requestDeserialization",
    )
    .await;
    assert_eq!(message, "Mail.to:Array :: may not be empty");

    // Known objects that are not template contents, and plain JSON, are not accepted either.
    for content in [
        json!({"@type": "Mail", "to": ["did:e:localhost:dids:1a0e7e5d7f24c7c6b6e8bc"], "subject": "", "body": ""}),
        json!({"a": 1}),
    ] {
        let message = refused(
            &a,
            path,
            json!({"content": content, "expiresAt": in_minutes(5)}),
            INVALID_PROPERTY,
        )
        .await;
        assert_eq!(
            message,
            "The content of a RelationshipTemplate must either be a RelationshipTemplateContent or an ArbitraryRelationshipTemplateContent."
        );
    }

    let content = json!({"@type": "ArbitraryRelationshipTemplateContent", "value": {}});
    let message = refused(
        &a,
        path,
        json!({"content": content, "expiresAt": "2000-01-01T00:00:00.000Z"}),
        INVALID_PROPERTY,
    )
    .await;
    assert_eq!(message, "'expiresAt' must be in the future");
    let message = refused(
        &a,
        path,
        json!({"content": content, "expiresAt": "tomorrow"}),
        INVALID_PROPERTY,
    )
    .await;
    assert_eq!(message, "expiresAt must match ISO8601 datetime format");

    // A complete RelationshipTemplateContent is taken as the official library prints it: the
    // nested Request without `@type`, and with the template's expiry when it has none.
    let full = json!({
        "@type": "RelationshipTemplateContent",
        "title": "Connect",
        "onNewRelationship": {"@type": "Request", "items": [{"@type": "ReadAttributeRequestItem", "mustBeAccepted": true, "query": {"@type": "IdentityAttributeQuery", "valueType": "GivenName"}}]}
    });
    let template = a
        .post(path, json!({"content": full, "expiresAt": in_minutes(5)}))
        .await;
    assert_eq!(
        template["content"],
        json!({
            "@type": "RelationshipTemplateContent",
            "title": "Connect",
            "onNewRelationship": {"expiresAt": template["expiresAt"], "items": [{"@type": "ReadAttributeRequestItem", "mustBeAccepted": true, "query": {"@type": "IdentityAttributeQuery", "valueType": "GivenName"}}]}
        })
    );

    // Path ids are checked before anything else, in the runtime's words.
    let resp = a
        .send(Method::GET, "/RelationshipTemplates/RLTshort", None)
        .await;
    let error = error_of(resp, 400, INVALID_PROPERTY).await;
    assert_eq!(error["message"], "id must match pattern RLT[A-Za-z0-9]{17}");
    let resp = a
        .send(
            Method::PUT,
            "/Relationships/TOKxxxxxxxxxxxxxxxxx/Accept",
            Some(json!({})),
        )
        .await;
    let error = error_of(resp, 400, INVALID_PROPERTY).await;
    assert_eq!(error["message"], "id must match pattern REL[A-Za-z0-9]{17}");
}

#[tokio::test]
async fn an_unprotected_template_can_be_shared_through_a_pin_protected_token() {
    let backbone = Backbone::start().await;
    let a = Peer::start(&backbone).await;
    let b = Peer::start(&backbone).await;
    let template = a
        .post(
            "/RelationshipTemplates/Own",
            json!({"content": {"@type": "ArbitraryRelationshipTemplateContent", "value": {"k": 1}}, "expiresAt": in_minutes(30)}),
        )
        .await;
    assert!(template.get("passwordProtection").is_none());
    let id = template["id"].as_str().unwrap();
    let token = a
        .post(
            &format!("/RelationshipTemplates/Own/{id}/Token"),
            json!({"passwordProtection": {"password": "4711", "passwordIsPin": true}}),
        )
        .await;
    assert_eq!(token["passwordProtection"]["password"], "4711");
    assert_eq!(token["passwordProtection"]["passwordIsPin"], true);
    // Without a `true` ephemeral the runtime does not keep the token.
    assert_eq!(a.get("/Tokens/Own").await.as_array().unwrap().len(), 0);

    // The token asks for the PIN; the template behind it does not.
    let reference = token["reference"]["truncated"].clone();
    let resp = b
        .send(
            Method::POST,
            "/RelationshipTemplates/Peer",
            Some(json!({"reference": reference})),
        )
        .await;
    assert_eq!(
        resp.status().as_u16(),
        400,
        "{}",
        resp.text().await.unwrap()
    );
    let loaded = b
        .post(
            "/RelationshipTemplates/Peer",
            json!({"reference": reference, "password": "4711"}),
        )
        .await;
    assert_eq!(loaded["id"], id);
    assert!(loaded.get("passwordProtection").is_none(), "{loaded}");

    // A protected template's token must repeat its protection.
    let protected = a
        .post(
            "/RelationshipTemplates/Own",
            json!({"content": {"@type": "ArbitraryRelationshipTemplateContent", "value": {}}, "expiresAt": in_minutes(30), "passwordProtection": {"password": "secret"}}),
        )
        .await;
    let pid = protected["id"].as_str().unwrap();
    for body in [
        json!({}),
        json!({"passwordProtection": {"password": "other"}}),
    ] {
        let message = refused(
            &a,
            &format!("/RelationshipTemplates/Own/{pid}/Token"),
            body,
            "error.runtime.relationshipTemplates.passwordProtectionMustBeInherited",
        )
        .await;
        assert_eq!(
            message,
            "If a RelationshipTemplate has password protection, Tokens created from it must have the same password protection."
        );
    }
    a.post(
        &format!("/RelationshipTemplates/Own/{pid}/Token"),
        json!({"passwordProtection": {"password": "secret"}}),
    )
    .await;
}

#[tokio::test]
async fn dtos_have_the_runtimes_keys_wrapped_contents_and_a_sorted_audit_log() {
    let backbone = Backbone::start().await;
    let a = Peer::start_with(&backbone, common::with_docs).await;
    let b = Peer::start(&backbone).await;
    let (a_addr, b_addr) = (a.address().await, b.address().await);

    let template = a
        .post(
            "/RelationshipTemplates/Own",
            json!({"content": {"@type": "ArbitraryRelationshipTemplateContent", "value": {"offer": 1}}, "expiresAt": in_minutes(30), "maxNumberOfAllocations": 2}),
        )
        .await;
    assert_eq!(
        keys(&template),
        [
            "content",
            "createdAt",
            "createdBy",
            "createdByDevice",
            "expiresAt",
            "id",
            "isOwn",
            "maxNumberOfAllocations",
            "reference"
        ]
    );
    for date in [&template["createdAt"], &template["expiresAt"]] {
        let text = date.as_str().unwrap();
        assert!(text.ends_with('Z') && text.len() == 24, "{text}");
    }
    let id = template["id"].as_str().unwrap();
    let loaded = b
        .post(
            "/RelationshipTemplates/Peer",
            json!({"reference": template["reference"]["url"]}),
        )
        .await;
    assert_eq!(keys(&loaded), keys(&template));
    assert_eq!(loaded["isOwn"], false);
    assert_eq!(loaded["content"], template["content"]);
    assert_eq!(loaded["createdAt"], template["createdAt"]);

    let wrapped = json!({"@type": "ArbitraryRelationshipCreationContent", "value": {"from": "b"}});
    let requested = b
        .post(
            "/Relationships",
            json!({"templateId": id, "creationContent": wrapped}),
        )
        .await;
    assert_eq!(requested["creationContent"], wrapped);
    assert_eq!(
        keys(&requested),
        [
            "auditLog",
            "creationContent",
            "id",
            "peer",
            "peerIdentity",
            "status",
            "templateId"
        ]
    );
    assert_eq!(requested["peer"], a_addr);
    assert_eq!(requested["peerIdentity"]["address"], a_addr);
    assert_eq!(requested["templateId"], id);
    let rel = requested["id"].as_str().unwrap();

    a.sync().await;
    let received = a.get(&format!("/Relationships/{rel}")).await;
    assert_eq!(received["creationContent"], wrapped);
    assert_eq!(received["peer"], b_addr);
    a.put(&format!("/Relationships/{rel}/Accept")).await;
    b.sync().await;
    let active = b.get(&format!("/Relationships/{rel}")).await;
    assert_eq!(active["status"], "Active");
    let log = active["auditLog"].as_array().unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(
        keys(&log[0]),
        [
            "createdAt",
            "createdBy",
            "createdByDevice",
            "newStatus",
            "reason"
        ]
    );
    assert_eq!(log[0]["reason"], "Creation");
    assert_eq!(log[0]["createdBy"], b_addr);
    assert_eq!(
        keys(&log[1]),
        [
            "createdAt",
            "createdBy",
            "createdByDevice",
            "newStatus",
            "oldStatus",
            "reason"
        ]
    );
    assert_eq!(log[1]["reason"], "AcceptanceOfCreation");
    assert!(log[0]["createdAt"].as_str() <= log[1]["createdAt"].as_str());

    // CanCreate answers `{isSuccess: false, code, message}` once a relationship exists.
    let can = b
        .ok(
            Method::PUT,
            "/Relationships/CanCreate",
            Some(json!({"templateId": id})),
            200,
        )
        .await;
    assert_eq!(keys(&can), ["code", "isSuccess", "message"]);
    assert_eq!(can["isSuccess"], false);

    // The API document describes these routes' bodies.
    let doc: Value = reqwest::get(format!("{}/docs/json", a.connector.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let schemas = &doc["components"]["schemas"];
    for name in [
        "RelationshipDto",
        "RelationshipTemplateDto",
        "CreateOwnRelationshipTemplateRequest",
        "CanCreateRelationshipResponse",
    ] {
        assert!(schemas.get(name).is_some(), "{name} missing");
    }
    let create = &doc["paths"]["/api/core/v1/RelationshipTemplates/Own"]["post"];
    assert!(create["requestBody"].is_object(), "{create}");
    let get = &doc["paths"]["/api/core/v1/RelationshipTemplates/{id}"]["get"];
    assert!(
        get["responses"]["200"]["content"]["image/png"].is_object(),
        "{get}"
    );
    let list = &doc["paths"]["/api/core/v1/Relationships"]["get"]["parameters"];
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "templateId"),
        "{list}"
    );
}
