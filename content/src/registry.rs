//! Every content class by its `@type`, for the places where serval parses whatever type an
//! object names before it asks whether the type fits (see `parse::foreign`).

use serde_json::Value;

use crate::attributes::hints::{ValueHints, ValueHintsOverride};
use crate::attributes::identity_values::{self, IdentityValue};
use crate::attributes::queries::{
    AttributeQuery, IqlQueryCreationHints, RelationshipAttributeCreationHints,
};
use crate::attributes::relationship_values::RelationshipValue;
use crate::error::ContentError;
use crate::parse::{Class, Result, Union};
use crate::requests::RequestItemGroup;
use crate::requests::form_field::FormFieldSettings;
use crate::requests::items::RequestItem;
use crate::requests::response::{ResponseItem, ResponseItemGroup};
use crate::{Content, notifications::NotificationItem};

fn member<U: Union>(type_name: &str, value: &Value) -> Option<Result<()>> {
    U::parse_member(type_name, value).map(|r| r.map(drop))
}

fn class<C: Class>(type_name: &str, value: &Value) -> Option<Result<()>> {
    (type_name == C::NAME).then(|| C::parse(value).map(drop))
}

/// Parses `value` as the class `type_name` names, for its errors only.
pub(crate) fn parse_any(type_name: &str, value: &Value) -> Result<()> {
    let found = member::<Content>(type_name, value)
        .or_else(|| member::<IdentityValue>(type_name, value))
        .or_else(|| member::<RelationshipValue>(type_name, value))
        .or_else(|| member::<AttributeQuery>(type_name, value))
        .or_else(|| member::<RequestItem>(type_name, value))
        .or_else(|| member::<FormFieldSettings>(type_name, value))
        .or_else(|| member::<ResponseItem>(type_name, value))
        .or_else(|| member::<NotificationItem>(type_name, value))
        .or_else(|| class::<RequestItemGroup>(type_name, value))
        .or_else(|| class::<ResponseItemGroup>(type_name, value))
        .or_else(|| class::<ValueHints>(type_name, value))
        .or_else(|| class::<ValueHintsOverride>(type_name, value))
        .or_else(|| class::<RelationshipAttributeCreationHints>(type_name, value))
        .or_else(|| class::<IqlQueryCreationHints>(type_name, value))
        .or_else(|| identity_values::parse_part(type_name, value));
    found.unwrap_or_else(|| Err(ContentError::unknown_type(type_name)))
}
