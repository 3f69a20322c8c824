//! Module health for `/health` and `/Monitoring`: a module is unhealthy after repeated
//! failures in a row and healthy again after its next success.

use serde::Serialize;
use std::sync::Mutex;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModuleHealth {
    pub name: String,
    /// From the module's `describe`.
    pub version: String,
    pub healthy: bool,
    pub consecutive_failures: u32,
    pub last_error: Option<String>,
    /// Events this module has finished with (sequence number of the last one).
    pub delivered_up_to: u64,
    /// Events in the log this module has not finished yet.
    pub pending: u64,
    /// Events given up on since start (kept in the store's `ModuleDeadLetters`).
    pub dead_letters: u64,
}

#[derive(Debug, Default)]
struct State {
    consecutive_failures: u32,
    last_error: Option<String>,
    delivered_up_to: u64,
    dead_letters: u64,
}

#[derive(Debug)]
pub struct HealthTracker {
    unhealthy_after: u32,
    state: Mutex<State>,
}

impl HealthTracker {
    pub fn new(unhealthy_after: u32) -> Self {
        Self {
            unhealthy_after: unhealthy_after.max(1),
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn success(&self) {
        self.state().consecutive_failures = 0;
    }

    pub fn failure(&self, error: &str) {
        let mut state = self.state();
        state.consecutive_failures = state.consecutive_failures.saturating_add(1);
        state.last_error = Some(error.to_owned());
    }

    /// A problem that is not the module's fault in a call (e.g. a reload that did not compile).
    pub fn note_error(&self, error: &str) {
        self.state().last_error = Some(error.to_owned());
    }

    pub fn dead_letter(&self) {
        self.state().dead_letters += 1;
    }

    pub fn delivered(&self, seq: u64) {
        self.state().delivered_up_to = seq;
    }

    pub fn delivered_up_to(&self) -> u64 {
        self.state().delivered_up_to
    }

    pub fn snapshot(&self, name: &str, version: &str, head: u64) -> ModuleHealth {
        let state = self.state();
        ModuleHealth {
            name: name.to_owned(),
            version: version.to_owned(),
            healthy: state.consecutive_failures < self.unhealthy_after,
            consecutive_failures: state.consecutive_failures,
            last_error: state.last_error.clone(),
            delivered_up_to: state.delivered_up_to,
            pending: head.saturating_sub(state.delivered_up_to),
            dead_letters: state.dead_letters,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::HealthTracker;

    #[test]
    fn unhealthy_after_repeated_failures_until_a_success() {
        let health = HealthTracker::new(3);
        health.failure("a");
        health.failure("b");
        assert!(health.snapshot("m", "1", 0).healthy);
        health.failure("c");
        let snapshot = health.snapshot("m", "1", 0);
        assert!(!snapshot.healthy);
        assert_eq!(snapshot.last_error.as_deref(), Some("c"));
        health.success();
        assert!(health.snapshot("m", "1", 0).healthy);
    }
}
