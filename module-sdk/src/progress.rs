//! Remembers which steps of one event a module has finished, so a retry after a partial
//! failure (two webhooks, the second target down) repeats only the unfinished steps.
//!
//! Kept in the module's `kv` under one key: only the most recent event's progress is stored,
//! which is enough because the host delivers one event at a time, in order.

use crate::kv;

const KEY: &str = "__progress";

pub struct Progress {
    seq: u64,
    steps: u32,
    done: Vec<u32>,
}

impl Progress {
    /// The progress recorded for event `seq`, which has `steps` steps (empty if the last
    /// record is for another event). With one step there is nothing to remember, and the
    /// key-value store is not touched at all.
    pub fn load(seq: u64, steps: u32) -> Self {
        if steps <= 1 {
            return Self {
                seq,
                steps,
                done: Vec::new(),
            };
        }
        let done = kv::get(KEY)
            .ok()
            .flatten()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .and_then(|text| {
                let (stored_seq, steps) = text.split_once(':')?;
                (stored_seq.parse::<u64>().ok()? == seq)
                    .then(|| steps.split(',').filter_map(|s| s.parse().ok()).collect())
            })
            .unwrap_or_default();
        Self { seq, steps, done }
    }

    pub fn is_done(&self, step: u32) -> bool {
        self.done.contains(&step)
    }

    /// Records `step` as finished. A failure to record only means the step may run again.
    /// The last step is not recorded: once it is done, the event is done.
    pub fn mark(&mut self, step: u32) {
        if step + 1 >= self.steps {
            return;
        }
        self.done.push(step);
        let steps: Vec<String> = self.done.iter().map(u32::to_string).collect();
        let _ = kv::set(KEY, format!("{}:{}", self.seq, steps.join(",")).as_bytes());
    }
}
