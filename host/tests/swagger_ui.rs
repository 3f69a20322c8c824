//! The Swagger UI page, rendered by a real headless Chromium: the page loads the generated
//! OpenAPI document and shows the operations.

mod common;

use common::Running;
use serde_json::json;
use std::process::Command;

const CHROMIUM: &str = "/usr/bin/chromium";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swagger_page_renders_the_operations() {
    assert!(
        std::path::Path::new(CHROMIUM).exists(),
        "headless Chromium is needed for this test: apt-get install -y chromium (the test script installs it)"
    );
    let c = Running::start_with(|cfg| {
        cfg["debug"] = json!(true);
        cfg["modules"] = json!({"coreHttpApi": {"docs": {"enabled": true}}});
    })
    .await;
    let redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = redirect.get(c.url("/docs")).send().await.unwrap();
    assert_eq!(resp.status(), 301);
    assert_eq!(resp.headers()["location"], "/docs/swagger");

    let url = c.url("/docs/swagger");
    let profile = tempfile::tempdir().unwrap();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(CHROMIUM)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--virtual-time-budget=15000",
                "--dump-dom",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(url)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    for operation in [
        "/health",
        "/Monitoring/Version",
        "/Monitoring/Requests",
        "/Monitoring/Support",
    ] {
        assert!(
            dom.contains(&format!("data-path=\"{operation}\"")),
            "operation {operation} not rendered; DOM:\n{}",
            &dom[..dom.len().min(3000)]
        );
    }
    assert!(dom.contains("Enmeshed Connector API"), "title rendered");
}
