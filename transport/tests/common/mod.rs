//! A local Backbone on a loopback port and identities opened on it, for the transport tests.
#![allow(dead_code)]

use std::sync::Arc;
use transport::{KeySource, Transport, TransportConfig};

pub async fn backbone() -> backbone::ServerHandle {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    backbone::serve(backbone::Config::default(), memory_store().await, listener)
        .await
        .unwrap()
}

pub fn config(base_url: &str) -> TransportConfig {
    TransportConfig {
        base_url: base_url.to_owned(),
        platform_client_id: "test".into(),
        platform_client_secret: "test".into(),
        allow_identity_creation: true,
        address_domain: Some("localhost".into()),
        key: KeySource::parse("a passphrase for the test vault").unwrap(),
        additional_headers: Vec::new(),
    }
}

/// A new identity on the Backbone at `base_url`, kept in `store`.
pub async fn open(base_url: &str, store: Arc<dyn store::Store>) -> Transport {
    Transport::open(config(base_url), store, reqwest::Client::new())
        .await
        .unwrap()
}

pub async fn memory_store() -> Arc<dyn store::Store> {
    Arc::new(store::sqlite::SqliteStore::open_in_memory().await.unwrap())
}
