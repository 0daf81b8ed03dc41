//! Browser tests of the fault handling and the mediated session's storage (headless
//! Chromium through wasm-bindgen-test; see `browser_tests.rs` for how to run them).

use latchkey_proto::public_config::SessionStorage;
use wasm_bindgen_test::*;

use super::browser_tests::{both_stores, session};
use super::reach::{self, Endpoint, Reach};
use super::session::Session;
use super::storage_mode::session_key;
use crate::browser::fetch::{self, Ending, FetchFailure, Peer, Probe};

wasm_bindgen_test_configure!(run_in_browser);

/// Port 9 (discard) is closed on loopback here: a connection is refused at once.
const NOTHING_THERE: &str = "http://127.0.0.1:9/o/token/";

fn token_post(url: &str) -> http::Request<Vec<u8>> {
    http::Request::post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(b"grant_type=authorization_code&code=x".to_vec())
        .unwrap()
}

#[wasm_bindgen_test]
async fn a_closed_port_is_rejected_and_its_no_cors_probe_fails_too() {
    let err = fetch::send(token_post(NOTHING_THERE), Peer::Provider)
        .await
        .unwrap_err();
    assert_eq!(err.kind, FetchFailure::Rejected);
    assert_eq!(fetch::probe_no_cors(NOTHING_THERE).await, Probe::Failed);
}

#[wasm_bindgen_test]
async fn an_unreachable_token_endpoint_reads_as_unreachable_not_as_a_cors_refusal() {
    let err = reach::send(token_post(NOTHING_THERE), Peer::Provider, Endpoint::Token)
        .await
        .unwrap_err();
    assert_eq!(err.reach, Reach::Unreachable);
    let words = err.sentence("Django");
    assert!(
        words.starts_with("Could not reach Django's token endpoint"),
        "{words}"
    );
}

#[wasm_bindgen_test]
async fn a_call_the_page_called_off_reads_as_called_off_not_as_a_refusal() {
    // Aborted before: the request is not sent, and the failure is the page's abort, not a
    // refusal (which would send a no-cors probe to the API).
    let stop = web_sys::AbortController::new().unwrap();
    stop.abort();
    let signal = stop.signal();
    let Err(err) = reach::open_with(
        token_post(NOTHING_THERE),
        Peer::Api,
        Endpoint::Api,
        Ending::Page(Some(&signal)),
    )
    .await
    else {
        panic!("an aborted call was answered");
    };
    assert_eq!(err.reach, Reach::Aborted);
    assert_eq!(
        err.sentence("Django"),
        "The request to Django's API was called off."
    );
    // An unused signal changes nothing: the closed port is refused as without one.
    let unused = web_sys::AbortController::new().unwrap().signal();
    let Err(err) = fetch::open(
        token_post(NOTHING_THERE),
        Peer::Api,
        Ending::Page(Some(&unused)),
    )
    .await
    else {
        panic!("a closed port answered");
    };
    assert_eq!(err.kind, FetchFailure::Rejected);
}

#[wasm_bindgen_test]
async fn a_same_origin_probe_is_readable_not_opaque() {
    // The test page's own origin answers and allows itself: a probe there is not opaque,
    // so a passing failure is never mistaken for a CORS refusal.
    let origin = crate::browser::page::origin().unwrap();
    assert_eq!(
        fetch::probe_no_cors(&format!("{origin}/")).await,
        Probe::Readable
    );
}

#[wasm_bindgen_test]
fn a_companion_held_refresh_token_leaves_a_renewable_record_without_a_token() {
    let mut s = session("med", None);
    s.refresh_in_companion = true;
    s.persist(SessionStorage::Browser).unwrap();
    let (_, local) = both_stores(&session_key("med"));
    let text = local.unwrap();
    assert!(text.contains("\"refresh_in_companion\":true"), "{text}");
    let back = Session::stored("med", SessionStorage::Browser).unwrap();
    assert!(back.refresh_token.is_none());
    Session::forget("med", SessionStorage::Browser);
    // A record with no refresh token, no companion's note and no access token is not a
    // session.
    let mut bare = session("med", None);
    bare.access_token = None;
    bare.persist(SessionStorage::Browser).unwrap();
    assert!(Session::stored("med", SessionStorage::Browser).is_none());
}

/// Issue 19, finding 7: with `refresh_token_in = "companion"` the companion's cookie is one
/// refresh token for every tab, even under `tab` storage. A renewal waits while another tab
/// holds the provider's lock, so two tabs never send the cookie at once (the loser's
/// `invalid_grant` would clear it for both).
#[wasm_bindgen_test]
async fn a_companion_held_refresh_waits_for_another_tabs_renewal_even_in_tab_mode() {
    use super::browser_tests::{cross_tab_config, until};
    use super::engine::Source;
    use crate::browser::{locks, page, timer};
    use latchkey_proto::public_config::RefreshTokenIn;

    let mut config = cross_tab_config("shared-cookie");
    config.providers[0].session_storage = SessionStorage::Tab;
    config.providers[0].token_via_companion = true;
    config.providers[0].refresh_token_in = RefreshTokenIn::Companion;
    let tab = super::Client::new(config);
    tab.start();
    until("the tab to finish restoring", || {
        tab.status() == super::AuthStatus::SignedOut
    })
    .await;
    let mut s = session("shared-cookie", None);
    s.refresh_in_companion = true;
    tab.engine().install(s, Source::ThisTab);

    // "Another tab" renews for 300 ms.
    let lock = super::storage_mode::lock_name("shared-cookie");
    wasm_bindgen_futures::spawn_local(async move {
        let _ = locks::with_lock(&lock, || async { timer::sleep(300).await }).await;
    });
    timer::sleep(20).await;
    let start = page::now_ms();
    // No companion answers here, so the renewal fails; what matters is when it was sent.
    let _ = tab.engine().refresh("shared-cookie").await;
    let waited = page::now_ms() - start;
    assert!(
        waited >= 250,
        "the renewal went out after {waited} ms, inside the other tab's"
    );
    tab.sign_out();
    timer::sleep(50).await;
    Session::forget("shared-cookie", SessionStorage::Tab);
}
