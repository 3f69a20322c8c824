//! The `sse` module, run inside the host rather than as a WebAssembly module: it holds a
//! long-lived authenticated stream to the Backbone (`/api/v1/sse`, where the real Backbone's SSE
//! server listens) and triggers a sync whenever the Backbone announces `ExternalEventCreated`,
//! which a module instance (alive for one call) cannot do.
//!
//! Unlike the official module it reconnects after any failure, 5xx answers included, and syncs
//! on every (re)connect, so nothing announced while disconnected waits for the next event.

use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use transport::Transport;

const STREAM_LIFETIME: Duration = Duration::from_secs(3600);
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// Starts the stream and the sync it triggers; both end when the returned handle is aborted.
pub fn start(transport: Arc<Transport>, base_url_override: Option<String>) -> SseTasks {
    let wake = Arc::new(Notify::new());
    let syncer = {
        let (transport, wake) = (transport.clone(), wake.clone());
        tokio::spawn(async move {
            loop {
                // Several announcements while a sync runs collapse into one follow-up sync.
                wake.notified().await;
                if let Err(e) = transport.sync_everything().await {
                    tracing::warn!("sync after a Backbone announcement failed: {e}");
                }
            }
        })
    };
    let listener = tokio::spawn(listen(transport, base_url_override, wake));
    SseTasks { listener, syncer }
}

pub struct SseTasks {
    listener: tokio::task::JoinHandle<()>,
    syncer: tokio::task::JoinHandle<()>,
}

impl SseTasks {
    pub fn stop(&self) {
        self.listener.abort();
        self.syncer.abort();
    }
}

async fn listen(transport: Arc<Transport>, base_url_override: Option<String>, wake: Arc<Notify>) {
    let mut backoff = Duration::from_secs(1);
    loop {
        match transport
            .open_event_stream(base_url_override.as_deref(), STREAM_LIFETIME)
            .await
        {
            Ok(response) => {
                tracing::info!("connected to the Backbone's event stream");
                backoff = Duration::from_secs(1);
                wake.notify_one();
                let mut body = response.bytes_stream();
                let mut pending = String::new();
                while let Some(chunk) = body.next().await {
                    let Ok(chunk) = chunk else { break };
                    pending.push_str(&String::from_utf8_lossy(&chunk));
                    while let Some(end) = pending.find('\n') {
                        let line: String = pending.drain(..=end).collect();
                        if line.trim_end().strip_prefix("event:").map(str::trim)
                            == Some("ExternalEventCreated")
                        {
                            wake.notify_one();
                        }
                    }
                }
                tracing::info!("the Backbone's event stream ended; reconnecting");
            }
            Err(e) => tracing::warn!(
                "cannot open the Backbone's event stream (retrying in {backoff:?}): {e}"
            ),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}
