//! Property-based testing of the whole API document: schemathesis (pinned in
//! `schemathesis/requirements.txt`, installed by `scripts/test.sh`) reads `/docs/json` of a real
//! Connector on a local Backbone and sends generated requests to every operation, authenticated
//! with an API key. No answer may be a 5xx, and every answer must conform to the schema the
//! document gives it. Bounded: a fixed number of examples per operation, a fixed seed and a hard
//! time limit.

mod common;

use std::path::PathBuf;
use std::time::Duration;

/// Generated test cases per operation and phase.
const EXAMPLES_PER_OPERATION: &str = "15";
const SEED: &str = "20261130";
/// The whole run must end well within this; past it the run is killed and the test fails.
const TIME_LIMIT: Duration = Duration::from_secs(240);

/// The schemathesis CLI: `$SCHEMATHESIS`, else the venv `scripts/test.sh` creates in the build
/// cache, else `schemathesis` on the `PATH`. Missing is a failure, never a skip.
fn schemathesis() -> PathBuf {
    if let Some(path) = std::env::var_os("SCHEMATHESIS") {
        return PathBuf::from(path);
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        let venv = PathBuf::from(target).join("schemathesis-venv/bin/schemathesis");
        if venv.exists() {
            return venv;
        }
    }
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|dir| dir.join("schemathesis"))
        .find(|p| p.exists());
    on_path.unwrap_or_else(|| {
        panic!(
            "schemathesis is needed for this test and was not found (set SCHEMATHESIS, or run \
             scripts/test.sh, which installs the pinned version into $CARGO_TARGET_DIR/schemathesis-venv: \
             python3 -m venv $CARGO_TARGET_DIR/schemathesis-venv && \
             $CARGO_TARGET_DIR/schemathesis-venv/bin/pip install -r schemathesis/requirements.txt)"
        )
    })
}

/// The number of requests the run sent, from its NDJSON event report: every scenario event
/// carries its recorded interactions.
fn requests_sent(ndjson: &str) -> usize {
    ndjson
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .map(|event| count_interactions(&event))
        .sum()
}

fn count_interactions(value: &serde_json::Value) -> usize {
    match value {
        serde_json::Value::Object(map) => map
            .iter()
            .map(|(k, v)| match (k.as_str(), v) {
                ("interactions", serde_json::Value::Array(list)) => list.len(),
                ("interactions", serde_json::Value::Object(map)) => map.len(),
                _ => count_interactions(v),
            })
            .sum(),
        serde_json::Value::Array(list) => list.iter().map(count_interactions).sum(),
        _ => 0,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_requests_get_no_5xx_and_conform_to_the_document() {
    let cli = schemathesis();
    let c = common::Running::start_with(common::with_docs).await;
    let base = c.connector.base_url();
    let reports = tempfile::tempdir().unwrap();
    let ndjson = reports.path().join("events.ndjson");

    let mut run = tokio::process::Command::new(&cli);
    run.arg("run")
        .arg(format!("{base}/docs/json"))
        .args(["--url", &base])
        .args(["--header", &format!("X-API-KEY:{}", common::API_KEY)])
        .args(["--checks", "not_a_server_error,response_schema_conformance"])
        // The coverage phase of this schemathesis version fails now and then with an internal
        // KeyError while walking schemas (an error of the tool, not a finding), so it is left out.
        .args(["--phases", "examples,fuzzing"])
        .args(["--max-examples", EXAMPLES_PER_OPERATION])
        .args(["--seed", SEED])
        .args(["--workers", "2"])
        .args(["--request-timeout", "20"])
        .arg("--no-shrink")
        .arg("--continue-on-failure")
        .args(["--report", "ndjson"])
        .arg("--report-ndjson-path")
        .arg(&ndjson)
        .args(["--output-truncate", "true"])
        .current_dir(reports.path())
        .env("NO_COLOR", "1")
        .kill_on_drop(true);
    let out = tokio::time::timeout(TIME_LIMIT, run.output())
        .await
        .unwrap_or_else(|_| panic!("schemathesis ran longer than {TIME_LIMIT:?}; killed"))
        .unwrap_or_else(|e| panic!("{} could not start: {e}", cli.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}\n{stderr}");

    let events = std::fs::read_to_string(&ndjson)
        .unwrap_or_else(|e| panic!("no event report at {}: {e}", ndjson.display()));
    let sent = requests_sent(&events);
    println!("schemathesis sent {sent} generated requests");
    assert!(sent > 0, "schemathesis sent no request");
    assert!(
        out.status.success(),
        "schemathesis found failures (exit {:?}); its report is above",
        out.status.code()
    );
}
