//! The module host's one error type.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ModuleHostError {
    /// A module's config section is invalid; `code` is the official error code when there is one.
    #[error("module '{module}': {code}: {message}")]
    InvalidConfig {
        module: String,
        code: String,
        message: String,
    },
    #[error("module '{module}': cannot read {path}: {source}")]
    ReadModule {
        module: String,
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file is not a component for this contract, or does not compile.
    #[error("module '{module}': cannot load: {message}")]
    Load { module: String, message: String },
    /// The module declares a grant (`export_module!(…, grants: {…})`) its config lacks.
    #[error("module '{module}' needs {grant}, which its config does not grant")]
    MissingGrant { module: String, grant: String },
    #[error("wasm engine: {0}")]
    Engine(String),
    #[error("event log: {0}")]
    Store(#[from] store::StoreError),
    #[error("the module host is shut down")]
    ShutDown,
}

impl ModuleHostError {
    pub(crate) fn load(module: &str, error: impl std::fmt::Display) -> Self {
        Self::Load {
            module: module.to_owned(),
            message: format!("{error:#}"),
        }
    }
}
