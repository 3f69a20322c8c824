//! What a module did, for `connector module run`: every log line, HTTP request, API call and
//! broker publish, in order, with the answer the module got. In a dry run, HTTP requests and
//! broker publishes stop here once the grant check passed and get a stub answer, so a module
//! can be tried without the systems it talks to.

use serde::Serialize;
use std::sync::Mutex;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Action {
    Log {
        level: String,
        message: String,
    },
    Http {
        method: String,
        url: String,
        body: String,
        outcome: String,
    },
    Api {
        method: String,
        path: String,
        body: Option<String>,
        outcome: String,
    },
    Broker {
        broker: String,
        namespace: String,
        payload: String,
        outcome: String,
    },
}

#[derive(Debug, Default)]
pub struct Recorder {
    /// Keep HTTP requests and broker publishes in the host instead of sending them.
    pub dry_run: bool,
    actions: Mutex<Vec<Action>>,
}

impl Recorder {
    pub fn new(dry_run: bool) -> Self {
        Self {
            dry_run,
            actions: Mutex::default(),
        }
    }

    pub fn push(&self, action: Action) {
        self.actions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(action);
    }

    /// Everything recorded so far, in order.
    pub fn actions(&self) -> Vec<Action> {
        self.actions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// How a call ended, as one line: the status, or the error the module saw.
pub fn outcome<T>(result: &Result<T, String>, status: impl Fn(&T) -> String) -> String {
    match result {
        Ok(value) => status(value),
        Err(error) => format!("error: {error}"),
    }
}
