//! `examples/leptos-minimal` (the `latchkey-leptos` quick start) served by the real
//! companion at the root of its origin, against the real DOT, in headless Chromium: the
//! buttons, the greeting, one API call, sign-out, a configuration that does not load, and a
//! renewal that gets no answer; each state passes the accessibility check
//! (`latchkey_e2e::accessibility`).

use latchkey_e2e::accessibility::{accessible_names, assert_accessible};
use latchkey_e2e::companion::dot_provider_toml;
use latchkey_e2e::flows::{dot_to_consent, sign_in_label};
use latchkey_e2e::paths::minimal_dist_dir;
use latchkey_e2e::process::free_port;
use latchkey_e2e::proxied_dot::ProxiedDot;
use latchkey_e2e::{Browser, Companion, Dot, DotOptions, Fault, FaultProxy, DEMO_USER, DOT_NAME};

/// DOT (its default redirect URIs include `<origin>/callback/dot`), the companion serving
/// the example, and a browser.
async fn start() -> (Dot, Companion, Browser) {
    let port = free_port();
    let dot = Dot::start(&DotOptions {
        app_origin: format!("http://127.0.0.1:{port}"),
        access_token_seconds: 3600,
    })
    .await;
    let companion = Companion::start_serving(
        port,
        &minimal_dist_dir(),
        &[dot_provider_toml(&dot, "tab")],
        &[],
    )
    .await;
    (dot, companion, Browser::start().await)
}

async fn api_answer(b: &Browser) -> String {
    b.js(
        "return document.getElementById('api-answer').textContent;",
        vec![],
    )
    .await
    .as_str()
    .unwrap_or_default()
    .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_returns_to_the_page_greets_calls_the_api_and_signs_out() {
    let (dot, companion, b) = start().await;
    // A page with a query: the provider returns to /callback/dot, a route the example does
    // not have; the crate finishes the sign-in there and puts the person back here.
    b.goto(&format!("{}/?tab=1", companion.origin())).await;
    b.find("button.latchkey-signin-button").await;
    b.assert_console_quiet("the example's page").await;
    assert_eq!(
        accessible_names(&b, "button.latchkey-signin-button").await,
        [sign_in_label(DOT_NAME)],
        "a sign-in button is announced as its label alone"
    );
    assert_accessible(&b, "the minimal example, signed out").await;
    dot_to_consent(&b, &dot.base_url()).await;
    b.click_button("Authorize").await;
    b.wait_for_text(&format!("Hello, {DEMO_USER}!")).await;
    assert_eq!(b.url().await, format!("{}/?tab=1", companion.origin()));
    assert!(!b.has_button(&sign_in_label(DOT_NAME)).await);
    // The badge shows the name once, and the initial is hidden from screen readers.
    let badge = b
        .js(
            "const b = document.querySelector('.latchkey-user-badge'); \
             return [b.querySelector('.latchkey-user-name').textContent, \
                     b.querySelector('[aria-hidden=true]') !== null];",
            vec![],
        )
        .await;
    assert_eq!(badge, serde_json::json!([DEMO_USER, true]));

    b.click_button("Call the API").await;
    b.wait_until("the API answer", || async {
        api_answer(&b).await.starts_with("HTTP")
    })
    .await;
    let answer = api_answer(&b).await;
    assert!(answer.starts_with("HTTP 200 OK\n"), "{answer}");
    assert!(answer.contains(DEMO_USER), "{answer}");
    assert_accessible(&b, "the minimal example, signed in").await;

    // `tab` storage: a reload is still signed in.
    b.reload().await;
    b.wait_for_text(&format!("Hello, {DEMO_USER}!")).await;

    b.click_button("Sign out").await;
    b.wait_until("the sign-in buttons after sign-out", || async {
        b.url().await.starts_with(&companion.origin())
            && b.has_button(&sign_in_label(DOT_NAME)).await
    })
    .await;
    assert!(!b.text().await.contains(&format!("Hello, {DEMO_USER}")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_config_that_answers_html_is_said_in_words_and_try_again_recovers() {
    let (_dot, companion, b) = start().await;
    let mut proxy = FaultProxy::in_front_of(&companion.origin()).await;
    proxy.set_for(Fault::Html, "/latchkey.json").await;
    b.goto(&format!("{}/", proxy.url())).await;
    b.wait_for_text("Sign-in is not available: there is no /latchkey.json on this site")
        .await;
    let alert = b.find(".latchkey-error[role=alert]").await;
    let words = alert.text().await.expect("the alert's text");
    assert!(
        words.contains("Add a /latchkey.json to the site."),
        "{words}"
    );
    assert!(!b.exists("button.latchkey-signin-button").await);
    assert_accessible(&b, "the minimal example, its configuration not loading").await;

    proxy.set(Fault::PassThrough).await;
    b.click_button("Try again").await;
    b.wait_until("the sign-in button after Try again", || async {
        b.has_button(&sign_in_label(DOT_NAME)).await
    })
    .await;
    assert!(!b.exists(".latchkey-error").await);
}

/// A renewal while DOT cannot be reached, first with the page open (the timer's), then on
/// load with the access token run out: each time `<SignInButtons/>` says so (signed in, with
/// no sign-in buttons; then signed out), the session is kept, and its "Try again" renews it
/// once DOT is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renewal_without_an_answer_keeps_the_session_and_try_again_renews_it() {
    let port = free_port();
    let mut proxied = ProxiedDot::start(
        &DotOptions {
            app_origin: format!("http://127.0.0.1:{port}"),
            access_token_seconds: 10,
        },
        &[],
    )
    .await;
    let companion = Companion::start_serving(
        port,
        &minimal_dist_dir(),
        &[proxied.provider_toml("tab", "")],
        &[],
    )
    .await;
    let b = Browser::start().await;
    b.goto(&format!("{}/", companion.origin())).await;
    dot_to_consent(&b, &proxied.proxy.url()).await;
    b.click_button("Authorize").await;
    b.wait_for_text(&format!("Hello, {DEMO_USER}!")).await;

    // DOT goes away while the page is open: the timer's renewal (5 s before the 10-second
    // token runs out) gets no answer, said where the signed-in person is.
    proxied.proxy.set(Fault::Down).await;
    b.wait_for_text("Your session could not be renewed").await;
    let words = b.find(".latchkey-error[role=alert]").await.text().await;
    let words = words.expect("the alert's text");
    assert!(words.contains("Your session is kept"), "{words}");
    assert!(
        b.text().await.contains(&format!("Hello, {DEMO_USER}!")),
        "still signed in"
    );
    assert!(!b.has_button(&sign_in_label(DOT_NAME)).await);
    assert_accessible(
        &b,
        "the minimal example, a renewal without an answer while signed in",
    )
    .await;
    b.screenshot("renewal-kept-signed-in").await;
    proxied.proxy.set(Fault::PassThrough).await;
    b.click_button("Try again").await;
    b.wait_until("the renewal done, and the words gone", || async {
        !b.exists(".latchkey-error").await && !b.exists(".latchkey-status").await
    })
    .await;
    assert!(b.text().await.contains(&format!("Hello, {DEMO_USER}!")));
    assert!(!b.has_button(&sign_in_label(DOT_NAME)).await);

    // DOT goes away again, and the access token runs out before the next load.
    proxied.proxy.set(Fault::Down).await;
    tokio::time::sleep(std::time::Duration::from_secs(11)).await;
    b.reload().await;
    b.wait_for_text("Your session could not be renewed").await;
    let alert = b.find(".latchkey-error[role=alert]").await;
    let words = alert.text().await.expect("the alert's text");
    assert!(words.contains("Your session is kept"), "{words}");
    assert!(b.has_button(&sign_in_label(DOT_NAME)).await);
    assert_accessible(&b, "the minimal example, a renewal without an answer").await;

    proxied.proxy.set(Fault::PassThrough).await;
    b.click_button("Try again").await;
    b.wait_for_text(&format!("Hello, {DEMO_USER}!")).await;
    assert!(!b.exists(".latchkey-error").await);

    // Once more, and nobody presses "Try again": the timer tries again by itself (10 s after
    // the failure) and signs the person in once DOT answers.
    proxied.proxy.set(Fault::Down).await;
    tokio::time::sleep(std::time::Duration::from_secs(11)).await;
    b.reload().await;
    b.wait_for_text("Your session could not be renewed").await;
    proxied.proxy.set(Fault::PassThrough).await;
    b.wait_for_text(&format!("Hello, {DEMO_USER}!")).await;
    assert!(!b.exists(".latchkey-error").await);
}
