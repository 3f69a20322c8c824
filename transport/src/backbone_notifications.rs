//! Backbone notifications: a short code the Backbone pushes to the devices of peers, without a
//! message. Only peers with an active relationship may be notified; the Backbone checks the
//! code itself.

use crate::Transport;
use crate::error::{Result, TransportError};
use consumer_api::notifications::SendNotificationRequest;
use runtime_types::backbone_notifications::SendBackboneNotificationRequest;
use store::Filter;

const AT_LEAST_ONE_RECIPIENT: &str =
    "error.transport.backboneNotifications.atLeastOneRecipientRequired";
const CODE_MUST_NOT_BE_EMPTY: &str = "error.transport.backboneNotifications.codeMustNotBeEmpty";
const NO_ACTIVE_RELATIONSHIP: &str =
    "error.transport.backboneNotifications.noActiveRelationshipFoundForRecipients";

/// What the official schema checks beyond the shape serde already checked: every recipient
/// is an `AddressString`.
fn check(request: &SendBackboneNotificationRequest) -> Result<()> {
    if request.recipients.iter().all(|r| address_shaped(r)) {
        Ok(())
    } else {
        Err(TransportError::invalid("recipients must be addresses"))
    }
}

/// The official `AddressString` shape: `did:e:<domain or localhost>:dids:<22 hex>`. The checksum
/// is not checked here: an address nobody has is "no active relationship", not bad input.
fn address_shaped(text: &str) -> bool {
    let Some((domain, id)) = text
        .strip_prefix("did:e:")
        .and_then(|rest| rest.rsplit_once(":dids:"))
    else {
        return false;
    };
    let id_ok = id.len() == 22 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    id_ok && (domain == "localhost" || domain_shaped(domain))
}

fn domain_shaped(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let Some((top, rest)) = labels.split_last() else {
        return false;
    };
    let label_ok = |l: &&str| {
        !l.is_empty()
            && !l.starts_with('-')
            && !l.ends_with('-')
            && !l.contains("--")
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    !rest.is_empty()
        && rest.iter().all(label_ok)
        && top.len() >= 2
        && top.bytes().all(|b| b.is_ascii_lowercase())
}

impl Transport {
    /// `POST /BackboneNotifications`.
    pub async fn send_backbone_notification(
        &self,
        request: &SendBackboneNotificationRequest,
    ) -> Result<()> {
        check(request)?;
        if request.recipients.is_empty() {
            return Err(TransportError::rule(
                AT_LEAST_ONE_RECIPIENT,
                "At least one recipient is required.",
            ));
        }
        if request.code.is_empty() {
            return Err(TransportError::rule(
                CODE_MUST_NOT_BE_EMPTY,
                "The code must not be empty.",
            ));
        }
        let mut without = Vec::new();
        for recipient in &request.recipients {
            let filter = Filter::eq("peer", recipient.as_str()).and(Filter::eq("status", "Active"));
            let active = self
                .store
                .find(
                    crate::relationships::COLLECTION,
                    &filter,
                    &Default::default(),
                )
                .await?;
            if active.is_empty() {
                without.push(recipient.as_str());
            }
        }
        if !without.is_empty() {
            return Err(TransportError::rule(
                NO_ACTIVE_RELATIONSHIP,
                format!(
                    "No active Relationship found for recipients: {}",
                    without.join(", ")
                ),
            ));
        }
        let notification = SendNotificationRequest {
            recipients: request.recipients.clone(),
            code: request.code.clone(),
        };
        self.backbone.send_notification(&notification).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn addresses_are_checked_for_their_shape_only() {
        for ok in [
            "did:e:localhost:dids:0000000000000000000000",
            "did:e:pilot.enmeshed.eu:dids:56b3f2a0c4d4f9b1e2a3b4",
            "did:e:my-host.example.org:dids:0123456789abcdef012345",
        ] {
            assert!(address_shaped(ok), "{ok}");
        }
        for bad in [
            "",
            "did:e:localhost:dids:000000000000000000000",
            "did:e:localhost:dids:000000000000000000000A",
            "did:e:example:dids:0000000000000000000000",
            "did:e:-a.example.org:dids:0000000000000000000000",
            "did:e:a.EU:dids:0000000000000000000000",
            "did:x:localhost:dids:0000000000000000000000",
        ] {
            assert!(!address_shaped(bad), "{bad}");
        }
    }

    #[test]
    fn the_body_is_checked_like_the_official_schema() {
        let parse = |body: serde_json::Value| {
            serde_json::from_value::<SendBackboneNotificationRequest>(body.clone())
                .map_err(|_| TransportError::invalid("shape"))
                .and_then(|r| check(&r).map(|()| r))
        };
        let ok = parse(json!({"recipients": [], "code": ""})).unwrap();
        assert!(ok.recipients.is_empty() && ok.code.is_empty());
        for bad in [
            json!([]),
            json!({"code": "X"}),
            json!({"recipients": []}),
            json!({"recipients": "did:e:localhost:dids:0000000000000000000000", "code": "X"}),
            json!({"recipients": [1], "code": "X"}),
            json!({"recipients": ["not an address"], "code": "X"}),
            json!({"recipients": [], "code": 5}),
            json!({"recipients": [], "code": "X", "extra": true}),
        ] {
            let e = parse(bad.clone()).err().unwrap();
            assert_eq!(e.code(), crate::error::INVALID_PROPERTY, "{bad}");
        }
    }
}
