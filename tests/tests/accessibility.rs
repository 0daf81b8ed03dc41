//! Accessible by construction (issue 17, part 4): axe-core finds nothing on the app's pages
//! and on the embed's example site, signed out, signed in and after a failed sign-in, and
//! every sign-in button is announced as exactly its label.
//!
//! One browser session per stack: each page is checked where a user would reach it. The
//! minimal Leptos example is checked inside its own tests (`leptos_minimal.rs`), which already
//! bring it to each state.

use latchkey_e2e::accessibility::{
    accessible_names, assert_accessible, axe_findings, misnamed_buttons,
};
use latchkey_e2e::flows::{api_call, dot_sign_in, dot_to_consent, sign_in_label};
use latchkey_e2e::static_site::{Site, SiteOptions};
use latchkey_e2e::{Browser, Stack, StackOptions, DEMO_USER, DOT_NAME, FLASK_NAME};

/// The DOT button on the app's own page: after the app has taken the page over from
/// index.html's copy (src/early.rs, checked in app_early.rs), so that each check reads one
/// page and not the handover, where an element read a moment apart from another may belong
/// to the other page.
async fn wait_for_dot_button(b: &Browser) {
    b.wait_until("the DOT sign-in button on the app's own page", || async {
        b.has_button(&sign_in_label(DOT_NAME)).await && !b.exists("#latchkey-early").await
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_pages_pass_axe_and_a_sign_in_button_is_announced_without_its_css_initial() {
    let stack = Stack::start(StackOptions::dot()).await;
    let b = &stack.browser;
    b.goto(&format!("{}/", stack.origin())).await;
    wait_for_dot_button(b).await;
    // The badge's letter is drawn by CSS; it once joined the name ("D Sign in with …").
    assert_eq!(
        accessible_names(b, ".provider-button").await,
        [sign_in_label(DOT_NAME)],
        "a sign-in button is announced as its label alone"
    );
    assert_accessible(b, "the app, signed out").await;
    b.screenshot("app-signed-out").await;
    b.prefer_color_scheme("dark").await;
    b.screenshot("app-signed-out-dark").await;
    b.prefer_color_scheme("light").await;

    // The provider's error on the callback: the user cancels at DOT's consent page.
    dot_to_consent(b, &stack.dot().base_url()).await;
    b.click_button("Cancel").await;
    b.wait_for_text(&format!("You cancelled sign-in at {DOT_NAME}."))
        .await;
    assert_accessible(
        b,
        "the app's callback page after the provider said access_denied",
    )
    .await;

    b.goto(&format!("{}/", stack.origin())).await;
    wait_for_dot_button(b).await;
    dot_sign_in(b, &stack.dot().base_url()).await;
    // With an answer in the API console, so its result is checked too.
    let out = api_call(b, "GET", "/me", None).await;
    assert_eq!(out.code(), Some(200), "{out:?}");
    assert_accessible(b, "the app, signed in").await;
    // For a person to look at (target/e2e-logs/<test>/): the top of the page, both schemes.
    b.js("window.scrollTo(0, 0); return null;", vec![]).await;
    b.screenshot("app-signed-in").await;
    b.prefer_color_scheme("dark").await;
    b.screenshot("app-signed-in-dark").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_with_no_provider_and_its_not_found_page_pass_axe() {
    let stack = Stack::start(StackOptions::app_only()).await;
    let b = &stack.browser;
    b.goto(&format!("{}/", stack.origin())).await;
    b.wait_for_text("No sign-in providers are set up").await;
    assert_accessible(b, "the app with no provider").await;
    b.goto(&format!("{}/no-such-page", stack.origin())).await;
    b.wait_for_text("Page not found").await;
    assert_accessible(b, "the app's not-found page").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_static_site_and_the_embed_elements_pass_axe_signed_out_signed_in_and_on_error() {
    let site = Site::start(SiteOptions::default()).await;
    let b = &site.browser;
    for page in ["", "api.html"] {
        b.goto(&site.page(page)).await;
        wait_for_dot_button(b).await;
        assert_eq!(
            accessible_names(b, "latchkey-signin button").await,
            [sign_in_label(DOT_NAME), sign_in_label(FLASK_NAME)],
            "the embed's sign-in buttons on /{page} are announced as their labels alone"
        );
        assert_accessible(b, &format!("the site's /{page}, signed out")).await;
    }

    // A callback this browser never started: the embed's error, in words.
    b.goto(&site.page("callback.html?code=forged&state=never-issued"))
        .await;
    b.wait_for_text("Nothing was signed in").await;
    assert_accessible(b, "the site's callback page with a forged callback").await;

    b.goto(&site.page("")).await;
    wait_for_dot_button(b).await;
    dot_to_consent(b, &site.dot.base_url()).await;
    b.click_button("Authorize").await;
    site.wait_for_user(DEMO_USER).await;
    for page in ["", "api.html"] {
        b.goto(&site.page(page)).await;
        site.wait_for_user(DEMO_USER).await;
        b.wait_until("the sign-out button", || async {
            b.has_button("Sign out").await
        })
        .await;
        assert_accessible(b, &format!("the site's /{page}, signed in")).await;
    }
}

/// The check itself fails when it should: a button without a name, and a `::before` letter
/// that joins a button's name (what the app's sign-in buttons once did).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_check_reports_a_nameless_button_and_a_css_letter_in_a_name() {
    let b = Browser::start().await;
    b.goto(
        "data:text/html,<!doctype html><html lang=en><title>t</title><main><h1>t</h1>\
         <style>button { min-width: 32px; min-height: 32px } .badge::before { content: 'D' }</style>\
         <button></button>\
         <button class=badge>Sign in</button></main>",
    )
    .await;
    let ids: Vec<String> = axe_findings(&b).await.into_iter().map(|v| v.id).collect();
    assert_eq!(ids, ["button-name"]);
    assert_eq!(
        misnamed_buttons(&b).await,
        [r#"label "Sign in" → accessible name "DSign in""#]
    );
}

/// The pages are for people on phones too: at 360 CSS pixels wide (a small Android phone, the
/// width Lighthouse's mobile profile lays out at is 412), no page of the app or of the
/// example site scrolls sideways, signed out or signed in with an API answer shown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_and_the_site_fit_a_phone_without_scrolling_sideways() {
    const PHONE: (u32, u32) = (360, 740);
    async fn fits(b: &Browser, what: &str) {
        let (over, widest) = b.overflow_x().await;
        b.screenshot(&format!("phone-{}", what.replace(' ', "-")))
            .await;
        assert!(
            over <= 0.5,
            "{what} reaches {over} px past a 360 px wide screen; widest: {widest}"
        );
    }

    let stack = Stack::start(StackOptions::dot()).await;
    let b = &stack.browser;
    b.emulate_phone(Some(PHONE)).await;
    b.goto(&format!("{}/", stack.origin())).await;
    wait_for_dot_button(b).await;
    fits(b, "app signed out").await;
    dot_sign_in(b, &stack.dot().base_url()).await;
    let out = api_call(b, "GET", "/me", None).await;
    assert_eq!(out.code(), Some(200), "{out:?}");
    fits(b, "app signed in").await;
    b.goto(&format!("{}/no-such-page", stack.origin())).await;
    b.wait_for_text("Page not found").await;
    fits(b, "app not found").await;
    drop(stack);

    let site = Site::start(SiteOptions::default()).await;
    let b = &site.browser;
    b.emulate_phone(Some(PHONE)).await;
    b.goto(&site.page("")).await;
    wait_for_dot_button(b).await;
    fits(b, "site signed out").await;
    dot_to_consent(b, &site.dot.base_url()).await;
    b.click_button("Authorize").await;
    site.wait_for_user(DEMO_USER).await;
    b.goto(&site.page("api.html")).await;
    site.wait_for_user(DEMO_USER).await;
    fits(b, "site api page signed in").await;
}
