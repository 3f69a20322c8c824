//! Value types the Backbone keeps in its own shape: timestamps and byte strings. Each parses at
//! the edge and serialises exactly as the official Backbone writes it. Addresses, ids and the
//! crypto objects come from [`wire`], which the clients use as well.

pub mod bytes;
pub mod time;

pub use bytes::Bytes;
pub use time::Timestamp;
