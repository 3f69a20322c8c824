//! The official sync module: syncs at start, then `interval` seconds (default 60) after each
//! sync finishes, through the Connector's own `POST /api/core/v1/Account/Sync`.

use module_sdk::official::sync::Config;
use module_sdk::{Module, ModuleError, Schedule, api, config, export_module};
use serde_json::Value;

struct Sync;

impl Module for Sync {
    fn schedule() -> Option<Schedule> {
        let settings: Value = config::all().unwrap_or(Value::Null);
        let interval = Config::from_value(&settings)
            .map(|c| c.interval)
            .unwrap_or(60);
        Some(Schedule {
            every_ms: interval.saturating_mul(1000),
            run_at_start: true,
        })
    }

    fn on_tick() -> Result<(), ModuleError> {
        api::post("/api/core/v1/Account/Sync", None)
            .map(|_| ())
            .map_err(|e| ModuleError::retryable(format!("sync failed: {e}")))
    }
}

export_module!(Sync, grants: { api: ["core:account"] });
