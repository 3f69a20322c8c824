//! The attribute tag catalogue through REST on a real Connector and local Backbone:
//! `GET /Attributes/TagCollection` answers the Backbone's catalogue and is cached, and
//! `POST /Files/Own` checks its tags as the runtime does, for `IdentityFileReference`.

mod common;

use common::{API_KEY, MONITOR_ONLY_KEY, Running, error_of, in_minutes};
use serde_json::{Value, json};

const COLLECTION: &str = "/api/core/v1/Attributes/TagCollection";

fn served(running: &Running) -> u64 {
    running.backbone.handle.backbone().tag_requests()
}

/// What the Backbone itself answers on `GET /api/v2/Tags`.
async fn backbone_catalogue(running: &Running) -> Value {
    let body: Value = running
        .http
        .get(format!("{}/api/v2/Tags", running.backbone.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["result"].clone()
}

fn file_with_tags(tags: &[&str]) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"tagged".to_vec())
                .file_name("tagged.txt")
                .mime_str("text/plain")
                .unwrap(),
        )
        .text("expiresAt", in_minutes(60));
    for tag in tags {
        form = form.text("tags", tag.to_string());
    }
    form
}

async fn upload(running: &Running, tags: &[&str]) -> reqwest::Response {
    running
        .http
        .post(running.url("/api/core/v1/Files/Own"))
        .header("X-API-KEY", API_KEY)
        .multipart(file_with_tags(tags))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_collection_is_the_backbones_and_a_second_call_is_answered_from_the_cache() {
    let running = Running::start().await;
    assert_eq!(
        served(&running),
        0,
        "nothing reads the catalogue at start-up"
    );

    let first = running.get(COLLECTION, Some(API_KEY)).await;
    assert_eq!(first.status().as_u16(), 200);
    let first: Value = first.json().await.unwrap();
    assert_eq!(served(&running), 1);
    let result = &first["result"];
    assert_eq!(result["supportedLanguages"], json!(["de", "en"]));
    assert_eq!(
        result["tagsForAttributeValueTypes"]["IdentityFileReference"]["schulabschluss"]["displayNames"],
        json!({"de": "Abschluss", "en": "Degree"})
    );
    assert_eq!(
        result["tagsForAttributeValueTypes"]["PhoneNumber"]["notfall"]["children"],
        json!({}),
        "children as the Backbone sent them"
    );

    let second: Value = running
        .get(COLLECTION, Some(API_KEY))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second, first);
    assert_eq!(served(&running), 1, "the cache answered");

    let direct = backbone_catalogue(&running).await;
    assert_eq!(
        result.to_string(),
        direct.to_string(),
        "the Backbone's catalogue, in its order"
    );
}

#[tokio::test]
async fn the_collection_needs_the_attributes_scope() {
    let running = Running::start().await;
    let denied = running.get(COLLECTION, Some(MONITOR_ONLY_KEY)).await;
    assert_eq!(denied.status().as_u16(), 403);
    assert_eq!(running.get(COLLECTION, None).await.status().as_u16(), 401);
    assert_eq!(served(&running), 0);
}

#[tokio::test]
async fn file_tags_are_checked_for_identity_file_references() {
    let running = Running::start().await;

    // No tags: the catalogue is not needed.
    let plain = upload(&running, &[]).await;
    assert_eq!(plain.status().as_u16(), 201);
    assert_eq!(served(&running), 0);

    let valid = [
        "x:anything",
        "X:Custom",
        "urn:example:tag",
        "language:de",
        "mimetype:application/pdf",
    ];
    let accepted = upload(&running, &valid).await;
    assert_eq!(accepted.status().as_u16(), 201);
    let accepted: Value = accepted.json().await.unwrap();
    assert_eq!(accepted["result"]["tags"], json!(valid));
    assert_eq!(served(&running), 1, "even custom tags read the catalogue");

    // The real Backbone's catalogue has `children: {}` under its leaves, which the runtime
    // does not count as a leaf: its `bkb:` tags are refused as there.
    let refused = upload(
        &running,
        &[
            "x:fine",
            "bkb:schulabschluss:realschule:zeugnis",
            "language:xx",
            "mimetype:Application/PDF",
            "other",
        ],
    )
    .await;
    let err = error_of(refused, 400, "error.consumption.attributes.invalidTags").await;
    assert_eq!(
        err["message"],
        "Detected invalidity of the following tags: 'bkb:schulabschluss:realschule:zeugnis', 'language:xx', 'mimetype:Application/PDF', 'other'."
    );
    assert_eq!(served(&running), 1, "the cache answered");

    // The request's own checks come first.
    let duplicate = upload(&running, &["other", "other"]).await;
    let err = error_of(
        duplicate,
        400,
        "error.runtime.validation.invalidPropertyValue",
    )
    .await;
    assert_eq!(
        err["message"],
        "tags must NOT have duplicate items (items ## 1 and 0 are identical)"
    );

    let files: Value = running
        .get("/api/core/v1/Files/Own", Some(API_KEY))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        files["result"].as_array().map(Vec::len),
        Some(2),
        "refused uploads left nothing behind"
    );
}
