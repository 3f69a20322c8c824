//! Delivery from the durable log to one module: at least once, in log order, with
//! exponential backoff, resuming from the module's persisted cursor after a restart.
//!
//! A module that is down for a day gets every event once it is back: events it reports as
//! `retryable` are retried without limit. An event that makes the module trap (panic, memory,
//! time budget) is retried `maxAttempts` times and then kept as a dead letter, so one poison
//! event cannot stop a module for good.

use crate::call::CallFailure;
use crate::event_log::{EventLog, LoggedEvent};
use crate::hosted::HostedModule;
use crate::metrics;
use crate::since_v0_1_0 as wit;
use module_sdk::pattern;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// The cursor is written after this many events or this much time, whichever comes first
/// (and whenever the module catches up). A crash re-delivers at most that much.
const CURSOR_BATCH: u64 = 64;
const CURSOR_INTERVAL: Duration = Duration::from_millis(200);
/// Pause before retrying when the store itself fails.
const STORE_RETRY: Duration = Duration::from_secs(1);

enum Outcome {
    Done,
    ShuttingDown,
}

pub struct Delivery {
    pub module: Arc<HostedModule>,
    pub log: Arc<EventLog>,
    pub head: watch::Receiver<u64>,
    pub shutdown: watch::Receiver<bool>,
}

impl Delivery {
    pub async fn run(mut self) {
        let Some(mut cursor) = self.initial_cursor().await else {
            return;
        };
        let mut persisted = cursor;
        let mut persisted_at = Instant::now();
        loop {
            let head = *self.head.borrow_and_update();
            if let Outcome::ShuttingDown = self.replay().await {
                self.persist(cursor, &mut persisted).await;
                return;
            }
            while cursor < head {
                let seq = cursor + 1;
                let event = match self.log.read(seq).await {
                    Ok(event) => event,
                    Err(e) => {
                        self.module.health.note_error(&format!("event log: {e}"));
                        if self.pause(STORE_RETRY).await {
                            return;
                        }
                        continue;
                    }
                };
                if let Some(event) = event
                    && pattern::matches_any(
                        &self.module.current().description.events,
                        &event.namespace,
                    )
                    && let Outcome::ShuttingDown = self.deliver(&event).await
                {
                    self.persist(cursor, &mut persisted).await;
                    return;
                }
                cursor = seq;
                if cursor - persisted >= CURSOR_BATCH || persisted_at.elapsed() >= CURSOR_INTERVAL {
                    self.persist(cursor, &mut persisted).await;
                    persisted_at = Instant::now();
                }
            }
            self.persist(cursor, &mut persisted).await;
            persisted_at = Instant::now();
            tokio::select! {
                changed = self.head.changed() => if changed.is_err() { return },
                _ = self.shutdown.changed() => return,
            }
        }
    }

    /// The persisted cursor, or the current head for a module that never ran (it receives
    /// events from now on, as a newly enabled official module does).
    async fn initial_cursor(&mut self) -> Option<u64> {
        loop {
            let result = match self.log.cursor(self.module.name()).await {
                Ok(Some(cursor)) => Ok(cursor),
                Ok(None) => {
                    let head = *self.head.borrow();
                    self.log
                        .set_cursor(self.module.name(), head)
                        .await
                        .map(|_| head)
                }
                Err(e) => Err(e),
            };
            match result {
                Ok(cursor) => {
                    self.module.health.delivered(cursor);
                    return Some(cursor);
                }
                Err(e) => {
                    self.module.health.note_error(&format!("event log: {e}"));
                    if self.pause(STORE_RETRY).await {
                        return None;
                    }
                }
            }
        }
    }

    async fn persist(&self, cursor: u64, persisted: &mut u64) {
        if cursor == *persisted {
            return;
        }
        match self.log.set_cursor(self.module.name(), cursor).await {
            Ok(()) => {
                *persisted = cursor;
                self.module.health.delivered(cursor);
            }
            // Not fatal: the next persist writes a later cursor; a crash before then only
            // re-delivers.
            Err(e) => self
                .module
                .health
                .note_error(&format!("cannot save cursor: {e}")),
        }
    }

    /// Delivers the dead letters an operator queued for another try, oldest first. Each
    /// leaves the queue once handled: delivered, or dead-lettered again.
    async fn replay(&mut self) -> Outcome {
        loop {
            let next = match self.log.next_replay(self.module.name()).await {
                Ok(next) => next,
                Err(e) => {
                    self.module.health.note_error(&format!("replay queue: {e}"));
                    return Outcome::Done;
                }
            };
            let Some((id, event)) = next else {
                return Outcome::Done;
            };
            if let Outcome::ShuttingDown = self.deliver(&event).await {
                return Outcome::ShuttingDown;
            }
            if let Err(e) = self.log.replay_done(&id).await {
                self.module.health.note_error(&format!("replay queue: {e}"));
                return Outcome::Done;
            }
        }
    }

    async fn deliver(&mut self, event: &LoggedEvent) -> Outcome {
        let wit_event = wit::Event {
            seq: event.seq,
            namespace: event.namespace.clone(),
            data: event.data.as_ref().map(|d| d.to_string()),
            correlation_id: event.correlation_id.clone(),
            occurred_at_ms: event.occurred_at_ms,
        };
        let policy = self.module.spec.delivery.clone();
        let (mut attempts, mut traps) = (0u32, 0u32);
        loop {
            let current = self.module.current();
            let caller = self.module.caller(&current);
            let started = Instant::now();
            let result = tokio::select! {
                result = caller.on_event(&wit_event) => result,
                _ = self.shutdown.changed() => return Outcome::ShuttingDown,
            };
            let seconds = started.elapsed().as_secs_f64();
            metrics::call_time(self.module.name(), "on-event", result.is_ok(), seconds);
            let error = match result {
                Ok(()) => {
                    metrics::count(metrics::DELIVERIES, self.module.name());
                    self.module.health.success();
                    return Outcome::Done;
                }
                Err(CallFailure::Fatal(message)) => {
                    self.dead_letter(event, &format!("rejected by the module: {message}"))
                        .await;
                    return Outcome::Done;
                }
                Err(failure @ CallFailure::Trap(_)) => {
                    traps += 1;
                    if traps >= policy.max_attempts {
                        self.module.health.failure(&failure.to_string());
                        self.dead_letter(event, &format!("{failure} (after {traps} attempts)"))
                            .await;
                        return Outcome::Done;
                    }
                    failure
                }
                Err(failure @ CallFailure::Retryable(_)) => failure,
            };
            attempts += 1;
            metrics::count(metrics::RETRIES, self.module.name());
            let wait = policy.backoff(attempts);
            self.module.health.failure(&error.to_string());
            tracing::warn!(
                module = %self.module.name(),
                seq = event.seq,
                event = %event.namespace,
                attempt = attempts,
                retry_in_ms = wait.as_millis() as u64,
                error = %error,
                "delivery failed"
            );
            if self.pause(wait).await {
                return Outcome::ShuttingDown;
            }
        }
    }

    async fn dead_letter(&self, event: &LoggedEvent, error: &str) {
        tracing::error!(module = %self.module.name(), seq = event.seq, event = %event.namespace, error = %error, "dead letter");
        self.module.health.dead_letter();
        metrics::count(metrics::DEAD_LETTERS, self.module.name());
        loop {
            match self.log.dead_letter(self.module.name(), event, error).await {
                Ok(()) => return,
                Err(e) => {
                    self.module
                        .health
                        .note_error(&format!("cannot save dead letter: {e}"));
                    if self.pause(STORE_RETRY).await {
                        return;
                    }
                }
            }
        }
    }

    /// Sleeps; returns true if the host is shutting down.
    async fn pause(&self, duration: Duration) -> bool {
        let mut shutdown = self.shutdown.clone();
        tokio::select! {
            _ = tokio::time::sleep(duration) => *shutdown.borrow(),
            _ = shutdown.changed() => true,
        }
    }
}

/// Calls `on-tick` on the module's schedule: the next tick starts `every` after the previous
/// one finished, as the official sync module does. A failed tick is retried sooner, with the
/// module's backoff (never later than `every`), so a sync that failed at start-up does not
/// wait a whole interval.
pub async fn run_ticks(module: Arc<HostedModule>, mut shutdown: watch::Receiver<bool>) {
    let mut first = true;
    let mut failures = 0u32;
    loop {
        let current = module.current();
        let Some((every, run_at_start)) = current.description.schedule else {
            // No schedule (yet): look again later, a reload may add one.
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(1)) => continue,
                _ = shutdown.changed() => return,
            }
        };
        if first && !run_at_start {
            tokio::select! {
                _ = tokio::time::sleep(every) => {},
                _ = shutdown.changed() => return,
            }
        }
        first = false;
        let caller = module.caller(&current);
        let started = Instant::now();
        let result = tokio::select! {
            result = caller.on_tick() => result,
            _ = shutdown.changed() => return,
        };
        let seconds = started.elapsed().as_secs_f64();
        metrics::call_time(module.name(), "on-tick", result.is_ok(), seconds);
        let pause = match result {
            Ok(()) => {
                failures = 0;
                module.health.success();
                every
            }
            Err(error) => {
                failures += 1;
                let pause = module.spec.delivery.backoff(failures).min(every);
                tracing::warn!(module = %module.name(), retry_in_ms = pause.as_millis() as u64, error = %error, "tick failed");
                module.health.failure(&error.to_string());
                pause
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(pause) => {},
            _ = shutdown.changed() => return,
        }
    }
}
