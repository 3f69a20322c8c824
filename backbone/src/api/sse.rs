//! `/api/v1/sse` and `/api/v2/sse`: a server-sent event stream that says `ConnectionOpened` and
//! then `ExternalEventCreated` whenever the caller has something new to sync.

use super::{AppState, Auth};
use axum::Router;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use futures_util::stream::{self, Stream, StreamExt};
use std::convert::Infallible;
use tokio_stream::wrappers::BroadcastStream;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/sse", get(subscribe))
        .route("/api/v2/sse", get(subscribe))
}

fn event(name: &str) -> Event {
    // The official server sends a placeholder payload; clients only look at the event name.
    Event::default().event(name).data("_")
}

async fn subscribe(
    State(backbone): State<AppState>,
    Auth(caller): Auth,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let owner = caller.address;
    let notices = BroadcastStream::new(backbone.subscribe()).filter_map(move |notice| {
        let owner = owner.clone();
        async move {
            match notice {
                Ok(n) if n.owner == owner => Some(Ok(event(n.event_name))),
                Ok(_) => None,
                // Lagging behind only means several notices were merged; one is enough to sync.
                Err(_) => Some(Ok(event("ExternalEventCreated"))),
            }
        }
    });
    let opened = stream::once(async { Ok(event("ConnectionOpened")) });
    Sse::new(opened.chain(notices)).keep_alive(KeepAlive::default())
}
