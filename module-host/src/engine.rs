//! The one wasmtime engine of the process: pooling allocator, epoch ticker, the linker with
//! every import of the contract, and the compile cache. Compiling a component costs about a
//! hundred milliseconds, so each distinct `.wasm` is compiled once per process (and, with a
//! cache directory, once per machine) and then instantiated in microseconds per call.

use crate::call::CallState;
use crate::error::ModuleHostError;
use crate::since_v0_1_0::{self, ModulePre};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// How often the epoch advances; the granularity of time budgets and of yielding to tokio.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Sizing of the instance pool.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    /// Component instances alive at once (each running call holds one).
    pub max_instances: u32,
    /// Ceiling for any one linear memory, below every module's own `maxMemoryMb`.
    pub max_memory_mb: u64,
    /// Use the pooling allocator; off falls back to allocating on demand.
    pub pooling: bool,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_instances: 128,
            max_memory_mb: 512,
            pooling: true,
        }
    }
}

pub struct ModuleEngine {
    engine: Engine,
    linker: Linker<CallState>,
    compiled: Mutex<HashMap<[u8; 32], Component>>,
    cache_dir: Option<PathBuf>,
}

/// A compiled module ready to instantiate: what every call starts from.
pub struct LoadedModule {
    engine: Engine,
    pre: ModulePre<CallState>,
    /// SHA-256 of the `.wasm` bytes.
    pub hash: [u8; 32],
}

impl LoadedModule {
    pub fn engine(&self) -> &Engine {
        &self.engine
    }
    pub fn pre(&self) -> &ModulePre<CallState> {
        &self.pre
    }
}

impl ModuleEngine {
    pub fn new(pool: &PoolOptions, cache_dir: Option<PathBuf>) -> Result<Self, ModuleHostError> {
        let engine_error = |e: wasmtime::Error| ModuleHostError::Engine(format!("{e:#}"));
        let mut config = Config::new();
        config.epoch_interruption(true);
        if pool.pooling {
            let mut pooling = PoolingAllocationConfig::default();
            let instances = pool.max_instances;
            pooling
                .total_component_instances(instances)
                .total_core_instances(instances.saturating_mul(8))
                .total_memories(instances.saturating_mul(2))
                .total_tables(instances.saturating_mul(4))
                .total_stacks(instances)
                .max_memories_per_component(4)
                .max_tables_per_component(8)
                .max_core_instances_per_component(16)
                .max_memory_size(usize::try_from(pool.max_memory_mb << 20).unwrap_or(usize::MAX))
                .linear_memory_keep_resident(2 << 20)
                .table_keep_resident(64 << 10);
            config.allocation_strategy(InstanceAllocationStrategy::Pooling(pooling));
        }
        let engine = Engine::new(&config).map_err(engine_error)?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(engine_error)?;
        since_v0_1_0::add_to_linker(&mut linker).map_err(engine_error)?;
        start_epoch_ticker(&engine)
            .map_err(|e| ModuleHostError::Engine(format!("cannot start the epoch thread: {e}")))?;
        if let Some(dir) = &cache_dir {
            std::fs::create_dir_all(dir).map_err(|e| {
                ModuleHostError::Engine(format!("cannot create cache dir {}: {e}", dir.display()))
            })?;
        }
        Ok(Self {
            engine,
            linker,
            compiled: Mutex::new(HashMap::new()),
            cache_dir,
        })
    }

    /// Compiles (or fetches from the cache) and links a component. Blocking: call it from
    /// `spawn_blocking`.
    pub fn load(&self, module: &str, bytes: &[u8]) -> Result<LoadedModule, ModuleHostError> {
        let hash: [u8; 32] = Sha256::digest(bytes).into();
        let component = self.component(module, hash, bytes)?;
        let pre = self.linker.instantiate_pre(&component).map_err(|e| {
            ModuleHostError::load(
                module,
                format!("does not fit contract connector:module@0.1.0: {e:#}"),
            )
        })?;
        let pre = ModulePre::new(pre).map_err(|e| {
            ModuleHostError::load(
                module,
                format!("does not export the connector:module@0.1.0 world: {e:#}"),
            )
        })?;
        Ok(LoadedModule {
            engine: self.engine.clone(),
            pre,
            hash,
        })
    }

    fn component(
        &self,
        module: &str,
        hash: [u8; 32],
        bytes: &[u8],
    ) -> Result<Component, ModuleHostError> {
        if let Some(component) = self
            .compiled
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&hash)
        {
            return Ok(component.clone());
        }
        let cached = self.cache_path(&hash);
        let from_disk = cached.as_ref().filter(|p| p.exists()).and_then(|path| {
            // SAFETY: the file is one this engine serialized itself, named by the hash of its
            // source and the engine's compatibility hash, in a directory the operator gave us.
            unsafe { Component::deserialize_file(&self.engine, path) }.ok()
        });
        let component = match from_disk {
            Some(component) => component,
            None => {
                let component = Component::new(&self.engine, bytes)
                    .map_err(|e| ModuleHostError::load(module, e))?;
                if let (Some(path), Ok(serialized)) = (&cached, component.serialize()) {
                    write_atomically(path, &serialized);
                }
                component
            }
        };
        self.compiled
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(hash, component.clone());
        Ok(component)
    }

    fn cache_path(&self, hash: &[u8; 32]) -> Option<PathBuf> {
        let dir = self.cache_dir.as_ref()?;
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        self.engine
            .precompile_compatibility_hash()
            .hash(&mut hasher);
        let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
        Some(dir.join(format!("{hex}-{:016x}.cwasm", hasher.finish())))
    }
}

/// A cache write that fails only costs a recompile later, so errors are logged, not returned.
fn write_atomically(path: &std::path::Path, bytes: &[u8]) {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let result = std::fs::write(&tmp, bytes).and_then(|_| std::fs::rename(&tmp, path));
    if let Err(e) = result {
        tracing::warn!(path = %path.display(), error = %e, "cannot write compiled module cache");
        let _ = std::fs::remove_file(&tmp);
    }
}

/// Advances the epoch until the engine is dropped.
fn start_epoch_ticker(engine: &Engine) -> std::io::Result<()> {
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("module-epoch".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        })
        .map(|_| ())
}
