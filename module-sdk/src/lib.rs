//! Write Connector modules in Rust.
//!
//! A module is a WebAssembly component built with `cargo build --target wasm32-wasip2
//! --release` against the contract in `wit/since_v0.1.0/`. Implement [`Module`] (every method
//! has a default body) and register it with [`export_module!`]; see the README for a complete
//! example.
//!
//! This crate owns the guest side of the contract. It never talks to the host except through
//! the generated bindings, so everything a module can do is visible in the WIT file.

pub mod events;
pub mod official;
pub mod pattern;

#[cfg(feature = "guest")]
pub mod api;
#[cfg(feature = "guest")]
pub mod http;
#[cfg(feature = "guest")]
mod module;
#[cfg(feature = "guest")]
pub mod progress;

pub use events::{Event, RuntimeEvent};
#[cfg(feature = "guest")]
pub use module::{Module, ModuleError, Schedule, broker, config, kv, log};
/// Re-exported so modules can build JSON without their own dependency.
pub use serde_json;

/// The generated bindings of `wit/since_v0.1.0`. Modules normally use the wrappers in this
/// crate instead.
#[cfg(feature = "guest")]
#[doc(hidden)]
#[allow(clippy::too_many_arguments)] // generated code for the `http.request` record
pub mod bindings {
    wit_bindgen::generate!({
        path: "../wit/since_v0.1.0",
        world: "module",
        pub_export_macro: true,
        export_macro_name: "export_bindings",
        default_bindings_module: "::module_sdk::bindings",
    });
}

/// Registers a type implementing [`Module`] as the component's exports. Use it once per
/// module crate, at the top level.
///
/// A module may also say which grants it cannot work without; the Connector then refuses to
/// load it, naming the grant, when the operator's config does not give them:
///
/// ```ignore
/// export_module!(MyModule, grants: { api: ["core:messages"], http: ["crm.example.com"], broker });
/// ```
///
/// `api` lists scopes the module's `grants.api.scopes` must allow; `http` lists hosts its
/// `grants.http.hosts` must allow (or, without a list, at least one host); `broker` asks for
/// at least one broker in `grants.broker`. The declaration travels in the component's
/// `connector-module-grants` custom section, so the host reads it without running the module.
#[cfg(feature = "guest")]
#[macro_export]
macro_rules! export_module {
    ($ty:ty) => {
        $crate::export_module!($ty, grants: {});
    };
    ($ty:ty, grants: { $( $capability:ident $( : [ $( $item:literal ),* $(,)? ] )? ),* $(,)? }) => {
        const __CONNECTOR_MODULE_GRANTS: &str =
            concat!($( stringify!($capability), $( $( " ", $item, )* )? "\n", )*);
        #[unsafe(link_section = "connector-module-grants")]
        #[used]
        static __CONNECTOR_MODULE_GRANTS_SECTION: [u8; __CONNECTOR_MODULE_GRANTS.len()] =
            $crate::__private::section(__CONNECTOR_MODULE_GRANTS);

        struct __ConnectorModuleExports;
        impl $crate::bindings::Guest for __ConnectorModuleExports {
            fn describe() -> $crate::bindings::connector::module::types::ModuleInfo {
                $crate::__private::describe::<$ty>(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
            }
            fn on_event(
                event: $crate::bindings::connector::module::types::Event,
            ) -> ::core::result::Result<(), $crate::bindings::connector::module::types::ModuleError> {
                $crate::__private::on_event::<$ty>(event)
            }
            fn on_tick() -> ::core::result::Result<(), $crate::bindings::connector::module::types::ModuleError> {
                $crate::__private::on_tick::<$ty>()
            }
        }
        $crate::bindings::export_bindings!(__ConnectorModuleExports with_types_in $crate::bindings);
    };
}

#[cfg(feature = "guest")]
#[doc(hidden)]
pub mod __private {
    pub use crate::module::{describe, on_event, on_tick};

    /// The bytes of a custom section, from a string known at compile time.
    pub const fn section<const N: usize>(text: &str) -> [u8; N] {
        let bytes = text.as_bytes();
        let mut out = [0u8; N];
        let mut i = 0;
        while i < N {
            out[i] = bytes[i];
            i += 1;
        }
        out
    }
}
