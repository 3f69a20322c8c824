//! `/api/core/v1/IdentityMetadata`: one JSON value per (reference, key?) about the own identity
//! or a peer. The body and the query are checked against the runtime's schemas, so a wrong one
//! gets the runtime's words.

use super::{ApiResult, QueryPairs};
use crate::app::App;
use crate::http::error::ErrorEnvelope;
use crate::http::json::{ApiJson, Envelope, ResultBody};
use axum::extract::State;
use axum::http::StatusCode;
use runtime_types::identity_metadata::{
    IdentityMetadataDto, IdentityMetadataQuery, UpsertIdentityMetadataRequest,
};
use transport::TransportError;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new().routes(routes!(upsert, get, delete))
}

/// The query parameters, for the API document; [`IdentityMetadataQuery::parse`] reads them.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct QueryParams {
    /// The address of the own identity or of a peer.
    reference: String,
    /// The record's key; without it, the record that has none.
    key: Option<String>,
}

fn query(pairs: &QueryPairs) -> Result<IdentityMetadataQuery, TransportError> {
    IdentityMetadataQuery::parse(&pairs.0).map_err(TransportError::invalid)
}

/// Creates the record or replaces its value.
#[utoipa::path(
    put,
    path = "/api/core/v1/IdentityMetadata",
    tag = "IdentityMetadata",
    request_body = UpsertIdentityMetadataRequest,
    responses(
        (status = 200, body = ResultBody<IdentityMetadataDto>),
        (status = 400, body = ErrorEnvelope),
    )
)]
async fn upsert(
    State(app): State<App>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> ApiResult<Envelope<IdentityMetadataDto>> {
    let request = UpsertIdentityMetadataRequest::parse(body).map_err(TransportError::invalid)?;
    Ok(Envelope(
        app.consumption.upsert_identity_metadata(request).await?,
    ))
}

/// The record of a reference and key. A missing one is a 400, as the runtime answers.
#[utoipa::path(
    get,
    path = "/api/core/v1/IdentityMetadata",
    tag = "IdentityMetadata",
    params(QueryParams),
    responses(
        (status = 200, body = ResultBody<IdentityMetadataDto>),
        (status = 400, body = ErrorEnvelope),
    )
)]
async fn get(
    State(app): State<App>,
    pairs: QueryPairs,
) -> ApiResult<Envelope<IdentityMetadataDto>> {
    let query = query(&pairs)?;
    Ok(Envelope(
        app.consumption.get_identity_metadata(&query).await?,
    ))
}

/// Deletes the record of a reference and key.
#[utoipa::path(
    delete,
    path = "/api/core/v1/IdentityMetadata",
    tag = "IdentityMetadata",
    params(QueryParams),
    responses((status = 204), (status = 400, body = ErrorEnvelope))
)]
async fn delete(State(app): State<App>, pairs: QueryPairs) -> ApiResult<StatusCode> {
    let query = query(&pairs)?;
    app.consumption.delete_identity_metadata(&query).await?;
    Ok(StatusCode::NO_CONTENT)
}
