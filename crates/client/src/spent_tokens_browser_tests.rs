//! Browser tests of the spent-token record that keeps tabs from sending one refresh token
//! twice (headless Chromium through wasm-bindgen-test; see `browser_tests.rs` for how to run
//! them). Two auth contexts on one page stand in for two tabs.

use latchkey_proto::public_config::SessionStorage;
use latchkey_proto::secret::RefreshToken;
use wasm_bindgen_test::*;

use super::browser_tests::{cross_tab_config, sign_in_shared, signed_out_tabs, until};
use super::session::Session;
use super::{spent_tokens, AuthStatus, RefreshError};
use crate::browser::{indexed_db, timer};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn indexed_db_gives_back_what_was_put_and_nothing_for_other_keys() {
    indexed_db::put("latchkey.test.key", "one").await.unwrap();
    indexed_db::put("latchkey.test.key", "two").await.unwrap();
    assert_eq!(
        indexed_db::get("latchkey.test.key")
            .await
            .unwrap()
            .as_deref(),
        Some("two")
    );
    assert_eq!(indexed_db::get("latchkey.test.none").await.unwrap(), None);
}

#[wasm_bindgen_test]
async fn a_recorded_token_is_spent_for_its_provider_only() {
    let token = RefreshToken::new("r-recorded");
    assert!(!spent_tokens::is_spent("rec", &token).await.unwrap());
    spent_tokens::record("rec", &token).await.unwrap();
    assert!(spent_tokens::is_spent("rec", &token).await.unwrap());
    assert!(!spent_tokens::is_spent("other", &token).await.unwrap());
    let fresh = RefreshToken::new("r-fresh");
    assert!(!spent_tokens::is_spent("rec", &fresh).await.unwrap());
}

/// A tab signed in with `browser` storage holding `refresh`, which localStorage shows too.
async fn signed_in_tab(id: &str, refresh: &str) -> super::Client {
    let tab = super::Client::new(cross_tab_config(id));
    tab.start();
    until("the tab to finish restoring", || {
        tab.status() == AuthStatus::SignedOut
    })
    .await;
    sign_in_shared(&tab.engine(), id, refresh);
    tab
}

fn stored_token(id: &str) -> Option<String> {
    Session::stored(id, SessionStorage::Browser)
        .and_then(|s| s.refresh_token)
        .map(|t| t.secret().to_owned())
}

/// What CI once hit: another tab spent the token, but neither its broadcast nor its
/// localStorage write had reached this tab when it took the lock. The record says so, and
/// the token is not sent again (sending it would make the provider revoke the family; here
/// it would end in "no answer" from idp.example).
#[wasm_bindgen_test]
async fn a_token_another_tab_spent_is_not_sent_again_even_when_storage_still_shows_it() {
    let tab = signed_in_tab("stale", "r-stale").await;
    spent_tokens::record("stale", &RefreshToken::new("r-stale"))
        .await
        .unwrap();
    let err = tab.engine().refresh("stale").await.unwrap_err();
    assert_eq!(err, RefreshError::AlreadySpent);
    assert!(err.is_transient(), "the session is kept for a later try");
    assert_eq!(
        stored_token("stale").as_deref(),
        Some("r-stale"),
        "the shared record is left for the other tabs"
    );
    tab.sign_out();
    timer::sleep(50).await;
    drop(tab);
}

/// The same race when the other tab's broadcast does arrive: this tab adopts its tokens and
/// makes no request of its own.
#[wasm_bindgen_test]
async fn a_tab_whose_token_was_spent_adopts_the_other_tabs_new_tokens() {
    let [a, b] = signed_out_tabs(cross_tab_config("adopt")).await;
    sign_in_shared(&a.engine(), "adopt", "r-one");
    until("tab B to adopt the session", || {
        matches!(b.status(), AuthStatus::SignedIn(_))
    })
    .await;
    // Tab B has spent r-one; its new tokens reach tab A only while A waits in the lock.
    spent_tokens::record("adopt", &RefreshToken::new("r-one"))
        .await
        .unwrap();
    let engine_b = b.engine();
    wasm_bindgen_futures::spawn_local(async move {
        timer::sleep(300).await;
        sign_in_shared(&engine_b, "adopt", "r-two");
    });
    a.engine().refresh("adopt").await.unwrap();
    let held = a
        .engine()
        .session
        .borrow()
        .as_ref()
        .and_then(|s| s.refresh_token.as_ref().map(|t| t.secret().to_owned()));
    assert_eq!(held.as_deref(), Some("r-two"));
    assert_eq!(stored_token("adopt").as_deref(), Some("r-two"));
    a.sign_out();
    timer::sleep(50).await;
    drop((a, b));
}
