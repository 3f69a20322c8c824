//! `/api/core/v1/Attributes`: the attribute store. Bodies are read as JSON and checked by the
//! consumption layer against the runtime's schemas and content rules, so a wrong one gets the
//! runtime's words. The static paths (`Own/Identity`, `Execute…`, `Validate…`) win over
//! `/{id}`, as in the official router.

use super::{ApiResult, QueryPairs};
use crate::app::App;
use crate::http::error::ErrorEnvelope;
use crate::http::json::{ApiJson, Created, Envelope, ResultBody};
use axum::extract::{Path, State};
use runtime_types::attributes::{
    AttributeQueryRequest, CanCreateOwnIdentityAttributeResponse,
    CreateOwnIdentityAttributeRequest, DeleteAttributeResponse, LocalAttributeDto,
    LocalAttributeForwardingDetailsDto, NotifyPeerAboutSuccessionRequest, SucceedAttributeRequest,
    SucceedAttributeResponse, ValidateIqlQueryResponse,
};
use serde_json::Value;
use transport::TransportError;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The filters of the attribute lists, for the API document (the consumption layer reads the
/// raw query with the runtime's query language: `!v`, `>v`, `~v`, repeated keys, …). Which
/// of them a route takes is its whitelist.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct AttributeFilters {
    #[param(rename = "@type")]
    kind: Option<String>,
    #[param(rename = "createdAt")]
    created_at: Option<String>,
    succeeds: Option<String>,
    #[param(rename = "succeededBy")]
    succeeded_by: Option<String>,
    #[param(rename = "wasViewedAt")]
    was_viewed_at: Option<String>,
    #[param(rename = "isDefault")]
    is_default: Option<String>,
    #[param(rename = "content.owner")]
    content_owner: Option<String>,
    #[param(rename = "content.@type")]
    content_type: Option<String>,
    #[param(rename = "content.tags")]
    content_tags: Option<String>,
    #[param(rename = "content.value.@type")]
    content_value_type: Option<String>,
    #[param(rename = "content.key")]
    content_key: Option<String>,
    #[param(rename = "content.isTechnical")]
    content_is_technical: Option<String>,
    #[param(rename = "content.confidentiality")]
    content_confidentiality: Option<String>,
    peer: Option<String>,
    #[param(rename = "sourceReference")]
    source_reference: Option<String>,
    #[param(rename = "initialAttributePeer")]
    initial_attribute_peer: Option<String>,
    #[param(rename = "deletionInfo")]
    deletion_info: Option<String>,
    #[param(rename = "deletionInfo.deletionStatus")]
    deletion_status: Option<String>,
    #[param(rename = "deletionInfo.deletionDate")]
    deletion_date: Option<String>,
}

/// The filters of `GET /Attributes/Own/Identity`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct OwnIdentityFilters {
    /// Default `true`.
    #[param(rename = "onlyLatestVersions")]
    only_latest_versions: Option<bool>,
    #[param(rename = "createdAt")]
    created_at: Option<String>,
    #[param(rename = "wasViewedAt")]
    was_viewed_at: Option<String>,
    #[param(rename = "isDefault")]
    is_default: Option<String>,
    #[param(rename = "content.tags")]
    content_tags: Option<String>,
    #[param(rename = "content.value.@type")]
    content_value_type: Option<String>,
}

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(can_create))
        .routes(routes!(create, list))
        .routes(routes!(own_identity))
        .routes(routes!(peer_attributes))
        .routes(routes!(own_shared_with_peer))
        .routes(routes!(execute_relationship_attribute_query))
        .routes(routes!(execute_third_party_relationship_attribute_query))
        .routes(routes!(forwarding_details))
        .routes(routes!(versions_shared))
        .routes(routes!(execute_identity_attribute_query))
        .routes(routes!(execute_iql_query))
        .routes(routes!(validate_iql_query))
        .routes(routes!(succeed))
        .routes(routes!(notify_peer))
        .routes(routes!(versions))
        .routes(routes!(get_attribute, delete_attribute))
}

/// Whether an own identity attribute with this content could be created.
#[utoipa::path(
    put,
    path = "/api/core/v1/Attributes/CanCreate",
    tag = "Attributes",
    request_body = CreateOwnIdentityAttributeRequest,
    responses(
        (status = 200, body = ResultBody<CanCreateOwnIdentityAttributeResponse>),
        (status = 400, body = ErrorEnvelope),
    )
)]
async fn can_create(
    State(app): State<App>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Envelope<CanCreateOwnIdentityAttributeResponse>> {
    Ok(Envelope(
        app.consumption
            .can_create_own_identity_attribute(&body)
            .await?,
    ))
}

/// Creates an own identity attribute.
#[utoipa::path(
    post,
    path = "/api/core/v1/Attributes",
    tag = "Attributes",
    request_body = CreateOwnIdentityAttributeRequest,
    responses(
        (status = 201, body = ResultBody<LocalAttributeDto>),
        (status = 400, body = ErrorEnvelope),
    )
)]
async fn create(
    State(app): State<App>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Created<LocalAttributeDto>> {
    Ok(Created(
        app.consumption.create_own_identity_attribute(&body).await?,
    ))
}

/// Every attribute matching the filters, oldest first; unknown filters are ignored.
#[utoipa::path(
    get,
    path = "/api/core/v1/Attributes",
    tag = "Attributes",
    params(AttributeFilters),
    responses((status = 200, body = ResultBody<Vec<LocalAttributeDto>>))
)]
async fn list(
    State(app): State<App>,
    pairs: QueryPairs,
) -> ApiResult<Envelope<Vec<LocalAttributeDto>>> {
    Ok(Envelope(app.consumption.list_attributes(&pairs.0).await?))
}

/// The own identity attributes (latest versions unless `onlyLatestVersions=false`).
#[utoipa::path(
    get,
    path = "/api/core/v1/Attributes/Own/Identity",
    tag = "Attributes",
    params(OwnIdentityFilters),
    responses(
        (status = 200, body = ResultBody<Vec<LocalAttributeDto>>),
        (status = 400, body = ErrorEnvelope),
    )
)]
async fn own_identity(
    State(app): State<App>,
    pairs: QueryPairs,
) -> ApiResult<Envelope<Vec<LocalAttributeDto>>> {
    Ok(Envelope(
        app.consumption.own_identity_attributes(&pairs.0).await?,
    ))
}

/// What a peer shared.
#[utoipa::path(
    get,
    path = "/api/core/v1/Attributes/Peer/{peer}",
    tag = "Attributes",
    params(
        ("peer" = String, Path, description = "the peer's address"),
        ("onlyLatestVersions" = Option<bool>, Query, description = "default true"),
        ("hideTechnical" = Option<bool>, Query, description = "default false"),
        AttributeFilters,
    ),
    responses(
        (status = 200, body = ResultBody<Vec<LocalAttributeDto>>),
        (status = 400, body = ErrorEnvelope),
    )
)]
async fn peer_attributes(
    State(app): State<App>,
    Path(peer): Path<String>,
    pairs: QueryPairs,
) -> ApiResult<Envelope<Vec<LocalAttributeDto>>> {
    Ok(Envelope(
        app.consumption
            .peer_attributes(&peer_address(&peer)?, &pairs.0)
            .await?,
    ))
}

/// A peer's address in a path, with the runtime's message for anything else.
fn peer_address(text: &str) -> Result<wire::Address, TransportError> {
    wire::Address::parse(text).map_err(|_| {
        TransportError::invalid(format!(
            "peer must match pattern {}",
            wire::address::PATTERN
        ))
    })
}

/// Own attributes exchanged with a peer: forwarded to it, then kept with it.
#[utoipa::path(
    get,
    path = "/api/core/v1/Attributes/Own/Shared/{peer}",
    tag = "Attributes",
    params(
        ("peer" = String, Path, description = "the peer's address"),
        ("onlyLatestVersions" = Option<bool>, Query, description = "default true"),
        ("hideTechnical" = Option<bool>, Query, description = "default false"),
        AttributeFilters,
    ),
    responses(
        (status = 200, body = ResultBody<Vec<LocalAttributeDto>>),
        (status = 400, body = ErrorEnvelope),
    )
)]
async fn own_shared_with_peer(
    State(app): State<App>,
    Path(peer): Path<String>,
    pairs: QueryPairs,
) -> ApiResult<Envelope<Vec<LocalAttributeDto>>> {
    Ok(Envelope(
        app.consumption
            .own_attributes_shared_with(&peer_address(&peer)?, &pairs.0)
            .await?,
    ))
}

/// The first relationship attribute with a key and owner that is not private.
#[utoipa::path(
    post,
    path = "/api/core/v1/Attributes/ExecuteRelationshipAttributeQuery",
    tag = "Attributes",
    request_body = AttributeQueryRequest,
    responses(
        (status = 200, body = ResultBody<LocalAttributeDto>),
        (status = 400, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
    )
)]
async fn execute_relationship_attribute_query(
    State(app): State<App>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Envelope<LocalAttributeDto>> {
    Ok(Envelope(
        app.consumption
            .execute_relationship_attribute_query(&body)
            .await?,
    ))
}

/// Relationship attributes of relationships with third parties.
#[utoipa::path(
    post,
    path = "/api/core/v1/Attributes/ExecuteThirdPartyRelationshipAttributeQuery",
    tag = "Attributes",
    request_body = AttributeQueryRequest,
    responses(
        (status = 200, body = ResultBody<Vec<LocalAttributeDto>>),
        (status = 400, body = ErrorEnvelope),
    )
)]
async fn execute_third_party_relationship_attribute_query(
    State(app): State<App>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Envelope<Vec<LocalAttributeDto>>> {
    Ok(Envelope(
        app.consumption
            .execute_third_party_relationship_attribute_query(&body)
            .await?,
    ))
}

/// To whom an attribute was forwarded, deleted forwards included.
#[utoipa::path(
    get,
    path = "/api/core/v1/Attributes/{id}/ForwardingDetails",
    tag = "Attributes",
    params(("id" = String, Path, description = "ATT[A-Za-z0-9]{17}")),
    responses(
        (status = 200, body = ResultBody<Vec<LocalAttributeForwardingDetailsDto>>),
        (status = 400, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
    )
)]
async fn forwarding_details(
    State(app): State<App>,
    Path(id): Path<String>,
    pairs: QueryPairs,
) -> ApiResult<Envelope<Vec<LocalAttributeForwardingDetailsDto>>> {
    Ok(Envelope(
        app.consumption.forwarding_details(&id, &pairs.0).await?,
    ))
}

/// The versions of an attribute a peer holds, newest first.
#[utoipa::path(
    get,
    path = "/api/core/v1/Attributes/{id}/Versions/Shared",
    tag = "Attributes",
    params(
        ("id" = String, Path, description = "ATT[A-Za-z0-9]{17}"),
        ("peer" = String, Query, description = "the peer's address"),
        ("onlyLatestVersions" = Option<bool>, Query, description = "default true"),
    ),
    responses(
        (status = 200, body = ResultBody<Vec<LocalAttributeDto>>),
        (status = 400, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
    )
)]
async fn versions_shared(
    State(app): State<App>,
    Path(id): Path<String>,
    pairs: QueryPairs,
) -> ApiResult<Envelope<Vec<LocalAttributeDto>>> {
    Ok(Envelope(
        app.consumption
            .versions_shared_with_peer(&id, &pairs.0)
            .await?,
    ))
}

/// Own identity attributes of a value type (every version), with any of the given tags.
#[utoipa::path(
    post,
    path = "/api/core/v1/Attributes/ExecuteIdentityAttributeQuery",
    tag = "Attributes",
    request_body = AttributeQueryRequest,
    responses(
        (status = 200, body = ResultBody<Vec<LocalAttributeDto>>),
        (status = 400, body = ErrorEnvelope),
    )
)]
async fn execute_identity_attribute_query(
    State(app): State<App>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Envelope<Vec<LocalAttributeDto>>> {
    Ok(Envelope(
        app.consumption
            .execute_identity_attribute_query(&body)
            .await?,
    ))
}

/// The own identity attributes (every version) an IQL query matches.
#[utoipa::path(
    post,
    path = "/api/core/v1/Attributes/ExecuteIQLQuery",
    tag = "Attributes",
    request_body = AttributeQueryRequest,
    responses(
        (status = 200, body = ResultBody<Vec<LocalAttributeDto>>),
        (status = 400, body = ErrorEnvelope),
    )
)]
async fn execute_iql_query(
    State(app): State<App>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Envelope<Vec<LocalAttributeDto>>> {
    Ok(Envelope(app.consumption.execute_iql_query(&body).await?))
}

/// Whether an IQL query is valid.
#[utoipa::path(
    post,
    path = "/api/core/v1/Attributes/ValidateIQLQuery",
    tag = "Attributes",
    request_body = AttributeQueryRequest,
    responses(
        (status = 200, body = ResultBody<ValidateIqlQueryResponse>),
        (status = 400, body = ErrorEnvelope),
    )
)]
async fn validate_iql_query(
    State(app): State<App>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Envelope<ValidateIqlQueryResponse>> {
    Ok(Envelope(app.consumption.validate_iql_query(&body)?))
}

/// Creates a new version of an own identity attribute.
#[utoipa::path(
    post,
    path = "/api/core/v1/Attributes/{predecessorId}/Succeed",
    tag = "Attributes",
    params(("predecessorId" = String, Path, description = "ATT[A-Za-z0-9]{17}")),
    request_body = SucceedAttributeRequest,
    responses(
        (status = 201, body = ResultBody<SucceedAttributeResponse>),
        (status = 400, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
    )
)]
async fn succeed(
    State(app): State<App>,
    Path(predecessor_id): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Created<SucceedAttributeResponse>> {
    Ok(Created(
        app.consumption
            .succeed_attribute(&predecessor_id, &body)
            .await?,
    ))
}

/// Tells a peer that holds an older version of an own identity attribute of this version.
#[utoipa::path(
    post,
    path = "/api/core/v1/Attributes/{attributeId}/NotifyPeer",
    tag = "Attributes",
    params(("attributeId" = String, Path, description = "ATT[A-Za-z0-9]{17}")),
    request_body = NotifyPeerAboutSuccessionRequest,
    responses(
        (status = 201, body = ResultBody<SucceedAttributeResponse>),
        (status = 400, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
    )
)]
async fn notify_peer(
    State(app): State<App>,
    Path(attribute_id): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Created<SucceedAttributeResponse>> {
    Ok(Created(
        app.consumption
            .notify_peer_about_succession(&attribute_id, &body)
            .await?,
    ))
}

/// Every version of an attribute, newest first.
#[utoipa::path(
    get,
    path = "/api/core/v1/Attributes/{id}/Versions",
    tag = "Attributes",
    params(("id" = String, Path, description = "ATT[A-Za-z0-9]{17}")),
    responses(
        (status = 200, body = ResultBody<Vec<LocalAttributeDto>>),
        (status = 400, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
    )
)]
async fn versions(
    State(app): State<App>,
    Path(id): Path<String>,
) -> ApiResult<Envelope<Vec<LocalAttributeDto>>> {
    Ok(Envelope(app.consumption.attribute_versions(&id).await?))
}

/// One attribute.
#[utoipa::path(
    get,
    path = "/api/core/v1/Attributes/{id}",
    tag = "Attributes",
    params(("id" = String, Path, description = "ATT[A-Za-z0-9]{17}")),
    responses(
        (status = 200, body = ResultBody<LocalAttributeDto>),
        (status = 400, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
    )
)]
async fn get_attribute(
    State(app): State<App>,
    Path(id): Path<String>,
) -> ApiResult<Envelope<LocalAttributeDto>> {
    Ok(Envelope(app.consumption.get_attribute(&id).await?))
}

/// Deletes an attribute and its predecessors and tells the peers that hold them.
#[utoipa::path(
    delete,
    path = "/api/core/v1/Attributes/{id}",
    tag = "Attributes",
    params(("id" = String, Path, description = "ATT[A-Za-z0-9]{17}")),
    responses(
        (status = 200, body = ResultBody<DeleteAttributeResponse>),
        (status = 400, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
    )
)]
async fn delete_attribute(
    State(app): State<App>,
    Path(id): Path<String>,
) -> ApiResult<Envelope<DeleteAttributeResponse>> {
    Ok(Envelope(app.consumption.delete_attribute(&id).await?))
}
