//! Router tests: the whole app through `oneshot`, a fixed clock and fixed randomness.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use tower::ServiceExt;

use crate::config::Config;
use crate::secrets::Secrets;
use crate::state::{AppState, Clock, FixedClock, Randomness};

/// Repeatable "randomness" for tests.
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

pub(crate) const NOW: u64 = 1_800_000_000;

pub(crate) struct TestApp {
    pub router: Router,
    pub _dir: TempDir,
}

/// A throwaway directory removed on drop.
pub(crate) struct TempDir(pub std::path::PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        let mut rnd = [0u8; 8];
        crate::state::OsRandom.fill(&mut rnd);
        let p =
            std::env::temp_dir().join(format!("latchkey-test-{tag}-{}", u64::from_le_bytes(rnd)));
        std::fs::create_dir_all(&p).unwrap();
        Self(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A configuration with an OIDC provider `dot` and an OAuth 1.0a provider `flask`.
pub(crate) fn config_text(
    static_dir: &std::path::Path,
    public_url: &str,
    api_base: &str,
) -> String {
    format!(
        r#"
[server]
listen = "127.0.0.1:0"
public_url = "{public_url}"
static_dir = "{}"
allowed_origins = ["http://localhost:5173"]

[[provider]]
id = "dot"
name = "DOT"
protocol = "oidc"
issuer = "http://127.0.0.1:9000/o"
client_id = "spa-demo"

[[provider]]
id = "flask"
name = "Flask"
protocol = "oauth1"
request_token_url = "{api_base}../oauth/request_token"
authorize_url = "{api_base}../oauth/authorize"
access_token_url = "{api_base}../oauth/access_token"
consumer_key = "latchkeydemoconsumer01"
consumer_secret_env = "FLASK_CONSUMER_SECRET"
api_base = "{api_base}"
"#,
        static_dir.display()
    )
}

pub(crate) const CONSUMER_SECRET: &str = "very-secret-consumer-value";
pub(crate) const COOKIE_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
pub(crate) const OTHER_COOKIE_KEY: &str = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";

/// Options for a test app.
pub(crate) struct Setup<'a> {
    pub public_url: &'a str,
    pub api_base: &'a str,
    pub now: u64,
    pub cookie_key: &'a str,
    pub total_timeout: std::time::Duration,
    /// A clock the test moves; `None`: fixed at `now`.
    pub clock: Option<Arc<SteppingClock>>,
    /// More `[server]` lines (e.g. rate limits).
    pub server_keys: &'a str,
}

/// A clock a test sets, shared with the state it was given to.
#[derive(Debug, Default)]
pub(crate) struct SteppingClock(std::sync::atomic::AtomicU64);

impl SteppingClock {
    pub fn at(now: u64) -> Arc<Self> {
        Arc::new(Self(now.into()))
    }

    pub fn set(&self, now: u64) {
        self.0.store(now, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Clock for SteppingClock {
    fn now(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Default for Setup<'_> {
    fn default() -> Self {
        Setup {
            public_url: "http://127.0.0.1:8080",
            api_base: "http://127.0.0.1:9/api/",
            now: NOW,
            cookie_key: COOKIE_KEY,
            total_timeout: std::time::Duration::from_secs(30),
            clock: None,
            server_keys: "",
        }
    }
}

pub(crate) fn test_state(s: Setup<'_>) -> (AppState, TempDir) {
    let dir = TempDir::new("static");
    std::fs::write(
        dir.0.join("index.html"),
        "<!doctype html><title>Latchkey</title>",
    )
    .unwrap();
    std::fs::write(dir.0.join("app.js"), "console.log(1)").unwrap();
    let text = config_text(&dir.0, s.public_url, s.api_base).replacen(
        "[[provider]]",
        &format!("{}\n[[provider]]", s.server_keys),
        1,
    );
    let config = Config::parse(&text).unwrap();
    let key = s.cookie_key.to_owned();
    let env = move |n: &str| match n {
        "FLASK_CONSUMER_SECRET" => Some(CONSUMER_SECRET.to_owned()),
        crate::secrets::COOKIE_KEY_ENV => Some(key.clone()),
        _ => None,
    };
    let secrets = Secrets::load(&config, &env).unwrap();
    let state = AppState::with_timeouts(
        config,
        secrets,
        match s.clock {
            Some(c) => c as Arc<dyn Clock>,
            None => Arc::new(FixedClock(s.now)),
        },
        Arc::new(FixedRandom),
        std::time::Duration::from_secs(5),
        s.total_timeout,
    )
    .unwrap();
    (state, dir)
}

fn test_app() -> TestApp {
    let (state, dir) = test_state(Setup::default());
    TestApp {
        router: super::app(state),
        _dir: dir,
    }
}

async fn get(app: &TestApp, path: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    let resp = app
        .router
        .clone()
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn healthz_answers_ok() {
    let app = test_app();
    let (status, _, body) = get(&app, "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, r#"{"status":"ok"}"#);
}

#[tokio::test]
async fn latchkey_json_lists_providers_and_holds_no_secret() {
    let app = test_app();
    let (status, headers, body) = get(&app, "/latchkey.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/json");
    let cfg = latchkey_proto::public_config::PublicConfig::from_json(body.as_bytes()).unwrap();
    assert_eq!(cfg.public_url.as_deref(), Some("http://127.0.0.1:8080"));
    let ids: Vec<_> = cfg.providers.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["dot", "flask"]);
    for needle in [
        CONSUMER_SECRET,
        COOKIE_KEY,
        "FLASK_CONSUMER_SECRET",
        "demo-consumer",
    ] {
        assert!(!body.contains(needle), "{needle} leaked into {body}");
    }
}

#[tokio::test]
async fn app_routes_fall_back_to_index_html() {
    let app = test_app();
    let (status, headers, body) = get(&app, "/callback?code=abc&state=xyz").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("<title>Latchkey</title>"), "{body}");
    assert_eq!(headers["cache-control"], "no-cache");
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let (status, _, body) = get(&app, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("<title>Latchkey</title>"), "{body}");
}

#[tokio::test]
async fn existing_assets_are_served() {
    let app = test_app();
    let (status, headers, body) = get(&app, "/app.js").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "console.log(1)");
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .contains("javascript"));
}

#[tokio::test]
async fn a_missing_asset_is_a_404_not_index_html() {
    let app = test_app();
    let (status, _, body) = get(&app, "/x.js").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!body.contains("<title>"), "{body}");
}

#[tokio::test]
async fn responses_carry_nosniff_and_no_referrer() {
    let app = test_app();
    let (_, headers, _) = get(&app, "/callback").await;
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "no-referrer");
}

#[tokio::test]
async fn hsts_is_sent_on_every_answer_only_when_public_url_is_https() {
    let (state, _dir) = test_state(Setup {
        public_url: "https://app.example",
        ..Setup::default()
    });
    let https = TestApp {
        router: super::app(state),
        _dir,
    };
    for path in [
        "/",
        "/callback",
        "/app.js",
        "/healthz",
        "/latchkey.json",
        "/x.js",
    ] {
        let (_, headers, _) = get(&https, path).await;
        assert_eq!(
            headers["strict-transport-security"], "max-age=31536000",
            "{path}"
        );
    }
    let http = test_app();
    for path in ["/", "/healthz"] {
        let (_, headers, _) = get(&http, path).await;
        assert!(!headers.contains_key("strict-transport-security"), "{path}");
    }
}

#[tokio::test]
async fn cors_lets_other_origins_send_a_dpop_proof_and_read_the_providers_nonce() {
    let app = test_app();
    let preflight = Request::options("/oauth2/dot/token")
        .header(header::ORIGIN, "http://localhost:5173")
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type,dpop")
        .body(Body::empty())
        .unwrap();
    let resp = app.router.clone().oneshot(preflight).await.unwrap();
    let allowed = resp.headers()[header::ACCESS_CONTROL_ALLOW_HEADERS]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(allowed.split(',').any(|h| h.trim() == "dpop"), "{allowed}");
    // Any answer of the mediation routes exposes the nonce to the page's script.
    let post = Request::post("/oauth2/dot/token")
        .header(header::ORIGIN, "http://localhost:5173")
        .body(Body::empty())
        .unwrap();
    let resp = app.router.clone().oneshot(post).await.unwrap();
    let exposed = resp.headers()[header::ACCESS_CONTROL_EXPOSE_HEADERS]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        exposed.split(',').any(|h| h.trim() == "dpop-nonce"),
        "{exposed}"
    );
}
