//! `connector module new NAME`: a module crate of its own, with the settings the built-in
//! modules use (component target, small stack, size-optimised release) so that it builds the
//! same outside this repository.

use anyhow::{Context, bail};
use std::path::{Path, PathBuf};

/// The built-in template's code; the new crate's type takes the module's name.
const TEMPLATE_LIB: &str = include_str!("../../../modules/template/src/lib.rs");
/// The component target and stack size every module is built with.
const CARGO_CONFIG: &str = include_str!("../../../modules/.cargo/config.toml");

/// Where the new crate gets `module-sdk` from.
#[derive(Debug, Clone)]
pub enum SdkSource {
    Path(PathBuf),
    Git { url: String, tag: Option<String> },
}

impl SdkSource {
    /// The SDK beside the sources this binary was built from, when they are still there.
    pub fn from_build_tree() -> Option<Self> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../module-sdk");
        path.join("Cargo.toml")
            .is_file()
            .then(|| path.canonicalize().ok())
            .flatten()
            .map(SdkSource::Path)
    }

    fn dependency(&self) -> String {
        match self {
            SdkSource::Path(path) => format!("{{ path = {:?} }}", path.display().to_string()),
            SdkSource::Git {
                url,
                tag: Some(tag),
            } => format!("{{ git = {url:?}, tag = {tag:?} }}"),
            SdkSource::Git { url, tag: None } => format!("{{ git = {url:?} }}"),
        }
    }
}

/// A crate name cargo accepts and a component can be named by: a letter, then letters,
/// digits, `-` or `_`.
fn check_name(name: &str) -> anyhow::Result<()> {
    let mut chars = name.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        bail!("'{name}' is not a valid module name: a letter, then letters, digits, '-' or '_'");
    }
    Ok(())
}

/// `my-module` → `MyModule`.
fn type_name(name: &str) -> String {
    name.split(['-', '_'])
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or(String::new(), |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

/// Writes the crate into `dir` (which must not exist yet); returns the files written.
pub fn create(name: &str, dir: &Path, sdk: &SdkSource) -> anyhow::Result<Vec<PathBuf>> {
    check_name(name)?;
    if dir.exists() {
        bail!("{} already exists", dir.display());
    }
    let ty = type_name(name);
    let lib = TEMPLATE_LIB
        .replace("struct Template;", &format!("struct {ty};"))
        .replace("impl Module for Template", &format!("impl Module for {ty}"))
        .replace("export_module!(Template)", &format!("export_module!({ty})"));
    let cargo_toml = format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2024"

[lib]
crate-type = ["cdylib"]

[dependencies]
module-sdk = {sdk}

# A module is instantiated afresh for every call: small components start fastest.
[profile.release]
opt-level = "s"
lto = true
strip = true

# A crate of its own, even inside another workspace's folder.
[workspace]
"#,
        sdk = sdk.dependency()
    );
    let cargo_config = format!(
        "{CARGO_CONFIG}\n# `cargo build` alone builds the component.\n[build]\ntarget = \"wasm32-wasip2\"\n"
    );
    let event = serde_json::json!({
        "namespace": "transport.messageReceived",
        "data": {
            "id": "MSGaaaaaaaaaaaaaaaaa",
            "isOwn": false,
            "createdBy": "did:e:localhost:dids:0123456789abcdef012345",
            "createdByDevice": "DVCaaaaaaaaaaaaaaaaa",
            "createdAt": "2026-01-01T00:00:00.000Z",
            "recipients": [],
            "attachments": [],
            "content": {"@type": "Mail", "to": [], "subject": "Hello", "body": "Hello from a peer"}
        }
    });
    let readme = format!(
        "# {name}\n\nA Connector module.\n\n```sh\nconnector module build\nconnector module run target/wasm32-wasip2/release/{file}.wasm --event event.json\n```\n\nEnable it in the Connector's config:\n\n```json\n\"modules\": {{\n  \"{name}\": {{ \"enabled\": true, \"location\": \"/path/to/{file}.wasm\" }}\n}}\n```\n",
        file = name.replace('-', "_")
    );
    let files = [
        ("Cargo.toml", cargo_toml),
        (".cargo/config.toml", cargo_config),
        ("src/lib.rs", lib),
        ("event.json", serde_json::to_string_pretty(&event)? + "\n"),
        ("README.md", readme),
        (".gitignore", "/target\n".to_owned()),
    ];
    let mut written = Vec::new();
    for (file, text) in files {
        let path = dir.join(file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_types() {
        assert_eq!(type_name("my-first_module"), "MyFirstModule");
        assert!(check_name("crm-sync").is_ok());
        assert!(check_name("1x").is_err());
        assert!(check_name("a/b").is_err());
        assert!(TEMPLATE_LIB.contains("struct Template;"));
        assert!(TEMPLATE_LIB.contains("export_module!(Template)"));
    }
}
