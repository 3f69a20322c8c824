//! The decider (`modules.decider.automationConfig`): which incoming requests are decided
//! without a person, and with which answers. Each rule pairs a `requestConfig` (properties the
//! request, or with `content.item.*` keys one of its items, must have) with a
//! `responseConfig` (the decide parameters for what it matches). A request is decided
//! automatically only when every item found an answer; one with a consent or authentication
//! item always waits for a person. The rules are read as the runtime's DeciderModule reads
//! them: keys are dotted paths into the request's DTO (or the item's JSON), arrays mean any
//! of, `…At` keys take `>date` / `<date`, `…tags` need one tag in common, objects compare as
//! their JSON text.

use crate::{Error, Result};
use runtime_types::CoreDate;
use serde::Deserialize;
use serde_json::{Map, Value};

const ITEM_PREFIX: &str = "content.item.";

/// One rule of `automationConfig`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AutomationConfig {
    pub request_config: Map<String, Value>,
    pub response_config: Map<String, Value>,
}

/// The configured rules; none by default, so every request waits for a person.
#[derive(Debug, Clone, Default)]
pub struct Decider {
    rules: Vec<AutomationConfig>,
}

fn accepts(config: &Map<String, Value>) -> bool {
    config.get("accept") == Some(&Value::Bool(true))
}

fn is_general(config: &Map<String, Value>) -> bool {
    !config.keys().any(|k| k.starts_with(ITEM_PREFIX))
}

/// Whether a rule's answer fits what it matches (`validateAutomationConfig`).
fn compatible(rule: &AutomationConfig) -> bool {
    let response = &rule.response_config;
    if response.get("accept") == Some(&Value::Bool(false)) {
        return true;
    }
    let simple_accept = accepts(response) && response.len() == 1;
    if is_general(&rule.request_config) {
        return simple_accept;
    }
    match rule
        .request_config
        .get("content.item.@type")
        .and_then(Value::as_str)
    {
        Some("DeleteAttributeRequestItem") => response.contains_key("deletionDate"),
        Some("ProposeAttributeRequestItem") => response.contains_key("attribute"),
        Some("ReadAttributeRequestItem") => response.contains_key("newAttribute"),
        _ => simple_accept,
    }
}

/// JSON text for objects (and objects in arrays), as the runtime compares them.
fn as_text(value: &Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|i| match i {
                    Value::Object(_) => Value::String(i.to_string()),
                    other => other.clone(),
                })
                .collect(),
        ),
        Value::Object(_) => Value::String(value.to_string()),
        other => other.clone(),
    }
}

fn nested<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .try_fold(value, |current, key| current.get(key))
}

fn date_matches(config: &str, actual: &str) -> bool {
    let at = |s: &str| CoreDate::parse(s);
    let Some(actual) = at(actual) else {
        return false;
    };
    if let Some(bound) = config.strip_prefix('>') {
        return at(bound).is_some_and(|b| actual > b);
    }
    if let Some(bound) = config.strip_prefix('<') {
        return at(bound).is_some_and(|b| actual < b);
    }
    at(config).is_some_and(|b| actual == b)
}

/// `checkCompatibility` of config keys (already without the item prefix) against `target`.
/// `relationship_exists` answers the `relationshipAlreadyExists` key (requests only).
fn matches(config: &Map<String, Value>, target: &Value, relationship_exists: Option<bool>) -> bool {
    for (key, wanted) in config {
        if wanted.is_null() {
            continue;
        }
        if key == "relationshipAlreadyExists" {
            match (wanted.as_bool(), relationship_exists) {
                (Some(wanted), Some(exists)) if wanted == exists => continue,
                _ => return false,
            }
        }
        let Some(actual) = nested(target, key) else {
            return false;
        };
        let wanted = as_text(wanted);
        if key.ends_with("tags")
            && let (Value::Array(wanted), Value::Array(actual)) = (&wanted, actual)
        {
            if !wanted.iter().any(|t| actual.contains(t)) {
                return false;
            }
            continue;
        }
        if key.ends_with("At") {
            let Some(actual) = actual.as_str() else {
                return false;
            };
            let ok = match &wanted {
                Value::String(s) => date_matches(s, actual),
                Value::Array(all) => all
                    .iter()
                    .all(|d| d.as_str().is_some_and(|d| date_matches(d, actual))),
                _ => false,
            };
            if !ok {
                return false;
            }
            continue;
        }
        let actual_text = match actual {
            Value::String(_) => actual.clone(),
            other => as_text(other),
        };
        let ok = match &wanted {
            Value::Array(options) => options.contains(&actual_text),
            single => *single == actual_text,
        };
        if !ok {
            return false;
        }
    }
    true
}

impl Decider {
    /// The rules of a `modules.decider` config section; refuses a rule whose answer does not
    /// fit what it matches, as the runtime refuses to start with it.
    pub fn from_module_config(section: Option<&Value>) -> Result<Self> {
        let Some(rules) = section.and_then(|s| s.get("automationConfig")) else {
            return Ok(Self::default());
        };
        let rules: Vec<AutomationConfig> = serde_json::from_value(rules.clone()).map_err(|e| {
            Error::rule(
                "error.runtime.decide.requestConfigDoesNotMatchResponseConfig",
                format!("modules.decider.automationConfig: {e}"),
            )
        })?;
        if !rules.iter().all(compatible) {
            return Err(Error::rule(
                "error.runtime.decide.requestConfigDoesNotMatchResponseConfig",
                "The RequestConfig does not match the ResponseConfig.",
            ));
        }
        Ok(Self { rules })
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The decide parameters for `request` (its DTO as JSON), if the rules decide every item;
    /// `None` leaves the decision to a person.
    pub(crate) fn decide(&self, request: &Value, relationship_exists: bool) -> Option<Vec<Value>> {
        let items = request["content"]["items"].as_array()?;
        let personal = |item: &Value| {
            matches!(
                item["@type"].as_str(),
                Some("AuthenticationRequestItem" | "ConsentRequestItem")
            )
        };
        let needs_person = items.iter().any(|entry| {
            personal(entry)
                || entry["items"]
                    .as_array()
                    .is_some_and(|inner| inner.iter().any(personal))
        });
        if needs_person || self.rules.is_empty() {
            return None;
        }
        // One slot per item (a list per group), filled by the first rule that fits.
        let mut answers: Vec<Answer> = items
            .iter()
            .map(|entry| match entry["items"].as_array() {
                Some(inner) if entry["@type"] == "RequestItemGroup" => {
                    Answer::Group(vec![None; inner.len()])
                }
                _ => Answer::Item(None),
            })
            .collect();
        for rule in &self.rules {
            let general: Map<String, Value> = rule
                .request_config
                .iter()
                .filter(|(k, _)| !k.starts_with(ITEM_PREFIX))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            if !matches(&general, request, Some(relationship_exists)) {
                continue;
            }
            let item_part: Map<String, Value> = rule
                .request_config
                .iter()
                .filter_map(|(k, v)| {
                    k.strip_prefix(ITEM_PREFIX)
                        .map(|k| (k.trim().to_owned(), v.clone()))
                })
                .collect();
            let fits = |item: &Value| {
                if is_general(&rule.request_config) && accepts(&rule.response_config) {
                    // A general rule accepts only what needs no answer of its own.
                    return matches!(
                        item["@type"].as_str(),
                        Some("CreateAttributeRequestItem" | "ShareAttributeRequestItem")
                    );
                }
                matches(&item_part, item, None)
            };
            let response = Value::Object(rule.response_config.clone());
            for (entry, answer) in items.iter().zip(answers.iter_mut()) {
                match answer {
                    Answer::Item(slot) => {
                        if slot.is_none() && fits(entry) {
                            *slot = Some(response.clone());
                        }
                    }
                    Answer::Group(slots) => {
                        let inner = entry["items"].as_array().cloned().unwrap_or_default();
                        for (item, slot) in inner.iter().zip(slots.iter_mut()) {
                            if slot.is_none() && fits(item) {
                                *slot = Some(response.clone());
                            }
                        }
                    }
                }
            }
            if answers.iter().all(Answer::is_complete) {
                return Some(answers.into_iter().map(Answer::into_json).collect());
            }
        }
        None
    }
}

#[derive(Clone)]
enum Answer {
    Item(Option<Value>),
    Group(Vec<Option<Value>>),
}

impl Answer {
    fn is_complete(&self) -> bool {
        match self {
            Answer::Item(slot) => slot.is_some(),
            Answer::Group(slots) => slots.iter().all(Option::is_some),
        }
    }

    fn into_json(self) -> Value {
        match self {
            Answer::Item(slot) => slot.unwrap_or(Value::Null),
            Answer::Group(slots) => {
                serde_json::json!({"items": slots.into_iter().map(|s| s.unwrap_or(Value::Null)).collect::<Vec<_>>()})
            }
        }
    }
}

/// Whether every answer rejects (then the request is rejected, else accepted).
pub(crate) fn all_rejected(answers: &[Value]) -> bool {
    answers
        .iter()
        .all(|a| match a.get("items").and_then(Value::as_array) {
            Some(inner) if a.get("accept").is_none() => inner.iter().all(|i| i["accept"] != true),
            _ => a["accept"] != true,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn decider(rules: Value) -> Decider {
        Decider::from_module_config(Some(&json!({"automationConfig": rules}))).unwrap()
    }

    fn request(items: Value) -> Value {
        json!({"peer": "did:e:localhost:dids:0123456789abcdef012345", "source": {"type": "Message"},
               "createdAt": "2026-01-01T00:00:00.000Z", "content": {"items": items, "title": "T"}})
    }

    #[test]
    fn incompatible_rules_are_refused() {
        let read_without_attribute = json!([{"requestConfig": {"content.item.@type": "ReadAttributeRequestItem"}, "responseConfig": {"accept": true}}]);
        let e =
            Decider::from_module_config(Some(&json!({"automationConfig": read_without_attribute})))
                .unwrap_err();
        assert_eq!(
            e.code(),
            "error.runtime.decide.requestConfigDoesNotMatchResponseConfig"
        );
        let general_with_params = json!([{"requestConfig": {"peer": "x"}, "responseConfig": {"accept": true, "newAttribute": {}}}]);
        assert!(
            Decider::from_module_config(Some(&json!({"automationConfig": general_with_params})))
                .is_err()
        );
        decider(
            json!([{"requestConfig": {"content.item.@type": "ReadAttributeRequestItem"}, "responseConfig": {"accept": false}}]),
        );
    }

    #[test]
    fn consent_and_authentication_always_need_a_person() {
        let d = decider(json!([{"requestConfig": {}, "responseConfig": {"accept": true}}]));
        let r = request(
            json!([{"@type": "ConsentRequestItem", "consent": "c", "mustBeAccepted": true}]),
        );
        assert_eq!(d.decide(&r, true), None);
        let grouped = request(
            json!([{"@type": "RequestItemGroup", "items": [{"@type": "AuthenticationRequestItem", "title": "t", "mustBeAccepted": true}]}]),
        );
        assert_eq!(d.decide(&grouped, true), None);
    }

    #[test]
    fn a_general_rule_accepts_only_create_and_share() {
        let d = decider(
            json!([{"requestConfig": {"peer": ["did:e:localhost:dids:0123456789abcdef012345"]}, "responseConfig": {"accept": true}}]),
        );
        let create =
            request(json!([{"@type": "CreateAttributeRequestItem", "mustBeAccepted": true}]));
        assert_eq!(d.decide(&create, true), Some(vec![json!({"accept": true})]));
        let read = request(json!([{"@type": "ReadAttributeRequestItem", "mustBeAccepted": true}]));
        assert_eq!(d.decide(&read, true), None);
        let other_peer = decider(
            json!([{"requestConfig": {"peer": "did:e:other"}, "responseConfig": {"accept": true}}]),
        );
        assert_eq!(other_peer.decide(&create, true), None);
    }

    #[test]
    fn item_rules_fill_every_item_including_groups() {
        let d = decider(json!([
            {"requestConfig": {"content.item.@type": "ReadAttributeRequestItem", "content.item.query.valueType": "GivenName"},
             "responseConfig": {"accept": true, "newAttribute": {"@type": "IdentityAttribute", "owner": "", "value": {"@type": "GivenName", "value": "Bot"}}}},
            {"requestConfig": {"content.item.@type": ["FormFieldRequestItem"], "relationshipAlreadyExists": true},
             "responseConfig": {"accept": false, "code": "no.forms"}}
        ]));
        let r = request(json!([
            {"@type": "ReadAttributeRequestItem", "mustBeAccepted": true, "query": {"@type": "IdentityAttributeQuery", "valueType": "GivenName"}},
            {"@type": "RequestItemGroup", "items": [{"@type": "FormFieldRequestItem", "mustBeAccepted": false, "title": "t"}]}
        ]));
        let answers = d.decide(&r, true).unwrap();
        assert_eq!(answers[0]["newAttribute"]["value"]["value"], "Bot");
        assert_eq!(
            answers[1],
            json!({"items": [{"accept": false, "code": "no.forms"}]})
        );
        assert!(!all_rejected(&answers));
        assert_eq!(
            d.decide(&r, false),
            None,
            "relationshipAlreadyExists must hold"
        );
        let surname = request(
            json!([{"@type": "ReadAttributeRequestItem", "mustBeAccepted": true, "query": {"@type": "IdentityAttributeQuery", "valueType": "Surname"}}]),
        );
        assert_eq!(d.decide(&surname, true), None);
    }

    #[test]
    fn dates_tags_and_rejections() {
        let d = decider(
            json!([{"requestConfig": {"createdAt": ">2025-01-01T00:00:00.000Z", "content.item.attribute.tags": ["x:a", "x:b"]},
                                 "responseConfig": {"accept": false}}]),
        );
        let r = request(
            json!([{"@type": "CreateAttributeRequestItem", "mustBeAccepted": false, "attribute": {"tags": ["x:b"]}}]),
        );
        let answers = d.decide(&r, false).unwrap();
        assert!(all_rejected(&answers));
        let late = decider(
            json!([{"requestConfig": {"createdAt": "<2025-01-01T00:00:00.000Z"}, "responseConfig": {"accept": false}}]),
        );
        assert_eq!(late.decide(&r, false), None);
    }
}
