//! Log output: readable lines by default, one JSON object a line when configured. The request
//! span carries the correlation id, so every line logged while serving a request names it.
//! Values travel as structured fields, never inside the message; secrets (API keys, the
//! key-encryption key, device credentials) are never logged.

use crate::config::{LogFormat, LoggingConfig};
use tracing_subscriber::EnvFilter;

/// Every target of this Connector that logs at the configured level: the host, each crate it
/// is built from, and `module`, the target modules write to through their `log` capability.
/// Everything else (dependencies) logs warnings only.
pub const TARGETS: &[&str] = &[
    "connector",
    "transport",
    "wire",
    "store",
    "backbone",
    "module_host",
    "module",
];

/// The filter directives for `level` when `RUST_LOG` is not set.
pub fn default_directives(level: &str) -> String {
    let mut directives = String::from("warn");
    for target in TARGETS {
        directives.push_str(&format!(",{target}={level}"));
    }
    directives
}

pub fn init(config: &LoggingConfig) {
    // RUST_LOG wins for debugging; otherwise the configured level for our crates.
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(default_directives(&config.effective_level())));
    // Colours only for a terminal: piped into a file or a log collector they are noise.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stdout);
    let _ = match config.effective_format() {
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// Collects what the subscriber writes.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn captured(level: &str, emit: impl FnOnce()) -> String {
        let out = Captured::default();
        let writer = out.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(EnvFilter::new(default_directives(level)))
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::with_default(subscriber, emit);
        String::from_utf8(out.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn our_targets_log_at_the_configured_level_and_dependencies_only_warn() {
        let out = captured("info", || {
            tracing::info!(target: "transport", seq = 1, "from transport");
            tracing::info!(target: "transport::sync", "from transport's sync");
            tracing::info!(target: "wire", "from wire");
            tracing::info!(target: "store::sqlite", "from store");
            tracing::info!(target: "module_host::delivery", "from the module host");
            tracing::info!(target: "module", module = "webhooks", "from a module");
            tracing::info!(target: "connector::http", "from the host");
            tracing::debug!(target: "transport", "debug is below info");
            tracing::info!(target: "hyper", "a dependency's info");
            tracing::warn!(target: "hyper", "a dependency's warning");
        });
        for line in [
            "from transport",
            "from transport's sync",
            "from wire",
            "from store",
            "from the module host",
            "from a module",
            "from the host",
            "a dependency's warning",
        ] {
            assert!(out.contains(line), "{line} missing:\n{out}");
        }
        assert!(out.contains("seq=1"), "fields stay structured:\n{out}");
        assert!(out.contains("module=\"webhooks\""), "{out}");
        assert!(!out.contains("debug is below info"), "{out}");
        assert!(!out.contains("a dependency's info"), "{out}");

        let debug = captured(
            "debug",
            || tracing::debug!(target: "module", "a module's debug line"),
        );
        assert!(debug.contains("a module's debug line"), "{debug}");
    }
}
