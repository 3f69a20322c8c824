//! `/api/v2/SyncRuns`.

use super::{
    AppState, Auth, Body, Params, check_id, envelope, ok, paged, supported_datawallet_version,
};
use crate::domain::sync::{
    FinalizeDatawalletVersionUpgradeRequest, FinalizeExternalEventSyncRequest, StartSyncRunRequest,
};
use crate::error::Error;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post, put};
use wire::SyncRunId;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v2/SyncRuns", post(start))
        .route("/api/v2/SyncRuns/{id}", get(read))
        .route("/api/v2/SyncRuns/{id}/ExternalEvents", get(events))
        .route(
            "/api/v2/SyncRuns/{id}/FinalizeExternalEventSync",
            put(finalize_events),
        )
        .route(
            "/api/v2/SyncRuns/{id}/FinalizeDatawalletVersionUpgrade",
            put(finalize_upgrade),
        )
        .route("/api/v2/SyncRuns/{id}/RefreshExpirationTime", put(refresh))
}

async fn start(
    State(backbone): State<AppState>,
    Auth(caller): Auth,
    headers: HeaderMap,
    Body(request): Body<StartSyncRunRequest>,
) -> Result<Response, Error> {
    let version = supported_datawallet_version(&headers)?;
    let started = backbone.start_sync_run(&caller, request, version).await?;
    let status = if started.sync_run.is_some() {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(envelope(status, started))
}

async fn read(
    State(backbone): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    check_id(SyncRunId::PREFIX, &id)?;
    Ok(ok(backbone.get_sync_run(&caller, &id).await?))
}

async fn events(
    State(backbone): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    params: Params,
) -> Result<Response, Error> {
    check_id(SyncRunId::PREFIX, &id)?;
    let page = params.page(&backbone)?;
    Ok(paged(
        backbone.list_sync_run_events(&caller, &id).await?,
        page,
    ))
}

async fn finalize_events(
    State(backbone): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    Body(request): Body<FinalizeExternalEventSyncRequest>,
) -> Result<Response, Error> {
    check_id(SyncRunId::PREFIX, &id)?;
    Ok(ok(backbone
        .finalize_external_event_sync(&caller, &id, request)
        .await?))
}

async fn finalize_upgrade(
    State(backbone): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    Body(request): Body<FinalizeDatawalletVersionUpgradeRequest>,
) -> Result<Response, Error> {
    check_id(SyncRunId::PREFIX, &id)?;
    Ok(ok(backbone
        .finalize_datawallet_version_upgrade(&caller, &id, request)
        .await?))
}

async fn refresh(
    State(backbone): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    check_id(SyncRunId::PREFIX, &id)?;
    Ok(ok(backbone.refresh_sync_run(&caller, &id).await?))
}
