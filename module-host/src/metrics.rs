//! The module host's metrics, recorded through the `metrics` facade by the delivery tasks:
//! deliveries, retries, dead letters and the time each call into a module takes, labelled by
//! module name (a configured, bounded set).

/// Events a module handled successfully: `module`.
pub const DELIVERIES: &str = "connector_module_deliveries_total";
/// Failed calls that are tried again (`retryable` answers, traps below `maxAttempts`): `module`.
pub const RETRIES: &str = "connector_module_delivery_retries_total";
/// Events given up and kept as dead letters: `module`.
pub const DEAD_LETTERS: &str = "connector_module_dead_letters_total";
/// Seconds one call into a module took, instantiation included: `module`, `call`
/// (`on-event` or `on-tick`), `outcome` (`ok` or `error`).
pub const CALL_DURATION: &str = "connector_module_call_duration_seconds";

/// Describes this crate's metrics to the installed recorder.
pub fn describe_metrics() {
    use metrics::{Unit, describe_counter, describe_histogram};
    describe_counter!(DELIVERIES, "Events a module handled successfully");
    describe_counter!(RETRIES, "Failed deliveries that are tried again");
    describe_counter!(DEAD_LETTERS, "Events kept as dead letters");
    describe_histogram!(
        CALL_DURATION,
        Unit::Seconds,
        "Duration of one call into a module, instantiation included"
    );
}

pub(crate) fn call_time(module: &str, call: &'static str, ok: bool, seconds: f64) {
    let outcome = if ok { "ok" } else { "error" };
    metrics::histogram!(CALL_DURATION, "module" => module.to_owned(), "call" => call, "outcome" => outcome)
        .record(seconds);
}

pub(crate) fn count(name: &'static str, module: &str) {
    metrics::counter!(name, "module" => module.to_owned()).increment(1);
}
