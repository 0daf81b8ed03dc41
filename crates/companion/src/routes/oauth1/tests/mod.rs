//! Router tests of the OAuth 1.0a routes: fixed clock, fixed randomness, `oneshot`.
//!
//! The happy path of the three legs needs a real provider and is covered end to end (tests/).
//! Here a local TCP listener stands in for an API behind `api_base` (it records what reaches
//! it, so "nothing was sent upstream" is checked, not assumed) or for a network fault.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use latchkey_proto::oauth1::{
    sign_request, Body as SignedBody, ConsumerCredential, Credentials, SignatureMethod,
    SigningRequest,
};
use latchkey_proto::secret::{ConsumerSecret, TokenSecret};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;

use super::cookies::{self, CookieKind, Pending, Session};
use super::provider;
use crate::app::tests::{test_state, Setup, TempDir, CONSUMER_SECRET, NOW, OTHER_COOKIE_KEY};
use crate::state::AppState;

const APP: &str = "http://127.0.0.1:8080";
const TOKEN: &str = "access-token-value";
const TOKEN_SECRET: &str = "access-token-secret-value";

/// A local listener standing in for the API: records each request, answers `reply` (or
/// nothing, when `reply` is `None`, to make the client time out).
struct Upstream {
    base: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Upstream {
    async fn start(reply: Option<&'static str>) -> Upstream {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/api/", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    return;
                };
                let log = log.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 8192];
                    loop {
                        let n = sock.read(&mut chunk).await.unwrap_or(0);
                        if n == 0 {
                            break;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                        let text = String::from_utf8_lossy(&buf).into_owned();
                        if let Some(end) = text.find("\r\n\r\n") {
                            let len = text[..end]
                                .lines()
                                .find_map(|l| {
                                    l.to_ascii_lowercase()
                                        .strip_prefix("content-length:")
                                        .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                                })
                                .unwrap_or(0);
                            if buf.len() >= end + 4 + len {
                                break;
                            }
                        }
                    }
                    log.lock()
                        .unwrap()
                        .push(String::from_utf8_lossy(&buf).into_owned());
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
        Upstream { base, seen }
    }

    fn requests(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

const API_REPLY: &str = "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nSet-Cookie: upstream=1\r\nX-Api: yes\r\nContent-Length: 11\r\nConnection: close\r\n\r\n{\"ok\":true}";

struct T {
    router: Router,
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

fn session() -> Session {
    Session {
        token: TOKEN.to_owned(),
        secret: TokenSecret::new(TOKEN_SECRET),
        extra: vec![
            ("user_id".into(), "7".into()),
            ("screen_name".into(), "demo".into()),
        ],
    }
}

/// `name=value` for a sealed cookie of `kind` made by `state`.
fn cookie<T: super::cookie_payload::Payload>(
    state: &AppState,
    kind: CookieKind,
    payload: &T,
) -> String {
    let p = provider(state, "flask").unwrap();
    let set = cookies::set(state, &p, kind, payload).unwrap();
    set.to_str().unwrap().split(';').next().unwrap().to_owned()
}

fn pending(token: &str, return_to: &str) -> Pending {
    Pending {
        temporary: latchkey_proto::oauth1::TemporaryCredentials {
            token: token.into(),
            secret: TokenSecret::new("temp-secret"),
        },
        return_to: return_to.into(),
    }
}

struct Resp {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Resp {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    fn error(&self) -> String {
        self.json()["error"].as_str().unwrap().to_owned()
    }
}

async fn send(t: &T, req: Request<Body>) -> Resp {
    let resp = t.router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = axum::body::to_bytes(resp.into_body(), 4 << 20)
        .await
        .unwrap();
    Resp {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

fn get(path: &str, cookie: Option<&str>) -> Request<Body> {
    let mut b = Request::get(path);
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    b.body(Body::empty()).unwrap()
}

fn post(
    path: &str,
    origin: Option<&str>,
    cookie: Option<&str>,
    content_type: &str,
    body: impl Into<Body>,
) -> Request<Body> {
    let mut b = Request::post(path).header(header::CONTENT_TYPE, content_type);
    if let Some(o) = origin {
        b = b.header(header::ORIGIN, o);
    }
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    b.body(body.into()).unwrap()
}

/// The header the protocol core makes for this request with the tests' fixed clock and nonce.
fn expected_authorization(method: &str, url: &str, body: SignedBody<'_>) -> String {
    let consumer = ConsumerSecret::new(CONSUMER_SECRET);
    let token_secret = TokenSecret::new(TOKEN_SECRET);
    sign_request(
        &SigningRequest {
            method,
            url,
            body,
            consumer_key: "latchkeydemoconsumer01",
            token: Some(TOKEN),
            callback: None,
            verifier: None,
            signature_method: SignatureMethod::HmacSha1,
            timestamp: NOW,
            nonce: "abcdefghijklmnopqrstuvwxyz0123",
            realm: None,
        },
        &Credentials {
            consumer: ConsumerCredential::Secret(&consumer),
            token_secret: Some(&token_secret),
        },
    )
    .unwrap()
    .authorization_header
}

// --- providers -----------------------------------------------------------------------------

#[tokio::test]
async fn unknown_or_non_oauth1_provider_is_a_json_404() {
    let t = app(Setup::default());
    for path in [
        "/oauth1/nope/session",
        "/oauth1/dot/login",
        "/oauth1/nope/api/x",
        "/oauth1/flask/nothing-here",
    ] {
        let r = send(&t, get(path, None)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(r.error(), "not_found", "{path}");
    }
    let r = send(&t, get("/oauth1/nope/session", None)).await;
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("configured: flask"),
        "{}",
        r.body
    );
}

// --- session -------------------------------------------------------------------------------

#[tokio::test]
async fn session_reports_identity_but_never_the_token_or_secret() {
    let t = app(Setup::default());
    let r = send(&t, get("/oauth1/flask/session", None)).await;
    assert_eq!(r.json(), serde_json::json!({ "signed_in": false }));
    let c = cookie(&t.state, CookieKind::Session, &session());
    let r = send(&t, get("/oauth1/flask/session", Some(&c))).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.json(),
        serde_json::json!({ "signed_in": true, "user_id": "7", "screen_name": "demo" })
    );
    assert!(!r.body.contains(TOKEN) && !r.body.contains(TOKEN_SECRET));
    assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
}

#[tokio::test]
async fn tampered_expired_or_foreign_session_cookies_mean_signed_out() {
    let t = app(Setup::default());
    let good = cookie(&t.state, CookieKind::Session, &session());
    let (name, value) = good.split_once('=').unwrap();
    let mut flipped = value.to_owned().into_bytes();
    let i = flipped.len() - 5;
    flipped[i] = if flipped[i] == b'A' { b'B' } else { b'A' };
    let tampered = format!("{name}={}", String::from_utf8(flipped).unwrap());

    let later = app(Setup {
        now: NOW + super::SESSION_TTL,
        ..Setup::default()
    });
    let foreign = app(Setup {
        cookie_key: OTHER_COOKIE_KEY,
        ..Setup::default()
    });
    // A pending cookie's value under the session cookie's name: bound to its name, refused.
    let moved = format!(
        "{name}={}",
        cookie(&t.state, CookieKind::Pending, &session())
            .split_once('=')
            .unwrap()
            .1
    );

    for (what, app, c) in [
        ("tampered", &t, &tampered),
        ("expired", &later, &good),
        ("foreign key", &foreign, &good),
        ("renamed", &t, &moved),
    ] {
        let r = send(app, get("/oauth1/flask/session", Some(c))).await;
        assert_eq!(
            r.json(),
            serde_json::json!({ "signed_in": false }),
            "{what}"
        );
        let r = send(app, get("/oauth1/flask/api/me", Some(c))).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{what}");
        assert!(
            r.json()["message"]
                .as_str()
                .unwrap()
                .contains("/oauth1/flask/login"),
            "{what}"
        );
    }
}

#[tokio::test]
async fn logout_clears_the_cookie_only_for_the_apps_origin() {
    let t = app(Setup::default());
    let c = cookie(&t.state, CookieKind::Session, &session());
    let r = send(
        &t,
        post(
            "/oauth1/flask/logout",
            Some("https://evil.example"),
            Some(&c),
            "text/plain",
            "",
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.headers.get(header::SET_COOKIE).is_none());
    let r = send(
        &t,
        post("/oauth1/flask/logout", None, Some(&c), "text/plain", ""),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no Origin");
    for origin in [APP, "http://localhost:5173"] {
        let r = send(
            &t,
            post(
                "/oauth1/flask/logout",
                Some(origin),
                Some(&c),
                "text/plain",
                "",
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{origin}");
        let set = r.headers[header::SET_COOKIE].to_str().unwrap();
        assert!(
            set.starts_with("latchkey-flask-session=;") && set.contains("Max-Age=0"),
            "{set}"
        );
    }
}

#[tokio::test]
async fn https_public_url_gives_host_prefixed_secure_cookies() {
    let t = app(Setup {
        public_url: "https://app.example",
        ..Setup::default()
    });
    let p = provider(&t.state, "flask").unwrap();
    let set = cookies::set(&t.state, &p, CookieKind::Session, &session()).unwrap();
    let set = set.to_str().unwrap();
    assert!(set.starts_with("__Host-latchkey-flask-session="), "{set}");
    for attr in ["; Path=/", "; HttpOnly", "; SameSite=Lax", "; Secure"] {
        assert!(set.contains(attr), "{attr} missing from {set}");
    }
    let plain = app(Setup::default());
    let p = provider(&plain.state, "flask").unwrap();
    let set = cookies::set(&plain.state, &p, CookieKind::Session, &session()).unwrap();
    assert!(!set.to_str().unwrap().contains("Secure"));
}

// --- callback ------------------------------------------------------------------------------

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
        now: NOW + super::PENDING_TTL,
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

// --- proxy ---------------------------------------------------------------------------------

#[tokio::test]
async fn proxy_signs_forwards_and_filters_headers() {
    let up = Upstream::start(Some(API_REPLY)).await;
    let t = app(Setup {
        api_base: &up.base,
        ..Setup::default()
    });
    let c = format!(
        "{}; other=1",
        cookie(&t.state, CookieKind::Session, &session())
    );
    let req = Request::post("/oauth1/flask/api/items/a%20b?x=1&y=two")
        .header(header::ORIGIN, APP)
        .header(header::COOKIE, &c)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("x-secret-header", "nope")
        .body(Body::from("name=caf%C3%A9&n=2"))
        .unwrap();
    let r = send(&t, req).await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.body, "{\"ok\":true}");
    assert_eq!(r.headers["x-api"], "yes");
    assert!(
        r.headers.get(header::SET_COOKIE).is_none(),
        "the provider's cookie reached the app's origin"
    );

    let seen = up.requests();
    assert_eq!(seen.len(), 1);
    let raw = &seen[0];
    assert!(
        raw.starts_with("POST /api/items/a%20b?x=1&y=two HTTP/1.1\r\n"),
        "{raw}"
    );
    let lower = raw.to_ascii_lowercase();
    assert!(
        !lower.contains("\r\ncookie:")
            && !lower.contains("x-secret-header")
            && !lower.contains("\r\norigin:"),
        "{raw}"
    );
    assert!(raw.ends_with("name=caf%C3%A9&n=2"), "{raw}");
    let url = format!("{}items/a%20b?x=1&y=two", up.base);
    let fields = vec![
        ("name".to_owned(), "café".to_owned()),
        ("n".to_owned(), "2".to_owned()),
    ];
    let expected = expected_authorization("POST", &url, SignedBody::Form(&fields));
    let auth = raw
        .lines()
        .find_map(|l| l.strip_prefix("authorization: "))
        .unwrap();
    assert_eq!(auth, expected);
}

#[tokio::test]
async fn proxy_path_escapes_are_403_and_nothing_goes_upstream() {
    let up = Upstream::start(Some(API_REPLY)).await;
    let t = app(Setup {
        api_base: &up.base,
        ..Setup::default()
    });
    let c = cookie(&t.state, CookieKind::Session, &session());
    for path in [
        "/oauth1/flask/api/%2e%2e/admin",
        "/oauth1/flask/api/a/%2E%2E/%2E%2E/admin",
        "/oauth1/flask/api/a%2f..%2f..%2fadmin",
        "/oauth1/flask/api/..%5cadmin",
        "/oauth1/flask/api/%252e%252e/admin",
        "/oauth1/flask/api/..;/admin",
        "/oauth1/flask/api//evil.example/x",
    ] {
        let r = send(&t, get(path, Some(&c))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}: {}", r.body);
        assert_eq!(r.error(), "forbidden");
    }
    assert!(up.requests().is_empty(), "{:?}", up.requests());
}

#[tokio::test]
async fn proxy_refuses_foreign_origins_and_oversized_bodies_without_sending() {
    let up = Upstream::start(Some(API_REPLY)).await;
    let t = app(Setup {
        api_base: &up.base,
        ..Setup::default()
    });
    let c = cookie(&t.state, CookieKind::Session, &session());
    let r = send(
        &t,
        post(
            "/oauth1/flask/api/items",
            Some("https://evil.example"),
            Some(&c),
            "application/json",
            "{}",
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let big = vec![b'a'; super::proxy::MAX_BODY + 1];
    // No Content-Length header here: the body is cut while reading.
    let r = send(
        &t,
        post(
            "/oauth1/flask/api/items",
            Some(APP),
            Some(&c),
            "application/octet-stream",
            big,
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    // Refused on the announced length alone, before reading the body.
    let req = Request::post("/oauth1/flask/api/items")
        .header(header::ORIGIN, APP)
        .header(header::COOKIE, &c)
        .header(
            header::CONTENT_LENGTH,
            (super::proxy::MAX_BODY + 1).to_string(),
        )
        .body(Body::from("tiny"))
        .unwrap();
    let r = send(&t, req).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    assert!(up.requests().is_empty());
}

#[tokio::test]
async fn proxy_timeouts_are_504() {
    let up = Upstream::start(None).await;
    let t = app(Setup {
        api_base: &up.base,
        total_timeout: Duration::from_millis(300),
        ..Setup::default()
    });
    let c = cookie(&t.state, CookieKind::Session, &session());
    let r = send(&t, get("/oauth1/flask/api/slow", Some(&c))).await;
    assert_eq!(r.status, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(r.error(), "gateway_timeout");
}

// --- sign ----------------------------------------------------------------------------------

#[tokio::test]
async fn sign_returns_the_header_for_urls_under_api_base() {
    let t = app(Setup::default());
    let c = cookie(&t.state, CookieKind::Session, &session());
    let body =
        r#"{"method":"POST","url":"http://127.0.0.1:9/api/me?x=1","params":[["a","1"],["a","2"]]}"#;
    let r = send(
        &t,
        post(
            "/oauth1/flask/sign",
            Some(APP),
            Some(&c),
            "application/json",
            body,
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let fields = vec![
        ("a".to_owned(), "1".to_owned()),
        ("a".to_owned(), "2".to_owned()),
    ];
    let expected = expected_authorization(
        "POST",
        "http://127.0.0.1:9/api/me?x=1",
        SignedBody::Form(&fields),
    );
    assert_eq!(r.json()["authorization"], expected);
    assert!(!r.body.contains(TOKEN_SECRET) && !r.body.contains(CONSUMER_SECRET));
}

#[tokio::test]
async fn sign_refuses_outside_api_base_signed_out_foreign_origin_and_bad_json() {
    let t = app(Setup::default());
    let c = cookie(&t.state, CookieKind::Session, &session());
    let ok = r#"{"method":"GET","url":"http://127.0.0.1:9/api/me"}"#;
    type Case<'a> = (
        &'a str,
        Option<&'a str>,
        Option<&'a str>,
        &'a str,
        &'a str,
        StatusCode,
    );
    let cases: [Case; 9] = [
        (
            "outside",
            Some(APP),
            Some(&c),
            "application/json",
            r#"{"method":"GET","url":"http://127.0.0.1:9/admin"}"#,
            StatusCode::FORBIDDEN,
        ),
        (
            "escape",
            Some(APP),
            Some(&c),
            "application/json",
            r#"{"method":"GET","url":"http://127.0.0.1:9/api/%2e%2e/admin"}"#,
            StatusCode::FORBIDDEN,
        ),
        (
            "signed out",
            Some(APP),
            None,
            "application/json",
            ok,
            StatusCode::UNAUTHORIZED,
        ),
        (
            "foreign origin",
            Some("https://evil.example"),
            Some(&c),
            "application/json",
            ok,
            StatusCode::FORBIDDEN,
        ),
        (
            "bad json",
            Some(APP),
            Some(&c),
            "application/json",
            r#"{"method":"GET""#,
            StatusCode::BAD_REQUEST,
        ),
        (
            "missing field",
            Some(APP),
            Some(&c),
            "application/json",
            r#"{"method":"GET"}"#,
            StatusCode::BAD_REQUEST,
        ),
        (
            "not json",
            Some(APP),
            Some(&c),
            "text/plain",
            ok,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        // Who may ask is settled before the body is read.
        (
            "signed out, bad json",
            Some(APP),
            None,
            "application/json",
            r#"{"method":"GET""#,
            StatusCode::UNAUTHORIZED,
        ),
        (
            "foreign origin, bad json",
            Some("https://evil.example"),
            Some(&c),
            "application/json",
            r#"{"method":"GET""#,
            StatusCode::FORBIDDEN,
        ),
    ];
    for (what, origin, cookie, ct, body, status) in cases {
        let r = send(
            &t,
            post("/oauth1/flask/sign", origin, cookie, ct, body.to_owned()),
        )
        .await;
        assert_eq!(r.status, status, "{what}: {}", r.body);
        let msg = r.json()["message"].as_str().unwrap().to_owned();
        assert!(!msg.is_empty(), "{what}");
        if what == "missing field" {
            assert!(msg.contains("url"), "{what}: {msg}");
        }
    }
}

#[tokio::test]
async fn cors_is_offered_to_allowed_origins_only() {
    let t = app(Setup::default());
    let preflight = |origin: &str| {
        Request::options("/oauth1/flask/sign")
            .header(header::ORIGIN, origin)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type")
            .body(Body::empty())
            .unwrap()
    };
    let r = send(&t, preflight("http://localhost:5173")).await;
    assert_eq!(
        r.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "http://localhost:5173"
    );
    assert_eq!(r.headers[header::ACCESS_CONTROL_ALLOW_CREDENTIALS], "true");
    let r = send(&t, preflight("https://evil.example")).await;
    assert!(r.headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
}

mod session_cache;
