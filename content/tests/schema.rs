//! The OpenAPI schemas (feature `schema`) form a closed set: every `$ref` names a schema the
//! types register, so an API document that mentions a content type is complete.
#![cfg(feature = "schema")]

use content::{Content, MessageContent};
use serde_json::Value;
use utoipa::ToSchema;

fn refs(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                found.push(r.trim_start_matches("#/components/schemas/").to_owned());
            }
            map.values().for_each(|v| refs(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
        _ => {}
    }
}

fn registered<T: ToSchema>() -> (Value, Vec<String>) {
    let mut schemas = Vec::new();
    T::schemas(&mut schemas);
    let root = serde_json::to_value(T::schema()).expect("schema JSON");
    let names = schemas.iter().map(|(name, _)| name.clone()).collect();
    let mut all = vec![root.clone()];
    all.extend(
        schemas
            .into_iter()
            .map(|(_, s)| serde_json::to_value(s).expect("schema JSON")),
    );
    (Value::Array(all), names)
}

#[test]
fn every_reference_resolves() {
    for (document, names) in [registered::<Content>(), registered::<MessageContent>()] {
        let mut found = Vec::new();
        refs(&document, &mut found);
        let missing: Vec<&String> = found.iter().filter(|r| !names.contains(r)).collect();
        assert!(missing.is_empty(), "dangling references: {missing:?}");
        assert!(names.iter().any(|n| n == "IdentityValue"), "{names:?}");
        let text = document.to_string();
        for needle in [
            "\"@type\"",
            "GivenName",
            "ValueHintsOverride",
            "FormFieldAcceptResponseItem",
        ] {
            assert!(text.contains(needle), "no {needle} in the schemas");
        }
    }
}

#[test]
#[ignore = "prints the schemas for a reader"]
fn print() {
    let (document, _) = registered::<Content>();
    println!(
        "{}",
        serde_json::to_string_pretty(&document).unwrap_or_default()
    );
}
