//! A local Enmeshed Backbone: the Consumer API that the official `@nmshd/transport` library
//! talks to, served from one process with the `store` crate's SQLite engine underneath.
//!
//! It is meant for development, tests and demos: it keeps the real Backbone's routes, envelopes,
//! error codes and the semantics clients depend on (relationship state machine, external events,
//! sync runs, template allocations), but none of its operational machinery (event bus, blob
//! storage, quotas, push services).
//!
//! Layers: [`api`] parses HTTP and maps results to the official envelopes; [`domain`] holds the
//! rules and never sees HTTP; persistence goes through [`store::Store`] only.

pub mod api;
pub mod config;
pub mod domain;
pub mod error;
mod model;
mod server;

pub use config::{ClientCredentials, Config};
pub use domain::Backbone;
pub use error::Error;
pub use server::{ServerHandle, serve};
