//! A module as the host keeps it: its spec, capabilities, limits, the compiled component it
//! currently runs, and its health. Reloading swaps the compiled component atomically; calls
//! already running finish on the old one.

use crate::BuiltinComponents;
use crate::call::{CallLimits, Caller, Description};
use crate::capabilities::{Capabilities, SharedResources};
use crate::config::{ComponentOrigin, Grants, ModuleSpec};
use crate::engine::{LoadedModule, ModuleEngine};
use crate::error::ModuleHostError;
use crate::health::HealthTracker;
use arc_swap::ArcSwap;
use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

/// What identifies a version of the `.wasm` file without reading it (all `None` for an
/// embedded component, which never changes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct FileStamp {
    modified: Option<SystemTime>,
    len: u64,
}

pub struct Current {
    pub loaded: LoadedModule,
    pub description: Description,
    stamp: FileStamp,
}

pub struct HostedModule {
    pub spec: ModuleSpec,
    pub engine: Arc<ModuleEngine>,
    pub origin: ComponentOrigin,
    capabilities: Arc<Capabilities>,
    limits: CallLimits,
    current: ArcSwap<Current>,
    pub health: HealthTracker,
}

impl HostedModule {
    pub async fn load(
        spec: ModuleSpec,
        builtins: &BuiltinComponents,
        engine: &Arc<ModuleEngine>,
        shared: &SharedResources,
    ) -> Result<Self, ModuleHostError> {
        let origin = spec.origin(builtins)?;
        let capabilities = Arc::new(Capabilities::new(&spec, shared)?);
        let limits = CallLimits {
            budget: spec.limits.timeout(),
            max_memory_bytes: spec.limits.max_memory_bytes(),
        };
        let current = load_current(
            &spec.name,
            &origin,
            &spec.grants,
            engine,
            &capabilities,
            &limits,
        )
        .await?;
        tracing::info!(
            module = %spec.name,
            version = %current.description.version,
            events = ?current.description.events,
            from = %origin,
            "module loaded"
        );
        Ok(Self {
            engine: engine.clone(),
            health: HealthTracker::new(spec.delivery.unhealthy_after),
            spec,
            origin,
            capabilities,
            limits,
            current: ArcSwap::from_pointee(current),
        })
    }

    pub fn name(&self) -> &str {
        &self.spec.name
    }

    pub fn current(&self) -> Arc<Current> {
        self.current.load_full()
    }

    pub fn caller<'a>(&'a self, current: &'a Current) -> Caller<'a> {
        Caller {
            module: &current.loaded,
            capabilities: &self.capabilities,
            limits: &self.limits,
        }
    }

    /// Reloads when the file changed; a file that does not load leaves the old version
    /// running. Returns whether a new version is now live.
    pub async fn reload_if_changed(&self, engine: &Arc<ModuleEngine>) -> bool {
        let ComponentOrigin::File(path) = &self.origin else {
            return false;
        };
        let Ok(stamp) = stamp(path).await else {
            return false;
        };
        let current = self.current();
        if stamp == current.stamp {
            return false;
        }
        match load_current(
            &self.spec.name,
            &self.origin,
            &self.spec.grants,
            engine,
            &self.capabilities,
            &self.limits,
        )
        .await
        {
            Ok(next) if next.loaded.hash == current.loaded.hash => {
                // Touched but unchanged: remember the stamp, keep the instance.
                self.current.store(Arc::new(Current {
                    stamp: next.stamp,
                    ..next
                }));
                false
            }
            Ok(next) => {
                tracing::info!(module = %self.spec.name, version = %next.description.version, "module reloaded");
                self.current.store(Arc::new(next));
                true
            }
            Err(error) => {
                let message = format!("reload failed, still running the previous version: {error}");
                tracing::error!(module = %self.spec.name, error = %error, "reload failed, still running the previous version");
                self.health.note_error(&message);
                false
            }
        }
    }
}

async fn stamp(path: &Path) -> std::io::Result<FileStamp> {
    let metadata = tokio::fs::metadata(path).await?;
    Ok(FileStamp {
        modified: metadata.modified().ok(),
        len: metadata.len(),
    })
}

/// The component's bytes and the stamp of the version read.
async fn read(
    name: &str,
    origin: &ComponentOrigin,
) -> Result<(Cow<'static, [u8]>, FileStamp), ModuleHostError> {
    match origin {
        ComponentOrigin::Embedded(bytes) => Ok((Cow::Borrowed(*bytes), FileStamp::default())),
        ComponentOrigin::File(path) => {
            let read_error = |source| ModuleHostError::ReadModule {
                module: name.to_owned(),
                path: path.to_owned(),
                source,
            };
            let stamp = stamp(path).await.map_err(read_error)?;
            let bytes = tokio::fs::read(path).await.map_err(read_error)?;
            Ok((Cow::Owned(bytes), stamp))
        }
    }
}

async fn load_current(
    name: &str,
    origin: &ComponentOrigin,
    grants: &Grants,
    engine: &Arc<ModuleEngine>,
    capabilities: &Arc<Capabilities>,
    limits: &CallLimits,
) -> Result<Current, ModuleHostError> {
    let (bytes, stamp) = read(name, origin).await?;
    crate::declared_grants::check(name, &crate::declared_grants::read(&bytes), grants)?;
    let loaded = {
        let engine = engine.clone();
        let module = name.to_owned();
        tokio::task::spawn_blocking(move || engine.load(&module, &bytes))
            .await
            .map_err(|e| ModuleHostError::load(name, e))??
    };
    let caller = Caller {
        module: &loaded,
        capabilities,
        limits,
    };
    let description = caller
        .describe()
        .await
        .map_err(|e| ModuleHostError::load(name, format!("describe: {e}")))?;
    Ok(Current {
        loaded,
        description,
        stamp,
    })
}
