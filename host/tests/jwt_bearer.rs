//! JWT bearer authentication against a real identity provider stand-in on loopback: OpenID
//! discovery, a JWKS, issuer, audience and expiry checks, roles from `scope`.

mod common;

use axum::{Json, Router, routing::get};
use base64::Engine;
use common::Running;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

const SECRET: &[u8] = b"a-very-long-shared-signing-secret-for-hs256";

/// Serves `/.well-known/openid-configuration` and `/jwks` with one symmetric key, as an
/// identity provider would publish it.
async fn identity_provider() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let issuer = base.clone();
    let k = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(SECRET);
    let app = Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(move || async move {
                Json(json!({"issuer": issuer, "jwks_uri": format!("{issuer}/jwks")}))
            }),
        )
        .route(
            "/jwks",
            get(move || async move {
                Json(json!({"keys": [{"kty": "oct", "kid": "k1", "alg": "HS256", "k": k}]}))
            }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

fn token(issuer: &str, audience: &str, scope: &str, expires_in: i64, kid: Option<&str>) -> String {
    let now = chrono::Utc::now().timestamp();
    let claims = json!({"iss": issuer, "aud": audience, "sub": "svc", "scope": scope, "iat": now, "exp": now + expires_in});
    let mut header = Header::new(Algorithm::HS256);
    header.kid = kid.map(str::to_owned);
    encode(&header, &claims, &EncodingKey::from_secret(SECRET)).unwrap()
}

async fn status(c: &Running, path: &str, bearer: &str) -> u16 {
    c.http
        .get(c.url(path))
        .bearer_auth(bearer)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn tokens_from_a_discovered_jwks() {
    let idp = identity_provider().await;
    let issuer = idp.clone();
    let c = Running::start_with(move |cfg| {
        cfg["infrastructure"]["httpServer"]["authentication"]["jwtBearer"] =
            json!({"enabled": true, "issuerBaseURL": issuer, "audience": "connector"});
    })
    .await;

    let good = token(
        &idp,
        "connector",
        "monitoring:version core:**",
        300,
        Some("k1"),
    );
    assert_eq!(status(&c, "/Monitoring/Version", &good).await, 200);
    assert_eq!(
        status(&c, "/Monitoring/Support", &good).await,
        403,
        "scope claim limits routes"
    );

    let cases = [
        (
            "wrong audience",
            token(&idp, "other", "**", 300, Some("k1")),
        ),
        (
            "wrong issuer",
            token("https://evil.example", "connector", "**", 300, Some("k1")),
        ),
        ("expired", token(&idp, "connector", "**", -600, Some("k1"))),
        (
            "unknown key id",
            token(&idp, "connector", "**", 300, Some("k2")),
        ),
        ("garbage", "not.a.jwt".to_owned()),
    ];
    for (what, bad) in cases {
        assert_eq!(status(&c, "/Monitoring/Version", &bad).await, 401, "{what}");
    }
    // API keys keep working next to JWT.
    let resp = c.get("/Monitoring/Version", Some(common::API_KEY)).await;
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn tokens_signed_with_a_shared_secret() {
    let c = Running::start_with(|cfg| {
        cfg["infrastructure"]["httpServer"]["authentication"]["jwtBearer"] =
            json!({"secret": String::from_utf8(SECRET.to_vec()).unwrap(), "issuer": "https://idp.example"});
    })
    .await;
    let good = token("https://idp.example", "any", "monitoring:*", 300, None);
    assert_eq!(status(&c, "/Monitoring/Requests", &good).await, 200);
    let body: Value = c
        .http
        .get(c.url("/Monitoring/Support"))
        .bearer_auth(&good)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        body["configuration"]["infrastructure"]["httpServer"]["authentication"]["jwtBearer"],
        "redacted (enabled)"
    );
}
