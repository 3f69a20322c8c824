//! `api`: calls to the Connector's own REST API with the module's `grants.api.scopes`. A module
//! without scopes gets no access at all; with scopes, the API itself authorizes each route.

use super::record::{Action, Recorder, outcome};
use crate::config::Grants;
use crate::connector_api::{ApiRequest, ApiResponse, ConnectorApi};
use std::sync::Arc;
use std::time::Duration;

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

pub struct ApiCapability {
    module: String,
    scopes: Vec<String>,
    api: Arc<dyn ConnectorApi>,
    recorder: Option<Arc<Recorder>>,
}

impl ApiCapability {
    pub fn new(module: &str, grants: &Grants, api: Arc<dyn ConnectorApi>) -> Self {
        Self {
            module: module.to_owned(),
            scopes: grants.api.scopes.clone(),
            api,
            recorder: None,
        }
    }

    pub fn recording(self, recorder: Option<Arc<Recorder>>) -> Self {
        Self { recorder, ..self }
    }

    pub async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<String>,
        correlation_id: Option<String>,
        budget: Duration,
    ) -> Result<ApiResponse, String> {
        let Some(recorder) = &self.recorder else {
            return self
                .call_api(method, path, body, correlation_id, budget)
                .await;
        };
        let recorded_body = body.clone();
        let result = self
            .call_api(method, path, body, correlation_id, budget)
            .await;
        recorder.push(Action::Api {
            method: method.to_owned(),
            path: path.to_owned(),
            body: recorded_body,
            outcome: outcome(&result, |r| r.status.to_string()),
        });
        result
    }

    async fn call_api(
        &self,
        method: &str,
        path: &str,
        body: Option<String>,
        correlation_id: Option<String>,
        budget: Duration,
    ) -> Result<ApiResponse, String> {
        if self.scopes.is_empty() {
            return Err("this module has no grants.api.scopes".into());
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
