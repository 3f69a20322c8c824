//! JWT bearer tokens: signature (a shared `secret`, or a JWKS found directly or through the
//! issuer's OpenID discovery document), expiry, issuer and audience; roles from `scope`.

use crate::config::{ConfigError, JwtBearerConfig};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header, jwk::JwkSet};
use serde::Deserialize;
use serde_json::Value;
use std::time::{Duration, Instant};
use tokio::sync::RwLock;

pub struct JwtVerifier {
    source: KeySource,
    issuer: Option<String>,
    audience: Vec<String>,
    algorithm: Option<Algorithm>,
    http: reqwest::Client,
    jwks: RwLock<Option<(JwkSet, Instant)>>,
}

enum KeySource {
    Secret(Vec<u8>),
    Jwks(String),
    Discovery(String),
}

#[derive(Deserialize)]
struct Claims {
    #[serde(default)]
    scope: Option<Value>,
}

/// Don't hammer the identity provider when tokens with unknown key ids arrive.
const JWKS_MIN_REFRESH: Duration = Duration::from_secs(30);

impl JwtVerifier {
    pub fn from_config(
        config: &JwtBearerConfig,
        http: reqwest::Client,
    ) -> Result<Self, ConfigError> {
        const BASE: &str = "infrastructure.httpServer.authentication.jwtBearer";
        let source = if let Some(secret) = &config.secret {
            KeySource::Secret(secret.expose().as_bytes().to_vec())
        } else if let Some(uri) = &config.jwks_uri {
            KeySource::Jwks(uri.clone())
        } else if let Some(base) = &config.issuer_base_url {
            KeySource::Discovery(format!(
                "{}/.well-known/openid-configuration",
                base.trim_end_matches('/')
            ))
        } else {
            return Err(ConfigError::new(
                BASE,
                "needs issuerBaseURL, jwksUri or secret",
            ));
        };
        let audience = match &config.audience {
            None => Vec::new(),
            Some(Value::String(a)) => vec![a.clone()],
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|a| a.as_str().map(str::to_owned))
                .collect(),
            Some(_) => {
                return Err(ConfigError::new(
                    format!("{BASE}.audience"),
                    "must be a string or a list of strings",
                ));
            }
        };
        let algorithm = match &config.token_signing_alg {
            None => None,
            Some(alg) => Some(alg.parse::<Algorithm>().map_err(|_| {
                ConfigError::new(
                    format!("{BASE}.tokenSigningAlg"),
                    format!("unknown algorithm {alg}"),
                )
            })?),
        };
        let issuer = config
            .issuer
            .clone()
            .or_else(|| config.issuer_base_url.clone());
        Ok(Self {
            source,
            issuer,
            audience,
            algorithm,
            http,
            jwks: RwLock::new(None),
        })
    }

    /// The caller's roles, or `None` for any invalid token.
    pub async fn roles(&self, token: &str) -> Option<Vec<String>> {
        let header = decode_header(token).ok()?;
        if self.algorithm.is_some_and(|a| a != header.alg) {
            return None;
        }
        let key = match &self.source {
            KeySource::Secret(secret) => DecodingKey::from_secret(secret),
            _ => self.key_for(header.kid.as_deref()).await?,
        };
        let mut validation = Validation::new(header.alg);
        if let KeySource::Secret(_) = self.source {
            // A shared secret only ever signs with HMAC.
            if !matches!(
                header.alg,
                Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512
            ) {
                return None;
            }
        }
        if self.audience.is_empty() {
            validation.validate_aud = false;
        } else {
            validation.set_audience(&self.audience);
        }
        if let Some(iss) = &self.issuer {
            validation.set_issuer(&[
                iss.trim_end_matches('/'),
                &format!("{}/", iss.trim_end_matches('/')),
            ]);
        }
        let data = decode::<Claims>(token, &key, &validation).ok()?;
        Some(match data.claims.scope {
            Some(Value::String(s)) => s.split_whitespace().map(str::to_owned).collect(),
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        })
    }

    async fn key_for(&self, kid: Option<&str>) -> Option<DecodingKey> {
        if let Some(key) = self.cached_key(kid).await {
            return Some(key);
        }
        let stale = self
            .jwks
            .read()
            .await
            .as_ref()
            .is_none_or(|(_, at)| at.elapsed() > JWKS_MIN_REFRESH);
        if stale {
            match self.fetch_jwks().await {
                Ok(set) => *self.jwks.write().await = Some((set, Instant::now())),
                Err(e) => tracing::warn!(error = %e, "could not fetch the JWKS"),
            }
        }
        self.cached_key(kid).await
    }

    async fn cached_key(&self, kid: Option<&str>) -> Option<DecodingKey> {
        let guard = self.jwks.read().await;
        let (set, _) = guard.as_ref()?;
        let jwk = match kid {
            Some(kid) => set.find(kid)?,
            None => set.keys.first()?,
        };
        DecodingKey::from_jwk(jwk).ok()
    }

    async fn fetch_jwks(&self) -> Result<JwkSet, String> {
        let jwks_uri = match &self.source {
            KeySource::Jwks(uri) => uri.clone(),
            KeySource::Discovery(url) => {
                let doc: Value = self.get_json(url).await?;
                doc.get("jwks_uri")
                    .and_then(Value::as_str)
                    .ok_or("discovery document has no jwks_uri")?
                    .to_owned()
            }
            KeySource::Secret(_) => return Err("no JWKS with a shared secret".into()),
        };
        serde_json::from_value(self.get_json(&jwks_uri).await?).map_err(|e| e.to_string())
    }

    async fn get_json(&self, url: &str) -> Result<Value, String> {
        let resp = self.http.get(url).send().await.map_err(|e| e.to_string())?;
        if !resp.status().is_success() {
            return Err(format!("{url} answered {}", resp.status()));
        }
        resp.json().await.map_err(|e| e.to_string())
    }
}
