//! An example of business logic on Requests, as a module: when a Request arrives
//! (`consumption.incomingRequestReceived`), it answers every item it can from its configuration
//! and accepts the request through the Connector's API; a request with an item it cannot
//! answer, and must, is left to a person.
//!
//! Configuration (besides `location` and `grants`, which need `grants.api.scopes: ["core:requests"]`):
//! - `acceptFrom`: the peers whose requests it answers (all if missing);
//! - `answers`: a value per identity attribute type, e.g. `{"GivenName": "Support"}`, used for
//!   `ReadAttributeRequestItem`s with an `IdentityAttributeQuery` of that type.
//!
//! Consent, authentication, create and share items are accepted; form fields, proposals,
//! deletions, file transfers and other queries are not answered (declined when optional).

use module_sdk::events::{RuntimeEvent, names};
use module_sdk::{Event, Module, ModuleError, api, config, export_module, log};
use serde::Deserialize;
use serde_json::{Map, Value, json};

struct RequestAcceptor;

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    accept_from: Option<Vec<String>>,
    #[serde(default)]
    answers: Map<String, Value>,
}

fn settings() -> Result<Settings, ModuleError> {
    let all: Value = config::all().map_err(ModuleError::fatal)?;
    serde_json::from_value(all).map_err(|e| ModuleError::fatal(format!("settings: {e}")))
}

/// The decision for one item, or `None` when it must be accepted and cannot be answered.
fn answer(item: &Value, settings: &Settings) -> Option<Value> {
    let accepted = match item["@type"].as_str() {
        Some(
            "ConsentRequestItem"
            | "AuthenticationRequestItem"
            | "CreateAttributeRequestItem"
            | "ShareAttributeRequestItem",
        ) => Some(json!({"accept": true})),
        Some("ReadAttributeRequestItem") if item["query"]["@type"] == "IdentityAttributeQuery" => {
            let value_type = item["query"]["valueType"].as_str().unwrap_or_default();
            settings.answers.get(value_type).map(|value| {
                // An empty owner is the responder: the Connector fills in its own address.
                json!({"accept": true, "newAttribute": {
                    "@type": "IdentityAttribute", "owner": "",
                    "value": {"@type": value_type, "value": value}
                }})
            })
        }
        _ => None,
    };
    match accepted {
        Some(decision) => Some(decision),
        None if item["mustBeAccepted"] == true => None,
        None => Some(json!({"accept": false})),
    }
}

/// The decisions for every item and group of a request, or `None` if one cannot be made.
fn decisions(request: &Value, settings: &Settings) -> Option<Vec<Value>> {
    request["content"]["items"]
        .as_array()?
        .iter()
        .map(|entry| {
            if entry["@type"] == "RequestItemGroup" {
                let items = entry["items"].as_array()?;
                let inner: Option<Vec<Value>> = items.iter().map(|i| answer(i, settings)).collect();
                inner.map(|items| json!({"items": items}))
            } else {
                answer(entry, settings)
            }
        })
        .collect()
}

impl Module for RequestAcceptor {
    fn events() -> Vec<String> {
        vec![names::INCOMING_REQUEST_RECEIVED.into()]
    }

    fn on_event(event: Event) -> Result<(), ModuleError> {
        let Some(Ok(RuntimeEvent::IncomingRequestReceived(request))) = event.typed() else {
            return Err(ModuleError::fatal(
                "incomingRequestReceived without a request",
            ));
        };
        let request = serde_json::to_value(&request).map_err(ModuleError::fatal)?;
        let settings = settings()?;
        let id = request["id"].as_str().unwrap_or_default();
        let peer = request["peer"].as_str().unwrap_or_default();
        if let Some(allowed) = &settings.accept_from
            && !allowed.iter().any(|a| a == peer)
        {
            return Ok(());
        }
        let Some(items) = decisions(&request, &settings) else {
            log::info(&format!("request {id} needs a person"));
            return Ok(());
        };
        let path = format!("/api/core/v1/Requests/Incoming/{id}");
        let body = json!({"items": items});
        match api::put(&format!("{path}/CanAccept"), Some(&body)) {
            Ok(verdict) if verdict["isSuccess"] == true => {}
            Ok(verdict) => {
                log::warn(&format!(
                    "request {id} cannot be accepted as configured: {verdict}"
                ));
                return Ok(());
            }
            // Decided meanwhile (by a person or the decider): nothing left to do.
            Err(e) if (400..500).contains(&e.status) => return Ok(()),
            Err(e) => return Err(ModuleError::retryable(format!("checking {id}: {e}"))),
        }
        match api::put(&format!("{path}/Accept"), Some(&body)) {
            Ok(_) => {
                log::info(&format!("accepted request {id} from {peer}"));
                Ok(())
            }
            Err(e) if (400..500).contains(&e.status) => {
                log::warn(&format!("could not accept request {id}: {e}"));
                Ok(())
            }
            Err(e) => Err(ModuleError::retryable(format!("accepting {id}: {e}"))),
        }
    }
}

export_module!(RequestAcceptor, grants: { api: ["core:requests"] });
