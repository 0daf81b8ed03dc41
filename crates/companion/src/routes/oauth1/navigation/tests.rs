//! `/login` and `/callback` failing for a navigating browser (a 303 back to the app with a
//! code) and for everyone else (the JSON error as before), through `oneshot`.
//!
//! The faults are real transport conditions on loopback: a port nothing listens on, a
//! listener that never answers, one that answers 500. The happy path is end to end (tests/).

use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;

use super::super::cookies::{self, CookieKind, Pending};
use super::super::provider;
use super::{error_location, is_navigation, SignInFault};
use crate::app::tests::{test_state, Setup, TempDir, NOW};
use crate::state::AppState;

/// A browser's top-level navigation.
const NAVIGATE: [(&str, &str); 2] = [
    ("sec-fetch-mode", "navigate"),
    (
        "accept",
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    ),
];

struct T {
    router: axum::Router,
    state: AppState,
    _dir: TempDir,
}

fn app(setup: Setup<'_>) -> T {
    let (state, dir) = test_state(setup);
    T {
        router: crate::app(state.clone()),
        state,
        _dir: dir,
    }
}

/// A listener at `…/api/` that reads one request and then answers `reply`, or never answers.
async fn upstream(reply: Option<&'static str>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/api/", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 8192];
                let _ = sock.read(&mut buf).await;
                match reply {
                    Some(r) => {
                        let _ = sock.write_all(r.as_bytes()).await;
                        let _ = sock.shutdown().await;
                    }
                    None => tokio::time::sleep(Duration::from_secs(60)).await,
                }
            });
        }
    });
    base
}

const FIVE_HUNDRED: &str = "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: 4\r\nConnection: close\r\n\r\noops";

fn pending_cookie(state: &AppState, token: &str, return_to: &str) -> String {
    let p = provider(state, "flask").unwrap();
    let pending = Pending {
        temporary: latchkey_proto::oauth1::TemporaryCredentials {
            token: token.into(),
            secret: latchkey_proto::secret::TokenSecret::new("temp-secret"),
        },
        return_to: return_to.into(),
        handoff: None,
    };
    let set = cookies::set(state, &p, CookieKind::Pending, &pending).unwrap();
    set.to_str().unwrap().split(';').next().unwrap().to_owned()
}

struct Resp {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Resp {
    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap())
            .unwrap_or_else(|| panic!("no Location ({}): {}", self.status, self.body))
    }

    fn error(&self) -> String {
        let v: serde_json::Value = serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {} {}", self.status, self.body));
        v["error"].as_str().unwrap().to_owned()
    }
}

async fn get(t: &T, path: &str, cookie: Option<&str>, headers: &[(&str, &str)]) -> Resp {
    let mut b = Request::get(path);
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    let resp = t
        .router
        .clone()
        .oneshot(b.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    Resp {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

/// Asserts a 303 to `want` that says nothing else (no body, no secret in the URL).
fn assert_sent_back(r: &Resp, want: &str) {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), want);
    assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
    for leak in ["temp-secret", "very-secret", "127.0.0.1", "message"] {
        assert!(!r.location().contains(leak), "{}", r.location());
    }
}

#[tokio::test]
async fn an_unreachable_provider_sends_the_browser_back_to_return_to() {
    // Port 9 on loopback: nothing listens.
    let t = app(Setup::default());
    let r = get(
        &t,
        "/oauth1/flask/login?return_to=/console%3Ftab%3D2",
        None,
        &NAVIGATE,
    )
    .await;
    assert_sent_back(
        &r,
        "/console?tab=2&latchkey_error=provider_unreachable&provider=flask",
    );
    assert!(r.headers.get(header::SET_COOKIE).is_none());
    // The same request from a script keeps the JSON 502.
    let r = get(&t, "/oauth1/flask/login?return_to=/console", None, &[]).await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY);
    assert_eq!(r.error(), "bad_gateway");
}

#[tokio::test]
async fn a_provider_that_never_answers_is_provider_timeout() {
    let base = upstream(None).await;
    let t = app(Setup {
        api_base: &base,
        total_timeout: Duration::from_millis(300),
        ..Setup::default()
    });
    let r = get(&t, "/oauth1/flask/login", None, &NAVIGATE).await;
    assert_sent_back(&r, "/?latchkey_error=provider_timeout&provider=flask");
    let r = get(&t, "/oauth1/flask/login", None, &[("accept", "*/*")]).await;
    assert_eq!(r.status, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(r.error(), "gateway_timeout");
}

#[tokio::test]
async fn a_500_from_the_provider_is_provider_error_on_both_legs() {
    let base = upstream(Some(FIVE_HUNDRED)).await;
    let t = app(Setup {
        api_base: &base,
        ..Setup::default()
    });
    // Accept alone (no Fetch Metadata, as older browsers send) is enough.
    let html = [("accept", "text/html,*/*;q=0.8")];
    let r = get(&t, "/oauth1/flask/login?return_to=/a", None, &html).await;
    assert_sent_back(&r, "/a?latchkey_error=provider_error&provider=flask");
    // The callback lands on the return_to its pending cookie holds.
    let c = pending_cookie(&t.state, "t1", "/console#top");
    let r = get(
        &t,
        "/oauth1/flask/callback?oauth_token=t1&oauth_verifier=v",
        Some(&c),
        &NAVIGATE,
    )
    .await;
    assert_sent_back(
        &r,
        "/console?latchkey_error=provider_error&provider=flask#top",
    );
    let r = get(
        &t,
        "/oauth1/flask/callback?oauth_token=t1&oauth_verifier=v",
        Some(&c),
        &[("accept", "application/json")],
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY);
}

#[tokio::test]
async fn a_missing_expired_tampered_or_replayed_sign_in_is_sign_in_expired() {
    let t = app(Setup::default());
    let c = pending_cookie(&t.state, "t1", "/console");
    let later = app(Setup {
        now: NOW + super::super::PENDING_TTL,
        ..Setup::default()
    });
    let tampered = format!("{c}x");
    let cb = "/oauth1/flask/callback?oauth_token=t1&oauth_verifier=v";
    for (app, cookie) in [
        (&t, None),
        (&later, Some(c.as_str())),
        (&t, Some(&tampered)),
    ] {
        let r = get(app, cb, cookie, &NAVIGATE).await;
        // Without a readable cookie the return_to is unknown: the app's root.
        assert_sent_back(&r, "/?latchkey_error=sign_in_expired&provider=flask");
        let r = get(app, cb, cookie, &[]).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(r.error(), "bad_request");
    }
    // A callback for another sign-in (a replayed or stale one) reaches no provider.
    let r = get(
        &t,
        "/oauth1/flask/callback?oauth_token=t2&oauth_verifier=v",
        Some(&c),
        &NAVIGATE,
    )
    .await;
    assert_sent_back(&r, "/console?latchkey_error=sign_in_expired&provider=flask");
}

#[tokio::test]
async fn a_cancelled_sign_in_is_sign_in_refused_and_clears_the_pending_cookie() {
    let t = app(Setup::default());
    let c = pending_cookie(&t.state, "t1", "/");
    let r = get(
        &t,
        "/oauth1/flask/callback?oauth_token=t1",
        Some(&c),
        &NAVIGATE,
    )
    .await;
    assert_sent_back(&r, "/?latchkey_error=sign_in_refused&provider=flask");
    assert!(r.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    let r = get(&t, "/oauth1/flask/callback?oauth_token=t1", Some(&c), &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.error(), "forbidden");
}

#[tokio::test]
async fn an_unknown_provider_is_unknown_provider_with_its_id_encoded() {
    let t = app(Setup::default());
    let r = get(&t, "/oauth1/nope/login?return_to=/x", None, &NAVIGATE).await;
    assert_sent_back(&r, "/x?latchkey_error=unknown_provider&provider=nope");
    // An OIDC provider is not an OAuth 1.0a one either; an id with odd bytes stays encoded.
    let r = get(&t, "/oauth1/dot/login", None, &NAVIGATE).await;
    assert_sent_back(&r, "/?latchkey_error=unknown_provider&provider=dot");
    let r = get(&t, "/oauth1/a%3Cb%3E%26c/callback", None, &NAVIGATE).await;
    assert_sent_back(
        &r,
        "/?latchkey_error=unknown_provider&provider=a%3Cb%3E%26c",
    );
    let r = get(&t, "/oauth1/nope/login", None, &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.error(), "not_found");
}

#[test]
fn navigation_is_fetch_metadata_or_an_accept_preferring_html() {
    let h = |pairs: &[(&'static str, &'static str)]| {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            m.insert(*k, v.parse().unwrap());
        }
        m
    };
    assert!(is_navigation(&h(&NAVIGATE)));
    assert!(is_navigation(&h(&[("accept", "text/html")])));
    assert!(!is_navigation(&h(&[])));
    assert!(!is_navigation(&h(&[("accept", "*/*")])));
    assert!(!is_navigation(&h(&[("accept", "application/json")])));
    assert!(!is_navigation(&h(&[(
        "accept",
        "application/json, text/html;q=0.5"
    )])));
    // A fetch() from a page says `cors` or `same-origin` whatever it accepts.
    assert!(!is_navigation(&h(&[
        ("sec-fetch-mode", "cors"),
        ("accept", "text/html")
    ])));
}

#[test]
fn the_code_goes_before_the_fragment_and_after_any_query() {
    let f = SignInFault::ProviderTimeout;
    assert_eq!(
        error_location("/", f, "flask"),
        "/?latchkey_error=provider_timeout&provider=flask"
    );
    assert_eq!(
        error_location("/p?x=1#h", f, "flask"),
        "/p?x=1&latchkey_error=provider_timeout&provider=flask#h"
    );
    let long = "x".repeat(100);
    assert_eq!(
        error_location("/", f, &long).len(),
        "/?latchkey_error=provider_timeout&provider=".len() + 64
    );
}
