//! `/api/v2/Identities`, including the deletion processes of `Self`.

use super::{AppState, Auth, Body, Params, check_id, created, ok};
use crate::domain::deletion::StartDeletionRequest;
use crate::domain::identities::CreateIdentityRequest;
use crate::error::Error;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post, put};
use wire::IdentityDeletionProcessId;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v2/Identities", post(create))
        .route("/api/v2/Identities/IsDeleted", get(is_deleted))
        .route(
            "/api/v2/Identities/Self/DeletionProcesses",
            post(start_deletion).get(list_deletions),
        )
        .route(
            "/api/v2/Identities/Self/DeletionProcesses/{id}",
            get(get_deletion),
        )
        .route(
            "/api/v2/Identities/Self/DeletionProcesses/{id}/Cancel",
            put(cancel_deletion),
        )
}

async fn create(
    State(backbone): State<AppState>,
    Body(request): Body<CreateIdentityRequest>,
) -> Result<Response, Error> {
    Ok(created(backbone.create_identity(request).await?))
}

async fn is_deleted(State(backbone): State<AppState>, params: Params) -> Result<Response, Error> {
    let username = params
        .get("username")
        .ok_or_else(|| Error::invalid_property("username"))?;
    Ok(ok(backbone.is_deleted(username).await?))
}

async fn start_deletion(
    State(backbone): State<AppState>,
    Auth(caller): Auth,
    Body(request): Body<StartDeletionRequest>,
) -> Result<Response, Error> {
    Ok(created(
        backbone.start_deletion_process(&caller, request).await?,
    ))
}

async fn list_deletions(
    State(backbone): State<AppState>,
    Auth(caller): Auth,
) -> Result<Response, Error> {
    Ok(ok(backbone.list_deletion_processes(&caller).await?))
}

async fn get_deletion(
    State(backbone): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    check_id(IdentityDeletionProcessId::PREFIX, &id)?;
    Ok(ok(backbone.get_deletion_process(&caller, &id).await?))
}

async fn cancel_deletion(
    State(backbone): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    check_id(IdentityDeletionProcessId::PREFIX, &id)?;
    Ok(ok(backbone.cancel_deletion_process(&caller, &id).await?))
}
