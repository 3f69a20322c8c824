//! The one wasmtime engine of the process: pooling allocator, epoch ticker, the linker with
//! every import of the contract, and the compile cache. Compiling a component costs about a
//! hundred milliseconds, so each distinct `.wasm` is compiled once per process (and, with a
//! cache directory, once per machine) and then instantiated in microseconds per call.
//!
//! A cache file is native code the process will run, so it is loaded only when its SHA-256
//! equals the digest recorded in the store when this engine wrote it: a file changed or
//! planted by anyone who can write the cache folder but not the database is compiled anew.

use crate::call::CallState;
use crate::error::ModuleHostError;
use crate::since_v0_1_0::{self, ModulePre};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use store::Store;
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
    cache: Option<DiskCache>,
}

/// The compile cache on disk and the digests of its files, kept in the store.
struct DiskCache {
    dir: PathBuf,
    digests: Arc<dyn Store>,
    /// `load` runs on a blocking thread; the store is async.
    runtime: tokio::runtime::Handle,
}

/// `{id: cache file name, sha256: hex}` for every file this engine wrote.
const DIGESTS: &str = "moduleCompileCache";

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
    /// An engine; with `cache`, compiled components are kept in that folder and their digests
    /// in that store. Call from within a tokio runtime.
    pub fn new(
        pool: &PoolOptions,
        cache: Option<(PathBuf, Arc<dyn Store>)>,
    ) -> Result<Self, ModuleHostError> {
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
        let cache = match cache {
            Some((dir, digests)) => {
                std::fs::create_dir_all(&dir).map_err(|e| {
                    ModuleHostError::Engine(format!(
                        "cannot create cache dir {}: {e}",
                        dir.display()
                    ))
                })?;
                Some(DiskCache {
                    dir,
                    digests,
                    runtime: tokio::runtime::Handle::current(),
                })
            }
            None => None,
        };
        Ok(Self {
            engine,
            linker,
            compiled: Mutex::new(HashMap::new()),
            cache,
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
        let cached = self.cache_file_name(&hash);
        let component = match cached.as_deref().and_then(|name| self.read_verified(name)) {
            Some(component) => component,
            None => {
                let component = Component::new(&self.engine, bytes)
                    .map_err(|e| ModuleHostError::load(module, e))?;
                if let (Some(name), Ok(serialized)) = (&cached, component.serialize()) {
                    self.write_cache(name, &serialized);
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

    /// The cache file for a component: its source's hash and the engine's compatibility hash,
    /// so another wasmtime version or setting never reads it.
    fn cache_file_name(&self, hash: &[u8; 32]) -> Option<String> {
        self.cache.as_ref()?;
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        self.engine
            .precompile_compatibility_hash()
            .hash(&mut hasher);
        Some(format!("{}-{:016x}.cwasm", hex(hash), hasher.finish()))
    }

    /// The cached component, if its file is there and matches its recorded digest.
    fn read_verified(&self, name: &str) -> Option<Component> {
        let cache = self.cache.as_ref()?;
        let bytes = std::fs::read(cache.dir.join(name)).ok()?;
        let recorded = cache
            .runtime
            .block_on(cache.digests.get(DIGESTS, name))
            .ok()
            .flatten()
            .and_then(|doc| {
                doc.get("sha256")
                    .and_then(|v| v.as_str())
                    .map(str::to_owned)
            });
        if recorded.as_deref() != Some(hex(&Sha256::digest(&bytes).into()).as_str()) {
            tracing::warn!(file = %name, "compiled module cache file does not match its recorded digest; compiling again");
            return None;
        }
        // SAFETY: the bytes are exactly those this engine serialized (their digest is the one
        // recorded when it wrote them), for this engine's compatibility hash.
        unsafe { Component::deserialize(&self.engine, &bytes) }.ok()
    }

    /// Writes the file, then records its digest. A failure only costs a compile later.
    fn write_cache(&self, name: &str, serialized: &[u8]) {
        let Some(cache) = &self.cache else { return };
        if !write_atomically(&cache.dir.join(name), serialized) {
            return;
        }
        let record =
            serde_json::json!({"id": name, "sha256": hex(&Sha256::digest(serialized).into())});
        let written = cache.runtime.block_on(cache.digests.put(DIGESTS, record));
        if let Err(e) = written {
            tracing::warn!(error = %e, "cannot record the compiled module's digest");
        }
    }
}

fn hex(bytes: &[u8; 32]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A cache write that fails only costs a recompile later, so errors are logged, not returned.
fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> bool {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let result = std::fs::write(&tmp, bytes).and_then(|_| std::fs::rename(&tmp, path));
    if let Err(e) = &result {
        tracing::warn!(path = %path.display(), error = %e, "cannot write compiled module cache");
        let _ = std::fs::remove_file(&tmp);
    }
    result.is_ok()
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
