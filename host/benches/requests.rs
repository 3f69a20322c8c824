//! Request round trips: the requester creates a Request, sends it by message, the peer syncs
//! and accepts it (sharing a new given name), the requester syncs and applies the response.
//! Between two of our Connectors (in this process, on loopback, with a local Backbone), and
//! the same flow between two official `@nmshd/runtime` 7.0.0 instances (Node, each with its
//! own in-memory database, driven through `interop/runtime/peer.mjs`) on the same Backbone.
//! Prints p50 / p99 of one round trip, round trips per second, and the ratio.
//!
//! Run: `cargo bench -p connector --bench requests` (needs `npm ci` in `interop/`).

#[path = "../tests/common/mod.rs"]
mod common;

use common::runtime_peer::RuntimePeer;
use common::{Peer, relate};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const OURS: usize = 200;
const OFFICIAL: usize = 40;

fn items() -> Value {
    json!([
        {"@type": "ReadAttributeRequestItem", "mustBeAccepted": true,
         "query": {"@type": "IdentityAttributeQuery", "valueType": "GivenName"}},
        {"@type": "FormFieldRequestItem", "mustBeAccepted": true, "title": "Rating",
         "settings": {"@type": "RatingFormFieldSettings", "maxRating": 5}}
    ])
}

fn answers(owner: &str, i: usize) -> Value {
    json!([
        {"accept": true, "newAttribute": {"@type": "IdentityAttribute", "owner": owner,
                                          "value": {"@type": "GivenName", "value": format!("Name {i}")}}},
        {"accept": true, "response": 1 + (i % 5)}
    ])
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

struct Summary {
    p50: Duration,
    p99: Duration,
    per_second: f64,
}

fn summarise(name: &str, mut samples: Vec<Duration>) -> Summary {
    let total: Duration = samples.iter().sum();
    samples.sort();
    let summary = Summary {
        p50: percentile(&samples, 50),
        p99: percentile(&samples, 99),
        per_second: samples.len() as f64 / total.as_secs_f64(),
    };
    println!(
        "{name:<44} n {:>4}  p50 {:>8.2} ms  p99 {:>8.2} ms  {:>7.1} round trips/s",
        samples.len(),
        summary.p50.as_secs_f64() * 1e3,
        summary.p99.as_secs_f64() * 1e3,
        summary.per_second,
    );
    summary
}

async fn ours(backbone: &common::Backbone) -> Summary {
    let quiet = |cfg: &mut Value| cfg["logging"] = json!({"level": "warn"});
    let a = Peer::start_with(backbone, quiet).await;
    let b = Peer::start_with(backbone, quiet).await;
    relate(&a, &b).await;
    let b_address = b.address().await;
    let mut samples = Vec::with_capacity(OURS);
    // Where one round trip's time goes, step by step.
    let mut steps: [Vec<Duration>; 5] = Default::default();
    for i in 0..OURS {
        let t = Instant::now();
        let created = a
            .post(
                "/Requests/Outgoing",
                json!({"peer": b_address, "content": {"items": items()}}),
            )
            .await;
        let id = created["id"].as_str().unwrap().to_owned();
        let t1 = Instant::now();
        a.post(
            "/Messages",
            json!({"recipients": [b_address], "content": created["content"]}),
        )
        .await;
        let t2 = Instant::now();
        b.sync().await;
        let t3 = Instant::now();
        b.ok(
            reqwest::Method::PUT,
            &format!("/Requests/Incoming/{id}/Accept"),
            Some(json!({"items": answers(&b_address, i)})),
            200,
        )
        .await;
        let t4 = Instant::now();
        a.sync().await;
        let done = a.get(&format!("/Requests/Outgoing/{id}")).await;
        let t5 = Instant::now();
        samples.push(t.elapsed());
        for (step, (from, to)) in
            steps
                .iter_mut()
                .zip([(t, t1), (t1, t2), (t2, t3), (t3, t4), (t4, t5)])
        {
            step.push(to - from);
        }
        assert_eq!(done["status"], "Completed", "{done}");
    }
    for (name, mut step) in [
        "create",
        "send by message",
        "peer syncs",
        "peer accepts (answer sent)",
        "requester syncs and reads",
    ]
    .into_iter()
    .zip(steps)
    {
        step.sort();
        println!(
            "  {name:<28} p50 {:>7.2} ms",
            percentile(&step, 50).as_secs_f64() * 1e3
        );
    }
    summarise("our Connector ↔ our Connector", samples)
}

async fn official(backbone: &common::Backbone) -> Summary {
    let a = RuntimePeer::start_with(backbone, "A", json!({})).await;
    let b = RuntimePeer::start_with(backbone, "B", json!({})).await;
    // Related through A's template, answered by B's RequestModule creating the relationship.
    let template = a
        .ok(
            "transportServices.relationshipTemplates",
            "createOwnRelationshipTemplate",
            json!({"expiresAt": (chrono::Utc::now() + chrono::Duration::minutes(60)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                   "content": {"@type": "RelationshipTemplateContent", "onNewRelationship": {"@type": "Request", "items": [
                       {"@type": "ConsentRequestItem", "mustBeAccepted": true, "consent": "Benchmark"}]}}}),
        )
        .await;
    let (_, since) = b.events_since(0).await;
    b.ok(
        "transportServices.relationshipTemplates",
        "loadPeerRelationshipTemplate",
        json!({"reference": template["reference"]["truncated"]}),
    )
    .await;
    let (processed, _) = b
        .wait_event("consumption.relationshipTemplateProcessed", since, false)
        .await;
    let request_id = processed.data["requestId"].as_str().unwrap().to_owned();
    b.ok(
        "consumptionServices.incomingRequests",
        "accept",
        json!({"requestId": request_id, "items": [{"accept": true}]}),
    )
    .await;
    let relationship = a
        .sync_until("the relationship request", || async {
            let all = a
                .ok(
                    "transportServices.relationships",
                    "getRelationships",
                    json!({}),
                )
                .await;
            all.as_array().unwrap().first().cloned()
        })
        .await;
    a.ok(
        "transportServices.relationships",
        "acceptRelationship",
        json!({"relationshipId": relationship["id"]}),
    )
    .await;
    b.sync_until("the relationship active", || async {
        let all = b
            .ok(
                "transportServices.relationships",
                "getRelationships",
                json!({}),
            )
            .await;
        (all[0]["status"] == "Active").then_some(())
    })
    .await;

    let b_address = b.address().to_owned();
    let mut samples = Vec::with_capacity(OFFICIAL);
    for i in 0..OFFICIAL {
        let t = Instant::now();
        let created = a
            .ok(
                "consumptionServices.outgoingRequests",
                "create",
                json!({"peer": b_address, "content": {"items": items()}}),
            )
            .await;
        let id = created["id"].as_str().unwrap().to_owned();
        a.ok(
            "transportServices.messages",
            "sendMessage",
            json!({"recipients": [b_address], "content": created["content"]}),
        )
        .await;
        b.sync_until("the request", || async {
            b.call(
                "consumptionServices.incomingRequests",
                "getRequest",
                json!({"id": id}),
            )
            .await
            .ok()
            .filter(|r| r["status"] == "ManualDecisionRequired")
        })
        .await;
        b.ok(
            "consumptionServices.incomingRequests",
            "accept",
            json!({"requestId": id, "items": answers(&b_address, i)}),
        )
        .await;
        a.sync_until("the response", || async {
            let r = a
                .ok(
                    "consumptionServices.outgoingRequests",
                    "getRequest",
                    json!({"id": id}),
                )
                .await;
            (r["status"] == "Completed").then_some(())
        })
        .await;
        samples.push(t.elapsed());
    }
    summarise("official runtime ↔ official runtime", samples)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    common::install_tls_provider();
    let backbone = common::Backbone::start().await;
    let official = official(&backbone).await;
    let ours = ours(&backbone).await;
    println!(
        "ratio (official / ours): p50 {:.1}×, p99 {:.1}×, throughput {:.1}×",
        official.p50.as_secs_f64() / ours.p50.as_secs_f64(),
        official.p99.as_secs_f64() / ours.p99.as_secs_f64(),
        ours.per_second / official.per_second,
    );
}
