//! Browser tests of the stored session a page load finds (headless Chromium through
//! wasm-bindgen-test; see `browser_tests.rs` for how to run them).

use latchkey_proto::public_config::SessionStorage;
use latchkey_proto::secret::RefreshToken;
use wasm_bindgen_test::*;

use super::browser_tests::{cross_tab_config, session, until};
use super::session::Session;
use super::storage_mode::{session_key, Area};
use crate::browser::{page, storage, timer};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn the_access_token_is_stored_once_beside_the_refresh_token_and_read_back_whole() {
    let mut s = session("live", Some("r-live"));
    s.expires_at_ms = Some(page::now_ms() + 60_000);
    s.persist(SessionStorage::Tab).unwrap();
    let text = storage::get(Area::Session, &session_key("live"))
        .unwrap()
        .unwrap();
    assert_eq!(text.matches("\"at\"").count(), 1, "{text}");
    assert_eq!(
        text.matches("r-live").count(),
        1,
        "one copy of the refresh token: {text}"
    );
    let back = Session::stored("live", SessionStorage::Tab).unwrap();
    let live = back.live.unwrap();
    assert_eq!(live.access_token.as_ref().map(|t| t.secret()), Some("at"));
    assert!(live
        .refresh_token
        .as_ref()
        .is_some_and(|t| t.ct_eq(&RefreshToken::new("r-live"))));
    assert_eq!(live.sub().as_deref(), Some("42"));
    Session::forget("live", SessionStorage::Tab);
}

/// A full page load while the stored access token lasts: signed in at once, with no request
/// (the provider in this config does not exist, so any renewal would fail).
#[wasm_bindgen_test]
async fn a_page_load_uses_a_live_stored_session_without_any_request() {
    let mut config = cross_tab_config("fresh");
    config.providers[0].session_storage = SessionStorage::Tab;
    let mut s = session("fresh", None);
    s.issued_at_ms = page::now_ms();
    s.expires_at_ms = Some(page::now_ms() + 3_600_000);
    s.persist(SessionStorage::Tab).unwrap();
    let tab = super::Client::new(config);
    tab.start();
    until("the stored session to be back", || {
        !matches!(
            tab.status(),
            super::AuthStatus::Restoring | super::AuthStatus::Working { .. }
        )
    })
    .await;
    assert!(
        matches!(tab.status(), super::AuthStatus::SignedIn(v) if v.sub == "42"),
        "{:?}",
        tab.status()
    );
    tab.sign_out();
    timer::sleep(50).await;
    Session::forget("fresh", SessionStorage::Tab);
}

/// An expired access token and nothing to renew it with: signed out with words saying the
/// session ended (and a new sign-in offered), and the record goes (issue 18).
#[wasm_bindgen_test]
async fn an_expired_stored_access_token_without_a_refresh_token_signs_out_and_is_forgotten() {
    let mut config = cross_tab_config("stale-at");
    config.providers[0].session_storage = SessionStorage::Tab;
    let mut s = session("stale-at", None);
    s.issued_at_ms = page::now_ms() - 7_200_000;
    s.expires_at_ms = Some(page::now_ms() - 3_600_000);
    s.persist(SessionStorage::Tab).unwrap();
    assert!(Session::stored("stale-at", SessionStorage::Tab).is_some());
    let tab = super::Client::new(config);
    tab.start();
    until("the page to settle", || {
        !matches!(
            tab.status(),
            super::AuthStatus::Restoring | super::AuthStatus::Working { .. }
        )
    })
    .await;
    let super::AuthStatus::Failed(f) = tab.status() else {
        panic!("not told the session ended: {:?}", tab.status());
    };
    assert_eq!(f.title, super::words::TITLE_SESSION_ENDED);
    assert!(f.message.contains("Sign in again"), "{}", f.message);
    assert_eq!(
        f.retry,
        super::RetryAction::SignIn {
            provider_id: "stale-at".into()
        }
    );
    assert!(Session::stored("stale-at", SessionStorage::Tab).is_none());
}

/// A live session with no refresh token ends when its access token does, in words.
#[wasm_bindgen_test]
async fn a_session_without_a_refresh_token_ends_in_words_when_its_access_token_does() {
    let mut config = cross_tab_config("short-at");
    config.providers[0].session_storage = SessionStorage::Tab;
    let mut s = session("short-at", None);
    s.issued_at_ms = page::now_ms();
    s.expires_at_ms = Some(page::now_ms() + 1_500);
    s.persist(SessionStorage::Tab).unwrap();
    let tab = super::Client::new(config);
    tab.start();
    until("signed in from storage", || {
        matches!(tab.status(), super::AuthStatus::SignedIn(_))
    })
    .await;
    until("the session to end at expiry", || {
        matches!(tab.status(), super::AuthStatus::Failed(_))
    })
    .await;
    let super::AuthStatus::Failed(f) = tab.status() else {
        unreachable!()
    };
    assert_eq!(f.title, super::words::TITLE_SESSION_ENDED);
    assert!(Session::stored("short-at", SessionStorage::Tab).is_none());
}
