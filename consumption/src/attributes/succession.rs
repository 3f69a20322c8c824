//! Succeeding an own identity attribute (`POST /Attributes/{id}/Succeed` for an identity
//! attribute): the successor is a new version with the same owner and value type, the
//! predecessor points to it, and both are written with `consumption.attributeSucceeded` in one
//! batch. Peers learn of it only through `NotifyPeer`.
//!
//! Where the runtime *returns* a succession rule's error (and the official Connector then
//! answers 500 `error.connector.unexpected`), this answers 400 with the rule's own code.

use super::create::core_error;
use super::{COLLECTION, OWN_IDENTITY, characters, check_attribute_id, stored};
use crate::{Consumption, Error, Result};
use runtime_types::attributes::{LocalAttributeDto, SucceedAttributeResponse};
use runtime_types::events;
use runtime_types::request_schema::{Kind, ObjectSchema};
use serde_json::{Value, json};
use transport::Change;

const SUCCESSOR_CONTENT: ObjectSchema<'static> = ObjectSchema {
    properties: &[("value", Kind::Any), ("tags", Kind::Strings)],
    required: &["value"],
};

/// `SucceedOwnIdentityAttributeRequest` without `predecessorId`, which the path carries.
const REQUEST: ObjectSchema<'static> = ObjectSchema {
    properties: &[("successorContent", Kind::Object(&SUCCESSOR_CONTENT))],
    required: &["successorContent"],
};

fn rule(code: &'static str, message: &str) -> Error {
    core_error(code, message)
}

impl Consumption {
    /// `POST /Attributes/{predecessorId}/Succeed`.
    pub async fn succeed_attribute(
        &self,
        predecessor_id: &str,
        body: &Value,
    ) -> Result<SucceedAttributeResponse> {
        let predecessor = match check_attribute_id(predecessor_id) {
            Ok(()) => self.stored_attribute(predecessor_id).await?,
            Err(_) => None,
        }
        .ok_or_else(|| {
            Error::rule(
                "error.runtime.recordNotFound",
                format!("Predecessor attribute '{predecessor_id}' not found."),
            )
        })?;
        if matches!(
            predecessor.content,
            content::Attribute::RelationshipAttribute(_)
        ) {
            // Succeeding a relationship attribute notifies the peer: that comes with the
            // request and notification processing.
            return Err(Error::rule(
                "error.runtime.attributes.isNotOwnRelationshipAttribute",
                format!("The Attribute '{predecessor_id}' is not an OwnRelationshipAttribute."),
            ));
        }
        self.succeed_own_identity_attribute(predecessor, body).await
    }

    async fn succeed_own_identity_attribute(
        &self,
        mut predecessor: LocalAttributeDto,
        body: &Value,
    ) -> Result<SucceedAttributeResponse> {
        REQUEST.check(body).map_err(Error::invalid)?;
        if predecessor.kind != OWN_IDENTITY {
            return Err(Error::rule(
                "error.runtime.attributes.isNotOwnIdentityAttribute",
                format!(
                    "The Attribute '{}' is not an OwnIdentityAttribute.",
                    predecessor.id
                ),
            ));
        }
        let successor_content = &body["successorContent"];
        let mut json = json!({
            "@type": "IdentityAttribute",
            "owner": self.transport.address().as_str(),
            "value": successor_content["value"],
        });
        if let Some(tags) = successor_content.get("tags") {
            json["tags"] = tags.clone();
        }
        let successor = content::parse_identity_attribute(&json).map_err(|e| {
            tracing::debug!(reason = %e.message, "the successor is not a valid attribute");
            rule(
                "error.consumption.attributes.successorIsNotAValidAttribute",
                "Validation failed during creation of successor.",
            )
        })?;
        if let Some(tags) = &successor.tags {
            self.validate_tags(successor.value.type_name(), tags)
                .await?;
        }
        let content::Attribute::IdentityAttribute(previous) = &predecessor.content else {
            return Err(Error::Internal(
                "an own identity attribute holds an identity attribute".into(),
            ));
        };
        if let Some(next) = &predecessor.succeeded_by {
            return Err(rule(
                "error.consumption.attributes.cannotSucceedAttributesWithASuccessor",
                &format!(
                    "The Attribute you want to succeed has a successor (id: {next}). You cannot succeed Attributes with a successor. Instead, succeed the successor."
                ),
            ));
        }
        if *previous == successor {
            return Err(rule(
                "error.consumption.attributes.successionMustChangeContent",
                "The content of the successor matches that of the predecessor. An Attribute succession must change the Attribute's content.",
            ));
        }
        if previous.value.type_name() != successor.value.type_name() {
            return Err(rule(
                "error.consumption.attributes.successionMustNotChangeValueType",
                "The successor Attribute's value type does not match that of the predecessor. An Attribute succession must not change the Attribute's value type.",
            ));
        }
        let value_json =
            serde_json::to_value(&successor.value).map_err(|e| Error::Internal(e.to_string()))?;
        if !characters::allowed(&value_json, &[]) {
            return Err(rule(
                "error.consumption.attributes.forbiddenCharactersInAttribute",
                "The successor contains forbidden characters.",
            ));
        }
        let successor = LocalAttributeDto {
            kind: OWN_IDENTITY,
            id: wire::AnyId::generate("ATT")?.to_string(),
            created_at: runtime_types::CoreDate::now(),
            content: content::Attribute::IdentityAttribute(trim(successor)?),
            succeeds: Some(predecessor.id.clone()),
            succeeded_by: None,
            was_viewed_at: None,
            is_default: predecessor.is_default,
            peer: None,
            source_reference: None,
            deletion_info: None,
            initial_attribute_peer: None,
            number_of_forwards: Some(0),
        };
        predecessor.succeeded_by = Some(successor.id.clone());
        predecessor.is_default = None;
        let mut predecessor_dto = predecessor;
        self.count_forwards(std::slice::from_mut(&mut predecessor_dto))
            .await?;
        let response = SucceedAttributeResponse {
            predecessor: predecessor_dto,
            successor,
            notification_id: None,
        };
        let mut change = Change::new();
        change.put(COLLECTION, &stored(&response.successor)?)?;
        change.put(COLLECTION, &stored(&response.predecessor)?)?;
        change.event(
            events::ATTRIBUTE_SUCCEEDED,
            &json!({"predecessor": response.predecessor, "successor": response.successor}),
        )?;
        self.transport.commit(change).await?;
        Ok(response)
    }
}

/// The runtime trims the top-level strings of a successor's value before storing it.
fn trim(attribute: content::IdentityAttribute) -> Result<content::IdentityAttribute> {
    let mut json = serde_json::to_value(&attribute).map_err(|e| Error::Internal(e.to_string()))?;
    if let Some(entries) = json.get_mut("value").and_then(Value::as_object_mut) {
        for entry in entries.values_mut() {
            if let Value::String(text) = entry {
                *text = text.trim().to_owned();
            }
        }
    }
    json["@type"] = json!("IdentityAttribute");
    content::parse_identity_attribute(&json).map_err(|e| Error::Internal(e.message))
}
