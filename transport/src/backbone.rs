//! The HTTP client for the Backbone's Consumer API: the OAuth password grant for the device,
//! the `{"result": …}` envelope, pagination and the Backbone's error envelope, and one typed
//! helper per Consumer API operation of the account, sync, challenge, deletion, notification
//! and announcement families (requests and answers are [`consumer_api`] types).
//!
//! It knows routes and envelopes, never what the payloads mean. Credentials stay inside; they
//! never reach a log line.

use crate::error::{BackboneError, Result, TransportError};
use crate::metrics::{
    BACKBONE_DURATION, BACKBONE_ERRORS, BACKBONE_REQUESTS, endpoint_label, method_label,
};
use consumer_api::announcements::Announcement;
use consumer_api::challenges::Challenge;
use consumer_api::identities::{
    CreateIdentityRequest, CreatedIdentity, DeletionProcess, StartDeletionProcessRequest,
};
use consumer_api::notifications::SendNotificationRequest;
use consumer_api::sync::{
    ExternalEvent, FinalizeDatawalletVersionUpgradeRequest, FinalizeExternalEventSyncRequest,
    FinalizedDatawalletVersionUpgrade, FinalizedExternalEventSync, StartSyncRunRequest,
    StartedSyncRun,
};
use consumer_api::tags::TagCollection;
use reqwest::{Method, RequestBuilder};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;
use zeroize::Zeroizing;

/// Tokens are renewed this long before the Backbone says they expire, as transport does.
const RENEW_BEFORE_EXPIRY: Duration = Duration::from_secs(10);
/// The longest a token is trusted, whatever the Backbone says its lifetime is (an absurd
/// `expires_in` must not overflow the clock arithmetic).
const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// When a token the Backbone gave at `now` for `lifetime` is renewed.
fn renew_at(now: Instant, lifetime: Duration) -> Instant {
    now + lifetime
        .min(MAX_TOKEN_LIFETIME)
        .saturating_sub(RENEW_BEFORE_EXPIRY)
}
/// The datawallet version this client speaks; the Backbone requires it on sync calls.
pub const DATAWALLET_VERSION: u16 = 1;

/// What the device logs in with.
#[derive(Clone)]
pub struct DeviceCredentials {
    pub username: String,
    pub password: Zeroizing<String>,
}

impl std::fmt::Debug for DeviceCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceCredentials")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

pub struct BackboneClient {
    http: reqwest::Client,
    base_url: String,
    client_id: String,
    client_secret: Zeroizing<String>,
    additional_headers: Vec<(String, String)>,
    device: std::sync::RwLock<Option<DeviceCredentials>>,
    token: Mutex<Option<(Zeroizing<String>, Instant)>>,
}

/// How often an idempotent read is tried before its failure is reported.
const READ_ATTEMPTS: u32 = 4;

/// One page or the whole of a list answer.
#[derive(serde::Deserialize)]
struct Paged<T> {
    result: Vec<T>,
    pagination: Option<Pagination>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Pagination {
    total_pages: u32,
}

impl BackboneClient {
    pub fn new(
        http: reqwest::Client,
        base_url: &str,
        client_id: &str,
        client_secret: &str,
        additional_headers: Vec<(String, String)>,
    ) -> Self {
        Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            client_id: client_id.to_owned(),
            client_secret: Zeroizing::new(client_secret.to_owned()),
            additional_headers,
            device: std::sync::RwLock::new(None),
            token: Mutex::new(None),
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    pub fn client_secret(&self) -> &str {
        &self.client_secret
    }

    pub fn set_device(&self, credentials: DeviceCredentials) {
        if let Ok(mut d) = self.device.write() {
            *d = Some(credentials);
        }
    }

    pub fn device(&self) -> Option<DeviceCredentials> {
        self.device.read().ok().and_then(|d| d.clone())
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    fn unreachable(&self, e: reqwest::Error) -> TransportError {
        TransportError::Unreachable {
            url: self.base_url.clone(),
            detail: e.without_url().to_string(),
        }
    }

    fn prepare(&self, method: Method, path: &str) -> RequestBuilder {
        let mut req = self
            .http
            .request(method, self.url(path))
            .header("X-Supported-Datawallet-Version", DATAWALLET_VERSION);
        for (name, value) in &self.additional_headers {
            req = req.header(name, value);
        }
        req
    }

    /// A bearer token for the device, logging in when none is valid.
    async fn token(&self) -> Result<Zeroizing<String>> {
        let mut guard = self.token.lock().await;
        if let Some((token, until)) = guard.as_ref()
            && Instant::now() < *until
        {
            return Ok(token.clone());
        }
        let device = self.device().ok_or_else(|| {
            TransportError::Internal("no device credentials to log in with".into())
        })?;
        let (token, lifetime) = self.login(&device).await?;
        let until = renew_at(Instant::now(), lifetime);
        *guard = Some((token.clone(), until));
        Ok(token)
    }

    /// The OAuth password grant. Wrong platform client or device credentials are a 400/401
    /// from the Backbone, reported as `error.platform.unauthorized`.
    pub async fn login(&self, device: &DeviceCredentials) -> Result<(Zeroizing<String>, Duration)> {
        let form = [
            ("grant_type", "password"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.as_str()),
            ("username", device.username.as_str()),
            ("password", device.password.as_str()),
        ];
        let response = self
            .execute(self.prepare(Method::POST, "/connect/token").form(&form))
            .await?;
        let status = response.status();
        if !status.is_success() {
            return Err(BackboneError {
                status: 401,
                code: "error.platform.unauthorized".into(),
                message: format!(
                    "the Backbone refused the login of the device (HTTP {})",
                    status.as_u16()
                ),
            }
            .into());
        }
        #[derive(serde::Deserialize)]
        struct TokenAnswer {
            access_token: String,
            expires_in: Option<u64>,
        }
        let answer: TokenAnswer = response
            .json()
            .await
            .map_err(|e| TransportError::Internal(format!("token answer: {e}")))?;
        Ok((
            Zeroizing::new(answer.access_token),
            Duration::from_secs(answer.expires_in.unwrap_or(300)),
        ))
    }

    async fn send(
        &self,
        authenticated: bool,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<reqwest::Response> {
        // One retry after a 401: the token may have expired early on the Backbone's side.
        for attempt in 0..2 {
            let mut req = build();
            if authenticated {
                req = req.bearer_auth(self.token().await?.as_str());
            }
            let response = self.execute(req).await?;
            if authenticated && response.status().as_u16() == 401 && attempt == 0 {
                *self.token.lock().await = None;
                continue;
            }
            return Ok(response);
        }
        unreachable!("the loop returns on its second attempt")
    }

    /// Sends one request, recording its duration and outcome by route (see
    /// `crate::metrics`); every Backbone call but the event stream goes through here.
    async fn execute(&self, req: RequestBuilder) -> Result<reqwest::Response> {
        let (client, request) = req.build_split();
        let request = request.map_err(|e| self.unreachable(e))?;
        let method = method_label(request.method());
        let endpoint = endpoint_label(request.url().path());
        let started = Instant::now();
        let result = client.execute(request).await;
        metrics::histogram!(BACKBONE_DURATION, "method" => method, "endpoint" => endpoint.clone())
            .record(started.elapsed().as_secs_f64());
        let (status, error) = match &result {
            Ok(response) => {
                let status = response.status();
                let error = if status.is_server_error() {
                    Some("server")
                } else if status.is_client_error() {
                    Some("client")
                } else {
                    None
                };
                (status.as_u16().to_string(), error)
            }
            Err(_) => ("unreachable".to_owned(), Some("unreachable")),
        };
        if let Some(kind) = error {
            metrics::counter!(BACKBONE_ERRORS, "method" => method, "endpoint" => endpoint.clone(), "kind" => kind)
                .increment(1);
        }
        metrics::counter!(BACKBONE_REQUESTS, "method" => method, "endpoint" => endpoint, "status" => status)
            .increment(1);
        result.map_err(|e| self.unreachable(e))
    }

    async fn error_of(response: reqwest::Response) -> TransportError {
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let code = body
            .pointer("/error/code")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| match status {
                401 => "error.platform.unauthorized".into(),
                403 => "error.platform.forbidden".into(),
                404 => "error.platform.recordNotFound".into(),
                _ => "error.platform.unexpected".into(),
            });
        let message = body
            .pointer("/error/message")
            .and_then(Value::as_str)
            .unwrap_or("the Backbone answered with an error")
            .to_owned();
        BackboneError {
            status,
            code,
            message,
        }
        .into()
    }

    async fn result<T: DeserializeOwned>(&self, response: reqwest::Response) -> Result<T> {
        if !response.status().is_success() {
            return Err(Self::error_of(response).await);
        }
        if response.status().as_u16() == 204 {
            return serde_json::from_value(Value::Object(Default::default()))
                .map_err(|e| TransportError::Internal(format!("empty Backbone answer: {e}")));
        }
        // A connection lost in the middle of the answer is a passing failure, unlike an answer
        // that arrived whole and is not JSON.
        let bytes = response.bytes().await.map_err(|e| self.unreachable(e))?;
        let body: Value = serde_json::from_slice(&bytes)
            .map_err(|e| TransportError::Internal(format!("Backbone answer is not JSON: {e}")))?;
        let result = body.get("result").cloned().unwrap_or(Value::Null);
        serde_json::from_value(result)
            .map_err(|e| TransportError::Internal(format!("unexpected Backbone answer shape: {e}")))
    }

    /// A call without a bearer token (challenges, identity creation, tokens).
    pub async fn anonymous<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &impl Serialize,
    ) -> Result<T> {
        self.call_json(false, method, path, body).await
    }

    /// An authenticated read, tried again after a passing failure (see [`Self::retrying`]).
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        self.retrying(|| async {
            let response = self.send(true, || self.prepare(Method::GET, path)).await?;
            self.result(response).await
        })
        .await
    }

    /// Runs an idempotent read again after a passing failure (the Backbone unreachable or
    /// timing out, a 5xx or 429, a connection lost mid-answer), pausing 0.1, 0.4 and 1.6 s:
    /// a sync then rides out a short outage instead of deferring every event it fetches.
    async fn retrying<T, F, Fut>(&self, mut read: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        let mut pause = Duration::from_millis(100);
        for _ in 1..READ_ATTEMPTS {
            match read().await {
                Err(e) if e.is_transient() => {
                    tracing::debug!(error = %e, "Backbone read failed; trying again");
                    tokio::time::sleep(pause).await;
                    pause *= 4;
                }
                other => return other,
            }
        }
        read().await
    }

    pub async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &impl Serialize,
    ) -> Result<T> {
        self.call_json(true, method, path, body).await
    }

    async fn call_json<T: DeserializeOwned>(
        &self,
        authenticated: bool,
        method: Method,
        path: &str,
        body: &impl Serialize,
    ) -> Result<T> {
        let response = self
            .send(authenticated, || {
                self.prepare(method.clone(), path).json(body)
            })
            .await?;
        self.result(response).await
    }

    /// A call whose answer is 204 or ignored, with a typed body.
    pub async fn send_no_result(
        &self,
        method: Method,
        path: &str,
        body: &impl Serialize,
    ) -> Result<()> {
        let response = self
            .send(true, || self.prepare(method.clone(), path).json(body))
            .await?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(Self::error_of(response).await)
        }
    }

    /// A call whose answer is 204 or ignored.
    pub async fn call_no_result<B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<()> {
        let response = self
            .send(true, || {
                let req = self.prepare(method.clone(), path);
                match body {
                    Some(b) => req.json(b),
                    None => req,
                }
            })
            .await?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(Self::error_of(response).await)
        }
    }

    /// Every page of a list route.
    pub async fn get_all<T: DeserializeOwned>(&self, path: &str) -> Result<Vec<T>> {
        let separator = if path.contains('?') { '&' } else { '?' };
        let mut all = Vec::new();
        let mut page = 1;
        loop {
            let page_path = format!("{path}{separator}pageNumber={page}");
            let paged: Paged<T> = self
                .retrying(|| async {
                    let response = self
                        .send(true, || self.prepare(Method::GET, &page_path))
                        .await?;
                    if !response.status().is_success() {
                        return Err(Self::error_of(response).await);
                    }
                    let bytes = response.bytes().await.map_err(|e| self.unreachable(e))?;
                    serde_json::from_slice(&bytes).map_err(|e| {
                        TransportError::Internal(format!("unexpected list answer: {e}"))
                    })
                })
                .await?;
            all.extend(paged.result);
            match paged.pagination {
                Some(p) if p.total_pages > page => page += 1,
                _ => return Ok(all),
            }
        }
    }

    /// The raw bytes of a file blob.
    pub async fn download(&self, path: &str) -> Result<Vec<u8>> {
        // What a `Content-Length` may make us reserve up front; a larger blob still arrives,
        // the buffer just grows.
        const MAX_DOWNLOAD_CAPACITY: usize = 32 * 1024 * 1024;
        self.retrying(|| async {
            let response = self.send(true, || self.prepare(Method::GET, path)).await?;
            if !response.status().is_success() {
                return Err(Self::error_of(response).await);
            }
            // One buffer of the announced size: collecting the chunks first and copying
            // them out would hold a file's blob twice.
            let mut response = response;
            let announced = response.content_length().unwrap_or(0);
            let mut blob = Vec::with_capacity(
                usize::try_from(announced)
                    .unwrap_or(0)
                    .min(MAX_DOWNLOAD_CAPACITY),
            );
            while let Some(chunk) = response.chunk().await.map_err(|e| self.unreachable(e))? {
                blob.extend_from_slice(&chunk);
            }
            Ok(blob)
        })
        .await
    }

    /// A long-lived authenticated GET (the server-sent event stream): the response is
    /// returned as soon as its headers arrive, and the body is read by the caller.
    pub async fn open_stream(&self, url: &str, lifetime: Duration) -> Result<reqwest::Response> {
        let token = self.token().await?;
        let mut req = self
            .http
            .get(url)
            .bearer_auth(token.as_str())
            .header("accept", "text/event-stream");
        for (name, value) in &self.additional_headers {
            req = req.header(name, value);
        }
        let response = req
            .timeout(lifetime)
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        if !response.status().is_success() {
            return Err(Self::error_of(response).await);
        }
        Ok(response)
    }

    /// A multipart upload (`POST /api/v2/Files`).
    pub async fn upload<T: DeserializeOwned>(
        &self,
        path: &str,
        blob: Vec<u8>,
        fields: Vec<(&'static str, String)>,
    ) -> Result<T> {
        // One buffer for every attempt: a retry sends the same bytes without copying them.
        let blob = bytes::Bytes::from(blob);
        let length = blob.len() as u64;
        let response = self
            .send(true, || {
                let mut form = reqwest::multipart::Form::new().part(
                    "content",
                    reqwest::multipart::Part::stream_with_length(blob.clone(), length)
                        .file_name("cipher.bin"),
                );
                for (name, value) in &fields {
                    form = form.text(*name, value.clone());
                }
                self.prepare(Method::POST, path).multipart(form)
            })
            .await?;
        self.result(response).await
    }
}

/// The Consumer API operations, typed. Paths are fixed here; ids in them are typed, so nothing
/// a user typed reaches a path unchecked.
impl BackboneClient {
    /// `POST /api/v2/Challenges`, anonymous (for identity creation) or as the device.
    pub async fn create_challenge(&self, authenticated: bool) -> Result<Challenge> {
        let empty = serde_json::Map::new();
        self.call_json(authenticated, Method::POST, "/api/v2/Challenges", &empty)
            .await
    }

    /// `POST /api/v2/Identities`, anonymous.
    pub async fn create_identity(
        &self,
        request: &CreateIdentityRequest,
    ) -> Result<CreatedIdentity> {
        self.anonymous(Method::POST, "/api/v2/Identities", request)
            .await
    }

    /// `POST /api/v2/SyncRuns`.
    pub async fn start_sync_run(&self, request: &StartSyncRunRequest) -> Result<StartedSyncRun> {
        self.call(Method::POST, "/api/v2/SyncRuns", request).await
    }

    /// Every page of `GET /api/v2/SyncRuns/{id}/ExternalEvents`.
    pub async fn sync_run_events(&self, run: &wire::SyncRunId) -> Result<Vec<ExternalEvent>> {
        self.get_all(&format!("/api/v2/SyncRuns/{run}/ExternalEvents"))
            .await
    }

    /// `PUT /api/v2/SyncRuns/{id}/FinalizeExternalEventSync`.
    ///
    /// Tried again after a passing failure like a read: finalizing twice is harmless. When an
    /// earlier try did reach the Backbone and only its answer was lost, the Backbone calls the
    /// run finalized; that counts as done, with more events possibly waiting.
    pub async fn finalize_external_event_sync(
        &self,
        run: &wire::SyncRunId,
        request: &FinalizeExternalEventSyncRequest,
    ) -> Result<FinalizedExternalEventSync> {
        let path = &format!("/api/v2/SyncRuns/{run}/FinalizeExternalEventSync");
        let mut tried = false;
        self.retrying(|| {
            let again = std::mem::replace(&mut tried, true);
            async move {
                match self.call(Method::PUT, path, request).await {
                    Err(TransportError::Backbone(e))
                        if again && e.code.ends_with("syncRunAlreadyFinalized") =>
                    {
                        Ok(FinalizedExternalEventSync {
                            new_datawallet_modification_index: None,
                            datawallet_modifications: Vec::new(),
                            new_unsynced_external_events_exist: true,
                        })
                    }
                    other => other,
                }
            }
        })
        .await
    }

    /// `PUT /api/v2/SyncRuns/{id}/FinalizeDatawalletVersionUpgrade`.
    pub async fn finalize_datawallet_version_upgrade(
        &self,
        run: &wire::SyncRunId,
        request: &FinalizeDatawalletVersionUpgradeRequest,
    ) -> Result<FinalizedDatawalletVersionUpgrade> {
        let path = format!("/api/v2/SyncRuns/{run}/FinalizeDatawalletVersionUpgrade");
        self.call(Method::PUT, &path, request).await
    }

    /// `POST /api/v2/Identities/Self/DeletionProcesses`.
    pub async fn start_deletion_process(
        &self,
        request: &StartDeletionProcessRequest,
    ) -> Result<DeletionProcess> {
        self.call(Method::POST, DELETION_PROCESSES, request).await
    }

    /// Every page of `GET /api/v2/Identities/Self/DeletionProcesses`.
    pub async fn deletion_processes(&self) -> Result<Vec<DeletionProcess>> {
        self.get_all(DELETION_PROCESSES).await
    }

    /// `PUT /api/v2/Identities/Self/DeletionProcesses/{id}/Cancel`.
    pub async fn cancel_deletion_process(
        &self,
        id: &wire::IdentityDeletionProcessId,
    ) -> Result<DeletionProcess> {
        let path = format!("{DELETION_PROCESSES}/{id}/Cancel");
        self.call(Method::PUT, &path, &serde_json::Map::new()).await
    }

    /// `POST /api/v2/Notifications`.
    pub async fn send_notification(&self, request: &SendNotificationRequest) -> Result<()> {
        self.send_no_result(Method::POST, "/api/v2/Notifications", request)
            .await
    }

    /// `GET /api/v2/Tags`, with `If-None-Match: etag` when there is one: `None` when the
    /// Backbone answers 304 (the catalogue is unchanged), else the catalogue and its `ETag`.
    pub async fn tag_collection(
        &self,
        etag: Option<&str>,
    ) -> Result<Option<(TagCollection, Option<String>)>> {
        let response = self
            .send(true, || {
                let req = self.prepare(Method::GET, "/api/v2/Tags");
                match etag {
                    Some(etag) => req.header(reqwest::header::IF_NONE_MATCH, etag),
                    None => req,
                }
            })
            .await?;
        if response.status() == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(None);
        }
        let etag = response
            .headers()
            .get(reqwest::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok(Some((self.result(response).await?, etag)))
    }

    /// `GET /api/v2/Announcements?language=`; `language` is an ISO 639-1 code.
    pub async fn announcements(&self, language: &str) -> Result<Vec<Announcement>> {
        let query: String = form_urlencoded_pair("language", language);
        self.get(&format!("/api/v2/Announcements?{query}")).await
    }
}

const DELETION_PROCESSES: &str = "/api/v2/Identities/Self/DeletionProcesses";

/// `name=value`, percent-encoded.
fn form_urlencoded_pair(name: &str, value: &str) -> String {
    let mut url = reqwest::Url::parse("http://query.invalid/").expect("a fixed valid URL");
    url.query_pairs_mut().append_pair(name, value);
    url.query().unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_token_lifetime_gives_a_renewal_time() {
        let now = Instant::now();
        assert_eq!(
            renew_at(now, Duration::from_secs(300)),
            now + Duration::from_secs(290)
        );
        assert_eq!(
            renew_at(now, Duration::from_secs(3)),
            now,
            "renewed at once"
        );
        assert_eq!(
            renew_at(now, Duration::from_secs(u64::MAX)),
            now + MAX_TOKEN_LIFETIME - RENEW_BEFORE_EXPIRY
        );
    }
}
