//! `/api/v2/Datawallet`.

use super::{AppState, Auth, Body, Params, created, ok, paged, supported_datawallet_version};
use crate::domain::datawallet::PushModificationsRequest;
use crate::error::Error;
use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v2/Datawallet", get(read))
        .route("/api/v2/Datawallet/Modifications", get(list).post(push))
}

async fn read(
    State(backbone): State<AppState>,
    Auth(caller): Auth,
    headers: HeaderMap,
) -> Result<Response, Error> {
    let version = supported_datawallet_version(&headers)?;
    Ok(ok(backbone.get_datawallet(&caller, version).await?))
}

async fn list(
    State(backbone): State<AppState>,
    Auth(caller): Auth,
    headers: HeaderMap,
    params: Params,
) -> Result<Response, Error> {
    let version = supported_datawallet_version(&headers)?;
    let page = params.page(&backbone)?;
    let local_index = match params.get("localIndex") {
        Some(v) => Some(
            v.parse::<i64>()
                .map_err(|_| Error::invalid_property("localIndex"))?,
        ),
        None => None,
    };
    Ok(paged(
        backbone
            .list_modifications(&caller, local_index, version)
            .await?,
        page,
    ))
}

async fn push(
    State(backbone): State<AppState>,
    Auth(caller): Auth,
    headers: HeaderMap,
    Body(request): Body<PushModificationsRequest>,
) -> Result<Response, Error> {
    let version = supported_datawallet_version(&headers)?;
    Ok(created(
        backbone
            .push_modifications(&caller, request, version)
            .await?,
    ))
}
