//! Attributes (`IdentityAttribute`, `RelationshipAttribute`), their value types, hints and
//! the queries that ask for them.

pub mod hints;
pub mod identity_values;
pub mod queries;
pub mod relationship_values;
pub(crate) mod value_kinds;

use serde::Serialize;
use serde_json::Value;

use crate::parse::{Class, Fields, Result, Str, Union};
use identity_values::IdentityValue;
use relationship_values::RelationshipValue;

const IDENTITY_VALUE_UNION: &str = "(Affiliation|BirthDate|BirthName|BirthPlace|Citizenship|CommunicationLanguage|DeliveryBoxAddress|DisplayName|EMailAddress|FaxNumber|GivenName|HonorificPrefix|HonorificSuffix|IdentityFileReference|JobTitle|MiddleName|Nationality|PhoneNumber|PostOfficeBoxAddress|Pseudonym|Sex|StreetAddress|Surname|Website|SchematizedXML)";
const RELATIONSHIP_VALUE_UNION: &str = "(ProprietaryBoolean|ProprietaryCountry|ProprietaryEMailAddress|ProprietaryFileReference|ProprietaryFloat|ProprietaryHEXColor|ProprietaryInteger|ProprietaryLanguage|ProprietaryPhoneNumber|ProprietaryString|ProprietaryURL|ProprietaryJSON|ProprietaryXML|Consent)";

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct IdentityAttribute {
    /// An address, or `""` in a template or request.
    pub owner: String,
    pub value: IdentityValue,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RelationshipAttribute {
    pub owner: String,
    pub value: RelationshipValue,
    pub key: String,
    /// Always serialised; `false` when the input had none.
    pub is_technical: bool,
    pub confidentiality: Confidentiality,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum Confidentiality {
    Public,
    Private,
    Protected,
}

/// An `IdentityAttribute | RelationshipAttribute` field (`attribute`, `successorContent`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(tag = "@type")]
pub enum Attribute {
    IdentityAttribute(IdentityAttribute),
    RelationshipAttribute(RelationshipAttribute),
}

/// The official `validateTags`, shared by the attribute and its queries.
pub(crate) fn tags(f: &Fields) -> Result<Option<Vec<String>>> {
    let Some(items) = f.opt_array("tags")? else {
        return Ok(None);
    };
    let tags = f.strings("tags", items, Str::ANY)?;
    f.check("tags", "Array", &tags, |tags| {
        let unique: std::collections::HashSet<&String> = tags.iter().collect();
        if unique.len() != tags.len() {
            Some("The tags are not unique.".to_owned())
        } else if tags.len() > 20 {
            Some("The maximum number of tags is 20.".to_owned())
        } else if tags.iter().any(|t| crate::formats::js_len(t) > 250) {
            Some("The maximum length of a tag is 250 characters.".to_owned())
        } else {
            None
        }
    })?;
    Ok(Some(tags))
}

pub(crate) fn confidentiality(f: &Fields) -> Result<Confidentiality> {
    let text = f.string("confidentiality", Str::ANY)?;
    f.check("confidentiality", "String", text.as_str(), |v| {
        crate::formats::one_of(v, &["public", "private", "protected"])
    })?;
    Ok(match text.as_str() {
        "public" => Confidentiality::Public,
        "private" => Confidentiality::Private,
        _ => Confidentiality::Protected,
    })
}

impl Class for IdentityAttribute {
    const NAME: &'static str = "IdentityAttribute";
    fn parse(value: &Value) -> Result<Self> {
        let f = Fields::of(Self::NAME, value)?;
        // serval reads a class's own fields before those of its parent (`owner`).
        let value = f.union("value", IDENTITY_VALUE_UNION)?;
        let tags = tags(&f)?;
        Ok(Self {
            owner: f.core_string("owner", "CoreAddress")?,
            value,
            tags,
        })
    }
}

impl Class for RelationshipAttribute {
    const NAME: &'static str = "RelationshipAttribute";
    fn parse(value: &Value) -> Result<Self> {
        let f = Fields::of(Self::NAME, value)?;
        let value = f.union("value", RELATIONSHIP_VALUE_UNION)?;
        let key = f.string("key", Str::max(100))?;
        let is_technical = f.opt_boolean("isTechnical")?.unwrap_or(false);
        let confidentiality = confidentiality(&f)?;
        Ok(Self {
            owner: f.core_string("owner", "CoreAddress")?,
            value,
            key,
            is_technical,
            confidentiality,
        })
    }
}

impl Union for Attribute {
    fn parse_member(type_name: &str, value: &Value) -> Option<Result<Self>> {
        Some(match type_name {
            "IdentityAttribute" => {
                IdentityAttribute::parse(value).map(Attribute::IdentityAttribute)
            }
            "RelationshipAttribute" => {
                RelationshipAttribute::parse(value).map(Attribute::RelationshipAttribute)
            }
            _ => return None,
        })
    }
}

/// Top-level serialisation: with `@type`, as `toJSON()` prints a content object.
impl IdentityAttribute {
    pub fn to_json(&self) -> Value {
        crate::to_typed_json("IdentityAttribute", self)
    }
}

impl RelationshipAttribute {
    pub fn to_json(&self) -> Value {
        crate::to_typed_json("RelationshipAttribute", self)
    }
}
