//! `/api/v2/Tokens`; creating and reading work anonymously too.

use super::{AppState, Auth, Body, MaybeAuth, Params, check_id, created, no_content, ok, paged};
use crate::error::Error;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use consumer_api::tokens::{CreateTokenRequest, UpdateTokenContentRequest};
use wire::TokenId;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v2/Tokens", get(list).post(create))
        .route("/api/v2/Tokens/{id}", get(read).delete(remove))
        .route("/api/v2/Tokens/{id}/UpdateContent", post(update_content))
}

async fn create(
    State(backbone): State<AppState>,
    MaybeAuth(caller): MaybeAuth,
    Body(request): Body<CreateTokenRequest>,
) -> Result<Response, Error> {
    Ok(created(
        backbone.create_token(caller.as_ref(), request).await?,
    ))
}

async fn read(
    State(backbone): State<AppState>,
    MaybeAuth(caller): MaybeAuth,
    Path(id): Path<String>,
    params: Params,
) -> Result<Response, Error> {
    check_id(TokenId::PREFIX, &id)?;
    let password = params.bytes("password")?;
    Ok(ok(backbone
        .get_token(caller.as_ref(), &id, password.as_ref())
        .await?))
}

async fn list(
    State(backbone): State<AppState>,
    Auth(caller): Auth,
    params: Params,
) -> Result<Response, Error> {
    let page = params.page(&backbone)?;
    Ok(paged(
        backbone.list_tokens(&caller, &params.all("ids")).await?,
        page,
    ))
}

async fn update_content(
    State(backbone): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    Body(request): Body<UpdateTokenContentRequest>,
) -> Result<Response, Error> {
    check_id(TokenId::PREFIX, &id)?;
    Ok(ok(backbone
        .update_token_content(&caller, &id, request)
        .await?))
}

async fn remove(
    State(backbone): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    check_id(TokenId::PREFIX, &id)?;
    backbone.delete_token(&caller, &id).await?;
    Ok(no_content())
}
