//! The official autoAcceptPendingRelationships module: when a peer creates a relationship
//! (status `Pending`, one audit log entry, not created by this Connector), accept it.

// The crate is named by the module's config key, as its file and `describe()` name are.
#![allow(non_snake_case)]

use module_sdk::events::{RelationshipStatus, names};
use module_sdk::{Event, Module, ModuleError, RuntimeEvent, api, export_module, kv, log};

struct AutoAccept;

/// The Connector's own address, cached: it never changes for an identity.
fn own_address() -> Result<String, ModuleError> {
    if let Some(address) = kv::get("ownAddress")
        .ok()
        .flatten()
        .and_then(|b| String::from_utf8(b).ok())
    {
        return Ok(address);
    }
    let address = api::identity_info()
        .map_err(|e| ModuleError::retryable(format!("cannot read own identity: {e}")))?
        .address;
    let _ = kv::set("ownAddress", address.as_bytes());
    Ok(address)
}

impl Module for AutoAccept {
    fn events() -> Vec<String> {
        vec![names::RELATIONSHIP_CHANGED.into()]
    }

    fn on_event(event: Event) -> Result<(), ModuleError> {
        let Some(Ok(RuntimeEvent::RelationshipChanged(relationship))) = event.typed() else {
            return Err(ModuleError::fatal(
                "relationshipChanged without a relationship",
            ));
        };
        if relationship.status != RelationshipStatus::Pending || relationship.audit_log.len() != 1 {
            return Ok(());
        }
        if relationship.audit_log[0].created_by == own_address()? {
            return Ok(());
        }
        match api::relationships::accept(&relationship.id) {
            Ok(_) => {
                log::info(&format!("accepted relationship {}", relationship.id));
                Ok(())
            }
            // The relationship changed meanwhile (accepted, revoked): nothing left to do.
            Err(e) if (400..500).contains(&e.status) => {
                log::warn(&format!(
                    "could not accept relationship {}: {e}",
                    relationship.id
                ));
                Ok(())
            }
            Err(e) => Err(ModuleError::retryable(format!(
                "accepting {}: {e}",
                relationship.id
            ))),
        }
    }
}

export_module!(AutoAccept, grants: { api: ["core:account", "core:relationships"] });
