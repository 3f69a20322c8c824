//! The protection a creator may put on a relationship template or a token: a password and a
//! `forIdentity` that limits who may fetch it. Both kinds accept them by the same rules.

use crate::error::{Error, Result};
use crate::model::Bytes;
use wire::Address;

const MAX_PASSWORD_LENGTH: usize = 200;

/// Checks a new object's password and parses its `forIdentity`, in the order the official
/// Backbone reports them.
pub(crate) fn check_protection(
    password: Option<&Bytes>,
    for_identity: Option<&str>,
) -> Result<Option<Address>> {
    if password.is_some_and(|p| p.is_empty() || p.len() > MAX_PASSWORD_LENGTH) {
        return Err(Error::invalid_property("password"));
    }
    for_identity
        .map(|s| Address::parse(s).map_err(|_| Error::invalid_property("forIdentity")))
        .transpose()
}
