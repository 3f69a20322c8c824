//! The real `connector` binary as a child process on a data folder, for tests that kill it
//! (SIGKILL) and start it again on the same folder.

use super::API_KEY;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Long enough for a start on a busy machine; a hang fails instead of blocking.
pub const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A started binary: the process, its log file and its base URL (`http://127.0.0.1:PORT`).
pub struct Spawned {
    pub child: Process,
    pub log: PathBuf,
    pub base_url: String,
}

/// Starts `connector start --config CONFIG` in `dir` on a free port, logging to
/// `dir/connector-N.log`, and waits until it answers an authenticated request.
pub async fn spawn(bin: &str, dir: &Path, config: &Path, n: usize) -> Spawned {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log = dir.join(format!("connector-{n}.log"));
    let out = std::fs::File::create(&log).unwrap();
    let mut child = Command::new(bin)
        .arg("start")
        .arg("--config")
        .arg(config)
        .arg(format!("--infrastructure:httpServer:port={port}"))
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .stdout(Stdio::from(out.try_clone().unwrap()))
        .stderr(Stdio::from(out))
        .spawn()
        .unwrap();
    let base_url = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let probe_url = format!("{base_url}/api/core/v1/Account/IdentityInfo");
    let ready = async {
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("the connector exited with {status}:\n{}", read_log(&log));
            }
            let probe = http
                .get(&probe_url)
                .header("X-API-KEY", API_KEY)
                .send()
                .await;
            if probe.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    if tokio::time::timeout(START_TIMEOUT, ready).await.is_err() {
        panic!("the connector did not become ready:\n{}", read_log(&log));
    }
    Spawned {
        child: Process(child),
        log,
        base_url,
    }
}

/// A child process that is killed when it goes out of scope, also when a test or bench fails
/// on the way: a `Child` left alone keeps running after its parent exits.
pub struct Process(pub Child);

impl std::ops::Deref for Process {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for Process {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        // Both fail harmlessly for a process already ended and reaped.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A field of `/proc/PID/status` in KiB (`VmRSS:`, `VmHWM:`), `None` once the process is gone.
pub fn status_kib(pid: u32, field: &str) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

pub fn read_log(log: &Path) -> String {
    std::fs::read_to_string(log).unwrap_or_default()
}
