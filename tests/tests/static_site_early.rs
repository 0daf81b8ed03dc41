//! The embed's example site before its wasm has arrived (issue 17 §3): the bootstrap's early
//! sign-in buttons, a click carried out once the wasm runs, no early button for a visitor who
//! may be signed in, and words when the wasm cannot load. Headless Chromium with its network
//! throttled, against the real DOT, Flask-OAuthlib provider and companion.

use latchkey_e2e::early::{self, EMBED_STARTED};
use latchkey_e2e::flows::{dot_login_to_consent, flask_to_consent, sign_in_label};
use latchkey_e2e::static_site::{embed_user_name, unexpected_console_errors, Site, SiteOptions};
use latchkey_e2e::{Browser, DEMO_USER, DOT_NAME, FLASK_NAME};

/// Whether the embed's wasm has run on the current page.
async fn wasm_ran(b: &Browser) -> bool {
    early::wasm_ran(b, EMBED_STARTED).await
}

/// Goes to `url` on a throttled browser and waits for the visible DOT button; it must be
/// there before the wasm runs.
async fn early_button(b: &Browser, url: &str) {
    let dot = "[data-latchkey-sign-in=\"dot\"]";
    early::shown_before_the_wasm(b, url, dot, EMBED_STARTED).await;
}

/// Goes to `url` on a throttled browser and checks that no `label` button shows once the
/// bootstrap has run and `latchkey.json` has arrived. Leaves the browser throttled.
async fn no_early_button(b: &Browser, url: &str, label: &str) {
    let bootstrap_ran = "customElements.get('latchkey-signin') !== undefined";
    early::not_shown_before_the_wasm(b, url, bootstrap_ran, label, EMBED_STARTED).await;
}

/// Issue 17 §3: `<latchkey-signin>` shows its buttons from `latchkey.json` while the wasm is
/// still on its way; the wasm keeps those very nodes (a focused button stays focused), a
/// click made before it runs is carried out, and a page that may be signed in shows no
/// sign-in button early.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sign_in_button_works_before_the_wasm_has_arrived() {
    let site = Site::start(SiteOptions::default()).await;
    let b = &Browser::start_not_waiting_for_loads().await;
    let label = sign_in_label(DOT_NAME);

    // Focused early, the button keeps the focus through the wasm's start, and Enter signs in.
    early_button(b, &site.page("")).await;
    b.js(
        "const el = document.querySelector('[data-latchkey-sign-in=\"dot\"]');
         el.earlyNode = true; el.focus(); return null;",
        vec![],
    )
    .await;
    b.throttle(None).await;
    b.wait_until("the wasm to start", || wasm_ran(b)).await;
    b.js_async(
        "window.latchkey.ready.then(() => arguments[arguments.length - 1](null));",
        vec![],
    )
    .await;
    let kept = b
        .js("return document.activeElement.earlyNode === true;", vec![])
        .await;
    assert_eq!(
        kept,
        serde_json::json!(true),
        "the focused button was replaced"
    );
    b.press_enter().await;
    b.wait_for_url(&site.dot.base_url()).await;

    // Clicked before the wasm runs: the click is kept, said, and carried out.
    early_button(b, &site.page("api.html")).await;
    b.click_button(&label).await;
    let status = b
        .js(
            "return document.querySelector('latchkey-signin .latchkey-status').textContent;",
            vec![],
        )
        .await;
    assert_eq!(status, serde_json::json!("Loading sign-in\u{2026}"));
    b.screenshot("early-click").await;
    assert!(!wasm_ran(b).await, "the click came after the wasm ran");
    b.throttle(None).await;
    dot_login_to_consent(b, &site.dot.base_url()).await;
    b.click_button("Authorize").await;
    b.wait_until("the person signed in on the API page", || async {
        embed_user_name(b).await.as_deref() == Some(DEMO_USER)
    })
    .await;
    assert!(b.url().await.starts_with(&site.page("api.html")));

    // Signed in (a stored session): no sign-in button before the wasm says who it is.
    no_early_button(b, &site.page(""), &label).await;
    b.throttle(None).await;
    b.wait_until("the person still signed in", || async {
        embed_user_name(b).await.as_deref() == Some(DEMO_USER)
    })
    .await;
    assert!(!b.has_button(&label).await);
    assert_eq!(unexpected_console_errors(b).await, Vec::<String>::new());
}

/// With an OAuth 1.0a provider in `latchkey.json`, the early buttons show to a visitor who
/// is surely signed out, stay away while a companion session may exist (its cookie is out of
/// the page's reach; the client keeps a mark), and come back after sign-out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oauth1_session_keeps_the_early_buttons_away_until_sign_out() {
    let site = Site::start(SiteOptions::default()).await;
    let b = &Browser::start_not_waiting_for_loads().await;
    let flask = site.flask.base_url();
    early_button(b, &site.page("")).await;
    b.throttle(None).await;
    b.wait_until("the wasm to start", || wasm_ran(b)).await;
    flask_to_consent(b, &flask).await;
    b.click_button("Authorize").await;
    b.wait_until("back on the site, signed in", || async {
        !b.url().await.starts_with(&flask) && embed_user_name(b).await.is_some()
    })
    .await;

    let label = sign_in_label(FLASK_NAME);
    no_early_button(b, &site.page("api.html"), &label).await;
    b.throttle(None).await;
    b.wait_until("the companion session back", || async {
        embed_user_name(b).await.is_some()
    })
    .await;

    b.click_button("Sign out").await;
    b.wait_until("signed out", || async {
        wasm_ran(b).await && embed_user_name(b).await.is_none() && b.has_button(&label).await
    })
    .await;
    early_button(b, &site.page("")).await;
    b.throttle(None).await;
    assert_eq!(unexpected_console_errors(b).await, Vec::<String>::new());
}

/// When the wasm cannot be loaded (a network fault), the early buttons give way to words in
/// the sign-in element: nothing is left that looks as if it would sign in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wasm_that_cannot_load_is_said_in_words_and_no_button_is_left() {
    let site = Site::start(SiteOptions::default()).await;
    let b = &site.browser;
    early::a_blocked_wasm_is_said(
        b,
        &site.page(""),
        "*latchkey_bg.wasm*",
        "latchkey-signin [role=alert]",
        &sign_in_label(DOT_NAME),
    )
    .await;
    b.screenshot("wasm-failed").await;
}
