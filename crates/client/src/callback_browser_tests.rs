//! Browser tests of the callback: words for a refusal, one-time state, the issuer and the
//! redirect URI checked before any exchange (headless Chromium through wasm-bindgen-test; see
//! `browser_tests.rs` for how to run them).

use std::rc::Rc;

use latchkey_proto::public_config::SessionStorage;
use wasm_bindgen_test::*;

use super::browser_tests::{cross_tab_config, flow, flow_to, until};
use super::pending;
use super::session::Session;

wasm_bindgen_test_configure!(run_in_browser);

/// Runs `complete_callback` on `/callback?<query>` with a fresh client and returns the
/// status it settles on, and whether it navigated.
async fn callback_outcome(
    config: &latchkey_proto::public_config::PublicConfig,
    query: &str,
) -> (super::AuthStatus, bool) {
    use super::AuthStatus;
    use std::cell::Cell;

    let target = if query.starts_with('/') {
        query.to_owned()
    } else {
        format!("/callback?{query}")
    };
    crate::browser::page::replace_url(&target).unwrap();
    let auth = super::Client::new(config.clone());
    auth.start();
    assert!(
        matches!(auth.status(), AuthStatus::Working { .. }),
        "the callback page waits for complete_callback"
    );
    let navigated = Rc::new(Cell::new(false));
    let flag = navigated.clone();
    auth.complete_callback(move |_| flag.set(true));
    until("the callback to settle", || {
        !matches!(auth.status(), AuthStatus::Working { .. })
    })
    .await;
    let status = auth.status();
    drop(auth);
    (status, navigated.get())
}

fn callback_config(id: &str) -> latchkey_proto::public_config::PublicConfig {
    let mut config = cross_tab_config(id);
    config.providers[0].session_storage = SessionStorage::Tab;
    config
}

#[wasm_bindgen_test]
async fn a_cancelled_sign_in_reads_in_words_and_its_state_cannot_be_replayed() {
    use super::{words, AuthStatus, RetryAction};
    let home = crate::browser::page::href().unwrap();
    let config = callback_config("cb");
    let f = flow(0x31, "cb");
    let state = f.state.secret().to_owned();
    pending::save(&f).unwrap();
    let query = format!("error=access_denied&error_description=The+user+denied&state={state}");

    let (status, navigated) = callback_outcome(&config, &query).await;
    let AuthStatus::Failed(failure) = status else {
        panic!("expected a failure, got {status:?}")
    };
    assert_eq!(failure.title, words::TITLE_CANCELLED);
    assert_eq!(failure.message, "You cancelled sign-in at Shared.");
    assert_eq!(
        failure.retry,
        RetryAction::SignIn {
            provider_id: "cb".into()
        }
    );
    assert!(!navigated);
    assert!(
        crate::browser::page::href().unwrap().ends_with("/callback"),
        "state and error left the address bar"
    );
    assert!(
        pending::take(&state).unwrap().is_none(),
        "the flow was used up"
    );
    assert!(Session::stored("cb", SessionStorage::Tab).is_none());

    // The same response again (a replay, or the back button).
    let (status, navigated) = callback_outcome(&config, &query).await;
    let AuthStatus::Failed(failure) = status else {
        panic!("expected a failure, got {status:?}")
    };
    assert_eq!(failure.retry, RetryAction::ShowProviders);
    assert!(
        failure.message.contains("already used"),
        "{}",
        failure.message
    );
    assert!(!navigated);
    crate::browser::page::replace_url(&home).unwrap();
}

#[wasm_bindgen_test]
async fn a_tampered_state_finds_no_flow_and_leaves_the_real_one_alone() {
    use super::AuthStatus;
    let home = crate::browser::page::href().unwrap();
    let config = callback_config("cb2");
    let f = flow(0x32, "cb2");
    let state = f.state.secret().to_owned();
    pending::save(&f).unwrap();
    let (status, navigated) = callback_outcome(&config, &format!("code=abc&state={state}x")).await;
    assert!(
        matches!(&status, AuthStatus::Failed(fl) if fl.message.starts_with("Nothing was signed in")),
        "{status:?}"
    );
    assert!(!navigated);
    assert!(
        pending::take(&state).unwrap().is_some(),
        "the genuine flow is still pending"
    );
    crate::browser::page::replace_url(&home).unwrap();
}

#[wasm_bindgen_test]
async fn a_response_from_another_issuer_is_refused_before_any_code_exchange() {
    use super::AuthStatus;
    let home = crate::browser::page::href().unwrap();
    let config = callback_config("cb3");
    let f = flow(0x33, "cb3");
    let state = f.state.secret().to_owned();
    pending::save(&f).unwrap();
    let (status, navigated) = callback_outcome(
        &config,
        &format!("code=abc&state={state}&iss=https%3A%2F%2Fevil.example"),
    )
    .await;
    let AuthStatus::Failed(failure) = status else {
        panic!("expected a failure, got {status:?}")
    };
    // An exchange would have failed on the network instead ("could not reach …/token").
    assert!(failure.message.contains("iss"), "{}", failure.message);
    assert!(
        !failure.message.contains("could not reach"),
        "{}",
        failure.message
    );
    assert!(!navigated);
    assert!(pending::take(&state).unwrap().is_none());
    crate::browser::page::replace_url(&home).unwrap();
}

/// RFC 9700 §4.4.2: a response that arrives on another provider's redirect URI (a hostile
/// provider bounced the person there, with the state of a flow it started) is refused before
/// any code exchange, and the flow is used up.
#[wasm_bindgen_test]
async fn a_response_on_another_providers_redirect_uri_is_refused_before_any_exchange() {
    use super::AuthStatus;
    let home = crate::browser::page::href().unwrap();
    let config = callback_config("cb4");
    let f = flow_to(0x34, "cb4", "/callback/cb4");
    let state = f.state.secret().to_owned();
    pending::save(&f).unwrap();
    let (status, navigated) =
        callback_outcome(&config, &format!("/callback/other?code=abc&state={state}")).await;
    let AuthStatus::Failed(failure) = status else {
        panic!("expected a failure, got {status:?}")
    };
    assert!(
        failure.message.contains("another page"),
        "{}",
        failure.message
    );
    // An exchange would have failed on the network instead ("could not reach …/token").
    assert!(
        !failure.message.contains("could not reach"),
        "{}",
        failure.message
    );
    assert!(!navigated);
    assert!(
        pending::take(&state).unwrap().is_none(),
        "the flow was used up"
    );
    crate::browser::page::replace_url(&home).unwrap();
}
