//! The attribute queries a `ReadAttributeRequestItem` or `ProposeAttributeRequestItem` asks
//! with.

use serde::Serialize;
use serde_json::Value;

use super::hints::ValueHints;
use super::identity_values::IDENTITY_VALUE_TYPES;
use super::relationship_values::RELATIONSHIP_VALUE_TYPES;
use super::{Confidentiality, confidentiality, tags};
use crate::parse::{Class, Fields, Result, Str, Union};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct IdentityAttributeQuery {
    pub value_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RelationshipAttributeQuery {
    pub key: String,
    /// An address, or `""` for the recipient.
    pub owner: String,
    pub attribute_creation_hints: RelationshipAttributeCreationHints,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RelationshipAttributeCreationHints {
    pub title: String,
    pub value_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_hints: Option<ValueHints>,
    pub confidentiality: Confidentiality,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ThirdPartyRelationshipAttributeQuery {
    pub key: String,
    /// `"thirdParty"`, `"recipient"` or `""`.
    pub owner: String,
    pub third_party: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct IqlQuery {
    pub query_string: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute_creation_hints: Option<IqlQueryCreationHints>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct IqlQueryCreationHints {
    pub value_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
}

/// `ReadAttributeRequestItem.query`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(tag = "@type")]
pub enum AttributeQuery {
    IdentityAttributeQuery(IdentityAttributeQuery),
    RelationshipAttributeQuery(RelationshipAttributeQuery),
    ThirdPartyRelationshipAttributeQuery(ThirdPartyRelationshipAttributeQuery),
    IQLQuery(IqlQuery),
}

/// `ProposeAttributeRequestItem.query`: no third-party query.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(tag = "@type")]
pub enum ProposeAttributeQuery {
    IdentityAttributeQuery(IdentityAttributeQuery),
    RelationshipAttributeQuery(RelationshipAttributeQuery),
    IQLQuery(IqlQuery),
}

fn type_list(names: &[&str]) -> String {
    serde_json::to_string(names).unwrap_or_default()
}

fn identity_type(name: &str) -> Option<String> {
    (!IDENTITY_VALUE_TYPES.contains(&name))
        .then(|| format!("must be one of: {}", type_list(&IDENTITY_VALUE_TYPES)))
}

fn relationship_type(name: &str) -> Option<String> {
    (!RELATIONSHIP_VALUE_TYPES.contains(&name))
        .then(|| format!("must be one of: {}", type_list(&RELATIONSHIP_VALUE_TYPES)))
}

fn value_type(f: &Fields, check: fn(&str) -> Option<String>) -> Result<String> {
    let name = f.string("valueType", Str::ANY)?;
    f.check("valueType", "String", name.as_str(), check)?;
    Ok(name)
}

/// `valueType` (an identity value type) and `tags`: the fields of `IdentityAttributeQuery`
/// and of `IQLQueryCreationHints`.
fn identity_type_and_tags(
    class: &'static str,
    value: &Value,
) -> Result<(String, Option<Vec<String>>)> {
    let f = Fields::of(class, value)?;
    Ok((value_type(&f, identity_type)?, tags(&f)?))
}

impl Class for IdentityAttributeQuery {
    const NAME: &'static str = "IdentityAttributeQuery";
    fn parse(value: &Value) -> Result<Self> {
        let (value_type, tags) = identity_type_and_tags(Self::NAME, value)?;
        Ok(Self { value_type, tags })
    }
}

impl Class for RelationshipAttributeCreationHints {
    const NAME: &'static str = "RelationshipAttributeCreationHints";
    fn parse(value: &Value) -> Result<Self> {
        let f = Fields::of(Self::NAME, value)?;
        Ok(Self {
            title: f.string("title", Str::max(100))?,
            value_type: value_type(&f, relationship_type)?,
            description: f.opt_string("description", Str::max(1000))?,
            value_hints: f.opt_object_of("valueHints")?,
            confidentiality: confidentiality(&f)?,
        })
    }
}

impl Class for RelationshipAttributeQuery {
    const NAME: &'static str = "RelationshipAttributeQuery";
    fn parse(value: &Value) -> Result<Self> {
        let f = Fields::of(Self::NAME, value)?;
        Ok(Self {
            key: f.string("key", Str::max(100))?,
            owner: f.core_string("owner", "CoreAddress")?,
            attribute_creation_hints: f.object("attributeCreationHints")?,
        })
    }
}

impl Class for ThirdPartyRelationshipAttributeQuery {
    const NAME: &'static str = "ThirdPartyRelationshipAttributeQuery";
    fn parse(value: &Value) -> Result<Self> {
        let f = Fields::of(Self::NAME, value)?;
        let key = f.string("key", Str::max(100))?;
        let owner = f.string("owner", Str::ANY)?;
        f.check("owner", "String", owner.as_str(), |o| {
            (!["thirdParty", "recipient", ""].contains(&o))
                .then(|| r#"must be one of: "thirdParty","recipient","""#.to_owned())
        })?;
        // The official `preFrom` takes a single address for a list of one.
        let third_party = match f.get("thirdParty") {
            Some(Value::String(address)) => vec![address.clone()],
            _ => f.addresses("thirdParty", f.array("thirdParty")?)?,
        };
        f.check("thirdParty", "Array", &third_party, |v| {
            v.is_empty().then(|| "may not be empty".to_owned())
        })?;
        Ok(Self {
            key,
            owner,
            third_party,
        })
    }
}

impl Class for IqlQueryCreationHints {
    const NAME: &'static str = "IQLQueryCreationHints";
    fn parse(value: &Value) -> Result<Self> {
        let (value_type, tags) = identity_type_and_tags(Self::NAME, value)?;
        Ok(Self { value_type, tags })
    }
}

impl Class for IqlQuery {
    const NAME: &'static str = "IQLQuery";
    fn parse(value: &Value) -> Result<Self> {
        let f = Fields::of(Self::NAME, value)?;
        // The official class also runs `iql.validate` on the query string; that check waits
        // for this project's IQL parser.
        Ok(Self {
            query_string: f.string("queryString", Str::max(4096))?,
            attribute_creation_hints: f.opt_object_of("attributeCreationHints")?,
        })
    }
}

impl Union for AttributeQuery {
    fn parse_member(type_name: &str, value: &Value) -> Option<Result<Self>> {
        use AttributeQuery as Q;
        Some(match type_name {
            "IdentityAttributeQuery" => {
                IdentityAttributeQuery::parse(value).map(Q::IdentityAttributeQuery)
            }
            "RelationshipAttributeQuery" => {
                RelationshipAttributeQuery::parse(value).map(Q::RelationshipAttributeQuery)
            }
            "ThirdPartyRelationshipAttributeQuery" => {
                ThirdPartyRelationshipAttributeQuery::parse(value)
                    .map(Q::ThirdPartyRelationshipAttributeQuery)
            }
            "IQLQuery" => IqlQuery::parse(value).map(Q::IQLQuery),
            _ => return None,
        })
    }
}

impl Union for ProposeAttributeQuery {
    fn parse_member(type_name: &str, value: &Value) -> Option<Result<Self>> {
        use ProposeAttributeQuery as Q;
        Some(match type_name {
            "IdentityAttributeQuery" => {
                IdentityAttributeQuery::parse(value).map(Q::IdentityAttributeQuery)
            }
            "RelationshipAttributeQuery" => {
                RelationshipAttributeQuery::parse(value).map(Q::RelationshipAttributeQuery)
            }
            "IQLQuery" => IqlQuery::parse(value).map(Q::IQLQuery),
            _ => return None,
        })
    }
}
