//! OAuth2 client-credentials tokens for webhook targets, cached in the module's key-value
//! store until 10 seconds before they expire (as the official module does).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use module_sdk::http::Request;
use module_sdk::official::webhooks::Authentication;
use module_sdk::{ModuleError, kv};
use serde::{Deserialize, Serialize};
use std::time::{SystemTime, UNIX_EPOCH};

const EXPIRY_MARGIN_MS: u64 = 10_000;

#[derive(Serialize, Deserialize)]
struct Cached {
    token: String,
    expires_at_ms: u64,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn cache_key(token_url: &str, client_id: &str) -> String {
    format!("oauth2 {token_url} {client_id}")
}

pub fn token(auth: &Authentication) -> Result<String, ModuleError> {
    let Authentication::OAuth2 {
        access_token_url,
        client_id,
        client_secret,
        scope,
    } = auth
    else {
        return Err(ModuleError::fatal("not an OAuth2 configuration"));
    };
    let key = cache_key(access_token_url, client_id);
    if let Some(cached) = kv::get(&key)
        .ok()
        .flatten()
        .and_then(|b| serde_json::from_slice::<Cached>(&b).ok())
        && cached.expires_at_ms > now_ms()
    {
        return Ok(cached.token);
    }
    let mut form = String::from("grant_type=client_credentials");
    if let Some(scope) = scope {
        form.push_str("&scope=");
        form.push_str(&form_encode(scope));
    }
    // Plain id:secret, as the official module (axios `auth`) sends it.
    let basic = STANDARD.encode(format!("{client_id}:{client_secret}"));
    let response = Request::post(access_token_url)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("authorization", &format!("Basic {basic}"))
        .body(form.into_bytes())
        .send()
        .map_err(|e| ModuleError::retryable(format!("OAuth2 token request: {e}")))?;
    if !(200..300).contains(&response.status) {
        return Err(ModuleError::retryable(format!(
            "OAuth2 token endpoint answered {}",
            response.status
        )));
    }
    let parsed: TokenResponse = serde_json::from_slice(&response.body)
        .map_err(|e| ModuleError::retryable(format!("OAuth2 token response: {e}")))?;
    let lifetime_ms = parsed.expires_in.unwrap_or(60).saturating_mul(1000);
    let cached = Cached {
        token: parsed.access_token.clone(),
        expires_at_ms: now_ms() + lifetime_ms.saturating_sub(EXPIRY_MARGIN_MS),
    };
    if let Ok(bytes) = serde_json::to_vec(&cached) {
        let _ = kv::set(&key, &bytes);
    }
    Ok(parsed.access_token)
}

pub fn forget(auth: Option<&Authentication>) {
    if let Some(Authentication::OAuth2 {
        access_token_url,
        client_id,
        ..
    }) = auth
    {
        let _ = kv::delete(&cache_key(access_token_url, client_id));
    }
}

/// `application/x-www-form-urlencoded` encoding of one value.
fn form_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}
