//! The attribute tag catalogue as the runtime shows it (`AttributeTagCollectionDTO`,
//! `GET /Attributes/TagCollection`): the Backbone's catalogue, mapped field by field
//! (`AttributeTagCollectionMapper`), its order kept.

use consumer_api::tags::{Tag, TagCollection};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// `AttributeTagCollectionDTO`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct AttributeTagCollectionDto {
    pub supported_languages: Vec<String>,
    /// Top-level tags by attribute value type.
    #[cfg_attr(
        feature = "schema",
        schema(value_type = std::collections::HashMap<String, std::collections::HashMap<String, AttributeTagDto>>)
    )]
    pub tags_for_attribute_value_types: IndexMap<String, IndexMap<String, AttributeTagDto>>,
}

/// `AttributeTagDTO`. `children` is there exactly when the Backbone sent it, `{}` included
/// (the mapper copies it whenever it is truthy).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct AttributeTagDto {
    /// The tag's name by language code.
    #[cfg_attr(
        feature = "schema",
        schema(value_type = std::collections::HashMap<String, String>)
    )]
    pub display_names: IndexMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "schema",
        schema(value_type = Option<std::collections::HashMap<String, AttributeTagDto>>, no_recursion)
    )]
    pub children: Option<IndexMap<String, AttributeTagDto>>,
}

fn tags(tags: IndexMap<String, Tag>) -> IndexMap<String, AttributeTagDto> {
    tags.into_iter()
        .map(|(name, tag)| (name, tag.into()))
        .collect()
}

impl From<Tag> for AttributeTagDto {
    fn from(tag: Tag) -> Self {
        Self {
            display_names: tag.display_names,
            children: tag.children.map(tags),
        }
    }
}

impl From<TagCollection> for AttributeTagCollectionDto {
    fn from(collection: TagCollection) -> Self {
        Self {
            supported_languages: collection.supported_languages,
            tags_for_attribute_value_types: collection
                .tags_for_attribute_value_types
                .into_iter()
                .map(|(value_type, by_name)| (value_type, tags(by_name)))
                .collect(),
        }
    }
}
