//! Router tests of the token-mediation routes: `oneshot` against the whole app, with a local
//! token endpoint ([`provider`]) that checks the protocol, and local listeners for faults.

mod provider;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use serde_json::Value;
use tower::ServiceExt;

use self::provider::{Provider, CLIENT_SECRET};
use crate::app::tests::{FixedRandom, TempDir, COOKIE_KEY, NOW, OTHER_COOKIE_KEY};
use crate::config::Config;
use crate::secrets::{Secrets, COOKIE_KEY_ENV, PREVIOUS_COOKIE_KEYS_ENV};
use crate::state::{AppState, FixedClock};

const APP: &str = "http://127.0.0.1:8080";
/// The default redirect URI of provider `id`: `<public_url>/callback/<id>`.
fn callback(id: &str) -> String {
    format!("http://127.0.0.1:8080/callback/{id}")
}
/// The `page` provider's own `redirect_uri`: a page of the site other than `/callback`.
const PAGE_CALLBACK: &str = "http://127.0.0.1:8080/blog/callback.html?signin";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r0wOW1gFzmW0kXjk";

/// Options for one test app.
struct Opts {
    per_minute: u32,
    burst: u32,
    cookie_key: &'static str,
    previous_keys: &'static str,
    timeout: Duration,
    public_url: &'static str,
}

impl Default for Opts {
    fn default() -> Self {
        Opts {
            per_minute: 10_000,
            burst: 1_000,
            cookie_key: COOKIE_KEY,
            previous_keys: "",
            timeout: Duration::from_secs(10),
            public_url: APP,
        }
    }
}

struct T {
    router: Router,
    provider: Provider,
    _dir: TempDir,
}

/// Providers: `med` (basic auth, explicit endpoints, refresh token in the browser), `jar`
/// (OIDC discovery, client_secret_post from a file, refresh token in the companion),
/// `norevoke` (companion mode, no revocation endpoint), `page` (its own `redirect_uri`,
/// [`PAGE_CALLBACK`]), `plain` (not mediated) and one per fault: `down`, `slow`, `html`,
/// `boom`, `cut`.
async fn start(o: Opts) -> T {
    let provider = Provider::start().await;
    let b = &provider.base;
    let dir = TempDir::new("oauth2");
    std::fs::write(dir.0.join("index.html"), "<!doctype html>").unwrap();
    let secret_file = dir.0.join("client-secret");
    std::fs::write(&secret_file, format!("{CLIENT_SECRET}\n")).unwrap();
    let down = provider::closed_port().await;
    let cut = provider::truncating().await;
    let fault = |id: &str, url: String| {
        format!(
            r#"
[[provider]]
id = "{id}"
name = "{id}"
protocol = "oauth2"
authorization_endpoint = "{b}/authorize"
token_endpoint = "{url}"
client_id = "med-client"
token_via_companion = true
client_secret_env = "MED_SECRET"
"#
        )
    };
    let text = format!(
        r#"
[server]
listen = "127.0.0.1:0"
public_url = "{public_url}"
static_dir = "{dir}"
token_rate_per_minute = {rpm}
token_rate_burst = {burst}

[[provider]]
id = "med"
name = "Mediated"
protocol = "oauth2"
authorization_endpoint = "{b}/authorize"
token_endpoint = "{b}/token"
revocation_endpoint = "{b}/revoke"
client_id = "med-client"
token_via_companion = true
client_secret_env = "MED_SECRET"

[[provider]]
id = "jar"
name = "Cookie jar"
protocol = "oidc"
issuer = "{b}"
client_id = "med-client"
token_via_companion = true
client_secret_file = "{secret}"
token_auth = "client_secret_post"
refresh_token_in = "companion"

[[provider]]
id = "norevoke"
name = "No revocation"
protocol = "oauth2"
authorization_endpoint = "{b}/authorize"
token_endpoint = "{b}/token"
client_id = "med-client"
token_via_companion = true
client_secret_env = "MED_SECRET"
refresh_token_in = "companion"

[[provider]]
id = "page"
name = "Own redirect URI"
protocol = "oauth2"
authorization_endpoint = "{b}/authorize"
token_endpoint = "{b}/token"
client_id = "med-client"
redirect_uri = "{PAGE_CALLBACK}"
token_via_companion = true
client_secret_env = "MED_SECRET"

[[provider]]
id = "plain"
name = "Plain"
protocol = "oidc"
issuer = "{b}"
client_id = "spa"
{down}{slow}{html}{boom}{cut}"#,
        dir = dir.0.display(),
        public_url = o.public_url,
        rpm = o.per_minute,
        burst = o.burst,
        secret = secret_file.display(),
        down = fault("down", format!("{down}/token")),
        slow = fault("slow", format!("{b}/slow")),
        html = fault("html", format!("{b}/html")),
        boom = fault("boom", format!("{b}/boom")),
        cut = fault("cut", format!("{cut}/token")),
    );
    let config = Config::parse(&text).unwrap();
    let env = move |n: &str| match n {
        "MED_SECRET" => Some(CLIENT_SECRET.to_owned()),
        COOKIE_KEY_ENV => Some(o.cookie_key.to_owned()),
        PREVIOUS_COOKIE_KEYS_ENV => Some(o.previous_keys.to_owned()),
        _ => None,
    };
    let secrets = Secrets::load(&config, &env).unwrap();
    let state = AppState::with_timeouts(
        config,
        secrets,
        Arc::new(FixedClock(NOW)),
        Arc::new(FixedRandom),
        Duration::from_secs(2),
        o.timeout,
    )
    .unwrap();
    T {
        router: crate::app(state),
        provider,
        _dir: dir,
    }
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    text: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|_| panic!("not JSON: {}", self.text))
    }

    /// The `name=value` of the one Set-Cookie, and the whole header.
    fn cookie(&self) -> Option<(String, String)> {
        let all: Vec<_> = self.headers.get_all(header::SET_COOKIE).iter().collect();
        assert!(all.len() <= 1, "{all:?}");
        all.first().map(|v| {
            let v = v.to_str().unwrap().to_owned();
            (v.split(';').next().unwrap().to_owned(), v)
        })
    }
}

struct Post<'a> {
    path: &'a str,
    body: &'a str,
    origin: Option<&'a str>,
    cookie: Option<&'a str>,
    peer: &'a str,
}

impl<'a> Post<'a> {
    fn new(path: &'a str, body: &'a str) -> Self {
        Post {
            path,
            body,
            origin: Some(APP),
            cookie: None,
            peer: "192.0.2.10:50000",
        }
    }
}

async fn send(t: &T, p: Post<'_>) -> Answer {
    let mut req = Request::post(p.path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(p.body.to_owned()))
        .unwrap();
    if let Some(o) = p.origin {
        req.headers_mut().insert(header::ORIGIN, o.parse().unwrap());
    }
    if let Some(c) = p.cookie {
        req.headers_mut().insert(header::COOKIE, c.parse().unwrap());
    }
    let peer: SocketAddr = p.peer.parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(peer));
    let resp = t.router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    Answer {
        status,
        headers,
        text: String::from_utf8_lossy(&body).into_owned(),
    }
}

/// A code exchange with provider `id`'s default redirect URI.
fn code_form(code: &str, id: &str) -> String {
    code_form_to(code, &callback(id))
}

fn code_form_to(code: &str, redirect_uri: &str) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "authorization_code")
        .append_pair("code", code)
        .append_pair("code_verifier", VERIFIER)
        .append_pair("redirect_uri", redirect_uri)
        .finish()
}

async fn exchange(t: &T, id: &str) -> Answer {
    let code = t.provider.issue_code(VERIFIER, &callback(id));
    let path = format!("/oauth2/{id}/token");
    send(t, Post::new(&path, &code_form(&code, id))).await
}

#[tokio::test]
async fn code_exchange_adds_basic_auth_and_answers_normalised_json() {
    let t = start(Opts::default()).await;
    let a = exchange(&t, "med").await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(
        a.json(),
        serde_json::json!({
            "access_token": "access-2-Wm5",
            "token_type": "Bearer",
            "expires_in": 3600,
            "refresh_token": "refresh-2-Pq3",
            "scope": "read write",
        })
    );
    assert_eq!(a.headers["cache-control"], "no-store");
    assert!(a.cookie().is_none(), "browser mode sets no cookie");
    let seen = t.provider.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path, "/token");
    assert_eq!(seen[0].auth, "basic");
    assert!(!seen[0].params.contains_key("client_secret"));
    assert_eq!(seen[0].params["code_verifier"], VERIFIER);
    assert!(!a.text.contains(CLIENT_SECRET));
}

#[tokio::test]
async fn browser_mode_refresh_rotates_in_the_body() {
    let t = start(Opts::default()).await;
    let rt = exchange(&t, "med").await.json()["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = format!("grant_type=refresh_token&refresh_token={rt}");
    let a = send(&t, Post::new("/oauth2/med/refresh", &body)).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let new_rt = a.json()["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(new_rt, rt);
    // The provider rotated: the old one is now refused, in the provider's own words.
    let a = send(&t, Post::new("/oauth2/med/refresh", &body)).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        a.json(),
        serde_json::json!({"error": "invalid_grant", "error_description": "refresh token invalid"})
    );
    // Browser mode needs the token in the body.
    let a = send(&t, Post::new("/oauth2/med/refresh", "")).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(a.text.contains("refresh_token"), "{}", a.text);
}

#[tokio::test]
async fn companion_mode_keeps_the_refresh_token_in_a_cookie_rotates_and_revokes_it() {
    let t = start(Opts::default()).await;
    let a = exchange(&t, "jar").await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let body = a.json();
    assert_eq!(body["refresh_token_in"], "companion");
    assert!(body.get("refresh_token").is_none(), "{body}");
    assert!(!a.text.contains("refresh-"), "{}", a.text);
    let (first, header) = a.cookie().expect("a refresh cookie");
    assert!(first.starts_with("latchkey_rt_jar="), "{header}");
    assert!(!first.contains("refresh-"), "sealed: {header}");
    for attr in [
        "HttpOnly",
        "SameSite=Strict",
        "Path=/oauth2/jar/",
        "Max-Age=",
    ] {
        assert!(header.contains(attr), "{attr} missing: {header}");
    }
    assert!(!header.contains("Secure"), "plain http: {header}");
    assert_eq!(t.provider.seen()[0].auth, "post");

    // Refresh with the cookie and an empty body: a new access token and a rotated cookie.
    let refresh = |cookie: String| {
        let t = &t;
        async move {
            let mut p = Post::new("/oauth2/jar/refresh", "");
            p.cookie = Some(&cookie);
            send(t, p).await
        }
    };
    let a = refresh(first.clone()).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.json()["access_token"], "access-3-Wm5");
    assert_eq!(a.json()["refresh_token_in"], "companion");
    let (second, _) = a.cookie().expect("the rotated token replaces the cookie");
    assert_ne!(second, first);
    let sent = &t.provider.seen()[1];
    assert_eq!(sent.params["refresh_token"], "refresh-2-Pq3");

    // The first cookie's token was rotated away: the provider refuses it and the cookie goes.
    let a = refresh(first.clone()).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(a.json()["error"], "invalid_grant");
    assert!(a.cookie().unwrap().1.contains("Max-Age=0"));

    // A refresh token in the body is refused in companion mode.
    let mut p = Post::new("/oauth2/jar/refresh", "refresh_token=refresh-3-Pq3");
    p.cookie = Some(&second);
    assert_eq!(send(&t, p).await.status, StatusCode::BAD_REQUEST);

    // Sign-out: the cookie's refresh token and the access token are revoked, the cookie cleared.
    let mut p = Post::new(
        "/oauth2/jar/revoke",
        "token=access-3-Wm5&token_type_hint=access_token",
    );
    p.cookie = Some(&second);
    let a = send(&t, p).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.json(), serde_json::json!({}));
    let cleared = a.cookie().unwrap().1;
    assert!(
        cleared.starts_with("latchkey_rt_jar=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    let revoked = t.provider.inner.lock().unwrap().revoked.clone();
    assert_eq!(revoked, ["refresh-3-Pq3", "access-3-Wm5"]);
    // Discovery was fetched once for all of this.
    assert_eq!(t.provider.inner.lock().unwrap().discovery_hits, 1);

    // After sign-out, a refresh without a cookie asks for a new sign-in.
    let a = send(&t, Post::new("/oauth2/jar/refresh", "")).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(a.json()["error"], "invalid_grant");

    // A copy of the cookie taken before sign-out (issue 19, finding 9) still opens, and the
    // companion still sends its token, but the token was revoked: the provider refuses it.
    // (DOT refusing the revoked token: e2e/mediation.rs, sign-out with the token in the
    // companion.)
    let seen_before = t.provider.seen().len();
    let a = refresh(second.clone()).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text);
    assert_eq!(a.json()["error"], "invalid_grant");
    let sent = &t.provider.seen()[seen_before];
    assert_eq!(
        sent.params["refresh_token"], "refresh-3-Pq3",
        "the revoked token"
    );
}

#[tokio::test]
async fn a_tampered_or_foreign_cookie_is_refused_and_cleared_and_an_old_key_still_opens() {
    let t = start(Opts::default()).await;
    let (cookie, _) = exchange(&t, "jar").await.cookie().unwrap();
    let (name, value) = cookie.split_once('=').unwrap();
    let mut bytes = value.as_bytes().to_vec();
    let i = bytes.len() / 2;
    bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
    let tampered = format!("{name}={}", String::from_utf8(bytes).unwrap());
    let mut p = Post::new("/oauth2/jar/refresh", "");
    p.cookie = Some(&tampered);
    let a = send(&t, p).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(a.json()["error"], "invalid_grant");
    assert!(a.cookie().unwrap().1.contains("Max-Age=0"));
    assert_eq!(t.provider.seen().len(), 1, "nothing sent upstream");

    // The cookie of another provider does not open as this one's.
    let moved = cookie.replace("latchkey_rt_jar=", "latchkey_rt_norevoke=");
    let mut p = Post::new("/oauth2/norevoke/refresh", "");
    p.cookie = Some(&moved);
    assert_eq!(send(&t, p).await.json()["error"], "invalid_grant");

    // After a key rotation (the old key listed as previous) the cookie still works...
    let rotated = start(Opts {
        cookie_key: OTHER_COOKIE_KEY,
        previous_keys: COOKIE_KEY,
        ..Opts::default()
    })
    .await;
    let (c2, _) = exchange(&rotated, "jar").await.cookie().unwrap();
    let old_key = start(Opts::default()).await;
    let (c_old, _) = exchange(&old_key, "jar").await.cookie().unwrap();
    // Both stand-in providers issued the same refresh-2 token, so `rotated`'s provider
    // honours the token sealed in `old_key`'s cookie.
    let mut p = Post::new("/oauth2/jar/refresh", "");
    p.cookie = Some(&c_old);
    let a = send(&rotated, p).await;
    assert_eq!(
        a.status,
        StatusCode::OK,
        "an old-key cookie opens: {}",
        a.text
    );
    assert_ne!(
        a.cookie().unwrap().0,
        c_old,
        "and is resealed with the current key"
    );
    // ...while a companion without that key refuses the new one.
    let mut p = Post::new("/oauth2/jar/refresh", "");
    p.cookie = Some(&c2);
    let a = send(&old_key, p).await;
    assert_eq!(a.json()["error"], "invalid_grant");
}

#[tokio::test]
async fn on_https_the_cookie_is_host_prefixed_and_secure() {
    let t = start(Opts {
        public_url: "https://app.example",
        ..Opts::default()
    })
    .await;
    let callback = "https://app.example/callback/jar";
    let code = t.provider.issue_code(VERIFIER, callback);
    let form = code_form(&code, "jar")
        .replace("http%3A%2F%2F127.0.0.1%3A8080", "https%3A%2F%2Fapp.example");
    let mut p = Post::new("/oauth2/jar/token", &form);
    p.origin = Some("https://app.example");
    let a = send(&t, p).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let (first, header) = a.cookie().unwrap();
    assert!(first.starts_with("__Host-latchkey_rt_jar="), "{header}");
    // Browsers drop a __Host- cookie unless it is Secure with Path=/ and no Domain.
    for attr in ["; Secure", "; Path=/;", "HttpOnly", "SameSite=Strict"] {
        assert!(header.contains(attr), "{attr} missing: {header}");
    }
    assert!(!header.contains("Domain"), "{header}");
    let mut p = Post::new("/oauth2/jar/refresh", "");
    p.origin = Some("https://app.example");
    p.cookie = Some(&first);
    let a = send(&t, p).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
}

#[tokio::test]
async fn revoke_without_an_endpoint_says_so_and_clears_the_cookie() {
    let t = start(Opts::default()).await;
    let (cookie, _) = exchange(&t, "norevoke").await.cookie().unwrap();
    let mut p = Post::new("/oauth2/norevoke/revoke", "");
    p.cookie = Some(&cookie);
    let a = send(&t, p).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.json(), serde_json::json!({"revoked": false}));
    assert!(a.cookie().unwrap().1.contains("Max-Age=0"));
    // Browser mode needs the token.
    let a = send(&t, Post::new("/oauth2/med/revoke", "")).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    let a = send(&t, Post::new("/oauth2/med/revoke", "token=access-9-Wm5")).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(t.provider.inner.lock().unwrap().revoked, ["access-9-Wm5"]);
}

#[tokio::test]
async fn the_providers_own_error_comes_back_as_a_400_in_rfc_6749_shape() {
    let t = start(Opts::default()).await;
    let body = code_form("code-never-issued", "med");
    let a = send(&t, Post::new("/oauth2/med/token", &body)).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        a.json(),
        serde_json::json!({"error": "invalid_grant", "error_description": "unknown or used code"})
    );
    // A verifier that does not match the code's challenge: the provider's PKCE check fails.
    let code = t.provider.issue_code(VERIFIER, &callback("med"));
    let other = "x".repeat(43);
    let body = code_form(&code, "med").replace(VERIFIER, &other);
    let a = send(&t, Post::new("/oauth2/med/token", &body)).await;
    assert_eq!(a.json()["error_description"], "PKCE verification failed");
}

#[tokio::test]
async fn latchkey_json_announces_mediation_without_the_secret() {
    let t = start(Opts::default()).await;
    let req = Request::get("/latchkey.json").body(Body::empty()).unwrap();
    let resp = t.router.clone().oneshot(req).await.unwrap();
    let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    let text = String::from_utf8(body.to_vec()).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let find = |id: &str| {
        v["providers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(find("med")["token_via_companion"], true);
    assert!(
        find("med").get("refresh_token_in").is_none(),
        "browser is the default"
    );
    assert_eq!(find("jar")["refresh_token_in"], "companion");
    assert!(find("plain").get("token_via_companion").is_none());
    for leak in [CLIENT_SECRET, "MED_SECRET", "client-secret"] {
        assert!(!text.contains(leak), "{leak} in {text}");
    }
}

mod guards;
mod logs;
mod redirect_uri;
