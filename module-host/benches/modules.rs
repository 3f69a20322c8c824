//! Module host benchmarks, each printed next to a baseline measured in the same run:
//! - dispatch: one `on-event` on a fresh instance (store + instantiate + call + drop), pooling
//!   allocator vs allocation on demand;
//! - load: compiling a component vs loading it from the on-disk cache vs from memory;
//! - memory: resident memory per loaded module;
//! - webhooks: events per second through the whole host (durable log, delivery, webhooks
//!   module, HTTP) to a loopback receiver, vs plain sequential POSTs from Rust.
//!
//! Run: `cargo bench -p module-host --bench modules` (needs the wasm32-wasip2 target).

#[path = "../tests/common/mod.rs"]
mod common;

use common::{Receiver, TestApi, wasm, wasm_dir};
use module_host::{
    Event, HostOptions, HostServices, ModuleHost, ModuleRunner, ModuleSpec, ModulesConfig,
    PoolOptions,
};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::Store;
use store::sqlite::SqliteStore;

const DISPATCH_EVENTS: usize = 5000;
const WEBHOOK_EVENTS: usize = 2000;

fn spec(name: &str, value: Value) -> ModuleSpec {
    let config: ModulesConfig = serde_json::from_value(json!({ name: value })).unwrap();
    config.wasm_modules().unwrap().remove(0)
}

fn options(pooling: bool) -> HostOptions {
    let mut options = HostOptions::new(wasm_dir());
    options.reload_interval = None;
    options.pool = PoolOptions {
        pooling,
        ..PoolOptions::default()
    };
    options
}

async fn services() -> HostServices {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open_in_memory().await.unwrap());
    HostServices {
        store,
        api: TestApi::new(),
    }
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() as f64 - 1.0) * p) as usize]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// p50 and mean of one `on-event` call.
async fn dispatch(runner: &ModuleRunner, event: &Event) -> (Duration, Duration) {
    for seq in 0..200 {
        runner.on_event(seq, event).await.unwrap();
    }
    let mut samples = Vec::with_capacity(DISPATCH_EVENTS);
    let start = Instant::now();
    for seq in 0..DISPATCH_EVENTS as u64 {
        let t = Instant::now();
        runner.on_event(seq, event).await.unwrap();
        samples.push(t.elapsed());
    }
    let mean = start.elapsed() / DISPATCH_EVENTS as u32;
    (percentile(&mut samples, 0.5), mean)
}

async fn bench_dispatch() {
    println!(
        "\n== dispatch: one on-event on a fresh instance, {DISPATCH_EVENTS} events, 1 task =="
    );
    println!(
        "{:<48} {:>10} {:>10} {:>14} {:>8}",
        "module", "p50 µs", "mean µs", "baseline p50", "ratio"
    );
    let active = json!({"id": "REL1", "status": "Active", "peer": "did:e:x", "auditLog": [{"createdBy": "did:e:x"}, {"createdBy": "did:e:y"}]});
    let cases = [
        (
            "noop (hostile, mode noop)",
            spec(
                "noop",
                json!({"enabled": true, "location": wasm("hostile").to_str().unwrap(), "mode": "noop"}),
            ),
            Event::new("transport.messageReceived", json!({"id": "MSG1"})),
        ),
        (
            "autoAcceptPendingRelationships",
            spec("autoAcceptPendingRelationships", json!({"enabled": true})),
            Event::new("transport.relationshipChanged", active.clone()),
        ),
        (
            "autoDecomposeDeletionProposedRelationships",
            spec(
                "autoDecomposeDeletionProposedRelationships",
                json!({"enabled": true}),
            ),
            Event::new("transport.relationshipChanged", active.clone()),
        ),
        (
            "webhooks (no webhook matches)",
            spec(
                "webhooks",
                json!({"enabled": true, "webhooks": [{"triggers": ["consumption.*"], "target": {"url": "http://127.0.0.1:9/x"}}]}),
            ),
            Event::new("transport.messageReceived", json!({"id": "MSG1"})),
        ),
        (
            "template (one kv write, in-memory SQLite)",
            spec(
                "template",
                json!({"enabled": true, "location": wasm("template").to_str().unwrap()}),
            ),
            Event::new("transport.messageReceived", json!({"id": "MSG1"})),
        ),
    ];
    for (label, spec, event) in cases {
        let pooled = ModuleRunner::load(spec.clone(), &options(true), services().await)
            .await
            .unwrap();
        let on_demand = ModuleRunner::load(spec, &options(false), services().await)
            .await
            .unwrap();
        let (base_p50, _) = dispatch(&on_demand, &event).await;
        let (p50, mean) = dispatch(&pooled, &event).await;
        println!(
            "{label:<48} {:>10.1} {:>10.1} {:>11.1} µs {:>7.2}x",
            micros(p50),
            micros(mean),
            micros(base_p50),
            micros(base_p50) / micros(p50)
        );
    }
    println!(
        "(baseline: the same InstancePre with wasmtime's on-demand allocator instead of the pool)"
    );
}

async fn bench_load() {
    println!(
        "\n== load: webhooks.wasm ({} KiB) ==",
        std::fs::metadata(wasm("webhooks")).unwrap().len() / 1024
    );
    let cache = tempfile::tempdir().unwrap();
    let spec = spec(
        "webhooks",
        json!({"enabled": true, "webhooks": [{"triggers": ["**"], "target": {"url": "http://127.0.0.1:9/x"}}]}),
    );
    let mut with_cache = options(true);
    with_cache.cache_dir = Some(cache.path().to_owned());
    let mut compile = Vec::new();
    let mut from_disk = Vec::new();
    let mut from_memory = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let first = ModuleRunner::load(spec.clone(), &options(true), services().await)
            .await
            .unwrap();
        compile.push(t.elapsed());
        // The first load with a cache dir compiles and writes it; later ones deserialize.
        ModuleRunner::load(spec.clone(), &with_cache, services().await)
            .await
            .unwrap();
        let t = Instant::now();
        ModuleRunner::load(spec.clone(), &with_cache, services().await)
            .await
            .unwrap();
        from_disk.push(t.elapsed());
        let t = Instant::now();
        first
            .load_sibling(spec.clone(), &options(true), services().await)
            .await
            .unwrap();
        from_memory.push(t.elapsed());
    }
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let base = percentile(&mut compile, 0.5);
    println!(
        "compile + link + describe (baseline)          {:>8.2} ms",
        ms(base)
    );
    let disk = percentile(&mut from_disk, 0.5);
    println!(
        "from the on-disk .cwasm cache (new engine)    {:>8.2} ms   {:>6.1}x faster",
        ms(disk),
        ms(base) / ms(disk)
    );
    let memory = percentile(&mut from_memory, 0.5);
    println!(
        "from the in-process cache (same engine)       {:>8.2} ms   {:>6.1}x faster",
        ms(memory),
        ms(base) / ms(memory)
    );
    println!("(medians of 5; 'new engine' includes creating the engine and its instance pool)");
}

fn rss_kib() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4
}

async fn bench_memory() {
    println!("\n== memory: resident set per loaded module ==");
    const COPIES: usize = 20;
    let spec_for = |i: usize| {
        spec(
            &format!("wh{i}"),
            json!({"enabled": true, "location": "@nmshd/connector:WebhooksModule", "webhooks": [{"triggers": ["**"], "target": {"url": "http://127.0.0.1:9/x"}}]}),
        )
    };
    let before = rss_kib();
    let first = ModuleRunner::load(spec_for(0), &options(true), services().await)
        .await
        .unwrap();
    let after_first = rss_kib();
    let mut siblings = Vec::new();
    for i in 1..=COPIES {
        siblings.push(
            first
                .load_sibling(spec_for(i), &options(true), services().await)
                .await
                .unwrap(),
        );
    }
    let after_all = rss_kib();
    let per_module = (after_all.saturating_sub(after_first)) as f64 / COPIES as f64;
    println!(
        "first module (engine, pool, compiled code)    {:>8} KiB (baseline)",
        after_first.saturating_sub(before)
    );
    println!(
        "each further module of the same .wasm         {:>8.0} KiB",
        per_module
    );
    drop(siblings);
}

async fn bench_webhooks() {
    println!("\n== webhooks: {WEBHOOK_EVENTS} events to a loopback receiver ==");
    let receiver = Receiver::start().await;
    let client = reqwest::Client::new();
    let t = Instant::now();
    for n in 0..WEBHOOK_EVENTS {
        let body = json!({"trigger": "transport.messageReceived", "data": {"n": n}});
        client
            .post(receiver.url("/baseline"))
            .json(&body)
            .send()
            .await
            .unwrap();
    }
    let baseline = WEBHOOK_EVENTS as f64 / t.elapsed().as_secs_f64();
    println!("baseline: sequential reqwest POSTs from Rust  {baseline:>8.0} events/s");

    for (label, file, batch) in [
        ("through the host, SQLite file (fsync)", true, 1),
        ("same, publish_all in batches of 100", true, 100),
        ("through the host, in-memory SQLite", false, 1),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = if file {
            Arc::new(
                SqliteStore::open(dir.path().join("connector.db"))
                    .await
                    .unwrap(),
            )
        } else {
            Arc::new(SqliteStore::open_in_memory().await.unwrap())
        };
        let path = format!("/{label}");
        let config: ModulesConfig = serde_json::from_value(json!({"webhooks": {"enabled": true,
            "webhooks": [{"triggers": ["**"], "target": {"url": receiver.url(&path.replace(' ', "-"))}}]}}))
        .unwrap();
        let host = ModuleHost::start(
            &config,
            options(true),
            HostServices {
                store,
                api: TestApi::new(),
            },
        )
        .await
        .unwrap();
        let before = receiver.count();
        let t = Instant::now();
        let events: Vec<Event> = (0..WEBHOOK_EVENTS)
            .map(|n| Event::new("transport.messageReceived", json!({"n": n})))
            .collect();
        for chunk in events.chunks(batch) {
            host.publish_all(chunk).await.unwrap();
        }
        let published = t.elapsed();
        while receiver.count() < before + WEBHOOK_EVENTS {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let rate = WEBHOOK_EVENTS as f64 / t.elapsed().as_secs_f64();
        println!(
            "{label:<45} {rate:>8.0} events/s   {:>5.2}x baseline   (publish alone: {:.0} events/s)",
            rate / baseline,
            WEBHOOK_EVENTS as f64 / published.as_secs_f64()
        );
        host.shutdown().await;
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        wasm_dir();
        // `cargo bench -p module-host --bench modules -- dispatch` runs one section.
        let only = std::env::args().skip(1).find(|a| !a.starts_with('-'));
        let run = |section: &str| only.as_deref().is_none_or(|o| o == section);
        if run("dispatch") {
            bench_dispatch().await;
        }
        if run("load") {
            bench_load().await;
        }
        if run("memory") {
            bench_memory().await;
        }
        if run("webhooks") {
            bench_webhooks().await;
        }
    });
}
