//! A token's content as `CreateOwnToken` takes it: `Serializable.fromUnknown` of whatever the
//! creator sends. Untyped JSON is kept (the runtime's `JSONWrapper`); typed JSON must parse as
//! the class its `@type` names; anything the parser throws on is the route's one error.

use crate::error::{Result, TransportError};
use serde_json::{Map, Value};

/// The classes the runtime's registry holds (`@nmshd/core-types`, `@nmshd/transport`,
/// `@nmshd/consumption`, `@nmshd/runtime` and a few of `@nmshd/content`) whose rules the
/// `content` crate does not model: a token may carry them, and we keep them unchecked.
const UNMODELLED_TYPES: &[&str] = &[
    "AcceptDeleteAttributeRequestItemParameters",
    "AcceptFormFieldRequestItemParameters",
    "AcceptProposeAttributeRequestItemParameters",
    "AcceptReadAttributeRequestItemParameters",
    "Announcement",
    "AnnouncementAction",
    "AttributeForwardingDetails",
    "AttributeTag",
    "AttributeTagCollection",
    "CanCreateOutgoingRequestParameters",
    "Challenge",
    "ChallengeSigned",
    "CheckPrerequisitesOfIncomingRequestParameters",
    "CompleteOutgoingRequestParameters",
    "CoreAddress",
    "CoreDate",
    "CoreId",
    "CreateAndCompleteOutgoingRequestFromRelationshipTemplateResponseParameters",
    "CreateOutgoingRequestParameters",
    "DatawalletModification",
    "Device",
    "DeviceSecretCredentials",
    "DeviceSharedSecret",
    "DigitalIdentityDescriptor",
    "Draft",
    "EmittedAttributeDeletionInfo",
    "EmptyToken",
    "File",
    "FileMetadata",
    "FileReference",
    "Identity",
    "IdentityDeletionProcess",
    "IdentityMetadata",
    "IdentitySecretCredentials",
    "InternalDecideRequestParameters",
    "LocalAttribute",
    "LocalNotification",
    "LocalNotificationSource",
    "LocalRequest",
    "LocalRequestSource",
    "LocalRequestStatusLogEntry",
    "LocalResponse",
    "LocalResponseSource",
    "Message",
    "MessageContentWrapper",
    "MessageEnvelope",
    "MessageEnvelopeRecipient",
    "MessageRecipient",
    "MessageSignature",
    "MessageSigned",
    "OwnIdentityAttribute",
    "OwnIdentityAttributeSuccessorParams",
    "OwnRelationshipAttribute",
    "OwnRelationshipAttributeSuccessorParams",
    "PeerIdentityAttribute",
    "PeerIdentityAttributeSuccessorParams",
    "PeerRelationshipAttribute",
    "PeerRelationshipAttributeSuccessorParams",
    "ReceivedAttributeDeletionInfo",
    "ReceivedIncomingRequestParameters",
    "Reference",
    "Relationship",
    "RelationshipAuditLogEntry",
    "RelationshipCreationContentCipher",
    "RelationshipCreationContentSigned",
    "RelationshipCreationContentWrapper",
    "RelationshipCreationResponseContentCipher",
    "RelationshipCreationResponseContentSigned",
    "RelationshipCreationResponseContentWrapper",
    "RelationshipTemplate",
    "RelationshipTemplateContentWrapper",
    "RelationshipTemplatePublicKey",
    "RelationshipTemplateReference",
    "RelationshipTemplateSigned",
    "RenderHints",
    "RenderHintsOverride",
    "RuntimeDatabaseSchemaMetadata",
    "SecretContainerCipher",
    "SecretContainerPlain",
    "SendDeviceParameters",
    "SendFileParameters",
    "SendMessageParameters",
    "SendRelationshipParameters",
    "SendRelationshipTemplateParameters",
    "SendTokenParameters",
    "SentOutgoingRequestParameters",
    "Setting",
    "Statement",
    "StatementAuthorityType",
    "StatementEvidence",
    "StatementIssuerConditions",
    "StatementObject",
    "StatementPredicate",
    "StatementSubject",
    "ThirdPartyRelationshipAttribute",
    "ThirdPartyRelationshipAttributeSuccessorParams",
    "Token",
    "TokenContentDeviceSharedSecret",
    "TokenContentFile",
    "TokenContentRelationshipTemplate",
    "TokenReference",
    "ValueHintsValue",
];

fn invalid() -> TransportError {
    TransportError::rule(
        "error.runtime.invalidTokenContent",
        "The given Token has an invalid content for this route.",
    )
}

/// The content as the runtime keeps it: a content of its own as the official library prints
/// it, another registered class as given; JSON without `@type` as given, where (as in
/// JavaScript) a string or array spreads into an object by index and other scalars into `{}`.
/// `null`, a non-string `@type` and a `@type` or value the parser refuses are not content.
pub(crate) fn token_content(content: Value) -> Result<Value> {
    Ok(match content {
        Value::Null => return Err(invalid()),
        Value::Object(map) => match map.get("@type") {
            None => Value::Object(map),
            Some(Value::String(type_name)) => {
                let content = Value::Object(map.clone());
                if let Ok(parsed) = content::parse_content(&content) {
                    serde_json::to_value(parsed)
                        .map_err(|e| TransportError::Internal(e.to_string()))?
                } else if content::check_registered(&content).is_ok()
                    || UNMODELLED_TYPES.binary_search(&type_name.as_str()).is_ok()
                {
                    content
                } else {
                    return Err(invalid());
                }
            }
            Some(_) => return Err(invalid()),
        },
        Value::String(s) => Value::Object(
            s.encode_utf16()
                .enumerate()
                .map(|(i, unit)| {
                    let ch = String::from_utf16_lossy(&[unit]);
                    (i.to_string(), Value::String(ch))
                })
                .collect(),
        ),
        Value::Array(items) => Value::Object(
            items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), v))
                .collect(),
        ),
        Value::Bool(_) | Value::Number(_) => Value::Object(Map::new()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_unmodelled_list_is_sorted() {
        assert!(UNMODELLED_TYPES.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn content_is_kept_as_the_runtime_keeps_it() {
        assert_eq!(token_content(json!({"a": 1})).unwrap(), json!({"a": 1}));
        assert_eq!(
            token_content(json!("ab")).unwrap(),
            json!({"0": "a", "1": "b"})
        );
        assert_eq!(
            token_content(json!([7, 8])).unwrap(),
            json!({"0": 7, "1": 8})
        );
        assert_eq!(token_content(json!(5)).unwrap(), json!({}));
        // A content of its own prints as the official library prints it.
        assert_eq!(
            token_content(
                json!({"@type": "Mail", "to": ["x"], "subject": "s", "body": "b", "extra": 1})
            )
            .unwrap(),
            json!({"@type": "Mail", "to": ["x"], "cc": [], "subject": "s", "body": "b"})
        );
        // A registered part, or a class whose rules we do not model, is kept as given.
        let part = json!({"@type": "GivenName", "value": "Ada"});
        assert_eq!(token_content(part.clone()).unwrap(), part);
        let transport = json!({"@type": "TokenContentFile", "fileId": "FILxxxxxxxxxxxxxxxxx"});
        assert_eq!(token_content(transport.clone()).unwrap(), transport);
    }

    #[test]
    fn what_the_parser_throws_on_is_not_token_content() {
        for content in [
            Value::Null,
            json!({"@type": 5}),
            json!({"@type": "NoSuchType"}),
            json!({"@type": "Mail", "to": [], "subject": "s", "body": "b"}),
            json!({"@type": "GivenName"}),
        ] {
            assert_eq!(
                token_content(content.clone()).unwrap_err().code(),
                "error.runtime.invalidTokenContent",
                "{content}"
            );
        }
    }
}
