//! The Connector's own REST API, called in-process with the module's `grants.api.scopes`.
//!
//! [`call`] and its verbs take any path; the typed helpers ([`identity_info`],
//! [`relationships`], [`messages`], [`attributes`]) cover the calls modules make most and
//! answer with the SDK's typed views of the runtime's DTOs.

use crate::bindings::connector::module::api as host;
use crate::events::{Attribute, IdentityInfo, Message, Relationship};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// A non-2xx reply, with the official error envelope's code when there is one.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub code: Option<String>,
    pub message: String,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{} {}: {}", self.status, code, self.message),
            None => write!(f, "{}: {}", self.status, self.message),
        }
    }
}

/// Calls the API and unwraps the `{"result": ...}` envelope; `Value::Null` for 204.
pub fn call(method: &str, path: &str, body: Option<&Value>) -> Result<Value, ApiError> {
    let body = body.map(Value::to_string);
    let response = host::call(method, path, body.as_deref()).map_err(|message| ApiError {
        status: 0,
        code: None,
        message,
    })?;
    let parsed: Value = if response.body.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&response.body).unwrap_or(Value::String(response.body.clone()))
    };
    if (200..300).contains(&response.status) {
        return Ok(parsed.get("result").cloned().unwrap_or(parsed));
    }
    let error = parsed.get("error");
    Err(ApiError {
        status: response.status,
        code: error
            .and_then(|e| e.get("code"))
            .and_then(Value::as_str)
            .map(str::to_owned),
        message: error
            .and_then(|e| e.get("message"))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or(response.body),
    })
}

pub fn get(path: &str) -> Result<Value, ApiError> {
    call("GET", path, None)
}
pub fn post(path: &str, body: Option<&Value>) -> Result<Value, ApiError> {
    call("POST", path, body)
}
pub fn put(path: &str, body: Option<&Value>) -> Result<Value, ApiError> {
    call("PUT", path, body)
}
pub fn delete(path: &str) -> Result<Value, ApiError> {
    call("DELETE", path, None)
}

/// A call whose answer is read as `T`; an answer of another shape is an [`ApiError`] with
/// status 0.
fn typed<T: DeserializeOwned>(result: Result<Value, ApiError>) -> Result<T, ApiError> {
    serde_json::from_value(result?).map_err(|e| ApiError {
        status: 0,
        code: None,
        message: format!("unexpected answer: {e}"),
    })
}

/// Percent-encodes a path segment or query value (ids and addresses need none, but a query
/// value may hold anything).
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b':' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// The Connector's own identity (scope `core:account`).
pub fn identity_info() -> Result<IdentityInfo, ApiError> {
    typed(get("/api/core/v1/Account/IdentityInfo"))
}

/// Relationships (scope `core:relationships`).
pub mod relationships {
    use super::*;

    pub fn get(id: &str) -> Result<Relationship, ApiError> {
        typed(super::get(&format!(
            "/api/core/v1/Relationships/{}",
            encode(id)
        )))
    }

    /// Relationships filtered by the official query keys, e.g. `[("status", "Pending")]`.
    pub fn list(query: &[(&str, &str)]) -> Result<Vec<Relationship>, ApiError> {
        typed(super::get(&format!(
            "/api/core/v1/Relationships{}",
            query_string(query)
        )))
    }

    /// Accepts a pending relationship a peer created.
    pub fn accept(id: &str) -> Result<Relationship, ApiError> {
        typed(put(
            &format!("/api/core/v1/Relationships/{}/Accept", encode(id)),
            Some(&json!({})),
        ))
    }

    /// Decomposes a relationship (after it was terminated or its deletion was proposed).
    pub fn decompose(id: &str) -> Result<(), ApiError> {
        delete(&format!("/api/core/v1/Relationships/{}", encode(id))).map(|_| ())
    }
}

/// Messages (scope `core:messages`).
pub mod messages {
    use super::*;

    /// Sends `content` (e.g. `{"@type": "Mail", "to": [...], "subject", "body"}`) to
    /// `recipients`.
    pub fn send(recipients: &[&str], content: &Value) -> Result<Message, ApiError> {
        typed(post(
            "/api/core/v1/Messages",
            Some(&json!({"recipients": recipients, "content": content})),
        ))
    }

    pub fn get(id: &str) -> Result<Message, ApiError> {
        typed(super::get(&format!("/api/core/v1/Messages/{}", encode(id))))
    }
}

/// Attributes (scope `core:attributes`).
pub mod attributes {
    use super::*;

    /// Attributes filtered by the official query keys, e.g.
    /// `[("content.value.@type", "GivenName")]`.
    pub fn list(query: &[(&str, &str)]) -> Result<Vec<Attribute>, ApiError> {
        typed(super::get(&format!(
            "/api/core/v1/Attributes{}",
            query_string(query)
        )))
    }

    pub fn get(id: &str) -> Result<Attribute, ApiError> {
        typed(super::get(&format!(
            "/api/core/v1/Attributes/{}",
            encode(id)
        )))
    }

    /// The Connector's own identity attributes with a value of `value_type` (e.g. `EMailAddress`).
    pub fn own_identity(value_type: &str) -> Result<Vec<Attribute>, ApiError> {
        list(&[
            ("@type", "OwnIdentityAttribute"),
            ("content.value.@type", value_type),
        ])
    }
}

fn query_string(query: &[(&str, &str)]) -> String {
    if query.is_empty() {
        return String::new();
    }
    let pairs: Vec<String> = query
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    format!("?{}", pairs.join("&"))
}

#[cfg(test)]
mod tests {
    use super::{encode, query_string};

    #[test]
    fn queries_are_encoded() {
        assert_eq!(encode("did:e:a b/c"), "did:e:a%20b%2Fc");
        assert_eq!(
            query_string(&[("content.value.@type", "GivenName"), ("status", "Pending")]),
            "?content.value.%40type=GivenName&status=Pending"
        );
        assert_eq!(query_string(&[]), "");
    }
}
