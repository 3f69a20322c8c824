//! `/api/v2/Relationships`.

use super::{AppState, Auth, Body, Params, check_id, created, ok, paged};
use crate::domain::relationships::{CreateRelationshipRequest, Transition};
use crate::error::Error;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, put};
use consumer_api::relationships::ChangeRelationshipRequest;
use wire::{Address, RelationshipId};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v2/Relationships", get(list).post(create))
        .route("/api/v2/Relationships/CanCreate", get(can_create))
        .route("/api/v2/Relationships/{id}", get(read))
        .route("/api/v2/Relationships/{id}/Accept", put(accept))
        .route("/api/v2/Relationships/{id}/Reject", put(reject))
        .route("/api/v2/Relationships/{id}/Revoke", put(revoke))
        .route("/api/v2/Relationships/{id}/Terminate", put(terminate))
        .route("/api/v2/Relationships/{id}/Decompose", put(decompose))
        .route("/api/v2/Relationships/{id}/Reactivate", put(reactivate))
        .route(
            "/api/v2/Relationships/{id}/Reactivate/Accept",
            put(accept_reactivation),
        )
        .route(
            "/api/v2/Relationships/{id}/Reactivate/Reject",
            put(reject_reactivation),
        )
        .route(
            "/api/v2/Relationships/{id}/Reactivate/Revoke",
            put(revoke_reactivation),
        )
}

async fn can_create(
    State(backbone): State<AppState>,
    Auth(caller): Auth,
    params: Params,
) -> Result<Response, Error> {
    let peer = params
        .get("peer")
        .and_then(|p| Address::parse(p).ok())
        .ok_or_else(|| Error::invalid_property("peer"))?;
    Ok(ok(backbone.can_create_relationship(&caller, &peer).await?))
}

async fn create(
    State(backbone): State<AppState>,
    Auth(caller): Auth,
    Body(request): Body<CreateRelationshipRequest>,
) -> Result<Response, Error> {
    Ok(created(
        backbone.create_relationship(&caller, request).await?,
    ))
}

async fn read(
    State(backbone): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    check_id(RelationshipId::PREFIX, &id)?;
    Ok(ok(backbone.get_relationship(&caller, &id).await?))
}

async fn list(
    State(backbone): State<AppState>,
    Auth(caller): Auth,
    params: Params,
) -> Result<Response, Error> {
    let page = params.page(&backbone)?;
    Ok(paged(
        backbone
            .list_relationships(&caller, &params.all("ids"))
            .await?,
        page,
    ))
}

async fn change(
    backbone: AppState,
    caller: crate::domain::Caller,
    id: String,
    transition: Transition,
    body: ChangeRelationshipRequest,
) -> Result<Response, Error> {
    check_id(RelationshipId::PREFIX, &id)?;
    Ok(ok(backbone
        .transition_relationship(&caller, &id, transition, body.creation_response_content)
        .await?))
}

macro_rules! transition_handler {
    ($name:ident, $transition:expr) => {
        async fn $name(
            State(backbone): State<AppState>,
            Auth(caller): Auth,
            Path(id): Path<String>,
            Body(body): Body<ChangeRelationshipRequest>,
        ) -> Result<Response, Error> {
            change(backbone, caller, id, $transition, body).await
        }
    };
}

transition_handler!(accept, Transition::Accept);
transition_handler!(reject, Transition::Reject);
transition_handler!(revoke, Transition::Revoke);
transition_handler!(terminate, Transition::Terminate);
transition_handler!(decompose, Transition::Decompose);
transition_handler!(reactivate, Transition::RequestReactivation);
transition_handler!(accept_reactivation, Transition::AcceptReactivation);
transition_handler!(reject_reactivation, Transition::RejectReactivation);
transition_handler!(revoke_reactivation, Transition::RevokeReactivation);
