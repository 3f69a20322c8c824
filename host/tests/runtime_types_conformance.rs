//! Every DTO a transport route answers with has exactly its official `@nmshd/runtime-types`
//! 7.0.0 type: two Connectors on a local Backbone go through templates, tokens, relationships
//! in every state, messages with attachments, files, challenges, the account routes and the
//! identity deletion process, and every answer of both identities is judged by one run of the
//! official types' compiler (`interop/runtime-types/check.mjs`).
//!
//! Needs Node 20 and `npm ci` in `interop/`.

mod common;

use common::{Backbone, Peer, TypeSamples, in_minutes};
use reqwest::Method;
use serde_json::{Value, json};

/// A Connector with a name for the report; debug mode opens the identity deletion routes.
type Who<'a> = (&'static str, &'a Peer);

async fn debug_peer(backbone: &Backbone) -> Peer {
    Peer::start_with(backbone, |cfg| cfg["debug"] = json!(true)).await
}

/// `/Messages/MSGa…/Attachments/FILb…` → `/Messages/{id}/Attachments/{id}`: ids and references
/// in a path are replaced by placeholders, so the report names the route.
fn route_of(method: &Method, path: &str) -> String {
    let (path, query) = path
        .split_once('?')
        .map_or((path, None), |(p, q)| (p, Some(q)));
    let segments: Vec<String> = path
        .split('/')
        .map(|s| {
            let id = s.len() == 20 && s.chars().take(3).all(|c| c.is_ascii_uppercase());
            if id {
                "{id}".to_owned()
            } else if s.len() > 30 {
                "{reference}".to_owned()
            } else {
                s.to_owned()
            }
        })
        .collect();
    let query = query.map(|q| format!("?{q}")).unwrap_or_default();
    format!("{method} {}{query}", segments.join("/"))
}

/// Calls routes and keeps every answer with the official type it must have.
#[derive(Default)]
struct Collect {
    samples: TypeSamples,
    /// Calls that did not answer with the expected status (their value cannot be judged).
    wrong_status: Vec<String>,
}

impl Collect {
    async fn call(
        &mut self,
        (name, peer): Who<'_>,
        method: Method,
        path: &str,
        body: Option<Value>,
        status: u16,
        ty: &str,
    ) -> Value {
        let resp = peer.send(method.clone(), path, body).await;
        let got = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        let route = route_of(&method, path);
        if got != status {
            self.wrong_status.push(format!(
                "{route} as {name}: {got} instead of {status}: {text}"
            ));
            return Value::Null;
        }
        let result = serde_json::from_str::<Value>(&text).unwrap()["result"].clone();
        self.samples.add(ty, &route, name, &result);
        result
    }

    async fn get(&mut self, who: Who<'_>, path: &str, ty: &str) -> Value {
        self.call(who, Method::GET, path, None, 200, ty).await
    }

    async fn post(&mut self, who: Who<'_>, path: &str, body: Value, ty: &str) -> Value {
        self.call(who, Method::POST, path, Some(body), 201, ty)
            .await
    }

    async fn put(&mut self, who: Who<'_>, path: &str, ty: &str) -> Value {
        self.call(who, Method::PUT, path, Some(json!({})), 200, ty)
            .await
    }

    /// `POST /Files/Own`, recorded like any other answer.
    async fn upload(&mut self, (name, peer): Who<'_>, filename: &str, description: bool) -> Value {
        let mut form = reqwest::multipart::Form::new()
            .part(
                "file",
                reqwest::multipart::Part::bytes(format!("bytes of {filename}").into_bytes())
                    .file_name(filename.to_owned())
                    .mime_str("text/plain")
                    .unwrap(),
            )
            .text("title", format!("Title of {filename}"))
            .text("expiresAt", in_minutes(60));
        if description {
            form = form.text("description", "A description");
        }
        let file = peer.upload(form).await;
        self.samples.add("FileDTO", "POST /Files/Own", name, &file);
        file
    }

    /// The listings and single reads every identity can make of what it holds now.
    async fn read_all(&mut self, who: Who<'_>) {
        for (path, ty) in [
            ("/RelationshipTemplates", "RelationshipTemplateDTO[]"),
            ("/RelationshipTemplates/Own", "RelationshipTemplateDTO[]"),
            ("/RelationshipTemplates/Peer", "RelationshipTemplateDTO[]"),
            ("/Relationships", "RelationshipDTO[]"),
            ("/Messages", "MessageDTO[]"),
            ("/Files", "FileDTO[]"),
            ("/Files/Own", "FileDTO[]"),
            ("/Files/Peer", "FileDTO[]"),
            ("/Tokens/Own", "TokenDTO[]"),
            ("/Tokens/Peer", "TokenDTO[]"),
            ("/Account/SyncInfo", "SyncInfo"),
        ] {
            self.get(who, path, ty).await;
        }
    }
}

/// The id of an answer; after a failed call (already recorded) a placeholder, so the flow goes
/// on and the report lists every difference rather than the first.
fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or("missing-id").to_owned()
}

#[tokio::test]
async fn every_transport_dto_of_both_identities_has_exactly_the_official_runtime_type() {
    let backbone = Backbone::start().await;
    let (pa, pb) = (debug_peer(&backbone).await, debug_peer(&backbone).await);
    let (a, b): (Who, Who) = (("A", &pa), ("B", &pb));
    let mut c = Collect::default();

    // Account, before and after the first sync.
    let a_addr = c.get(a, "/Account/IdentityInfo", "IdentityInfo").await["address"]
        .as_str()
        .unwrap()
        .to_owned();
    let b_addr = c.get(b, "/Account/IdentityInfo", "IdentityInfo").await["address"]
        .as_str()
        .unwrap()
        .to_owned();
    for who in [a, b] {
        c.get(who, "/Account/SyncInfo", "SyncInfo").await;
        who.1.sync().await;
        c.get(who, "/Account/SyncInfo", "SyncInfo").await;
        c.get(who, "/Announcements?language=en", "AnnouncementDTO[]")
            .await;
    }

    // Templates: A's own, a token for one, B loads it by the token's URL; a second template
    // for B alone, PIN-protected with a limit, loaded by its own reference.
    let t1 = c
        .post(
            a,
            "/RelationshipTemplates/Own",
            json!({"content": {"@type": "ArbitraryRelationshipTemplateContent", "value": {"offer": 1}}, "expiresAt": in_minutes(30)}),
            "RelationshipTemplateDTO",
        )
        .await;
    let t1_token = c
        .post(
            a,
            &format!("/RelationshipTemplates/Own/{}/Token", id(&t1)),
            json!({}),
            "TokenDTO",
        )
        .await;
    c.post(
        b,
        "/RelationshipTemplates/Peer",
        json!({"reference": t1_token["reference"]["url"]}),
        "RelationshipTemplateDTO",
    )
    .await;
    let t2 = c
        .post(
            a,
            "/RelationshipTemplates/Own",
            json!({"content": {"@type": "ArbitraryRelationshipTemplateContent", "value": "for B"}, "expiresAt": in_minutes(30),
                   "maxNumberOfAllocations": 3, "forIdentity": b_addr,
                   "passwordProtection": {"password": "1234", "passwordIsPin": true}}),
            "RelationshipTemplateDTO",
        )
        .await;
    c.post(
        b,
        "/RelationshipTemplates/Peer",
        json!({"reference": t2["reference"]["truncated"], "password": "1234"}),
        "RelationshipTemplateDTO",
    )
    .await;
    for who in [a, b] {
        c.get(
            who,
            &format!("/RelationshipTemplates/{}", id(&t1)),
            "RelationshipTemplateDTO",
        )
        .await;
        c.get(
            who,
            &format!("/RelationshipTemplates/{}", id(&t2)),
            "RelationshipTemplateDTO",
        )
        .await;
    }

    // Relationships: one rejected, one revoked, one accepted.
    let can = json!({"templateId": id(&t1)});
    c.call(
        b,
        Method::PUT,
        "/Relationships/CanCreate",
        Some(can),
        200,
        "CanCreateRelationshipResponse",
    )
    .await;
    c.call(
        b,
        Method::PUT,
        "/Relationships/CanCreate",
        Some(json!({"templateId": "RLTxxxxxxxxxxxxxxxxx"})),
        200,
        "CanCreateRelationshipResponse",
    )
    .await;
    let request = |value: &str| json!({"templateId": id(&t1), "creationContent": {"@type": "ArbitraryRelationshipCreationContent", "value": value}});
    let r1 = c
        .post(b, "/Relationships", request("first"), "RelationshipDTO")
        .await;
    let r1 = id(&r1);
    pa.sync().await;
    c.get(a, &format!("/Relationships/{r1}"), "RelationshipDTO")
        .await;
    c.put(a, &format!("/Relationships/{r1}/Reject"), "RelationshipDTO")
        .await;
    pb.sync().await;
    c.get(b, &format!("/Relationships/{r1}"), "RelationshipDTO")
        .await;

    let r2 = c
        .post(b, "/Relationships", request("second"), "RelationshipDTO")
        .await;
    let r2 = id(&r2);
    c.put(b, &format!("/Relationships/{r2}/Revoke"), "RelationshipDTO")
        .await;
    pa.sync().await;
    c.get(a, &format!("/Relationships/{r2}"), "RelationshipDTO")
        .await;

    let r3 = c
        .post(b, "/Relationships", request("third"), "RelationshipDTO")
        .await;
    let rel = id(&r3);
    pa.sync().await;
    c.put(
        a,
        &format!("/Relationships/{rel}/Accept"),
        "RelationshipDTO",
    )
    .await;
    pb.sync().await;
    for who in [a, b] {
        c.get(who, &format!("/Relationships/{rel}"), "RelationshipDTO")
            .await;
        c.get(
            who,
            &format!("/Relationships/{rel}/Attributes"),
            "LocalAttributeDTO[]",
        )
        .await;
    }

    // A Request by message, checked, accepted and applied: every request DTO on both sides.
    let request_content = json!({"items": [
        {"@type": "ReadAttributeRequestItem", "mustBeAccepted": true,
         "query": {"@type": "IdentityAttributeQuery", "valueType": "GivenName"}},
        {"@type": "RequestItemGroup", "title": "More", "items": [
            {"@type": "ConsentRequestItem", "mustBeAccepted": false, "consent": "Terms"}
        ]}
    ]});
    c.call(
        a,
        Method::POST,
        "/Requests/Outgoing/Validate",
        Some(json!({"peer": b_addr, "content": request_content})),
        201,
        "RequestValidationResultDTO",
    )
    .await;
    let outgoing = c
        .post(
            a,
            "/Requests/Outgoing",
            json!({"peer": b_addr, "content": request_content}),
            "LocalRequestDTO",
        )
        .await;
    let req = id(&outgoing);
    c.post(
        a,
        "/Messages",
        json!({"recipients": [b_addr], "content": outgoing["content"]}),
        "MessageDTO",
    )
    .await;
    pb.sync().await;
    let decision = json!({"items": [
        {"accept": true, "newAttribute": {"@type": "IdentityAttribute", "owner": b_addr, "value": {"@type": "GivenName", "value": "Beatrice"}}},
        {"items": [{"accept": false, "code": "not.now", "message": "later"}]}
    ]});
    c.get(b, &format!("/Requests/Incoming/{req}"), "LocalRequestDTO")
        .await;
    c.call(
        b,
        Method::PUT,
        &format!("/Requests/Incoming/{req}/CanAccept"),
        Some(decision.clone()),
        200,
        "RequestValidationResultDTO",
    )
    .await;
    c.call(
        b,
        Method::PUT,
        &format!("/Requests/Incoming/{req}/Accept"),
        Some(decision),
        200,
        "LocalRequestDTO",
    )
    .await;
    pa.sync().await;
    c.get(a, &format!("/Requests/Outgoing/{req}"), "LocalRequestDTO")
        .await;
    c.get(a, "/Requests/Outgoing", "LocalRequestDTO[]").await;
    c.get(b, "/Requests/Incoming", "LocalRequestDTO[]").await;
    c.get(a, "/Attributes", "LocalAttributeDTO[]").await;
    c.get(b, "/Attributes", "LocalAttributeDTO[]").await;

    // Messages both ways, A's with an attachment; sent and received, listed and single.
    let f1 = c.upload(a, "attached.txt", false).await;
    let m1 = c
        .post(
            a,
            "/Messages",
            json!({"recipients": [b_addr], "content": {"@type": "Mail", "to": [b_addr], "subject": "Hi", "body": "Hello B"}, "attachments": [id(&f1)]}),
            "MessageDTO",
        )
        .await;
    let m2 = c
        .post(
            b,
            "/Messages",
            json!({"recipients": [a_addr], "content": {"@type": "ArbitraryMessageContent", "value": {"back": true}}}),
            "MessageDTO",
        )
        .await;
    pb.sync().await;
    pa.sync().await;
    for who in [a, b] {
        for m in [&m1, &m2] {
            c.get(
                who,
                &format!("/Messages/{}", id(m)),
                "MessageWithAttachmentsDTO",
            )
            .await;
        }
        c.get(
            who,
            &format!("/Messages/{}/Attachments/{}", id(&m1), id(&f1)),
            "FileDTO",
        )
        .await;
    }

    // Files: B's own shared by a token, A loads it; B loads A's by the file's reference.
    let f2 = c.upload(b, "report.txt", true).await;
    let f2_token = c
        .post(
            b,
            &format!("/Files/{}/Token", id(&f2)),
            json!({}),
            "TokenDTO",
        )
        .await;
    c.post(
        a,
        "/Files/Peer",
        json!({"reference": f2_token["reference"]["truncated"]}),
        "FileDTO",
    )
    .await;
    c.post(
        b,
        "/Files/Peer",
        json!({"reference": f1["reference"]["truncated"]}),
        "FileDTO",
    )
    .await;
    for who in [a, b] {
        for f in [&f1, &f2] {
            c.get(who, &format!("/Files/{}", id(f)), "FileDTO").await;
            let reference = f["reference"]["truncated"]
                .as_str()
                .unwrap_or("missing-reference");
            c.get(who, &format!("/Files/{reference}"), "FileDTO").await;
        }
    }
    c.call(
        b,
        Method::PATCH,
        &format!("/Files/{}/RegenerateOwnershipToken", id(&f2)),
        None,
        200,
        "FileDTO",
    )
    .await;

    // Tokens: each side's own, password-protected, loaded by the other.
    let a_token = c
        .post(
            a,
            "/Tokens/Own",
            json!({"content": {"any": "json"}, "expiresAt": in_minutes(5), "ephemeral": false,
                   "passwordProtection": {"password": "1234", "passwordIsPin": true}}),
            "TokenDTO",
        )
        .await;
    let b_token = c
        .post(
            b,
            "/Tokens/Own",
            json!({"content": ["a", "list"], "expiresAt": in_minutes(5), "ephemeral": false, "forIdentity": a_addr,
                   "passwordProtection": {"password": "secret", "passwordLocationIndicator": "Email"}}),
            "TokenDTO",
        )
        .await;
    c.post(
        b,
        "/Tokens/Peer",
        json!({"reference": a_token["reference"]["truncated"], "ephemeral": false, "password": "1234"}),
        "TokenDTO",
    )
    .await;
    c.post(
        a,
        "/Tokens/Peer",
        json!({"reference": b_token["reference"]["url"], "ephemeral": false, "password": "secret"}),
        "TokenDTO",
    )
    .await;
    for who in [a, b] {
        for t in [&a_token, &b_token] {
            c.get(who, &format!("/Tokens/{}", id(t)), "TokenDTO").await;
        }
    }

    // Challenges of every type; each side validates the other's.
    for (creator, validator, body) in [
        (
            a,
            b,
            json!({"challengeType": "Relationship", "relationship": rel}),
        ),
        (b, a, json!({"challengeType": "Identity"})),
        (a, b, json!({"challengeType": "Device"})),
    ] {
        let challenge = c.post(creator, "/Challenges", body, "ChallengeDTO").await;
        if challenge["type"] != "Device" {
            c.call(
                validator,
                Method::POST,
                "/Challenges/Validate",
                Some(json!({"challengeString": challenge["challengeString"], "signature": challenge["signature"]})),
                200,
                "ValidateChallengeResponse",
            )
            .await;
        }
    }

    for who in [a, b] {
        c.read_all(who).await;
    }

    // Termination and reactivation: rejected, revoked, accepted.
    let path = |suffix: &str| format!("/Relationships/{rel}{suffix}");
    c.put(a, &path("/Terminate"), "RelationshipDTO").await;
    pb.sync().await;
    c.get(b, &path(""), "RelationshipDTO").await;
    c.put(b, &path("/Reactivate"), "RelationshipDTO").await;
    pa.sync().await;
    c.put(a, &path("/Reactivate/Reject"), "RelationshipDTO")
        .await;
    pb.sync().await;
    c.put(b, &path("/Reactivate"), "RelationshipDTO").await;
    c.put(b, &path("/Reactivate/Revoke"), "RelationshipDTO")
        .await;
    pa.sync().await;
    c.put(a, &path("/Reactivate"), "RelationshipDTO").await;
    pb.sync().await;
    c.put(b, &path("/Reactivate/Accept"), "RelationshipDTO")
        .await;
    pa.sync().await;
    for who in [a, b] {
        c.get(who, &path(""), "RelationshipDTO").await;
    }

    // Identity deletion (debug routes): A starts one, B sees A as to be deleted, A cancels.
    let deletion = "/IdentityDeletionProcess";
    c.call(
        a,
        Method::POST,
        &format!("{deletion}?lengthOfGracePeriodInDays=7"),
        None,
        200,
        "IdentityDeletionProcessDTO",
    )
    .await;
    c.get(a, deletion, "IdentityDeletionProcessDTO").await;
    pb.sync().await;
    c.get(b, &path(""), "RelationshipDTO").await;
    c.get(b, "/Relationships", "RelationshipDTO[]").await;
    c.call(
        a,
        Method::DELETE,
        deletion,
        None,
        200,
        "IdentityDeletionProcessDTO",
    )
    .await;
    pb.sync().await;
    c.get(b, &path(""), "RelationshipDTO").await;

    // Decomposition: B terminates and decomposes, A sees the deletion proposed.
    c.put(b, &path("/Terminate"), "RelationshipDTO").await;
    pb.ok(Method::DELETE, &path(""), None, 204).await;
    pa.sync().await;
    c.get(a, &path(""), "RelationshipDTO").await;
    for who in [a, b] {
        c.read_all(who).await;
    }

    let report = c.samples.check();
    println!(
        "runtime-types conformance: {} samples of {} types checked ({})",
        report.samples,
        report.types.len(),
        report.types.join(", ")
    );
    assert_eq!(report.samples, c.samples.len());
    let mut problems: Vec<String> = c.wrong_status.clone();
    problems.extend(report.errors.iter().map(ToString::to_string));
    assert!(
        problems.is_empty(),
        "{} answers differ from the official runtime types:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The checker itself: a right value passes, and each kind of drift is found at its field.
#[test]
fn the_checker_finds_extra_missing_and_mistyped_fields_and_runtime_dates() {
    let address = "did:e:localhost:dids:0000000000000000000000";
    let good = json!({"id": "CHLaaaaaaaaaaaaaaaaa", "expiresAt": "2026-11-28T01:13:37.487Z", "createdBy": address,
                      "type": "Identity", "signature": "sig", "challengeString": "{}"});
    let mut samples = TypeSamples::default();
    samples.add("ChallengeDTO", "good", "X", &good);
    let mut extra = good.clone();
    extra["extra"] = json!(1);
    samples.add("ChallengeDTO", "extra", "X", &extra);
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("signature");
    samples.add("ChallengeDTO", "missing", "X", &missing);
    samples.add(
        "IdentityDeletionProcessDTO[]",
        "status",
        "X",
        &json!([{"id": "IDPaaaaaaaaaaaaaaaaa", "status": "Active"}, {"id": "IDPbbbbbbbbbbbbbbbbb", "status": "Approved"}]),
    );
    samples.add(
        "SyncInfo",
        "date",
        "X",
        &json!({"lastSyncRun": {"completedAt": "2026-11-28T01:13:37Z"}}),
    );
    samples.add(
        "RecipientDTO",
        "null",
        "X",
        &json!({"address": address, "receivedAt": null}),
    );
    let report = samples.check();
    assert_eq!(report.samples, 6);
    let found: Vec<(&str, &str, &str)> = report
        .errors
        .iter()
        .map(|e| {
            (
                e.route.as_deref().unwrap(),
                e.path.as_str(),
                e.kind.as_str(),
            )
        })
        .collect();
    assert_eq!(
        found.len(),
        5,
        "{}",
        report
            .errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
    for expected in [
        ("extra", "extra", "type"),
        ("missing", "", "type"),
        ("status", "[1].status", "type"),
        ("date", "lastSyncRun.completedAt", "format"),
        ("null", "receivedAt", "type"),
    ] {
        assert!(found.contains(&expected), "{expected:?} not in {found:?}");
    }
}
