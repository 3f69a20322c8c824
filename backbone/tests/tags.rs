//! `GET /api/v2/Tags` over real HTTP: the catalogue reads as the shared `consumer_api::tags`
//! types, leaves carry `children: {}` as the real Backbone writes them, no token is needed,
//! and the `ETag` / `If-None-Match` exchange answers 304 exactly when the catalogue is
//! unchanged.

mod common;

use backbone::Config;
use common::start;
use consumer_api::tags::{Tag, TagCollection};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn fetch(
    h: &common::Harness,
    if_none_match: Option<&str>,
) -> (StatusCode, Option<String>, String) {
    let mut request = h.http.get(format!("{}/api/v2/Tags", h.url));
    if let Some(etag) = if_none_match {
        request = request.header("if-none-match", etag);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let etag = response
        .headers()
        .get("etag")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, etag, response.text().await.unwrap())
}

#[tokio::test]
async fn the_catalogue_is_the_real_backbones_with_children_on_every_tag() {
    let h = start(Config::default()).await;
    let (status, etag, body) = fetch(&h, None).await;
    assert_eq!(status, StatusCode::OK);
    let etag = etag.expect("an ETag");
    assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");
    let body: Value = serde_json::from_str(&body).unwrap();
    let tags: TagCollection = serde_json::from_value(body["result"].clone()).unwrap();
    assert_eq!(tags.supported_languages, ["de", "en"]);
    let types: Vec<&str> = tags
        .tags_for_attribute_value_types
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        types,
        ["IdentityFileReference", "PhoneNumber", "StreetAddress"]
    );
    assert_eq!(
        body["result"]["tagsForAttributeValueTypes"]["IdentityFileReference"]["schulabschluss"]["children"]
            ["gymnasium"],
        json!({
            "displayNames": {"de": "Gymnasium", "en": "High School"},
            "children": {"zeugnis": {"displayNames": {"de": "Zeugnis", "en": "Diploma"}, "children": {}}}
        })
    );
    assert_eq!(
        body["result"]["tagsForAttributeValueTypes"]["PhoneNumber"]["notfall"]["children"],
        json!({})
    );
}

#[tokio::test]
async fn a_matching_if_none_match_is_a_304_without_a_body() {
    let h = start(Config::default()).await;
    let (_, etag, _) = fetch(&h, None).await;
    let etag = etag.unwrap();
    for header in [
        etag.clone(),
        format!("W/{etag}"),
        format!("\"other\", {etag}"),
    ] {
        let (status, again, body) = fetch(&h, Some(&header)).await;
        assert_eq!(status, StatusCode::NOT_MODIFIED, "{header}");
        assert_eq!(again.as_deref(), Some(etag.as_str()));
        assert!(body.is_empty());
    }
    for header in ["\"other\"", "*", ""] {
        let (status, again, _) = fetch(&h, Some(header)).await;
        assert_eq!(status, StatusCode::OK, "{header}");
        assert_eq!(again.as_deref(), Some(etag.as_str()));
    }
    assert_eq!(h.handle.backbone().tag_requests(), 7);
}

#[tokio::test]
async fn another_catalogue_has_another_etag() {
    let mut config = Config::default();
    let first = start(config.clone()).await;
    let (_, old_etag, _) = fetch(&first, None).await;
    config.tag_collection.tags_for_attribute_value_types.insert(
        "GivenName".into(),
        [(
            "rufname".to_owned(),
            Tag {
                display_names: [
                    ("de".into(), "Rufname".into()),
                    ("en".into(), "Call name".into()),
                ]
                .into_iter()
                .collect(),
                children: None,
            },
        )]
        .into_iter()
        .collect(),
    );
    let second = start(config).await;
    let (status, new_etag, body) = fetch(&second, old_etag.as_deref()).await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(new_etag, old_etag);
    assert!(body.contains("rufname"));
}

#[tokio::test]
async fn a_token_is_not_needed_and_not_in_the_way() {
    let h = start(Config::default()).await;
    let who = h.identity().await;
    let (status, body) = h.get(Some(&who.token), "/api/v2/Tags").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["result"]["supportedLanguages"], json!(["de", "en"]));
    let (status, _) = h.get(None, "/api/v2/tags").await;
    assert_eq!(status, StatusCode::OK);
}
