//! The app's files through the whole router: precompressed siblings, the page and its policy.

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::Router;
use tower::ServiceExt;

use super::is_app_route;
use crate::app::tests::{test_state, Setup, TempDir};

/// Trunk's loader, as in a release build's `index.html`.
const LOADER: &str = "\nimport init from '/app.js';\nawait init();\n";
/// `printf '%s' "$LOADER" | openssl dgst -sha256 -binary | base64`
const LOADER_HASH: &str = "'sha256-mStLiw5ufhC4Rn65S+yuobFT1L6YIq0IsINW02YqTpc='";

/// The router over a static dir holding a Trunk-like page, `app.js` (`console.log(1)`) with
/// both siblings, `only-gz.css` with a gzip sibling only, and `plain.svg` with none. The
/// siblings' bytes are markers, so each test sees which file was sent.
fn files_app() -> (Router, TempDir) {
    let (state, dir) = test_state(Setup::default());
    let write = |name: &str, bytes: &str| std::fs::write(dir.0.join(name), bytes).unwrap();
    write(
        "index.html",
        &format!("<!doctype html><head><title>Latchkey</title><script type=\"module\">{LOADER}</script></head>"),
    );
    // A stale sibling of the page: never sent, the page is always read plain.
    write("index.html.br", "STALE BROTLI PAGE");
    write("app.js.br", "BROTLI BYTES");
    write("app.js.gz", "GZIP BYTES");
    write("only-gz.css", "body{}");
    write("only-gz.css.gz", "GZIP CSS");
    write("plain.svg", "<svg/>");
    (crate::app::app(state), dir)
}

async fn fetch(
    app: &Router,
    method: Method,
    path: &str,
    accept_encoding: Option<&str>,
) -> (StatusCode, HeaderMap, String) {
    let mut req = Request::builder().method(method).uri(path);
    if let Some(ae) = accept_encoding {
        req = req.header("accept-encoding", ae);
    }
    let resp = app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

#[test]
fn app_routes_have_no_extension() {
    assert!(is_app_route("/callback"));
    assert!(is_app_route("/"));
    assert!(is_app_route("/console/dot"));
    assert!(!is_app_route("/x.js"));
    assert!(!is_app_route("/pkg/app_bg.wasm"));
}

#[tokio::test]
async fn a_browser_accepting_brotli_gets_the_br_sibling_with_its_encoding_and_vary() {
    let (app, _dir) = files_app();
    // Chromium's header: brotli wins over gzip at equal weight.
    let (status, headers, body) = fetch(
        &app,
        Method::GET,
        "/app.js",
        Some("gzip, deflate, br, zstd"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "BROTLI BYTES");
    assert_eq!(headers["content-encoding"], "br");
    assert_eq!(headers["vary"], "accept-encoding");
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript"),
        "the original's type, not brotli's: {headers:?}"
    );
}

#[tokio::test]
async fn a_browser_accepting_only_gzip_gets_the_gz_sibling() {
    let (app, _dir) = files_app();
    for ae in ["gzip", "br;q=0, gzip", "gzip;q=1.0, br;q=0.5"] {
        let (status, headers, body) = fetch(&app, Method::GET, "/app.js", Some(ae)).await;
        assert_eq!(status, StatusCode::OK, "{ae}");
        assert_eq!(body, "GZIP BYTES", "{ae}");
        assert_eq!(headers["content-encoding"], "gzip", "{ae}");
        assert_eq!(headers["vary"], "accept-encoding", "{ae}");
    }
}

#[tokio::test]
async fn a_browser_accepting_neither_gets_the_plain_file_still_with_vary() {
    let (app, _dir) = files_app();
    for ae in [
        None,
        Some("identity"),
        Some("deflate"),
        Some("br;q=0, gzip;q=0"),
    ] {
        let (status, headers, body) = fetch(&app, Method::GET, "/app.js", ae).await;
        assert_eq!(status, StatusCode::OK, "{ae:?}");
        assert_eq!(body, "console.log(1)", "{ae:?}");
        assert!(!headers.contains_key("content-encoding"), "{ae:?}");
        // The answer would differ for another Accept-Encoding: caches must key on it.
        assert_eq!(headers["vary"], "accept-encoding", "{ae:?}");
    }
}

#[tokio::test]
async fn a_missing_sibling_falls_back_to_the_next_encoding_or_the_plain_file() {
    let (app, _dir) = files_app();
    let (_, headers, body) = fetch(&app, Method::GET, "/only-gz.css", Some("br, gzip")).await;
    assert_eq!(body, "GZIP CSS");
    assert_eq!(headers["content-encoding"], "gzip");
    let (_, headers, body) = fetch(&app, Method::GET, "/only-gz.css", Some("br")).await;
    assert_eq!(body, "body{}");
    assert!(!headers.contains_key("content-encoding"));
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/css"));
    let (status, headers, body) = fetch(&app, Method::GET, "/plain.svg", Some("br, gzip")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "<svg/>");
    assert!(!headers.contains_key("content-encoding"));
    // A missing asset is still a 404, whatever the browser accepts.
    let (status, _, _) = fetch(&app, Method::GET, "/missing.js", Some("br, gzip")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn head_names_the_sibling_it_would_send() {
    let (app, _dir) = files_app();
    let (status, headers, body) = fetch(&app, Method::HEAD, "/app.js", Some("br")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.is_empty());
    assert_eq!(headers["content-encoding"], "br");
    assert_eq!(headers["content-length"], "BROTLI BYTES".len().to_string());
    assert_eq!(headers["vary"], "accept-encoding");
}

#[tokio::test]
async fn the_page_is_sent_plain_with_a_policy_hashing_its_loader_on_every_way_in() {
    let (app, _dir) = files_app();
    for (method, path) in [
        (Method::GET, "/"),
        (Method::GET, "/index.html"),
        (Method::GET, "/callback/dot?code=abc&state=xyz"),
        (Method::HEAD, "/console"),
    ] {
        let (status, headers, body) = fetch(&app, method.clone(), path, Some("br, gzip")).await;
        assert_eq!(status, StatusCode::OK, "{method} {path}");
        assert!(!headers.contains_key("content-encoding"), "{method} {path}");
        assert_eq!(headers["cache-control"], "no-cache", "{method} {path}");
        if method == Method::GET {
            assert!(body.contains(LOADER), "{path}: {body}");
        }
        let policy = headers["content-security-policy"].to_str().unwrap();
        assert!(
            policy.contains(&format!(
                "script-src 'self' 'wasm-unsafe-eval' {LOADER_HASH};"
            )),
            "{path}: {policy}"
        );
        assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        assert!(!policy.contains("'unsafe-eval'"), "{policy}");
    }
}

#[tokio::test]
async fn connect_src_is_self_and_the_configured_browser_providers_origins() {
    let (app, _dir) = files_app();
    let (_, headers, _) = fetch(&app, Method::GET, "/", None).await;
    let policy = headers["content-security-policy"].to_str().unwrap();
    // `dot`'s issuer; `flask` (OAuth 1.0a, api_base http://127.0.0.1:9/api/) is reached
    // through the companion only.
    assert!(
        policy.contains("; connect-src 'self' http://127.0.0.1:9000;"),
        "{policy}"
    );
}

#[tokio::test]
async fn a_new_build_of_the_page_gets_the_new_hash_without_a_restart() {
    let (app, dir) = files_app();
    std::fs::write(
        dir.0.join("index.html"),
        "<head><script type=\"module\">\nimport init from '/app-2.js';\nawait init();\n</script>",
    )
    .unwrap();
    let (_, headers, _) = fetch(&app, Method::GET, "/callback", None).await;
    let policy = headers["content-security-policy"].to_str().unwrap();
    // printf '\nimport init from '"'"'/app-2.js'"'"';\nawait init();\n' | openssl dgst -sha256 -binary | base64
    assert!(
        policy.contains(" 'sha256-14HWCNYrGUcxIAyWIkzJ4v1yKr9ZFQcB5tudJ4L5a/8=';"),
        "{policy}"
    );
    assert!(!policy.contains(LOADER_HASH), "{policy}");
}

#[tokio::test]
async fn assets_and_api_answers_carry_no_page_policy() {
    let (app, _dir) = files_app();
    let (_, headers, _) = fetch(&app, Method::GET, "/app.js", None).await;
    assert!(!headers.contains_key("content-security-policy"));
    let (_, headers, _) = fetch(&app, Method::GET, "/latchkey.json", None).await;
    assert!(!headers.contains_key("content-security-policy"));
}
