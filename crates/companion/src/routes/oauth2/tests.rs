//! Router tests of the token-mediation routes: `oneshot` against the whole app. What the
//! companion sends is recorded by a local listener that speaks no OAuth ([`upstream`]); what a
//! real provider does with it is tested end to end against DOT (tests/tests/mediation.rs,
//! tests/tests/mediation_routes.rs).

mod upstream;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use serde_json::Value;
use tower::ServiceExt;

use self::upstream::Recorder;
use crate::app::tests::{FixedRandom, TempDir, COOKIE_KEY, NOW};
use crate::config::Config;
use crate::secrets::{Secrets, COOKIE_KEY_ENV};
use crate::state::{AppState, FixedClock};

const APP: &str = "http://127.0.0.1:8080";
/// The default redirect URI of provider `id`: `<public_url>/callback/<id>`.
fn callback(id: &str) -> String {
    format!("http://127.0.0.1:8080/callback/{id}")
}
/// The `page` provider's own `redirect_uri`: a page of the site other than `/callback`.
const PAGE_CALLBACK: &str = "http://127.0.0.1:8080/blog/callback.html?signin";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r0wOW1gFzmW0kXjk";
const CLIENT_ID: &str = "med-client";
const CLIENT_SECRET: &str = "med-client-secret-Zq81";
/// A code as the provider would have issued it (the recorder never checks it).
const CODE: &str = "code-1-Kx7";

/// Options for one test app.
struct Opts {
    per_minute: u32,
    burst: u32,
    timeout: Duration,
}

impl Default for Opts {
    fn default() -> Self {
        Opts {
            per_minute: 10_000,
            burst: 1_000,
            timeout: Duration::from_secs(10),
        }
    }
}

struct T {
    router: Router,
    upstream: Recorder,
    _dir: TempDir,
}

/// Providers, all at the [`Recorder`]: `med` (basic auth, refresh token in the browser), `jar`
/// (client_secret_post from a file, refresh token in the companion, a configured PAR endpoint),
/// `norevoke` (companion mode, no revocation endpoint), `page` (its own `redirect_uri`,
/// [`PAGE_CALLBACK`]), `plain` (not mediated) and one per fault: `down`, `slow`, `html`,
/// `boom`, `cut`; and two that answer RFC 9449's examples: `nonce` (the §8 challenge) and
/// `bound` (a DPoP token).
async fn start(o: Opts) -> T {
    let upstream = Recorder::start().await;
    let b = &upstream.base;
    let dir = TempDir::new("oauth2");
    std::fs::write(dir.0.join("index.html"), "<!doctype html>").unwrap();
    let secret_file = dir.0.join("client-secret");
    std::fs::write(&secret_file, format!("{CLIENT_SECRET}\n")).unwrap();
    let down = upstream::closed_port().await;
    let cut = upstream::truncating().await;
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
public_url = "{APP}"
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
protocol = "oauth2"
authorization_endpoint = "{b}/authorize"
token_endpoint = "{b}/token"
revocation_endpoint = "{b}/revoke"
client_id = "med-client"
token_via_companion = true
client_secret_file = "{secret}"
token_auth = "client_secret_post"
refresh_token_in = "companion"
pushed_authorization_request_endpoint = "{b}/par"

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
{down}{slow}{html}{boom}{cut}{nonce}{bound}"#,
        dir = dir.0.display(),
        rpm = o.per_minute,
        burst = o.burst,
        secret = secret_file.display(),
        down = fault("down", format!("{down}/token")),
        slow = fault("slow", format!("{b}/slow")),
        html = fault("html", format!("{b}/html")),
        boom = fault("boom", format!("{b}/boom")),
        cut = fault("cut", format!("{cut}/token")),
        nonce = fault("nonce", format!("{b}/use-nonce")),
        bound = fault("bound", format!("{b}/dpop-token")),
    );
    let config = Config::parse(&text).unwrap();
    let env = move |n: &str| match n {
        "MED_SECRET" => Some(CLIENT_SECRET.to_owned()),
        COOKIE_KEY_ENV => Some(COOKIE_KEY.to_owned()),
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
        upstream,
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
    /// `DPoP` header values, each sent as its own header line.
    dpop: &'a [&'a str],
}

impl<'a> Post<'a> {
    fn new(path: &'a str, body: &'a str) -> Self {
        Post {
            path,
            body,
            origin: Some(APP),
            cookie: None,
            peer: "192.0.2.10:50000",
            dpop: &[],
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
    for d in p.dpop {
        req.headers_mut().append("dpop", d.parse().unwrap());
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
    let path = format!("/oauth2/{id}/token");
    send(t, Post::new(&path, &code_form(CODE, id))).await
}

/// The companion's answer when the provider is out of service (the recorder's 503).
fn assert_bad_gateway(a: &Answer) {
    assert_eq!(
        (a.status, a.json()),
        (
            StatusCode::BAD_GATEWAY,
            serde_json::json!({
                "error": "bad_gateway",
                "message": "the provider's token endpoint answered HTTP 503",
            })
        ),
        "{}",
        a.text
    );
}

#[tokio::test]
async fn the_code_exchange_sends_basic_auth_the_verifier_and_the_redirect_uri() {
    let t = start(Opts::default()).await;
    let a = exchange(&t, "med").await;
    assert_bad_gateway(&a);
    assert!(!a.text.contains(CLIENT_SECRET), "{}", a.text);
    let seen = t.upstream.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].path, "/token");
    assert_eq!(
        seen[0].basic,
        Some((CLIENT_ID.to_owned(), CLIENT_SECRET.to_owned())),
        "RFC 6749 §2.3.1 client_secret_basic"
    );
    let expected: std::collections::HashMap<String, String> = [
        ("grant_type", "authorization_code"),
        ("code", CODE),
        ("code_verifier", VERIFIER),
        ("redirect_uri", &callback("med")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    assert_eq!(seen[0].params, expected, "no secret in the body with Basic");
}

#[tokio::test]
async fn client_secret_post_sends_the_secret_from_its_file_in_the_body() {
    let t = start(Opts::default()).await;
    assert_bad_gateway(&exchange(&t, "jar").await);
    let seen = t.upstream.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(
        seen[0].basic, None,
        "no Basic header with client_secret_post"
    );
    assert_eq!(seen[0].params["client_id"], CLIENT_ID);
    assert_eq!(
        seen[0].params["client_secret"], CLIENT_SECRET,
        "the file's secret, its newline trimmed"
    );
    assert_eq!(seen[0].params["code_verifier"], VERIFIER);
}

#[tokio::test]
async fn browser_mode_refresh_sends_the_token_from_the_body() {
    let t = start(Opts::default()).await;
    let body = "grant_type=refresh_token&refresh_token=refresh-1-Pq3";
    assert_bad_gateway(&send(&t, Post::new("/oauth2/med/refresh", body)).await);
    let seen = t.upstream.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].params["grant_type"], "refresh_token");
    assert_eq!(seen[0].params["refresh_token"], "refresh-1-Pq3");
    assert!(seen[0].basic.is_some());
    // Browser mode needs the token in the body.
    let a = send(&t, Post::new("/oauth2/med/refresh", "")).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(a.text.contains("refresh_token"), "{}", a.text);
    assert_eq!(t.upstream.seen().len(), 1, "nothing more was sent");
}

#[tokio::test]
async fn companion_mode_refuses_a_body_token_and_a_missing_or_unreadable_cookie() {
    let t = start(Opts::default()).await;
    // A refresh token in the body is refused in companion mode.
    let a = send(
        &t,
        Post::new("/oauth2/jar/refresh", "refresh_token=refresh-3-Pq3"),
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text);
    // No cookie, or one that does not open: the app is asked for a new sign-in (RFC 6749 §5.2
    // invalid_grant) and an unreadable cookie is cleared.
    let a = send(&t, Post::new("/oauth2/jar/refresh", "")).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(a.json()["error"], "invalid_grant");
    assert!(a.cookie().is_none(), "{:?}", a.headers);
    let mut p = Post::new("/oauth2/jar/refresh", "");
    p.cookie = Some("latchkey_rt_jar=not-a-sealed-cookie");
    let a = send(&t, p).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(a.json()["error"], "invalid_grant");
    assert_eq!(
        a.cookie().unwrap().1,
        "latchkey_rt_jar=; Max-Age=0; Path=/oauth2/jar/; HttpOnly; SameSite=Strict"
    );
    assert!(t.upstream.seen().is_empty(), "nothing sent upstream");
}

#[tokio::test]
async fn revoke_without_an_endpoint_says_so_and_clears_the_cookie() {
    let t = start(Opts::default()).await;
    let mut p = Post::new("/oauth2/norevoke/revoke", "");
    p.cookie = Some("latchkey_rt_norevoke=whatever-it-held");
    let a = send(&t, p).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.json(), serde_json::json!({"revoked": false}));
    assert!(a.cookie().unwrap().1.contains("Max-Age=0"));
    // Browser mode needs the token; with it, the revocation request carries it.
    let a = send(&t, Post::new("/oauth2/med/revoke", "")).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(t.upstream.seen().is_empty());
    send(&t, Post::new("/oauth2/med/revoke", "token=access-9-Wm5")).await;
    let seen = t.upstream.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].path, "/revoke");
    assert_eq!(seen[0].params["token"], "access-9-Wm5");
    assert!(seen[0].basic.is_some());
}

#[test]
fn string_numbers_in_a_token_answer_come_back_as_json_numbers() {
    // Azure AD's v1.0 token endpoint (login.microsoftonline.com/<tenant>/oauth2/token) sends
    // `expires_in`, `ext_expires_in`, `expires_on` and `not_before` as strings; this is the
    // shape of its published answer, tokens shortened. The app gets `expires_in` as a number
    // and none of Azure's extra fields.
    let body = r#"{"token_type":"Bearer","scope":"User.Read","expires_in":"3599","ext_expires_in":"3599","expires_on":"1767225600","not_before":"1767221700","resource":"https://graph.microsoft.com","access_token":"eyJ0eXAi.azure.access","refresh_token":"0.AAAA.azure.refresh"}"#;
    let resp = axum::http::Response::builder()
        .status(200)
        .header("content-type", "application/json; charset=utf-8")
        .body(body.as_bytes().to_vec())
        .unwrap();
    let set = latchkey_proto::token::parse_token_response(&resp).unwrap();
    let answer = super::answer::tokens(&set, false);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let bytes = rt
        .block_on(axum::body::to_bytes(answer.into_body(), 1 << 16))
        .unwrap();
    let json: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "access_token": "eyJ0eXAi.azure.access",
            "token_type": "Bearer",
            "expires_in": 3599,
            "refresh_token": "0.AAAA.azure.refresh",
            "scope": "User.Read",
        })
    );
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

mod dpop;
mod guards;
mod logs;
mod redirect_uri;
