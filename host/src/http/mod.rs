//! The REST API's HTTP shell: the router with the official middleware order, the error
//! envelope, authentication, and the routes that belong to no Enmeshed module (health,
//! monitoring, metrics, API docs). Handlers stay thin: parse, call one function, wrap the
//! answer.

pub mod auth;
pub mod dead_letters;
pub mod docs;
pub mod error;
pub mod json;
pub mod metrics;
pub mod middleware;
pub mod monitoring;
pub mod path;
pub mod paths;

use crate::app::App;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, Method, header};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::IntoResponse;
use error::ApiError;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use utoipa_axum::router::OpenApiRouter;

/// The whole HTTP application for `app`, with the OpenAPI document generated from the same
/// handlers that serve it.
pub fn router(app: App) -> Router {
    let (api, openapi) = api_routes(app.clone()).split_for_parts();
    let casing = std::sync::Arc::new(paths::RouteCasing::new(
        openapi
            .paths
            .paths
            .keys()
            .map(String::as_str)
            .chain(docs::PATHS.iter().copied())
            .chain([metrics::PATH]),
    ));
    let openapi = docs::finish(openapi);

    let mut router = api
        .with_state(app.clone())
        .merge(docs::routes(&app, openapi))
        .merge(metrics::routes(&app));
    router = router
        .fallback(|| async { ApiError::route_not_found() })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() });

    let http = &app.config.infrastructure.http_server;
    let mut router = router
        .layer(from_fn_with_state(app.clone(), middleware::error_details))
        .layer(CompressionLayer::new())
        .layer(DefaultBodyLimit::max(json::BODY_LIMIT))
        .layer(from_fn(middleware::negotiate));
    if let Some(cors) = cors_layer(&http.cors) {
        router = router.layer(cors);
    }
    for (name, value) in middleware::security_headers(app.config.debug, &http.helmet_options) {
        router = router.layer(tower_http::set_header::SetResponseHeaderLayer::overriding(
            name, value,
        ));
    }
    let api_v2 = http.api_v2.enabled;
    let router = router.layer(from_fn_with_state(app, middleware::observe));
    // Paths are matched case-insensitively, as Express does, and `/api/v2/...` means
    // `/api/core/v1/...` when the Connector 6 routes are on; both rewrites have to happen
    // before routing, so they wrap the whole router rather than being one of its layers.
    Router::new().fallback_service(tower::ServiceExt::map_request(router, move |req| {
        let req = if api_v2 { paths::api_v2(req) } else { req };
        casing.normalise(req)
    }))
}

/// Every route that appears in the OpenAPI document: `/health` without authentication, the
/// rest behind it.
pub fn api_routes(app: App) -> OpenApiRouter<App> {
    let protected = monitoring::routes()
        .merge(crate::routes::routes())
        .layer(from_fn_with_state(app, auth::authenticate));
    monitoring::health_routes().merge(protected)
}

/// CORS from the `cors` package's option shape; `origin: false` (the default) means none.
fn cors_layer(options: &serde_json::Value) -> Option<CorsLayer> {
    let origin = options.get("origin")?;
    let allow_origin = match origin {
        serde_json::Value::Bool(false) | serde_json::Value::Null => return None,
        serde_json::Value::Bool(true) => AllowOrigin::mirror_request(),
        serde_json::Value::String(s) if s == "*" => AllowOrigin::any(),
        serde_json::Value::String(s) => AllowOrigin::exact(HeaderValue::from_str(s).ok()?),
        serde_json::Value::Array(items) => AllowOrigin::list(
            items
                .iter()
                .filter_map(|i| i.as_str().and_then(|s| HeaderValue::from_str(s).ok())),
        ),
        _ => return None,
    };
    let mut layer = CorsLayer::new().allow_origin(allow_origin);
    let strings = |key: &str| -> Vec<String> {
        match options.get(key) {
            Some(serde_json::Value::String(s)) => {
                s.split(',').map(|p| p.trim().to_owned()).collect()
            }
            Some(serde_json::Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        }
    };
    let methods: Vec<Method> = strings("methods")
        .iter()
        .filter_map(|m| m.parse().ok())
        .collect();
    layer = if methods.is_empty() {
        layer.allow_methods([
            Method::GET,
            Method::HEAD,
            Method::PUT,
            Method::PATCH,
            Method::POST,
            Method::DELETE,
        ])
    } else {
        layer.allow_methods(methods)
    };
    let headers: Vec<header::HeaderName> = strings("allowedHeaders")
        .iter()
        .filter_map(|h| h.parse().ok())
        .collect();
    layer = if headers.is_empty() {
        layer.allow_headers(tower_http::cors::AllowHeaders::mirror_request())
    } else {
        layer.allow_headers(headers)
    };
    let exposed: Vec<header::HeaderName> = strings("exposedHeaders")
        .iter()
        .filter_map(|h| h.parse().ok())
        .collect();
    if !exposed.is_empty() {
        layer = layer.expose_headers(exposed);
    }
    if options.get("credentials").and_then(|v| v.as_bool()) == Some(true) {
        layer = layer.allow_credentials(true);
    }
    if let Some(max_age) = options.get("maxAge").and_then(|v| v.as_u64()) {
        layer = layer.max_age(std::time::Duration::from_secs(max_age));
    }
    Some(layer)
}

/// A response for errors raised outside handlers (tower layers).
pub fn unexpected(e: impl std::fmt::Display) -> axum::response::Response {
    ApiError::unexpected(e.to_string()).into_response()
}
