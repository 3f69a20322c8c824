//! The Connector's own REST API, called in-process with the module's `apiScopes` grant.

use crate::bindings::connector::module::api as host;
use serde_json::Value;

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
