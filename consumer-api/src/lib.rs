//! The Backbone's Consumer API (`/api/v2/...`) as Rust types, one module per object family.
//! The local Backbone serves exactly these shapes and the transport client sends and reads
//! them, so a field can not drift between the two. Values keep the Backbone's own wire forms
//! (`byte[]` as base64url, timestamps with milliseconds and `Z`); ids, addresses and crypto
//! objects come from [`wire`].
//!
//! It knows nothing about storage, HTTP servers or clients.

pub mod announcements;
pub mod bytes;
pub mod challenges;
pub mod datawallet;
pub mod files;
pub mod identities;
pub mod messages;
pub mod notifications;
pub mod relationship_templates;
pub mod relationships;
pub mod sync;
pub mod tags;
pub mod time;
pub mod tokens;

pub use bytes::Bytes;
pub use time::Timestamp;
