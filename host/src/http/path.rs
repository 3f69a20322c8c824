//! Typed path parameters: `ApiPath<T>` deserialises the route's named parameters into `T`
//! (a struct of typed ids such as `{ id: MessageId }`), so a malformed id is answered with the
//! official 400 `error.runtime.validation.invalidPropertyValue` ("id must match pattern
//! MSG[A-Za-z0-9]{17}") before any domain code runs.

use super::error::ApiError;
use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::invalid_property(e.body_text()))?;
        let map: serde_json::Map<String, serde_json::Value> = params
            .iter()
            .map(|(k, v)| (k.to_owned(), serde_json::Value::String(v.to_owned())))
            .collect();
        serde_path_to_error::deserialize(serde_json::Value::Object(map))
            .map(ApiPath)
            .map_err(|e| {
                let field = e.path().to_string();
                ApiError::invalid_property(format!("{field} {}", e.into_inner()))
            })
    }
}
