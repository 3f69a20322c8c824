//! `connector module run FILE.wasm --event event.json`: one event (or one tick) through a
//! module in the real module host — the same sandbox, limits and grant checks as in a running
//! Connector — with everything it does recorded and printed. By default it is a dry run:
//! HTTP requests and broker publishes are checked against the grants but not sent, and API
//! calls get a stub answer; `--live` sends them, and `--connector URL --api-key KEY` sends API
//! calls to a running Connector.

use crate::modules::builtin_components;
use anyhow::{Context, bail};
use module_host::capabilities::record::{Action, Recorder};
use module_host::declared_grants;
use module_host::{
    ApiRequest, ApiResponse, ConnectorApi, Event, HostOptions, HostServices, ModuleRunner,
    ModulesConfig,
};
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::path::PathBuf;
use std::sync::Arc;

pub struct RunOptions {
    pub component: PathBuf,
    /// `{"namespace", "data"}`, or a webhook body `{"trigger", "data"}`; `None` runs `on-tick`.
    pub event: Option<PathBuf>,
    /// The module's config section (`modules.<name>`: its own keys, `grants`, `limits`).
    /// Without it, the module gets exactly the grants it declares.
    pub config: Option<PathBuf>,
    pub live: bool,
    /// A running Connector and an API key for the module's API calls.
    pub connector: Option<(String, String)>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunReport {
    pub module: ModuleInfo,
    /// The event's name, or `tick`.
    pub call: String,
    /// `ok`, or why the call failed (`retryable: …`, `fatal: …`, a trap or a timeout).
    pub outcome: String,
    pub actions: Vec<Action>,
}

#[derive(Debug, Serialize)]
pub struct ModuleInfo {
    pub name: String,
    pub version: String,
    pub events: Vec<String>,
}

impl RunReport {
    pub fn succeeded(&self) -> bool {
        self.outcome == "ok" || self.outcome.starts_with("not subscribed")
    }
}

pub async fn run(options: RunOptions) -> anyhow::Result<RunReport> {
    let bytes = std::fs::read(&options.component)
        .with_context(|| format!("cannot read {}", options.component.display()))?;
    let name = options
        .component
        .file_stem()
        .and_then(|s| s.to_str())
        .context("the component's file name")?
        .to_owned();
    let mut section = match &options.config {
        Some(file) => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            serde_json::from_str::<Map<String, Value>>(&text)
                .with_context(|| format!("{} is not a JSON object", file.display()))?
        }
        None => stub_grants(&name, &bytes)?,
    };
    section.insert("enabled".into(), json!(true));
    section.insert("location".into(), json!(options.component));
    let modules: ModulesConfig = serde_json::from_value(json!({ name.clone(): section }))
        .map_err(|e| anyhow::anyhow!("modules.{name}: {e}"))?;
    let spec = modules.wasm_modules()?.remove(0);

    let store = Arc::new(store::sqlite::SqliteStore::open_in_memory().await?);
    let api: Arc<dyn ConnectorApi> = match options.connector {
        Some((url, key)) => Arc::new(RemoteApi {
            url,
            key,
            client: reqwest::Client::new(),
        }),
        None => Arc::new(StubApi),
    };
    let recorder = Arc::new(Recorder::new(!options.live));
    let mut host_options = HostOptions::with_builtins(builtin_components(
        &crate::config::ModuleHostConfig::default(),
    ));
    host_options.reload_interval = None;
    let runner = ModuleRunner::load_recorded(
        spec,
        &host_options,
        HostServices { store, api },
        recorder.clone(),
    )
    .await?;
    let (module_name, version, events) = runner.describe();

    let (call, outcome) = match &options.event {
        Some(file) => {
            let event = read_event(file)?;
            let call = event.namespace.clone();
            let outcome = if !module_sdk::pattern::matches_any(&events, &event.namespace) {
                format!("not subscribed: the module's events are {events:?}")
            } else {
                match runner.on_event(1, &event).await {
                    Ok(()) => "ok".to_owned(),
                    Err(e) => e,
                }
            };
            (call, outcome)
        }
        None => (
            "tick".to_owned(),
            match runner.on_tick().await {
                Ok(()) => "ok".to_owned(),
                Err(e) => e,
            },
        ),
    };
    Ok(RunReport {
        module: ModuleInfo {
            name: module_name,
            version,
            events,
        },
        call,
        outcome,
        actions: recorder.actions(),
    })
}

/// The grants a module declares, as a config section: what it gets when run without one.
fn stub_grants(name: &str, component: &[u8]) -> anyhow::Result<Map<String, Value>> {
    let mut scopes = Vec::new();
    let mut hosts = Vec::new();
    for need in declared_grants::read(component) {
        match need.capability.as_str() {
            "api" => scopes.extend(need.items),
            "http" if !need.items.is_empty() => hosts.extend(need.items),
            other => bail!(
                "module '{name}' needs grants.{other} that only its config can name; pass \
                 --config with its section (e.g. {{\"grants\": {{\"http\": {{\"hosts\": [...]}}}}}})"
            ),
        }
    }
    let mut section = Map::new();
    section.insert(
        "grants".into(),
        json!({"api": {"scopes": scopes}, "http": {"hosts": hosts}}),
    );
    Ok(section)
}

fn read_event(file: &PathBuf) -> anyhow::Result<Event> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let value: Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", file.display()))?;
    let namespace = value
        .get("namespace")
        .or_else(|| value.get("trigger"))
        .and_then(Value::as_str)
        .with_context(|| format!("{}: needs \"namespace\" (or \"trigger\")", file.display()))?;
    Ok(Event::new(
        namespace,
        value.get("data").cloned().unwrap_or(Value::Null),
    ))
}

/// Answers every API call 200 with an empty result, so a dry run needs no Connector.
struct StubApi;

#[async_trait::async_trait]
impl ConnectorApi for StubApi {
    async fn call(&self, _request: ApiRequest) -> ApiResponse {
        ApiResponse {
            status: 200,
            body: r#"{"result":{}}"#.to_owned(),
        }
    }
}

/// Sends the module's API calls to a running Connector with an API key (whose scopes then
/// decide, not the module's grant).
struct RemoteApi {
    url: String,
    key: String,
    client: reqwest::Client,
}

#[async_trait::async_trait]
impl ConnectorApi for RemoteApi {
    async fn call(&self, request: ApiRequest) -> ApiResponse {
        let method =
            reqwest::Method::from_bytes(request.method.as_bytes()).unwrap_or(reqwest::Method::GET);
        let mut call = self
            .client
            .request(
                method,
                format!("{}{}", self.url.trim_end_matches('/'), request.path),
            )
            .header("X-API-KEY", &self.key);
        if let Some(body) = request.body {
            call = call.header("content-type", "application/json").body(body);
        }
        match call.send().await {
            Ok(response) => ApiResponse {
                status: response.status().as_u16(),
                body: response.text().await.unwrap_or_default(),
            },
            Err(e) => ApiResponse {
                status: 502,
                body: format!("cannot reach {}: {e}", self.url),
            },
        }
    }
}
