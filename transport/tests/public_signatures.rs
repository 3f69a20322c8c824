//! Transport speaks typed requests and DTOs: no public function of a public module takes or
//! returns untyped JSON (`serde_json::Value`). Content that is free-form by definition travels
//! inside typed structs (a token's content, an event's data), never as a function's own type.

use std::path::Path;

/// Modules that are private to the crate: their `pub` items are not transport's API.
const PRIVATE_MODULES: &[&str] = &["util.rs", "token_content.rs", "request_records.rs"];

/// Every `pub fn` / `pub async fn` signature of a file, joined onto one line.
fn public_signatures(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut current: Option<String> = None;
    for line in source.lines() {
        let trimmed = line.trim_start();
        if current.is_none()
            && (trimmed.starts_with("pub fn ") || trimmed.starts_with("pub async fn "))
        {
            current = Some(String::new());
        }
        if let Some(signature) = current.as_mut() {
            signature.push_str(trimmed);
            signature.push(' ');
            if trimmed.ends_with('{') || trimmed.ends_with(';') {
                found.extend(current.take());
            }
        }
    }
    found
}

#[test]
fn no_public_function_takes_or_returns_untyped_json() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut scanned = 0;
    let mut untyped = Vec::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".rs") || PRIVATE_MODULES.contains(&name.as_str()) {
            continue;
        }
        for signature in public_signatures(&std::fs::read_to_string(&path).unwrap()) {
            scanned += 1;
            if signature.contains("Value") {
                untyped.push(format!("{name}: {signature}"));
            }
        }
    }
    assert!(scanned > 100, "only {scanned} public functions found");
    assert!(untyped.is_empty(), "{untyped:#?}");
}

#[test]
fn the_scan_sees_multi_line_signatures() {
    let source = "impl X {\n    pub async fn load(\n        &self,\n        body: Option<&Value>,\n    ) -> Result<()> {\n    }\n    fn private(v: Value) {}\n}\n";
    assert_eq!(
        public_signatures(source),
        ["pub async fn load( &self, body: Option<&Value>, ) -> Result<()> { "]
    );
}
