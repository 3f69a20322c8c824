//! Push instead of polling: the Backbone's server-sent event stream announces
//! `ExternalEventCreated` whenever this identity has something new to sync.

use crate::{Result, Transport};
use std::time::Duration;

impl Transport {
    /// Opens `<base>/api/v1/sse` (or under `base_url_override`) for this device: the path the
    /// real Backbone's SSE server serves and the official `sse` module opens. The stream is
    /// closed by the client after `lifetime` at the latest, so a half-dead connection is noticed.
    pub async fn open_event_stream(
        &self,
        base_url_override: Option<&str>,
        lifetime: Duration,
    ) -> Result<reqwest::Response> {
        let base = base_url_override
            .unwrap_or(self.base_url())
            .trim_end_matches('/');
        self.backbone
            .open_stream(&format!("{base}/api/v1/sse"), lifetime)
            .await
    }
}
