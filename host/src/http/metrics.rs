//! `GET /metrics`: the Connector's metrics in the Prometheus text format, behind the same
//! authentication as `/Monitoring/*` (scope `monitoring:metrics`), when
//! `infrastructure.httpServer.metrics.enabled` (the default).
//!
//! Every crate records through the `metrics` facade (transport: Backbone calls and syncs;
//! store: operation latency; module-host: deliveries, retries, dead letters, call time; here:
//! HTTP requests). This file installs the one recorder that collects them. A recorder is
//! process-wide, so two Connectors in one process (as in some tests) share their counters;
//! a deployment runs one Connector per process.
//!
//! The route stays out of the OpenAPI document: it is an operator's endpoint in Prometheus'
//! format, not part of the REST contract.

use super::auth;
use crate::app::App;
use axum::Router;
use axum::extract::State;
use axum::http::{Method, StatusCode, header};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::IntoResponse;
use axum::routing::get;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

pub const PATH: &str = "/metrics";

/// Requests answered: `method`, `route` (the route template, `unmatched` for no route),
/// `status`.
pub const HTTP_REQUESTS: &str = "connector_http_requests_total";
/// Seconds until a request's answer was ready: `method`, `route`.
pub const HTTP_DURATION: &str = "connector_http_request_duration_seconds";
/// Requests that came in under the Connector 6 prefix `/api/v2`.
pub const HTTP_API_V2_REQUESTS: &str = "connector_http_api_v2_requests_total";
/// Always 1, with the Connector's `version`.
pub const BUILD_INFO: &str = "connector_build_info";

/// Histogram buckets in seconds, for every duration the Connector records: from a store read
/// (sub-millisecond) to a slow Backbone call or a long sync.
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Histogram samples wait in the recorder until a scrape or this upkeep folds them into the
/// buckets; without it an unscraped Connector would keep every sample.
const UPKEEP: Duration = Duration::from_secs(5);

/// The installed recorder's view, for rendering.
pub struct Metrics {
    handle: PrometheusHandle,
}

impl Metrics {
    /// The process's recorder, installed on first use; `None` when another recorder was
    /// installed before (metrics are then that recorder's business).
    pub fn install() -> Option<Arc<Metrics>> {
        static INSTALLED: OnceLock<Option<Arc<Metrics>>> = OnceLock::new();
        INSTALLED
            .get_or_init(|| {
                let recorder = PrometheusBuilder::new()
                    .set_buckets(BUCKETS)
                    .expect("the bucket list is not empty")
                    .build_recorder();
                let handle = recorder.handle();
                if let Err(e) = metrics::set_global_recorder(recorder) {
                    tracing::warn!("metrics are not collected: {e}");
                    return None;
                }
                describe();
                let upkeep = handle.clone();
                let spawned = std::thread::Builder::new()
                    .name("metrics-upkeep".into())
                    .spawn(move || {
                        loop {
                            std::thread::sleep(UPKEEP);
                            upkeep.run_upkeep();
                        }
                    });
                if let Err(e) = spawned {
                    tracing::warn!("no metrics upkeep thread: {e}");
                }
                Some(Arc::new(Metrics { handle }))
            })
            .clone()
    }

    pub fn render(&self) -> String {
        self.handle.render()
    }
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(HTTP_REQUESTS, "HTTP requests answered, by route and status");
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "Time until an HTTP request's answer was ready, by route"
    );
    describe_counter!(
        HTTP_API_V2_REQUESTS,
        "HTTP requests under the Connector 6 prefix /api/v2"
    );
    describe_gauge!(
        BUILD_INFO,
        "Always 1, labelled with the Connector's version"
    );
    metrics::gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION")).set(1.0);
    store::metered::describe_metrics();
    transport::metrics::describe_metrics();
    module_host::metrics::describe_metrics();
}

/// Records one answered request; `route` is its template (`/api/core/v1/Messages/{id}`), so
/// the series stay bounded whatever paths clients send.
pub fn record_request(
    method: &Method,
    route: Option<std::sync::Arc<str>>,
    api_v2: bool,
    status: StatusCode,
    elapsed: Duration,
) {
    let method = match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    };
    let route: std::sync::Arc<str> = route.unwrap_or_else(|| "unmatched".into());
    metrics::histogram!(HTTP_DURATION, "method" => method, "route" => route.clone())
        .record(elapsed.as_secs_f64());
    metrics::counter!(HTTP_REQUESTS, "method" => method, "route" => route, "status" => status.as_u16().to_string())
        .increment(1);
    if api_v2 {
        metrics::counter!(HTTP_API_V2_REQUESTS).increment(1);
    }
}

/// `GET /metrics` behind authentication and its scope; no route when metrics are off.
pub fn routes(app: &App) -> Router {
    if app.metrics.is_none() {
        return Router::new();
    }
    Router::new()
        .route(PATH, get(render))
        .route_layer(from_fn(|r, n| auth::require(&["monitoring:metrics"], r, n)))
        .route_layer(from_fn_with_state(app.clone(), auth::authenticate))
        .with_state(app.clone())
}

async fn render(State(app): State<App>) -> axum::response::Response {
    match &app.metrics {
        Some(metrics) => (
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            metrics.render(),
        )
            .into_response(),
        None => super::error::ApiError::route_not_found().into_response(),
    }
}
