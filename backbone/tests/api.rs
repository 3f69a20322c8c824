//! The Consumer API over real HTTP: envelopes, error codes for bad input, isolation between
//! identities, and the sync and relationship rules clients depend on.

mod common;

use backbone::Config;
use common::{
    FORBIDDEN, Harness, Identity, NOT_FOUND, UNAUTHORIZED, UNPARSABLE, assert_error, bad_request,
    cipher, reply, result_id, start,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

async fn harness() -> Harness {
    start(Config::default()).await
}

fn event_types(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["type"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn malformed_json_and_base64_get_input_cannot_be_parsed() {
    let h = harness().await;
    let a = h.identity().await;
    let response = h
        .http
        .post(format!("{}/api/v2/RelationshipTemplates", h.url))
        .bearer_auth(&a.token)
        .header("content-type", "application/json")
        .body("{\"content\": ")
        .send()
        .await
        .unwrap();
    assert_error(reply(response).await, UNPARSABLE);

    assert_error(
        h.post(
            Some(&a.token),
            "/api/v2/RelationshipTemplates",
            json!({ "content": "not base64 at all!" }),
        )
        .await,
        UNPARSABLE,
    );

    assert_error(
        h.post(
            Some(&a.token),
            "/api/v2/Messages",
            json!({ "recipients": "nobody" }),
        )
        .await,
        UNPARSABLE,
    );

    assert_error(
        h.get(
            Some(&a.token),
            "/api/v2/RelationshipTemplates/RLTAAAAAAAAAAAAAAAAA?password=%%%",
        )
        .await,
        UNPARSABLE,
    );
}

#[tokio::test]
async fn oversized_uploads_are_refused() {
    let h = harness().await;
    let a = h.identity().await;
    let (status, _) = h.upload(&a, vec![b'x'; 100], None).await;
    assert_eq!(status, StatusCode::CREATED);
    for size in [10 * 1024 * 1024 + 1, 21 * 1024 * 1024] {
        assert_error(
            h.upload(&a, vec![b'x'; size], None).await,
            bad_request("error.platform.requestBodyTooLarge"),
        );
    }
}

#[tokio::test]
async fn files_round_trip_and_ownership_moves_with_the_token() {
    let h = harness().await;
    let (a, b) = (h.identity().await, h.identity().await);
    let (status, created) = h.upload(&a, b"blob bytes".to_vec(), Some(&a.address)).await;
    assert_eq!(status, StatusCode::CREATED);
    let id = result_id(&created);
    let token = created["result"]["ownershipToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(created["result"]["cipherSize"], 10);

    let blob = h
        .http
        .get(format!("{}/api/v2/Files/{id}", h.url))
        .bearer_auth(&b.token)
        .send()
        .await
        .unwrap();
    assert_eq!(blob.headers()["content-type"], "application/octet-stream");
    assert_eq!(&blob.bytes().await.unwrap()[..], b"blob bytes");
    let (status, meta) = h
        .get(Some(&b.token), &format!("/api/v2/Files/{id}/metadata"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(meta["result"]["ownershipIsLocked"], false);
    assert!(
        meta["result"].get("ownershipToken").is_none(),
        "only the uploader sees the token"
    );

    // Anyone may check a token, as on the real Backbone (the identity offered the file does).
    let (status, valid) = h
        .post(
            Some(&b.token),
            &format!("/api/v2/Files/{id}/ValidateOwnershipToken"),
            json!({ "ownershipToken": token }),
        )
        .await;
    assert_eq!(
        (status, valid["result"]["isValid"].clone()),
        (StatusCode::OK, json!(true))
    );
    let (status, valid) = h
        .post(
            Some(&a.token),
            &format!("/api/v2/Files/{id}/ValidateOwnershipToken"),
            json!({ "ownershipToken": token }),
        )
        .await;
    assert_eq!(
        (status, valid["result"]["isValid"].clone()),
        (StatusCode::OK, json!(true))
    );

    let (status, claimed) = h
        .patch(
            Some(&b.token),
            &format!("/api/v2/Files/{id}/ClaimOwnership"),
            json!({ "ownershipToken": token }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{claimed}");
    let (_, meta) = h
        .get(Some(&a.token), &format!("/api/v2/Files/{id}/Metadata"))
        .await;
    assert_eq!(meta["result"]["owner"], b.address);
    let events = h.sync_all(&a).await;
    assert_eq!(event_types(&events), ["FileOwnershipClaimed"]);
    assert_eq!(events[0]["payload"]["newOwnerAddress"], b.address);

    assert_error(
        h.delete(Some(&a.token), &format!("/api/v2/Files/{id}"))
            .await,
        FORBIDDEN,
    );
    assert_eq!(
        h.delete(Some(&b.token), &format!("/api/v2/Files/{id}"))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_error(
        h.get(Some(&b.token), &format!("/api/v2/Files/{id}")).await,
        NOT_FOUND,
    );
}

#[tokio::test]
async fn unknown_and_malformed_ids() {
    let h = harness().await;
    let a = h.identity().await;
    for path in [
        "/api/v2/Relationships/RELAAAAAAAAAAAAAAAAA",
        "/api/v2/Messages/MSGAAAAAAAAAAAAAAAAA",
        "/api/v2/RelationshipTemplates/RLTAAAAAAAAAAAAAAAAA",
        "/api/v2/Tokens/TOKAAAAAAAAAAAAAAAAA",
        "/api/v2/Files/FILAAAAAAAAAAAAAAAAA/Metadata",
        "/api/v2/SyncRuns/SYRAAAAAAAAAAAAAAAAA/ExternalEvents",
    ] {
        assert_error(h.get(Some(&a.token), path).await, NOT_FOUND);
    }
    assert_error(
        h.get(Some(&a.token), "/api/v2/Relationships/MSGAAAAAAAAAAAAAAAAA")
            .await,
        bad_request("error.platform.validation.invalidId"),
    );
    assert_eq!(
        h.get(Some(&a.token), "/api/v2/NoSuchThing").await.0,
        StatusCode::NOT_FOUND
    );
}

/// Asserts that each request by `who` finds nothing (PUTs carry an empty body).
async fn assert_all_not_found<const N: usize>(
    h: &Harness,
    who: &Identity,
    requests: [(Method, String); N],
) {
    for (method, path) in requests {
        let body = (method == Method::PUT).then(|| json!({}));
        assert_error(
            h.request(method, Some(&who.token), &path, body).await,
            NOT_FOUND,
        );
    }
}

#[tokio::test]
async fn identities_never_see_each_others_data() {
    let h = harness().await;
    let (a, b, c) = (h.identity().await, h.identity().await, h.identity().await);
    let relationship = h.pending_relationship(&a, &b).await;
    let (status, sent) = h
        .post(Some(&b.token), "/api/v2/Messages", json!({ "recipients": [{ "address": a.address, "encryptedKey": cipher("key") }], "body": cipher("body") }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    let message = result_id(&sent);

    let others = [
        (Method::GET, format!("/api/v2/Relationships/{relationship}")),
        (
            Method::PUT,
            format!("/api/v2/Relationships/{relationship}/Accept"),
        ),
        (Method::GET, format!("/api/v2/Messages/{message}")),
    ];
    assert_all_not_found(&h, &c, others).await;
    let (_, listed) = h
        .get(Some(&c.token), &format!("/api/v2/Messages?ids={message}"))
        .await;
    assert_eq!(listed["result"], json!([]));
    let (_, listed) = h
        .get(
            Some(&c.token),
            &format!("/api/v2/Relationships?ids={relationship}"),
        )
        .await;
    assert_eq!(listed["result"], json!([]));

    let started = h.start_sync(&a, "ExternalEventSync").await;
    let run = started["result"]["syncRun"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let others = [
        (
            Method::GET,
            format!("/api/v2/SyncRuns/{run}/ExternalEvents"),
        ),
        (
            Method::PUT,
            format!("/api/v2/SyncRuns/{run}/FinalizeExternalEventSync"),
        ),
    ];
    assert_all_not_found(&h, &c, others).await;

    let push = json!({ "localIndex": null, "modifications": [{ "objectIdentifier": "x", "collection": "c", "type": "Create", "datawalletVersion": 1 }] });
    let (status, _) = h
        .datawallet_request(
            Method::POST,
            &b.token,
            "/api/v2/Datawallet/Modifications",
            Some(push),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, mods) = h
        .datawallet_request(
            Method::GET,
            &c.token,
            "/api/v2/Datawallet/Modifications?localIndex=-1",
            None,
        )
        .await;
    assert_eq!(mods["result"], json!([]), "{mods}");

    // B's message to A only shows A as recipient; the sender sees every recipient.
    let (_, seen_by_a) = h
        .get(Some(&a.token), &format!("/api/v2/Messages/{message}"))
        .await;
    assert_eq!(seen_by_a["result"]["recipients"][0]["address"], a.address);
    assert!(
        seen_by_a["result"]["recipients"][0]["receivedAt"].is_string(),
        "the recipient's read marks it received"
    );
}

#[tokio::test]
async fn challenges_are_single_use_and_must_be_signed_by_the_key() {
    let h = harness().await;
    let key = ed25519_dalek::SigningKey::from_bytes(&common::rand_bytes());
    let signed = h.signed_challenge(&key).await;
    let (status, body) = h
        .create_identity_request(&key, signed.clone(), "password-1")
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let other = ed25519_dalek::SigningKey::from_bytes(&common::rand_bytes());
    assert_error(
        h.create_identity_request(&other, signed.clone(), "password-2")
            .await,
        bad_request("error.platform.validation.device.challengeHasExpired"),
    );

    let fresh = h.signed_challenge(&key).await;
    assert_error(
        h.create_identity_request(&other, fresh, "password-3").await,
        bad_request("error.platform.validation.device.invalidSignature"),
    );

    let again = h.signed_challenge(&key).await;
    assert_error(
        h.create_identity_request(&key, again, "password-4").await,
        bad_request("error.platform.validation.device.addressAlreadyExists"),
    );

    let bad_client = json!({ "clientId": "test", "clientSecret": "wrong", "identityPublicKey": Harness::public_key(&key),
        "devicePassword": "x", "identityVersion": 1, "signedChallenge": signed });
    assert_error(
        h.post(None, "/api/v2/Identities", bad_client).await,
        UNAUTHORIZED,
    );
}

#[tokio::test]
async fn expired_and_unknown_access_tokens_get_401() {
    let h = start(Config {
        access_token_lifetime: Duration::from_secs(1),
        ..Config::default()
    })
    .await;
    let a = h.identity().await;
    assert_eq!(
        h.get(Some(&a.token), "/api/v2/Devices/Self").await.0,
        StatusCode::OK
    );
    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert_error(
        h.get(Some(&a.token), "/api/v2/Devices/Self").await,
        UNAUTHORIZED,
    );
    assert_error(
        h.get(Some("not-a-token"), "/api/v2/Messages").await,
        UNAUTHORIZED,
    );
    assert_error(h.get(None, "/api/v2/Messages").await, UNAUTHORIZED);

    let (status, fresh) = h.login(&a.username, &a.password).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fresh["expires_in"], 1);
    let (status, body) = h.login(&a.username, "wrong password").await;
    assert_eq!(
        (status, body["error"].clone()),
        (StatusCode::BAD_REQUEST, json!("invalid_grant"))
    );
}

#[tokio::test]
async fn templates_honour_for_identity_passwords_and_allocations() {
    let h = harness().await;
    let (a, b, c) = (h.identity().await, h.identity().await, h.identity().await);
    // `query` is a template id, possibly followed by a query string.
    let read = async |who: &Identity, query: &str| {
        h.get(
            Some(&who.token),
            &format!("/api/v2/RelationshipTemplates/{query}"),
        )
        .await
    };
    let personal = h.template(&a, json!({ "forIdentity": b.address })).await;
    assert_error(read(&c, &personal).await, NOT_FOUND);
    let (status, body) = h
        .get(
            Some(&b.token),
            &format!("/api/v2/relationshiptemplates/{personal}"),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "routes are case-insensitive: {body}"
    );
    assert_eq!(body["result"]["forIdentity"], b.address);

    let password = "6UIRURdA+wPlQdscxhonvoGmzhawCEH7cK7Nj/2bKtE=";
    let protected = h.template(&a, json!({ "password": password })).await;
    assert_eq!(read(&b, &protected).await.0, StatusCode::NOT_FOUND);
    let encoded: String = form_urlencoded::byte_serialize(password.as_bytes()).collect();
    assert_eq!(
        read(&b, &format!("{protected}?password={encoded}")).await.0,
        StatusCode::OK
    );
    assert_eq!(
        read(&b, &protected).await.0,
        StatusCode::OK,
        "an allocation remembers the password"
    );

    let single = h.template(&a, json!({ "maxNumberOfAllocations": 1 })).await;
    assert_eq!(read(&b, &single).await.0, StatusCode::OK);
    assert_error(
        read(&c, &single).await,
        bad_request(
            "error.platform.validation.relationshipTemplate.maxNumberOfAllocationsExhausted",
        ),
    );
    let events = h.sync_all(&a).await;
    assert_eq!(
        event_types(&events),
        ["RelationshipTemplateAllocationsExhausted"]
    );
    assert_eq!(events[0]["payload"]["relationshipTemplateId"], single);

    assert_error(
        h.post(
            Some(&c.token),
            "/api/v2/Relationships",
            json!({ "relationshipTemplateId": single, "creationContent": cipher("x") }),
        )
        .await,
        bad_request("error.platform.validation.relationship.relationshipTemplateNotAllocated"),
    );
}

#[tokio::test]
async fn tokens_work_anonymously_and_honour_for_identity_and_passwords() {
    let h = harness().await;
    let (a, b) = (h.identity().await, h.identity().await);
    let (status, created) = h
        .post(
            None,
            "/api/v2/Tokens",
            json!({ "content": cipher("anon"), "expiresAt": "2099-01-01T00:00:00Z" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let anonymous = result_id(&created);
    let (status, token) = h.get(None, &format!("/api/v2/Tokens/{anonymous}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(token["result"]["createdBy"], Value::Null);
    assert_eq!(token["result"]["isPasswordProtected"], false);

    let (_, created) = h
        .post(Some(&a.token), "/api/v2/Tokens", json!({ "content": cipher("personal"), "expiresAt": "2099-01-01T00:00:00Z", "forIdentity": b.address, "password": "AAEC" }))
        .await;
    let personal = result_id(&created);
    assert_eq!(
        h.get(None, &format!("/api/v2/Tokens/{personal}?password=AAEC"))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        h.get(
            Some(&b.token),
            &format!("/api/v2/Tokens/{personal}?password=AAED"),
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    let (status, token) = h
        .get(
            Some(&b.token),
            &format!("/api/v2/Tokens/{personal}?password=AAEC"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(token["result"]["isPasswordProtected"], true);

    let (status, empty) = h
        .post(
            None,
            "/api/v2/Tokens",
            json!({ "expiresAt": "2099-01-01T00:00:00Z" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let empty = result_id(&empty);
    let (status, body) = h
        .post(
            Some(&a.token),
            &format!("/api/v2/Tokens/{empty}/UpdateContent"),
            json!({ "newContent": cipher("filled") }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["result"]["createdBy"], a.address);
    assert_error(
        h.post(
            Some(&b.token),
            &format!("/api/v2/Tokens/{empty}/UpdateContent"),
            json!({ "newContent": cipher("again") }),
        )
        .await,
        bad_request("error.platform.token.contentUpdateNotPossibleBecauseContentAlreadyExists"),
    );
    assert_eq!(
        h.delete(Some(&b.token), &format!("/api/v2/Tokens/{empty}"))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        h.delete(Some(&a.token), &format!("/api/v2/Tokens/{empty}"))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn one_sync_run_at_a_time_and_three_failures_retire_an_event() {
    let h = harness().await;
    let (a, b) = (h.identity().await, h.identity().await);
    h.pending_relationship(&a, &b).await;
    for attempt in 1..=3u8 {
        let started = h.start_sync(&a, "ExternalEventSync").await;
        let run = started["result"]["syncRun"]["id"]
            .as_str()
            .expect("a run with the event")
            .to_owned();
        assert_error(
            h.try_start_sync(&a, "ExternalEventSync").await,
            bad_request(
                "error.platform.validation.syncRun.cannotStartSyncRunWhenAnotherSyncRunIsRunning",
            ),
        );
        let (_, events) = h
            .get(
                Some(&a.token),
                &format!("/api/v2/SyncRuns/{run}/ExternalEvents"),
            )
            .await;
        let event = &events["result"][0];
        assert_eq!(event["type"], "RelationshipStatusChanged");
        assert_eq!(event["syncErrorCount"], attempt - 1);
        let results = json!({ "externalEventResults": [{ "externalEventId": event["id"], "errorCode": "error.test" }] });
        let (status, finalized) = h
            .put(
                Some(&a.token),
                &format!("/api/v2/SyncRuns/{run}/FinalizeExternalEventSync"),
                results,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            finalized["result"]["newUnsyncedExternalEventsExist"],
            attempt < 3
        );
        assert_error(
            h.put(
                Some(&a.token),
                &format!("/api/v2/SyncRuns/{run}/FinalizeExternalEventSync"),
                json!({}),
            )
            .await,
            bad_request("error.platform.validation.syncRun.syncRunAlreadyFinalized"),
        );
    }
    let after = h.start_sync(&a, "ExternalEventSync").await;
    assert_eq!(
        after["result"],
        json!({ "status": "NoNewEvents", "syncRun": null })
    );
}

#[tokio::test]
async fn messages_wait_for_acceptance_and_vanish_on_rejection() {
    let h = harness().await;
    let (a, b, c) = (h.identity().await, h.identity().await, h.identity().await);

    let ab = h.pending_relationship(&a, &b).await;
    assert_eq!(h.send_message(&b, &a).await.0, StatusCode::CREATED);
    assert_eq!(
        event_types(&h.sync_all(&a).await),
        ["RelationshipStatusChanged"],
        "the message waits while pending"
    );
    let (status, accepted) = h
        .put(
            Some(&a.token),
            &format!("/api/v2/Relationships/{ab}/Accept"),
            json!({ "creationResponseContent": cipher("r") }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{accepted}");
    assert_eq!(accepted["result"]["status"], "Active");
    assert!(
        accepted["result"].get("creationContent").is_none(),
        "state changes answer with metadata"
    );
    assert_eq!(event_types(&h.sync_all(&a).await), ["MessageReceived"]);
    assert_eq!(
        event_types(&h.sync_all(&b).await),
        ["RelationshipStatusChanged"]
    );
    let (_, full) = h
        .get(Some(&b.token), &format!("/api/v2/Relationships/{ab}"))
        .await;
    let reasons: Vec<&str> = full["result"]["auditLog"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["Creation", "AcceptanceOfCreation"]);
    assert!(full["result"]["creationResponseContent"].is_string());

    let ac = h.pending_relationship(&a, &c).await;
    assert_eq!(h.send_message(&c, &a).await.0, StatusCode::CREATED);
    assert_eq!(
        h.put(
            Some(&a.token),
            &format!("/api/v2/Relationships/{ac}/Reject"),
            json!({}),
        )
        .await
        .0,
        StatusCode::OK
    );
    assert_eq!(
        event_types(&h.sync_all(&a).await),
        ["RelationshipStatusChanged"],
        "the blocked message was dropped"
    );
    assert_error(
        h.send_message(&c, &a).await,
        bad_request("error.platform.validation.message.relationshipToRecipientNotActive"),
    );
    assert_error(
        h.put(
            Some(&c.token),
            &format!("/api/v2/Relationships/{ac}/Accept"),
            json!({}),
        )
        .await,
        bad_request("error.platform.validation.relationship.relationshipIsNotInCorrectStatus"),
    );
    let (_, can) = h
        .get(
            Some(&c.token),
            &format!("/api/v2/Relationships/CanCreate?peer={}", a.address),
        )
        .await;
    assert_eq!(can["result"], json!({ "canCreate": true, "code": null }));
    let (_, can) = h
        .get(
            Some(&b.token),
            &format!("/api/v2/Relationships/CanCreate?peer={}", a.address),
        )
        .await;
    assert_eq!(
        can["result"]["code"],
        "error.platform.validation.relationship.relationshipToTargetAlreadyExists"
    );
}

#[tokio::test]
async fn unreceived_messages_per_sender_are_limited() {
    let h = start(Config {
        max_unreceived_messages_per_sender: 2,
        ..Config::default()
    })
    .await;
    let (a, b) = (h.identity().await, h.identity().await);
    h.active_relationship(&a, &b).await;
    let body = json!({ "recipients": [{ "address": a.address, "encryptedKey": cipher("k") }], "body": cipher("b") });
    for _ in 0..2 {
        assert_eq!(
            h.post(Some(&b.token), "/api/v2/Messages", body.clone())
                .await
                .0,
            StatusCode::CREATED
        );
    }
    assert_error(
        h.post(Some(&b.token), "/api/v2/Messages", body.clone())
            .await,
        bad_request("error.platform.validation.message.maxNumberOfUnreceivedMessagesReached"),
    );
    let (_, listed) = h.get(Some(&a.token), "/api/v2/Messages").await;
    assert_eq!(listed["result"].as_array().unwrap().len(), 2);
    assert_eq!(
        h.post(Some(&b.token), "/api/v2/Messages", body).await.0,
        StatusCode::CREATED,
        "fetching frees the quota"
    );
}

#[tokio::test]
async fn lists_are_paged_only_beyond_one_page() {
    let h = harness().await;
    let a = h.identity().await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let (_, created) = h
            .post(
                Some(&a.token),
                "/api/v2/Tokens",
                json!({ "content": cipher("t"), "expiresAt": "2099-01-01T00:00:00Z" }),
            )
            .await;
        ids.push(result_id(&created));
    }
    let (_, all) = h.get(Some(&a.token), "/api/v2/Tokens").await;
    assert_eq!(all["result"].as_array().unwrap().len(), 3);
    assert!(all.get("pagination").is_none());
    let (_, page) = h
        .get(Some(&a.token), "/api/v2/Tokens?pageSize=2&pageNumber=2")
        .await;
    assert_eq!(page["result"].as_array().unwrap().len(), 1);
    assert_eq!(
        page["pagination"],
        json!({ "pageNumber": 2, "pageSize": 2, "totalPages": 2, "totalRecords": 3 })
    );
    let (_, some) = h
        .get(
            Some(&a.token),
            &format!("/api/v2/Tokens?ids={}&ids={}", ids[0], ids[2]),
        )
        .await;
    assert_eq!(some["result"].as_array().unwrap().len(), 2);
    assert_error(
        h.get(Some(&a.token), "/api/v2/Tokens?pageSize=201").await,
        bad_request("error.platform.validation.pagination.invalidPageSize"),
    );
}

#[tokio::test]
async fn deletion_process_starts_informs_peers_and_can_be_cancelled() {
    let h = harness().await;
    let (a, b) = (h.identity().await, h.identity().await);
    let ab = h.active_relationship(&a, &b).await;
    h.sync_all(&b).await;
    let (status, process) = h
        .post(
            Some(&a.token),
            "/api/v2/Identities/Self/DeletionProcesses",
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{process}");
    // A running process is `Active`, as the real Backbone (v7) and the official runtime say;
    // the approval fields stay for older clients.
    assert_eq!(process["result"]["status"], "Active");
    assert_eq!(
        process["result"]["approvedAt"],
        process["result"]["createdAt"]
    );
    assert_eq!(
        process["result"]["approvedByDevice"],
        process["result"]["createdByDevice"]
    );
    let id = result_id(&process);
    assert_error(
        h.post(
            Some(&a.token),
            "/api/v2/Identities/Self/DeletionProcesses",
            json!({}),
        )
        .await,
        bad_request("error.platform.validation.device.onlyOneActiveDeletionProcessAllowed"),
    );
    let (_, deleted) = h
        .get(
            None,
            &format!("/api/v2/Identities/IsDeleted?username={}", a.username),
        )
        .await;
    assert_eq!(deleted["result"]["isDeleted"], false);
    assert_eq!(
        deleted["result"]["deletionDate"],
        process["result"]["gracePeriodEndsAt"]
    );
    let events = h.sync_all(&b).await;
    assert_eq!(event_types(&events), ["PeerToBeDeleted"]);
    assert_eq!(events[0]["payload"]["relationshipId"], ab);
    let (status, cancelled) = h
        .put(
            Some(&a.token),
            &format!("/api/v2/Identities/Self/DeletionProcesses/{id}/Cancel"),
            json!({}),
        )
        .await;
    assert_eq!(
        (status, cancelled["result"]["status"].clone()),
        (StatusCode::OK, json!("Cancelled"))
    );
    assert_eq!(
        event_types(&h.sync_all(&b).await),
        ["PeerDeletionCancelled"]
    );
    assert_error(
        h.get(
            None,
            "/api/v2/Identities/IsDeleted?username=USRAAAAAAAAAAAAAAAAA",
        )
        .await,
        NOT_FOUND,
    );
}

#[tokio::test]
async fn sse_announces_new_external_events() {
    let h = harness().await;
    let (a, b) = (h.identity().await, h.identity().await);
    let mut stream = h
        .http
        .get(format!("{}/api/v1/SSE", h.url))
        .bearer_auth(&a.token)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    let mut seen = String::new();
    let mut read_until = async |needle: &str| {
        while !seen.contains(needle) {
            let chunk = tokio::time::timeout(Duration::from_secs(10), stream.chunk())
                .await
                .expect("event in time")
                .unwrap()
                .expect("stream open");
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
    };
    read_until("event: ConnectionOpened").await;
    h.pending_relationship(&a, &b).await;
    read_until("event: ExternalEventCreated").await;
}

#[tokio::test]
async fn notifications_need_a_relationship_and_a_configured_code() {
    let h = harness().await;
    let (a, b, c) = (h.identity().await, h.identity().await, h.identity().await);
    h.active_relationship(&a, &b).await;
    let notify = |to: &str, code: &str| {
        h.post(
            Some(&a.token),
            "/api/v2/Notifications",
            json!({"recipients": [to], "code": code}),
        )
    };
    let (status, _) = notify(&b.address, "TestCode").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = notify(&b.address, "NoSuchCode").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(
        body["error"]["code"],
        "error.platform.validation.notification.codeDoesNotExist"
    );
    assert_eq!(
        body["error"]["message"],
        "The given message code does not exist. Valid message codes are: TestCode"
    );
    assert_error(
        notify(&c.address, "TestCode").await,
        bad_request(
            "error.platform.validation.notification.noRelationshipToOneOrMoreRecipientsExists",
        ),
    );
}

#[tokio::test]
async fn version_health_and_tags() {
    let h = harness().await;
    let (status, version) = h.get(None, "/api/v2/Version").await;
    assert_eq!(
        (status, version["result"]["majorVersion"].clone()),
        (StatusCode::OK, json!("7"))
    );
    assert_eq!(h.get(None, "/health").await.0, StatusCode::OK);
    let tags = h
        .http
        .get(format!("{}/api/v2/Tags", h.url))
        .send()
        .await
        .unwrap();
    let etag = tags.headers()["etag"].to_str().unwrap().to_owned();
    let again = h
        .http
        .get(format!("{}/api/v2/Tags", h.url))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn a_did_domain_that_addresses_cannot_carry_is_refused_at_start() {
    for domain in ["127.0.0.1", "Localhost", "", &"a".repeat(50)] {
        let config = Config {
            did_domain: domain.to_owned(),
            ..Config::default()
        };
        let refused = common::serve(config).await.is_err_and(|e| {
            let e = e.to_string();
            e.contains("DID domain") || e.contains("longer than")
        });
        assert!(refused, "{domain:?} was accepted");
    }
}
