//! `connector module …`: the module author's tools. `new` writes a module crate that builds
//! on its own (outside this repository), `build` turns it into a component, and `run` sends
//! one event through it in the real module host and reports what it did.

pub mod compile;
pub mod run;
pub mod scaffold;
