//! Placeholder; see the crate's README.
