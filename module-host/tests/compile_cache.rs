//! The compile cache holds native code the process runs, so a cache file is used only when it
//! is exactly what this engine wrote: a valid compiled component planted under another
//! module's cache name (as anyone who can write the cache folder could) is not loaded; the
//! module is compiled anew from its `.wasm` and the file restored.

mod common;

use common::{TestApi, sqlite_store, wasm};
use module_host::{HostOptions, HostServices, ModuleRunner, ModulesConfig};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;
use store::Store;

async fn describe(name: &str, store: &Arc<dyn Store>, cache: &Path) -> String {
    let config: ModulesConfig =
        serde_json::from_value(json!({ name: {"enabled": true, "location": wasm(name)} })).unwrap();
    let spec = config.wasm_modules().unwrap().remove(0);
    let mut options = HostOptions::new(common::wasm_dir());
    options.reload_interval = None;
    options.cache_dir = Some(cache.to_path_buf());
    let services = HostServices {
        store: store.clone(),
        api: TestApi::new(),
    };
    let runner = ModuleRunner::load(spec, &options, services).await.unwrap();
    runner.describe().0
}

/// The cache file of the component at `wasm`: named by the SHA-256 of its bytes.
fn cache_file(cache: &Path, wasm: &Path) -> std::path::PathBuf {
    let digest: String = Sha256::digest(std::fs::read(wasm).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    std::fs::read_dir(cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with(&digest)
        })
        .expect("a cache file for the component")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_planted_cache_file_is_not_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite_store(dir.path()).await;
    let cache = dir.path().join("cache");

    assert_eq!(describe("template", &store, &cache).await, "template");
    assert_eq!(describe("hostile", &store, &cache).await, "hostile");
    let template_file = cache_file(&cache, &wasm("template"));
    let hostile_file = cache_file(&cache, &wasm("hostile"));
    let original = std::fs::read(&template_file).unwrap();
    assert_ne!(original, std::fs::read(&hostile_file).unwrap());

    // Unchanged, the cache is used as it is.
    assert_eq!(describe("template", &store, &cache).await, "template");
    assert_eq!(std::fs::read(&template_file).unwrap(), original);

    // The hostile module's compiled code under the template's name.
    let planted = std::fs::read(&hostile_file).unwrap();
    std::fs::write(&template_file, &planted).unwrap();
    assert_eq!(
        describe("template", &store, &cache).await,
        "template",
        "the planted code must not run"
    );
    assert_ne!(
        std::fs::read(&template_file).unwrap(),
        planted,
        "compiled anew and written back"
    );
}
