//! A module author's path with the `connector` binary alone: `module new` writes a crate in a
//! folder outside this workspace, `module build` turns it into a component, and `module run`
//! sends an event through it in the real module host and reports what it did. A module whose
//! declared grant its config lacks is refused, by `module run` and by the Connector, with the
//! grant named.

mod common;

use common::Backbone;
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_connector");

fn connector(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        // Share compiled dependencies with the other module builds of the suite.
        .env(
            "CARGO_TARGET_DIR",
            common::wasm_dir().parent().unwrap().parent().unwrap(),
        )
        .output()
        .unwrap()
}

fn report(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "a JSON report ({e}):\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

#[test]
fn new_build_and_run_a_module_outside_the_workspace() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        !dir.path()
            .starts_with(Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()),
        "the new crate must live outside this workspace"
    );
    let created = connector(dir.path(), &["module", "new", "greeter"]);
    assert!(created.status.success(), "{created:?}");
    let crate_dir = dir.path().join("greeter");
    for file in [
        "Cargo.toml",
        ".cargo/config.toml",
        "src/lib.rs",
        "event.json",
    ] {
        assert!(crate_dir.join(file).is_file(), "{file} written");
    }
    let manifest = std::fs::read_to_string(crate_dir.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("[workspace]") && manifest.contains("opt-level = \"s\""));
    assert!(
        std::fs::read_to_string(crate_dir.join(".cargo/config.toml"))
            .unwrap()
            .contains("stack-size=262144"),
        "the small stack of the built-in modules"
    );
    // A second `new` into the same folder refuses instead of overwriting.
    let again = connector(dir.path(), &["module", "new", "greeter"]);
    assert!(!again.status.success());

    let built = connector(&crate_dir, &["module", "build"]);
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let component = String::from_utf8(built.stdout).unwrap().trim().to_owned();
    assert!(component.ends_with("greeter.wasm"), "{component}");

    let ran = connector(
        &crate_dir,
        &["module", "run", &component, "--event", "event.json"],
    );
    let out = report(&ran);
    assert!(ran.status.success(), "{out}");
    assert_eq!(out["module"]["name"], "greeter");
    assert_eq!(out["call"], "transport.messageReceived");
    assert_eq!(out["outcome"], "ok");
    assert_eq!(
        out["actions"],
        json!([{"kind": "log", "level": "info", "message": "message #1 received (event 1)"}])
    );

    // An event the module does not subscribe to is not delivered.
    std::fs::write(
        crate_dir.join("other.json"),
        json!({"namespace": "transport.messageSent", "data": {}}).to_string(),
    )
    .unwrap();
    let ran = connector(
        &crate_dir,
        &["module", "run", &component, "--event", "other.json"],
    );
    let out = report(&ran);
    assert!(
        out["outcome"]
            .as_str()
            .unwrap()
            .starts_with("not subscribed"),
        "{out}"
    );
    assert_eq!(out["actions"], json!([]));
}

#[test]
fn run_records_api_calls_and_refuses_a_missing_declared_grant() {
    let dir = tempfile::tempdir().unwrap();
    let component = common::wasm_dir().join("request_acceptor.wasm");
    let component = component.to_str().unwrap();
    std::fs::write(
        dir.path().join("event.json"),
        json!({"namespace": "consumption.incomingRequestReceived", "data": {
            "id": "REQaaaaaaaaaaaaaaaaa", "peer": "did:e:localhost:dids:0123456789abcdef012345",
            "content": {"@type": "Request", "items": [{"@type": "ConsentRequestItem", "mustBeAccepted": true, "consent": "ok?"}]}
        }})
        .to_string(),
    )
    .unwrap();

    // Without a config section the module gets what it declares: `api` with `core:requests`.
    let ran = connector(
        dir.path(),
        &["module", "run", component, "--event", "event.json"],
    );
    let out = report(&ran);
    assert_eq!(out["outcome"], "ok", "{out}");
    let first = &out["actions"][0];
    assert_eq!(first["kind"], "api");
    assert_eq!(first["method"], "PUT");
    assert_eq!(
        first["path"],
        "/api/core/v1/Requests/Incoming/REQaaaaaaaaaaaaaaaaa/CanAccept"
    );
    assert_eq!(
        first["body"],
        json!({"items": [{"accept": true}]}).to_string()
    );
    assert_eq!(first["outcome"], "200");

    // A config whose grants leave the declared scope out is refused, naming the grant.
    std::fs::write(
        dir.path().join("section.json"),
        json!({"grants": {"api": {"scopes": ["core:messages"]}}}).to_string(),
    )
    .unwrap();
    let refused = connector(
        dir.path(),
        &[
            "module",
            "run",
            component,
            "--event",
            "event.json",
            "--config",
            "section.json",
        ],
    );
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("needs grants.api.scopes: \"core:requests\""),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connector_refuses_a_module_without_its_declared_grant() {
    let backbone = Backbone::start().await;
    let data = tempfile::tempdir().unwrap();
    let mut cfg = common::config_json(&backbone.base_url(), data.path());
    cfg["modules"] = json!({"acceptor": {"enabled": true,
        "location": common::wasm_dir().join("request_acceptor.wasm")}});
    let err = connector::start(common::load(cfg))
        .await
        .err()
        .expect("the start must fail");
    assert!(
        err.to_string()
            .contains("module 'acceptor' needs grants.api.scopes: \"core:requests\", which its config does not grant"),
        "{err:#}"
    );
}
