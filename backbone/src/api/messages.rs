//! `/api/v2/Messages`.

use super::{AppState, Auth, Body, Params, check_id, created, ok, paged};
use crate::domain::messages::SendMessageRequest;
use crate::error::Error;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use wire::MessageId;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v2/Messages", get(list).post(send))
        .route("/api/v2/Messages/{id}", get(read))
}

async fn send(
    State(backbone): State<AppState>,
    Auth(caller): Auth,
    Body(request): Body<SendMessageRequest>,
) -> Result<Response, Error> {
    Ok(created(backbone.send_message(&caller, request).await?))
}

async fn read(
    State(backbone): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    params: Params,
) -> Result<Response, Error> {
    check_id(MessageId::PREFIX, &id)?;
    let no_body = params
        .get("noBody")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    Ok(ok(backbone.get_message(&caller, &id, no_body).await?))
}

async fn list(
    State(backbone): State<AppState>,
    Auth(caller): Auth,
    params: Params,
) -> Result<Response, Error> {
    let page = params.page(&backbone)?;
    Ok(paged(
        backbone.list_messages(&caller, &params.all("ids")).await?,
        page,
    ))
}
