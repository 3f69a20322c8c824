//! The characters an attribute may contain: the official whitelist of Latin letters, in the
//! style of DIN SPEC 91379 (tab, line feed, carriage return, printable ASCII, Latin-1 and
//! selected Latin Extended letters, and letters with combining marks). Every string entry of an
//! identity attribute's value must consist of them; for a relationship attribute, every string
//! entry but `title` and `description`.

use serde_json::Value;
use std::sync::LazyLock;

/// The runtime's pattern, character for character.
const ALLOWED: &str = r#"^([\u0009-\u000A]|\u000D|[ -~]|[ -¬]|[®-ž]|[Ƈ-ƈ]|Ə|Ɨ|[Ơ-ơ]|[Ư-ư]|Ʒ|[Ǎ-ǜ]|[Ǟ-ǟ]|[Ǣ-ǰ]|[Ǵ-ǵ]|[Ǹ-ǿ]|[Ȓ-ȓ]|[Ș-ț]|[Ȟ-ȟ]|[ȧ-ȳ]|ə|ɨ|ʒ|[ʹ-ʺ]|[ʾ-ʿ]|ˈ|ˌ|[Ḃ-ḃ]|[Ḇ-ḇ]|[Ḋ-ḑ]|ḗ|[Ḝ-ḫ]|[ḯ-ḷ]|[Ḻ-ḻ]|[Ṁ-ṉ]|[Ṓ-ṛ]|[Ṟ-ṣ]|[Ṫ-ṯ]|[Ẁ-ẇ]|[Ẍ-ẗ]|ẞ|[Ạ-ỹ]|’|‡|€|A̋|C(̀|̄|̆|̈|̕|̣|̦|̨̆)|D̂|F(̀|̄)|G̀|H(̄|̦|̱)|J(́|̌)|K(̀|̂|̄|̇|̕|̛|̦|͟H|͟h)|L(̂|̥|̥̄|̦)|M(̀|̂|̆|̐)|N(̂|̄|̆|̦)|P(̀|̄|̕|̣)|R(̆|̥|̥̄)|S(̀|̄|̛̄|̱)|T(̀|̄|̈|̕|̛)|U̇|Z(̀|̄|̆|̈|̧)|a̋|c(̀|̄|̆|̈|̕|̣|̦|̨̆)|d̂|f(̀|̄)|g̀|h(̄|̦)|j́|k(̀|̂|̄|̇|̕|̛|̦|͟h)|l(̂|̥|̥̄|̦)|m(̀|̂|̆|̐)|n(̂|̄|̆|̦)|p(̀|̄|̕|̣)|r(̆|̥|̥̄)|s(̀|̄|̛̄|̱)|t(̀|̄|̕|̛)|u̇|z(̀|̄|̆|̈|̧)|Ç̆|Û̄|ç̆|û̄|ÿ́|Č(̕|̣)|č(̕|̣)|ē̍|Ī́|ī́|ō̍|Ž(̦|̧)|ž(̦|̧)|Ḳ̄|ḳ̄|Ṣ̄|ṣ̄|Ṭ̄|ṭ̄|Ạ̈|ạ̈|Ọ̈|ọ̈|Ụ(̄|̈)|ụ(̄|̈))*$"#;

static PATTERN: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(ALLOWED).expect("the whitelist is a valid pattern"));

/// Whether every string entry of `value` (a value type's JSON) is made of allowed characters,
/// leaving out the entries named in `skip`.
pub fn allowed(value: &Value, skip: &[&str]) -> bool {
    value.as_object().is_none_or(|entries| {
        entries
            .iter()
            .filter(|(key, _)| !skip.contains(&key.as_str()))
            .filter_map(|(_, entry)| entry.as_str())
            .all(|text| PATTERN.is_match(text))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn latin_names_pass_and_other_scripts_do_not() {
        for ok in [
            "Anna",
            "Zoë Ødegård",
            "Łukasz Żółć",
            "O'Neil\tx",
            "Ḃrian",
            "€ 5",
        ] {
            assert!(
                allowed(&json!({"@type": "GivenName", "value": ok}), &[]),
                "{ok}"
            );
        }
        for bad in ["Анна", "山田", "emoji 😀", "a\u{0}b"] {
            assert!(
                !allowed(&json!({"@type": "GivenName", "value": bad}), &[]),
                "{bad}"
            );
        }
        assert!(
            allowed(&json!({"day": 1, "month": 2}), &[]),
            "numbers are not checked"
        );
        assert!(
            allowed(
                &json!({"title": "山田", "value": "x"}),
                &["title", "description"]
            ),
            "skipped entries are not checked"
        );
    }
}
