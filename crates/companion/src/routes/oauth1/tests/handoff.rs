//! `POST /oauth1/{id}/handoff` and the `Latchkey-Session` header: a sign-in handed to a
//! page on another site, and every way a code is refused.

use super::super::handoff::{self, HANDOFF_TTL, SESSION_HEADER};
use super::*;
use crate::app::tests::SteppingClock;

const VERIFIER: &str = "a-handoff-verifier-of-forty-three-or-more-chars-0123";

fn challenge(verifier: &str) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier))
}

fn code(state: &AppState) -> String {
    let p = provider(state, "flask").unwrap();
    handoff::seal_code(state, &p, &challenge(VERIFIER), session()).unwrap()
}

fn exchange(code: &str, verifier: &str, origin: Option<&str>) -> Request<Body> {
    post(
        "/oauth1/flask/handoff",
        origin,
        None,
        "application/x-www-form-urlencoded",
        format!("code={code}&verifier={verifier}"),
    )
}

/// `GET /session` as a script on another site sends it: CORS, the sealed session in the
/// header, no cookie.
fn session_with_header(sealed: &str) -> Request<Body> {
    Request::get("/oauth1/flask/session")
        .header("sec-fetch-site", "cross-site")
        .header("sec-fetch-mode", "cors")
        .header("sec-fetch-dest", "empty")
        .header(header::ORIGIN, APP)
        .header(SESSION_HEADER, sealed)
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn a_code_and_its_verifier_give_a_session_the_header_carries() {
    let t = app(Setup::default());
    let r = send(&t, exchange(&code(&t.state), VERIFIER, Some(APP))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
    let body = r.json();
    let sealed = body["session"].as_str().unwrap().to_owned();
    assert_eq!(body["expires_in"], super::super::SESSION_TTL);
    assert!(!r.body.contains(TOKEN) && !r.body.contains(TOKEN_SECRET));
    let me = send(&t, session_with_header(&sealed)).await;
    assert_eq!(me.json()["signed_in"], true, "{}", me.body);
    assert_eq!(me.json()["user_id"], "7");
}

#[tokio::test]
async fn a_code_is_refused_used_twice_late_foreign_or_with_another_verifier() {
    let clock = SteppingClock::at(NOW);
    let t = app(Setup {
        clock: Some(clock.clone()),
        ..Setup::default()
    });
    let other = app(Setup {
        cookie_key: OTHER_COOKIE_KEY,
        ..Setup::default()
    });
    let mut refused = 0;
    let mut expect = |r: &Resp, status: StatusCode, words: &str| {
        assert_eq!(r.status, status, "{}", r.body);
        let message = r.json()["message"].as_str().unwrap_or_default().to_owned();
        assert!(message.contains(words), "{message:?} lacks {words:?}");
        assert!(r.json().get("session").is_none());
        refused += 1;
    };

    let wrong = send(
        &t,
        exchange(
            &code(&t.state),
            "another-verifier-of-enough-length-0123456789",
            Some(APP),
        ),
    )
    .await;
    expect(&wrong, StatusCode::FORBIDDEN, "verifier does not match");

    let once = code(&t.state);
    assert_eq!(
        send(&t, exchange(&once, VERIFIER, Some(APP))).await.status,
        StatusCode::OK
    );
    let twice = send(&t, exchange(&once, VERIFIER, Some(APP))).await;
    expect(&twice, StatusCode::BAD_REQUEST, "already used");

    let late = code(&t.state);
    clock.set(NOW + HANDOFF_TTL + 1);
    let r = send(&t, exchange(&late, VERIFIER, Some(APP))).await;
    expect(&r, StatusCode::BAD_REQUEST, "more than two minutes ago");
    clock.set(NOW);

    // Sealed by another deployment (another cookie key).
    let foreign = send(&t, exchange(&code(&other.state), VERIFIER, Some(APP))).await;
    expect(
        &foreign,
        StatusCode::BAD_REQUEST,
        "not issued by this sign-in server",
    );
    // A session cookie's value is not a handoff code (another purpose, another name).
    let session_value = cookie(&t.state, CookieKind::Session, &session());
    let (_, value) = session_value.split_once('=').unwrap();
    let r = send(&t, exchange(value, VERIFIER, Some(APP))).await;
    expect(
        &r,
        StatusCode::BAD_REQUEST,
        "not issued by this sign-in server",
    );

    let missing = send(
        &t,
        post(
            "/oauth1/flask/handoff",
            Some(APP),
            None,
            "application/x-www-form-urlencoded",
            format!("code={}", code(&t.state)),
        ),
    )
    .await;
    expect(&missing, StatusCode::BAD_REQUEST, "both code and verifier");

    // From a page of a site that is not allowed: refused before the code is opened.
    let r = send(
        &t,
        exchange(&code(&t.state), VERIFIER, Some("https://evil.example")),
    )
    .await;
    expect(&r, StatusCode::FORBIDDEN, "not allowed");
    let r = send(&t, exchange(&code(&t.state), VERIFIER, None)).await;
    expect(&r, StatusCode::FORBIDDEN, "Origin header is required");
    eprintln!("hostile handoffs refused: {refused}");
    assert_eq!(refused, 8);
}

#[tokio::test]
async fn a_forged_or_foreign_session_header_is_signed_out() {
    let t = app(Setup::default());
    let other = app(Setup {
        cookie_key: OTHER_COOKIE_KEY,
        ..Setup::default()
    });
    let foreign = cookie(&other.state, CookieKind::Session, &session());
    let pending = cookie(&t.state, CookieKind::Pending, &pending("t1", "/"));
    for value in [
        foreign.split_once('=').unwrap().1.to_owned(),
        tampered(&cookie(&t.state, CookieKind::Session, &session()))
            .split_once('=')
            .unwrap()
            .1
            .to_owned(),
        pending.split_once('=').unwrap().1.to_owned(),
        code(&t.state),
        "not-sealed".to_owned(),
    ] {
        let r = send(&t, session_with_header(&value)).await;
        assert_eq!(r.json()["signed_in"], false, "{value}: {}", r.body);
    }
}

#[tokio::test]
async fn the_proxy_signs_for_a_good_session_header_and_sends_nothing_for_a_foreign_one() {
    let up = Upstream::start(Some(API_REPLY)).await;
    let t = app(Setup {
        api_base: &up.base,
        ..Setup::default()
    });
    let other = app(Setup {
        cookie_key: OTHER_COOKIE_KEY,
        api_base: &up.base,
        ..Setup::default()
    });
    let proxied = |sealed: &str| {
        Request::get("/oauth1/flask/api/me")
            .header("sec-fetch-site", "cross-site")
            .header("sec-fetch-mode", "cors")
            .header("sec-fetch-dest", "empty")
            .header(header::ORIGIN, APP)
            .header(SESSION_HEADER, sealed)
            .body(Body::empty())
            .unwrap()
    };
    let foreign = cookie(&other.state, CookieKind::Session, &session());
    let r = send(&t, proxied(foreign.split_once('=').unwrap().1)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    assert!(
        up.requests().is_empty(),
        "a foreign session reached the API"
    );

    let handed = send(&t, exchange(&code(&t.state), VERIFIER, Some(APP))).await;
    let sealed = handed.json()["session"].as_str().unwrap().to_owned();
    let r = send(&t, proxied(&sealed)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let seen = up.requests();
    assert_eq!(seen.len(), 1);
    assert!(
        seen[0].contains("oauth_token=\"access-token-value\""),
        "{}",
        seen[0]
    );
    // The sealed value never goes upstream.
    assert!(!seen[0].contains(&sealed));
}
