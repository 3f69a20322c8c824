//! Attribute tags: which tags an attribute or file of a value type may carry (the runtime's
//! `AttributesController.isValidTag` and `validateTagsForType`), checked against the
//! Backbone's tag catalogue that transport caches.
//!
//! A tag is valid when it
//! - starts with `x:` in any case (a custom tag) or with `urn:`;
//! - is `language:` and a `LanguageISO639` code;
//! - is `mimetype:` and a type matching `^[a-z-*]+/[a-z-*]+$`;
//! - starts with `bkb:` in any case and the `:`-separated names after it descend the
//!   catalogue of the value type through `children`, ending at a tag without `children`.
//!
//! The real Backbone writes `children: {}` under every leaf, and the runtime counts `{}` as
//! children (`!{}` is false), so with its catalogue no `bkb:` tag passes; this follows the
//! runtime in that too.

use crate::{Consumption, Error, Result};
use consumer_api::tags::{TagCollection, Tags};
use runtime_types::attribute_tags::AttributeTagCollectionDto;

pub const INVALID_TAGS: &str = "error.consumption.attributes.invalidTags";
/// The value type a file's tags are checked for.
pub const FILE_TAGS_VALUE_TYPE: &str = "IdentityFileReference";

/// Whether `tag` is valid for an attribute of `value_type` with the Backbone's `collection`.
pub fn is_valid_tag(tag: &str, value_type: &str, collection: &TagCollection) -> bool {
    let lower = tag.to_lowercase();
    if lower.starts_with("x:") || tag.starts_with("urn:") {
        return true;
    }
    if let Some(code) = tag.strip_prefix("language:") {
        return content::is_language_code(code);
    }
    if let Some(mimetype) = tag.strip_prefix("mimetype:") {
        return is_mimetype(mimetype);
    }
    if !lower.starts_with("bkb:") {
        return false;
    }
    // Own entries only: the runtime's object lookup also finds `constructor` and the other
    // prototype names, which no catalogue defines.
    let mut level: Option<&Tags> = collection.tags_for_attribute_value_types.get(value_type);
    for name in tag.split(':').skip(1) {
        let Some(found) = level.and_then(|tags| tags.get(name)) else {
            return false;
        };
        level = found.children.as_ref();
    }
    level.is_none()
}

/// `^[a-z-*]+\/[a-z-*]+$`.
fn is_mimetype(text: &str) -> bool {
    let part = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'-' || b == b'*')
    };
    text.split_once('/')
        .is_some_and(|(kind, sub)| part(kind) && part(sub))
}

/// The tags of `tags` that are not valid for `value_type`, in their order.
pub fn invalid_tags<'a>(
    tags: &'a [String],
    value_type: &str,
    collection: &TagCollection,
) -> Vec<&'a str> {
    tags.iter()
        .map(String::as_str)
        .filter(|tag| !is_valid_tag(tag, value_type, collection))
        .collect()
}

/// `error.consumption.attributes.invalidTags`, naming each invalid tag.
pub fn invalid_tags_error(invalid: &[&str]) -> Error {
    Error::rule(
        INVALID_TAGS,
        format!(
            "Detected invalidity of the following tags: '{}'.",
            invalid.join("', '")
        ),
    )
}

impl Consumption {
    /// Checks the tags of an attribute (or of a file, [`FILE_TAGS_VALUE_TYPE`]) whose value is
    /// of `value_type` (`PhoneNumber`, ...), as the runtime does before it creates, succeeds
    /// or shares one.
    ///
    /// An empty list passes without reading anything, as every caller in the runtime skips
    /// it. Otherwise the catalogue is read (from transport's cache or the Backbone) even when
    /// every tag is a custom one, so a failing Backbone fails the check as it does there. All
    /// invalid tags are named in one `error.consumption.attributes.invalidTags` (400).
    pub async fn validate_tags(&self, value_type: &str, tags: &[String]) -> Result<()> {
        if tags.is_empty() {
            return Ok(());
        }
        let collection = self.transport.tag_collection().await?;
        let invalid = invalid_tags(tags, value_type, &collection);
        if invalid.is_empty() {
            Ok(())
        } else {
            Err(invalid_tags_error(&invalid))
        }
    }

    /// `GET /Attributes/TagCollection`: the Backbone's catalogue as the runtime shows it.
    pub async fn attribute_tag_collection(&self) -> Result<AttributeTagCollectionDto> {
        Ok(self.transport.tag_collection().await?.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The runtime's own unit-test catalogue (leaves without `children`), plus a type whose
    /// leaf carries `children: {}` as the real Backbone writes it.
    fn collection() -> TagCollection {
        serde_json::from_value(json!({
            "supportedLanguages": ["de", "en"],
            "tagsForAttributeValueTypes": {
                "PhoneNumber": {
                    "emergency": {
                        "displayNames": {"de": "Notfallkontakt", "en": "Emergency Contact"},
                        "children": {
                            "first": {"displayNames": {"de": "Erster", "en": "First"}},
                            "second": {"displayNames": {"de": "Zweiter", "en": "Second"}}
                        }
                    },
                    "private": {"displayNames": {"de": "Privat", "en": "Private"}}
                },
                "StreetAddress": {
                    "heimat": {"displayNames": {"de": "Heimatadresse", "en": "Home Address"}, "children": {}}
                }
            }
        }))
        .unwrap()
    }

    fn valid(tag: &str, value_type: &str) -> bool {
        is_valid_tag(tag, value_type, &collection())
    }

    #[test]
    fn custom_tags_in_any_case_and_urns_are_valid_for_any_type() {
        for tag in ["x:anything", "X:Anything", "x:", "urn:a:b", "urn:"] {
            assert!(valid(tag, "PhoneNumber"), "{tag}");
            assert!(valid(tag, "NoSuchType"), "{tag}");
        }
        assert!(!valid("URN:a", "PhoneNumber"), "urn: is case-sensitive");
        assert!(!valid("x", "PhoneNumber"));
        assert!(!valid(" x:a", "PhoneNumber"));
    }

    #[test]
    fn language_tags_need_an_iso_639_1_code() {
        for tag in ["language:de", "language:en", "language:zu", "language:aa"] {
            assert!(valid(tag, "PhoneNumber"), "{tag}");
        }
        for tag in [
            "language:",
            "language:DE",
            "language:deu",
            "language:xx",
            "Language:de",
        ] {
            assert!(!valid(tag, "PhoneNumber"), "{tag}");
        }
    }

    #[test]
    fn mimetype_tags_need_a_lower_case_type_and_subtype() {
        for tag in [
            "mimetype:application/pdf",
            "mimetype:image/*",
            "mimetype:*/*",
            "mimetype:application/vnd-ms-excel",
        ] {
            assert!(valid(tag, "PhoneNumber"), "{tag}");
        }
        for tag in [
            "mimetype:",
            "mimetype:application",
            "mimetype:Application/pdf",
            "mimetype:application/pdf/x",
            "mimetype:application/vnd.ms-excel",
            "mimetype:image/svg+xml",
            "mimetype:/pdf",
            "mimetype:application/",
            "mimetype:application/pdf\n",
            "MIMETYPE:application/pdf",
        ] {
            assert!(!valid(tag, "PhoneNumber"), "{tag:?}");
        }
    }

    #[test]
    fn backbone_tags_descend_the_catalogue_to_a_leaf() {
        for tag in [
            "bkb:private",
            "bkb:emergency:first",
            "bkb:emergency:second",
            "BKB:private",
            "Bkb:emergency:first",
        ] {
            assert!(valid(tag, "PhoneNumber"), "{tag}");
        }
        for tag in [
            "bkb:nonexistent",
            "bkb:emergency",
            "bkb:emergency:nonexistent",
            "bkb:emergency:first:nonexistent",
            "bkb:Private",
            "bkb:",
            "bkb:private:",
            "bkb::private",
            "bkb",
            "bkb:constructor",
            "bkb:toString",
        ] {
            assert!(!valid(tag, "PhoneNumber"), "{tag}");
        }
        assert!(!valid("bkb:private", "nonexistent"));
        assert!(!valid("bkb:private", "StreetAddress"));
    }

    #[test]
    fn a_leaf_with_empty_children_is_no_leaf_as_in_the_runtime() {
        assert!(!valid("bkb:heimat", "StreetAddress"));
        assert!(!valid("bkb:heimat:", "StreetAddress"));
    }

    #[test]
    fn anything_else_is_invalid() {
        for tag in ["", "tag", "y:a", "mime:a/b", "lang:de", ":x"] {
            assert!(!valid(tag, "PhoneNumber"), "{tag}");
        }
    }

    #[test]
    fn lower_casing_is_unicode_aware_as_in_javascript() {
        // U+212A KELVIN SIGN lower-cases to `k`, in JavaScript and in Rust alike.
        assert!(valid("b\u{212A}b:private", "PhoneNumber"));
    }

    #[test]
    fn every_invalid_tag_is_named_in_order() {
        let tags: Vec<String> = ["x:ok", "bad", "bkb:private", "language:xx"]
            .map(String::from)
            .to_vec();
        let invalid = invalid_tags(&tags, "PhoneNumber", &collection());
        assert_eq!(invalid, ["bad", "language:xx"]);
        let error = invalid_tags_error(&invalid);
        assert_eq!(error.code(), INVALID_TAGS);
        assert_eq!(
            error.to_string(),
            "Detected invalidity of the following tags: 'bad', 'language:xx'."
        );
    }
}
