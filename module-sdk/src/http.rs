//! Outbound HTTP through the host, limited to the module's `allowedHosts` grant.

use crate::bindings::connector::module::http as host;

pub use host::Response;

/// A request under construction: `Request::post(url).json(&body)?.header("x", "y").send()`.
#[derive(Debug, Clone)]
pub struct Request {
    inner: host::Request,
}

impl Request {
    pub fn new(method: &str, url: &str) -> Self {
        Self {
            inner: host::Request {
                method: method.to_owned(),
                url: url.to_owned(),
                headers: Vec::new(),
                body: Vec::new(),
                timeout_ms: None,
            },
        }
    }
    pub fn get(url: &str) -> Self {
        Self::new("GET", url)
    }
    pub fn post(url: &str) -> Self {
        Self::new("POST", url)
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.inner.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn body(mut self, body: Vec<u8>) -> Self {
        self.inner.body = body;
        self
    }

    /// Sets the body to `value` as JSON and the matching content type.
    pub fn json<T: serde::Serialize>(self, value: &T) -> Result<Self, serde_json::Error> {
        let body = serde_json::to_vec(value)?;
        Ok(self.header("content-type", "application/json").body(body))
    }

    pub fn timeout_ms(mut self, ms: u32) -> Self {
        self.inner.timeout_ms = Some(ms);
        self
    }

    /// Any status is a response; `Err` means no response (denied host, network, timeout).
    pub fn send(&self) -> Result<Response, String> {
        host::send(&self.inner)
    }
}

/// A response header by case-insensitive name.
pub fn header<'a>(response: &'a Response, name: &str) -> Option<&'a str> {
    response
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}
