//! `api`: calls to the Connector's own REST API with the module's `apiScopes`. A module
//! without scopes gets no access at all; with scopes, the API itself authorizes each route.

use crate::config::Grants;
use crate::connector_api::{ApiRequest, ApiResponse, ConnectorApi};
use std::sync::Arc;
use std::time::Duration;

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

pub struct ApiCapability {
    module: String,
    scopes: Vec<String>,
    api: Arc<dyn ConnectorApi>,
}

impl ApiCapability {
    pub fn new(module: &str, grants: &Grants, api: Arc<dyn ConnectorApi>) -> Self {
        Self {
            module: module.to_owned(),
            scopes: grants.api_scopes.clone(),
            api,
        }
    }

    pub async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<String>,
        correlation_id: Option<String>,
        budget: Duration,
    ) -> Result<ApiResponse, String> {
        if self.scopes.is_empty() {
            return Err("this module has no apiScopes grant".into());
        }
        let method = method.to_ascii_uppercase();
        if !METHODS.contains(&method.as_str()) {
            return Err(format!("unsupported method '{method}'"));
        }
        if !path.starts_with("/api/") {
            return Err(format!("path '{path}' is not under /api/"));
        }
        let request = ApiRequest {
            method,
            path: path.to_owned(),
            body,
            scopes: self.scopes.clone(),
            module: self.module.clone(),
            correlation_id,
        };
        tokio::time::timeout(budget, self.api.call(request))
            .await
            .map_err(|_| {
                "the Connector API did not answer within the module's time budget".to_owned()
            })
    }
}
