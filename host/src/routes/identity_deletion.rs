//! `/api/core/v1/IdentityDeletionProcess`, in debug mode only.
//!
//! The official Connector loads this controller only when `debug` is on and leaves it out of
//! its OpenAPI document; in production the path does not exist. So these routes are not
//! documented, and every request first passes [`DebugAccess`]: outside debug mode it answers
//! as an unknown route would (404, for any method and any caller), and only then is the scope
//! checked, which is why the family is not wrapped in the usual scope layer.

use super::{ApiResult, QueryPairs};
use crate::app::App;
use crate::http::auth::Principal;
use crate::http::error::ApiError;
use crate::http::json::Envelope;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::routing::post;
use runtime_types::identity_deletion::IdentityDeletionProcessDto;
use transport::TransportError;
use utoipa_axum::router::OpenApiRouter;

const PATH: &str = "/api/core/v1/IdentityDeletionProcess";
const SCOPES: &[&str] = &["debug:identityDeletionProcess"];

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new().route(
        PATH,
        post(initiate)
            .get(get_active)
            .delete(cancel)
            .fallback(other_method),
    )
}

/// Present only when the Connector runs in debug mode and the caller holds [`SCOPES`].
pub struct DebugAccess;

impl FromRequestParts<App> for DebugAccess {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ApiError> {
        if !app.config.debug {
            return Err(ApiError::route_not_found());
        }
        let allowed = parts
            .extensions
            .get::<Principal>()
            .is_some_and(|p| p.allows_any(SCOPES));
        if allowed {
            Ok(Self)
        } else {
            Err(ApiError::forbidden())
        }
    }
}

/// `POST ?lengthOfGracePeriodInDays=`: starts a deletion process.
async fn initiate(
    _: DebugAccess,
    State(app): State<App>,
    query: QueryPairs,
) -> ApiResult<Envelope<IdentityDeletionProcessDto>> {
    let days = grace_period(&query.0)?;
    Ok(Envelope(
        app.transport.initiate_identity_deletion(days).await?,
    ))
}

/// `GET`: the active process, 400 when there is none.
async fn get_active(
    _: DebugAccess,
    State(app): State<App>,
) -> ApiResult<Envelope<IdentityDeletionProcessDto>> {
    Ok(Envelope(
        app.transport.get_active_identity_deletion().await?,
    ))
}

/// `DELETE`: cancels the active process.
async fn cancel(
    _: DebugAccess,
    State(app): State<App>,
) -> ApiResult<Envelope<IdentityDeletionProcessDto>> {
    Ok(Envelope(app.transport.cancel_identity_deletion().await?))
}

async fn other_method(_: DebugAccess) -> ApiError {
    ApiError::method_not_allowed()
}

/// The optional grace period: a whole number of days, given at most once.
fn grace_period(query: &[(String, String)]) -> Result<Option<u32>, TransportError> {
    let mut values = query
        .iter()
        .filter(|(k, _)| k == "lengthOfGracePeriodInDays");
    let Some((_, text)) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(TransportError::invalid(
            "lengthOfGracePeriodInDays must be given once",
        ));
    }
    text.parse::<u32>().map(Some).map_err(|_| {
        TransportError::invalid("lengthOfGracePeriodInDays must be a whole number of days")
    })
}

#[cfg(test)]
mod tests {
    use super::grace_period;

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_grace_period_is_an_optional_whole_number() {
        assert_eq!(grace_period(&q(&[])).unwrap(), None);
        assert_eq!(
            grace_period(&q(&[("lengthOfGracePeriodInDays", "14")])).unwrap(),
            Some(14)
        );
        for bad in ["", "abc", "-1", "1.5", "99999999999"] {
            assert!(grace_period(&q(&[("lengthOfGracePeriodInDays", bad)])).is_err());
        }
        assert!(
            grace_period(&q(&[
                ("lengthOfGracePeriodInDays", "1"),
                ("lengthOfGracePeriodInDays", "2")
            ]))
            .is_err()
        );
    }
}
