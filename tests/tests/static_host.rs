//! The showcase app on a plain static host (nginx, as GitHub Pages or a bucket would serve
//! it), with the Content-Security-Policy `latchkey csp-meta` writes into its `index.html`
//! (issue 19, finding 5): the page runs under that policy with no violation, and the policy
//! is in force — the same page with its loader's hash altered does not start.

use std::process::Command;

use latchkey_e2e::flows::sign_in_label;
use latchkey_e2e::paths::{copy_dir, dist_dir, latchkey_bin, ScratchDir};
use latchkey_e2e::process::free_port;
use latchkey_e2e::static_host::{Root, StaticHost};
use latchkey_e2e::Browser;

const NAME: &str = "Example Identity";

/// The built app with a `latchkey.json` (one provider; nothing is asked of it before the
/// button shows) and the policy written by `latchkey csp-meta`. Returns the policy.
fn app_with_meta(dir: &std::path::Path) -> String {
    copy_dir(&dist_dir(), dir);
    let json = serde_json::json!({ "providers": [{
        "id": "idp", "name": NAME, "protocol": "oidc",
        "issuer": "https://idp.example", "client_id": "site",
    }]});
    std::fs::write(dir.join("latchkey.json"), json.to_string()).expect("write latchkey.json");
    let out = Command::new(latchkey_bin())
        .arg("csp-meta")
        .arg(dir)
        .output()
        .expect("run latchkey csp-meta");
    assert!(
        out.status.success(),
        "csp-meta failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn csp_reports(entries: &[latchkey_e2e::ConsoleEntry]) -> Vec<String> {
    entries
        .iter()
        .filter(|e| e.message.contains("Content Security Policy"))
        .map(|e| e.message.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_runs_under_its_meta_policy_on_a_static_host_and_the_policy_holds() {
    let good = ScratchDir::new("meta-good");
    let policy = app_with_meta(good.path());
    assert!(
        policy.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-"),
        "{policy}"
    );
    assert!(!policy.contains("unsafe-inline") && !policy.contains("'unsafe-eval'"));
    let page = std::fs::read_to_string(good.path().join("index.html")).expect("index.html");
    assert!(
        page.contains("http-equiv=\"Content-Security-Policy\""),
        "{page}"
    );

    // The control: the same page with one character of the loader's hash changed.
    let bad = ScratchDir::new("meta-bad");
    copy_dir(good.path(), bad.path());
    let hash_at = page.find("'sha256-").expect("a hash") + "'sha256-".len();
    let mut altered = page.clone().into_bytes();
    altered[hash_at] = if altered[hash_at] == b'A' { b'B' } else { b'A' };
    std::fs::write(bad.path().join("index.html"), altered).expect("write the altered page");

    let (good_port, bad_port) = (free_port(), free_port());
    let _host = StaticHost::start(&[
        Root {
            port: good_port,
            dir: good.path().to_path_buf(),
        },
        Root {
            port: bad_port,
            dir: bad.path().to_path_buf(),
        },
    ])
    .await;
    let b = Browser::start().await;

    b.goto(&format!("http://127.0.0.1:{good_port}/")).await;
    b.wait_until("the sign-in button under the policy", || async {
        b.has_button(&sign_in_label(NAME)).await
    })
    .await;
    let reports = csp_reports(&b.console().await);
    assert!(reports.is_empty(), "violations: {reports:?}");

    b.goto(&format!("http://127.0.0.1:{bad_port}/")).await;
    b.wait_until("the policy to refuse the altered loader", || async {
        !csp_reports(&b.console().await).is_empty()
    })
    .await;
    // The page's copy of its home page (src/early.js, allowed as a file of the site's own)
    // says that sign-in could not load, and offers no button.
    b.wait_for_text("Sign-in could not load").await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let started = b
        .js("return window.wasmBindings !== undefined;", vec![])
        .await;
    assert_eq!(
        started, false,
        "the app started although its loader's hash is wrong"
    );
    assert!(!b.has_button(&sign_in_label(NAME)).await);
    let words = b.text().await;
    assert!(
        words.contains("Content-Security-Policy blocks the sign-in program (its inline loader)"),
        "{words}"
    );
    b.screenshot("meta-policy-refused").await;
}
