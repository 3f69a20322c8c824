//! The Enmeshed content types (`@nmshd/content` 7.0.0): attributes and their value types,
//! queries, requests and responses, notifications, and message, template and relationship
//! contents.
//!
//! Parsing judges JSON with the official rules and answers with the official messages and
//! runtime error codes ([`ContentError`]); serialising prints exactly what the official
//! `toJSON()` prints (`@type` at the top level and on polymorphic fields, optional fields
//! left out). This crate holds data and rules only: no storage, no transport, no I/O.

// Content trees are built once per message or request and then read; boxing the big variants
// would only make them harder to build and match.
#![allow(clippy::large_enum_variant)]

pub mod attributes;
mod code_lists;
mod dates;
mod error;
mod formats;
pub mod messages;
pub mod notifications;
mod parse;
mod registry;
pub mod relationships;
pub mod requests;
#[cfg(feature = "schema")]
mod schema;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

pub use attributes::identity_values::{IDENTITY_VALUE_TYPES, IdentityValue};
pub use attributes::relationship_values::{RELATIONSHIP_VALUE_TYPES, RelationshipValue};
pub use attributes::{Attribute, IdentityAttribute, RelationshipAttribute};
pub use code_lists::is_language_code;
pub use error::{ContentError, ErrorKind};
pub use messages::{ArbitraryMessageContent, Mail};
pub use notifications::Notification;
pub use parse::JsNumber;
pub use relationships::{
    ArbitraryRelationshipCreationContent, ArbitraryRelationshipTemplateContent,
    RelationshipCreationContent, RelationshipTemplateContent,
};
pub use requests::response::Response;
pub use requests::response_wrapper::ResponseWrapper;
pub use requests::{Request, RequestItemGroup};

use parse::{Class, Result, Union, type_of};

/// Every content that can stand on its own, by `@type`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(tag = "@type")]
pub enum Content {
    IdentityAttribute(IdentityAttribute),
    RelationshipAttribute(RelationshipAttribute),
    Request(Request),
    Response(Response),
    ResponseWrapper(ResponseWrapper),
    Notification(Notification),
    Mail(Mail),
    ArbitraryMessageContent(ArbitraryMessageContent),
    RelationshipTemplateContent(RelationshipTemplateContent),
    ArbitraryRelationshipTemplateContent(ArbitraryRelationshipTemplateContent),
    RelationshipCreationContent(RelationshipCreationContent),
    ArbitraryRelationshipCreationContent(ArbitraryRelationshipCreationContent),
}

/// What a message may carry.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(tag = "@type")]
pub enum MessageContent {
    Mail(Mail),
    Request(Request),
    ResponseWrapper(ResponseWrapper),
    Notification(Notification),
    ArbitraryMessageContent(ArbitraryMessageContent),
}

/// What a relationship template may carry.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(tag = "@type")]
pub enum TemplateContent {
    RelationshipTemplateContent(RelationshipTemplateContent),
    ArbitraryRelationshipTemplateContent(ArbitraryRelationshipTemplateContent),
}

/// What a relationship creation may carry.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(tag = "@type")]
pub enum CreationContent {
    RelationshipCreationContent(RelationshipCreationContent),
    ArbitraryRelationshipCreationContent(ArbitraryRelationshipCreationContent),
}

impl Union for Content {
    fn parse_member(type_name: &str, value: &Value) -> Option<Result<Self>> {
        use Content as C;
        fn as_<T: Class>(value: &Value, wrap: fn(T) -> Content) -> Result<Content> {
            T::parse(value).map(wrap)
        }
        Some(match type_name {
            "IdentityAttribute" => as_(value, C::IdentityAttribute),
            "RelationshipAttribute" => as_(value, C::RelationshipAttribute),
            "Request" => as_(value, C::Request),
            "Response" => as_(value, C::Response),
            "ResponseWrapper" => as_(value, C::ResponseWrapper),
            "Notification" => as_(value, C::Notification),
            "Mail" => as_(value, C::Mail),
            "ArbitraryMessageContent" => as_(value, C::ArbitraryMessageContent),
            "RelationshipTemplateContent" => as_(value, C::RelationshipTemplateContent),
            "ArbitraryRelationshipTemplateContent" => {
                as_(value, C::ArbitraryRelationshipTemplateContent)
            }
            "RelationshipCreationContent" => as_(value, C::RelationshipCreationContent),
            "ArbitraryRelationshipCreationContent" => {
                as_(value, C::ArbitraryRelationshipCreationContent)
            }
            _ => return None,
        })
    }
}

/// Parses any content by its `@type`, as `Serializable.fromUnknown` does.
pub fn parse_content(value: &Value) -> std::result::Result<Content, ContentError> {
    let Some(type_name) = type_of(value)? else {
        return Err(ContentError::new(
            ErrorKind::Serval,
            "The content has no @type.",
        ));
    };
    match Content::parse_member(type_name, value) {
        Some(result) => result,
        None => registry::parse_any(type_name, value).and_then(|()| {
            Err(ContentError::new(
                ErrorKind::Serval,
                format!("'{type_name}' is no content of its own."),
            ))
        }),
    }
}

/// Parses as the class `@type` names, whether or not it is content of its own (e.g. a
/// `GivenName`), for the verdict only: `Serializable.fromUnknown` where the caller keeps the
/// JSON as given.
pub fn check_registered(value: &Value) -> std::result::Result<(), ContentError> {
    match type_of(value)? {
        Some(type_name) => registry::parse_any(type_name, value),
        None => Err(ContentError::new(
            ErrorKind::Serval,
            "The content has no @type.",
        )),
    }
}

/// Parses by `@type` and keeps what `pick` takes; anything else is refused with `wrong_kind`,
/// as the runtime's use cases do after `Serializable.fromUnknown`.
fn parse_kind<T>(
    value: &Value,
    pick: fn(Content) -> Option<T>,
    wrong_kind: &str,
) -> std::result::Result<T, ContentError> {
    let wrong = || ContentError::new(ErrorKind::WrongKind, wrong_kind);
    let Some(type_name) = type_of(value)? else {
        return Err(wrong());
    };
    let content = match Content::parse_member(type_name, value) {
        Some(result) => result?,
        None => {
            registry::parse_any(type_name, value)?;
            return Err(wrong());
        }
    };
    pick(content).ok_or_else(wrong)
}

/// A message's content (`SendMessage`).
pub fn parse_message_content(value: &Value) -> std::result::Result<MessageContent, ContentError> {
    parse_kind(
        value,
        |c| match c {
            Content::Mail(x) => Some(MessageContent::Mail(x)),
            Content::Request(x) => Some(MessageContent::Request(x)),
            Content::ResponseWrapper(x) => Some(MessageContent::ResponseWrapper(x)),
            Content::Notification(x) => Some(MessageContent::Notification(x)),
            Content::ArbitraryMessageContent(x) => Some(MessageContent::ArbitraryMessageContent(x)),
            _ => None,
        },
        "The content of a Message must either be a Mail, Request, ResponseWrapper, Notification or an ArbitraryMessageContent.",
    )
}

/// A relationship template's content (`CreateOwnRelationshipTemplate`).
pub fn parse_template_content(value: &Value) -> std::result::Result<TemplateContent, ContentError> {
    parse_kind(
        value,
        |c| match c {
            Content::RelationshipTemplateContent(x) => {
                Some(TemplateContent::RelationshipTemplateContent(x))
            }
            Content::ArbitraryRelationshipTemplateContent(x) => {
                Some(TemplateContent::ArbitraryRelationshipTemplateContent(x))
            }
            _ => None,
        },
        "The content of a RelationshipTemplate must either be a RelationshipTemplateContent or an ArbitraryRelationshipTemplateContent.",
    )
}

/// A relationship's creation content (`CreateRelationship`).
pub fn parse_creation_content(value: &Value) -> std::result::Result<CreationContent, ContentError> {
    parse_kind(
        value,
        |c| match c {
            Content::RelationshipCreationContent(x) => {
                Some(CreationContent::RelationshipCreationContent(x))
            }
            Content::ArbitraryRelationshipCreationContent(x) => {
                Some(CreationContent::ArbitraryRelationshipCreationContent(x))
            }
            _ => None,
        },
        "The creationContent of a Relationship must either be an ArbitraryRelationshipCreationContent or a RelationshipCreationContent.",
    )
}

/// A request as `Request.from()` takes it (`@type` optional), e.g. an outgoing request body.
pub fn parse_request(value: &Value) -> std::result::Result<Request, ContentError> {
    Request::parse(value)
}

/// A response as `Response.from()` takes it (`@type` optional).
pub fn parse_response(value: &Value) -> std::result::Result<Response, ContentError> {
    Response::parse(value)
}

/// A notification as `Notification.from()` takes it (`@type` optional), e.g. a stored
/// `LocalNotification.content`.
pub fn parse_notification(value: &Value) -> std::result::Result<Notification, ContentError> {
    Notification::parse(value)
}

/// An identity attribute as `IdentityAttribute.from()` takes it (`@type` optional).
pub fn parse_identity_attribute(
    value: &Value,
) -> std::result::Result<IdentityAttribute, ContentError> {
    IdentityAttribute::parse(value)
}

/// A relationship attribute as `RelationshipAttribute.from()` takes it (`@type` optional).
pub fn parse_relationship_attribute(
    value: &Value,
) -> std::result::Result<RelationshipAttribute, ContentError> {
    RelationshipAttribute::parse(value)
}

/// An identity attribute query as `IdentityAttributeQuery.from()` takes it (`@type` optional).
pub fn parse_identity_attribute_query(
    value: &Value,
) -> std::result::Result<attributes::queries::IdentityAttributeQuery, ContentError> {
    attributes::queries::IdentityAttributeQuery::parse(value)
}

/// A relationship attribute query as `RelationshipAttributeQuery.from()` takes it.
pub fn parse_relationship_attribute_query(
    value: &Value,
) -> std::result::Result<attributes::queries::RelationshipAttributeQuery, ContentError> {
    attributes::queries::RelationshipAttributeQuery::parse(value)
}

/// A third-party relationship attribute query as `ThirdPartyRelationshipAttributeQuery.from()`
/// takes it.
pub fn parse_third_party_relationship_attribute_query(
    value: &Value,
) -> std::result::Result<attributes::queries::ThirdPartyRelationshipAttributeQuery, ContentError> {
    attributes::queries::ThirdPartyRelationshipAttributeQuery::parse(value)
}

/// An IQL query as `IQLQuery.from()` takes it (`@type` optional). The query string's syntax is
/// the `iql` crate's to judge.
pub fn parse_iql_query(
    value: &Value,
) -> std::result::Result<attributes::queries::IqlQuery, ContentError> {
    attributes::queries::IqlQuery::parse(value)
}

/// An attribute by its `@type` (`IdentityAttribute` or `RelationshipAttribute`), as a stored
/// `LocalAttribute.content` holds it.
pub fn parse_attribute(value: &Value) -> std::result::Result<Attribute, ContentError> {
    parse_kind(
        value,
        |c| match c {
            Content::IdentityAttribute(x) => Some(Attribute::IdentityAttribute(x)),
            Content::RelationshipAttribute(x) => Some(Attribute::RelationshipAttribute(x)),
            _ => None,
        },
        "The content of an Attribute must either be an IdentityAttribute or a RelationshipAttribute.",
    )
}

/// Serialises `body` as a top-level content: `@type` first, then its fields.
pub(crate) fn to_typed_json<T: Serialize>(type_name: &str, body: &T) -> Value {
    struct Typed<'a, T>(&'a str, &'a T);
    impl<T: Serialize> Serialize for Typed<'_, T> {
        fn serialize<S: serde::Serializer>(
            &self,
            serializer: S,
        ) -> std::result::Result<S::Ok, S::Error> {
            parse::with_type(serializer, self.0, self.1)
        }
    }
    // Our types hold only strings, numbers, booleans and JSON values: serialising cannot fail.
    serde_json::to_value(Typed(type_name, body)).unwrap_or(Value::Null)
}

/// `Deserialize` through the official rules, so serde users get the same verdicts.
macro_rules! deserialize_with {
    ($($ty:ty => $parse:path),* $(,)?) => {$(
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
                let value = Value::deserialize(deserializer)?;
                $parse(&value).map_err(serde::de::Error::custom)
            }
        }
    )*};
}

deserialize_with! {
    Content => parse_content,
    MessageContent => parse_message_content,
    TemplateContent => parse_template_content,
    CreationContent => parse_creation_content,
    Request => parse_request,
    Response => parse_response,
    Notification => parse_notification,
    IdentityAttribute => parse_identity_attribute,
    RelationshipAttribute => parse_relationship_attribute,
    Attribute => parse_attribute,
}
