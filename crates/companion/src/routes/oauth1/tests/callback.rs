//! `/login` and `/callback`: the pending sign-in cookie and every way a callback is refused.

use super::*;

#[tokio::test]
async fn callback_without_a_pending_sign_in_is_refused() {
    let t = app(Setup::default());
    let r = send(
        &t,
        get(
            "/oauth1/flask/callback?oauth_token=t1&oauth_verifier=v",
            None,
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("no sign-in in progress"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn callback_with_another_token_is_refused_before_reaching_the_provider() {
    let up = Upstream::start(Some(API_REPLY)).await;
    let t = app(Setup {
        api_base: &up.base,
        ..Setup::default()
    });
    let c = cookie(&t.state, CookieKind::Pending, &pending("t1", "/console"));
    let r = send(
        &t,
        get(
            "/oauth1/flask/callback?oauth_token=t2&oauth_verifier=v",
            Some(&c),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("does not belong"),
        "{}",
        r.body
    );
    assert!(
        up.requests().is_empty(),
        "the access-token endpoint was called"
    );
}

#[tokio::test]
async fn callback_with_expired_tampered_or_foreign_pending_cookie_is_refused() {
    let t = app(Setup::default());
    let c = cookie(&t.state, CookieKind::Pending, &pending("t1", "/"));
    let later = app(Setup {
        now: NOW + super::super::PENDING_TTL,
        ..Setup::default()
    });
    let r = send(
        &later,
        get(
            "/oauth1/flask/callback?oauth_token=t1&oauth_verifier=v",
            Some(&c),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.json()["message"].as_str().unwrap().contains("10 minutes"),
        "{}",
        r.body
    );
    let foreign = app(Setup {
        cookie_key: OTHER_COOKIE_KEY,
        ..Setup::default()
    });
    let r = send(
        &foreign,
        get(
            "/oauth1/flask/callback?oauth_token=t1&oauth_verifier=v",
            Some(&c),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.json()["message"].as_str().unwrap().contains("not valid"),
        "{}",
        r.body
    );
    let tampered = format!("{}x", c);
    let r = send(
        &t,
        get(
            "/oauth1/flask/callback?oauth_token=t1&oauth_verifier=v",
            Some(&tampered),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_refused_authorization_clears_the_pending_sign_in() {
    let t = app(Setup::default());
    let c = cookie(&t.state, CookieKind::Pending, &pending("t1", "/"));
    let r = send(&t, get("/oauth1/flask/callback?oauth_token=t1", Some(&c))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
}

#[tokio::test]
async fn an_unreachable_provider_is_a_502_that_reveals_nothing() {
    // Port 9 on loopback: nothing listens (a network fault, not a provider).
    let t = app(Setup::default());
    let c = cookie(&t.state, CookieKind::Pending, &pending("t1", "/"));
    let r = send(
        &t,
        get(
            "/oauth1/flask/callback?oauth_token=t1&oauth_verifier=v",
            Some(&c),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY);
    assert!(
        !r.body.contains("127.0.0.1") && !r.body.contains("temp-secret"),
        "{}",
        r.body
    );
    let r = send(&t, get("/oauth1/flask/login?return_to=/x", None)).await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY);
    assert!(r.headers.get(header::SET_COOKIE).is_none());
}

/// A provider that answers every leg with credentials (the request-token and access-token
/// legs read the same fields; `oauth_callback_confirmed` is kept as an extra on the second).
const CREDENTIALS_REPLY: &str = "HTTP/1.1 200 OK\r\n\
Content-Type: application/x-www-form-urlencoded\r\n\
Content-Length: 66\r\n\
Connection: close\r\n\
\r\n\
oauth_token=t1&oauth_token_secret=s1&oauth_callback_confirmed=true";

/// The `Set-Cookie` of `r` for cookie `name`.
fn set_cookie<'r>(r: &'r Resp, name: &str) -> &'r str {
    r.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie set: {:?}", r.headers))
}

#[tokio::test]
async fn sign_in_sets_a_lax_pending_cookie_and_then_a_strict_session_cookie() {
    let up = Upstream::start(Some(CREDENTIALS_REPLY)).await;
    let t = app(Setup {
        api_base: &up.base,
        ..Setup::default()
    });
    // The provider's redirect back to /callback is a cross-site top-level navigation: only a
    // Lax (or None) cookie goes along on it.
    let r = send(&t, get("/oauth1/flask/login?return_to=/console", None)).await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
    let pending = set_cookie(&r, "latchkey-flask-pending");
    assert!(pending.contains("; SameSite=Lax"), "{pending}");
    assert!(!pending.contains("Strict"), "{pending}");
    let pending = pending.split(';').next().unwrap().to_owned();

    // The session is read only by the app's own fetches: Strict.
    let r = send(
        &t,
        get(
            "/oauth1/flask/callback?oauth_token=t1&oauth_verifier=v",
            Some(&pending),
        ),
    )
    .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
    assert_eq!(r.headers[header::LOCATION], "/console");
    let session = set_cookie(&r, "latchkey-flask-session");
    assert!(session.contains("; SameSite=Strict"), "{session}");
    assert!(!session.contains("Lax"), "{session}");
    let cleared = set_cookie(&r, "latchkey-flask-pending");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert_eq!(
        up.requests().len(),
        2,
        "the request-token and access-token legs"
    );
}
