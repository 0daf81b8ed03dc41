//! What every catalogue shares: the configuration, the states, cookie makers and the row checker.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use latchkey_companion::config::Config;
use latchkey_companion::routes::oauth1::session_cookie;
use latchkey_companion::secrets::{Secrets, COOKIE_KEY_ENV, PREVIOUS_COOKIE_KEYS_ENV};
use latchkey_companion::state::{FixedClock, Randomness};
use latchkey_companion::AppState;
use latchkey_proto::oauth1::TokenCredentials;
use latchkey_proto::secret::TokenSecret;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;

pub(crate) const APP: &str = "http://127.0.0.1:8080";
pub(crate) const NOW: u64 = 1_800_000_000;
pub(crate) const KEY_A: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
pub(crate) const KEY_B: &str = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";

pub(crate) struct FixedRandom;

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
pub(crate) async fn upstream() -> (String, Arc<AtomicUsize>) {
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

pub(crate) fn config(api_base: &str) -> Config {
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
pub(crate) fn state(api_base: &str, now: u64, current: &str, previous: &str) -> AppState {
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

pub(crate) fn session() -> TokenCredentials {
    TokenCredentials {
        token: "access-token".to_owned(),
        secret: TokenSecret::new("token-secret"),
        extra: vec![("screen_name".to_owned(), "demo".to_owned())],
    }
}

/// A session cookie (`name=value`) for provider `id`, sealed by `state`.
pub(crate) fn cookie(state: &AppState, id: &str) -> String {
    session_cookie(state, id, &session()).unwrap()
}

/// `cookie`'s value under another cookie name.
pub(crate) fn renamed(cookie: &str, name: &str) -> String {
    format!("{name}={}", cookie.split_once('=').unwrap().1)
}

/// `cookie` with one character of its value changed.
pub(crate) fn tampered(cookie: &str) -> String {
    let (name, value) = cookie.split_once('=').unwrap();
    let mut v: Vec<char> = value.chars().collect();
    let i = v.len() / 2;
    v[i] = if v[i] == 'A' { 'B' } else { 'A' };
    format!("{name}={}", v.into_iter().collect::<String>())
}

pub(crate) fn truncated(cookie: &str) -> String {
    let (name, value) = cookie.split_once('=').unwrap();
    format!("{name}={}", &value[..value.len() / 2])
}

pub(crate) const SIGN_BODY: &str = r#"{"method":"GET","url":"API/me?x=1"}"#;

pub(crate) fn sign_body(api_base: &str) -> String {
    SIGN_BODY.replace("API/", api_base)
}

/// A POST with a JSON body, the app's Origin and `cookie`.
pub(crate) fn post_json(uri: &str, cookie: Option<&str>, body: impl Into<Body>) -> Request<Body> {
    let mut b = Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ORIGIN, APP);
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    b.body(body.into()).unwrap()
}

pub(crate) fn get(uri: &str, cookie: Option<&str>) -> Request<Body> {
    let mut b = Request::get(uri);
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    b.body(Body::empty()).unwrap()
}

/// A GET as the app's own script sends it: a same-origin `fetch` (Fetch Metadata, no
/// `Origin`), so a row fails for what it names, not for its shape.
pub(crate) fn fetch_get(uri: &str, cookie: Option<&str>) -> Request<Body> {
    let mut b = Request::get(uri)
        .header("sec-fetch-site", "same-origin")
        .header("sec-fetch-mode", "same-origin")
        .header("sec-fetch-dest", "empty");
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    b.body(Body::empty()).unwrap()
}

/// Sends `req` and returns the status and the JSON body (`Value::Null` when not JSON).
pub(crate) async fn send(router: &Router, req: Request<Body>) -> (StatusCode, Value) {
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
pub(crate) struct Row {
    pub what: &'static str,
    pub req: Request<Body>,
    pub status: StatusCode,
    pub error: &'static str,
}

pub(crate) fn row(
    what: &'static str,
    req: Request<Body>,
    status: StatusCode,
    error: &'static str,
) -> Row {
    Row {
        what,
        req,
        status,
        error,
    }
}

/// Runs every row; reports all mismatches at once.
pub(crate) async fn check(router: &Router, rows: Vec<Row>) -> usize {
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

pub(crate) const BAD_REQUEST: StatusCode = StatusCode::BAD_REQUEST;
pub(crate) const UNAUTHORIZED: StatusCode = StatusCode::UNAUTHORIZED;
pub(crate) const FORBIDDEN: StatusCode = StatusCode::FORBIDDEN;
pub(crate) const NOT_FOUND: StatusCode = StatusCode::NOT_FOUND;
