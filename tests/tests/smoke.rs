//! The companion serves the built app and headless Chromium renders it without a console error.

use latchkey_e2e::flows::sign_in_label;
use latchkey_e2e::{Stack, StackOptions, DOT_NAME};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn home_page_renders_header_providers_and_footer_without_console_warnings() {
    let stack = Stack::start(StackOptions::dot()).await;
    let b = &stack.browser;
    b.goto(&format!("{}/", stack.origin())).await;

    b.find("header").await;
    b.find("footer").await;
    // The provider area: one real button per configured provider, labelled exactly.
    b.wait_until("the DOT sign-in button", || async {
        b.has_button(&sign_in_label(DOT_NAME)).await
    })
    .await;
    let text = b.text().await;
    assert!(
        text.contains("Latchkey"),
        "the header names the app:\n{text}"
    );

    // Not even a warning: none of the page's preloads goes unused or unmatched, and the app
    // names its icon (so Chromium does not probe /favicon.ico).
    b.assert_console_quiet("/").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callback_path_is_served_by_the_spa_fallback() {
    let stack = Stack::start(StackOptions::app_only()).await;
    // The server answers the app's own index.html for a client-side route.
    let resp = reqwest::get(format!("{}/callback", stack.origin()))
        .await
        .expect("GET /callback");
    assert_eq!(resp.status(), 200, "/callback status");
    let body = resp.text().await.expect("body");
    let index = std::fs::read_to_string(latchkey_e2e::paths::dist_dir().join("index.html"))
        .expect("read dist/index.html");
    assert_eq!(body, index, "/callback serves dist/index.html");

    // And the app boots there and says there is nothing to finish (a callback without
    // parameters is not a crash).
    let b = &stack.browser;
    b.goto(&format!("{}/callback", stack.origin())).await;
    b.find("header").await;
    b.find("footer").await;
    b.wait_for_text("Finishing sign-in").await;
    b.wait_for_text("There is no sign-in to finish here.").await;
    let link = b
        .js(
            "const a = Array.from(document.querySelectorAll('a'))\
               .find(a => a.textContent.trim() === 'Go to sign-in');\
             return a ? a.getAttribute('href') : null;",
            vec![],
        )
        .await;
    assert_eq!(
        link,
        serde_json::json!("/"),
        "a link back to the sign-in page"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_static_file_is_a_404_not_the_app() {
    let stack = Stack::start(StackOptions::app_only()).await;
    let resp = reqwest::get(format!("{}/no-such-file.js", stack.origin()))
        .await
        .expect("GET a missing asset");
    assert_eq!(
        resp.status(),
        404,
        "a missing asset is not answered with index.html"
    );
}
