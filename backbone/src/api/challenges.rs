//! `/api/v2/Challenges`.

use super::{AppState, Auth, MaybeAuth, check_id, created, ok};
use crate::error::Error;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use wire::ChallengeId;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v2/Challenges", post(create))
        .route("/api/v2/Challenges/{id}", get(read))
}

async fn create(
    State(backbone): State<AppState>,
    MaybeAuth(caller): MaybeAuth,
) -> Result<Response, Error> {
    Ok(created(backbone.create_challenge(caller.as_ref()).await?))
}

async fn read(
    State(backbone): State<AppState>,
    Auth(_caller): Auth,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    check_id(ChallengeId::PREFIX, &id)?;
    Ok(ok(backbone.get_challenge(&id).await?))
}
