//! `/api/core/v1/Challenges`.

use super::ApiResult;
use crate::app::App;
use crate::http::json::{ApiJson, Created, Envelope, ResultBody};
use axum::extract::State;
use runtime_types::challenges::{
    ChallengeDto, ChallengeValidationResultDto, CreateChallengeRequest, ValidateChallengeRequest,
};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(validate))
}

/// Creates a challenge signed by the identity, the device or a relationship key.
#[utoipa::path(
    post,
    path = "/api/core/v1/Challenges",
    tag = "Challenges",
    request_body = CreateChallengeRequest,
    responses((status = 201, body = ResultBody<ChallengeDto>), (status = 400), (status = 404))
)]
async fn create(
    State(app): State<App>,
    ApiJson(request): ApiJson<CreateChallengeRequest>,
) -> ApiResult<Created<ChallengeDto>> {
    Ok(Created(app.transport.create_challenge(&request).await?))
}

/// Checks a challenge a peer signed.
#[utoipa::path(
    post,
    path = "/api/core/v1/Challenges/Validate",
    tag = "Challenges",
    request_body = ValidateChallengeRequest,
    responses((status = 200, body = ResultBody<ChallengeValidationResultDto>), (status = 400))
)]
async fn validate(
    State(app): State<App>,
    ApiJson(request): ApiJson<ValidateChallengeRequest>,
) -> ApiResult<Envelope<ChallengeValidationResultDto>> {
    Ok(Envelope(app.transport.validate_challenge(&request).await?))
}
