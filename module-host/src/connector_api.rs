//! What the module host needs from the rest of the Connector: its REST API, called
//! in-process. The host binary implements [`ConnectorApi`] by running the request through
//! its router with the module's scopes as the caller's roles.

use async_trait::async_trait;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRequest {
    /// GET, POST, PUT, PATCH or DELETE.
    pub method: String,
    /// Starts with `/api/`; may carry a query string.
    pub path: String,
    /// JSON text.
    pub body: Option<String>,
    /// The module's `grants.api.scopes`; the API authorizes the call as it would an API key
    /// with these scopes.
    pub scopes: Vec<String>,
    /// Name of the calling module, for logs and audit.
    pub module: String,
    /// Passed on as `x-correlation-id` when the call is made while handling an event.
    pub correlation_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiResponse {
    pub status: u16,
    /// The response body as the API sends it (the `{"result": ...}` envelope), or empty.
    pub body: String,
}

#[async_trait]
pub trait ConnectorApi: Send + Sync + 'static {
    async fn call(&self, request: ApiRequest) -> ApiResponse;
}
