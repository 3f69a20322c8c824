//! The Enmeshed content types (`@nmshd/content` 7.0.0).
