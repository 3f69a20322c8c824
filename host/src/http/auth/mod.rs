//! Who is calling and what they may do. Mechanisms are tried in the official order: a bearer
//! token when an `Authorization` header is present and JWT is enabled, then the API key
//! header; with no mechanism configured, debug mode is open and production refuses to start.
//! Every 401 waits a random time first, to slow down guessing.

mod api_key;
mod jwt;
mod scopes;

pub use api_key::check_policy;
pub use scopes::{Principal, role_matches};

use super::error::ApiError;
use crate::app::App;
use crate::config::{ConfigError, ConnectorConfig, DelayRange};
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::Rng;

pub struct Authenticator {
    api_keys: Option<api_key::ApiKeys>,
    jwt: Option<jwt::JwtVerifier>,
    open: bool,
    delay: DelayRange,
}

impl Authenticator {
    pub fn from_config(
        config: &ConnectorConfig,
        http: reqwest::Client,
    ) -> Result<Self, ConfigError> {
        let auth = &config.infrastructure.http_server.authentication;
        let api_keys = if auth.api_key.is_enabled() {
            Some(api_key::ApiKeys::from_config(&auth.api_key)?)
        } else {
            None
        };
        let jwt = if auth.jwt_bearer.is_enabled() {
            Some(jwt::JwtVerifier::from_config(&auth.jwt_bearer, http)?)
        } else {
            None
        };
        if auth
            .oidc
            .get("enabled")
            .and_then(|v| v.as_bool())
            .unwrap_or(false)
        {
            return Err(ConfigError::new(
                "infrastructure.httpServer.authentication.oidc.enabled",
                "browser sign-in (OIDC) is not supported; use apiKey or jwtBearer",
            ));
        }
        let none = api_keys.is_none() && jwt.is_none();
        if none && !config.debug {
            return Err(ConfigError::new(
                "infrastructure.httpServer.authentication",
                "no authentication mechanism is enabled; configure apiKey or jwtBearer (only debug mode may run without)",
            ));
        }
        if none {
            tracing::warn!(
                "no authentication is configured: debug mode grants every request full access"
            );
        }
        Ok(Self {
            api_keys,
            jwt,
            open: none,
            delay: auth.unauthorized_delay,
        })
    }

    async fn principal(&self, headers: &axum::http::HeaderMap) -> Option<Principal> {
        if self.open {
            return Some(Principal::everything());
        }
        if let Some(jwt) = &self.jwt
            && let Some(auth) = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
        {
            let token = auth
                .strip_prefix("Bearer ")
                .or_else(|| auth.strip_prefix("bearer "))?;
            return jwt
                .roles(token.trim())
                .await
                .map(|roles| Principal { roles });
        }
        let keys = self.api_keys.as_ref()?;
        let presented = headers.get(keys.header())?;
        keys.roles_for(presented.as_bytes())
            .map(|roles| Principal { roles })
    }

    async fn reject(&self) -> Response {
        let (min, max) = (self.delay.min_ms, self.delay.max_ms);
        let wait = if max > min {
            rand::rng().random_range(min..=max)
        } else {
            min
        };
        tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
        ApiError::unauthorized().into_response()
    }
}

/// A module calling the API in-process, with its granted scopes as roles. Only code in this
/// process can put it into a request's extensions; no header produces it.
#[derive(Debug, Clone)]
pub struct ModuleCaller(pub Principal);

/// Puts the caller's [`Principal`] into the request, or answers 401.
pub async fn authenticate(State(app): State<App>, mut req: Request, next: Next) -> Response {
    if let Some(ModuleCaller(principal)) = req.extensions_mut().remove::<ModuleCaller>() {
        req.extensions_mut().insert(principal);
        return next.run(req).await;
    }
    match app.auth.principal(req.headers()).await {
        Some(principal) => {
            req.extensions_mut().insert(principal);
            next.run(req).await
        }
        None => app.auth.reject().await,
    }
}

/// A route layer: 403 unless the caller holds one of `scopes`.
pub async fn require(scopes: &'static [&'static str], req: Request, next: Next) -> Response {
    let allowed = req
        .extensions()
        .get::<Principal>()
        .is_some_and(|p| p.allows_any(scopes));
    if allowed {
        next.run(req).await
    } else {
        ApiError::forbidden().into_response()
    }
}
