//! The built-in modules' components, compiled into the binary by `build.rs`.

use module_host::Builtin;

/// The component of `builtin`, or `None` when this binary was built without the built-ins
/// (`CONNECTOR_BUILTIN_MODULES=skip`, which leaves empty files in their place).
pub fn component(builtin: Builtin) -> Option<&'static [u8]> {
    let bytes: &'static [u8] = match builtin {
        Builtin::Webhooks => include_bytes!(concat!(env!("OUT_DIR"), "/webhooks.wasm")),
        Builtin::Sync => include_bytes!(concat!(env!("OUT_DIR"), "/sync.wasm")),
        Builtin::AutoAcceptPendingRelationships => include_bytes!(concat!(
            env!("OUT_DIR"),
            "/autoAcceptPendingRelationships.wasm"
        )),
        Builtin::AutoDecomposeDeletionProposedRelationships => include_bytes!(concat!(
            env!("OUT_DIR"),
            "/autoDecomposeDeletionProposedRelationships.wasm"
        )),
        Builtin::MessageBrokerPublisher => {
            include_bytes!(concat!(env!("OUT_DIR"), "/messageBrokerPublisher.wasm"))
        }
    };
    (!bytes.is_empty()).then_some(bytes)
}
