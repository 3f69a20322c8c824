//! Content objects as the runtime reads them: which `@type`s exist at all (the runtime's type
//! registry: `@nmshd/content`, `@nmshd/core-types`, `@nmshd/transport`, `@nmshd/consumption`
//! and `@nmshd/runtime` 7.0.0), and the errors a content check ends in, with the runtime's codes
//! and messages.

use serde_json::Value;

/// Every `@type` the runtime's registry knows, sorted.
pub const KNOWN_TYPES: &[&str] = &[
    "AcceptDeleteAttributeRequestItemParameters",
    "AcceptFormFieldRequestItemParameters",
    "AcceptProposeAttributeRequestItemParameters",
    "AcceptReadAttributeRequestItemParameters",
    "AcceptResponseItem",
    "Affiliation",
    "AffiliationOrganization",
    "AffiliationRole",
    "AffiliationUnit",
    "Announcement",
    "AnnouncementAction",
    "ArbitraryMessageContent",
    "ArbitraryRelationshipCreationContent",
    "ArbitraryRelationshipTemplateContent",
    "AttributeAlreadySharedAcceptResponseItem",
    "AttributeForwardingDetails",
    "AttributeSuccessionAcceptResponseItem",
    "AttributeTag",
    "AttributeTagCollection",
    "AuthenticationRequestItem",
    "BirthCity",
    "BirthCountry",
    "BirthDate",
    "BirthDay",
    "BirthMonth",
    "BirthName",
    "BirthPlace",
    "BirthState",
    "BirthYear",
    "BooleanFormFieldSettings",
    "CanCreateOutgoingRequestParameters",
    "Challenge",
    "ChallengeSigned",
    "CheckPrerequisitesOfIncomingRequestParameters",
    "Citizenship",
    "City",
    "CommunicationLanguage",
    "CompleteOutgoingRequestParameters",
    "Consent",
    "ConsentRequestItem",
    "CoreAddress",
    "CoreDate",
    "CoreId",
    "Country",
    "CreateAndCompleteOutgoingRequestFromRelationshipTemplateResponseParameters",
    "CreateAttributeAcceptResponseItem",
    "CreateAttributeRequestItem",
    "CreateOutgoingRequestParameters",
    "DatawalletModification",
    "DateFormFieldSettings",
    "DeleteAttributeAcceptResponseItem",
    "DeleteAttributeRequestItem",
    "DeliveryBoxAddress",
    "Device",
    "DeviceSecretCredentials",
    "DeviceSharedSecret",
    "DigitalIdentityDescriptor",
    "DisplayName",
    "DoubleFormFieldSettings",
    "Draft",
    "EMailAddress",
    "EmittedAttributeDeletionInfo",
    "EmptyToken",
    "ErrorResponseItem",
    "FaxNumber",
    "File",
    "FileMetadata",
    "FileReference",
    "FormFieldAcceptResponseItem",
    "FormFieldRequestItem",
    "ForwardedAttributeDeletedByPeerNotificationItem",
    "GivenName",
    "HonorificPrefix",
    "HonorificSuffix",
    "HouseNumber",
    "IQLQuery",
    "IQLQueryCreationHints",
    "Identity",
    "IdentityAttribute",
    "IdentityAttributeQuery",
    "IdentityDeletionProcess",
    "IdentityFileReference",
    "IdentityMetadata",
    "IdentitySecretCredentials",
    "IntegerFormFieldSettings",
    "InternalDecideRequestParameters",
    "JobTitle",
    "LocalAttribute",
    "LocalNotification",
    "LocalNotificationSource",
    "LocalRequest",
    "LocalRequestSource",
    "LocalRequestStatusLogEntry",
    "LocalResponse",
    "LocalResponseSource",
    "Mail",
    "Message",
    "MessageContentWrapper",
    "MessageEnvelope",
    "MessageEnvelopeRecipient",
    "MessageRecipient",
    "MessageSignature",
    "MessageSigned",
    "MiddleName",
    "Nationality",
    "Notification",
    "OwnAttributeDeletedByOwnerNotificationItem",
    "OwnIdentityAttribute",
    "OwnIdentityAttributeSuccessorParams",
    "OwnRelationshipAttribute",
    "OwnRelationshipAttributeSuccessorParams",
    "PeerAttributeSucceededNotificationItem",
    "PeerIdentityAttribute",
    "PeerIdentityAttributeSuccessorParams",
    "PeerRelationshipAttribute",
    "PeerRelationshipAttributeDeletedByPeerNotificationItem",
    "PeerRelationshipAttributeSuccessorParams",
    "PhoneNumber",
    "PostOfficeBoxAddress",
    "ProposeAttributeAcceptResponseItem",
    "ProposeAttributeRequestItem",
    "ProprietaryBoolean",
    "ProprietaryCountry",
    "ProprietaryEMailAddress",
    "ProprietaryFileReference",
    "ProprietaryFloat",
    "ProprietaryHEXColor",
    "ProprietaryInteger",
    "ProprietaryJSON",
    "ProprietaryLanguage",
    "ProprietaryPhoneNumber",
    "ProprietaryString",
    "ProprietaryURL",
    "ProprietaryXML",
    "Pseudonym",
    "RatingFormFieldSettings",
    "ReadAttributeAcceptResponseItem",
    "ReadAttributeRequestItem",
    "ReceivedAttributeDeletionInfo",
    "ReceivedIncomingRequestParameters",
    "Reference",
    "RejectResponseItem",
    "Relationship",
    "RelationshipAttribute",
    "RelationshipAttributeCreationHints",
    "RelationshipAttributeQuery",
    "RelationshipAuditLogEntry",
    "RelationshipCreationContent",
    "RelationshipCreationContentCipher",
    "RelationshipCreationContentSigned",
    "RelationshipCreationContentWrapper",
    "RelationshipCreationResponseContentCipher",
    "RelationshipCreationResponseContentSigned",
    "RelationshipCreationResponseContentWrapper",
    "RelationshipTemplate",
    "RelationshipTemplateContent",
    "RelationshipTemplateContentWrapper",
    "RelationshipTemplatePublicKey",
    "RelationshipTemplateReference",
    "RelationshipTemplateSigned",
    "RenderHints",
    "RenderHintsOverride",
    "Request",
    "RequestItemGroup",
    "Response",
    "ResponseItemGroup",
    "ResponseWrapper",
    "RuntimeDatabaseSchemaMetadata",
    "SchematizedXML",
    "SecretContainerCipher",
    "SecretContainerPlain",
    "SelectionFormFieldSettings",
    "SendDeviceParameters",
    "SendFileParameters",
    "SendMessageParameters",
    "SendRelationshipParameters",
    "SendRelationshipTemplateParameters",
    "SendTokenParameters",
    "SentOutgoingRequestParameters",
    "Setting",
    "Sex",
    "ShareAttributeRequestItem",
    "State",
    "Statement",
    "StatementAuthorityType",
    "StatementEvidence",
    "StatementIssuerConditions",
    "StatementObject",
    "StatementPredicate",
    "StatementSubject",
    "Street",
    "StreetAddress",
    "StringFormFieldSettings",
    "Surname",
    "ThirdPartyRelationshipAttribute",
    "ThirdPartyRelationshipAttributeQuery",
    "ThirdPartyRelationshipAttributeSuccessorParams",
    "Token",
    "TokenContentDeviceSharedSecret",
    "TokenContentFile",
    "TokenContentRelationshipTemplate",
    "TokenReference",
    "TransferFileOwnershipAcceptResponseItem",
    "TransferFileOwnershipRequestItem",
    "ValueHints",
    "ValueHintsOverride",
    "ValueHintsValue",
    "Website",
    "ZipCode",
];

pub fn is_known_type(name: &str) -> bool {
    KNOWN_TYPES.binary_search(&name).is_ok()
}

/// Why a content object was refused, in the runtime's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContentError {
    /// An `@type` no installed module defines (`error.runtime.unknownType`).
    UnknownType(String),
    /// A known object that this place does not accept
    /// (`error.runtime.validation.invalidPropertyValue`).
    NotAllowed(&'static str),
    /// A known object with a missing or wrong value (`error.runtime.requestDeserialization`).
    Deserialization(String),
}

impl ContentError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownType(_) => "error.runtime.unknownType",
            Self::NotAllowed(_) => "error.runtime.validation.invalidPropertyValue",
            Self::Deserialization(_) => "error.runtime.requestDeserialization",
        }
    }

    pub fn message(&self) -> String {
        match self {
            Self::UnknownType(name) => format!(
                "Type '{name}' with version 1 was not found within reflection classes. You might have to install a module first."
            ),
            Self::NotAllowed(message) => (*message).to_owned(),
            Self::Deserialization(message) => message.clone(),
        }
    }

    /// A required value that is absent or `null`, as the runtime's parser words it.
    pub fn not_defined(class: &str, field: &str) -> Self {
        Self::Deserialization(format!("{class}.{field} :: Value is not defined"))
    }
}

/// The `@type` of a content object, if it names one.
pub fn type_of(content: &Value) -> Option<&str> {
    content.get("@type").and_then(Value::as_str)
}

/// Refuses an object whose `@type` the runtime does not know; objects without one pass.
pub fn check_known_type(content: &Value) -> Result<(), ContentError> {
    match type_of(content) {
        Some(name) if !is_known_type(name) => Err(ContentError::UnknownType(name.to_owned())),
        _ => Ok(()),
    }
}

/// `value[field]` when it is present and not `null`.
pub fn defined<'a>(value: &'a Value, class: &str, field: &str) -> Result<&'a Value, ContentError> {
    value
        .get(field)
        .filter(|v| !v.is_null())
        .ok_or_else(|| ContentError::not_defined(class, field))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_is_sorted_and_knows_the_content_types() {
        assert!(KNOWN_TYPES.windows(2).all(|w| w[0] < w[1]));
        assert!(is_known_type("RelationshipTemplateContent"));
        assert!(is_known_type("Mail"));
        assert!(!is_known_type("NoSuchContent"));
        let error = check_known_type(&serde_json::json!({"@type": "NoSuchContent"})).unwrap_err();
        assert_eq!(error.code(), "error.runtime.unknownType");
        assert_eq!(
            error.message(),
            "Type 'NoSuchContent' with version 1 was not found within reflection classes. You might have to install a module first."
        );
    }
}
