//! Value types shared by every area: timestamps, byte strings, ids and addresses. Each parses
//! at the edge and serialises exactly as the official Backbone writes it.

pub mod address;
pub mod bytes;
pub mod ids;
pub mod time;

pub use address::Address;
pub use bytes::Bytes;
pub use time::Timestamp;
