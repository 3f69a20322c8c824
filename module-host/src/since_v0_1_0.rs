//! Host side of `wit/since_v0.1.0`: the generated bindings and the import implementations.
//! Each import converts the contract's types and delegates to its capability, so a new
//! contract version adds a file like this one and reuses the capabilities.

use crate::call::CallState;
use crate::capabilities::{http, log};

wasmtime::component::bindgen!({
    path: "../wit/since_v0.1.0",
    world: "module",
    imports: { default: async },
    exports: { default: async },
});

pub fn add_to_linker(linker: &mut wasmtime::component::Linker<CallState>) -> wasmtime::Result<()> {
    Module::add_to_linker::<_, wasmtime::component::HasSelf<_>>(linker, |state| state)
}

impl connector::module::types::Host for CallState {}

impl connector::module::log::Host for CallState {
    async fn log(&mut self, level: connector::module::log::Level, message: String) {
        use connector::module::log::Level as L;
        let level = match level {
            L::Trace => log::Level::Trace,
            L::Debug => log::Level::Debug,
            L::Info => log::Level::Info,
            L::Warn => log::Level::Warn,
            L::Error => log::Level::Error,
        };
        self.capabilities().log.log(level, &message);
    }
}

impl connector::module::config::Host for CallState {
    async fn get(&mut self, key: String) -> Option<String> {
        self.capabilities().config.get(&key)
    }
    async fn all(&mut self) -> String {
        self.capabilities().config.all()
    }
}

impl connector::module::kv::Host for CallState {
    async fn get(&mut self, key: String) -> Result<Option<Vec<u8>>, String> {
        self.capabilities().kv.get(&key).await
    }
    async fn set(&mut self, key: String, value: Vec<u8>) -> Result<(), String> {
        self.capabilities().kv.set(&key, &value).await
    }
    async fn delete(&mut self, key: String) -> Result<(), String> {
        self.capabilities().kv.delete(&key).await
    }
}

impl connector::module::http::Host for CallState {
    async fn send(
        &mut self,
        request: connector::module::http::Request,
    ) -> Result<connector::module::http::Response, String> {
        let request = http::HttpRequest {
            method: request.method,
            url: request.url,
            headers: request.headers,
            body: request.body,
            timeout: request
                .timeout_ms
                .map(|ms| std::time::Duration::from_millis(ms.into())),
        };
        let response = self
            .bounded(async |capabilities, budget| capabilities.http.send(request, budget).await)
            .await?;
        Ok(connector::module::http::Response {
            status: response.status,
            headers: response.headers,
            body: response.body,
        })
    }
}

impl connector::module::api::Host for CallState {
    async fn call(
        &mut self,
        method: String,
        path: String,
        body: Option<String>,
    ) -> Result<connector::module::api::Response, String> {
        let correlation_id = self.correlation_id().map(str::to_owned);
        let response = self
            .bounded(async |capabilities, budget| {
                let api = &capabilities.api;
                api.call(&method, &path, body, correlation_id, budget).await
            })
            .await?;
        Ok(connector::module::api::Response {
            status: response.status,
            body: response.body,
        })
    }
}

impl connector::module::broker::Host for CallState {
    async fn brokers(&mut self) -> Vec<String> {
        self.capabilities().broker.names()
    }
    async fn publish(
        &mut self,
        broker: String,
        namespace: String,
        payload: Vec<u8>,
    ) -> Result<(), String> {
        self.capabilities()
            .broker
            .publish(&broker, &namespace, &payload)
            .await
    }
}
