//! `http`: outbound requests to the hosts in the module's `grants.http.hosts`, made by the
//! host's own client (connection pooling, TLS, timeouts stay in Rust). Redirects are not
//! followed, so a granted host cannot bounce a request to one that is not granted.

use super::record::{Action, Recorder, outcome};
use crate::config::Grants;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

const MAX_RESPONSE_BODY: usize = 16 << 20;

pub struct HttpRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub timeout: Option<Duration>,
}

pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// The process's HTTP clients: one verifying TLS, one (built only if some module has
/// `skipTlsCheck`) that does not.
#[derive(Default)]
pub struct HttpClients {
    verifying: OnceLock<Result<reqwest::Client, String>>,
    insecure: OnceLock<Result<reqwest::Client, String>>,
}

impl HttpClients {
    fn client(&self, skip_tls_check: bool) -> Result<reqwest::Client, String> {
        let cell = if skip_tls_check {
            &self.insecure
        } else {
            &self.verifying
        };
        cell.get_or_init(|| {
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .tls_danger_accept_invalid_certs(skip_tls_check)
                .build()
                .map_err(|e| format!("cannot build HTTP client: {e}"))
        })
        .clone()
    }
}

/// One entry of `grants.http.hosts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostPattern {
    /// `example.com` or `*.example.com` (any subdomain), with an optional port.
    Host {
        host: String,
        wildcard: bool,
        port: Option<u16>,
    },
}

impl HostPattern {
    pub fn parse(text: &str) -> Self {
        let text = text.trim().to_ascii_lowercase();
        let (host, port) = match text.rsplit_once(':') {
            Some((host, port)) if !host.ends_with(']') || host.starts_with('[') => {
                match port.parse() {
                    Ok(port) => (host.to_owned(), Some(port)),
                    Err(_) => (text.clone(), None),
                }
            }
            _ => (text.clone(), None),
        };
        match host.strip_prefix("*.") {
            Some(domain) => HostPattern::Host {
                host: domain.to_owned(),
                wildcard: true,
                port,
            },
            None => HostPattern::Host {
                host,
                wildcard: false,
                port,
            },
        }
    }

    pub fn allows(&self, host: &str, port: u16) -> bool {
        let HostPattern::Host {
            host: pattern,
            wildcard,
            port: want,
        } = self;
        let host_ok = if *wildcard {
            host.strip_suffix(pattern.as_str())
                .is_some_and(|sub| sub.ends_with('.') && sub.len() > 1)
        } else {
            host == pattern
        };
        host_ok && want.is_none_or(|p| p == port)
    }
}

pub struct HttpCapability {
    allowed: Vec<HostPattern>,
    skip_tls_check: bool,
    clients: Arc<HttpClients>,
    recorder: Option<Arc<Recorder>>,
}

impl HttpCapability {
    pub fn new(grants: &Grants, clients: Arc<HttpClients>) -> Self {
        Self {
            allowed: grants
                .http
                .hosts
                .iter()
                .map(|h| HostPattern::parse(h))
                .collect(),
            skip_tls_check: grants.http.skip_tls_check,
            clients,
            recorder: None,
        }
    }

    pub fn recording(self, recorder: Option<Arc<Recorder>>) -> Self {
        Self { recorder, ..self }
    }

    /// Checks the URL against the grant; returns the parsed URL.
    pub fn check(&self, url: &str) -> Result<url::Url, String> {
        let parsed = url::Url::parse(url).map_err(|e| format!("invalid URL '{url}': {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(format!("scheme '{}' is not allowed", parsed.scheme()));
        }
        let host = parsed.host_str().unwrap_or_default().to_ascii_lowercase();
        let port = parsed.port_or_known_default().unwrap_or(0);
        if self.allowed.iter().any(|p| p.allows(&host, port)) {
            Ok(parsed)
        } else {
            Err(format!(
                "host '{host}:{port}' is not in this module's grants.http.hosts"
            ))
        }
    }

    pub async fn send(
        &self,
        request: HttpRequest,
        budget: Duration,
    ) -> Result<HttpResponse, String> {
        let Some(recorder) = &self.recorder else {
            return self.send_out(request, budget).await;
        };
        let (method, url) = (request.method.clone(), request.url.clone());
        let body = String::from_utf8_lossy(&request.body).into_owned();
        let result = if recorder.dry_run {
            self.check(&request.url).map(|_| HttpResponse {
                status: 200,
                headers: Vec::new(),
                body: Vec::new(),
            })
        } else {
            self.send_out(request, budget).await
        };
        let dry_run = recorder.dry_run;
        recorder.push(Action::Http {
            method,
            url,
            body,
            outcome: outcome(&result, |r| {
                if dry_run {
                    "not sent (dry run), answered 200".to_owned()
                } else {
                    r.status.to_string()
                }
            }),
        });
        result
    }

    async fn send_out(
        &self,
        request: HttpRequest,
        budget: Duration,
    ) -> Result<HttpResponse, String> {
        let url = self.check(&request.url)?;
        let method = reqwest::Method::from_bytes(request.method.to_ascii_uppercase().as_bytes())
            .map_err(|_| format!("invalid method '{}'", request.method))?;
        let timeout = request.timeout.unwrap_or(budget).min(budget);
        let mut builder = self
            .clients
            .client(self.skip_tls_check)?
            .request(method, url)
            .timeout(timeout);
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let mut response = builder
            .body(request.body)
            .send()
            .await
            .map_err(describe_error)?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(describe_error)? {
            if body.len() + chunk.len() > MAX_RESPONSE_BODY {
                return Err(format!(
                    "response body is larger than {MAX_RESPONSE_BODY} bytes"
                ));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }
}

fn describe_error(error: reqwest::Error) -> String {
    if error.is_timeout() {
        "timed out".to_owned()
    } else if error.is_connect() {
        format!("cannot connect: {error}")
    } else {
        error.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn capability(hosts: &[&str]) -> HttpCapability {
        let grants = Grants {
            http: crate::config::HttpGrant {
                hosts: hosts.iter().map(|h| h.to_string()).collect(),
                skip_tls_check: false,
            },
            ..Default::default()
        };
        HttpCapability::new(&grants, Arc::default())
    }

    #[test]
    fn hosts_ports_and_wildcards() {
        let cap = capability(&["example.com", "127.0.0.1:8080", "*.hooks.test"]);
        assert!(cap.check("https://example.com/x").is_ok());
        assert!(cap.check("http://example.com:9999/x").is_ok());
        assert!(cap.check("http://127.0.0.1:8080/").is_ok());
        assert!(cap.check("http://127.0.0.1:8081/").is_err());
        assert!(cap.check("https://a.hooks.test/").is_ok());
        assert!(cap.check("https://hooks.test/").is_err());
        assert!(cap.check("https://evilhooks.test/").is_err());
        assert!(cap.check("https://example.com.evil.org/").is_err());
        assert!(cap.check("file:///etc/passwd").is_err());
        assert!(cap.check("not a url").is_err());
    }

    #[test]
    fn no_grant_means_no_http() {
        assert!(capability(&[]).check("http://127.0.0.1/").is_err());
    }
}
