//! Our API document against the official Connector 7.0.0's: a real Connector serves
//! `/docs/json`, and every official operation, parameter, request-body field and success-response
//! field (facts in `openapi/official-7.0.0.json`) must be there with a compatible type, unless
//! `openapi/differences.toml` lists the difference with its reason. A listed difference that no
//! longer exists fails too, so the list stays true. `OPENAPI_CONTRACT_BLESS=1` rewrites the list
//! with every current difference, keeping known reasons and marking new ones `TODO`;
//! `OPENAPI_CONTRACT_DUMP=<file>` writes our document there, to read what the test compared.

mod common;
#[path = "openapi/facts.rs"]
mod facts;

use facts::{Operation, compatible, shape_key};
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const BLESS: &str = "OPENAPI_CONTRACT_BLESS";
const TODO: &str = "TODO";

fn here(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/openapi")
        .join(file)
}

/// One way our document differs, named so that it reads on its own.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Difference {
    operation: String,
    what: String,
}

#[derive(Debug, Deserialize)]
struct Listed {
    operation: String,
    what: String,
    reason: String,
}

#[derive(Debug, Default, Deserialize)]
struct DifferencesFile {
    #[serde(default)]
    difference: Vec<Listed>,
}

#[derive(Default)]
struct Counts {
    operations: usize,
    parameters: usize,
    fields: usize,
}

/// Collects differences; a field below one already reported (missing or untyped) is not
/// reported again, so one missing object is one line, not one per field.
struct Report {
    operation: String,
    found: Vec<Difference>,
    covered: Vec<String>,
}

impl Report {
    fn add(&mut self, what: String) {
        self.found.push(Difference {
            operation: self.operation.clone(),
            what,
        });
    }

    fn is_covered(&self, path: &str) -> bool {
        self.covered.iter().any(|p| {
            path.strip_prefix(p.as_str())
                .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
        })
    }

    /// Compares flattened fields; `part` is `request body` or `response`.
    #[allow(clippy::too_many_arguments)]
    fn fields(
        &mut self,
        part: &str,
        official: &BTreeMap<String, String>,
        official_required: &BTreeSet<String>,
        ours: &BTreeMap<String, String>,
        ours_required: &BTreeSet<String>,
        both_ways_required: bool,
        counts: &mut Counts,
    ) {
        self.covered.clear();
        for (path, ty) in official {
            counts.fields += 1;
            if self.is_covered(path) {
                continue;
            }
            let Some(our_ty) = ours.get(path) else {
                self.add(format!("{part} field `{path}` missing"));
                self.covered.push(path.clone());
                continue;
            };
            let has_children = official
                .keys()
                .any(|p| p.len() > path.len() && self.is_child(path, p));
            if our_ty == "any" && has_children {
                self.add(format!(
                    "{part} field `{path}` untyped here (official: {ty})"
                ));
                self.covered.push(path.clone());
                continue;
            }
            if !compatible(ty, our_ty) {
                self.add(format!(
                    "{part} field `{path}`: official {ty}, here {our_ty}"
                ));
            }
            let official_req = official_required.contains(path);
            let our_req = ours_required.contains(path);
            if official_req && !our_req {
                self.add(format!(
                    "{part} field `{path}` required officially, optional here"
                ));
            } else if both_ways_required && our_req && !official_req {
                self.add(format!(
                    "{part} field `{path}` optional officially, required here"
                ));
            }
        }
    }

    fn is_child(&self, parent: &str, path: &str) -> bool {
        path.strip_prefix(parent)
            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
    }
}

fn compare(
    official: &BTreeMap<String, Operation>,
    ours: &BTreeMap<String, Operation>,
) -> (Vec<Difference>, Counts) {
    let ours_by_shape: BTreeMap<String, &Operation> =
        ours.iter().map(|(k, op)| (shape_key(k), op)).collect();
    let mut counts = Counts::default();
    let mut report = Report {
        operation: String::new(),
        found: Vec::new(),
        covered: Vec::new(),
    };
    for (key, off) in official {
        counts.operations += 1;
        counts.parameters += off.path.len() + off.query.len();
        report.operation = key.clone();
        let Some(op) = ours_by_shape.get(&shape_key(key)) else {
            report.add("operation missing".into());
            continue;
        };
        for (i, p) in off.path.iter().enumerate() {
            match op.path.get(i) {
                None => report.add(format!("path parameter `{}` not described", p.name)),
                Some(o) => {
                    if o.name != p.name {
                        report.add(format!(
                            "path parameter `{}` named `{}` here",
                            p.name, o.name
                        ));
                    }
                    if !compatible(&p.ty, &o.ty) {
                        report.add(format!(
                            "path parameter `{}`: official {}, here {}",
                            p.name, p.ty, o.ty
                        ));
                    }
                }
            }
        }
        for (name, ty) in &off.query {
            match op.query.get(name) {
                None => report.add(format!("query parameter `{name}` missing")),
                Some(o) if !compatible(ty, o) => {
                    report.add(format!("query parameter `{name}`: official {ty}, here {o}"))
                }
                Some(_) => {}
            }
        }
        if let Some(body) = &off.body {
            match &op.body {
                None => {
                    counts.fields += body.fields.len();
                    report.add("request body not described".into());
                }
                Some(b) if b.media_type != body.media_type => {
                    counts.fields += body.fields.len();
                    report.add(format!(
                        "request body: official {}, here {}",
                        body.media_type, b.media_type
                    ));
                }
                Some(b) => report.fields(
                    "request body",
                    &body.fields,
                    &body.required,
                    &b.fields,
                    &b.required,
                    true,
                    &mut counts,
                ),
            }
        }
        if off.status.is_some() && off.status != op.status {
            report.add(format!(
                "success status: official {}, here {}",
                fmt_status(off.status),
                fmt_status(op.status)
            ));
        }
        let Some(resp) = &off.response else { continue };
        let our_resp = op.response.as_ref();
        for media in &resp.media_types {
            if !our_resp.is_some_and(|r| r.media_types.contains(media)) {
                report.add(format!("response media type {media} not described"));
            }
        }
        if let Some(fields) = &resp.fields {
            match our_resp.and_then(|r| r.fields.as_ref()) {
                None => {
                    counts.fields += fields.len();
                    report.add("response schema not described".into());
                }
                Some(our_fields) => report.fields(
                    "response",
                    fields,
                    &resp.required,
                    our_fields,
                    &our_resp.map(|r| r.required.clone()).unwrap_or_default(),
                    false,
                    &mut counts,
                ),
            }
        }
    }
    report.found.sort();
    report.found.dedup();
    (report.found, counts)
}

fn fmt_status(status: Option<u16>) -> String {
    status.map_or_else(|| "none".into(), |s| s.to_string())
}

const HEADER: &str = "\
# Where our API document (/docs/json) differs from the official Connector 7.0.0's
# (facts in official-7.0.0.json), one entry per difference with its reason.
# host/tests/openapi_contract.rs fails on a difference not listed here, on a listed one that no
# longer exists, and while any reason is \"TODO\". To rewrite this file from the current document
# (known reasons kept, new entries marked TODO):
#   OPENAPI_CONTRACT_BLESS=1 cargo test -p connector --test openapi_contract
";

fn quoted(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

fn write_differences(path: &Path, found: &[Difference], reasons: &BTreeMap<Difference, String>) {
    let mut out = String::from(HEADER);
    for d in found {
        let reason = reasons.get(d).map_or(TODO, String::as_str);
        out.push_str(&format!(
            "\n[[difference]]\noperation = {}\nwhat = {}\nreason = {}\n",
            quoted(&d.operation),
            quoted(&d.what),
            quoted(reason)
        ));
    }
    std::fs::write(path, out).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_document_covers_the_official_7_0_0_document() {
    let official: facts::Facts =
        serde_json::from_str(&std::fs::read_to_string(here("official-7.0.0.json")).unwrap())
            .unwrap();
    let c = common::Running::start_with(common::with_docs).await;
    let resp = c.get("/docs/json", None).await;
    assert_eq!(resp.status(), 200);
    let doc: Value = resp.json().await.unwrap();
    if let Ok(path) = std::env::var("OPENAPI_CONTRACT_DUMP") {
        std::fs::write(path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    }
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "an OpenAPI 3.1 document: {}",
        doc["openapi"]
    );
    let ours = facts::of_document(&doc);
    assert!(!ours.is_empty(), "our document lists no operation");

    let (found, counts) = compare(&official.operations, &ours);
    println!(
        "compared with the official 7.0.0 document: {} operations, {} parameters, {} schema fields; {} differences",
        counts.operations,
        counts.parameters,
        counts.fields,
        found.len()
    );

    let file = here("differences.toml");
    let listed: DifferencesFile = match std::fs::read_to_string(&file) {
        Ok(text) => toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display())),
        Err(_) => DifferencesFile::default(),
    };
    let reasons: BTreeMap<Difference, String> = listed
        .difference
        .iter()
        .map(|l| {
            (
                Difference {
                    operation: l.operation.clone(),
                    what: l.what.clone(),
                },
                l.reason.clone(),
            )
        })
        .collect();

    if std::env::var_os(BLESS).is_some_and(|v| v == "1") {
        write_differences(&file, &found, &reasons);
        let new = found.iter().filter(|d| !reasons.contains_key(d)).count();
        println!(
            "{BLESS}: wrote {} differences to {} ({new} new, marked {TODO})",
            found.len(),
            file.display()
        );
        return;
    }

    let found_set: BTreeSet<&Difference> = found.iter().collect();
    let unlisted: Vec<String> = found
        .iter()
        .filter(|d| !reasons.contains_key(d))
        .map(|d| format!("  {}: {}", d.operation, d.what))
        .collect();
    let stale: Vec<String> = reasons
        .keys()
        .filter(|d| !found_set.contains(d))
        .map(|d| format!("  {}: {}", d.operation, d.what))
        .collect();
    let todo: Vec<String> = listed
        .difference
        .iter()
        .filter(|l| l.reason.trim() == TODO || l.reason.trim().is_empty())
        .map(|l| format!("  {}: {}", l.operation, l.what))
        .collect();
    let mut problems = Vec::new();
    if !unlisted.is_empty() {
        problems.push(format!(
            "{} differences from the official document are not listed in {}:\n{}",
            unlisted.len(),
            file.display(),
            unlisted.join("\n")
        ));
    }
    if !stale.is_empty() {
        problems.push(format!(
            "{} listed differences no longer exist (remove them from {}):\n{}",
            stale.len(),
            file.display(),
            stale.join("\n")
        ));
    }
    if !todo.is_empty() {
        problems.push(format!(
            "{} listed differences have no reason yet ({TODO}):\n{}",
            todo.len(),
            todo.join("\n")
        ));
    }
    assert!(
        problems.is_empty(),
        "{}\n\n{BLESS}=1 rewrites the list (known reasons kept, new ones {TODO}).",
        problems.join("\n\n")
    );
}

/// The comparison itself, on small documents: it must see a missing operation, a missing and
/// a mistyped field, and accept what is compatible.
#[test]
fn comparison_sees_missing_and_mistyped_parts() {
    let official = serde_json::json!({"paths": {
        "/a/{id}": {"get": {
            "parameters": [{"in": "path", "name": "id", "schema": {"type": "string"}},
                           {"in": "query", "name": "q", "schema": {"type": "string"}}],
            "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/R"}}}}}}},
        "/b": {"post": {"responses": {"204": {}}}}},
        "components": {"schemas": {"R": {"type": "object", "required": ["result"], "properties": {
            "result": {"type": "object", "required": ["n"], "properties": {
                "n": {"type": "number"}, "s": {"type": "string"},
                "o": {"type": "object", "properties": {"x": {"type": "string"}}}}}}}}}
    });
    let ours = serde_json::json!({"paths": {
        "/a/{x}": {"get": {
            "parameters": [{"in": "path", "name": "x", "schema": {"type": "string"}}],
            "responses": {"200": {"content": {"application/json": {"schema": {"type": "object", "required": ["result"], "properties": {
                "result": {"type": "object", "properties": {
                    "n": {"type": "integer"}, "s": {"type": ["boolean", "null"]}}}}}}}}}}}}
    });
    let (found, counts) = compare(&facts::of_document(&official), &facts::of_document(&ours));
    let whats: Vec<(&str, &str)> = found
        .iter()
        .map(|d| (d.operation.as_str(), d.what.as_str()))
        .collect();
    assert_eq!(
        whats,
        vec![
            ("GET /a/{id}", "path parameter `id` named `x` here"),
            ("GET /a/{id}", "query parameter `q` missing"),
            (
                "GET /a/{id}",
                "response field `result.n` required officially, optional here"
            ),
            ("GET /a/{id}", "response field `result.o` missing"),
            (
                "GET /a/{id}",
                "response field `result.s`: official string, here boolean"
            ),
            ("POST /b", "operation missing"),
        ]
    );
    assert_eq!(counts.operations, 2);
    assert_eq!(counts.parameters, 2);
    assert_eq!(counts.fields, 5);
}
