//! Accessible by construction (issue 17, part 4): axe-core finds nothing on the app's pages
//! and on the embed's example site, signed out, signed in and after a failed sign-in, and
//! every sign-in button is announced as exactly its label.
//!
//! One browser session per stack: each page is checked where a user would reach it.

use latchkey_e2e::accessibility::{axe_violations, misnamed_buttons};
use latchkey_e2e::Browser;

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
    let ids: Vec<String> = axe_violations(&b).await.into_iter().map(|v| v.id).collect();
    assert_eq!(ids, ["button-name"]);
    assert_eq!(
        misnamed_buttons(&b).await,
        [r#"label "Sign in" → accessible name "DSign in""#]
    );
}
