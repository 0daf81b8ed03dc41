//! Bad-input catalogue for every companion route (issue #7): each row sends one malformed,
//! hostile or stale request through the whole router (`oneshot`, fixed clock) and asserts the
//! status and the `error` code of the JSON answer, so a regression shows up as a changed answer
//! rather than a panic or a silent 200. A local listener stands in for the API behind
//! `api_base` and records what reaches it: every refused proxy row asserts nothing was sent.
//!
//! Positive controls (a valid `/sign`, an old-key cookie accepted while its key is still listed
//! as previous) run first, so the refusals below are refusals of the input and not of a broken
//! setup.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use latchkey_companion::config::Config;
use latchkey_companion::routes::oauth1::login::safe_return_to;
use latchkey_companion::routes::oauth1::{session_cookie, SESSION_TTL};
use latchkey_companion::secrets::{Secrets, COOKIE_KEY_ENV, PREVIOUS_COOKIE_KEYS_ENV};
use latchkey_companion::state::{FixedClock, Randomness};
use latchkey_companion::AppState;
use latchkey_proto::oauth1::TokenCredentials;
use latchkey_proto::secret::TokenSecret;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;

const APP: &str = "http://127.0.0.1:8080";
const NOW: u64 = 1_800_000_000;
const KEY_A: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const KEY_B: &str = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";

struct FixedRandom;

impl Randomness for FixedRandom {
    fn oauth_nonce(&self) -> String {
        "abcdefghijklmnopqrstuvwxyz0123".to_owned()
    }
    fn fill(&self, buf: &mut [u8]) {
        for (i, b) in buf.iter_mut().enumerate() {
            *b = i as u8;
        }
    }
}

/// The API stand-in: answers 200 `{}` to anything and counts the requests that reach it.
async fn upstream() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/api/", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 65536];
                let _ = sock.read(&mut buf).await;
                counter.fetch_add(1, Ordering::SeqCst);
                let _ = sock
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
                    .await;
            });
        }
    });
    (base, hits)
}

fn config(api_base: &str) -> Config {
    let provider = |id: &str| {
        format!(
            r#"
[[provider]]
id = "{id}"
name = "{id}"
protocol = "oauth1"
request_token_url = "http://127.0.0.1:9/oauth/request_token"
authorize_url = "http://127.0.0.1:9/oauth/authorize"
access_token_url = "http://127.0.0.1:9/oauth/access_token"
consumer_key = "latchkeydemoconsumer01"
consumer_secret_env = "CONSUMER_SECRET"
api_base = "{api_base}"
"#
        )
    };
    let text = format!(
        r#"
[server]
listen = "127.0.0.1:0"
public_url = "{APP}"
static_dir = "/nonexistent"
{}{}"#,
        provider("flask"),
        provider("other")
    );
    Config::parse(&text).unwrap()
}

/// A state whose current cookie key is `current`, with `previous` still accepted.
fn state(api_base: &str, now: u64, current: &str, previous: &str) -> AppState {
    let config = config(api_base);
    let (current, previous) = (current.to_owned(), previous.to_owned());
    let env = move |n: &str| match n {
        "CONSUMER_SECRET" => Some("consumer-secret".to_owned()),
        COOKIE_KEY_ENV => Some(current.clone()),
        PREVIOUS_COOKIE_KEYS_ENV => Some(previous.clone()),
        _ => None,
    };
    let secrets = Secrets::load(&config, &env).unwrap();
    AppState::with(
        config,
        secrets,
        Arc::new(FixedClock(now)),
        Arc::new(FixedRandom),
    )
    .unwrap()
}

fn session() -> TokenCredentials {
    TokenCredentials {
        token: "access-token".to_owned(),
        secret: TokenSecret::new("token-secret"),
        extra: vec![("screen_name".to_owned(), "demo".to_owned())],
    }
}

/// A session cookie (`name=value`) for provider `id`, sealed by `state`.
fn cookie(state: &AppState, id: &str) -> String {
    session_cookie(state, id, &session()).unwrap()
}

/// `cookie`'s value under another cookie name.
fn renamed(cookie: &str, name: &str) -> String {
    format!("{name}={}", cookie.split_once('=').unwrap().1)
}

/// `cookie` with one character of its value changed.
fn tampered(cookie: &str) -> String {
    let (name, value) = cookie.split_once('=').unwrap();
    let mut v: Vec<char> = value.chars().collect();
    let i = v.len() / 2;
    v[i] = if v[i] == 'A' { 'B' } else { 'A' };
    format!("{name}={}", v.into_iter().collect::<String>())
}

fn truncated(cookie: &str) -> String {
    let (name, value) = cookie.split_once('=').unwrap();
    format!("{name}={}", &value[..value.len() / 2])
}

const SIGN_BODY: &str = r#"{"method":"GET","url":"API/me?x=1"}"#;

fn sign_body(api_base: &str) -> String {
    SIGN_BODY.replace("API/", api_base)
}

/// A POST with a JSON body, the app's Origin and `cookie`.
fn post_json(uri: &str, cookie: Option<&str>, body: impl Into<Body>) -> Request<Body> {
    let mut b = Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ORIGIN, APP);
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    b.body(body.into()).unwrap()
}

fn get(uri: &str, cookie: Option<&str>) -> Request<Body> {
    let mut b = Request::get(uri);
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    b.body(Body::empty()).unwrap()
}

/// Sends `req` and returns the status and the JSON body (`Value::Null` when not JSON).
async fn send(router: &Router, req: Request<Body>) -> (StatusCode, Value) {
    let resp = router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// One catalogue row: a request and the answer it must get.
struct Row {
    what: &'static str,
    req: Request<Body>,
    status: StatusCode,
    error: &'static str,
}

fn row(what: &'static str, req: Request<Body>, status: StatusCode, error: &'static str) -> Row {
    Row {
        what,
        req,
        status,
        error,
    }
}

/// Runs every row; reports all mismatches at once.
async fn check(router: &Router, rows: Vec<Row>) -> usize {
    let n = rows.len();
    let mut wrong = Vec::new();
    for r in rows {
        let (status, body) = send(router, r.req).await;
        let code = body["error"].as_str().unwrap_or("<not a JSON error>");
        if status != r.status || code != r.error {
            wrong.push(format!(
                "{}: got {status} {code} ({body}), want {} {}",
                r.what, r.status, r.error
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    n
}

const BAD_REQUEST: StatusCode = StatusCode::BAD_REQUEST;
const UNAUTHORIZED: StatusCode = StatusCode::UNAUTHORIZED;
const FORBIDDEN: StatusCode = StatusCode::FORBIDDEN;
const NOT_FOUND: StatusCode = StatusCode::NOT_FOUND;

#[tokio::test]
async fn valid_sign_and_rotation_are_accepted_first() {
    let (base, _) = upstream().await;
    let old = state(&base, NOW, KEY_A, "");
    let rotated = state(&base, NOW, KEY_B, KEY_A);
    let router = latchkey_companion::app(rotated.clone());
    let (status, body) = send(
        &router,
        post_json(
            "/oauth1/flask/sign",
            Some(&cookie(&rotated, "flask")),
            sign_body(&base),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["authorization"]
        .as_str()
        .unwrap()
        .starts_with("OAuth "));
    // A cookie sealed before the rotation still opens while its key is listed as previous.
    let (status, body) = send(
        &router,
        post_json(
            "/oauth1/flask/sign",
            Some(&cookie(&old, "flask")),
            sign_body(&base),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn sign_route_catalogue() {
    let (base, hits) = upstream().await;
    let st = state(&base, NOW, KEY_B, "");
    let router = latchkey_companion::app(st.clone());
    let good = cookie(&st, "flask");
    let c = Some(good.as_str());
    let s = "/oauth1/flask/sign";
    let body_with = |url: &str| format!(r#"{{"method":"GET","url":"{url}"}}"#);
    let old_key = cookie(&state(&base, NOW, KEY_A, ""), "flask");
    let expired = cookie(&state(&base, NOW - SESSION_TTL - 1, KEY_B, ""), "flask");
    let other = renamed(&cookie(&st, "other"), "latchkey-flask-session");
    let pending_as_session = renamed(&good, "latchkey-flask-pending");
    let n = check(
        &router,
        vec![
            row(
                "sign: empty body",
                post_json(s, c, ""),
                BAD_REQUEST,
                "bad_request",
            ),
            row(
                "sign: not JSON",
                post_json(s, c, "method=GET"),
                BAD_REQUEST,
                "bad_request",
            ),
            row(
                "sign: truncated JSON",
                post_json(s, c, r#"{"method":"GET","url":"#),
                BAD_REQUEST,
                "bad_request",
            ),
            row(
                "sign: JSON array",
                post_json(s, c, "[1,2]"),
                BAD_REQUEST,
                "bad_request",
            ),
            row(
                "sign: JSON null",
                post_json(s, c, "null"),
                BAD_REQUEST,
                "bad_request",
            ),
            row(
                "sign: url missing",
                post_json(s, c, r#"{"method":"GET"}"#),
                BAD_REQUEST,
                "bad_request",
            ),
            row(
                "sign: url is a number",
                post_json(s, c, r#"{"method":"GET","url":7}"#),
                BAD_REQUEST,
                "bad_request",
            ),
            row(
                "sign: unknown field",
                post_json(
                    s,
                    c,
                    format!(r#"{{"method":"GET","url":"{base}me","admin":true}}"#),
                ),
                BAD_REQUEST,
                "bad_request",
            ),
            row(
                "sign: params value is an object",
                post_json(
                    s,
                    c,
                    format!(r#"{{"method":"POST","url":"{base}me","params":{{"a":{{"b":1}}}}}}"#),
                ),
                BAD_REQUEST,
                "bad_request",
            ),
            row(
                "sign: params pair of three",
                post_json(
                    s,
                    c,
                    format!(r#"{{"method":"POST","url":"{base}me","params":[["a","b","c"]]}}"#),
                ),
                BAD_REQUEST,
                "bad_request",
            ),
            row(
                "sign: invalid UTF-8",
                post_json(s, c, b"{\"method\":\"\xff\"}".to_vec()),
                BAD_REQUEST,
                "bad_request",
            ),
            row(
                "sign: text/plain body",
                Request::post(s)
                    .header(header::CONTENT_TYPE, "text/plain")
                    .header(header::ORIGIN, APP)
                    .header(header::COOKIE, &good)
                    .body(Body::from(sign_body(&base)))
                    .unwrap(),
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
            ),
            row(
                "sign: 2 MiB body",
                post_json(
                    s,
                    c,
                    format!(r#"{{"method":"GET","url":"{}"}}"#, "a".repeat(2 << 20)),
                ),
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
            ),
            row(
                "sign: URL on another host",
                post_json(s, c, body_with("http://evil.example/api/me")),
                FORBIDDEN,
                "forbidden",
            ),
            row(
                "sign: URL beside api_base",
                post_json(s, c, body_with(&base.replace("/api/", "/apiary"))),
                FORBIDDEN,
                "forbidden",
            ),
            row(
                "sign: ../ out of api_base",
                post_json(s, c, body_with(&format!("{base}../admin"))),
                FORBIDDEN,
                "forbidden",
            ),
            row(
                "sign: %2e%2e/ out of api_base",
                post_json(s, c, body_with(&format!("{base}%2e%2e/admin"))),
                FORBIDDEN,
                "forbidden",
            ),
            row(
                "sign: fragment",
                post_json(s, c, body_with(&format!("{base}me#x"))),
                FORBIDDEN,
                "forbidden",
            ),
            row(
                "sign: no session cookie",
                post_json(s, None, sign_body(&base)),
                UNAUTHORIZED,
                "unauthorized",
            ),
            row(
                "sign: tampered cookie",
                post_json(s, Some(&tampered(&good)), sign_body(&base)),
                UNAUTHORIZED,
                "unauthorized",
            ),
            row(
                "sign: truncated cookie",
                post_json(s, Some(&truncated(&good)), sign_body(&base)),
                UNAUTHORIZED,
                "unauthorized",
            ),
            row(
                "sign: empty cookie value",
                post_json(s, Some("latchkey-flask-session="), sign_body(&base)),
                UNAUTHORIZED,
                "unauthorized",
            ),
            row(
                "sign: cookie of a rotated-away key",
                post_json(s, Some(&old_key), sign_body(&base)),
                UNAUTHORIZED,
                "unauthorized",
            ),
            row(
                "sign: expired cookie",
                post_json(s, Some(&expired), sign_body(&base)),
                UNAUTHORIZED,
                "unauthorized",
            ),
            row(
                "sign: other provider's cookie renamed",
                post_json(s, Some(&other), sign_body(&base)),
                UNAUTHORIZED,
                "unauthorized",
            ),
            row(
                "sign: session sealed under the pending name",
                post_json(s, Some(&pending_as_session), sign_body(&base)),
                UNAUTHORIZED,
                "unauthorized",
            ),
            row(
                "sign: foreign Origin",
                Request::post(s)
                    .header(header::CONTENT_TYPE, "application/json")
                    .header(header::ORIGIN, "https://evil.example")
                    .header(header::COOKIE, &good)
                    .body(Body::from(sign_body(&base)))
                    .unwrap(),
                FORBIDDEN,
                "forbidden",
            ),
            row(
                "sign: Origin null",
                Request::post(s)
                    .header(header::CONTENT_TYPE, "application/json")
                    .header(header::ORIGIN, "null")
                    .header(header::COOKIE, &good)
                    .body(Body::from(sign_body(&base)))
                    .unwrap(),
                FORBIDDEN,
                "forbidden",
            ),
            row(
                "sign: no Origin",
                Request::post(s)
                    .header(header::CONTENT_TYPE, "application/json")
                    .header(header::COOKIE, &good)
                    .body(Body::from(sign_body(&base)))
                    .unwrap(),
                FORBIDDEN,
                "forbidden",
            ),
            row(
                "sign: Origin with a trailing slash",
                Request::post(s)
                    .header(header::CONTENT_TYPE, "application/json")
                    .header(header::ORIGIN, format!("{APP}/"))
                    .header(header::COOKIE, &good)
                    .body(Body::from(sign_body(&base)))
                    .unwrap(),
                FORBIDDEN,
                "forbidden",
            ),
            row(
                "sign: unknown provider",
                post_json("/oauth1/nope/sign", c, sign_body(&base)),
                NOT_FOUND,
                "not_found",
            ),
            row(
                "sign: provider id of 5,000 bytes",
                post_json(
                    &format!("/oauth1/{}/sign", "x".repeat(5000)),
                    c,
                    sign_body(&base),
                ),
                NOT_FOUND,
                "not_found",
            ),
        ],
    )
    .await;
    assert!(n >= 30);
    assert_eq!(hits.load(Ordering::SeqCst), 0, "/sign never calls upstream");
}

#[tokio::test]
async fn proxy_route_catalogue_sends_nothing_upstream() {
    let (base, hits) = upstream().await;
    let st = state(&base, NOW, KEY_B, "");
    let router = latchkey_companion::app(st.clone());
    let good = cookie(&st, "flask");
    let c = Some(good.as_str());
    let p = |rest: &str| get(&format!("/oauth1/flask/api/{rest}"), c);
    let post = |rest: &str, origin: Option<&str>, body: Body| {
        let mut b = Request::post(format!("/oauth1/flask/api/{rest}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, &good);
        if let Some(o) = origin {
            b = b.header(header::ORIGIN, o);
        }
        b.body(body).unwrap()
    };
    check(
        &router,
        vec![
            row("proxy: ../", p("../admin"), FORBIDDEN, "forbidden"),
            row(
                "proxy: a/../../",
                p("a/../../admin"),
                FORBIDDEN,
                "forbidden",
            ),
            row("proxy: %2e%2e/", p("%2e%2e/admin"), FORBIDDEN, "forbidden"),
            row("proxy: .%2E/", p(".%2E/admin"), FORBIDDEN, "forbidden"),
            row(
                "proxy: %2F inside a segment",
                p("a%2F..%2Fadmin"),
                FORBIDDEN,
                "forbidden",
            ),
            row(
                "proxy: double-encoded %252e%252e",
                p("%252e%252e/admin"),
                FORBIDDEN,
                "forbidden",
            ),
            row(
                "proxy: encoded backslash %5c",
                p("..%5cadmin"),
                FORBIDDEN,
                "forbidden",
            ),
            row(
                "proxy: ..; matrix parameter",
                p("..;/admin"),
                FORBIDDEN,
                "forbidden",
            ),
            row(
                "proxy: a second leading slash",
                p("/evil.example/x"),
                FORBIDDEN,
                "forbidden",
            ),
            row(
                "proxy: encoded CR LF",
                p("a%0d%0aHost:%20evil"),
                FORBIDDEN,
                "forbidden",
            ),
            row("proxy: encoded NUL", p("a%00b"), FORBIDDEN, "forbidden"),
            row(
                "proxy: bad percent escape",
                p("%zz"),
                FORBIDDEN,
                "forbidden",
            ),
            row(
                "proxy: no session",
                get("/oauth1/flask/api/me", None),
                UNAUTHORIZED,
                "unauthorized",
            ),
            row(
                "proxy: tampered session",
                get("/oauth1/flask/api/me", Some(&tampered(&good))),
                UNAUTHORIZED,
                "unauthorized",
            ),
            row(
                "proxy: unknown provider",
                get("/oauth1/nope/api/me", c),
                NOT_FOUND,
                "not_found",
            ),
            row(
                "proxy: POST from a foreign Origin",
                post("me", Some("https://evil.example"), Body::from("a=1")),
                FORBIDDEN,
                "forbidden",
            ),
            row(
                "proxy: POST without Origin",
                post("me", None, Body::from("a=1")),
                FORBIDDEN,
                "forbidden",
            ),
            row(
                "proxy: POST with Origin null",
                post("me", Some("null"), Body::from("a=1")),
                FORBIDDEN,
                "forbidden",
            ),
            row(
                "proxy: 2 MiB body",
                post("me", Some(APP), Body::from(vec![b'a'; 2 << 20])),
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
            ),
        ],
    )
    .await;
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "a refused request reached the API"
    );
    // Positive control: the same router does reach the API for a valid request.
    let (status, _) = send(&router, p("me?x=1")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn session_logout_login_and_callback_catalogue() {
    let (base, _) = upstream().await;
    let st = state(&base, NOW, KEY_B, "");
    let router = latchkey_companion::app(st.clone());
    let good = cookie(&st, "flask");
    let logout = |origin: Option<&str>| {
        let mut b = Request::post("/oauth1/flask/logout").header(header::COOKIE, &good);
        if let Some(o) = origin {
            b = b.header(header::ORIGIN, o);
        }
        b.body(Body::empty()).unwrap()
    };
    let as_pending = renamed(&good, "latchkey-flask-pending");
    let long_query = format!(
        "/oauth1/flask/callback?oauth_token={}&oauth_verifier=v",
        "t".repeat(16 * 1024)
    );
    check(
        &router,
        vec![
            row(
                "logout: foreign Origin",
                logout(Some("https://evil.example")),
                FORBIDDEN,
                "forbidden",
            ),
            row("logout: no Origin", logout(None), FORBIDDEN, "forbidden"),
            row(
                "logout: Origin null",
                logout(Some("null")),
                FORBIDDEN,
                "forbidden",
            ),
            row(
                "logout: sibling subdomain Origin",
                logout(Some("http://evil.127.0.0.1:8080")),
                FORBIDDEN,
                "forbidden",
            ),
            row(
                "logout: unknown provider",
                Request::post("/oauth1/nope/logout")
                    .header(header::ORIGIN, APP)
                    .body(Body::empty())
                    .unwrap(),
                NOT_FOUND,
                "not_found",
            ),
            row(
                "session: unknown provider",
                get("/oauth1/nope/session", None),
                NOT_FOUND,
                "not_found",
            ),
            row(
                "login: unknown provider",
                get("/oauth1/nope/login?return_to=/", None),
                NOT_FOUND,
                "not_found",
            ),
            row(
                "callback: no pending sign-in",
                get(
                    "/oauth1/flask/callback?oauth_token=t&oauth_verifier=v",
                    None,
                ),
                BAD_REQUEST,
                "bad_request",
            ),
            row(
                "callback: a session cookie under the pending name",
                get(
                    "/oauth1/flask/callback?oauth_token=t&oauth_verifier=v",
                    Some(&as_pending),
                ),
                BAD_REQUEST,
                "bad_request",
            ),
            row(
                "callback: garbage pending cookie",
                get(
                    "/oauth1/flask/callback?oauth_token=t&oauth_verifier=v",
                    Some("latchkey-flask-pending=%%%"),
                ),
                BAD_REQUEST,
                "bad_request",
            ),
            row(
                "callback: 16 KiB query, no pending sign-in",
                get(&long_query, None),
                BAD_REQUEST,
                "bad_request",
            ),
            row(
                "session: provider id not UTF-8",
                get("/oauth1/%FF/session", None),
                BAD_REQUEST,
                "bad_request",
            ),
            row(
                "callback: oauth_token twice",
                get(
                    "/oauth1/flask/callback?oauth_token=a&oauth_token=b&oauth_verifier=v",
                    None,
                ),
                BAD_REQUEST,
                "bad_request",
            ),
            row(
                "login: return_to twice",
                get(
                    "/oauth1/flask/login?return_to=/a&return_to=//evil.example",
                    None,
                ),
                BAD_REQUEST,
                "bad_request",
            ),
            row(
                "callback: unknown provider",
                get("/oauth1/nope/callback?oauth_token=t", None),
                NOT_FOUND,
                "not_found",
            ),
        ],
    )
    .await;
    // A tampered or stale session is "signed out", not an error: the app shows the button.
    for (what, c) in [
        ("tampered", tampered(&good)),
        ("truncated", truncated(&good)),
        (
            "other provider",
            renamed(&cookie(&st, "other"), "latchkey-flask-session"),
        ),
        ("old key", cookie(&state(&base, NOW, KEY_A, ""), "flask")),
    ] {
        let (status, body) = send(&router, get("/oauth1/flask/session", Some(&c))).await;
        assert_eq!(
            (status, &body["signed_in"]),
            (StatusCode::OK, &Value::Bool(false)),
            "{what}"
        );
    }
    let (_, body) = send(&router, get("/oauth1/flask/session", Some(&good))).await;
    assert_eq!(body["signed_in"], Value::Bool(true), "positive control");
}

#[test]
fn return_to_open_redirect_attempts_land_on_the_app_root() {
    let bad = [
        "//evil.example",
        "/\\evil.example",
        "\\/evil.example",
        "https://evil.example",
        "http:evil.example",
        "%2F%2Fevil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r/evil.example",
        "\t//evil.example",
        " //evil.example",
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "evil.example",
        "/caf\u{e9}",
        "/\u{2215}\u{2215}evil.example",
        "",
    ];
    for v in bad {
        assert_eq!(safe_return_to(Some(v)), "/", "{v:?} was kept");
    }
    // Percent-encoded slashes and backslashes after a single leading '/' stay a path on this origin: the
    // browser does not decode them into an authority.
    for kept in ["/%2F%2Fevil.example", "/%5Cevil.example", "/%2e%2e/x"] {
        assert_eq!(safe_return_to(Some(kept)), kept);
    }
    assert_eq!(
        safe_return_to(Some("/console?tab=api#x")),
        "/console?tab=api#x"
    );
}

#[tokio::test]
async fn methods_and_paths_the_router_does_not_serve() {
    let (base, _) = upstream().await;
    let router = latchkey_companion::app(state(&base, NOW, KEY_B, ""));
    for (method, path, want) in [
        (
            Method::GET,
            "/oauth1/flask/sign",
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (
            Method::DELETE,
            "/oauth1/flask/session",
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (
            Method::PUT,
            "/oauth1/flask/login",
            StatusCode::METHOD_NOT_ALLOWED,
        ),
    ] {
        let req = Request::builder()
            .method(method.clone())
            .uri(path)
            .header(header::ORIGIN, APP)
            .body(Body::empty())
            .unwrap();
        let (status, _) = send(&router, req).await;
        assert_eq!(status, want, "{method} {path}");
    }
}

/// The token-mediation routes (`/oauth2/{id}/…`): every refusal happens before anything is
/// sent to the provider's token endpoint (the stand-in counts what reaches it).
#[tokio::test]
async fn token_mediation_route_catalogue_sends_nothing_upstream() {
    let (base, hits) = upstream().await;
    let text = format!(
        r#"
[server]
listen = "127.0.0.1:0"
public_url = "{APP}"
static_dir = "/nonexistent"
token_rate_per_minute = 100000
token_rate_burst = 100000

[[provider]]
id = "med"
name = "Mediated"
protocol = "oauth2"
authorization_endpoint = "{base}authorize"
token_endpoint = "{base}token"
revocation_endpoint = "{base}revoke"
client_id = "med-client"
token_via_companion = true
client_secret_env = "MED_SECRET"

[[provider]]
id = "direct"
name = "Direct"
protocol = "oauth2"
authorization_endpoint = "{base}authorize"
token_endpoint = "{base}token"
client_id = "spa"
"#
    );
    let config = Config::parse(&text).unwrap();
    let env = |n: &str| match n {
        "MED_SECRET" => Some("client-secret".to_owned()),
        COOKIE_KEY_ENV => Some(KEY_B.to_owned()),
        _ => None,
    };
    let secrets = Secrets::load(&config, &env).unwrap();
    let st = AppState::with(
        config,
        secrets,
        Arc::new(FixedClock(NOW)),
        Arc::new(FixedRandom),
    )
    .unwrap();
    let router = latchkey_companion::app(st);
    let form = |path: &str, origin: Option<&str>, body: Vec<u8>| {
        let mut b =
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(o) = origin {
            b = b.header(header::ORIGIN, o);
        }
        b.body(Body::from(body)).unwrap()
    };
    let code = |redirect: &str| {
        format!(
            "grant_type=authorization_code&code=c&code_verifier={}&redirect_uri={redirect}",
            "v".repeat(43)
        )
        .into_bytes()
    };
    let good_redirect = "http%3A%2F%2F127.0.0.1%3A8080%2Fcallback";
    let a = Some(APP);
    check(
        &router,
        vec![
            row(
                "token: unknown provider",
                form("/oauth2/nope/token", a, code(good_redirect)),
                NOT_FOUND,
                "not_found",
            ),
            row(
                "token: provider not mediated",
                form("/oauth2/direct/token", a, code(good_redirect)),
                NOT_FOUND,
                "not_found",
            ),
            row(
                "token: foreign Origin",
                form(
                    "/oauth2/med/token",
                    Some("https://evil.example"),
                    code(good_redirect),
                ),
                FORBIDDEN,
                "forbidden",
            ),
            row(
                "token: no Origin",
                form("/oauth2/med/token", None, code(good_redirect)),
                FORBIDDEN,
                "forbidden",
            ),
            row(
                "token: Origin null",
                form("/oauth2/med/token", Some("null"), code(good_redirect)),
                FORBIDDEN,
                "forbidden",
            ),
            row(
                "token: 32 KiB body",
                form("/oauth2/med/token", a, vec![b'a'; 32 * 1024]),
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
            ),
            row(
                "token: redirect_uri of another site",
                form(
                    "/oauth2/med/token",
                    a,
                    code("https%3A%2F%2Fevil.example%2Fcallback"),
                ),
                BAD_REQUEST,
                "bad_request",
            ),
            row(
                "token: redirect_uri beside /callback",
                form(
                    "/oauth2/med/token",
                    a,
                    code("http%3A%2F%2F127.0.0.1%3A8080%2Fcallback%2F..%2Fx"),
                ),
                BAD_REQUEST,
                "bad_request",
            ),
            row(
                "token: code missing",
                form(
                    "/oauth2/med/token",
                    a,
                    b"grant_type=authorization_code".to_vec(),
                ),
                BAD_REQUEST,
                "bad_request",
            ),
            row(
                "token: refresh grant on the code route",
                form(
                    "/oauth2/med/token",
                    a,
                    b"grant_type=refresh_token&refresh_token=r".to_vec(),
                ),
                BAD_REQUEST,
                "bad_request",
            ),
            row(
                "token: bad percent escape",
                form("/oauth2/med/token", a, b"grant_type=%zz&code=%".to_vec()),
                BAD_REQUEST,
                "bad_request",
            ),
            row(
                "refresh: empty body in browser mode",
                form("/oauth2/med/refresh", a, Vec::new()),
                BAD_REQUEST,
                "bad_request",
            ),
            row(
                "refresh: foreign Origin",
                form(
                    "/oauth2/med/refresh",
                    Some("https://evil.example"),
                    b"refresh_token=r".to_vec(),
                ),
                FORBIDDEN,
                "forbidden",
            ),
            row(
                "revoke: no Origin",
                form("/oauth2/med/revoke", None, b"token=t".to_vec()),
                FORBIDDEN,
                "forbidden",
            ),
            row(
                "revoke: unknown provider",
                form("/oauth2/nope/revoke", a, b"token=t".to_vec()),
                NOT_FOUND,
                "not_found",
            ),
        ],
    )
    .await;
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "a refused token request reached the provider"
    );
}
