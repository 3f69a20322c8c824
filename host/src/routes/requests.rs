//! `/api/core/v1/Requests/Incoming` and `/api/core/v1/Requests/Outgoing`: the requests this
//! identity answers and asks. The decide routes take one parameter object per request item
//! (read by the item's processor in the consumption layer); only the decider may decide by
//! automation.

use super::{ApiResult, QueryPairs};
use crate::app::App;
use crate::http::error::{ApiError, ErrorEnvelope};
use crate::http::json::{ApiJson, Created, Envelope, ResultBody};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use runtime_types::requests::{
    CreateOutgoingRequestBody, CreateOutgoingRequestRequest, DecideRequestRequest, LocalRequestDto,
    RequestValidationResultDto,
};
use transport::TransportError;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The filters of the request lists (`wasAutomaticallyDecided` on incoming ones only); the
/// consumption layer reads the raw query with the runtime's query language.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct RequestFilters {
    id: Option<String>,
    peer: Option<String>,
    #[param(rename = "createdAt")]
    created_at: Option<String>,
    status: Option<String>,
    #[param(rename = "content.expiresAt")]
    content_expires_at: Option<String>,
    #[param(rename = "content.items.@type")]
    content_items_type: Option<String>,
    #[param(rename = "content.items.items.@type")]
    content_group_items_type: Option<String>,
    #[param(rename = "source.type")]
    source_type: Option<String>,
    #[param(rename = "source.reference")]
    source_reference: Option<String>,
    #[param(rename = "response.createdAt")]
    response_created_at: Option<String>,
    #[param(rename = "response.source.type")]
    response_source_type: Option<String>,
    #[param(rename = "response.source.reference")]
    response_source_reference: Option<String>,
    #[param(rename = "response.content.result")]
    response_content_result: Option<String>,
    #[param(rename = "response.content.items.@type")]
    response_content_items_type: Option<String>,
    #[param(rename = "response.content.items.items.@type")]
    response_content_group_items_type: Option<String>,
}

pub fn incoming_routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(can_accept))
        .routes(routes!(accept))
        .routes(routes!(can_reject))
        .routes(routes!(reject))
        .routes(routes!(get_incoming))
        .routes(routes!(list_incoming))
}

pub fn outgoing_routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(validate))
        .routes(routes!(create, list_outgoing))
        .routes(routes!(get_outgoing))
}

/// A request id in a path, checked as the runtime's schema checks it.
fn request_id(id: &str) -> Result<(), TransportError> {
    let ok =
        id.len() == 20 && id.starts_with("REQ") && id.bytes().all(|b| b.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(TransportError::invalid(
            "id must match pattern REQ[A-Za-z0-9]{17}",
        ))
    }
}

/// Over REST a decision is a person's: `decidedByAutomation` is refused.
fn by_person(body: &DecideRequestRequest) -> Result<(), ApiError> {
    if body.decided_by_automation == Some(true) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "error.connector.incomingRequests.decidedByAutomation",
            "Decided by automation is not allowed for this endpoint.",
        ));
    }
    Ok(())
}

/// Whether the request could be accepted with these parameters, item by item.
#[utoipa::path(
    put,
    path = "/api/core/v1/Requests/Incoming/{id}/CanAccept",
    tag = "Requests/Incoming",
    params(("id" = String, Path, description = "the request's id")),
    request_body = DecideRequestRequest,
    responses(
        (status = 200, body = ResultBody<RequestValidationResultDto>),
        (status = 400, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
    )
)]
async fn can_accept(
    State(app): State<App>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DecideRequestRequest>,
) -> ApiResult<Envelope<RequestValidationResultDto>> {
    by_person(&body)?;
    Ok(Envelope(
        app.consumption
            .can_decide_incoming_request(&id, &body, true)
            .await?,
    ))
}

/// Accepts the request; the answer goes to the peer right away.
#[utoipa::path(
    put,
    path = "/api/core/v1/Requests/Incoming/{id}/Accept",
    tag = "Requests/Incoming",
    params(("id" = String, Path, description = "the request's id")),
    request_body = DecideRequestRequest,
    responses(
        (status = 200, body = ResultBody<LocalRequestDto>),
        (status = 400, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
    )
)]
async fn accept(
    State(app): State<App>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DecideRequestRequest>,
) -> ApiResult<Envelope<LocalRequestDto>> {
    by_person(&body)?;
    Ok(Envelope(
        app.consumption
            .decide_incoming_request(&id, &body, true)
            .await?,
    ))
}

/// Whether the request could be rejected with these parameters.
#[utoipa::path(
    put,
    path = "/api/core/v1/Requests/Incoming/{id}/CanReject",
    tag = "Requests/Incoming",
    params(("id" = String, Path, description = "the request's id")),
    request_body = DecideRequestRequest,
    responses(
        (status = 200, body = ResultBody<RequestValidationResultDto>),
        (status = 400, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
    )
)]
async fn can_reject(
    State(app): State<App>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DecideRequestRequest>,
) -> ApiResult<Envelope<RequestValidationResultDto>> {
    by_person(&body)?;
    Ok(Envelope(
        app.consumption
            .can_decide_incoming_request(&id, &body, false)
            .await?,
    ))
}

/// Rejects the request; the answer goes to the peer right away.
#[utoipa::path(
    put,
    path = "/api/core/v1/Requests/Incoming/{id}/Reject",
    tag = "Requests/Incoming",
    params(("id" = String, Path, description = "the request's id")),
    request_body = DecideRequestRequest,
    responses(
        (status = 200, body = ResultBody<LocalRequestDto>),
        (status = 400, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
    )
)]
async fn reject(
    State(app): State<App>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DecideRequestRequest>,
) -> ApiResult<Envelope<LocalRequestDto>> {
    by_person(&body)?;
    Ok(Envelope(
        app.consumption
            .decide_incoming_request(&id, &body, false)
            .await?,
    ))
}

/// One incoming request.
#[utoipa::path(
    get,
    path = "/api/core/v1/Requests/Incoming/{id}",
    tag = "Requests/Incoming",
    params(("id" = String, Path, description = "the request's id")),
    responses(
        (status = 200, body = ResultBody<LocalRequestDto>),
        (status = 400, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
    )
)]
async fn get_incoming(
    State(app): State<App>,
    Path(id): Path<String>,
) -> ApiResult<Envelope<LocalRequestDto>> {
    request_id(&id)?;
    Ok(Envelope(app.consumption.incoming_request(&id).await?))
}

/// The incoming requests matching the filters; unknown filters are ignored.
#[utoipa::path(
    get,
    path = "/api/core/v1/Requests/Incoming",
    tag = "Requests/Incoming",
    params(
        RequestFilters,
        ("wasAutomaticallyDecided" = Option<String>, Query, description = "decided by the decider"),
    ),
    responses((status = 200, body = ResultBody<Vec<LocalRequestDto>>))
)]
async fn list_incoming(
    State(app): State<App>,
    pairs: QueryPairs,
) -> ApiResult<Envelope<Vec<LocalRequestDto>>> {
    Ok(Envelope(app.consumption.incoming_requests(&pairs.0).await?))
}

/// Whether the request could be created for the peer (or for a template, without one).
#[utoipa::path(
    post,
    path = "/api/core/v1/Requests/Outgoing/Validate",
    tag = "Requests/Outgoing",
    request_body = CreateOutgoingRequestRequest,
    responses(
        (status = 201, body = ResultBody<RequestValidationResultDto>),
        (status = 400, body = ErrorEnvelope),
    )
)]
async fn validate(
    State(app): State<App>,
    ApiJson(body): ApiJson<CreateOutgoingRequestRequest>,
) -> ApiResult<Created<RequestValidationResultDto>> {
    Ok(Created(
        app.consumption.validate_outgoing_request(&body).await?,
    ))
}

/// Creates an outgoing request as a Draft; sending it by message opens it.
#[utoipa::path(
    post,
    path = "/api/core/v1/Requests/Outgoing",
    tag = "Requests/Outgoing",
    request_body = CreateOutgoingRequestBody,
    responses(
        (status = 201, body = ResultBody<LocalRequestDto>),
        (status = 400, body = ErrorEnvelope),
    )
)]
async fn create(
    State(app): State<App>,
    ApiJson(body): ApiJson<CreateOutgoingRequestRequest>,
) -> ApiResult<Created<LocalRequestDto>> {
    Ok(Created(
        app.consumption.create_outgoing_request(&body).await?,
    ))
}

/// One outgoing request.
#[utoipa::path(
    get,
    path = "/api/core/v1/Requests/Outgoing/{id}",
    tag = "Requests/Outgoing",
    params(("id" = String, Path, description = "the request's id")),
    responses(
        (status = 200, body = ResultBody<LocalRequestDto>),
        (status = 400, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope),
    )
)]
async fn get_outgoing(
    State(app): State<App>,
    Path(id): Path<String>,
) -> ApiResult<Envelope<LocalRequestDto>> {
    request_id(&id)?;
    Ok(Envelope(app.consumption.outgoing_request(&id).await?))
}

/// The outgoing requests matching the filters; unknown filters are ignored.
#[utoipa::path(
    get,
    path = "/api/core/v1/Requests/Outgoing",
    tag = "Requests/Outgoing",
    params(RequestFilters),
    responses((status = 200, body = ResultBody<Vec<LocalRequestDto>>))
)]
async fn list_outgoing(
    State(app): State<App>,
    pairs: QueryPairs,
) -> ApiResult<Envelope<Vec<LocalRequestDto>>> {
    Ok(Envelope(app.consumption.outgoing_requests(&pairs.0).await?))
}
