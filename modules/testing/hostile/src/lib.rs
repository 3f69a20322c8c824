//! A module that misbehaves on every event, for the host's containment tests. `mode`:
//! `loop` spins forever, `oom` allocates until it dies, `panic` panics, `sleep` blocks in a
//! host call (a WASI sleep) past any budget, `noop` behaves (a baseline for benchmarks),
//! `forbidden` tries every import it was not
//! granted and fails if any succeeds, `once` refuses each event the first time it sees it and
//! takes it the second time, recording each taken event as identity metadata of the own
//! identity (key `taken:<namespace>`; needs the `core:account` and `core:identityMetadata`
//! scopes), where a test can see it.

use module_sdk::http::Request;
use module_sdk::{Event, Module, ModuleError, api, broker, config, export_module, kv};

struct Hostile;

impl Module for Hostile {
    fn events() -> Vec<String> {
        vec!["**".into()]
    }

    fn on_event(event: Event) -> Result<(), ModuleError> {
        let mode: String = config::get("mode").ok().flatten().unwrap_or_default();
        match mode.as_str() {
            "loop" => {
                let mut x: u64 = event.seq;
                loop {
                    x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
                }
            }
            "oom" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1u8; 1 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            "noop" => Ok(()),
            "once" => {
                let key = format!("seen:{}", event.seq);
                if kv::get(&key).map_err(ModuleError::retryable)?.is_none() {
                    kv::set(&key, b"1").map_err(ModuleError::retryable)?;
                    return Err(ModuleError::fatal(format!(
                        "refusing event {} once",
                        event.seq
                    )));
                }
                let me = api::get("/api/core/v1/Account/IdentityInfo")
                    .map_err(|e| ModuleError::retryable(e.to_string()))?;
                let body = module_sdk::serde_json::json!({
                    "reference": me["address"],
                    "key": format!("taken:{}", event.namespace),
                    "value": event.seq,
                });
                api::put("/api/core/v1/IdentityMetadata", Some(&body))
                    .map_err(|e| ModuleError::retryable(e.to_string()))?;
                Ok(())
            }
            "panic" => panic!("hostile module panics on event {}", event.seq),
            "sleep" => {
                std::thread::sleep(std::time::Duration::from_secs(3600));
                Ok(())
            }
            "forbidden" => {
                let mut leaks = Vec::new();
                if Request::get("http://127.0.0.1:1/").send().is_ok() {
                    leaks.push("http");
                }
                if api::get("/api/core/v1/Account/IdentityInfo").is_ok() {
                    leaks.push("api");
                }
                if broker::publish("0", "x.y", b"{}").is_ok() || !broker::brokers().is_empty() {
                    leaks.push("broker");
                }
                if kv::get("../other/key").is_ok_and(|v| v.is_some()) {
                    leaks.push("kv");
                }
                if leaks.is_empty() {
                    Ok(())
                } else {
                    Err(ModuleError::fatal(format!("granted: {leaks:?}")))
                }
            }
            other => Err(ModuleError::fatal(format!("unknown mode '{other}'"))),
        }
    }
}

export_module!(Hostile);
