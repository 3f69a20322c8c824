//! Messages and files through the REST API of two Connectors on a local Backbone: the
//! runtime's DTO shapes (`MessageDTO`, `MessageWithAttachmentsDTO`, `FileDTO`), delivery
//! receipts reaching the sender, and the official validation answers (code and message).

mod common;

use common::{Backbone, Peer, error_of, in_minutes};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeSet;

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

/// Every key is one of the runtime type's, and every required one is there.
fn assert_shape(v: &Value, required: &[&str], optional: &[&str], what: &str) {
    let got = keys(v);
    let allowed: BTreeSet<String> = set(required).union(&set(optional)).cloned().collect();
    assert!(got.is_superset(&set(required)), "{what} lacks fields: {v}");
    assert!(got.is_subset(&allowed), "{what} has extra fields: {v}");
}

const MESSAGE: &[&str] = &[
    "id",
    "isOwn",
    "content",
    "createdBy",
    "createdByDevice",
    "recipients",
    "createdAt",
    "attachments",
];
const FILE: &[&str] = &[
    "id",
    "isOwn",
    "filename",
    "filesize",
    "createdAt",
    "createdBy",
    "createdByDevice",
    "expiresAt",
    "mimetype",
    "reference",
    "owner",
];
const FILE_OPTIONAL: &[&str] = &[
    "tags",
    "title",
    "description",
    "ownershipToken",
    "ownershipIsLocked",
];

/// `2026-11-28T01:13:37.487Z`, as the runtime prints dates.
fn assert_runtime_date(v: &Value) {
    let s = v.as_str().unwrap_or_else(|| panic!("not a date: {v}"));
    assert_eq!(s.len(), 24, "{s}");
    assert!(s.ends_with('Z') && s.as_bytes()[19] == b'.', "{s}");
}

async fn upload(peer: &Peer, name: &str, bytes: &[u8]) -> Value {
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes.to_vec())
                .file_name(name.to_owned())
                .mime_str("text/plain")
                .unwrap(),
        )
        .text("expiresAt", in_minutes(60));
    peer.upload(form).await
}

async fn related(backbone: &Backbone) -> (Peer, Peer, String, String) {
    let a = Peer::start(backbone).await;
    let b = Peer::start(backbone).await;
    common::relate(&a, &b).await;
    let (a_addr, b_addr) = (a.address().await, b.address().await);
    (a, b, a_addr, b_addr)
}

#[tokio::test]
async fn a_sent_message_gets_its_delivery_receipt_once_the_recipient_fetched_it() {
    let backbone = Backbone::start().await;
    let (a, b, _, b_addr) = related(&backbone).await;
    let file = upload(&a, "note.txt", b"attached").await;
    let sent = a
        .post(
            "/Messages",
            json!({"recipients": [b_addr], "content": {"@type": "Mail", "to": [b_addr], "subject": "Hi", "body": "Hello"}, "attachments": [file["id"]]}),
        )
        .await;
    assert_shape(&sent, MESSAGE, &["wasReadAt"], "MessageDTO");
    assert_eq!(sent["attachments"], json!([file["id"]]));
    assert_eq!(
        sent["content"]["cc"],
        json!([]),
        "a Mail is stored as the runtime parses it"
    );
    let id = sent["id"].as_str().unwrap().to_owned();
    assert_runtime_date(&sent["createdAt"]);
    let recipient = &sent["recipients"][0];
    assert_shape(
        recipient,
        &["address"],
        &["receivedAt", "receivedByDevice", "relationshipId"],
        "RecipientDTO",
    );
    assert!(recipient.get("receivedAt").is_none(), "{recipient}");

    // Before the recipient fetched it, the sender's sync brings no receipt.
    a.sync().await;
    let before = a.get(&format!("/Messages/{id}")).await;
    assert!(before["recipients"][0].get("receivedAt").is_none());

    b.sync().await;
    let received = b.get(&format!("/Messages/{id}")).await;
    assert_runtime_date(&received["recipients"][0]["receivedAt"]);

    a.sync().await;
    let delivered = a.get(&format!("/Messages/{id}")).await;
    let receipt = &delivered["recipients"][0];
    assert_eq!(receipt["address"], b_addr);
    assert_eq!(
        receipt["receivedAt"],
        received["recipients"][0]["receivedAt"]
    );
    assert_eq!(
        receipt["receivedByDevice"],
        received["recipients"][0]["receivedByDevice"]
    );
    let listed = a.get("/Messages?isOwn=true").await;
    assert_eq!(
        listed[0]["recipients"][0]["receivedAt"],
        receipt["receivedAt"]
    );
    // The list passes the stored text on unparsed: it is the same DTO, field for field, with
    // the attachments as ids, and no field of the store's own.
    let mut single = delivered.as_object().unwrap().clone();
    let mut item = listed[0].as_object().unwrap().clone();
    let files = single.remove("attachments").unwrap();
    let ids = item.remove("attachments").unwrap();
    assert_eq!(item, single);
    assert_eq!(ids[0], files[0]["id"]);
    assert!(!listed[0].as_object().unwrap().contains_key("participant"));
    // The streamed list compressed, as browsers and the official SDK's axios ask for it.
    let gzipped = a
        .http
        .get(a.url("/Messages?isOwn=true"))
        .header("X-API-KEY", common::API_KEY)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gzipped.status(), 200);
    assert_eq!(gzipped.headers()["content-encoding"], "gzip");
    let bytes = gzipped.bytes().await.unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut text)
        .unwrap();
    let unzipped: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(unzipped["result"], listed);

    // `GET /Messages/{id}` shows the attachments as files, the list as ids.
    assert_shape(
        &delivered,
        MESSAGE,
        &["wasReadAt"],
        "MessageWithAttachmentsDTO",
    );
    let attachment = &delivered["attachments"][0];
    assert_shape(attachment, FILE, FILE_OPTIONAL, "FileDTO");
    assert_eq!(attachment["id"], file["id"]);
    assert_eq!(listed[0]["attachments"], json!([file["id"]]));
    let on_b = &received["attachments"][0];
    assert_shape(on_b, FILE, FILE_OPTIONAL, "FileDTO");
    assert_eq!(on_b["isOwn"], false);
    for date in ["createdAt", "expiresAt"] {
        assert_runtime_date(&on_b[date]);
    }
}

#[tokio::test]
async fn message_content_and_recipients_get_the_official_answers() {
    let backbone = Backbone::start().await;
    let (a, b, _, b_addr) = related(&backbone).await;
    let stranger = Peer::start(&backbone).await.address().await;
    let post = |body: Value| a.send(Method::POST, "/Messages", Some(body));
    let cases = [
        (
            json!({"recipients": [b_addr], "content": {"@type": "Mail", "to": [], "subject": "s", "body": "b"}}),
            "error.runtime.requestDeserialization",
            "Mail.to:Array :: may not be empty".to_owned(),
        ),
        // A Mail's own fields come before the relationships to the recipients.
        (
            json!({"recipients": [stranger], "content": {"@type": "Mail", "subject": "s", "body": "b"}}),
            "error.runtime.requestDeserialization",
            "Mail.to :: Value is not defined".to_owned(),
        ),
        (
            json!({"recipients": [b_addr], "content": {"subject": "s"}}),
            "error.runtime.validation.invalidPropertyValue",
            "The content of a Message must either be a Mail, Request, ResponseWrapper, Notification or an ArbitraryMessageContent.".to_owned(),
        ),
        (
            json!({"recipients": [], "content": {"@type": "ArbitraryMessageContent", "value": 1}}),
            "error.runtime.validation.invalidPropertyValue",
            "recipients must NOT have fewer than 1 items".to_owned(),
        ),
        (
            json!({"recipients": [b_addr], "content": {"@type": "Mail", "to": [b_addr, stranger], "subject": "s", "body": "b"}}),
            "error.runtime.validation.invalidPropertyValue",
            format!(
                "The identities '{stranger}' are not listed among both the Message recipients and the recipients in 'to'/'cc'."
            )
        ),
        (
            json!({"recipients": [stranger], "content": {"@type": "ArbitraryMessageContent", "value": 1}}),
            "error.runtime.messages.hasNoActiveRelationship",
            format!(
                "The Message cannot be sent as there is no active Relationship to the recipient(s) with the following address(es): '{stranger}'. However, please note that Messages whose content is a Notification can be sent on terminated Relationships as well."
            )
        ),
    ];
    for (body, code, message) in cases {
        let err = error_of(post(body.clone()).await, 400, code).await;
        assert_eq!(err["message"], message, "{body}");
    }
    drop(b);
}

#[tokio::test]
async fn files_get_the_official_validation_answers_and_empty_files_upload() {
    let backbone = Backbone::start().await;
    let a = Peer::start(&backbone).await;

    // An empty file is a file.
    let empty = upload(&a, "empty.txt", b"").await;
    assert_shape(&empty, FILE, FILE_OPTIONAL, "FileDTO");
    assert_eq!(empty["filesize"], 0);
    assert!(empty["ownershipToken"].is_string());
    let resp = a
        .send(
            Method::GET,
            &format!("/Files/{}/Download", empty["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp.bytes().await.unwrap().is_empty());

    // No body at all, and a body that is not a form.
    let resp = a.send(Method::POST, "/Files/Own", None).await;
    let err = error_of(resp, 400, "error.runtime.validation.invalidPropertyValue").await;
    assert_eq!(err["message"], "must have required property 'content'");
    let resp = a.post_raw("/Files/Own", "{}").await;
    let err = error_of(resp, 400, "error.runtime.validation.invalidPropertyValue").await;
    assert_eq!(err["message"], "must have required property 'content'");

    for (expires_at, message) in [
        ("yesterday", "expiresAt must match ISO8601 datetime format"),
        (
            "2000-01-01T00:00:00.000Z",
            "'expiresAt' must be in the future",
        ),
    ] {
        let form = reqwest::multipart::Form::new()
            .part(
                "file",
                reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("x.txt"),
            )
            .text("expiresAt", expires_at);
        let resp = a.post_form("/Files/Own", form).await;
        let err = error_of(resp, 400, "error.runtime.validation.invalidPropertyValue").await;
        assert_eq!(err["message"], message, "{expires_at}");
    }
    let path = format!("/Files/{}/Token", empty["id"].as_str().unwrap());
    for (expires_at, message) in [
        ("yesterday", "expiresAt must match ISO8601 datetime format"),
        (
            "2000-01-01T00:00:00.000Z",
            "'expiresAt' must be in the future",
        ),
    ] {
        let resp = a
            .send(Method::POST, &path, Some(json!({"expiresAt": expires_at})))
            .await;
        let err = error_of(resp, 400, "error.runtime.validation.invalidPropertyValue").await;
        assert_eq!(err["message"], message, "{expires_at}");
    }

    for reference in [
        json!(null),
        json!(""),
        json!(42),
        json!("not a reference"),
        json!("UkxUeHh4eHh4eHh4eHh4eHh4eHh4fDN8"),
    ] {
        let resp = a
            .send(
                Method::POST,
                "/Files/Peer",
                Some(json!({"reference": reference})),
            )
            .await;
        let err = error_of(resp, 400, "error.runtime.validation.invalidPropertyValue").await;
        assert_eq!(
            err["message"], "token / file reference invalid",
            "{reference}"
        );
    }
    let resp = a.send(Method::POST, "/Files/Peer", Some(json!({}))).await;
    let err = error_of(resp, 400, "error.runtime.validation.invalidPropertyValue").await;
    assert_eq!(err["message"], "token / file reference invalid");

    // Malformed ids in paths.
    let resp = a.send(Method::GET, "/Files/FILshort/Download", None).await;
    let err = error_of(resp, 400, "error.runtime.validation.invalidPropertyValue").await;
    assert_eq!(err["message"], "id must match pattern FIL[A-Za-z0-9]{17}");
    let resp = a.send(Method::GET, "/Messages/MSG1", None).await;
    let err = error_of(resp, 400, "error.runtime.validation.invalidPropertyValue").await;
    assert_eq!(err["message"], "id must match pattern MSG[A-Za-z0-9]{17}");
}
