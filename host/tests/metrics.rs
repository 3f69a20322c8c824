//! `GET /metrics` as Prometheus scrapes it: the Prometheus text format (read back with a
//! real parser, `openmetrics-parser`), behind the monitoring authentication, and counters that
//! move as a user's requests, a sync with the Backbone and module deliveries happen.
//!
//! The recorder is process-wide, so every Connector of this test binary records into it;
//! the assertions compare scrapes before and after an action rather than absolute values.

mod common;

use common::webhooks::Webhooks;
use common::{API_KEY, Backbone, MONITOR_ONLY_KEY, Peer};
use openmetrics_parser::{MetricsExposition, PrometheusType, PrometheusValue};
use reqwest::Method;
use serde_json::json;
use std::collections::HashMap;
use std::time::Duration;

const CORE_ONLY_KEY: &str = "Core-Only-Key-0123456789-abcdef!";

type Scrape = MetricsExposition<PrometheusType, PrometheusValue>;

fn metrics_url(peer: &Peer) -> String {
    format!("{}/metrics", peer.connector.base_url())
}

/// One scrape with the monitoring key, parsed.
async fn scrape(peer: &Peer) -> Scrape {
    let resp = peer
        .http
        .get(metrics_url(peer))
        .header("X-API-KEY", MONITOR_ONLY_KEY)
        .header("accept", "text/plain")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let content_type = resp.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let text = resp.text().await.unwrap();
    openmetrics_parser::prometheus::parse_prometheus(&text)
        .unwrap_or_else(|e| panic!("not the Prometheus text format: {e:?}\n{text}"))
}

/// The labels and value of every series of `name` whose labels include `labels`.
fn matching<'a>(
    scrape: &'a Scrape,
    name: &str,
    labels: &[(&str, &str)],
) -> Vec<(HashMap<String, String>, &'a PrometheusValue)> {
    let Some(family) = scrape.families.get(name) else {
        return Vec::new();
    };
    family
        .iter_samples()
        .map(|sample| {
            let series: HashMap<String, String> = sample
                .get_labelset()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            (series, &sample.value)
        })
        .filter(|(series, _)| {
            labels
                .iter()
                .all(|(k, v)| series.get(*k).map(String::as_str) == Some(*v))
        })
        .collect()
}

/// The sum of a counter over every series with `labels` (0 when there is none yet).
fn counter(scrape: &Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    matching(scrape, name, labels)
        .into_iter()
        .map(|(_, value)| match value {
            PrometheusValue::Counter(c) => c.value.as_f64(),
            other => panic!("{name} is not a counter: {other:?}"),
        })
        .sum()
}

/// How many observations a histogram holds over every series with `labels`.
fn observations(scrape: &Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    matching(scrape, name, labels)
        .into_iter()
        .map(|(_, value)| match value {
            PrometheusValue::Histogram(h) => {
                let infinite = h
                    .buckets
                    .iter()
                    .find(|b| b.upper_bound.is_infinite())
                    .map(|b| b.count.as_f64());
                assert_eq!(
                    infinite,
                    h.count.map(|c| c as f64),
                    "{name}: +Inf is the count"
                );
                infinite.unwrap_or_default()
            }
            other => panic!("{name} is not a histogram: {other:?}"),
        })
        .sum()
}

/// Scrapes until `done` holds (modules deliver in the background), for up to 15 s.
async fn scrape_until(peer: &Peer, done: impl Fn(&Scrape) -> bool) -> Scrape {
    for _ in 0..150 {
        let scrape = scrape(peer).await;
        if done(&scrape) {
            return scrape;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    scrape(peer).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counters_follow_requests_syncs_and_module_deliveries() {
    let backbone = Backbone::start().await;
    let hooks = Webhooks::start().await;
    let hook_url = hooks.url.clone();
    let wasm = common::wasm_dir();
    let a = Peer::start_with(&backbone, |cfg| {
        cfg["moduleHost"] = json!({"builtinDirectory": wasm});
        cfg["modules"] = json!({
            "webhooks": {"enabled": true, "targets": {"receiver": {"url": hook_url}},
                         "webhooks": [{"triggers": ["transport.**"], "target": "receiver"}],
                         "grants": {"allowedHosts": ["127.0.0.1"]}},
            // Traps on every event: retried once, then a dead letter.
            "panicky": {"enabled": true, "location": wasm.join("hostile.wasm"), "mode": "panic",
                        "delivery": {"maxAttempts": 2, "initialBackoffMs": 10, "maxBackoffMs": 20}}
        });
        cfg["infrastructure"]["httpServer"]["authentication"]["apiKey"]["keys"]["core"] =
            json!({"key": CORE_ONLY_KEY, "scopes": ["core:**"]});
    })
    .await;
    let b = Peer::start(&backbone).await;

    // Authenticated like /Monitoring: no key is a 401, a key without the scope a 403, both
    // in the official envelope.
    let anonymous = a.http.get(metrics_url(&a)).send().await.unwrap();
    common::error_of(anonymous, 401, "error.connector.unauthorized").await;
    let core_only = a
        .http
        .get(metrics_url(&a))
        .header("X-API-KEY", CORE_ONLY_KEY)
        .send()
        .await
        .unwrap();
    common::error_of(core_only, 403, "error.connector.forbidden").await;

    let before = scrape(&a).await;
    let build = matching(&before, "connector_build_info", &[]);
    assert_eq!(build.len(), 1);
    assert_eq!(build[0].0["version"], env!("CARGO_PKG_VERSION"));
    assert!(matches!(build[0].1, PrometheusValue::Gauge(v) if v.as_f64() == 1.0));
    for name in [
        "connector_http_requests_total",
        "connector_http_request_duration_seconds",
        "connector_store_operation_duration_seconds",
    ] {
        let family = &before.families[name];
        assert!(!family.help.is_empty(), "no HELP for {name}");
    }

    // Requests, counted by route template and status.
    let identity_info = [
        ("method", "GET"),
        ("route", "/api/core/v1/Account/IdentityInfo"),
    ];
    for _ in 0..3 {
        a.get("/Account/IdentityInfo").await;
    }
    let missing = a
        .send(Method::GET, "/Messages/MSGnotthere000000000", None)
        .await;
    assert_eq!(missing.status(), 404);
    let v2 = a
        .http
        .get(format!(
            "{}/api/v2/Account/IdentityInfo",
            a.connector.base_url()
        ))
        .header("X-API-KEY", API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(v2.status(), 200);

    // A sync that brings an external event: B asks A for a relationship.
    let (_, relationship) = common::request_relationship(&a, &b, json!({}), json!({}), "url").await;
    a.sync().await;
    hooks
        .wait_for("transport.relationshipChanged", |body| {
            body["data"]["id"] == relationship["id"]
        })
        .await;

    let delta = |now: &Scrape, f: &dyn Fn(&Scrape) -> f64| f(now) - f(&before);
    let after = scrape_until(&a, |now| {
        delta(now, &|s| {
            counter(
                s,
                "connector_module_dead_letters_total",
                &[("module", "panicky")],
            )
        }) >= 1.0
            && delta(now, &|s| {
                counter(
                    s,
                    "connector_module_deliveries_total",
                    &[("module", "webhooks")],
                )
            }) >= 1.0
    })
    .await;

    let identity_ok = [identity_info[0], identity_info[1], ("status", "200")];
    assert!(
        delta(&after, &|s| counter(
            s,
            "connector_http_requests_total",
            &identity_ok
        )) >= 4.0,
        "three calls under /api/core/v1 and one under /api/v2"
    );
    assert!(
        delta(&after, &|s| observations(
            s,
            "connector_http_request_duration_seconds",
            &identity_info
        )) >= 4.0
    );
    assert!(
        delta(&after, &|s| counter(
            s,
            "connector_http_requests_total",
            &[("route", "/api/core/v1/Messages/{id}"), ("status", "404")]
        )) >= 1.0
    );
    assert!(
        delta(&after, &|s| counter(
            s,
            "connector_http_api_v2_requests_total",
            &[]
        )) >= 1.0
    );
    assert!(
        matching(&after, "connector_http_requests_total", &[])
            .iter()
            .all(|(series, _)| !series["route"].contains("MSGnotthere")),
        "a route label is a template, never a path"
    );

    // The sync: one sync, at least one run, the relationship's event processed, the Backbone's
    // sync routes timed with their ids replaced.
    assert!(
        delta(&after, &|s| counter(
            s,
            "connector_syncs_total",
            &[("outcome", "success")]
        )) >= 1.0
    );
    assert!(
        delta(&after, &|s| observations(
            s,
            "connector_sync_duration_seconds",
            &[]
        )) >= 1.0
    );
    assert!(delta(&after, &|s| counter(s, "connector_sync_runs_total", &[])) >= 1.0);
    assert!(
        delta(&after, &|s| counter(
            s,
            "connector_synced_external_events_total",
            &[
                ("type", "RelationshipStatusChanged"),
                ("outcome", "processed")
            ]
        )) >= 1.0
    );
    let sync_runs = [("method", "POST"), ("endpoint", "/api/v2/SyncRuns")];
    assert!(
        delta(&after, &|s| counter(
            s,
            "connector_backbone_requests_total",
            &sync_runs
        )) >= 1.0
    );
    assert!(
        delta(&after, &|s| observations(
            s,
            "connector_backbone_request_duration_seconds",
            &[("endpoint", "/api/v2/SyncRuns/{id}/ExternalEvents")]
        )) >= 1.0
    );

    // Module deliveries: the webhook delivered, the trapping module retried and gave up.
    assert!(
        delta(&after, &|s| observations(
            s,
            "connector_module_call_duration_seconds",
            &[
                ("module", "webhooks"),
                ("call", "on-event"),
                ("outcome", "ok")
            ]
        )) >= 1.0
    );
    assert!(
        delta(&after, &|s| counter(
            s,
            "connector_module_delivery_retries_total",
            &[("module", "panicky")]
        )) >= 1.0
    );
    assert!(
        delta(&after, &|s| observations(
            s,
            "connector_module_call_duration_seconds",
            &[("module", "panicky"), ("outcome", "error")]
        )) >= 2.0
    );

    // The store: every change is a batch.
    assert!(
        delta(&after, &|s| observations(
            s,
            "connector_store_operation_duration_seconds",
            &[("backend", "sqlite"), ("operation", "write_batch")]
        )) >= 1.0
    );

    // Without the Backbone a sync fails, and the metrics say so.
    let before_outage = scrape(&a).await;
    backbone.handle.shutdown().await.unwrap();
    let failed = a.send(Method::POST, "/Account/Sync", None).await;
    assert!(failed.status().is_server_error(), "{}", failed.status());
    let outage = scrape(&a).await;
    let moved = |f: &dyn Fn(&Scrape) -> f64| f(&outage) - f(&before_outage);
    assert!(moved(&|s| counter(s, "connector_syncs_total", &[("outcome", "failure")])) >= 1.0);
    assert!(
        moved(&|s| counter(
            s,
            "connector_backbone_request_errors_total",
            &[("kind", "unreachable")]
        )) >= 1.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_can_be_turned_off() {
    let backbone = Backbone::start().await;
    let peer = Peer::start_with(&backbone, |cfg| {
        cfg["infrastructure"]["httpServer"]["metrics"] = json!({"enabled": false});
    })
    .await;
    let resp = peer
        .http
        .get(metrics_url(&peer))
        .header("X-API-KEY", API_KEY)
        .send()
        .await
        .unwrap();
    common::error_of(resp, 404, "error.connector.http.routeDoesNotExist").await;
}
