//! The official autoDecomposeDeletionProposedRelationships module: decomposes every
//! relationship whose peer proposed its deletion, at start and whenever one changes to
//! `DeletionProposed`. It also sweeps once a day, which catches anything a failed call missed.

// The crate is named by the module's config key, as its file and `describe()` name are.
#![allow(non_snake_case)]

use module_sdk::events::{RelationshipStatus, names};
use module_sdk::{Event, Module, ModuleError, RuntimeEvent, Schedule, api, export_module, log};
use std::time::Duration;

/// The official module waits this long so the sync run that reported the change finishes first.
const SETTLE: Duration = Duration::from_millis(500);

struct AutoDecompose;

fn decompose(id: &str) -> Result<(), ModuleError> {
    match api::relationships::decompose(id) {
        Ok(_) => {
            log::info(&format!("decomposed relationship {id}"));
            Ok(())
        }
        Err(e) if (400..500).contains(&e.status) => {
            log::warn(&format!("could not decompose relationship {id}: {e}"));
            Ok(())
        }
        Err(e) => Err(ModuleError::retryable(format!("decomposing {id}: {e}"))),
    }
}

impl Module for AutoDecompose {
    fn events() -> Vec<String> {
        vec![names::RELATIONSHIP_CHANGED.into()]
    }

    fn schedule() -> Option<Schedule> {
        Some(Schedule {
            every_ms: 24 * 60 * 60 * 1000,
            run_at_start: true,
        })
    }

    fn on_event(event: Event) -> Result<(), ModuleError> {
        let Some(Ok(RuntimeEvent::RelationshipChanged(relationship))) = event.typed() else {
            return Err(ModuleError::fatal(
                "relationshipChanged without a relationship",
            ));
        };
        if relationship.status != RelationshipStatus::DeletionProposed {
            return Ok(());
        }
        std::thread::sleep(SETTLE);
        decompose(&relationship.id)
    }

    fn on_tick() -> Result<(), ModuleError> {
        let relationships = api::relationships::list(&[("status", "DeletionProposed")])
            .map_err(|e| ModuleError::retryable(format!("listing relationships: {e}")))?;
        for relationship in relationships {
            decompose(&relationship.id)?;
        }
        Ok(())
    }
}

export_module!(AutoDecompose, grants: { api: ["core:relationships"] });
