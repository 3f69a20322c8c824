//! The smaller transport route families over real HTTP against a local Backbone:
//! announcements, Backbone notifications between related Connectors, and the debug-only
//! identity deletion process (which must not exist in production).

mod common;

use common::{API_KEY, Backbone, Peer, error_of, relate};
use reqwest::Method;
use serde_json::{Value, json};

/// A key whose scopes cover none of the routes under test.
const TOKENS_ONLY_KEY: &str = "Tokens-Key-0123456789-abcdefghIJ!";

const INVALID_PROPERTY: &str = "error.runtime.validation.invalidPropertyValue";
const FORBIDDEN: &str = "error.connector.forbidden";
const DELETION: &str = "/IdentityDeletionProcess";

async fn start(backbone: &Backbone, debug: bool) -> Peer {
    Peer::start_with(backbone, |cfg| {
        cfg["debug"] = json!(debug);
        cfg["infrastructure"]["httpServer"]["authentication"]["apiKey"]["keys"]["tokens"] =
            json!({"key": TOKENS_ONLY_KEY, "scopes": ["core:tokens"]});
    })
    .await
}

#[tokio::test]
async fn announcements_come_from_the_backbone_in_the_asked_language() {
    let backbone = Backbone::start().await;
    let peer = start(&backbone, false).await;

    // The local Backbone publishes none; the answer is still the official list envelope.
    let list = peer
        .ok(Method::GET, "/Announcements?language=en", None, 200)
        .await;
    assert_eq!(list, json!([]));

    for query in [
        "",
        "?language=",
        "?language=english",
        "?language=EN",
        "?language=en&language=de",
    ] {
        let resp = peer
            .send(Method::GET, &format!("/Announcements{query}"), None)
            .await;
        error_of(resp, 400, INVALID_PROPERTY).await;
    }

    let resp = peer
        .send_as(
            TOKENS_ONLY_KEY,
            Method::GET,
            "/Announcements?language=en",
            None,
        )
        .await;
    error_of(resp, 403, FORBIDDEN).await;
}

#[tokio::test]
async fn backbone_notifications_reach_the_backbone_only_for_active_relationships() {
    let backbone = Backbone::start().await;
    let a = start(&backbone, false).await;
    let b = start(&backbone, false).await;
    let b_addr = b.address().await;
    let send = |body: Value| a.send(Method::POST, "/BackboneNotifications", Some(body));

    // Before any relationship: refused locally, with the official code.
    let err = error_of(
        send(json!({"recipients": [b_addr], "code": "TestCode"})).await,
        400,
        "error.transport.backboneNotifications.noActiveRelationshipFoundForRecipients",
    )
    .await;
    assert!(err["message"].as_str().unwrap().contains(&b_addr), "{err}");

    let rel = relate(&a, &b).await;
    a.ok(
        Method::POST,
        "/BackboneNotifications",
        Some(json!({"recipients": [b_addr], "code": "TestCode"})),
        204,
    )
    .await;

    // The Backbone knows only the codes it is configured with, and says which.
    let err = error_of(
        send(json!({"recipients": [b_addr], "code": "NoSuchCode"})).await,
        400,
        "error.platform.validation.notification.codeDoesNotExist",
    )
    .await;
    assert_eq!(
        err["message"],
        "The given message code does not exist. Valid message codes are: TestCode"
    );

    // One unrelated recipient (a well-formed address nobody has) spoils the whole request.
    let stranger = "did:e:localhost:dids:0000000000000000000000";
    let err = error_of(
        send(json!({"recipients": [b_addr, stranger], "code": "TestCode"})).await,
        400,
        "error.transport.backboneNotifications.noActiveRelationshipFoundForRecipients",
    )
    .await;
    let message = err["message"].as_str().unwrap();
    assert!(
        message.contains(stranger) && !message.contains(&b_addr),
        "{message}"
    );

    error_of(
        send(json!({"recipients": [], "code": "TestCode"})).await,
        400,
        "error.transport.backboneNotifications.atLeastOneRecipientRequired",
    )
    .await;
    error_of(
        send(json!({"recipients": [b_addr], "code": ""})).await,
        400,
        "error.transport.backboneNotifications.codeMustNotBeEmpty",
    )
    .await;

    // Wrong types and shapes are schema errors.
    for body in [
        json!({"recipients": b_addr, "code": "TestCode"}),
        json!({"recipients": [b_addr], "code": 7}),
        json!({"recipients": [42], "code": "TestCode"}),
        json!({"recipients": ["not an address"], "code": "TestCode"}),
        json!({"code": "TestCode"}),
        json!({"recipients": [b_addr]}),
        json!({"recipients": [b_addr], "code": "TestCode", "extra": 1}),
        json!(["TestCode"]),
    ] {
        error_of(send(body).await, 400, INVALID_PROPERTY).await;
    }
    let resp = a
        .post_raw("/BackboneNotifications", "{\"recipients\": [")
        .await;
    error_of(resp, 400, "error.connector.validation.invalidJsonInPayload").await;

    let resp = a
        .send_as(
            TOKENS_ONLY_KEY,
            Method::POST,
            "/BackboneNotifications",
            Some(json!({"recipients": [b_addr], "code": "TestCode"})),
        )
        .await;
    error_of(resp, 403, FORBIDDEN).await;

    // Once the relationship is terminated it no longer counts.
    a.ok(
        Method::PUT,
        &format!("/Relationships/{rel}/Terminate"),
        Some(json!({})),
        200,
    )
    .await;
    error_of(
        send(json!({"recipients": [b_addr], "code": "TestCode"})).await,
        400,
        "error.transport.backboneNotifications.noActiveRelationshipFoundForRecipients",
    )
    .await;
}

#[tokio::test]
async fn device_challenges_are_created_but_not_validated() {
    let backbone = Backbone::start().await;
    let a = start(&backbone, false).await;
    let b = start(&backbone, false).await;
    relate(&a, &b).await;

    let challenge = a
        .ok(
            Method::POST,
            "/Challenges",
            Some(json!({"challengeType": "Device"})),
            201,
        )
        .await;
    assert_eq!(challenge["type"], "Device");
    assert_eq!(challenge["createdBy"], a.address().await.as_str());
    assert!(
        challenge["createdByDevice"]
            .as_str()
            .unwrap()
            .starts_with("DVC")
    );

    let validate = json!({"challengeString": challenge["challengeString"], "signature": challenge["signature"]});
    let err = error_of(
        b.send(Method::POST, "/Challenges/Validate", Some(validate))
            .await,
        400,
        "error.runtime.notSupported",
    )
    .await;
    assert_eq!(
        err["message"],
        "Validating challenges of the type 'Device' is not yet supported."
    );

    // An identity challenge of the same peer still validates.
    let challenge = a
        .ok(
            Method::POST,
            "/Challenges",
            Some(json!({"challengeType": "Identity"})),
            201,
        )
        .await;
    let validated = b
        .ok(
            Method::POST,
            "/Challenges/Validate",
            Some(json!({"challengeString": challenge["challengeString"], "signature": challenge["signature"]})),
            200,
        )
        .await;
    assert_eq!(validated["isValid"], true, "{validated}");
    assert!(validated["correspondingRelationship"]["id"].is_string());
}

#[tokio::test]
async fn identity_deletion_process_starts_reads_and_cancels_in_debug_mode() {
    let backbone = Backbone::start().await;
    let peer = start(&backbone, true).await;
    let mut events = peer.connector.app.transport.events().subscribe();
    let no_active = "error.runtime.identityDeletionProcess.noActiveIdentityDeletionProcess";

    error_of(peer.send(Method::GET, DELETION, None).await, 400, no_active).await;
    error_of(
        peer.send(Method::DELETE, DELETION, None).await,
        400,
        no_active,
    )
    .await;

    for bad in ["abc", "-3", "1.5", ""] {
        let resp = peer
            .send(
                Method::POST,
                &format!("{DELETION}?lengthOfGracePeriodInDays={bad}"),
                None,
            )
            .await;
        error_of(resp, 400, INVALID_PROPERTY).await;
    }

    let started = peer
        .ok(
            Method::POST,
            &format!("{DELETION}?lengthOfGracePeriodInDays=7"),
            None,
            200,
        )
        .await;
    assert_eq!(started["status"], "Active");
    assert!(
        started["id"].as_str().unwrap().starts_with("IDP"),
        "{started}"
    );
    let ends = chrono::DateTime::parse_from_rfc3339(started["gracePeriodEndsAt"].as_str().unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc);
    let expected = chrono::Utc::now() + chrono::Duration::days(7);
    assert!(
        (ends - expected).num_minutes().abs() < 5,
        "{ends} vs {expected}"
    );
    let event = events.recv().await.unwrap();
    assert_eq!(
        event.namespace,
        "transport.identityDeletionProcessStatusChanged"
    );
    assert_eq!(event.data, started);

    let active = peer.ok(Method::GET, DELETION, None, 200).await;
    assert_eq!(active, started);

    error_of(
        peer.send(Method::POST, DELETION, None).await,
        400,
        "error.runtime.identityDeletionProcess.activeIdentityDeletionProcessAlreadyExists",
    )
    .await;

    error_of(
        peer.send_as(TOKENS_ONLY_KEY, Method::GET, DELETION, None)
            .await,
        403,
        FORBIDDEN,
    )
    .await;
    error_of(
        peer.send(Method::PUT, DELETION, None).await,
        405,
        "error.connector.http.methodNotAllowed",
    )
    .await;

    let cancelled = peer.ok(Method::DELETE, DELETION, None, 200).await;
    assert_eq!(cancelled["id"], started["id"]);
    assert_eq!(cancelled["status"], "Cancelled");
    assert!(cancelled["cancelledAt"].is_string(), "{cancelled}");
    assert!(cancelled["cancelledByDevice"].is_string(), "{cancelled}");
    let event = events.recv().await.unwrap();
    assert_eq!(event.data, cancelled);
    error_of(peer.send(Method::GET, DELETION, None).await, 400, no_active).await;

    // A new process can follow a cancelled one; without a length the Backbone's default applies.
    let again = peer.ok(Method::POST, DELETION, None, 200).await;
    assert_eq!(again["status"], "Active");
    assert_ne!(again["id"], started["id"]);
    assert!(again["gracePeriodEndsAt"].is_string(), "{again}");
    peer.ok(Method::DELETE, DELETION, None, 200).await;
}

#[tokio::test]
async fn identity_deletion_routes_do_not_exist_in_production() {
    let backbone = Backbone::start().await;
    let peer = start(&backbone, false).await;
    for key in [API_KEY, TOKENS_ONLY_KEY] {
        for method in [Method::POST, Method::GET, Method::DELETE, Method::PUT] {
            let resp = peer
                .send_as(
                    key,
                    method,
                    &format!("{DELETION}?lengthOfGracePeriodInDays=1"),
                    None,
                )
                .await;
            error_of(resp, 404, "error.connector.http.routeDoesNotExist").await;
        }
    }
    // Authentication still comes first, as for any unknown route.
    let resp = peer.http.get(peer.url(DELETION)).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 401);
}
