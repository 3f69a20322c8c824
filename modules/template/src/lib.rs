//! A starting point for a Connector module: `connector module new NAME` writes this file,
//! renamed, into a new crate. Replace `on_event` with your own logic. As it stands, it logs
//! every message received and counts them in the module's key-value store.

use module_sdk::{Event, Module, ModuleError, events::names, export_module, kv, log};

struct Template;

impl Module for Template {
    fn events() -> Vec<String> {
        vec![names::MESSAGE_RECEIVED.into()]
    }

    fn on_event(event: Event) -> Result<(), ModuleError> {
        let count = kv::get("received")
            .map_err(ModuleError::retryable)?
            .and_then(|bytes| String::from_utf8(bytes).ok()?.parse::<u64>().ok())
            .unwrap_or(0)
            + 1;
        kv::set("received", count.to_string().as_bytes()).map_err(ModuleError::retryable)?;
        log::info(&format!("message #{count} received (event {})", event.seq));
        Ok(())
    }
}

export_module!(Template);
