//! Small helpers every object module shares: time stamps, the `_local` part of stored
//! documents, and turning stored documents back into DTOs.

use crate::error::{Result, TransportError};
use serde_json::{Map, Value};

/// The field under which a stored document keeps what is not part of its DTO (keys, ciphers,
/// raw Backbone strings). Everything else in the document is the DTO, so the official list
/// queries run on the stored document as they are.
pub const LOCAL: &str = "_local";

pub fn format_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The DTO part of a stored document.
pub fn dto(mut doc: Value) -> Value {
    if let Some(map) = doc.as_object_mut() {
        map.remove(LOCAL);
    }
    doc
}

pub fn local(doc: &Value) -> &Map<String, Value> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    doc.get(LOCAL)
        .and_then(Value::as_object)
        .unwrap_or_else(|| EMPTY.get_or_init(Map::new))
}

pub fn local_str<'a>(doc: &'a Value, key: &str) -> Result<&'a str> {
    local(doc)
        .get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| TransportError::Internal(format!("stored document lacks {key}")))
}

/// Reads a field of a Backbone answer that must be a string.
pub fn str_field<'a>(v: &'a Value, key: &str) -> Result<&'a str> {
    v.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| TransportError::Internal(format!("Backbone answer lacks {key}")))
}

/// Parses the JSON text of a peer payload.
pub fn peer_json(bytes: &[u8], what: &str) -> Result<Value> {
    serde_json::from_slice(bytes).map_err(|_| {
        TransportError::peer(
            "error.transport.invalidPayload",
            format!("the {what} is not valid JSON"),
        )
    })
}

/// A content object: the official API requires an object (with or without `@type`).
pub fn require_object(value: &Value, field: &str) -> Result<()> {
    if value.is_object() {
        Ok(())
    } else {
        Err(TransportError::invalid(format!(
            "{field} must be an object"
        )))
    }
}

/// Which side's objects a list route shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ownership {
    All,
    Own,
    Peer,
}

/// Parses the official list query against a route's whitelist and restricts it to one side.
pub fn list_filter(
    query: &[(String, String)],
    allowed: &[&str],
    ownership: Ownership,
) -> Result<store::Filter> {
    let filter = store::parse_query(query.iter().map(|(k, v)| (k.as_str(), v.as_str())), allowed)
        .map_err(|e| TransportError::invalid(e.to_string()))?;
    Ok(match ownership {
        Ownership::All => filter,
        Ownership::Own => filter.and(store::Filter::eq("isOwn", true)),
        Ownership::Peer => filter.and(store::Filter::eq("isOwn", false)),
    })
}

/// Parses a reference given by a user, truncated or URL, with one of the allowed id prefixes.
pub fn parse_reference(text: &str, prefixes: &[&str]) -> Result<wire::Reference> {
    let reference = wire::Reference::parse(text.trim())
        .map_err(|e| TransportError::rule("error.runtime.invalidReference", e.to_string()))?;
    if prefixes
        .iter()
        .any(|p| reference.id.as_str().starts_with(p))
    {
        Ok(reference)
    } else {
        Err(TransportError::rule(
            "error.runtime.invalidReference",
            format!("the reference must point to one of {}", prefixes.join(", ")),
        ))
    }
}
