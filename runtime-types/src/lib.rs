//! The official runtime's types as the REST API and the events show them: DTOs with the field
//! names, optionality and formats of `@nmshd/runtime-types` 7.0.0, the request bodies of the
//! routes, and the one list of runtime event names. Dates are [`CoreDate`]s, printed as the runtime
//! prints them (`2026-11-28T01:13:37.487Z`).
//!
//! With the `schema` feature every type also describes itself as an OpenAPI schema.
//!
//! It knows nothing about storage, the Backbone or HTTP.

#[cfg(feature = "dto")]
pub mod account;
#[cfg(feature = "dto")]
pub mod announcements;
#[cfg(feature = "dto")]
pub mod attribute_tags;
#[cfg(feature = "dto")]
pub mod attributes;
#[cfg(feature = "dto")]
pub mod backbone_notifications;
#[cfg(feature = "dto")]
pub mod challenges;
pub mod events;
#[cfg(feature = "dto")]
pub mod files;
#[cfg(feature = "dto")]
pub mod identity_deletion;
#[cfg(feature = "dto")]
pub mod identity_metadata;
#[cfg(feature = "dto")]
pub mod messages;
#[cfg(feature = "dto")]
pub mod notifications;
#[cfg(feature = "dto")]
pub mod password_protection;
#[cfg(feature = "dto")]
pub mod reference;
#[cfg(feature = "dto")]
pub mod relationship_templates;
#[cfg(feature = "dto")]
pub mod relationships;
#[cfg(feature = "dto")]
pub mod request_schema;
#[cfg(feature = "dto")]
pub mod requests;
#[cfg(feature = "dto")]
pub mod tokens;

/// A point in time as the runtime prints it.
#[cfg(feature = "dto")]
pub type CoreDate = consumer_api::Timestamp;

/// A content part in the form the official library prints it (e.g. a template's nested
/// `Request`). Content types hold only strings, numbers, booleans and JSON values, so printing
/// cannot fail.
#[cfg(feature = "dto")]
pub(crate) fn printed<T: serde::Serialize>(part: &T) -> serde_json::Value {
    serde_json::to_value(part).unwrap_or(serde_json::Value::Null)
}
