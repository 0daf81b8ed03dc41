//! The other OAuth 1.0a routes: the signing proxy, session, logout, login and callback.

use std::sync::atomic::Ordering;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use latchkey_companion::routes::oauth1::login::safe_return_to;
use serde_json::Value;

use super::harness::*;

#[tokio::test]
async fn proxy_route_catalogue_sends_nothing_upstream() {
    let (base, hits) = upstream().await;
    let st = state(&base, NOW, KEY_B, "");
    let router = latchkey_companion::app(st.clone());
    let good = cookie(&st, "flask");
    let c = Some(good.as_str());
    let p = |rest: &str| fetch_get(&format!("/oauth1/flask/api/{rest}"), c);
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
                fetch_get("/oauth1/flask/api/me", None),
                UNAUTHORIZED,
                "unauthorized",
            ),
            row(
                "proxy: tampered session",
                fetch_get("/oauth1/flask/api/me", Some(&tampered(&good))),
                UNAUTHORIZED,
                "unauthorized",
            ),
            row(
                "proxy: unknown provider",
                fetch_get("/oauth1/nope/api/me", c),
                NOT_FOUND,
                "not_found",
            ),
            row(
                "proxy: a link from another site (a navigation)",
                {
                    let mut r = get("/oauth1/flask/api/me", c);
                    for (n, v) in [
                        ("sec-fetch-site", "cross-site"),
                        ("sec-fetch-mode", "navigate"),
                        ("sec-fetch-dest", "document"),
                    ] {
                        r.headers_mut().insert(n, v.parse().unwrap());
                    }
                    r
                },
                FORBIDDEN,
                "forbidden",
            ),
            row(
                "proxy: a <script src> on another site",
                {
                    let mut r = get("/oauth1/flask/api/me?callback=steal", c);
                    for (n, v) in [
                        ("sec-fetch-site", "cross-site"),
                        ("sec-fetch-mode", "no-cors"),
                        ("sec-fetch-dest", "script"),
                    ] {
                        r.headers_mut().insert(n, v.parse().unwrap());
                    }
                    r
                },
                FORBIDDEN,
                "forbidden",
            ),
            row(
                "proxy: GET without Fetch Metadata or Origin",
                get("/oauth1/flask/api/me", c),
                FORBIDDEN,
                "forbidden",
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
