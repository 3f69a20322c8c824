//! Transport's metrics: Backbone calls (latency, errors) and syncs (runs, external events),
//! recorded through the `metrics` facade. Labels come from fixed sets (the Consumer API's
//! routes with their ids replaced, the external event types this client knows), so no input
//! can grow the number of series.

use consumer_api::sync::ExternalEvent;

/// Seconds one Backbone call took, until its answer's headers: `method`, `endpoint`.
pub const BACKBONE_DURATION: &str = "connector_backbone_request_duration_seconds";
/// Backbone calls by answer: `method`, `endpoint`, `status` (the HTTP status, or
/// `unreachable` when there was none).
pub const BACKBONE_REQUESTS: &str = "connector_backbone_requests_total";
/// Backbone calls that failed: `method`, `endpoint`, `kind` (`unreachable`, `client` for a
/// 4xx answer, `server` for a 5xx answer).
pub const BACKBONE_ERRORS: &str = "connector_backbone_request_errors_total";
/// Syncs (`POST /Account/Sync`, the sync module, the event stream): `outcome`.
pub const SYNCS: &str = "connector_syncs_total";
/// Seconds one sync took, all of its runs included.
pub const SYNC_DURATION: &str = "connector_sync_duration_seconds";
/// Sync runs opened on the Backbone.
pub const SYNC_RUNS: &str = "connector_sync_runs_total";
/// External events handled by syncs: `type`, `outcome` (`processed`, `deferred`, `failed`).
pub const SYNCED_EVENTS: &str = "connector_synced_external_events_total";

/// Describes this crate's metrics to the installed recorder.
pub fn describe_metrics() {
    use metrics::{Unit, describe_counter, describe_histogram};
    describe_histogram!(
        BACKBONE_DURATION,
        Unit::Seconds,
        "Duration of one Backbone call"
    );
    describe_counter!(BACKBONE_REQUESTS, "Backbone calls by answer status");
    describe_counter!(
        BACKBONE_ERRORS,
        "Backbone calls that failed: unreachable, 4xx (client) or 5xx (server)"
    );
    describe_counter!(SYNCS, "Syncs with the Backbone by outcome");
    describe_histogram!(
        SYNC_DURATION,
        Unit::Seconds,
        "Duration of one sync, all of its runs included"
    );
    describe_counter!(SYNC_RUNS, "Sync runs opened on the Backbone");
    describe_counter!(
        SYNCED_EVENTS,
        "External events handled by syncs, by type and outcome"
    );
}

pub(crate) fn method_label(method: &reqwest::Method) -> &'static str {
    match *method {
        reqwest::Method::GET => "GET",
        reqwest::Method::POST => "POST",
        reqwest::Method::PUT => "PUT",
        reqwest::Method::DELETE => "DELETE",
        reqwest::Method::PATCH => "PATCH",
        _ => "OTHER",
    }
}

/// The route a Backbone path belongs to: ids (`MSG…`, `SYN…`, a 20-character id with its
/// three-letter prefix) become `{id}` and the query goes, so
/// `/api/v2/Messages/MSGabc…?noBody=true` is `/api/v2/Messages/{id}`.
pub(crate) fn endpoint_label(path: &str) -> String {
    let path = path.split('?').next().unwrap_or_default();
    let mut out = String::with_capacity(path.len());
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        out.push_str(if is_id(segment) { "{id}" } else { segment });
    }
    out
}

fn is_id(segment: &str) -> bool {
    let bytes = segment.as_bytes();
    bytes.len() == 20
        && bytes[..3].iter().all(u8::is_ascii_uppercase)
        && bytes.iter().all(u8::is_ascii_alphanumeric)
}

/// An external event's type, from the fixed list this client knows (`unknown` otherwise).
pub(crate) fn event_type_label(event: &ExternalEvent) -> &'static str {
    event
        .event
        .kind()
        .map_or("unknown", consumer_api::sync::ExternalEventType::as_str)
}

#[cfg(test)]
mod tests {
    use super::endpoint_label;

    #[test]
    fn ids_and_queries_leave_the_endpoint() {
        let cases = [
            (
                "/api/v2/Messages/MSGabcdefghij0123456?noBody=true",
                "/api/v2/Messages/{id}",
            ),
            (
                "/api/v2/SyncRuns/SYNabcdefghij0123456/ExternalEvents",
                "/api/v2/SyncRuns/{id}/ExternalEvents",
            ),
            (
                "/api/v2/Relationships/CanCreate?peer=did:e:x:dids:1",
                "/api/v2/Relationships/CanCreate",
            ),
            (
                "/api/v2/Relationships/RELabcdefghij0123456/Accept",
                "/api/v2/Relationships/{id}/Accept",
            ),
            ("/connect/token", "/connect/token"),
            (
                "/api/v2/Identities/Self/DeletionProcesses",
                "/api/v2/Identities/Self/DeletionProcesses",
            ),
        ];
        for (path, endpoint) in cases {
            assert_eq!(endpoint_label(path), endpoint, "{path}");
        }
    }
}
