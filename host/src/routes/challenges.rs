//! `/api/core/v1/Challenges`.

use super::{ApiResult, object};
use crate::app::App;
use crate::http::json::{ApiJson, Created, Envelope};
use axum::extract::State;
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(validate))
}

/// Creates a challenge signed by the identity, the device or a relationship key.
#[utoipa::path(post, path = "/api/core/v1/Challenges", tag = "Challenges", responses((status = 201), (status = 400)))]
async fn create(
    State(app): State<App>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Created<Value>> {
    Ok(Created(
        app.transport.create_challenge(&object(body)?).await?,
    ))
}

/// Checks a challenge a peer signed.
#[utoipa::path(post, path = "/api/core/v1/Challenges/Validate", tag = "Challenges", responses((status = 200), (status = 400)))]
async fn validate(
    State(app): State<App>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Envelope<Value>> {
    Ok(Envelope(
        app.transport.validate_challenge(&object(body)?).await?,
    ))
}
