//! The official `@nmshd/transport` 7.0.0 runs unchanged against our Backbone: the Node script in
//! `interop/transport/e2e.mjs` walks two-to-four identities through templates, tokens,
//! relationships, messages, files and sync, asserting as it goes.
//!
//! Needs Node 20+ and `npm ci` in `interop/`.

mod common;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

fn interop_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../interop")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_transport_runs_against_the_local_backbone() {
    let interop = interop_dir();
    assert!(
        interop
            .join("node_modules/@nmshd/transport/package.json")
            .exists(),
        "the interop test needs the official npm packages: run `npm ci` in {} first",
        interop.display()
    );
    let harness = common::start(backbone::Config::default()).await;
    let child = tokio::process::Command::new("node")
        .arg(interop.join("transport/e2e.mjs"))
        .arg(&harness.url)
        .current_dir(&interop)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node must be installed (Node 20 or newer)");
    let output = tokio::time::timeout(Duration::from_secs(300), child.wait_with_output())
        .await
        .expect("the transport script finishes within 5 minutes")
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let result = stdout
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .unwrap_or_else(|| panic!("transport script failed\nstdout:\n{stdout}\nstderr:\n{stderr}"));
    let result: serde_json::Value = serde_json::from_str(result).expect("RESULT is JSON");
    assert!(output.status.success());
    assert_eq!(result["ok"], true);
    let steps: Vec<&str> = result["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter_map(|s| s.as_str())
        .collect();
    assert_eq!(
        steps,
        [
            "identities",
            "template+token",
            "load template via token",
            "allocation exhausted",
            "request+accept",
            "message with attachment to A, file download",
            "message to B",
            "password-protected template",
            "reject",
            "revoke",
            "terminate+reactivate",
            "decompose",
            "final sync"
        ]
    );
    assert_eq!(result["downloadedFile"], "hello file from the interop test");
    for address in result["addresses"].as_array().expect("addresses") {
        assert!(
            address
                .as_str()
                .is_some_and(|a| a.starts_with("did:e:localhost:dids:"))
        );
    }
    harness.handle.shutdown().await.expect("clean shutdown");
}
