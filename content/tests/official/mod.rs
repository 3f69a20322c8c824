//! The official `@nmshd/content` 7.0.0, run by Node through `interop/content/check.mjs`.
//! Missing Node or `npm ci` fails the test: the comparison is the point, never skip it.

use serde::Deserialize;
use serde_json::{Value, json};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn interop() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../interop");
    assert!(
        dir.join("node_modules/@nmshd/content/package.json")
            .exists(),
        "interop/node_modules/@nmshd/content is missing: run `npm ci --prefix interop` (scripts/test.sh does)"
    );
    dir
}

fn run(args: &[&str], input: Option<&Value>) -> Value {
    let dir = interop();
    let mut child = Command::new("node")
        .arg(dir.join("content/check.mjs"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node must be installed to compare with the official library");
    let stdin = child.stdin.take().expect("stdin is piped");
    let text = input.map(|v| v.to_string()).unwrap_or_default();
    // Written from a thread: a large answer could otherwise block both sides.
    let writer = std::thread::spawn(move || {
        let mut stdin = stdin;
        stdin.write_all(text.as_bytes())
    });
    let out = child.wait_with_output().expect("node ran");
    writer
        .join()
        .expect("writer thread")
        .expect("samples written to node");
    assert!(
        out.status.success(),
        "the content checker did not run: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "checker output is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// What the official library made of one sample.
#[derive(Debug, Deserialize)]
pub struct Verdict {
    pub ok: bool,
    pub json: Option<Value>,
    pub error: Option<OfficialError>,
}

#[derive(Debug, Deserialize)]
pub struct OfficialError {
    pub name: String,
    pub message: String,
}

impl OfficialError {
    /// The runtime error code the official runtime gives this throw.
    pub fn code(&self) -> &'static str {
        match self.name.as_str() {
            "ParsingError" | "ValidationError" | "ValidationErrorWithoutProperty" => {
                "error.runtime.requestDeserialization"
            }
            "ServalError" if self.message.contains("not found within reflection classes") => {
                "error.runtime.unknownType"
            }
            "ServalError" => "error.runtime.servalError",
            _ => "error.runtime.unknown",
        }
    }
}

/// `Serializable.fromUnknown(sample)` then `toJSON()`, for every sample at once.
pub fn judge(samples: &[Value]) -> Vec<Verdict> {
    let input = Value::Array(samples.iter().map(|s| json!({ "value": s })).collect());
    let verdicts: Vec<Verdict> = serde_json::from_value(run(&[], Some(&input))).expect("verdicts");
    assert_eq!(verdicts.len(), samples.len(), "one verdict per sample");
    verdicts
}

/// Contents the official library builds itself, with their `toJSON()`.
pub fn examples() -> Vec<(String, Value)> {
    let all = run(&["--examples"], None);
    all.as_array()
        .expect("an array of examples")
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap_or_default().to_owned(),
                e["json"].clone(),
            )
        })
        .collect()
}
