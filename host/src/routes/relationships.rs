//! `/api/core/v1/Relationships`: typed bodies and ids in, `RelationshipDTO`s out.

use super::{ApiResult, QueryPairs};
use crate::app::App;
use crate::http::error::ErrorEnvelope;
use crate::http::json::{ApiJson, Created, Envelope, ResultBody};
use crate::http::path::ApiPath;
use axum::extract::State;
use axum::http::StatusCode;
use runtime_types::attributes::LocalAttributeDto;
use runtime_types::relationships::{
    CanCreateRelationshipRequest, CanCreateRelationshipResponse, CreateRelationshipRequest,
    RelationshipDto,
};
use serde::Deserialize;
use transport::TransportError;
use transport::relationships::Transition;
use utoipa_axum::{router::OpenApiRouter, routes};
use wire::RelationshipId;

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(can_create))
        .routes(routes!(create, list))
        .routes(routes!(get_relationship, decompose))
        .routes(routes!(attributes))
        .routes(routes!(accept))
        .routes(routes!(reject))
        .routes(routes!(revoke))
        .routes(routes!(terminate))
        .routes(routes!(reactivate))
        .routes(routes!(accept_reactivation))
        .routes(routes!(reject_reactivation))
        .routes(routes!(revoke_reactivation))
}

/// The path of every route about one relationship.
#[derive(Deserialize)]
struct RelationshipPath {
    id: RelationshipId,
}

#[utoipa::path(
    put,
    path = "/api/core/v1/Relationships/CanCreate",
    tag = "Relationships",
    request_body = CanCreateRelationshipRequest,
    responses(
        (status = 200, body = ResultBody<CanCreateRelationshipResponse>),
        (status = 400, body = ErrorEnvelope),
    )
)]
async fn can_create(
    State(app): State<App>,
    ApiJson(request): ApiJson<CanCreateRelationshipRequest>,
) -> ApiResult<Envelope<CanCreateRelationshipResponse>> {
    Ok(Envelope(
        app.transport.can_create_relationship(request).await?,
    ))
}

/// Requests a relationship against a loaded peer template.
#[utoipa::path(
    post,
    path = "/api/core/v1/Relationships",
    tag = "Relationships",
    request_body = CreateRelationshipRequest,
    responses(
        (status = 201, body = ResultBody<RelationshipDto>),
        (status = 400, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
    )
)]
async fn create(
    State(app): State<App>,
    ApiJson(request): ApiJson<CreateRelationshipRequest>,
) -> ApiResult<Created<RelationshipDto>> {
    Ok(Created(app.transport.create_relationship(request).await?))
}

/// The query is the official query language over these keys.
#[utoipa::path(
    get,
    path = "/api/core/v1/Relationships",
    tag = "Relationships",
    params(
        ("templateId" = Option<String>, Query),
        ("peer" = Option<String>, Query),
        ("status" = Option<String>, Query),
    ),
    responses(
        (status = 200, body = ResultBody<Vec<RelationshipDto>>),
        (status = 400, body = ErrorEnvelope),
    )
)]
async fn list(
    State(app): State<App>,
    query: QueryPairs,
) -> ApiResult<Envelope<Vec<RelationshipDto>>> {
    Ok(Envelope(app.transport.list_relationships(&query.0).await?))
}

#[utoipa::path(
    get,
    path = "/api/core/v1/Relationships/{id}",
    tag = "Relationships",
    params(("id" = String, Path, description = "REL[A-Za-z0-9]{17}")),
    responses(
        (status = 200, body = ResultBody<RelationshipDto>),
        (status = 400, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
    )
)]
async fn get_relationship(
    State(app): State<App>,
    ApiPath(path): ApiPath<RelationshipPath>,
) -> ApiResult<Envelope<RelationshipDto>> {
    Ok(Envelope(app.transport.get_relationship(&path.id).await?))
}

/// The attributes exchanged with the relationship's peer (`getAttributesExchangedWithPeer`):
/// those forwarded to it, then those kept with it, latest versions only.
#[utoipa::path(
    get,
    path = "/api/core/v1/Relationships/{id}/Attributes",
    tag = "Relationships",
    params(("id" = String, Path, description = "REL[A-Za-z0-9]{17}")),
    responses(
        (status = 200, body = ResultBody<Vec<LocalAttributeDto>>),
        (status = 400, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
    )
)]
async fn attributes(
    State(app): State<App>,
    ApiPath(path): ApiPath<RelationshipPath>,
) -> ApiResult<Envelope<Vec<LocalAttributeDto>>> {
    let relationship = app.transport.get_relationship(&path.id).await?;
    let peer = wire::Address::parse(&relationship.peer)
        .map_err(|e| TransportError::Internal(format!("stored peer: {e}")))?;
    Ok(Envelope(
        app.consumption
            .attributes_exchanged_with(&peer, &[], None)
            .await?,
    ))
}

/// Decomposes the relationship and deletes its data.
#[utoipa::path(
    delete,
    path = "/api/core/v1/Relationships/{id}",
    tag = "Relationships",
    params(("id" = String, Path, description = "REL[A-Za-z0-9]{17}")),
    responses(
        (status = 204),
        (status = 400, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
    )
)]
async fn decompose(
    State(app): State<App>,
    ApiPath(path): ApiPath<RelationshipPath>,
) -> ApiResult<StatusCode> {
    app.transport.decompose_relationship(&path.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn transition(
    app: &App,
    id: &RelationshipId,
    transition: Transition,
) -> ApiResult<Envelope<RelationshipDto>> {
    Ok(Envelope(
        app.transport.relationship_action(id, transition).await?,
    ))
}

/// One `PUT /Relationships/{id}/…` route per transition: no body, the changed relationship
/// back.
macro_rules! transition_route {
    ($name:ident, $path:literal, $transition:expr) => {
        #[utoipa::path(
                            put,
                            path = $path,
                            tag = "Relationships",
                            params(("id" = String, Path, description = "REL[A-Za-z0-9]{17}")),
                            responses(
                                (status = 200, body = ResultBody<RelationshipDto>),
                                (status = 400, body = ErrorEnvelope),
                                (status = 404, body = ErrorEnvelope),
                            )
                        )]
        async fn $name(
            State(app): State<App>,
            ApiPath(path): ApiPath<RelationshipPath>,
        ) -> ApiResult<Envelope<RelationshipDto>> {
            transition(&app, &path.id, $transition).await
        }
    };
}

transition_route!(
    accept,
    "/api/core/v1/Relationships/{id}/Accept",
    Transition::Accept
);
transition_route!(
    reject,
    "/api/core/v1/Relationships/{id}/Reject",
    Transition::Reject
);
transition_route!(
    revoke,
    "/api/core/v1/Relationships/{id}/Revoke",
    Transition::Revoke
);
transition_route!(
    terminate,
    "/api/core/v1/Relationships/{id}/Terminate",
    Transition::Terminate
);
transition_route!(
    reactivate,
    "/api/core/v1/Relationships/{id}/Reactivate",
    Transition::RequestReactivation
);
transition_route!(
    accept_reactivation,
    "/api/core/v1/Relationships/{id}/Reactivate/Accept",
    Transition::AcceptReactivation
);
transition_route!(
    reject_reactivation,
    "/api/core/v1/Relationships/{id}/Reactivate/Reject",
    Transition::RejectReactivation
);
transition_route!(
    revoke_reactivation,
    "/api/core/v1/Relationships/{id}/Reactivate/Revoke",
    Transition::RevokeReactivation
);
