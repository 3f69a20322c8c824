//! Compiles the built-in modules (`modules/`) to WebAssembly components and puts them where
//! `src/modules/embedded.rs` includes them, so that the `connector` binary alone can run every
//! official module an operator enables: no folder of `.wasm` files to ship or configure.
//!
//! The components are built by a nested `cargo build --target wasm32-wasip2 --release` into
//! `$CARGO_TARGET_DIR/wasm` (the folder the tests build the test modules into, so both share
//! one build). `CONNECTOR_BUILTIN_MODULES=skip` leaves them out, for a quick build whose
//! operator points `moduleHost.builtinDirectory` at a folder instead.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The crates in `modules/` that are built-ins, by the file name cargo gives their component.
const BUILTINS: [&str; 5] = [
    "webhooks",
    "sync",
    "autoAcceptPendingRelationships",
    "autoDecomposeDeletionProposedRelationships",
    "messageBrokerPublisher",
];

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest_dir.parent().unwrap().to_path_buf();
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").unwrap());
    for input in ["modules", "module-sdk", "runtime-types", "wit"] {
        println!("cargo::rerun-if-changed={}", root.join(input).display());
    }
    println!("cargo::rerun-if-env-changed=CONNECTOR_BUILTIN_MODULES");
    println!("cargo::rerun-if-env-changed=CARGO_TARGET_DIR");

    let skip = std::env::var("CONNECTOR_BUILTIN_MODULES").is_ok_and(|v| v == "skip");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("wasm");
    let built = target.join("wasm32-wasip2/release");
    if !skip {
        build_modules(&root, &target);
    }
    for name in BUILTINS {
        let file = format!("{name}.wasm");
        let destination = out_dir.join(&file);
        if skip {
            // An empty file stands for "not in this build"; the Connector says so at load.
            std::fs::write(&destination, []).unwrap();
        } else {
            std::fs::copy(built.join(&file), &destination)
                .unwrap_or_else(|e| panic!("cannot copy {}: {e}", built.join(&file).display()));
        }
    }
    // The tests load the test modules (`modules/testing`, `modules/template`, …) from here.
    println!(
        "cargo::rustc-env=CONNECTOR_MODULES_WASM_DIR={}",
        built.display()
    );
}

fn build_modules(root: &Path, target: &Path) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args([
            "build",
            "--release",
            "--locked",
            "--target",
            "wasm32-wasip2",
        ])
        .arg("--manifest-path")
        .arg(root.join("modules/Cargo.toml"))
        .arg("--target-dir")
        .arg(target);
    for name in BUILTINS {
        command.args(["-p", name]);
    }
    // The outer build's flags are for the host target, not for WebAssembly.
    for variable in [
        "CARGO_TARGET_DIR",
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "CARGO_BUILD_TARGET",
        "CARGO_PRIMARY_PACKAGE",
    ] {
        command.env_remove(variable);
    }
    let status = command
        .status()
        .unwrap_or_else(|e| panic!("cannot run cargo to build modules/: {e}"));
    if !status.success() {
        panic!(
            "building the built-in modules (modules/) for wasm32-wasip2 failed. If the target is \
             missing, install it with `rustup target add wasm32-wasip2`; to build the Connector \
             without them, set CONNECTOR_BUILTIN_MODULES=skip"
        );
    }
}
