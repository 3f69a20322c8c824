//! The official webhooks module, configured exactly as the official one
//! (`targets`, `webhooks[{triggers, target}]`, `skipTlsCheck`).
//!
//! For each event and each webhook whose triggers match, it POSTs
//! `{"trigger": <event name>, "data": <event data>}` to the target URL (`{{trigger}}` replaced
//! by the event name), with the target's headers, `x-correlation-id` and the configured
//! authentication. Unlike the official module it does not drop events: a target that is down,
//! times out or answers 5xx/429 makes the event retryable, and the host retries it.

mod oauth;

use module_sdk::http::Request;
use module_sdk::official::webhooks::{Authentication, Config, ResolvedWebhook};
use module_sdk::progress::Progress;
use module_sdk::{Event, Module, ModuleError, config, export_module, log, pattern};
use serde_json::{Map, Value};

struct Webhooks;

fn webhooks() -> Result<Vec<ResolvedWebhook>, ModuleError> {
    let settings: Value = config::all().map_err(ModuleError::fatal)?;
    Config::from_value(&settings)
        .and_then(|c| c.resolve())
        .map_err(ModuleError::fatal)
}

impl Module for Webhooks {
    fn events() -> Vec<String> {
        let mut triggers: Vec<String> = webhooks()
            .unwrap_or_default()
            .into_iter()
            .flat_map(|w| w.triggers)
            .collect();
        triggers.sort();
        triggers.dedup();
        triggers
    }

    fn on_event(event: Event) -> Result<(), ModuleError> {
        let matching: Vec<ResolvedWebhook> = webhooks()?
            .into_iter()
            .filter(|w| pattern::matches_any(&w.triggers, &event.namespace))
            .collect();
        let mut body = Map::new();
        body.insert("trigger".into(), Value::String(event.namespace.clone()));
        if let Some(data) = &event.data {
            body.insert("data".into(), data.clone());
        }
        let body = Value::Object(body);
        let mut progress = Progress::load(event.seq, matching.len() as u32);
        for (index, webhook) in matching.iter().enumerate() {
            let step = index as u32;
            if progress.is_done(step) {
                continue;
            }
            post(webhook, &event, &body)?;
            progress.mark(step);
        }
        Ok(())
    }
}

fn post(webhook: &ResolvedWebhook, event: &Event, body: &Value) -> Result<(), ModuleError> {
    let url = webhook.url_for(&event.namespace);
    let mut request = Request::post(&url).json(body).map_err(ModuleError::fatal)?;
    for (name, value) in &webhook.headers {
        request = request.header(name, value);
    }
    if let Some(correlation_id) = &event.correlation_id {
        request = request.header("x-correlation-id", correlation_id);
    }
    match &webhook.authentication {
        Some(Authentication::ApiKey {
            api_key,
            header_name,
        }) => request = request.header(header_name, api_key),
        Some(auth @ Authentication::OAuth2 { .. }) => {
            request = request.header("authorization", &format!("Bearer {}", oauth::token(auth)?));
        }
        None => {}
    }
    let response = request
        .send()
        .map_err(|e| ModuleError::retryable(format!("POST {url}: {e}")))?;
    match response.status {
        200..=299 => Ok(()),
        401 if matches!(webhook.authentication, Some(Authentication::OAuth2 { .. })) => {
            oauth::forget(webhook.authentication.as_ref());
            Err(ModuleError::retryable(format!(
                "POST {url}: 401, token refreshed for the next attempt"
            )))
        }
        408 | 429 | 500..=599 => Err(ModuleError::retryable(format!(
            "POST {url}: status {}",
            response.status
        ))),
        status => {
            // The target received the event and refused it; sending it again would not help.
            log::warn(&format!(
                "webhook target {url} answered {status} for {}",
                event.namespace
            ));
            Ok(())
        }
    }
}

export_module!(Webhooks);
