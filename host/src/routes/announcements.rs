//! `/api/core/v1/Announcements`.

use super::{ApiResult, QueryPairs};
use crate::app::App;
use crate::http::json::{Envelope, ResultBody};
use axum::extract::State;
use runtime_types::announcements::AnnouncementDto;
use transport::TransportError;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new().routes(routes!(get_announcements))
}

/// The Backbone's current announcements in one language.
#[utoipa::path(
    get,
    path = "/api/core/v1/Announcements",
    tag = "Announcements",
    params(("language" = String, Query, description = "ISO 639-1 code, such as en")),
    responses((status = 200, body = ResultBody<Vec<AnnouncementDto>>), (status = 400))
)]
async fn get_announcements(
    State(app): State<App>,
    query: QueryPairs,
) -> ApiResult<Envelope<Vec<AnnouncementDto>>> {
    let mut languages = query.0.iter().filter(|(k, _)| k == "language");
    let language = languages.next().map(|(_, v)| v.as_str());
    if languages.next().is_some() {
        return Err(TransportError::invalid("language must be given once").into());
    }
    Ok(Envelope(app.transport.get_announcements(language).await?))
}
