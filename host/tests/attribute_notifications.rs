//! Notifications about shared attributes between two of our Connectors through REST on a local
//! Backbone: `b` shares its given name with `a` by answering `a`'s read request, then tells `a`
//! what happened to it. Deleting the own attribute marks `a`'s copy deleted by the emitter;
//! deleting the copy marks `b`'s forward deleted by the recipient; a succession announced by
//! message gives `a` the successor under `b`'s id; a notification with one failing item
//! changes nothing. Each side keeps a record of every notification, and the events reach the
//! `webhooks` module.

mod common;

use common::webhooks::Webhooks;
use common::{Backbone, Peer, relate};
use reqwest::Method;
use serde_json::{Value, json};

/// A Connector whose `consumption.**` events go to its own webhook receiver.
async fn peer_with_hooks(backbone: &Backbone) -> (Peer, Webhooks) {
    let hooks = Webhooks::start().await;
    let hook_url = hooks.url.clone();
    let peer = Peer::start_with(backbone, |cfg| {
        cfg["modules"] = json!({
            "webhooks": {"enabled": true, "targets": {"receiver": {"url": hook_url}},
                         "webhooks": [{"triggers": ["consumption.**"], "target": "receiver"}],
                         "grants": {"http": {"hosts": ["127.0.0.1"]}}}
        });
    })
    .await;
    (peer, hooks)
}

/// Two related Connectors, `a` and `b`, each with its webhook receiver.
async fn pair(backbone: &Backbone) -> ((Peer, Webhooks), (Peer, Webhooks)) {
    let a = peer_with_hooks(backbone).await;
    let b = peer_with_hooks(backbone).await;
    relate(&a.0, &b.0).await;
    (a, b)
}

/// The id of `a`'s relationship with `b`.
async fn relationship_with(a: &Peer, b: &Peer) -> String {
    let b_address = b.address().await;
    let all = a.get("/Relationships").await;
    all.as_array()
        .unwrap()
        .iter()
        .find(|r| r["peer"] == b_address.as_str())
        .and_then(|r| r["id"].as_str())
        .unwrap()
        .to_owned()
}

/// `peer` succeeds its given name `id` with "Ada Augusta"; returns the answer.
async fn succeed_given_name(peer: &Peer, id: &str) -> Value {
    peer.post(
        &format!("/Attributes/{id}/Succeed"),
        json!({"successorContent": {"value": {"@type": "GivenName", "value": "Ada Augusta"}}}),
    )
    .await
}

/// `sender` sends `items` to `recipient` as a Notification by `POST /Messages`; returns the
/// notification's id and the message.
async fn notify(sender: &Peer, recipient: &Peer, items: Value) -> (String, Value) {
    let id = wire::AnyId::generate("NOT").unwrap().to_string();
    let message = sender
        .post(
            "/Messages",
            json!({"recipients": [recipient.address().await],
                   "content": {"@type": "Notification", "id": id, "items": items}}),
        )
        .await;
    (id, message)
}

/// The message `peer` holds whose content is the notification `id`.
async fn message_with_notification(peer: &Peer, id: &str) -> Value {
    let messages = peer.get("/Messages").await;
    messages
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["content"]["@type"] == "Notification" && m["content"]["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("no message with notification {id}: {messages}"))
}

/// The notification record `id` as `peer` keeps it (the runtime shows none over REST).
async fn record(peer: &Peer, id: &str) -> Value {
    let dto = peer
        .connector
        .app
        .consumption
        .get_notification(id)
        .await
        .unwrap();
    serde_json::to_value(dto).unwrap()
}

fn device_of(peer: &Peer) -> String {
    peer.connector.app.transport.device_id().to_owned()
}

/// Asserts that each `(official type, where from, value)` has exactly its
/// `@nmshd/runtime-types` 7.0.0 type.
fn assert_official_types(samples: &[(&str, &str, &Value)]) {
    let mut checked = common::TypeSamples::default();
    for (ty, from, value) in samples {
        checked.add(ty, from, "", value);
    }
    let report = checked.check();
    assert_eq!(report.samples, samples.len());
    let errors: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

/// Waits for the `consumption.messageProcessed` of `message` and checks its result.
async fn processed(hooks: &Webhooks, message: &str) {
    let event = hooks
        .wait_for("consumption.messageProcessed", |b| {
            b["data"]["message"]["id"] == message
        })
        .await;
    assert_eq!(event.body["data"]["result"], "NoRequest");
    let count = hooks
        .deliveries()
        .iter()
        .filter(|d| {
            d.trigger == "consumption.messageProcessed"
                && d.body["data"]["message"]["id"] == message
        })
        .count();
    assert_eq!(count, 1, "processed once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_deleting_its_attribute_marks_the_copy_deleted_by_the_emitter() {
    let backbone = Backbone::start().await;
    let ((a, a_hooks), (b, _)) = pair(&backbone).await;
    let a_address = a.address().await;
    let b_address = b.address().await;
    let id = common::share_given_name(&a, &b, "Ada").await;

    let deleted = b
        .ok(Method::DELETE, &format!("/Attributes/{id}"), None, 200)
        .await;
    let ids = deleted["notificationIds"].as_array().unwrap();
    assert_eq!(ids.len(), 1, "{deleted}");
    let notification_id = ids[0].as_str().unwrap().to_owned();
    assert!(
        notification_id.starts_with("NOT") && notification_id.len() == 20,
        "{notification_id}"
    );

    // The sender keeps its notification as sent, by the message that carried it.
    let sent = message_with_notification(&b, &notification_id).await;
    let item = json!({"@type": "OwnAttributeDeletedByOwnerNotificationItem", "attributeId": id});
    assert_eq!(sent["content"]["items"], json!([item]));
    assert_eq!(
        record(&b, &notification_id).await,
        json!({
            "id": notification_id, "isOwn": true, "peer": a_address,
            "createdAt": sent["createdAt"],
            "content": {"@type": "Notification", "id": notification_id, "items": [item]},
            "status": "Sent",
            "source": {"type": "Message", "reference": sent["id"]}
        })
    );

    // The peer's copy stays, deleted by the emitter.
    a.sync().await;
    let copy = a.get(&format!("/Attributes/{id}")).await;
    assert_eq!(copy["@type"], "PeerIdentityAttribute");
    assert_eq!(copy["deletionInfo"]["deletionStatus"], "DeletedByEmitter");
    let date = copy["deletionInfo"]["deletionDate"].as_str().unwrap();
    assert!(date.ends_with('Z') && date.len() == 24, "{date}");
    assert_eq!(
        a.get("/Attributes?deletionInfo.deletionStatus=DeletedByEmitter")
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // It keeps the notification as received by its device and completed.
    let received = message_with_notification(&a, &notification_id).await;
    assert_eq!(
        received["recipients"][0]["receivedByDevice"],
        device_of(&a).as_str()
    );
    assert_eq!(
        record(&a, &notification_id).await,
        json!({
            "id": notification_id, "isOwn": false, "peer": b_address,
            "createdAt": received["createdAt"],
            "receivedByDevice": device_of(&a),
            "content": {"@type": "Notification", "id": notification_id, "items": [item]},
            "status": "Completed",
            "source": {"type": "Message", "reference": received["id"]}
        })
    );

    // The events: the copy as it now is, then the message processed.
    let event = a_hooks
        .wait_for("consumption.ownAttributeDeletedByOwner", |b| {
            b["data"]["id"] == id.as_str()
        })
        .await;
    assert_eq!(event.body["data"], copy);
    processed(&a_hooks, received["id"].as_str().unwrap()).await;
    assert_official_types(&[
        (
            "LocalNotificationDTO",
            "sent",
            &record(&b, &notification_id).await,
        ),
        (
            "LocalNotificationDTO",
            "received",
            &record(&a, &notification_id).await,
        ),
        (
            "LocalAttributeDTO",
            "consumption.ownAttributeDeletedByOwner",
            &event.body["data"],
        ),
    ]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_peer_deleting_its_copy_marks_the_forward_deleted_by_the_recipient() {
    let backbone = Backbone::start().await;
    let ((a, _), (b, b_hooks)) = pair(&backbone).await;
    let a_address = a.address().await;
    let id = common::share_given_name(&a, &b, "Ada").await;
    let forwards = b.get(&format!("/Attributes/{id}/ForwardingDetails")).await;
    assert_eq!(forwards.as_array().unwrap().len(), 1);
    assert!(forwards[0].get("deletionInfo").is_none(), "{forwards}");

    let deleted = a
        .ok(Method::DELETE, &format!("/Attributes/{id}"), None, 200)
        .await;
    let notification_id = deleted["notificationIds"][0].as_str().unwrap().to_owned();
    let resp = a
        .send(Method::GET, &format!("/Attributes/{id}"), None)
        .await;
    assert_eq!(resp.status().as_u16(), 404, "the copy is gone on its side");
    assert_eq!(record(&a, &notification_id).await["status"], "Sent");

    b.sync().await;
    let forwards = b.get(&format!("/Attributes/{id}/ForwardingDetails")).await;
    assert_eq!(forwards.as_array().unwrap().len(), 1, "{forwards}");
    assert_eq!(forwards[0]["peer"], a_address.as_str());
    assert_eq!(
        forwards[0]["deletionInfo"]["deletionStatus"],
        "DeletedByRecipient"
    );
    assert!(
        forwards[0]["deletionInfo"]["deletionDate"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    // The attribute itself is untouched; the deleted forward still counts.
    let own = b.get(&format!("/Attributes/{id}")).await;
    assert_eq!(own["@type"], "OwnIdentityAttribute");
    assert!(own.get("deletionInfo").is_none(), "{own}");
    assert_eq!(own["numberOfForwards"], 1);
    // The peer no longer holds it: it is not shared with the peer any more.
    let shared = b
        .get(&format!(
            "/Attributes/{id}/Versions/Shared?peer={a_address}"
        ))
        .await;
    assert_eq!(shared, json!([]));

    let event = b_hooks
        .wait_for("consumption.forwardedAttributeDeletedByPeer", |e| {
            e["data"]["id"] == id.as_str()
        })
        .await;
    assert_eq!(event.body["data"], own);
    let received = message_with_notification(&b, &notification_id).await;
    assert_eq!(
        received["content"]["items"],
        json!([{"@type": "ForwardedAttributeDeletedByPeerNotificationItem", "attributeId": id}])
    );
    assert_eq!(record(&b, &notification_id).await["status"], "Completed");
    processed(&b_hooks, received["id"].as_str().unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_succession_announced_by_message_gives_the_peer_the_successor() {
    let backbone = Backbone::start().await;
    let ((a, a_hooks), (b, _)) = pair(&backbone).await;
    let b_address = b.address().await;
    let id = common::share_given_name(&a, &b, "Ada").await;

    let succeeded = succeed_given_name(&b, &id).await;
    let successor_id = succeeded["successor"]["id"].as_str().unwrap().to_owned();
    let (notification_id, message) = notify(
        &b,
        &a,
        json!([{"@type": "PeerAttributeSucceededNotificationItem",
                "predecessorId": id, "successorId": successor_id,
                "successorContent": succeeded["successor"]["content"]}]),
    )
    .await;
    assert_eq!(record(&b, &notification_id).await["status"], "Sent");

    a.sync().await;
    let successor = a.get(&format!("/Attributes/{successor_id}")).await;
    assert_eq!(
        successor,
        json!({
            "@type": "PeerIdentityAttribute",
            "id": successor_id,
            "content": {"@type": "IdentityAttribute", "owner": b_address,
                        "value": {"@type": "GivenName", "value": "Ada Augusta"}},
            "createdAt": successor["createdAt"],
            "succeeds": id,
            "peer": b_address,
            "sourceReference": notification_id
        })
    );
    let predecessor = a.get(&format!("/Attributes/{id}")).await;
    assert_eq!(predecessor["succeededBy"], successor_id.as_str());
    assert_eq!(predecessor["content"]["value"]["value"], "Ada");
    let versions = a.get(&format!("/Attributes/{successor_id}/Versions")).await;
    let version_ids: Vec<&str> = versions
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(version_ids, [successor_id.as_str(), id.as_str()]);
    let latest = a.get(&format!("/Attributes/Peer/{b_address}")).await;
    assert_eq!(latest, json!([successor]), "only the latest version");

    let event = a_hooks
        .wait_for("consumption.attributeSucceeded", |e| {
            e["data"]["predecessor"]["id"] == id.as_str()
        })
        .await;
    assert_eq!(
        event.body["data"],
        json!({"predecessor": predecessor, "successor": successor})
    );
    let record = record(&a, &notification_id).await;
    assert_eq!(record["status"], "Completed");
    assert_eq!(record["peer"], b_address.as_str());
    processed(&a_hooks, &received_id(&a, &message, &notification_id).await).await;
}

/// The id of the message `a` received for the notification `sent` carried.
async fn received_id(peer: &Peer, sent: &Value, notification_id: &str) -> String {
    let received = message_with_notification(peer, notification_id).await;
    assert_eq!(received["id"], sent["id"]);
    received["id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notification_with_a_failing_item_changes_nothing() {
    let backbone = Backbone::start().await;
    let ((a, a_hooks), (b, _)) = pair(&backbone).await;
    let a_address = a.address().await;
    let b_address = b.address().await;
    let id = common::share_given_name(&a, &b, "Ada").await;
    let before = a.get("/Attributes").await;
    let unknown = wire::AnyId::generate("ATT").unwrap().to_string();
    let successor_id = wire::AnyId::generate("ATT").unwrap().to_string();

    // The deletion would hold; the succession of an attribute `a` does not have does not.
    let (failing, message) = notify(
        &b,
        &a,
        json!([
            {"@type": "OwnAttributeDeletedByOwnerNotificationItem", "attributeId": id},
            {"@type": "PeerAttributeSucceededNotificationItem",
             "predecessorId": unknown, "successorId": successor_id,
             "successorContent": {"@type": "IdentityAttribute", "owner": b_address,
                                  "value": {"@type": "GivenName", "value": "Grace"}}}
        ]),
    )
    .await;
    // A succession whose successor `b` claims for `a`: the peer is not the owner.
    let (spoofed, spoofing) = notify(
        &b,
        &a,
        json!([{"@type": "PeerAttributeSucceededNotificationItem",
                "predecessorId": id, "successorId": successor_id,
                "successorContent": {"@type": "IdentityAttribute", "owner": a_address,
                                     "value": {"@type": "GivenName", "value": "Grace"}}}]),
    )
    .await;

    a.sync().await;
    assert_eq!(a.get("/Attributes").await, before, "no attribute changed");
    let resp = a
        .send(Method::GET, &format!("/Attributes/{successor_id}"), None)
        .await;
    assert_eq!(resp.status().as_u16(), 404);
    for (notification_id, sent) in [(&failing, &message), (&spoofed, &spoofing)] {
        let record = record(&a, notification_id).await;
        assert_eq!(record["status"], "Error", "{record}");
        assert_eq!(record["isOwn"], false);
        assert_eq!(record["receivedByDevice"], device_of(&a).as_str());
        // The message is processed all the same, and only that is published.
        processed(&a_hooks, &received_id(&a, sent, notification_id).await).await;
    }
    // No item event: neither the deletion that would have held nor a succession.
    let item_events: Vec<String> = a_hooks
        .deliveries()
        .into_iter()
        .map(|d| d.trigger)
        .filter(|t| {
            t == "consumption.ownAttributeDeletedByOwner" || t == "consumption.attributeSucceeded"
        })
        .collect();
    assert!(item_events.is_empty(), "{item_events:?}");

    // Decomposing the relationship removes the notifications exchanged with the peer.
    let with_b = |peer: &Peer| {
        let b_address = b_address.clone();
        let consumption = peer.connector.app.consumption.clone();
        async move {
            consumption
                .get_notifications(&b_address)
                .await
                .unwrap()
                .len()
        }
    };
    assert_eq!(with_b(&a).await, 2);
    let relationship = relationship_with(&a, &b).await;
    a.put(&format!("/Relationships/{relationship}/Terminate"))
        .await;
    a.ok(
        Method::DELETE,
        &format!("/Relationships/{relationship}"),
        None,
        204,
    )
    .await;
    assert_eq!(with_b(&a).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notify_peer_forwards_a_successor_to_the_peer_holding_an_older_version() {
    let backbone = Backbone::start().await;
    let ((a, a_hooks), (b, b_hooks)) = pair(&backbone).await;
    let a_address = a.address().await;
    let b_address = b.address().await;
    let id = common::share_given_name(&a, &b, "Ada").await;
    let succeeded = succeed_given_name(&b, &id).await;
    let successor_id = succeeded["successor"]["id"].as_str().unwrap().to_owned();
    let unshared = b
        .post(
            "/Attributes",
            json!({"content": {"value": {"@type": "Surname", "value": "Lovelace"}}}),
        )
        .await;

    // The checks, in the runtime's order and words.
    let notify = |attribute: String, body: Value| {
        let b = &b;
        async move {
            b.send(
                Method::POST,
                &format!("/Attributes/{attribute}/NotifyPeer"),
                Some(body),
            )
            .await
        }
    };
    let refused = |resp, status, code: &'static str| async move {
        common::error_of(resp, status, code).await["message"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    const INVALID: &str = "error.runtime.validation.invalidPropertyValue";
    assert_eq!(
        refused(
            notify("ATT1".into(), json!({"peer": a_address})).await,
            400,
            INVALID
        )
        .await,
        "attributeId must match pattern ATT[A-Za-z0-9]{17}"
    );
    assert_eq!(
        refused(notify(successor_id.clone(), json!({})).await, 400, INVALID).await,
        "must have required property 'peer'"
    );
    assert!(
        refused(
            notify(successor_id.clone(), json!({"peer": "nobody"})).await,
            400,
            INVALID
        )
        .await
        .starts_with("peer must match pattern did:e:")
    );
    let unknown = wire::AnyId::generate("ATT").unwrap().to_string();
    refused(
        notify(unknown, json!({"peer": a_address})).await,
        404,
        "error.runtime.recordNotFound",
    )
    .await;
    assert_eq!(
        refused(
            notify(
                unshared["id"].as_str().unwrap().into(),
                json!({"peer": a_address})
            )
            .await,
            400,
            "error.runtime.attributes.peerHasNoPreviousVersionOfAttribute"
        )
        .await,
        format!(
            "The peer '{a_address}' doesn't have any previous version of the Attribute '{}'. Either you haven't shared it before or the peer has deleted it.",
            unshared["id"].as_str().unwrap()
        )
    );
    refused(
        notify(id.clone(), json!({"peer": a_address})).await,
        400,
        "error.runtime.attributes.ownIdentityAttributeHasAlreadyBeenSharedWithPeer",
    )
    .await;

    // The successor goes to the peer with a notification, and is forwarded by it.
    let notified = b
        .post(
            &format!("/Attributes/{successor_id}/NotifyPeer"),
            json!({"peer": a_address}),
        )
        .await;
    let notification_id = notified["notificationId"].as_str().unwrap().to_owned();
    assert!(notification_id.starts_with("NOT") && notification_id.len() == 20);
    assert_eq!(notified["predecessor"]["id"], id.as_str());
    assert_eq!(
        notified["predecessor"]["succeededBy"],
        successor_id.as_str()
    );
    assert_eq!(notified["successor"]["id"], successor_id.as_str());
    assert_eq!(notified["successor"]["numberOfForwards"], 1);
    assert_eq!(
        notified["successor"],
        b.get(&format!("/Attributes/{successor_id}")).await
    );
    let forwards = b
        .get(&format!("/Attributes/{successor_id}/ForwardingDetails"))
        .await;
    assert_eq!(forwards.as_array().unwrap().len(), 1);
    assert_eq!(forwards[0]["peer"], a_address.as_str());
    assert_eq!(forwards[0]["sourceReference"], notification_id.as_str());
    let sent = message_with_notification(&b, &notification_id).await;
    assert_eq!(
        sent["content"],
        json!({"@type": "Notification", "id": notification_id, "items": [
            {"@type": "PeerAttributeSucceededNotificationItem", "predecessorId": id,
             "successorId": successor_id, "successorContent": succeeded["successor"]["content"]}
        ]})
    );
    assert_eq!(record(&b, &notification_id).await["status"], "Sent");
    b_hooks
        .wait_for("consumption.attributeForwardingDetailsChanged", |e| {
            e["data"]["id"] == successor_id.as_str()
        })
        .await;
    // Now the peer holds the newest version: neither it nor its predecessor can be sent.
    refused(
        notify(successor_id.clone(), json!({"peer": a_address})).await,
        400,
        "error.runtime.attributes.ownIdentityAttributeHasAlreadyBeenSharedWithPeer",
    )
    .await;
    assert_eq!(
        refused(
            notify(id.clone(), json!({"peer": a_address})).await,
            400,
            "error.runtime.attributes.successorOfOwnIdentityAttributeHasAlreadyBeenSharedWithPeer"
        )
        .await,
        format!(
            "A successor '{successor_id}' of the OwnIdentityAttribute '{id}' has already been shared with peer '{a_address}'.'."
        )
    );

    // The peer takes the successor.
    a.sync().await;
    let successor = a.get(&format!("/Attributes/{successor_id}")).await;
    assert_eq!(successor["@type"], "PeerIdentityAttribute");
    assert_eq!(successor["succeeds"], id.as_str());
    assert_eq!(successor["peer"], b_address.as_str());
    assert_eq!(successor["sourceReference"], notification_id.as_str());
    assert_eq!(successor["content"], succeeded["successor"]["content"]);
    assert_eq!(
        a.get(&format!("/Attributes/{id}")).await["succeededBy"],
        successor_id.as_str()
    );
    a_hooks
        .wait_for("consumption.attributeSucceeded", |e| {
            e["data"]["successor"]["id"] == successor_id.as_str()
        })
        .await;
    assert_eq!(record(&a, &notification_id).await["status"], "Completed");
    // On the peer's side the attribute is no own identity attribute.
    refused(
        a.send(
            Method::POST,
            &format!("/Attributes/{id}/NotifyPeer"),
            Some(json!({"peer": b_address})),
        )
        .await,
        400,
        "error.runtime.attributes.isNotOwnIdentityAttribute",
    )
    .await;
}
