//! `/api/v2/Devices`.

use super::{AppState, Auth, Body, check_id, created, no_content, ok};
use crate::domain::devices::{ChangePasswordRequest, PushRegistration, RegisterDeviceRequest};
use crate::error::Error;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{delete, get, put};
use serde::Deserialize;
use wire::DeviceId;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v2/Devices", get(list).post(register))
        .route("/api/v2/Devices/Self", get(own).put(update_own))
        .route("/api/v2/Devices/Self/Password", put(change_password))
        .route(
            "/api/v2/Devices/Self/PushNotifications",
            put(register_push).delete(unregister_push),
        )
        .route("/api/v2/Devices/{id}", delete(remove))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateDevice {
    communication_language: String,
}

async fn register(
    State(backbone): State<AppState>,
    Auth(caller): Auth,
    Body(request): Body<RegisterDeviceRequest>,
) -> Result<Response, Error> {
    Ok(created(backbone.register_device(&caller, request).await?))
}

async fn list(State(backbone): State<AppState>, Auth(caller): Auth) -> Result<Response, Error> {
    Ok(ok(backbone.list_devices(&caller).await?))
}

async fn own(State(backbone): State<AppState>, Auth(caller): Auth) -> Result<Response, Error> {
    Ok(ok(backbone.get_own_device(&caller).await?))
}

async fn update_own(
    State(backbone): State<AppState>,
    Auth(caller): Auth,
    Body(request): Body<UpdateDevice>,
) -> Result<Response, Error> {
    backbone
        .update_own_device(&caller, &request.communication_language)
        .await?;
    Ok(no_content())
}

async fn change_password(
    State(backbone): State<AppState>,
    Auth(caller): Auth,
    Body(request): Body<ChangePasswordRequest>,
) -> Result<Response, Error> {
    backbone.change_password(&caller, request).await?;
    Ok(no_content())
}

async fn register_push(
    State(backbone): State<AppState>,
    Auth(caller): Auth,
    Body(request): Body<PushRegistration>,
) -> Result<Response, Error> {
    Ok(ok(backbone.register_push(&caller, request).await?))
}

async fn unregister_push(
    State(backbone): State<AppState>,
    Auth(caller): Auth,
) -> Result<Response, Error> {
    backbone.unregister_push(&caller).await?;
    Ok(no_content())
}

async fn remove(
    State(backbone): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    check_id(DeviceId::PREFIX, &id)?;
    backbone.delete_device(&caller, &id).await?;
    Ok(no_content())
}
