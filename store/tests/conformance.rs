//! One behaviour, every backend: the same suite runs against the embedded store (file and
//! in-memory), the journal that makes batches atomic without transactions (what a standalone
//! MongoDB server gets) and, on request (see [`mongodb`]), against MongoDB.

mod common;

use serde_json::{Value, json};
use store::{Filter, FindOptions, IndexSpec, Op, Store, StoreError, Write, parse_query};

async fn suite(store: &dyn Store) {
    crud(store).await;
    queries(store).await;
    json_text(store).await;
    batches(store).await;
    indexes(store).await;
    store.ping().await.expect("ping");
}

async fn crud(s: &dyn Store) {
    assert_eq!(
        s.get("Crud", "nope").await.unwrap(),
        None,
        "missing collection reads as empty"
    );
    s.create("Crud", json!({"id": "A1", "v": 1})).await.unwrap();
    assert!(matches!(
        s.create("Crud", json!({"id": "A1"})).await,
        Err(StoreError::Duplicate(..))
    ));
    assert!(matches!(
        s.create("Crud", json!({"v": 1})).await,
        Err(StoreError::MissingId)
    ));
    assert_eq!(
        s.get("Crud", "A1").await.unwrap(),
        Some(json!({"id": "A1", "v": 1}))
    );
    s.update("Crud", json!({"id": "A1", "v": 2})).await.unwrap();
    assert_eq!(s.get("Crud", "A1").await.unwrap().unwrap()["v"], 2);
    assert!(matches!(
        s.update("Crud", json!({"id": "B9"})).await,
        Err(StoreError::NotFound(..))
    ));
    s.put("Crud", json!({"id": "B9", "v": 3})).await.unwrap();
    s.put("Crud", json!({"id": "B9", "v": 4})).await.unwrap();
    assert_eq!(s.get("Crud", "B9").await.unwrap().unwrap()["v"], 4);
    assert!(s.delete("Crud", "B9").await.unwrap());
    assert!(!s.delete("Crud", "B9").await.unwrap());
    assert!(!s.delete("NeverWritten", "x").await.unwrap());
    assert!(matches!(
        s.get("bad name", "x").await,
        Err(StoreError::InvalidCollection(_))
    ));
}

fn messages() -> Vec<Value> {
    vec![
        json!({"id": "M1", "isOwn": true, "createdAt": "2026-01-01T00:00:00Z", "size": 10,
               "content": {"@type": "Mail", "subject": "Hello"}, "recipients": [{"address": "did:e:a"}]}),
        json!({"id": "M2", "isOwn": false, "createdAt": "2026-02-01T00:00:00Z", "size": 20,
               "content": {"@type": "Mail", "subject": "Invoice"}, "recipients": [{"address": "did:e:b"}, {"address": "did:e:c"}]}),
        json!({"id": "M3", "isOwn": false, "createdAt": "2026-03-01T00:00:00Z", "size": 30,
               "content": {"@type": "Request"}, "recipients": [{"address": "did:e:a"}], "tags": ["x"]}),
    ]
}

const KEYS: &[&str] = &[
    "isOwn",
    "createdAt",
    "size",
    "content.@type",
    "content.subject",
    "recipients.address",
    "tags",
];

async fn ids(s: &dyn Store, pairs: &[(&str, &str)]) -> Vec<String> {
    let filter = parse_query(pairs.iter().copied(), KEYS).unwrap();
    let docs = s
        .find("Messages", &filter, &FindOptions::default())
        .await
        .unwrap();
    let count = s.count("Messages", &filter).await.unwrap();
    assert_eq!(
        count as usize,
        docs.len(),
        "count agrees with find for {pairs:?}"
    );
    docs.iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect()
}

/// A query's pairs and the ids it must return, in order.
type Query = &'static [(&'static str, &'static str)];
type Ids = &'static [&'static str];

async fn queries(s: &dyn Store) {
    s.ensure_index("Messages", IndexSpec::on("createdAt"))
        .await
        .unwrap();
    for m in messages() {
        s.create("Messages", m).await.unwrap();
    }
    let cases: &[(Query, Ids)] = &[
        (&[], &["M1", "M2", "M3"]),
        (&[("isOwn", "true")], &["M1"]),
        (&[("isOwn", "!true")], &["M2", "M3"]),
        (&[("content.@type", "Mail")], &["M1", "M2"]),
        (&[("recipients.address", "did:e:c")], &["M2"]),
        (&[("recipients.address", "did:e:a")], &["M1", "M3"]),
        (&[("createdAt", ">2026-01-15")], &["M2", "M3"]),
        (&[("createdAt", "<=2026-02-01T00:00:00Z")], &["M1", "M2"]),
        (&[("size", ">15"), ("size", "<25")], &["M2"]),
        (&[("content.subject", "^hel")], &["M1"]),
        (&[("content.subject", "$VOICE")], &["M2"]),
        (&[("content.subject", "~nvo")], &["M2"]),
        (&[("content.subject", "")], &["M1", "M2"]),
        (&[("content.subject", "!")], &["M3"]),
        (&[("tags", "x")], &["M3"]),
        (
            &[("content.@type", "Request"), ("content.@type", "Mail")],
            &["M1", "M2", "M3"],
        ),
        (
            &[("content.@type", "!Request"), ("content.@type", "!Mail")],
            &[],
        ),
        (&[("content.@type", "Mail"), ("isOwn", "false")], &["M2"]),
    ];
    for (pairs, expected) in cases {
        assert_eq!(ids(s, pairs).await, *expected, "query {pairs:?}");
    }

    let desc = s
        .find(
            "Messages",
            &Filter::All,
            &FindOptions::sorted_by("createdAt", true),
        )
        .await
        .unwrap();
    let order: Vec<_> = desc.iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(order, ["M3", "M2", "M1"]);
    let page = FindOptions {
        skip: 1,
        limit: Some(1),
        ..FindOptions::default()
    };
    let docs = s.find("Messages", &Filter::All, &page).await.unwrap();
    assert_eq!(docs[0]["id"], "M2");

    let or = Filter::Or(vec![
        Filter::eq("isOwn", true),
        Filter::cond("size", Op::Gte, 30),
    ]);
    let docs = s
        .find("Messages", &or, &FindOptions::default())
        .await
        .unwrap();
    assert_eq!(docs.len(), 2);
}

/// `find_json` gives what `find` gives, as text, without the omitted fields, in the same order.
async fn json_text(s: &dyn Store) {
    let f = parse_query([("content.@type", "Mail")], KEYS).unwrap();
    for omit in [&[][..], &["recipients", "size"][..]] {
        let omit: &'static [&'static str] = omit;
        let mut rows = s
            .find_json("Messages", &f, &FindOptions::default(), omit)
            .await
            .unwrap();
        let mut texts = Vec::new();
        while let Some(row) = rows.recv().await {
            texts.push(serde_json::from_str::<Value>(&row.unwrap()).unwrap());
        }
        let mut expected = s
            .find("Messages", &f, &FindOptions::default())
            .await
            .unwrap();
        for doc in &mut expected {
            for field in omit {
                doc.as_object_mut().unwrap().shift_remove(*field);
            }
        }
        assert_eq!(texts, expected, "omitting {omit:?}");
        assert_eq!(texts.len(), 2);
    }
    let mut none = s
        .find_json(
            "NoSuchCollection",
            &Filter::All,
            &FindOptions::default(),
            &[],
        )
        .await
        .unwrap();
    assert!(none.recv().await.is_none());
}

async fn batches(s: &dyn Store) {
    s.write_batch(vec![
        Write::Create {
            collection: "Batch".into(),
            doc: json!({"id": "B1"}),
        },
        Write::Put {
            collection: "Other".into(),
            doc: json!({"id": "O1"}),
        },
    ])
    .await
    .unwrap();
    // A failing write undoes the whole batch.
    let failed = s
        .write_batch(vec![
            Write::Put {
                collection: "Batch".into(),
                doc: json!({"id": "B2"}),
            },
            Write::Delete {
                collection: "Other".into(),
                id: "O1".into(),
            },
            Write::Create {
                collection: "Batch".into(),
                doc: json!({"id": "B1"}),
            },
        ])
        .await;
    assert!(
        matches!(failed, Err(StoreError::Duplicate(..))),
        "{failed:?}"
    );
    assert_eq!(s.get("Batch", "B2").await.unwrap(), None, "rolled back");
    assert!(s.get("Other", "O1").await.unwrap().is_some(), "rolled back");
    // Two creates of one id in one batch are a duplicate too.
    let twice = s
        .write_batch(vec![
            Write::Create {
                collection: "Batch".into(),
                doc: json!({"id": "B3"}),
            },
            Write::Create {
                collection: "Batch".into(),
                doc: json!({"id": "B3"}),
            },
        ])
        .await;
    assert!(matches!(twice, Err(StoreError::Duplicate(..))), "{twice:?}");
    assert_eq!(s.get("Batch", "B3").await.unwrap(), None, "rolled back");
}

async fn indexes(s: &dyn Store) {
    s.ensure_index("Uniq", IndexSpec::unique("name"))
        .await
        .unwrap();
    s.ensure_index("Uniq", IndexSpec::unique("name"))
        .await
        .unwrap();
    s.create("Uniq", json!({"id": "U1", "name": "a"}))
        .await
        .unwrap();
    let dup = s.create("Uniq", json!({"id": "U2", "name": "a"})).await;
    assert!(matches!(dup, Err(StoreError::Duplicate(..))), "{dup:?}");
}

#[tokio::test]
async fn sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let s = store::sqlite::SqliteStore::open_in_folder(dir.path(), "default")
        .await
        .unwrap();
    suite(&s).await;
    s.close().await.unwrap();
    assert!(matches!(s.get("Crud", "A1").await, Err(StoreError::Closed)));
    // Reopening sees everything that was acknowledged.
    let s = store::sqlite::SqliteStore::open_in_folder(dir.path(), "default")
        .await
        .unwrap();
    assert_eq!(s.get("Crud", "A1").await.unwrap().unwrap()["v"], 2);
    assert_eq!(s.count("Messages", &Filter::All).await.unwrap(), 3);
}

#[tokio::test]
async fn sqlite_in_memory() {
    let s = store::sqlite::SqliteStore::open_in_memory().await.unwrap();
    suite(&s).await;
}

#[tokio::test]
async fn journaled_without_transactions() {
    let s = common::Journaled::new().await;
    suite(&s).await;
}

/// Needs a MongoDB server, which cannot be installed from this project's package sources:
/// reported as ignored by every run, and run with
/// `CONNECTOR_TEST_MONGODB_URI=mongodb://… cargo test -p store --test conformance -- --ignored`,
/// where a missing URI fails instead of passing.
#[tokio::test]
#[ignore = "needs a MongoDB server: set CONNECTOR_TEST_MONGODB_URI and pass --ignored"]
async fn mongodb() {
    let uri = std::env::var("CONNECTOR_TEST_MONGODB_URI")
        .expect("CONNECTOR_TEST_MONGODB_URI must name the MongoDB server to test against");
    let db = format!("conformance_{}", std::process::id());
    let s = store::mongo::MongoStore::connect(&uri, &db).await.unwrap();
    suite(&s).await;
}
