//! Two identities on a real local Backbone (loopback HTTP), driven through the transport API:
//! identity creation and login, template and token, relationship handshake, messages both
//! ways with an attachment, file download, sync idempotency and the relationship life cycle.

use runtime_types::messages::SendMessageRequest;
use serde_json::json;
use std::sync::Arc;
use transport::relationships::Transition;
use transport::{KeySource, Transport};

mod common;
use common::{backbone, config, memory_store, open};

fn message_id(id: &str) -> wire::MessageId {
    wire::MessageId::parse(id).unwrap()
}

/// A typed request from its JSON form, as a REST client would send it.
fn request<T: serde::de::DeserializeOwned>(body: serde_json::Value) -> T {
    serde_json::from_value(body).unwrap()
}

/// A DTO's JSON form, to assert on it as a REST client sees it.
fn shown(dto: impl serde::Serialize) -> serde_json::Value {
    serde_json::to_value(dto).unwrap()
}

fn in_minutes(m: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::minutes(m)).to_rfc3339()
}

#[tokio::test]
async fn two_identities_relate_and_exchange_messages_and_files() {
    let bb = backbone().await;
    let a = open(&bb.base_url(), memory_store().await).await;
    let b = open(&bb.base_url(), memory_store().await).await;
    assert_ne!(a.address(), b.address());
    let mut a_events = a.events().subscribe();

    let template = a
        .create_own_template(request(json!({"content": {"@type": "ArbitraryRelationshipTemplateContent", "value": {"hello": "template"}}, "expiresAt": in_minutes(10), "maxNumberOfAllocations": 1})))
        .await
        .unwrap();
    let token = a
        .create_template_token(
            &wire::RelationshipTemplateId::parse(&template.id).unwrap(),
            request(json!({})),
        )
        .await
        .unwrap();
    let loaded = shown(
        b.load_peer_template(request(json!({"reference": token.reference.truncated})))
            .await
            .unwrap(),
    );
    assert_eq!(loaded["content"]["value"]["hello"], "template");
    assert_eq!(loaded["isOwn"], false);
    assert_eq!(loaded["createdBy"], a.address().as_str());

    let relationship = shown(
        b.create_relationship(request(json!({"templateId": loaded["id"], "creationContent": {"@type": "ArbitraryRelationshipCreationContent", "value": {"hi": 1}}})))
            .await
            .unwrap(),
    );
    assert_eq!(relationship["status"], "Pending");
    let rel_id = wire::RelationshipId::parse(relationship["id"].as_str().unwrap()).unwrap();

    a.sync_everything().await.unwrap();
    let pending = shown(a.get_relationship(&rel_id).await.unwrap());
    assert_eq!(pending["status"], "Pending");
    assert_eq!(pending["peer"], b.address().as_str());
    assert_eq!(pending["creationContent"]["value"]["hi"], 1);
    let mut names = Vec::new();
    while let Ok(event) = a_events.try_recv() {
        names.push(event.namespace);
    }
    assert!(
        names.contains(&"transport.relationshipChanged".to_owned()),
        "{names:?}"
    );
    assert!(
        names.contains(&"transport.relationshipTemplateAllocationsExhausted".to_owned()),
        "{names:?}"
    );

    let accepted = shown(a.accept_relationship(&rel_id).await.unwrap());
    assert_eq!(accepted["status"], "Active");
    b.sync_everything().await.unwrap();
    assert_eq!(
        shown(b.get_relationship(&rel_id).await.unwrap())["status"],
        "Active"
    );

    let upload = transport::files::check_upload(runtime_types::files::UploadOwnFileParts {
        content: Some(b"hello file".to_vec()),
        filename: Some("Test.txt".into()),
        mimetype: Some("text/plain".into()),
        expires_at: None,
        title: Some("Test".into()),
        description: None,
        tags: None,
    })
    .unwrap();
    let file = b.upload_own_file(upload).await.unwrap();
    let sent = b
        .send_message(SendMessageRequest {
            recipients: vec![a.address().to_string()],
            content: json!({"@type": "ArbitraryMessageContent", "value": {"m": "b to a"}}),
            attachments: Some(vec![file.id.clone()]),
        })
        .await
        .unwrap();
    a.sync_everything().await.unwrap();
    let received = a.get_message(&message_id(&sent.id)).await.unwrap();
    assert_eq!(received.content["value"]["m"], "b to a");
    assert!(!received.is_own);
    assert_eq!(received.attachments[0].id, file.id);
    let download = a
        .download_file(&wire::FileId::parse(&file.id).unwrap())
        .await
        .unwrap();
    assert_eq!(download.content, b"hello file");
    assert_eq!(download.filename, "Test.txt");

    let reply = a
        .send_message(SendMessageRequest {
            recipients: vec![b.address().to_string()],
            content: json!({"@type": "ArbitraryMessageContent", "value": {"m": "a to b"}}),
            attachments: None,
        })
        .await
        .unwrap();
    b.sync_everything().await.unwrap();
    let got = b.get_message(&message_id(&reply.id)).await.unwrap();
    assert_eq!(got.content["value"]["m"], "a to b");

    // Life cycle: terminate, reactivate, accept reactivation, terminate, decompose.
    let t = shown(
        a.relationship_action(&rel_id, Transition::Terminate)
            .await
            .unwrap(),
    );
    assert_eq!(t["status"], "Terminated");
    b.sync_everything().await.unwrap();
    b.relationship_action(&rel_id, Transition::RequestReactivation)
        .await
        .unwrap();
    a.sync_everything().await.unwrap();
    let r = shown(
        a.relationship_action(&rel_id, Transition::AcceptReactivation)
            .await
            .unwrap(),
    );
    assert_eq!(r["status"], "Active");
    a.relationship_action(&rel_id, Transition::Terminate)
        .await
        .unwrap();
    a.decompose_relationship(&rel_id).await.unwrap();
    assert!(matches!(
        a.get_relationship(&rel_id).await,
        Err(transport::TransportError::NotFound(_))
    ));
    b.sync_everything().await.unwrap();
    assert_eq!(
        shown(b.get_relationship(&rel_id).await.unwrap())["status"],
        "DeletionProposed"
    );
    let info = b.sync_info().await.unwrap();
    assert!(info.last_sync_run.is_some(), "{info:?}");
    assert!(info.last_datawallet_sync.is_none(), "{info:?}");
}

#[tokio::test]
async fn a_restart_logs_in_with_the_stored_identity_and_a_wrong_key_is_refused() {
    let bb = backbone().await;
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn store::Store> = Arc::new(
        store::sqlite::SqliteStore::open_in_folder(dir.path().to_str().unwrap(), "id")
            .await
            .unwrap(),
    );
    let first = open(&bb.base_url(), store.clone()).await;
    let address = first.address().clone();
    drop(first);
    let again = open(&bb.base_url(), store.clone()).await;
    assert_eq!(again.address(), &address);

    let mut wrong = config(&bb.base_url());
    wrong.key = KeySource::parse("not the key the vault was sealed with").unwrap();
    let err = Transport::open(wrong, store.clone(), reqwest::Client::new())
        .await
        .err()
        .unwrap();
    assert_eq!(err.code(), "error.transport.general.wrongKeyEncryptionKey");

    let stored = store.get("AccountInfo", "identity").await.unwrap().unwrap();
    let text = stored.to_string();
    assert!(
        !text.contains("\"prv\""),
        "private keys must be sealed: {text}"
    );

    let mut no_create = config(&bb.base_url());
    no_create.allow_identity_creation = false;
    let err = Transport::open(no_create, memory_store().await, reqwest::Client::new())
        .await
        .err()
        .unwrap();
    assert_eq!(err.code(), "error.transport.general.noIdentityFound");

    let mut bad_client = config(&bb.base_url());
    bad_client.platform_client_secret = "wrong".into();
    let err = Transport::open(bad_client, memory_store().await, reqwest::Client::new())
        .await
        .err()
        .unwrap();
    assert_eq!(err.code(), "error.transport.general.platformClientInvalid");

    let err = Transport::open(
        config("http://127.0.0.1:9"),
        memory_store().await,
        reqwest::Client::new(),
    )
    .await
    .err()
    .unwrap();
    assert!(
        matches!(err, transport::TransportError::Unreachable { .. }),
        "{err}"
    );
}
