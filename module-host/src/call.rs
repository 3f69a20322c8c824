//! One call into a module: a fresh store with the module's limits, instantiation from the
//! module's `InstancePre`, the call, and the verdict. Nothing survives a call but what the
//! module put in `kv`, so a trap can never leave a broken instance behind.
//!
//! Two budgets bound a call. The epoch callback traps a guest that keeps computing past its
//! wall-clock budget, and yields to tokio on every tick, so a spinning guest never blocks the
//! runtime. A `tokio::time::timeout` around the call covers time spent awaiting host imports
//! (a hanging HTTP target), where guest code is not running and epochs are not checked.

use crate::capabilities::Capabilities;
use crate::engine::LoadedModule;
use crate::since_v0_1_0::{self as wit, Module};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmtime::component::ResourceTable;
use wasmtime::{Store, StoreLimits, StoreLimitsBuilder, Trap, UpdateDeadline};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

/// Up to this much of a guest's stderr (where Rust panics print) is kept for the error report.
const STDERR_CAPTURE: usize = 4096;

/// The store data of one call.
pub struct CallState {
    wasi: WasiCtx,
    table: ResourceTable,
    limits: StoreLimits,
    capabilities: Arc<Capabilities>,
    deadline: Instant,
    correlation_id: Option<String>,
    /// Set when a host call (HTTP, API) gave up because the budget ran out: the module was
    /// waiting on something outside, so running out of time is retryable, not the module's
    /// fault.
    host_call_timed_out: bool,
}

impl CallState {
    pub fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }
    pub fn correlation_id(&self) -> Option<&str> {
        self.correlation_id.as_deref()
    }
    /// Runs a host call within [`CallState::host_call_budget`], noting when it failed
    /// because that budget ran out.
    pub async fn bounded<T>(
        &mut self,
        call: impl AsyncFnOnce(&Capabilities, Duration) -> Result<T, String>,
    ) -> Result<T, String> {
        let budget = self.host_call_budget();
        let started = Instant::now();
        let result = call(&self.capabilities, budget).await;
        if result.is_err() && started.elapsed() >= budget {
            self.host_call_timed_out = true;
        }
        result
    }

    /// How long a host call (HTTP, API) may take: what is left of the call's budget, less a
    /// reserve so the module still gets the host call's error and can report it as
    /// `retryable`, instead of being cut off as a timed-out call.
    pub fn host_call_budget(&self) -> Duration {
        let remaining = self.deadline.saturating_duration_since(Instant::now());
        remaining.saturating_sub((remaining / 5).max(Duration::from_millis(20)))
    }
}

impl WasiView for CallState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// Per-module settings of every call.
#[derive(Clone)]
pub struct CallLimits {
    pub budget: Duration,
    pub max_memory_bytes: usize,
}

/// Why a call did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallFailure {
    /// The module asked to be called again later.
    Retryable(String),
    /// The module says this input can never succeed.
    Fatal(String),
    /// The guest trapped: panic, memory cap, time budget, or a host limit.
    Trap(String),
}

impl std::fmt::Display for CallFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallFailure::Retryable(m) => write!(f, "retryable: {m}"),
            CallFailure::Fatal(m) => write!(f, "fatal: {m}"),
            CallFailure::Trap(m) => write!(f, "trap: {m}"),
        }
    }
}

impl From<wit::ModuleError> for CallFailure {
    fn from(error: wit::ModuleError) -> Self {
        match error {
            wit::ModuleError::Retryable(m) => CallFailure::Retryable(m),
            wit::ModuleError::Fatal(m) => CallFailure::Fatal(m),
        }
    }
}

/// What a module said about itself in `describe`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description {
    pub name: String,
    pub version: String,
    pub events: Vec<String>,
    pub schedule: Option<(Duration, bool)>,
}

pub struct Caller<'a> {
    pub module: &'a LoadedModule,
    pub capabilities: &'a Arc<Capabilities>,
    pub limits: &'a CallLimits,
}

impl Caller<'_> {
    fn store(&self, correlation_id: Option<String>) -> (Store<CallState>, MemoryOutputPipe) {
        let stderr = MemoryOutputPipe::new(STDERR_CAPTURE);
        let wasi = WasiCtx::builder().stderr(stderr.clone()).build();
        let limits = StoreLimitsBuilder::new()
            .memory_size(self.limits.max_memory_bytes)
            .trap_on_grow_failure(true)
            .build();
        let start = Instant::now();
        let budget = self.limits.budget;
        let state = CallState {
            wasi,
            table: ResourceTable::new(),
            limits,
            capabilities: self.capabilities.clone(),
            deadline: start + budget,
            correlation_id,
            host_call_timed_out: false,
        };
        let mut store = Store::new(self.module.engine(), state);
        store.limiter(|state| &mut state.limits);
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |_| {
            Ok(if start.elapsed() > budget {
                UpdateDeadline::Interrupt
            } else {
                UpdateDeadline::Yield(1)
            })
        });
        (store, stderr)
    }

    /// Runs `f` on a fresh instance within the module's budget.
    async fn run<R>(
        &self,
        correlation_id: Option<String>,
        f: impl AsyncFnOnce(&Module, &mut Store<CallState>) -> wasmtime::Result<R>,
    ) -> Result<R, CallFailure> {
        let (mut store, stderr) = self.store(correlation_id);
        let outcome = tokio::time::timeout(self.limits.budget, async {
            let instance = self.module.pre().instantiate_async(&mut store).await?;
            f(&instance, &mut store).await
        })
        .await;
        let failure = match outcome {
            Ok(Ok(value)) => return Ok(value),
            Ok(Err(error)) => describe_trap(&error, &stderr, self.limits.budget),
            Err(_) => format!(
                "time budget of {:?} exceeded while waiting for a host call",
                self.limits.budget
            ),
        };
        if store.data().host_call_timed_out {
            Err(CallFailure::Retryable(format!(
                "{failure} (an HTTP or API call used up the budget)"
            )))
        } else {
            Err(CallFailure::Trap(failure))
        }
    }

    pub async fn describe(&self) -> Result<Description, CallFailure> {
        let info = self
            .run(None, async |instance, store| {
                instance.call_describe(store).await
            })
            .await?;
        Ok(Description {
            name: info.name,
            version: info.version,
            events: info.events,
            schedule: info
                .schedule
                .map(|s| (Duration::from_millis(s.every_ms.max(1)), s.run_at_start)),
        })
    }

    pub async fn on_event(&self, event: &wit::Event) -> Result<(), CallFailure> {
        let correlation_id = event.correlation_id.clone();
        self.run(correlation_id, async |instance, store| {
            instance.call_on_event(store, event).await
        })
        .await?
        .map_err(Into::into)
    }

    pub async fn on_tick(&self) -> Result<(), CallFailure> {
        self.run(None, async |instance, store| {
            instance.call_on_tick(store).await
        })
        .await?
        .map_err(Into::into)
    }
}

fn describe_trap(error: &wasmtime::Error, stderr: &MemoryOutputPipe, budget: Duration) -> String {
    let reason = match error.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => format!("time budget of {budget:?} exceeded"),
        Some(Trap::UnreachableCodeReached) => "the module panicked or aborted".to_owned(),
        Some(trap) => trap.to_string(),
        None => {
            let text = format!("{error:#}");
            if text.contains("forcing trap when growing memory") {
                "memory limit exceeded".to_owned()
            } else {
                text.lines().next().unwrap_or_default().to_owned()
            }
        }
    };
    let output = String::from_utf8_lossy(&stderr.contents())
        .trim()
        .to_owned();
    if output.is_empty() {
        reason
    } else {
        format!("{reason}: {output}")
    }
}
