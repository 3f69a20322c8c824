//! Value types the Backbone keeps in its own shape: timestamps and byte strings, shared with the
//! transport client through [`consumer_api`]. Addresses, ids and the crypto objects come from
//! [`wire`], which the clients use as well.

pub use consumer_api::{Bytes, Timestamp};
