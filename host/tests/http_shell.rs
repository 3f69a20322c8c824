//! The HTTP shell through a real server on a loopback port: envelope and status mapping,
//! authentication and scopes, health and monitoring, headers, CORS and the API docs.

mod common;

use common::{API_KEY, MONITOR_ONLY_KEY, Running, error_of};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const KEK: &str = "a-long-key-encryption-passphrase-for-the-test";

#[tokio::test]
async fn unknown_routes_methods_and_accept_headers_get_the_official_errors() {
    let c = Running::start().await;
    error_of(
        c.get("/api/core/v1/Nothing", Some(API_KEY)).await,
        404,
        "error.connector.http.routeDoesNotExist",
    )
    .await;
    let resp = c.http.delete(c.url("/health")).send().await.unwrap();
    error_of(resp, 405, "error.connector.http.methodNotAllowed").await;
    let resp = c
        .http
        .get(c.url("/Monitoring/Version"))
        .header("X-API-KEY", API_KEY)
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    error_of(resp, 406, "error.connector.http.notAcceptable").await;
    // Production mode shows no details.
    let err = error_of(
        c.get("/nope", None).await,
        404,
        "error.connector.http.routeDoesNotExist",
    )
    .await;
    assert!(err.get("details").is_none());
}

#[tokio::test]
async fn health_is_open_and_reports_each_service() {
    let c = Running::start().await;
    let resp = c.get("/health", None).await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body,
        json!({"isHealthy": true, "services": {"database": "healthy", "backboneConnection": "healthy", "backboneAuthentication": "healthy"}})
    );
    // Concurrent callers all get an answer from shared checks.
    let calls = (0..20).map(|_| c.get("/health", None));
    for resp in futures_util::future::join_all(calls).await {
        assert_eq!(resp.status(), 200);
    }
}

#[tokio::test]
async fn health_turns_unhealthy_without_the_backbone() {
    let c = Running::start().await;
    let Running {
        connector,
        backbone,
        data: _data,
        http,
    } = c;
    backbone.handle.shutdown().await.unwrap();
    let resp = http
        .get(format!("{}/health", connector.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 500);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["isHealthy"], false);
    assert_eq!(body["services"]["database"], "healthy");
    assert_eq!(body["services"]["backboneConnection"], "unhealthy");
}

#[tokio::test]
async fn wrong_client_credentials_stop_the_start() {
    let backbone = common::Backbone::start().await;
    let data = tempfile::tempdir().unwrap();
    let mut cfg = common::config_json(&backbone.base_url(), data.path());
    cfg["transportLibrary"]["platformClientSecret"] = json!("wrong");
    let err = connector::start(common::load(cfg))
        .await
        .err()
        .expect("start must fail");
    assert!(err.to_string().contains("platformClientInvalid"), "{err}");
}

#[tokio::test]
async fn api_keys_scopes_and_the_401_delay() {
    let c = Running::start().await;
    assert_eq!(
        c.get("/Monitoring/Version", Some(API_KEY)).await.status(),
        200
    );
    assert_eq!(
        c.get("/Monitoring/Version", Some(MONITOR_ONLY_KEY))
            .await
            .status(),
        200
    );
    // The header name is case-insensitive.
    let resp = c
        .http
        .get(c.url("/Monitoring/Requests"))
        .header("x-api-key", API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    for key in [
        None,
        Some("wrong"),
        Some("Expired-Key-0123456789-abcdefgh!"),
        Some(&API_KEY[..API_KEY.len() - 1]),
    ] {
        let started = Instant::now();
        let resp = c.get("/Monitoring/Version", key).await;
        assert!(
            started.elapsed() >= Duration::from_millis(40),
            "401 answers are delayed"
        );
        error_of(resp, 401, "error.connector.unauthorized").await;
    }
}

#[tokio::test]
async fn scopes_limit_routes() {
    let c = Running::start_with(|cfg| {
        cfg["infrastructure"]["httpServer"]["authentication"]["apiKey"]["keys"]["monitor"]["scopes"] = json!(["monitoring:version"]);
    })
    .await;
    assert_eq!(
        c.get("/Monitoring/Version", Some(MONITOR_ONLY_KEY))
            .await
            .status(),
        200
    );
    error_of(
        c.get("/Monitoring/Support", Some(MONITOR_ONLY_KEY)).await,
        403,
        "error.connector.forbidden",
    )
    .await;
}

#[tokio::test]
async fn monitoring_reports_version_requests_and_sanitised_support() {
    let c = Running::start_with(|cfg| {
        cfg["transportLibrary"]["keyEncryptionKey"] = json!(KEK);
        cfg["modules"] = json!({"webhooks": {"enabled": false, "targets": {"t": {"url": "http://x", "headers": {"apiKey": "hook-secret"}}}, "webhooks": []}});
    })
    .await;
    let v: Value = c
        .get("/Monitoring/Version", Some(API_KEY))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
    assert!(
        v["modules"].get("coreHttpApi").is_some() && v["modules"].get("webhooks").is_none(),
        "enabled modules only"
    );

    c.get("/nope", Some(API_KEY)).await;
    let r: Value = c
        .get("/Monitoring/Requests", Some(API_KEY))
        .await
        .json()
        .await
        .unwrap();
    assert!(r["requestCount"].as_u64().unwrap() >= 2);
    assert!(r["requestCountByStatus"]["404"].as_u64().unwrap() >= 1);
    assert!(r["since"].as_str().unwrap().ends_with('Z'));

    let text = c
        .get("/Monitoring/Support", Some(API_KEY))
        .await
        .text()
        .await
        .unwrap();
    for secret in [API_KEY, MONITOR_ONLY_KEY, "hook-secret", KEK] {
        assert!(!text.contains(secret), "support output leaks {secret}");
    }
    let s: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        s["configuration"]["transportLibrary"]["platformClientSecret"],
        "***"
    );
    assert_eq!(
        s["configuration"]["infrastructure"]["httpServer"]["authentication"]["apiKey"],
        "redacted (enabled)"
    );
    assert_eq!(
        s["configuration"]["infrastructure"]["httpServer"]["authentication"]["jwtBearer"],
        "redacted (disabled)"
    );
    assert_eq!(s["health"]["isHealthy"], true);
}

#[tokio::test]
async fn pipeline_headers() {
    let c = Running::start_with(common::with_docs).await;
    let resp = c
        .http
        .get(c.url("/health"))
        .header("x-correlation-id", "corr-1")
        .send()
        .await
        .unwrap();
    let h = resp.headers();
    assert!(
        h["x-response-duration-ms"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .is_ok()
    );
    assert!(h["x-response-time"].to_str().unwrap().ends_with('Z'));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "SAMEORIGIN");
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'self'")
    );
    assert!(
        h.get("x-correlation-id").is_none(),
        "not echoed, as the official"
    );
    assert!(
        h.get("access-control-allow-origin").is_none(),
        "no CORS by default"
    );

    // Compression when asked for.
    let big = c
        .http
        .get(c.url("/docs/json"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(big.headers()["content-encoding"], "gzip");
}

#[tokio::test]
async fn cors_from_config() {
    let c = Running::start_with(|cfg| {
        cfg["infrastructure"]["httpServer"]["cors"] =
            json!({"origin": ["https://app.example"], "credentials": true});
    })
    .await;
    let resp = c
        .http
        .request(reqwest::Method::OPTIONS, c.url("/Monitoring/Version"))
        .header("origin", "https://app.example")
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "x-api-key")
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    assert_eq!(resp.headers()["access-control-allow-credentials"], "true");
    let other = c
        .http
        .get(c.url("/health"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn openapi_is_generated_from_the_handlers() {
    let c = Running::start_with(common::with_docs).await;
    let doc: Value = c.get("/docs/json", None).await.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/health",
        "/Monitoring/Version",
        "/Monitoring/Requests",
        "/Monitoring/Support",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing");
    }
    assert!(doc["components"]["securitySchemes"]["ApiKeyAuth"].is_object());
    let yaml = c.get("/docs/yaml", None).await;
    assert_eq!(yaml.headers()["content-type"], "text/vnd.yaml");
    assert!(yaml.text().await.unwrap().contains("/Monitoring/Version"));
    assert_eq!(c.get("/docs/swagger", None).await.status(), 200);
    let redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for path in ["/docs", "/api-docs", "/api-docs/anything"] {
        let resp = redirect.get(c.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), 301, "{path}");
        assert_eq!(resp.headers()["location"], "/docs/swagger");
    }
}

#[tokio::test]
async fn rapidoc_and_the_favicon_are_served_with_the_docs() {
    use std::io::Read;
    let c = Running::start_with(|cfg| {
        common::with_docs(cfg);
        cfg["modules"]["coreHttpApi"]["docs"]["rapidoc"] = json!({"persistAuth": true});
    })
    .await;
    let page = c.get("/docs/rapidoc", None).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(r#"<rapi-doc spec-url="/docs/json""#),
        "{html}"
    );
    assert!(html.contains(r#"persist-auth="true""#), "{html}");
    assert!(html.contains(r#"src="/rapidoc/rapidoc-min.js""#), "{html}");

    // The script as a browser gets it: gzip (this client, built without gzip, leaves it be).
    let script = reqwest::Client::new()
        .get(c.url("/rapidoc/rapidoc-min.js"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(script.status(), 200);
    assert_eq!(script.headers()["content-encoding"], "gzip");
    assert!(
        script.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/javascript")
    );
    let mut js = String::new();
    flate2::read::GzDecoder::new(&script.bytes().await.unwrap()[..])
        .read_to_string(&mut js)
        .unwrap();
    assert!(js.contains("rapi-doc"), "the RapiDoc custom element");

    let icon = c.get("/favicon.ico", None).await;
    assert_eq!(icon.status(), 200);
    assert_eq!(icon.headers()["content-type"], "image/x-icon");
    let bytes = icon.bytes().await.unwrap();
    assert_eq!(&bytes[..4], &[0, 0, 1, 0], "an ICO file");
}

#[tokio::test]
async fn a_production_connector_serves_no_docs() {
    let c = Running::start().await;
    for path in [
        "/docs/json",
        "/docs/yaml",
        "/docs/swagger",
        "/docs/rapidoc",
        "/rapidoc/rapidoc-min.js",
        "/favicon.ico",
        "/docs",
        "/api-docs",
    ] {
        assert_eq!(c.get(path, None).await.status(), 404, "{path}");
    }
}

#[tokio::test]
async fn debug_mode_without_auth_is_open_and_shows_details() {
    let c = Running::start_with(|cfg| {
        cfg["debug"] = json!(true);
        cfg["infrastructure"]["httpServer"]["authentication"]["apiKey"] = json!({"keys": {}});
    })
    .await;
    assert_eq!(c.get("/Monitoring/Support", None).await.status(), 200);
}

#[tokio::test]
async fn production_without_auth_and_weak_keys_refuse_to_start() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let data = tempfile::tempdir().unwrap();
    let mut cfg = common::config_json("http://127.0.0.1:9", data.path());
    cfg["infrastructure"]["httpServer"]["authentication"]["apiKey"] = json!({"keys": {}});
    let err = connector::start(common::load(cfg.clone()))
        .await
        .err()
        .unwrap();
    assert!(
        err.to_string()
            .contains("infrastructure.httpServer.authentication"),
        "{err}"
    );

    cfg["infrastructure"]["httpServer"]["authentication"]["apiKey"] =
        json!({"keys": {"weak": {"key": "password"}}});
    let err = connector::start(common::load(cfg.clone()))
        .await
        .err()
        .unwrap();
    assert!(
        err.to_string().contains("keys.weak.key") && err.to_string().contains("30 characters"),
        "{err}"
    );

    cfg["infrastructure"]["httpServer"]["authentication"]["apiKey"] =
        json!({"keys": {"a": {"key": API_KEY}, "b": {"key": API_KEY}}});
    let err = connector::start(common::load(cfg)).await.err().unwrap();
    assert!(err.to_string().contains("twice"), "{err}");
}

#[tokio::test]
async fn shutdown_finishes_requests_in_flight() {
    let c = Running::start().await;
    let Running {
        connector,
        backbone: _backbone,
        data: _data,
        http,
    } = c;
    // A request whose body is still arriving when the shutdown starts.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    let body = reqwest::Body::wrap_stream(tokio_stream_from(rx));
    let url = format!("{}/api/core/v1/Tokens/Own", connector.base_url());
    let request = http
        .post(url)
        .header("X-API-KEY", API_KEY)
        .header("content-type", "application/json")
        .body(body)
        .send();
    let in_flight = tokio::spawn(request);
    tx.send(Ok(b"{\"content\": {\"a\": ".to_vec()))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let base = connector.base_url();
    let stopping = tokio::spawn(connector.shutdown());
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !stopping.is_finished(),
        "shutdown waits for the request in flight"
    );
    let expires = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    tx.send(Ok(
        format!("1}}, \"expiresAt\": \"{expires}\"}}").into_bytes()
    ))
    .await
    .unwrap();
    drop(tx);
    let resp = in_flight.await.unwrap().unwrap();
    assert_eq!(
        resp.status(),
        201,
        "the request in flight was served to the end"
    );
    stopping.await.unwrap().unwrap();
    assert!(
        reqwest::get(format!("{base}/health")).await.is_err(),
        "no new connections after shutdown"
    );
}

fn tokio_stream_from(
    mut rx: tokio::sync::mpsc::Receiver<Result<Vec<u8>, std::io::Error>>,
) -> impl futures_util::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

#[tokio::test]
async fn bodies_that_are_not_json_or_too_large() {
    let c = Running::start().await;
    let post = |body: Vec<u8>| {
        c.http
            .post(c.url("/api/core/v1/Tokens/Own"))
            .header("X-API-KEY", API_KEY)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let err = error_of(
        post(b"{ not json".to_vec()).await.unwrap(),
        400,
        "error.connector.validation.invalidJsonInPayload",
    )
    .await;
    assert!(
        err.get("details").is_none(),
        "no details in production mode"
    );
    let big = format!("{{\"content\": \"{}\"}}", "x".repeat(3 * 1024 * 1024)).into_bytes();
    error_of(
        post(big).await.unwrap(),
        413,
        "error.connector.http.payloadTooLarge",
    )
    .await;
}

#[tokio::test]
async fn debug_mode_adds_error_details() {
    let c = Running::start_with(|cfg| cfg["debug"] = json!(true)).await;
    let resp = c
        .http
        .post(c.url("/api/core/v1/Tokens/Own"))
        .header("X-API-KEY", API_KEY)
        .header("content-type", "application/json")
        .body("{ not json")
        .send()
        .await
        .unwrap();
    let err = error_of(resp, 400, "error.connector.validation.invalidJsonInPayload").await;
    assert!(
        err["details"]
            .as_str()
            .unwrap()
            .contains("key must be a string"),
        "{err}"
    );

    // Compressed too: the details go in before the body is compressed.
    let resp = c
        .http
        .post(c.url("/api/core/v1/Tokens/Own"))
        .header("X-API-KEY", API_KEY)
        .header("content-type", "application/json")
        .header("accept-encoding", "gzip")
        .body("{ not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-encoding"], "gzip");
    let compressed = resp.bytes().await.unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(&compressed[..]),
        &mut text,
    )
    .expect("a gzip body");
    let body: Value = serde_json::from_str(&text).unwrap();
    assert!(
        body["error"]["details"]
            .as_str()
            .unwrap()
            .contains("key must be a string"),
        "{body}"
    );
}
