//! The showcase app before its wasm has arrived (issue 17 §3): index.html's copy of the
//! signed-out home page with its "Sign in with …" buttons (`src/early.js`), the handover to
//! the app (`src/early.rs`), a click carried out once the wasm runs, nothing early for a
//! visitor who may be signed in, and words when the wasm cannot load. Headless Chromium with
//! its network throttled, the app served by the real companion, signing in at the real DOT.

use latchkey_e2e::accessibility::assert_accessible;
use latchkey_e2e::early::{self, APP_STARTED};
use latchkey_e2e::flows::{dot_login_to_consent, sign_in_label};
use latchkey_e2e::{Browser, Stack, StackOptions, DEMO_USER, DOT_NAME};

/// The copy's DOT button, when it is on screen.
const EARLY_DOT: &str = "#latchkey-early button[data-provider=\"dot\"]";

/// Whether the app's wasm has started.
async fn wasm_ran(b: &Browser) -> bool {
    early::wasm_ran(b, APP_STARTED).await
}

/// Goes to `url` on a throttled browser and waits for the copy's DOT button; it must be on
/// screen before the wasm runs.
async fn early_button(b: &Browser, url: &str) {
    early::shown_before_the_wasm(b, url, EARLY_DOT, APP_STARTED).await;
}

/// What the page shows, for comparing the copy with the app's own page: the words, and
/// every element by tag and class in document order, a button also by its provider, badge
/// letter and description. Left out: the copy's wrapper, and the logo's insides (Leptos
/// wraps each static SVG child in a `<g>`).
async fn page_outline(b: &Browser) -> (String, Vec<String>) {
    let outline = b
        .js(
            "const root = document.getElementById('latchkey-early') ?? document.body;
             const words = document.body.innerText.split(/\\s+/).filter(Boolean).join(' ');
             const shape = [...root.querySelectorAll('*')]
               .filter((e) => !['SCRIPT', 'NOSCRIPT'].includes(e.tagName) && !e.closest('svg *'))
               .map((e) => `${e.tagName.toLowerCase()}.${e.getAttribute('class') ?? ''}`
                 + (e.tagName === 'BUTTON' ? ['data-provider', 'data-initial', 'aria-describedby']
                   .map((a) => ` ${a}=${e.getAttribute(a)}`).join('') : ''));
             return [words, shape];",
            vec![],
        )
        .await;
    serde_json::from_value(outline).expect("the page's outline")
}

/// The copy shows the app's signed-out home page, word for word and element for element,
/// with its buttons, before the wasm arrives; it passes the accessibility check; the app
/// then takes over without a visible change, and a button focused early stays focused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_home_page_and_its_buttons_show_before_the_wasm_and_the_app_takes_over_unchanged() {
    let stack = Stack::start(StackOptions::dot()).await;
    let b = &Browser::start_not_waiting_for_loads().await;
    let home = format!("{}/", stack.origin());

    early_button(b, &home).await;
    let early = page_outline(b).await;
    assert_accessible(b, "the home page before the wasm").await;
    b.screenshot("app-early").await;
    b.js(
        "document.querySelector(arguments[0]).focus(); return null;",
        vec![EARLY_DOT.into()],
    )
    .await;

    b.throttle(None).await;
    b.wait_until("the app to take the page over", || async {
        wasm_ran(b).await && !b.exists("#latchkey-early").await
    })
    .await;
    assert_eq!(
        page_outline(b).await,
        early,
        "the copy and the app's page differ"
    );
    let focused = b
        .js(
            "const el = document.activeElement;
             return el.matches('main button[data-provider=\"dot\"]') && el.isConnected;",
            vec![],
        )
        .await;
    assert_eq!(focused, true, "the focus did not move to the app's button");
    // The app's own fetch of latchkey.json was answered by the preload made for it while
    // the wasm downloaded: no request for it started after the wasm had arrived.
    let timings = b
        .js(
            "const all = performance.getEntriesByType('resource');
             const wasm = all.find((e) => e.name.endsWith('_bg.wasm'));
             return all.filter((e) => e.name.endsWith('/latchkey.json'))
               .map((e) => [e.startTime, wasm.responseEnd]);",
            vec![],
        )
        .await;
    let timings: Vec<(f64, f64)> = serde_json::from_value(timings).expect("resource timings");
    assert!(
        timings.iter().all(|(start, wasm_in)| start < wasm_in),
        "latchkey.json was fetched again after the wasm arrived: {timings:?}"
    );
    b.press_enter().await;
    b.wait_for_url(&stack.dot().base_url()).await;
}

/// A keyboard user on the copy's skip link when the app takes over is on the app's skip link
/// afterwards, not thrown back to the top of the document.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_focused_skip_link_keeps_the_focus_through_the_handover() {
    let stack = Stack::start(StackOptions::dot()).await;
    let b = &Browser::start_not_waiting_for_loads().await;

    early_button(b, &format!("{}/", stack.origin())).await;
    b.js(
        "document.querySelector('#latchkey-early a.skip-link').focus(); return null;",
        vec![],
    )
    .await;
    b.throttle(None).await;
    b.wait_until("the app to take the page over", || async {
        wasm_ran(b).await && !b.exists("#latchkey-early").await
    })
    .await;
    let focused = b
        .js(
            "const el = document.activeElement;
             return [el.tagName, el.className, el.isConnected];",
            vec![],
        )
        .await;
    assert_eq!(
        focused,
        serde_json::json!(["A", "skip-link", true]),
        "the focus did not move to the app's skip link"
    );
}

/// A click before the wasm runs is kept and said ("Loading sign-in…"), and carried out once
/// it runs; back signed in, the copy stays hidden and the app shows the person.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_click_before_the_wasm_signs_in_once_it_runs_and_a_signed_in_visitor_sees_no_copy() {
    let stack = Stack::start(StackOptions::dot()).await;
    let b = &Browser::start_not_waiting_for_loads().await;
    let home = format!("{}/", stack.origin());

    early_button(b, &home).await;
    b.click_button(&sign_in_label(DOT_NAME)).await;
    b.wait_for_text("Loading sign-in\u{2026}").await;
    let busy = b
        .js(
            "return document.querySelector(arguments[0]).getAttribute('aria-busy');",
            vec![EARLY_DOT.into()],
        )
        .await;
    assert_eq!(busy, "true", "the pressed button is not marked");
    assert!(!wasm_ran(b).await, "the click came after the wasm ran");
    b.screenshot("app-early-click").await;
    b.throttle(None).await;
    dot_login_to_consent(b, &stack.dot().base_url()).await;
    b.click_button("Authorize").await;
    b.wait_for_text(&format!("Signed in as {DEMO_USER}")).await;

    // Signed in (a stored session): the copy stays hidden until the app shows who it is.
    let early_ran = "performance.getEntriesByType('resource')
        .some((e) => /\\/early-[0-9a-f]+\\.js$/.test(e.name) && e.responseEnd > 0)";
    let label = sign_in_label(DOT_NAME);
    early::not_shown_before_the_wasm(b, &home, early_ran, &label, APP_STARTED).await;
    b.throttle(None).await;
    b.wait_for_text(&format!("Signed in as {DEMO_USER}")).await;
    assert!(!b.exists("#latchkey-early").await);
}

/// Held back in the page: the app's fetch of `/latchkey.json` (`early.js` asks for
/// `/latchkey.json?early`) waits three seconds, so the app stays a while between starting and
/// taking the page over.
const SLOW_APP_CONFIG: &str = r#"(() => {
  const fetch = window.fetch.bind(window);
  window.fetch = (input, init) => {
    const url = typeof input === "string" ? input : input.url;
    const app = url.endsWith("/latchkey.json");
    return app ? new Promise((done) => setTimeout(() => done(fetch(input, init)), 3000)) : fetch(input, init);
  };
})();"#;

/// A click on the copy after the app has started, while it still looks for a stored session
/// (its page hidden behind the copy), is carried out too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_click_after_the_app_started_but_before_it_took_over_signs_in() {
    let stack = Stack::start(StackOptions::dot()).await;
    let b = &Browser::start_not_waiting_for_loads().await;
    b.cdp(
        "Page.addScriptToEvaluateOnNewDocument",
        serde_json::json!({ "source": SLOW_APP_CONFIG }),
    )
    .await;
    early_button(b, &format!("{}/", stack.origin())).await;
    b.throttle(None).await;
    b.wait_until("the app started, the copy still shown", || wasm_ran(b))
        .await;
    assert!(
        b.exists(EARLY_DOT).await,
        "the app took over too soon for this test"
    );
    b.click_button(&sign_in_label(DOT_NAME)).await;
    b.wait_for_text("Loading sign-in\u{2026}").await;
    dot_login_to_consent(b, &stack.dot().base_url()).await;
}

/// When the wasm cannot be loaded (a network fault), the page says so in words where the
/// buttons would be, and offers no button that would do nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wasm_that_cannot_load_is_said_in_words_and_no_button_is_offered() {
    let stack = Stack::start(StackOptions::dot()).await;
    let b = &Browser::start_not_waiting_for_loads().await;
    early::a_blocked_wasm_is_said(
        b,
        &format!("{}/", stack.origin()),
        "*_bg.wasm*",
        "#latchkey-early [role=alert]",
        &sign_in_label(DOT_NAME),
    )
    .await;
    assert_accessible(b, "the home page when the wasm cannot load").await;
    b.screenshot("app-wasm-failed").await;
}
