//! Two Connectors and a local Backbone on loopback, driven only through the REST API:
//! template → token → peer loads it → relationship → accept → messages both ways with an
//! attachment → files and file tokens → own/peer tokens with password → terminate /
//! reactivate / decompose; plus bad input on the routes.

mod common;

use common::{API_KEY, Backbone, Peer, error_of, in_minutes};
use serde_json::{Value, json};

async fn upload(peer: &Peer, name: &str, bytes: &[u8]) -> Value {
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes.to_vec())
                .file_name(name.to_owned())
                .mime_str("text/plain")
                .unwrap(),
        )
        .text("title", "A title")
        .text("expiresAt", in_minutes(60));
    peer.upload(form).await
}

/// Sets up two connected Connectors; returns them with the relationship id.
async fn related(backbone: &Backbone) -> (Peer, Peer, String) {
    let a = Peer::start(backbone).await;
    let b = Peer::start(backbone).await;
    // The peer loads the template through the token's URL reference.
    let (loaded, rel) =
        common::request_relationship(&a, &b, json!({"offer": 1}), json!({"hello": "a"}), "url")
            .await;
    assert_eq!(loaded["content"]["value"]["offer"], 1);
    let id = rel["id"].as_str().unwrap().to_owned();
    let pending = common::accept_relationship(&a, &b, &id).await;
    assert_eq!(pending["creationContent"]["value"]["hello"], "a");
    (a, b, id)
}

#[tokio::test]
async fn two_connectors_relate_message_share_files_and_tokens_and_decompose() {
    let backbone = Backbone::start().await;
    let (a, b, rel) = related(&backbone).await;
    let a_addr = a.address().await;
    let b_addr = b.address().await;

    // Messages both ways, one with an attachment.
    let file = upload(&a, "Grüße.txt", b"attached bytes").await;
    assert_eq!(file["isOwn"], true);
    assert_eq!(file["filename"], "Grüße.txt");
    let sent = a
        .post(
            "/Messages",
            json!({"recipients": [b_addr], "content": {"@type": "Mail", "to": [b_addr], "subject": "Hi", "body": "Hello B"}, "attachments": [file["id"]]}),
        )
        .await;
    b.sync().await;
    let got = b
        .get(&format!("/Messages/{}", sent["id"].as_str().unwrap()))
        .await;
    assert_eq!(got["content"]["subject"], "Hi");
    assert_eq!(got["createdBy"], a_addr);
    // `GET /Messages/{id}` shows the attached files themselves (`MessageWithAttachmentsDTO`).
    assert_eq!(got["attachments"][0]["id"], file["id"]);
    assert_eq!(got["attachments"][0]["filename"], "Grüße.txt");
    let listed = b
        .get(&format!("/Messages?createdBy={a_addr}&content.subject=Hi"))
        .await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let path = format!(
        "/Messages/{}/Attachments/{}/Download",
        sent["id"].as_str().unwrap(),
        file["id"].as_str().unwrap()
    );
    let resp = b.send(reqwest::Method::GET, &path, None).await;
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()["content-type"], "text/plain");
    assert!(
        resp.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("Gr%C3%BC%C3%9Fe.txt")
    );
    assert_eq!(resp.bytes().await.unwrap().as_ref(), b"attached bytes");

    let reply = b
        .post("/Messages", json!({"recipients": [a_addr], "content": {"@type": "ArbitraryMessageContent", "value": "back"}}))
        .await;
    a.sync().await;
    let got = a
        .get(&format!("/Messages/{}", reply["id"].as_str().unwrap()))
        .await;
    assert_eq!(got["content"]["value"], "back");
    assert_eq!(got["isOwn"], false);

    // Files shared by token, loaded by the peer, ownership token regenerated.
    let file2 = upload(&b, "report.txt", b"report").await;
    let token = b
        .post(
            &format!("/Files/{}/Token", file2["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    let peer_file = a
        .post(
            "/Files/Peer",
            json!({"reference": token["reference"]["truncated"]}),
        )
        .await;
    assert_eq!(peer_file["isOwn"], false);
    assert_eq!(peer_file["filename"], "report.txt");
    let resp = a
        .send(
            reqwest::Method::GET,
            &format!("/Files/{}/Download", file2["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(resp.bytes().await.unwrap().as_ref(), b"report");
    let regenerated = b
        .ok(
            reqwest::Method::PATCH,
            &format!(
                "/Files/{}/RegenerateOwnershipToken",
                file2["id"].as_str().unwrap()
            ),
            None,
            200,
        )
        .await;
    assert!(regenerated["ownershipToken"].is_string());
    let by_reference = a
        .get(&format!(
            "/Files/{}",
            file["reference"]["truncated"].as_str().unwrap()
        ))
        .await;
    assert_eq!(by_reference["id"], file["id"]);
    assert_eq!(a.get("/Files/Own").await.as_array().unwrap().len(), 1);

    // Tokens: own with password, peer loads with it, a wrong password fails.
    let own = a
        .post(
            "/Tokens/Own",
            json!({"content": {"any": "json"}, "expiresAt": in_minutes(5), "ephemeral": false, "passwordProtection": {"password": "1234", "passwordIsPin": true}}),
        )
        .await;
    assert_eq!(
        own["passwordProtection"],
        json!({"password": "1234", "passwordIsPin": true})
    );
    let no_pw = b
        .send(
            reqwest::Method::POST,
            "/Tokens/Peer",
            Some(json!({"reference": own["reference"]["truncated"], "ephemeral": true})),
        )
        .await;
    error_of(no_pw, 400, "error.transport.noPasswordProvided").await;
    // A wrong password first: once the token is allocated to B, the Backbone lets B in.
    let wrong = b
        .send(reqwest::Method::POST, "/Tokens/Peer", Some(json!({"reference": own["reference"]["truncated"], "ephemeral": true, "password": "9999"})))
        .await;
    let wrong_status = wrong.status().as_u16();
    assert!(
        (400..500).contains(&wrong_status),
        "{wrong_status} {}",
        wrong.text().await.unwrap()
    );
    let loaded = b
        .post("/Tokens/Peer", json!({"reference": own["reference"]["truncated"], "ephemeral": false, "password": "1234"}))
        .await;
    assert_eq!(loaded["content"], json!({"any": "json"}));
    assert_eq!(b.get("/Tokens/Peer").await.as_array().unwrap().len(), 1);
    a.ok(
        reqwest::Method::DELETE,
        &format!("/Tokens/{}", own["id"].as_str().unwrap()),
        None,
        204,
    )
    .await;

    // Challenges: a relationship challenge validates at the peer.
    let challenge = a
        .post(
            "/Challenges",
            json!({"challengeType": "Relationship", "relationship": rel}),
        )
        .await;
    let validated = b
        .ok(reqwest::Method::POST, "/Challenges/Validate", Some(json!({"challengeString": challenge["challengeString"], "signature": challenge["signature"]})), 200)
        .await;
    assert_eq!(validated["isValid"], true);
    assert_eq!(validated["correspondingRelationship"]["id"], rel.as_str());

    // Life cycle.
    assert_eq!(
        a.put(&format!("/Relationships/{rel}/Terminate")).await["status"],
        "Terminated"
    );
    b.sync().await;
    assert_eq!(
        b.get(&format!("/Relationships/{rel}")).await["status"],
        "Terminated"
    );
    b.put(&format!("/Relationships/{rel}/Reactivate")).await;
    a.sync().await;
    assert_eq!(
        a.put(&format!("/Relationships/{rel}/Reactivate/Accept"))
            .await["status"],
        "Active"
    );
    b.sync().await;
    assert_eq!(
        b.get(&format!("/Relationships/{rel}")).await["status"],
        "Active"
    );
    b.put(&format!("/Relationships/{rel}/Terminate")).await;
    b.ok(
        reqwest::Method::DELETE,
        &format!("/Relationships/{rel}"),
        None,
        204,
    )
    .await;
    error_of(
        b.send(reqwest::Method::GET, &format!("/Relationships/{rel}"), None)
            .await,
        404,
        "error.runtime.recordNotFound",
    )
    .await;
    a.sync().await;
    assert_eq!(
        a.get(&format!("/Relationships/{rel}")).await["status"],
        "DeletionProposed"
    );
    assert!(a.get("/Account/SyncInfo").await["lastSyncRun"]["completedAt"].is_string());
}

/// `method path` with `accept`; returns status, headers and body.
async fn with_accept(
    peer: &Peer,
    method: reqwest::Method,
    path: &str,
    accept: &str,
    body: Option<Value>,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let mut req = peer
        .http
        .request(method, peer.url(path))
        .header("X-API-KEY", API_KEY)
        .header("Accept", accept);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, headers, resp.bytes().await.unwrap().to_vec())
}

/// Reads a PNG answer and decodes the one QR code in it.
fn decode_qr(headers: &reqwest::header::HeaderMap, png: &[u8]) -> String {
    assert_eq!(headers["content-type"], "image/png");
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    assert_eq!(frame.color_type, png::ColorType::Grayscale);
    let width = frame.width as usize;
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(width, frame.height as usize, |x, y| {
            pixels[y * width + x]
        });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the picture");
    grids[0].decode().unwrap().1
}

#[tokio::test]
async fn qr_codes_carry_the_url_references_where_the_official_offers_png() {
    use reqwest::Method as M;
    let backbone = Backbone::start().await;
    let a = Peer::start(&backbone).await;
    let b = Peer::start(&backbone).await;
    const PNG: &str = "image/png";

    // Template: the QR carries the template's URL reference, which a peer can load.
    let template = a
        .post(
            "/RelationshipTemplates/Own",
            json!({"content": {"@type": "ArbitraryRelationshipTemplateContent", "value": {}}, "expiresAt": in_minutes(30)}),
        )
        .await;
    let id = template["id"].as_str().unwrap();
    let (status, headers, png) = with_accept(
        &a,
        M::GET,
        &format!("/RelationshipTemplates/{id}"),
        PNG,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        headers["content-disposition"],
        format!("attachment;filename={id}.png")
    );
    let url = decode_qr(&headers, &png);
    assert_eq!(url, template["reference"]["url"].as_str().unwrap());
    let loaded = b
        .post("/RelationshipTemplates/Peer", json!({"reference": url}))
        .await;
    assert_eq!(loaded["id"], id);

    // Template token as QR: 201, ephemeral (not stored), and its reference loads the template.
    let (status, headers, png) = with_accept(
        &a,
        M::POST,
        &format!("/RelationshipTemplates/Own/{id}/Token"),
        PNG,
        Some(json!({"ephemeral": false})),
    )
    .await;
    assert_eq!(status, 201);
    let token_url = decode_qr(&headers, &png);
    assert!(token_url.contains("/r/TOK"), "{token_url}");
    assert_eq!(a.get("/Tokens/Own").await.as_array().unwrap().len(), 0);
    let c = Peer::start(&backbone).await;
    let via_token = c
        .post(
            "/RelationshipTemplates/Peer",
            json!({"reference": token_url}),
        )
        .await;
    assert_eq!(via_token["id"], id);

    // Own token: the QR equals the JSON reference; JSON is still the default.
    let token = a
        .post(
            "/Tokens/Own",
            json!({"content": {"k": 1}, "expiresAt": in_minutes(5), "ephemeral": false}),
        )
        .await;
    let token_id = token["id"].as_str().unwrap();
    let (status, headers, png) =
        with_accept(&a, M::GET, &format!("/Tokens/{token_id}"), PNG, None).await;
    assert_eq!(status, 200);
    assert_eq!(
        decode_qr(&headers, &png),
        token["reference"]["url"].as_str().unwrap()
    );
    for accept in [
        "application/json",
        "*/*",
        "image/png;q=0.5, application/json",
    ] {
        let (status, headers, body) =
            with_accept(&a, M::GET, &format!("/Tokens/{token_id}"), accept, None).await;
        assert_eq!(status, 200, "{accept}");
        assert!(
            headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "{accept}"
        );
        let json: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["result"]["id"], token_id);
    }

    // File by id and by truncated reference; a file token as QR is ephemeral and loads the file.
    let file = upload(&a, "qr.txt", b"qr bytes").await;
    let file_id = file["id"].as_str().unwrap();
    let file_url = file["reference"]["url"].as_str().unwrap();
    for path in [file_id, file["reference"]["truncated"].as_str().unwrap()] {
        let (status, headers, png) =
            with_accept(&a, M::GET, &format!("/Files/{path}"), PNG, None).await;
        assert_eq!(status, 200);
        assert_eq!(
            headers["content-disposition"],
            format!("attachment;filename={file_id}.png")
        );
        assert_eq!(decode_qr(&headers, &png), file_url);
    }
    let (status, headers, png) = with_accept(
        &a,
        M::POST,
        &format!("/Files/{file_id}/Token"),
        PNG,
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 201);
    let file_token_url = decode_qr(&headers, &png);
    assert_ne!(file_token_url, file_url);
    assert_eq!(a.get("/Tokens/Own").await.as_array().unwrap().len(), 1);
    let peer_file = b
        .post("/Files/Peer", json!({"reference": file_token_url}))
        .await;
    assert_eq!(peer_file["id"], file_id);

    // Errors stay JSON even when a picture was asked for.
    let (status, _, body) =
        with_accept(&a, M::GET, "/Tokens/TOKxxxxxxxxxxxxxxxxx", PNG, None).await;
    assert_eq!(status, 404);
    let json: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["error"]["code"], "error.runtime.recordNotFound");
}

#[tokio::test]
async fn files_above_the_json_body_limit_upload_and_oversized_files_get_the_transport_error() {
    let backbone = Backbone::start().await;
    let a = Peer::start(&backbone).await;
    // Larger than the 2 MiB JSON body limit, small enough for the Backbone's blob limit.
    let big: Vec<u8> = (0..3 * 1024 * 1024).map(|i| (i % 251) as u8).collect();
    let file = upload(&a, "big.bin", &big).await;
    assert_eq!(file["filesize"], big.len());
    let resp = a
        .send(
            reqwest::Method::GET,
            &format!("/Files/{}/Download", file["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert!(resp.bytes().await.unwrap().as_ref() == big.as_slice());

    let too_big = vec![7u8; transport::files::MAX_FILE_SIZE + 1];
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(too_big).file_name("too-big.bin"),
    );
    let resp = a.post_form("/Files/Own", form).await;
    let err = error_of(resp, 400, "error.runtime.validation.invalidPropertyValue").await;
    assert_eq!(err["message"], "'content' is too large");
}

#[tokio::test]
async fn bad_input_gets_the_official_errors() {
    let backbone = Backbone::start().await;
    let a = Peer::start(&backbone).await;
    use reqwest::Method as M;
    let cases: Vec<(M, &str, Option<Value>, u16, &str)> = vec![
        (
            M::GET,
            "/Relationships/RELxxxxxxxxxxxxxxxxx",
            None,
            404,
            "error.runtime.recordNotFound",
        ),
        (
            M::GET,
            "/Relationships/nope",
            None,
            400,
            "error.runtime.validation.invalidPropertyValue",
        ),
        (
            M::GET,
            "/Messages/MSGxxxxxxxxxxxxxxxxx",
            None,
            404,
            "error.runtime.recordNotFound",
        ),
        (
            M::GET,
            "/Files/FILxxxxxxxxxxxxxxxxx",
            None,
            404,
            "error.runtime.recordNotFound",
        ),
        (
            M::GET,
            "/Tokens/TOKxxxxxxxxxxxxxxxxx",
            None,
            404,
            "error.runtime.recordNotFound",
        ),
        (
            M::GET,
            "/RelationshipTemplates/RLTxxxxxxxxxxxxxxxxx",
            None,
            404,
            "error.runtime.recordNotFound",
        ),
        (
            M::GET,
            "/Relationships?unknownKey=1",
            None,
            400,
            "error.runtime.validation.invalidPropertyValue",
        ),
        (
            M::PUT,
            "/Relationships/RELxxxxxxxxxxxxxxxxx/Accept",
            Some(json!({})),
            404,
            "error.runtime.recordNotFound",
        ),
        (
            M::POST,
            "/Relationships",
            Some(json!({"templateId": 5, "creationContent": {}})),
            400,
            "error.runtime.validation.invalidPropertyValue",
        ),
        (
            M::POST,
            "/Relationships",
            Some(json!({"templateId": "RLTxxxxxxxxxxxxxxxxx", "creationContent": {}})),
            404,
            "error.runtime.recordNotFound",
        ),
        (
            M::POST,
            "/RelationshipTemplates/Own",
            Some(json!({"content": "text", "expiresAt": in_minutes(5)})),
            400,
            "error.runtime.validation.invalidPropertyValue",
        ),
        (
            M::POST,
            "/RelationshipTemplates/Own",
            Some(json!({"content": {}, "expiresAt": "yesterday"})),
            400,
            "error.runtime.validation.invalidPropertyValue",
        ),
        (
            M::POST,
            "/RelationshipTemplates/Own",
            Some(json!({"content": {}, "expiresAt": "2000-01-01T00:00:00Z"})),
            400,
            "error.runtime.validation.invalidPropertyValue",
        ),
        (
            M::POST,
            "/RelationshipTemplates/Own",
            Some(json!({"content": {}, "expiresAt": in_minutes(5), "maxNumberOfAllocations": 0})),
            400,
            "error.runtime.validation.invalidPropertyValue",
        ),
        (
            M::POST,
            "/RelationshipTemplates/Own",
            Some(
                json!({"content": {}, "expiresAt": in_minutes(5), "passwordProtection": {"password": "abc", "passwordIsPin": true}}),
            ),
            400,
            "error.runtime.validation.invalidPropertyValue",
        ),
        (
            M::POST,
            "/RelationshipTemplates/Peer",
            Some(json!({"reference": "not a reference"})),
            400,
            "error.runtime.invalidReference",
        ),
        (
            M::POST,
            "/RelationshipTemplates/Peer",
            Some(json!([1, 2])),
            400,
            "error.runtime.validation.invalidPropertyValue",
        ),
        (
            M::POST,
            "/Messages",
            Some(
                json!({"recipients": ["did:e:localhost:dids:0000000000000000000000"], "content": {}}),
            ),
            400,
            "error.runtime.validation.invalidPropertyValue",
        ),
        (
            M::POST,
            "/Messages",
            Some(json!({"recipients": [], "content": {}})),
            400,
            "error.runtime.validation.invalidPropertyValue",
        ),
        (
            M::POST,
            "/Tokens/Own",
            Some(json!({"content": {}, "expiresAt": in_minutes(5), "ephemeral": "yes"})),
            400,
            "error.runtime.validation.invalidPropertyValue",
        ),
        (
            M::POST,
            "/Tokens/Peer",
            Some(json!({"reference": "VE9LeHh4eHh4eHh4eHh4eHh4eHh4fDN8"})),
            400,
            "error.runtime.validation.invalidPropertyValue",
        ),
        (
            M::POST,
            "/Files/Peer",
            Some(json!({"reference": 42})),
            400,
            "error.runtime.validation.invalidPropertyValue",
        ),
        (
            M::POST,
            "/Challenges",
            Some(json!({"challengeType": "Bogus"})),
            400,
            "error.runtime.validation.invalidPropertyValue",
        ),
        (
            M::POST,
            "/Challenges/Validate",
            Some(json!({"challengeString": "{", "signature": "x"})),
            400,
            "error.runtime.challenges.invalidChallengeString",
        ),
        (
            M::DELETE,
            "/Relationships/RELxxxxxxxxxxxxxxxxx",
            None,
            404,
            "error.runtime.recordNotFound",
        ),
        (
            M::GET,
            "/Messages/MSGxxxxxxxxxxxxxxxxx/Attachments/FILxxxxxxxxxxxxxxxxx",
            None,
            404,
            "error.runtime.recordNotFound",
        ),
    ];
    for (method, path, body, status, code) in cases {
        let resp = a.send(method.clone(), path, body).await;
        assert_eq!(resp.status().as_u16(), status, "{method} {path}");
        error_of(resp, status, code).await;
    }
    // A syntax error in the body and a wrong multipart upload.
    let resp = a.post_raw("/Tokens/Own", "{not json").await;
    error_of(resp, 400, "error.connector.validation.invalidJsonInPayload").await;
    let form = reqwest::multipart::Form::new().text("title", "no file");
    let resp = a.post_form("/Files/Own", form).await;
    error_of(resp, 400, "error.runtime.validation.invalidPropertyValue").await;
    // Scopes: a key without core:* scopes is refused.
    let resp = a
        .send_as(
            common::MONITOR_ONLY_KEY,
            reqwest::Method::GET,
            "/Relationships",
            None,
        )
        .await;
    error_of(resp, 403, "error.connector.forbidden").await;
}

#[tokio::test]
async fn a_connector_without_identity_and_creation_disabled_refuses_to_start() {
    let backbone = Backbone::start().await;
    let data = tempfile::tempdir().unwrap();
    let mut cfg = common::config_json(&backbone.base_url(), data.path());
    cfg["transportLibrary"]["allowIdentityCreation"] = json!(false);
    let err = connector::start(common::load(cfg)).await.err().unwrap();
    assert!(err.to_string().contains("noIdentityFound"), "{err}");

    let mut cfg = common::config_json(&backbone.base_url(), data.path());
    cfg["transportLibrary"]["platformClientSecret"] = json!("wrong");
    let err = connector::start(common::load(cfg)).await.err().unwrap();
    assert!(err.to_string().contains("platformClientInvalid"), "{err}");
}
