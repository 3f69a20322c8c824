//! The container image as an operator runs it: built by podman (through `scripts/image.sh`, no
//! registry) from this build's `connector` binary, started with the official environment
//! variables against a local Backbone, healthy by its own HEALTHCHECK, non-root, serving the API
//! with an API key, running a built-in module, stopping cleanly on SIGTERM and keeping its
//! identity in a volume when the container is replaced.
//!
//! Needs podman (scripts/test.sh installs it); without it this test fails, it never skips.

mod common;

use common::{API_KEY, Backbone};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_connector");

/// Long enough for a start (identity creation) on a busy two-core machine.
const START_TIMEOUT: Duration = Duration::from_secs(90);
/// `podman stop` waits this long for the exit before it sends SIGKILL.
const STOP_TIMEOUT_S: u64 = 20;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The cargo target directory this binary was built in (`<target>/debug/connector`), where
/// `scripts/image.sh` keeps its podman store and base image.
fn target_dir() -> PathBuf {
    Path::new(BIN)
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .to_path_buf()
}

/// Runs `scripts/image.sh ARGS` (podman with the project's settings and store).
async fn image_sh(args: &[&str]) -> Output {
    let run = tokio::process::Command::new(repo_root().join("scripts/image.sh"))
        .args(args)
        .env("CARGO_TARGET_DIR", target_dir())
        .kill_on_drop(true)
        .output();
    match tokio::time::timeout(Duration::from_secs(600), run).await {
        Ok(out) => out.unwrap(),
        Err(_) => panic!("scripts/image.sh {args:?} did not finish in 10 minutes"),
    }
}

/// `podman ARGS` that must succeed; its stdout, trimmed.
async fn podman(args: &[&str]) -> String {
    let mut all = vec!["podman"];
    all.extend_from_slice(args);
    let out = image_sh(&all).await;
    assert!(
        out.status.success(),
        "podman {args:?} failed ({}); podman is required, scripts/test.sh installs it:\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Removes what the test made in podman's store, also when an assertion fails half-way.
struct Cleanup {
    containers: Vec<String>,
    volume: String,
    image: String,
}

impl Cleanup {
    fn remove_all(&self) {
        let script = repo_root().join("scripts/image.sh");
        let run = |args: &[&str]| {
            let _ = std::process::Command::new(&script)
                .arg("podman")
                .args(args)
                .env("CARGO_TARGET_DIR", target_dir())
                .output();
        };
        for c in &self.containers {
            run(&["rm", "--force", "--time", "0", c]);
        }
        run(&["volume", "rm", "--force", &self.volume]);
        run(&["rmi", "--force", &self.image]);
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        self.remove_all();
    }
}

/// Starts a container of `image` on the host's network (the Backbone listens on loopback) with
/// the official environment variables and `volume` as its data folder.
async fn run_container(name: &str, image: &str, volume: &str, backbone: &str, port: u16) {
    let mut args: Vec<String> = [
        "run",
        "--detach",
        "--name",
        name,
        "--network",
        "host",
        "--volume",
        &format!("{volume}:/usr/app/data"),
    ]
    .map(String::from)
    .to_vec();
    for env in [
        format!("transportLibrary__baseUrl={backbone}"),
        "transportLibrary__platformClientId=test".into(),
        "transportLibrary__platformClientSecret=test".into(),
        format!("infrastructure__httpServer__port={port}"),
        format!("infrastructure__httpServer__authentication__apiKey__keys__default__key={API_KEY}"),
        "modules__sync__enabled=true".into(),
    ] {
        args.push("--env".into());
        args.push(env);
    }
    args.push(image.into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    podman(&args).await;
}

/// Runs the image's HEALTHCHECK command until it passes; fails with the container's log when
/// the container exits or stays unhealthy.
async fn wait_healthy(name: &str) {
    let started = Instant::now();
    loop {
        let check = image_sh(&["podman", "healthcheck", "run", name]).await;
        if check.status.success() {
            return;
        }
        let state = podman(&["inspect", "--format", "{{.State.Status}}", name]).await;
        if state != "running" || started.elapsed() > START_TIMEOUT {
            panic!(
                "the container is {state}, not healthy:\n{}",
                logs(name).await
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn logs(name: &str) -> String {
    let out = image_sh(&["podman", "logs", name]).await;
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `/proc/1/status` of the container: the connector is its first process.
async fn process_status(name: &str) -> String {
    podman(&["exec", name, "cat", "/proc/1/status"]).await
}

fn status_field<'a>(status: &'a str, field: &str) -> &'a str {
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .unwrap_or_else(|| panic!("{field} in {status}"))
        .trim()
}

async fn identity_address(http: &reqwest::Client, base: &str) -> String {
    let resp = http
        .get(format!("{base}/api/core/v1/Account/IdentityInfo"))
        .header("X-API-KEY", API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    body["result"]["address"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_image_runs_the_connector_as_an_operator_would() {
    let backbone = Backbone::start().await;
    let suffix = std::process::id();
    let image = format!("localhost/enmeshed-connector/connector:test-{suffix}");
    let first = format!("connector-test-{suffix}-1");
    let second = format!("connector-test-{suffix}-2");
    let volume = format!("connector-test-{suffix}-data");
    let cleanup = Cleanup {
        containers: vec![first.clone(), second.clone()],
        volume: volume.clone(),
        image: image.clone(),
    };
    // Left over by an earlier run of the same process id that was killed.
    cleanup.remove_all();

    let built = image_sh(&["prebuilt", BIN, &image]).await;
    assert!(
        built.status.success(),
        "building the image failed ({}); podman and debootstrap are required, scripts/test.sh \
         installs them:\n{}{}",
        built.status,
        String::from_utf8_lossy(&built.stdout),
        String::from_utf8_lossy(&built.stderr)
    );
    let size = podman(&["image", "inspect", "--format", "{{.Size}}", &image]).await;
    eprintln!("image {image}: {size} bytes");

    podman(&["volume", "create", &volume]).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();

    run_container(&first, &image, &volume, &backbone.base_url(), port).await;
    wait_healthy(&first).await;

    // Not root, yet allowed to bind port 80 (the official default) through the binary's file
    // capability: bit 10 is CAP_NET_BIND_SERVICE.
    let status = process_status(&first).await;
    let uids: Vec<&str> = status_field(&status, "Uid:").split_whitespace().collect();
    assert!(uids.iter().all(|uid| *uid != "0"), "runs as root: {status}");
    let effective = u64::from_str_radix(status_field(&status, "CapEff:"), 16).unwrap();
    assert_ne!(
        effective & (1 << 10),
        0,
        "no CAP_NET_BIND_SERVICE: {status}"
    );

    // The API answers with the key from the environment, and only with it.
    let address = identity_address(&http, &base).await;
    let anonymous = http
        .get(format!("{base}/api/core/v1/Account/IdentityInfo"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);

    // The built-in sync module is loaded, healthy, and has run: it syncs once at start.
    let health: Value = http
        .get(format!("{base}/health"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let modules = health["modules"].as_array().unwrap();
    assert!(
        modules
            .iter()
            .any(|m| m["name"] == "sync" && m["healthy"] == true),
        "{health}"
    );
    let synced = async {
        loop {
            let info: Value = http
                .get(format!("{base}/api/core/v1/Account/SyncInfo"))
                .header("X-API-KEY", API_KEY)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if info["result"]["lastSyncRun"].is_object() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    if tokio::time::timeout(Duration::from_secs(30), synced)
        .await
        .is_err()
    {
        panic!("the sync module did not sync:\n{}", logs(&first).await);
    }

    // SIGTERM: a clean exit well before podman would resort to SIGKILL.
    let stopping = Instant::now();
    podman(&["stop", "--time", &STOP_TIMEOUT_S.to_string(), &first]).await;
    let took = stopping.elapsed();
    let exit = podman(&["inspect", "--format", "{{.State.ExitCode}}", &first]).await;
    let log = logs(&first).await;
    assert_eq!(exit, "0", "exit code after SIGTERM:\n{log}");
    assert!(
        took < Duration::from_secs(STOP_TIMEOUT_S),
        "stopping took {took:?}, podman killed it:\n{log}"
    );

    // A new container on the same volume is the same identity: the data lives in the volume.
    podman(&["rm", &first]).await;
    run_container(&second, &image, &volume, &backbone.base_url(), port).await;
    wait_healthy(&second).await;
    assert_eq!(identity_address(&http, &base).await, address);
    podman(&["stop", "--time", &STOP_TIMEOUT_S.to_string(), &second]).await;
}
