//! The cache of opened session cookies (crate::session_cache) seen through the routes: a hit
//! signs exactly as a fresh open does, and never outlives the cookie, its provider or its
//! keys.

use super::*;
use crate::app::tests::SteppingClock;

const SIGN_BODY: &str = r#"{"method":"GET","url":"http://127.0.0.1:9/api/me"}"#;

async fn sign(t: &T, cookie: &str) -> Resp {
    send(
        t,
        post(
            "/oauth1/flask/sign",
            Some(APP),
            Some(cookie),
            "application/json",
            SIGN_BODY,
        ),
    )
    .await
}

/// `name=value` of a session cookie sealed by `state`'s keys, valid until `expires_at`.
fn session_cookie_until(state: &AppState, expires_at: u64) -> String {
    let p = provider(state, "flask").unwrap();
    let name = CookieKind::Session.name(state, "flask");
    let payload = super::super::cookie_payload::encode(&session());
    let value = p
        .sealer
        .seal(state.random(), &name, "flask", expires_at, &payload)
        .unwrap();
    format!("{name}={value}")
}

#[tokio::test]
async fn a_cached_session_signs_the_same_header_as_a_fresh_open() {
    let t = app(Setup::default());
    let c = cookie(&t.state, CookieKind::Session, &session());
    assert!(t.state.session_cache().is_empty());
    for round in ["opened", "cached"] {
        let r = sign(&t, &c).await;
        assert_eq!(r.status, StatusCode::OK, "{round}: {}", r.body);
        assert_eq!(r.json()["authorization"], ORACLE_SIGN_GET_ME, "{round}");
        assert_eq!(t.state.session_cache().len(), 1, "{round}");
    }
    let r = send(&t, get("/oauth1/flask/session", Some(&c))).await;
    assert_eq!(
        r.json(),
        serde_json::json!({ "signed_in": true, "user_id": "7", "screen_name": "demo" })
    );
}

#[tokio::test]
async fn a_cached_session_ends_when_its_cookie_expires() {
    let clock = SteppingClock::at(NOW);
    let t = app(Setup {
        clock: Some(clock.clone()),
        ..Setup::default()
    });
    // Expires long before the cache's own MAX_AGE would retire the entry.
    let c = session_cookie_until(&t.state, NOW + 10);
    assert_eq!(sign(&t, &c).await.status, StatusCode::OK);
    clock.set(NOW + 9);
    assert_eq!(sign(&t, &c).await.status, StatusCode::OK);
    assert_eq!(t.state.session_cache().len(), 1);

    clock.set(NOW + 10);
    let r = sign(&t, &c).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    let r = send(&t, fetch_get("/oauth1/flask/api/me", Some(&c))).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    let r = send(&t, get("/oauth1/flask/session", Some(&c))).await;
    assert_eq!(r.json(), serde_json::json!({ "signed_in": false }));
}

#[tokio::test]
async fn a_long_session_is_opened_again_after_the_caches_max_age() {
    let clock = SteppingClock::at(NOW);
    let t = app(Setup {
        clock: Some(clock.clone()),
        ..Setup::default()
    });
    let c = cookie(&t.state, CookieKind::Session, &session());
    let value = c.split_once('=').unwrap().1;
    // A hit and a fresh open answer alike (the status, the header, one entry), so only the
    // entry's opening time tells them apart: without it this test passed with the age check
    // removed and the old entry reused.
    let opened_at = || t.state.session_cache().opened_at(value);
    assert_eq!(sign(&t, &c).await.status, StatusCode::OK);
    assert_eq!(opened_at(), Some(NOW));
    clock.set(NOW + crate::session_cache::MAX_AGE - 1);
    assert_eq!(sign(&t, &c).await.status, StatusCode::OK);
    assert_eq!(opened_at(), Some(NOW), "reused within MAX_AGE");
    // At MAX_AGE the entry is dropped and the cookie, still valid, is opened afresh.
    clock.set(NOW + crate::session_cache::MAX_AGE);
    let r = sign(&t, &c).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        opened_at(),
        Some(NOW + crate::session_cache::MAX_AGE),
        "an entry MAX_AGE old was reused"
    );
    assert_eq!(t.state.session_cache().len(), 1);
}

#[tokio::test]
async fn refused_cookies_are_never_cached() {
    let t = app(Setup::default());
    let good = cookie(&t.state, CookieKind::Session, &session());
    let tampered = tampered(&good);
    let foreign = app(Setup {
        cookie_key: OTHER_COOKIE_KEY,
        ..Setup::default()
    });
    let from_other_keys = cookie(&foreign.state, CookieKind::Session, &session());
    let pending_renamed = pending_as_session(&t.state);

    // The good cookie is cached first, so each refusal below happens beside a warm cache.
    assert_eq!(sign(&t, &good).await.status, StatusCode::OK);
    for (what, c) in [
        ("tampered", &tampered),
        ("other keys", &from_other_keys),
        ("pending cookie renamed", &pending_renamed),
    ] {
        for attempt in 0..2 {
            let r = sign(&t, c).await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{what} #{attempt}");
        }
        assert_eq!(t.state.session_cache().len(), 1, "{what}");
    }
    // Opened by the state whose keys sealed it, and cached there only.
    assert_eq!(
        sign(&foreign, &from_other_keys).await.status,
        StatusCode::OK
    );
    assert_eq!(foreign.state.session_cache().len(), 1);
    assert_eq!(
        sign(&t, &from_other_keys).await.status,
        StatusCode::UNAUTHORIZED
    );
}
