//! Clients written elsewhere drive our REST API: the official `@nmshd/connector-sdk` 6.7.0,
//! written for Connector 6 and its `/api/v2` routes, goes through a relationship, a message
//! with an attachment and a file between two of our Connectors; and a client generated from
//! our own API document (openapi-typescript, compiled against the generated types, calling
//! through openapi-fetch) calls `/api/core/v1`. The Node scripts live in `interop/`; both
//! need Node 20 and `npm ci` in `interop/`.
//!
//! Where Connector 6 and 7 differ, the routes answer as Connector 7 does: the SDK passes the
//! JSON through, but a Connector 6 client that reads `truncatedReference` from a token,
//! template or file finds `reference.truncated` instead.

mod common;

use common::{API_KEY, Backbone, Peer, with_docs};
use serde_json::{Value, json};
use std::path::PathBuf;

fn interop_dir() -> PathBuf {
    let interop = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../interop");
    for package in [
        "@nmshd/connector-sdk",
        "openapi-typescript",
        "openapi-fetch",
    ] {
        assert!(
            interop.join("node_modules").join(package).exists(),
            "{package} is missing: run `npm ci` in interop/ first"
        );
    }
    interop
}

/// Runs `interop/<script>` to its end; its `RESULT` line as JSON.
async fn node(script: &str, args: &[&str]) -> Value {
    let out = tokio::process::Command::new("node")
        .arg(interop_dir().join(script))
        .args(args)
        .kill_on_drop(true)
        .output()
        .await
        .expect("node must be installed");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let result = stdout.lines().find_map(|l| l.strip_prefix("RESULT "));
    match result {
        Some(result) if out.status.success() => serde_json::from_str(result).unwrap(),
        _ => panic!(
            "{script} failed ({}):\n{stdout}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connector_6_sdk_drives_our_connectors_under_api_v2() {
    let backbone = Backbone::start().await;
    let templator = Peer::start(&backbone).await;
    let requestor = Peer::start(&backbone).await;
    let templator_url = templator.connector.base_url();
    let requestor_url = requestor.connector.base_url();

    let result = node(
        "connector-sdk/connector6.mjs",
        &[&templator_url, &requestor_url, API_KEY],
    )
    .await;

    assert_eq!(result["relationshipStatus"], "Active", "{result}");
    assert_eq!(
        result["missingMessageError"],
        "error.runtime.recordNotFound"
    );
    assert_eq!(result["tokenHasTruncatedReference"], false);
    // What the SDK did is what the current routes show.
    let id = result["relationship"].as_str().unwrap();
    assert_eq!(
        templator.get(&format!("/Relationships/{id}")).await["status"],
        "Active"
    );
    let message = result["message"].as_str().unwrap();
    let received = requestor.get(&format!("/Messages/{message}")).await;
    assert_eq!(received["content"]["subject"], "from the SDK");
    assert_eq!(received["attachments"][0]["id"], result["file"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_v2_is_the_same_api_and_can_be_turned_off() {
    let backbone = Backbone::start().await;
    let on = Peer::start(&backbone).await;
    let off = Peer::start_with(&backbone, |cfg| {
        cfg["infrastructure"]["httpServer"]["apiV2"] = json!({"enabled": false});
    })
    .await;
    let get = |peer: &Peer, path: &str, key: Option<&str>| {
        let mut req = peer
            .http
            .get(format!("{}{path}", peer.connector.base_url()));
        if let Some(key) = key {
            req = req.header("X-API-KEY", key);
        }
        req.send()
    };

    let v1: Value = get(&on, "/api/core/v1/Account/IdentityInfo", Some(API_KEY))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let v2 = get(&on, "/API/V2/account/identityinfo", Some(API_KEY))
        .await
        .unwrap();
    assert_eq!(v2.status(), 200);
    assert_eq!(v2.json::<Value>().await.unwrap(), v1);

    // The same authentication, the same envelope, the same errors.
    let anonymous = get(&on, "/api/v2/Messages", None).await.unwrap();
    common::error_of(anonymous, 401, "error.connector.unauthorized").await;
    let missing = get(&on, "/api/v2/Messages/MSGnotthere000000000", Some(API_KEY))
        .await
        .unwrap();
    common::error_of(missing, 404, "error.runtime.recordNotFound").await;
    let nothing = get(&on, "/api/v2/NoSuchRoute", Some(API_KEY))
        .await
        .unwrap();
    common::error_of(nothing, 404, "error.connector.http.routeDoesNotExist").await;

    let refused = get(&off, "/api/v2/Account/IdentityInfo", Some(API_KEY))
        .await
        .unwrap();
    common::error_of(refused, 404, "error.connector.http.routeDoesNotExist").await;
    assert_eq!(
        get(&off, "/api/core/v1/Account/IdentityInfo", Some(API_KEY))
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_generated_from_our_api_document_calls_our_api() {
    let backbone = Backbone::start().await;
    let peer = Peer::start_with(&backbone, with_docs).await;
    let base = peer.connector.base_url();

    // The document describes one generation of the API, not two, and no operator routes.
    let document: Value = peer
        .http
        .get(format!("{base}/docs/json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths: Vec<&String> = document["paths"].as_object().unwrap().keys().collect();
    assert!(paths.iter().any(|p| p.starts_with("/api/core/v1/")));
    assert!(
        paths
            .iter()
            .all(|p| !p.starts_with("/api/v2") && *p != "/metrics"),
        "{paths:?}"
    );

    let result = node("openapi-client/run.mjs", &[&base, API_KEY]).await;

    let address = peer.address().await;
    assert_eq!(result["address"], address.as_str(), "{result}");
    assert_eq!(result["templateCreatedBy"], address.as_str());
    assert_eq!(result["templateMaxAllocations"], 2);
    let template_id = result["templateId"].as_str().unwrap();
    assert!(
        result["ownTemplates"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == template_id),
        "{result}"
    );
    assert_eq!(
        peer.get(&format!("/RelationshipTemplates/{template_id}"))
            .await["content"]["value"]["from"],
        "generated client"
    );
    assert_eq!(result["messages"], 0);
    assert_eq!(result["missingStatus"], 404);
    assert_eq!(
        result["missingError"]["error"]["code"],
        "error.runtime.recordNotFound"
    );
}
