//! The request items: what one part of a request asks the peer to do.

use base64::Engine;
use serde::Serialize;
use serde_json::Value;

use super::form_field::{FORM_FIELD_SETTINGS_UNION, FormFieldSettings};
use crate::attributes::Attribute;
use crate::attributes::queries::{AttributeQuery, ProposeAttributeQuery};
use crate::attributes::relationship_values::ConsentFields;
use crate::error::ContentError;
use crate::parse::{Fields, Result, Str, Union};

/// One item of a `Request` or `RequestItemGroup`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(tag = "@type")]
pub enum RequestItem {
    CreateAttributeRequestItem(CreateAttributeRequestItem),
    ShareAttributeRequestItem(ShareAttributeRequestItem),
    ReadAttributeRequestItem(ReadAttributeRequestItem),
    ProposeAttributeRequestItem(ProposeAttributeRequestItem),
    DeleteAttributeRequestItem(DeleteAttributeRequestItem),
    ConsentRequestItem(ConsentRequestItem),
    AuthenticationRequestItem(AuthenticationRequestItem),
    FormFieldRequestItem(FormFieldRequestItem),
    TransferFileOwnershipRequestItem(TransferFileOwnershipRequestItem),
}

/// The fields every request item has.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RequestItemFields {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    pub must_be_accepted: bool,
}

impl RequestItemFields {
    pub fn must_be_accepted(must_be_accepted: bool) -> Self {
        Self {
            description: None,
            metadata: None,
            must_be_accepted,
        }
    }

    fn parse(f: &Fields) -> Result<Self> {
        Ok(Self {
            description: f.opt_string("description", Str::max(500))?,
            must_be_accepted: f.boolean("mustBeAccepted")?,
            metadata: f.opt_object("metadata")?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct CreateAttributeRequestItem {
    #[serde(flatten)]
    pub item: RequestItemFields,
    pub attribute: Attribute,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ShareAttributeRequestItem {
    #[serde(flatten)]
    pub item: RequestItemFields,
    pub attribute: Attribute,
    pub attribute_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub third_party_address: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct ReadAttributeRequestItem {
    #[serde(flatten)]
    pub item: RequestItemFields,
    pub query: AttributeQuery,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct ProposeAttributeRequestItem {
    #[serde(flatten)]
    pub item: RequestItemFields,
    pub query: ProposeAttributeQuery,
    pub attribute: Attribute,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeleteAttributeRequestItem {
    #[serde(flatten)]
    pub item: RequestItemFields,
    pub attribute_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ConsentRequestItem {
    #[serde(flatten)]
    pub item: RequestItemFields,
    pub consent: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_display_text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requires_interaction: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct AuthenticationRequestItem {
    #[serde(flatten)]
    pub item: RequestItemFields,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct FormFieldRequestItem {
    #[serde(flatten)]
    pub item: RequestItemFields,
    pub title: String,
    pub settings: FormFieldSettings,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TransferFileOwnershipRequestItem {
    #[serde(flatten)]
    pub item: RequestItemFields,
    /// A truncated file reference.
    pub file_reference: String,
    pub ownership_token: String,
}

const ATTRIBUTE_UNION: &str = "(IdentityAttribute|RelationshipAttribute)";

fn create(value: &Value) -> Result<CreateAttributeRequestItem> {
    let f = Fields::of("CreateAttributeRequestItem", value)?;
    Ok(CreateAttributeRequestItem {
        attribute: f.union("attribute", "(RelationshipAttribute|IdentityAttribute)")?,
        item: RequestItemFields::parse(&f)?,
    })
}

fn share(value: &Value) -> Result<ShareAttributeRequestItem> {
    let f = Fields::of("ShareAttributeRequestItem", value)?;
    Ok(ShareAttributeRequestItem {
        attribute: f.union("attribute", ATTRIBUTE_UNION)?,
        attribute_id: f.core_string("attributeId", "CoreId")?,
        third_party_address: f.opt_core_string("thirdPartyAddress", "CoreAddress")?,
        item: RequestItemFields::parse(&f)?,
    })
}

fn read(value: &Value) -> Result<ReadAttributeRequestItem> {
    let f = Fields::of("ReadAttributeRequestItem", value)?;
    Ok(ReadAttributeRequestItem {
        query: f.union(
            "query",
            "(IdentityAttributeQuery|RelationshipAttributeQuery|ThirdPartyRelationshipAttributeQuery|IQLQuery)",
        )?,
        item: RequestItemFields::parse(&f)?,
    })
}

fn propose(value: &Value) -> Result<ProposeAttributeRequestItem> {
    let f = Fields::of("ProposeAttributeRequestItem", value)?;
    let item = ProposeAttributeRequestItem {
        query: f.union(
            "query",
            "(IdentityAttributeQuery|RelationshipAttributeQuery|IQLQuery)",
        )?,
        attribute: f.union("attribute", ATTRIBUTE_UNION)?,
        item: RequestItemFields::parse(&f)?,
    };
    item.check_query_fits_attribute()?;
    Ok(item)
}

impl ProposeAttributeRequestItem {
    /// The official `postFrom`: the query must be able to find the proposed attribute.
    fn check_query_fits_attribute(&self) -> Result<()> {
        use ProposeAttributeQuery as Q;
        let fail = |field: &str, reason: String| {
            Err(ContentError::parsing(
                "ProposeAttributeRequestItem",
                field,
                reason,
            ))
        };
        let value_type = match (&self.attribute, &self.query) {
            (
                Attribute::RelationshipAttribute(_),
                Q::IdentityAttributeQuery(_) | Q::IQLQuery(_),
            ) => {
                return fail(
                    "",
                    "When proposing a RelationshipAttribute, the corresponding query has to be a RelationshipAttributeQuery.".into(),
                );
            }
            (Attribute::IdentityAttribute(_), Q::RelationshipAttributeQuery(_)) => {
                return fail(
                    "",
                    "When proposing an IdentityAttribute, the corresponding query has to be a IdentityAttributeQuery or IQLQuery.".into(),
                );
            }
            (Attribute::IdentityAttribute(a), _) => a.value.type_name(),
            (Attribute::RelationshipAttribute(a), _) => a.value.type_name(),
        };
        let (field, wanted) = match &self.query {
            Q::IdentityAttributeQuery(q) => ("query.valueType", Some(q.value_type.as_str())),
            Q::IQLQuery(q) => (
                "query.attributeCreationHints.valueType",
                q.attribute_creation_hints
                    .as_ref()
                    .map(|h| h.value_type.as_str()),
            ),
            Q::RelationshipAttributeQuery(q) => (
                "query.attributeCreationHints.valueType",
                Some(q.attribute_creation_hints.value_type.as_str()),
            ),
        };
        match wanted {
            Some(wanted) if wanted != value_type => fail(
                field,
                format!(
                    "You cannot propose an Attribute whose type of the value ('{value_type}') is different from the value type of the query ('{wanted}')."
                ),
            ),
            _ => Ok(()),
        }
    }
}

fn delete(value: &Value) -> Result<DeleteAttributeRequestItem> {
    let f = Fields::of("DeleteAttributeRequestItem", value)?;
    Ok(DeleteAttributeRequestItem {
        attribute_id: f.core_string("attributeId", "CoreId")?,
        item: RequestItemFields::parse(&f)?,
    })
}

fn consent(value: &Value) -> Result<ConsentRequestItem> {
    let f = Fields::of("ConsentRequestItem", value)?;
    let c = ConsentFields::parse(&f)?;
    Ok(ConsentRequestItem {
        consent: c.consent,
        link: c.link,
        link_display_text: c.link_display_text,
        requires_interaction: f.opt_boolean("requiresInteraction")?,
        item: RequestItemFields::parse(&f)?,
    })
}

fn authentication(value: &Value) -> Result<AuthenticationRequestItem> {
    let f = Fields::of("AuthenticationRequestItem", value)?;
    Ok(AuthenticationRequestItem {
        title: f.string("title", Str::max(200))?,
        item: RequestItemFields::parse(&f)?,
    })
}

fn form_field(value: &Value) -> Result<FormFieldRequestItem> {
    let f = Fields::of("FormFieldRequestItem", value)?;
    Ok(FormFieldRequestItem {
        title: f.string("title", Str::max(200))?,
        settings: f.union("settings", FORM_FIELD_SETTINGS_UNION)?,
        item: RequestItemFields::parse(&f)?,
    })
}

fn transfer_file_ownership(value: &Value) -> Result<TransferFileOwnershipRequestItem> {
    let f = Fields::of("TransferFileOwnershipRequestItem", value)?;
    let file_reference = match f.defined("fileReference")? {
        Value::String(s) => s.clone(),
        // An object (or array) is read as a whole reference, which starts with its id.
        Value::Object(_) | Value::Array(_) => {
            return Err(ContentError::parsing(
                "FileReference",
                "id",
                "Value is not defined",
            ));
        }
        other => {
            return Err(ContentError::parsing(
                "FileReference",
                "from()",
                format!("Parameter must be an object - is '{other}'"),
            ));
        }
    };
    check_truncated_file_reference(&file_reference)?;
    Ok(TransferFileOwnershipRequestItem {
        file_reference,
        ownership_token: f.string("ownershipToken", Str::ANY)?,
        item: RequestItemFields::parse(&f)?,
    })
}

/// What `FileReference.from(truncated)` refuses: not base64url, not UTF-8, not 3 or 5
/// `|`-separated parts, an id that is no file id, an algorithm that is no number.
fn check_truncated_file_reference(truncated: &str) -> Result<()> {
    let other = |message: String| ContentError::new(crate::error::ErrorKind::Other, message);
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(truncated.trim_end_matches('='))
        .map_err(|_| other("invalid input".into()))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| other("The encoded data was not valid for encoding utf-8".into()))?;
    let parts: Vec<&str> = text.split('|').collect();
    if ![3, 5].contains(&parts.len()) {
        return Err(other(format!(
            "A truncated reference must consist of either exactly 3 or exactly 5 components, but it consists of '{}' components.",
            parts.len()
        )));
    }
    let id = parts[0].split('@').next().unwrap_or_default();
    if !id.starts_with("FIL") {
        return Err(ContentError::parsing(
            "FileReference",
            "id",
            format!("id must start with 'FIL' but is '{id}'"),
        ));
    }
    if parts[1].trim().parse::<i64>().is_err() {
        return Err(other(
            "The encryption algorithm must be indicated by an integer in the TruncatedReference."
                .into(),
        ));
    }
    Ok(())
}

impl Union for RequestItem {
    fn parse_member(type_name: &str, value: &Value) -> Option<Result<Self>> {
        use RequestItem as I;
        Some(match type_name {
            "CreateAttributeRequestItem" => create(value).map(I::CreateAttributeRequestItem),
            "ShareAttributeRequestItem" => share(value).map(I::ShareAttributeRequestItem),
            "ReadAttributeRequestItem" => read(value).map(I::ReadAttributeRequestItem),
            "ProposeAttributeRequestItem" => propose(value).map(I::ProposeAttributeRequestItem),
            "DeleteAttributeRequestItem" => delete(value).map(I::DeleteAttributeRequestItem),
            "ConsentRequestItem" => consent(value).map(I::ConsentRequestItem),
            "AuthenticationRequestItem" => authentication(value).map(I::AuthenticationRequestItem),
            "FormFieldRequestItem" => form_field(value).map(I::FormFieldRequestItem),
            "TransferFileOwnershipRequestItem" => {
                transfer_file_ownership(value).map(I::TransferFileOwnershipRequestItem)
            }
            _ => return None,
        })
    }
}
