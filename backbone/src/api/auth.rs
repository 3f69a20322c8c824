//! `POST /connect/token`: the OAuth2 password grant, form-encoded.

use super::AppState;
use crate::domain::auth::LoginRequest;
use crate::error::Error;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post;

pub fn routes() -> Router<AppState> {
    Router::new().route("/connect/token", post(token))
}

async fn token(
    State(backbone): State<AppState>,
    body: axum::body::Bytes,
) -> Result<Response, Error> {
    let field = |name: &str| {
        form_urlencoded::parse(&body)
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    let request = LoginRequest {
        grant_type: field("grant_type"),
        client_id: field("client_id"),
        client_secret: field("client_secret"),
        username: field("username"),
        password: field("password"),
    };
    Ok(axum::Json(backbone.login(request).await?).into_response())
}
