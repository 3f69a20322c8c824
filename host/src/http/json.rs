//! JSON request bodies: up to 2 MB, syntax errors as `invalidJsonInPayload`, shape errors as
//! `invalidPropertyValue` naming the property, as the official Connector answers.

use super::error::ApiError;
use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub const BODY_LIMIT: usize = 2 * 1024 * 1024;

pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| {
                if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::payload_too_large(BODY_LIMIT)
                } else {
                    ApiError::invalid_json(e.body_text())
                }
            })?;
        let body = if bytes.is_empty() {
            &b"{}"[..]
        } else {
            &bytes[..]
        };
        // Syntax first: a body that is not JSON at all is a different error from a wrong shape.
        let value: serde_json::Value =
            serde_json::from_slice(body).map_err(|e| ApiError::invalid_json(e.to_string()))?;
        let parsed = serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            ApiError::invalid_property(format!("{path}: {}", e.into_inner()))
        })?;
        Ok(ApiJson(parsed))
    }
}

/// `{"result": …}` with 200.
pub struct Envelope<T>(pub T);

/// `{"result": [ … ]}` with 200, the list's documents passed on as the store holds them:
/// written to the client as they are read, so the answer is never whole in memory.
/// (The route's API document still names the DTO list it is.)
pub struct EnvelopeStream(pub store::JsonRows);

impl IntoResponse for EnvelopeStream {
    fn into_response(self) -> Response {
        use axum::body::Bytes;
        use futures_util::StreamExt;
        // Rows are gathered into chunks of about this size: one write per row would cost a
        // frame and a syscall each.
        const CHUNK: usize = 32 * 1024;
        struct State {
            rows: store::JsonRows,
            started: bool,
            done: bool,
        }
        let state = State {
            rows: self.0,
            started: false,
            done: false,
        };
        // Fused: a layer around the body (compression) may poll once more after the end.
        let body = futures_util::stream::unfold(state, |mut st| async move {
            if st.done {
                return None;
            }
            let mut chunk = Vec::with_capacity(CHUNK + 1024);
            if !st.started {
                chunk.extend_from_slice(b"{\"result\":[");
            }
            loop {
                match st.rows.recv().await {
                    Some(Ok(row)) => {
                        if st.started {
                            chunk.push(b',');
                        }
                        st.started = true;
                        chunk.extend_from_slice(row.as_bytes());
                        if chunk.len() >= CHUNK {
                            return Some((Ok::<_, store::StoreError>(Bytes::from(chunk)), st));
                        }
                    }
                    Some(Err(e)) => {
                        // The status is sent already: the answer can only break off.
                        tracing::error!("a listing failed while it was sent: {e}");
                        st.done = true;
                        return Some((Err(e), st));
                    }
                    None => {
                        st.started = true;
                        st.done = true;
                        chunk.extend_from_slice(b"]}");
                        return Some((Ok(Bytes::from(chunk)), st));
                    }
                }
            }
        })
        .fuse();
        (
            [(
                axum::http::header::CONTENT_TYPE,
                "application/json; charset=utf-8",
            )],
            axum::body::Body::from_stream(body),
        )
            .into_response()
    }
}

/// `{"result": …}` with 201.
pub struct Created<T>(pub T);

/// The success envelope, also the response schema of every route in the API document:
/// `responses((status = 200, body = ResultBody<MessageDto>))`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ResultBody<T> {
    pub result: T,
}

impl<T: Serialize> IntoResponse for Envelope<T> {
    fn into_response(self) -> Response {
        axum::Json(ResultBody { result: self.0 }).into_response()
    }
}

impl<T: Serialize> IntoResponse for Created<T> {
    fn into_response(self) -> Response {
        (
            axum::http::StatusCode::CREATED,
            [("location", "_")],
            axum::Json(ResultBody { result: self.0 }),
        )
            .into_response()
    }
}
