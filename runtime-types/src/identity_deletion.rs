//! identity_deletion
