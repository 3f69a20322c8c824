//! The request pipeline in the official order: correlation id and request log, security
//! headers, request counting, response-time headers, content negotiation. CORS, the body limit
//! and compression are tower-http layers assembled in [`super::router`].

use super::error::{ApiError, ErrorDetails};
use crate::app::App;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;
use tracing::Instrument;

pub const CORRELATION_ID: &str = "x-correlation-id";

/// The request's correlation id: taken from `x-correlation-id` or generated; present in every
/// log line of the request and carried into every runtime event the request causes (and so to
/// modules and webhooks) through [`transport::events::with_correlation_id`].
#[derive(Debug, Clone)]
pub struct CorrelationId(pub String);

/// Requests answered since start, by status, for `/Monitoring/Requests`.
pub struct RequestCounter {
    pub since: chrono::DateTime<chrono::Utc>,
    by_status: Mutex<BTreeMap<u16, u64>>,
}

impl RequestCounter {
    pub fn new() -> Self {
        Self {
            since: chrono::Utc::now(),
            by_status: Mutex::new(BTreeMap::new()),
        }
    }
    fn record(&self, status: u16) {
        if let Ok(mut m) = self.by_status.lock() {
            *m.entry(status).or_default() += 1;
        }
    }
    pub fn snapshot(&self) -> BTreeMap<u16, u64> {
        self.by_status.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

impl Default for RequestCounter {
    fn default() -> Self {
        Self::new()
    }
}

/// Correlation id, request log line, request count, response-time headers and, in debug mode,
/// error details.
pub async fn observe(State(app): State<App>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let correlation_id = req
        .headers()
        .get(CORRELATION_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 200)
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    req.extensions_mut()
        .insert(CorrelationId(correlation_id.clone()));
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    // The route template, not the path: ids in paths would make the series unbounded.
    let route = app.metrics.as_ref().map(|_| {
        req.extensions()
            .get::<MatchedPath>()
            .map(|m| std::sync::Arc::<str>::from(m.as_str()))
    });
    let api_v2 = req.extensions().get::<super::paths::ApiV2>().is_some();
    let span = tracing::info_span!("request", correlation_id = %correlation_id);

    let mut response = transport::events::with_correlation_id(
        correlation_id,
        next.run(req).instrument(span.clone()),
    )
    .await;

    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    app.requests.record(status);
    if let Some(route) = route {
        super::metrics::record_request(&method, route, api_v2, response.status(), elapsed);
    }
    span.in_scope(|| {
        tracing::info!(
            method = %method,
            path = %path,
            status,
            duration_ms = elapsed.as_millis() as u64,
            "request answered"
        )
    });

    let headers = response.headers_mut();
    headers.insert(
        "x-response-duration-ms",
        HeaderValue::from(elapsed.as_millis() as u64),
    );
    if let Ok(v) = HeaderValue::from_str(
        &chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    ) {
        headers.insert("x-response-time", v);
    }
    response
}

/// In debug mode, an error's details go into its envelope (`error.details`), as the official
/// Connector shows them. Runs inside the compression layer: it rewrites the JSON body, which
/// must not be compressed yet.
pub async fn error_details(State(app): State<App>, req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    if app.config.debug
        && let Some(ErrorDetails(details)) = response.extensions_mut().remove::<ErrorDetails>()
    {
        response = with_details(response, details).await;
    }
    response
}

async fn with_details(response: Response, details: String) -> Response {
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, super::json::BODY_LIMIT).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let mut value: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    if let Some(err) = value.get_mut("error").and_then(|e| e.as_object_mut()) {
        err.insert("details".into(), details.into());
    }
    let mut parts = parts;
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(
        parts,
        Body::from(serde_json::to_vec(&value).unwrap_or_default()),
    )
}

/// helmet's default headers. In debug mode the CSP also admits the inline bootstrap of the
/// Swagger UI page; `helmetOptions.contentSecurityPolicy = false` drops the CSP.
pub fn security_headers(
    debug: bool,
    helmet_options: &serde_json::Value,
) -> Vec<(HeaderName, HeaderValue)> {
    let mut csp = "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';\
frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';\
style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests"
        .to_owned();
    if debug {
        // The docs pages bootstrap inline and are served over plain HTTP on a developer's machine.
        csp = csp
            .replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
            .replace(";upgrade-insecure-requests", "");
    }
    let mut headers = vec![
        ("cross-origin-opener-policy", "same-origin".to_owned()),
        ("cross-origin-resource-policy", "same-origin".to_owned()),
        ("origin-agent-cluster", "?1".to_owned()),
        ("referrer-policy", "no-referrer".to_owned()),
        (
            "strict-transport-security",
            "max-age=31536000; includeSubDomains".to_owned(),
        ),
        ("x-content-type-options", "nosniff".to_owned()),
        ("x-dns-prefetch-control", "off".to_owned()),
        ("x-download-options", "noopen".to_owned()),
        ("x-frame-options", "SAMEORIGIN".to_owned()),
        ("x-permitted-cross-domain-policies", "none".to_owned()),
        ("x-xss-protection", "0".to_owned()),
    ];
    if helmet_options.get("contentSecurityPolicy") != Some(&serde_json::Value::Bool(false)) {
        headers.push(("content-security-policy", csp));
    }
    headers
        .into_iter()
        .filter_map(|(k, v)| Some((HeaderName::from_static(k), HeaderValue::from_str(&v).ok()?)))
        .collect()
}

/// 406 when the client accepts neither JSON nor (for QR codes) PNG. `/metrics` answers in
/// Prometheus' text format whatever is asked.
pub async fn negotiate(req: Request, next: Next) -> Response {
    if req.uri().path() == super::metrics::PATH {
        return next.run(req).await;
    }
    let acceptable = match req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
    {
        None => true,
        Some(accept) => accept.split(',').any(|range| {
            let media = range
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            matches!(
                media.as_str(),
                "" | "*/*"
                    | "application/*"
                    | "application/json"
                    | "image/*"
                    | "image/png"
                    | "application/octet-stream"
            )
        }),
    };
    if acceptable {
        next.run(req).await
    } else {
        ApiError::not_acceptable().into_response()
    }
}
