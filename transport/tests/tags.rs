//! The tag catalogue through transport against a real local Backbone: cached in the
//! `TagCollection` records, fresh for five minutes, revalidated with `If-None-Match`, one
//! request for concurrent readers, and the Backbone's failures passed on.

use serde_json::json;
use std::sync::Arc;
use transport::{Transport, TransportError};

mod common;
use common::backbone;

async fn open(bb: &backbone::ServerHandle) -> (Transport, Arc<dyn store::Store>) {
    let store = common::memory_store().await;
    (common::open(&bb.base_url(), store.clone()).await, store)
}

/// Moves the cache's timestamp `minutes` into the past.
async fn age_cache(store: &Arc<dyn store::Store>, minutes: i64) {
    let then = chrono::Utc::now() - chrono::Duration::minutes(minutes);
    let then = then.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    store
        .put(
            transport::tags::COLLECTION,
            json!({"id": "cacheTimestamp", "name": "cacheTimestamp", "value": then}),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn the_catalogue_is_cached_in_the_official_records_for_five_minutes() {
    let bb = backbone().await;
    let (transport, store) = open(&bb).await;
    let served = || bb.backbone().tag_requests();

    let tags = transport.tag_collection().await.unwrap();
    assert_eq!(served(), 1);
    assert_eq!(tags.supported_languages, ["de", "en"]);
    assert_eq!(
        serde_json::to_value(&tags).unwrap()["tagsForAttributeValueTypes"]["PhoneNumber"]["notfall"]
            ["children"],
        json!({}),
        "the catalogue as the Backbone sent it"
    );
    let records = store
        .find(
            transport::tags::COLLECTION,
            &store::Filter::All,
            &store::FindOptions::default(),
        )
        .await
        .unwrap();
    let names: Vec<&str> = records
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 3);
    for name in ["tagCollection", "etag", "cacheTimestamp"] {
        assert!(names.contains(&name), "{names:?}");
    }
    let stored = store
        .get(transport::tags::COLLECTION, "tagCollection")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored["value"]["@type"], "AttributeTagCollection");
    let etag = store
        .get(transport::tags::COLLECTION, "etag")
        .await
        .unwrap()
        .unwrap();
    assert!(etag["value"].as_str().unwrap().starts_with('"'));

    assert_eq!(transport.tag_collection().await.unwrap(), tags);
    assert_eq!(served(), 1, "a fresh cache does not ask the Backbone");

    // Stale: the Backbone is asked with the etag and answers 304; the timestamp stays old,
    // as in the official, so the next read asks again.
    age_cache(&store, 6).await;
    assert_eq!(transport.tag_collection().await.unwrap(), tags);
    assert_eq!(served(), 2);
    assert_eq!(transport.tag_collection().await.unwrap(), tags);
    assert_eq!(served(), 3);

    // Four minutes old is still fresh.
    age_cache(&store, 4).await;
    transport.tag_collection().await.unwrap();
    assert_eq!(served(), 3);
}

#[tokio::test]
async fn concurrent_readers_share_one_request() {
    let bb = backbone().await;
    let (transport, store) = open(&bb).await;
    let transport = Arc::new(transport);
    let read_together = || async {
        let mut reads = tokio::task::JoinSet::new();
        for _ in 0..8 {
            let transport = transport.clone();
            reads.spawn(async move { transport.tag_collection().await.map(|_| ()) });
        }
        while let Some(read) = reads.join_next().await {
            read.unwrap().unwrap();
        }
    };
    read_together().await;
    assert_eq!(bb.backbone().tag_requests(), 1);
    // A 304 does not refresh the cache, so only sharing the read keeps this to one request.
    age_cache(&store, 6).await;
    read_together().await;
    assert_eq!(bb.backbone().tag_requests(), 2);
}

#[tokio::test]
async fn an_unreachable_backbone_is_passed_on_when_the_cache_is_stale() {
    let bb = backbone().await;
    let (transport, store) = open(&bb).await;
    transport.tag_collection().await.unwrap();
    bb.shutdown().await.unwrap();
    // Fresh: answered from the cache without the Backbone.
    assert!(transport.tag_collection().await.is_ok());
    age_cache(&store, 6).await;
    let failed = transport.tag_collection().await.unwrap_err();
    assert!(
        matches!(failed, TransportError::Unreachable { .. }),
        "{failed:?}"
    );
    assert_eq!(failed.code(), "error.transport.request.noConnection");
}
