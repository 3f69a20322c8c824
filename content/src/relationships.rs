//! The contents of relationship templates and of relationship creations.

use serde::Serialize;
use serde_json::Value;

use crate::parse::{Class, Fields, Result, Str};
use crate::requests::Request;
use crate::requests::response::Response;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RelationshipTemplateContent {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    /// Typed `Request`, not a union: serialised without `@type`.
    pub on_new_relationship: Request,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_existing_relationship: Option<Request>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct ArbitraryRelationshipTemplateContent {
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct RelationshipCreationContent {
    /// Typed `Response`, not a union: serialised without `@type`.
    pub response: Response,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct ArbitraryRelationshipCreationContent {
    pub value: Value,
}

impl Class for RelationshipTemplateContent {
    const NAME: &'static str = "RelationshipTemplateContent";
    fn parse(value: &Value) -> Result<Self> {
        let f = Fields::of(Self::NAME, value)?;
        Ok(Self {
            title: f.opt_string("title", Str::max(200))?,
            metadata: f.opt_object("metadata")?,
            on_new_relationship: f.object("onNewRelationship")?,
            on_existing_relationship: f.opt_object_of("onExistingRelationship")?,
        })
    }
}

impl Class for ArbitraryRelationshipTemplateContent {
    const NAME: &'static str = "ArbitraryRelationshipTemplateContent";
    fn parse(value: &Value) -> Result<Self> {
        Ok(Self {
            value: Fields::of(Self::NAME, value)?.any("value")?,
        })
    }
}

impl Class for RelationshipCreationContent {
    const NAME: &'static str = "RelationshipCreationContent";
    fn parse(value: &Value) -> Result<Self> {
        Ok(Self {
            response: Fields::of(Self::NAME, value)?.object("response")?,
        })
    }
}

impl Class for ArbitraryRelationshipCreationContent {
    const NAME: &'static str = "ArbitraryRelationshipCreationContent";
    fn parse(value: &Value) -> Result<Self> {
        Ok(Self {
            value: Fields::of(Self::NAME, value)?.any("value")?,
        })
    }
}
