//! Log output: readable lines by default, one JSON object a line when configured. The request
//! span carries the correlation id, so every line logged while serving a request names it.

use crate::config::{LogFormat, LoggingConfig};
use tracing_subscriber::EnvFilter;

pub fn init(config: &LoggingConfig) {
    // RUST_LOG wins for debugging; otherwise the configured level for our crates.
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        let level = config.effective_level();
        EnvFilter::new(format!(
            "warn,connector={level},store={level},module_host={level},backbone={level}"
        ))
    });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
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
