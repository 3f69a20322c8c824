//! The Identity Query Language (`@nmshd/iql` 1.0.4).
