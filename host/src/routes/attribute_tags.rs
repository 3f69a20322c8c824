//! `GET /api/core/v1/Attributes/TagCollection`: the Backbone's attribute tag catalogue as the
//! runtime shows it. Transport caches it for five minutes, so most calls cost no request to
//! the Backbone; a failing Backbone with a stale cache fails the call with its error.

use super::ApiResult;
use crate::app::App;
use crate::http::error::ErrorEnvelope;
use crate::http::json::{Envelope, ResultBody};
use axum::extract::State;
use runtime_types::attribute_tags::AttributeTagCollectionDto;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new().routes(routes!(get_tag_collection))
}

/// The valid tags for attributes, by attribute value type, with their display names.
#[utoipa::path(
    get,
    path = "/api/core/v1/Attributes/TagCollection",
    tag = "Attributes",
    responses(
        (status = 200, body = ResultBody<AttributeTagCollectionDto>),
        (status = 500, body = ErrorEnvelope),
    )
)]
async fn get_tag_collection(
    State(app): State<App>,
) -> ApiResult<Envelope<AttributeTagCollectionDto>> {
    Ok(Envelope(app.consumption.attribute_tag_collection().await?))
}
