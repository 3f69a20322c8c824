//! Every field of every official example broken in nine ways (removed, null, an integer, a
//! fraction, a short and a very long string, an empty list, an empty object, `true`): the
//! official library and we must agree on each: both take it and print the same JSON, or both
//! refuse it with the same code and message, or it is one of the known differences below.

mod official;

use content::parse_content;
use serde_json::{Value, json};

/// A copy of `root` with the value at `path` replaced (`None`: removed).
fn mutate(root: &Value, path: &[PathStep], replacement: Option<&Value>) -> Value {
    let mut copy = root.clone();
    let mut here = &mut copy;
    for step in &path[..path.len() - 1] {
        here = match step {
            PathStep::Key(k) => &mut here[k.as_str()],
            PathStep::Index(i) => &mut here[*i],
        };
    }
    match (path.last(), replacement) {
        (Some(PathStep::Key(k)), Some(v)) => here[k.as_str()] = v.clone(),
        (Some(PathStep::Key(k)), None) => {
            if let Some(map) = here.as_object_mut() {
                map.remove(k);
            }
        }
        (Some(PathStep::Index(i)), Some(v)) => here[*i] = v.clone(),
        (Some(PathStep::Index(i)), None) => {
            if let Some(items) = here.as_array_mut() {
                items.remove(*i);
            }
        }
        (None, _) => {}
    }
    copy
}

#[derive(Clone)]
enum PathStep {
    Key(String),
    Index(usize),
}

fn paths(value: &Value, prefix: Vec<PathStep>, out: &mut Vec<Vec<PathStep>>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "@type" && prefix.is_empty() {
                    continue;
                }
                let mut p = prefix.clone();
                p.push(PathStep::Key(k.clone()));
                out.push(p.clone());
                paths(v, p, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let mut p = prefix.clone();
                p.push(PathStep::Index(i));
                out.push(p.clone());
                paths(v, p, out);
            }
        }
        _ => {}
    }
}

fn mutants() -> Vec<Value> {
    let replacements = [
        None,
        Some(Value::Null),
        Some(json!(5)),
        Some(json!(1.5)),
        Some(json!("x")),
        Some(json!("y".repeat(5000))),
        Some(json!([])),
        Some(json!({})),
        Some(json!(true)),
    ];
    let mut all = Vec::new();
    for (_, example) in official::examples() {
        let mut found = Vec::new();
        paths(&example, Vec::new(), &mut found);
        for path in &found {
            for r in &replacements {
                all.push(mutate(&example, path, r.as_ref()));
            }
        }
    }
    all.sort_by_key(|v| v.to_string());
    all.dedup();
    all
}

/// Where we knowingly differ (see `we_refuse_what_the_official_classes_let_through` in
/// `official_library.rs`): the official library takes these, we refuse them or print less.
fn known_difference(
    official: &official::Verdict,
    ours: &Result<Value, content::ContentError>,
) -> Option<&'static str> {
    let ours_message = ours
        .as_ref()
        .err()
        .map(|e| e.message.as_str())
        .unwrap_or_default();
    if let Some(error) = &official.error {
        return if error.message.contains("invalid IQL query") {
            Some("IQL query strings are not checked yet")
        } else if error.message.contains("Cannot create property")
            && ours_message.contains("Parameter must be an object")
        {
            Some("a string where an object belongs: a JavaScript TypeError in the official library")
        } else {
            None
        };
    }
    let official = official.json.as_ref()?;
    match ours {
        Ok(ours) if &without_nulls(official) == ours => {
            Some("an explicit null is printed by the official library, left out by us")
        }
        Ok(_) => None,
        Err(_)
            if ours_message.contains("allowed types (RequestItemGroup|RequestItem).")
                || ours_message.contains("allowed types RequestItem.")
                || ours_message.contains("allowed types (ResponseItemGroup|ResponseItem).")
                || ours_message.contains("allowed types ResponseItem.")
                || ours_message.contains("allowed types NotificationItem.") =>
        {
            Some("a list typed Serializable takes any value in the official library")
        }
        Err(_) if ours_message.contains("must be one of: Accepted,Rejected") => {
            Some("a response's or response item's result is any string in the official library")
        }
        Err(_) if ours_message.contains("Value is not an Object and no instance of Object.") => {
            Some("metadata and propertyHints take any value in the official library")
        }
        Err(_) if ours_message.contains("The date is invalid.") => {
            Some("a number is a date (milliseconds) in the official library")
        }
        Err(_) if ours_message.contains("Parameter must be an object - is 'null')") => {
            Some("a null address in a list is kept by the official library")
        }
        Err(_) => None,
    }
}

fn without_nulls(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

#[test]
fn we_agree_with_the_official_library_on_every_mutant() {
    let samples = mutants();
    let verdicts = official::judge(&samples);
    let mut disagreements = Vec::new();
    let mut known: std::collections::BTreeMap<&str, usize> = Default::default();
    for (sample, verdict) in samples.iter().zip(&verdicts) {
        let ours = parse_content(sample).map(|c| serde_json::to_value(c).unwrap_or_default());
        let agree = match (&ours, verdict) {
            (Ok(ours), official) if official.ok => Some(ours) == official.json.as_ref(),
            (Err(ours), official) => official
                .error
                .as_ref()
                .is_some_and(|e| e.message == ours.message && e.code() == ours.code()),
            _ => false,
        };
        if agree {
            continue;
        }
        if let Some(why) = known_difference(verdict, &ours) {
            *known.entry(why).or_default() += 1;
            continue;
        }
        disagreements.push(format!(
            "{sample}\n   official: {}\n   ours:     {}",
            match &verdict.error {
                None => format!("ok {}", verdict.json.clone().unwrap_or_default()),
                Some(e) => format!("{} {}", e.code(), e.message),
            },
            match &ours {
                Ok(c) => format!("ok {c}"),
                Err(e) => format!("{} {}", e.code(), e.message),
            }
        ));
    }
    eprintln!(
        "mutants: {} samples, {} known differences {known:?}, {} disagreements",
        samples.len(),
        known.values().sum::<usize>(),
        disagreements.len()
    );
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}
