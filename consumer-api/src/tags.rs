//! The attribute tag catalogue (`GET /api/v2/Tags`): the languages the Backbone's operator
//! translates tags into, and per attribute value type a tree of tags with display names.
//! Clients cache it and ask again with `If-None-Match`; an unchanged catalogue is a 304.
//!
//! Maps keep the Backbone's order: the Connector hands the catalogue on as it came.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// Tags by name, one level of the tree.
pub type Tags = IndexMap<String, Tag>;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TagCollection {
    /// ISO 639-1 codes; every display name exists in each of them.
    pub supported_languages: Vec<String>,
    /// Top-level tags by attribute value type (`PhoneNumber`, `IdentityFileReference`, ...).
    pub tags_for_attribute_value_types: IndexMap<String, Tags>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tag {
    /// The tag's name by language code.
    pub display_names: IndexMap<String, String>,
    /// The tags below this one. The real Backbone always writes the field, `{}` under a leaf
    /// (its `TagInfo.Children` defaults to an empty dictionary); `None` is a field that was
    /// absent, which the runtime's tag check treats differently from `{}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub children: Option<Tags>,
}

impl TagCollection {
    /// The catalogue as the real Backbone serialises it: every tag carries `children`, `{}`
    /// for a leaf.
    pub fn with_explicit_children(mut self) -> Self {
        fn fill(tags: &mut Tags) {
            for tag in tags.values_mut() {
                fill(tag.children.get_or_insert_with(Tags::new));
            }
        }
        for tags in self.tags_for_attribute_value_types.values_mut() {
            fill(tags);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn order_and_absent_children_survive_a_round_trip() {
        let wire = json!({
            "supportedLanguages": ["en", "de"],
            "tagsForAttributeValueTypes": {"Z": {"b": {"displayNames": {"en": "B"}}, "a": {"displayNames": {"en": "A"}, "children": {}}}}
        });
        let parsed: TagCollection = serde_json::from_value(wire.clone()).unwrap();
        assert_eq!(
            serde_json::to_value(&parsed).unwrap().to_string(),
            wire.to_string()
        );
    }

    #[test]
    fn explicit_children_fill_every_level() {
        let parsed: TagCollection = serde_json::from_value(json!({
            "supportedLanguages": ["en"],
            "tagsForAttributeValueTypes": {"T": {"a": {"displayNames": {"en": "A"}, "children": {"b": {"displayNames": {"en": "B"}}}}}}
        }))
        .unwrap();
        let filled = serde_json::to_value(parsed.with_explicit_children()).unwrap();
        assert_eq!(
            filled["tagsForAttributeValueTypes"]["T"]["a"]["children"]["b"]["children"],
            json!({})
        );
    }
}
