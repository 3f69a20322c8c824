//! `log`: module messages go to the Connector's log, tagged with the module's name.
//! A module cannot flood the log with one huge line: messages are cut at 8 KiB.

use super::record::{Action, Recorder};
use std::sync::Arc;

const MAX_MESSAGE: usize = 8 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

pub struct LogCapability {
    module: String,
    recorder: Option<Arc<Recorder>>,
}

impl LogCapability {
    pub fn new(module: &str, recorder: Option<Arc<Recorder>>) -> Self {
        Self {
            module: module.to_owned(),
            recorder,
        }
    }

    pub fn log(&self, level: Level, message: &str) {
        let message = truncate(message, MAX_MESSAGE);
        if let Some(recorder) = &self.recorder {
            recorder.push(Action::Log {
                level: format!("{level:?}").to_lowercase(),
                message: message.to_owned(),
            });
        }
        let module = self.module.as_str();
        match level {
            Level::Trace => tracing::trace!(target: "module", module, "{message}"),
            Level::Debug => tracing::debug!(target: "module", module, "{message}"),
            Level::Info => tracing::info!(target: "module", module, "{message}"),
            Level::Warn => tracing::warn!(target: "module", module, "{message}"),
            Level::Error => tracing::error!(target: "module", module, "{message}"),
        }
    }
}

/// Cuts at a char boundary at or below `max` bytes.
pub fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    #[test]
    fn truncate_respects_char_boundaries() {
        assert_eq!(super::truncate("äää", 3), "ä");
        assert_eq!(super::truncate("abc", 10), "abc");
    }
}
