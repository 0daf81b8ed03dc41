//! What the routes refuse before or instead of a token exchange: foreign origins, malformed
//! requests, too many requests, and a provider that is down, slow or garbled. (A failed
//! discovery not being cached is tested against DOT: e2e/mediation_routes.rs.)

use super::*;

#[tokio::test]
async fn foreign_or_missing_origin_is_refused_before_anything_is_sent() {
    let t = start(Opts::default()).await;
    for origin in [Some("https://evil.example"), None] {
        for route in ["token", "refresh", "revoke", "par"] {
            let path = format!("/oauth2/jar/{route}");
            let form = code_form(CODE, "jar");
            let mut p = Post::new(&path, &form);
            p.origin = origin;
            let a = send(&t, p).await;
            assert_eq!(a.status, StatusCode::FORBIDDEN, "{route} {origin:?}");
            assert_eq!(a.json()["error"], "forbidden");
        }
    }
    assert!(t.upstream.seen().is_empty());
}

#[tokio::test]
async fn request_errors_name_the_problem() {
    let t = start(Opts::default()).await;
    let good = code_form(CODE, "med");
    let cases: Vec<(&str, String, StatusCode, &str)> = vec![
        (
            "/oauth2/nope/token",
            good.clone(),
            StatusCode::NOT_FOUND,
            "no provider",
        ),
        (
            "/oauth2/plain/token",
            good.clone(),
            StatusCode::NOT_FOUND,
            "does not mediate",
        ),
        (
            "/oauth2/med/token",
            good.replace("%2Fcallback", "%2Fother"),
            StatusCode::BAD_REQUEST,
            "redirect_uri must be",
        ),
        (
            "/oauth2/med/token",
            good.replace(
                "http%3A%2F%2F127.0.0.1%3A8080",
                "https%3A%2F%2Fevil.example",
            ),
            StatusCode::BAD_REQUEST,
            "redirect_uri must be",
        ),
        (
            "/oauth2/med/token",
            format!("{good}&code=again"),
            StatusCode::BAD_REQUEST,
            "repeats `code`",
        ),
        (
            "/oauth2/med/token",
            good.replace(&format!("&code_verifier={VERIFIER}"), ""),
            StatusCode::BAD_REQUEST,
            "needs `code_verifier`",
        ),
        (
            "/oauth2/med/token",
            good.replace(VERIFIER, "short"),
            StatusCode::BAD_REQUEST,
            "not a PKCE verifier",
        ),
        (
            "/oauth2/med/token",
            good.replace("authorization_code", "password"),
            StatusCode::BAD_REQUEST,
            "grant_type",
        ),
        // With the client's secret, either would hand the browser a token nobody signed in for.
        (
            "/oauth2/med/token",
            good.replace("authorization_code", "client_credentials"),
            StatusCode::BAD_REQUEST,
            "grant_type",
        ),
        (
            "/oauth2/med/refresh",
            "grant_type=client_credentials&refresh_token=r".to_owned(),
            StatusCode::BAD_REQUEST,
            "grant_type",
        ),
        (
            "/oauth2/med/token",
            format!("{good}&pad={}", "a".repeat(17 * 1024)),
            StatusCode::PAYLOAD_TOO_LARGE,
            "over 16 KiB",
        ),
    ];
    for (path, body, status, words) in cases {
        let a = send(&t, Post::new(path, &body)).await;
        assert_eq!(a.status, status, "{path} {body:.80}: {}", a.text);
        let msg = a.json()["message"].as_str().unwrap().to_owned();
        assert!(msg.contains(words), "{words:?} not in {msg:?}");
        assert!(!msg.contains(CODE) && !msg.contains(VERIFIER), "{msg}");
    }
    // A JSON body is not what the routes read.
    let req = Request::post("/oauth2/med/token")
        .header(header::ORIGIN, APP)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"code":"x"}"#))
        .unwrap();
    let resp = t.router.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(t.upstream.seen().is_empty(), "nothing reached the provider");
}

#[tokio::test]
async fn each_address_is_rate_limited_with_retry_after() {
    let t = start(Opts {
        per_minute: 1,
        burst: 3,
        ..Opts::default()
    })
    .await;
    // The first three reach the provider, which is out of service.
    for i in 0..3 {
        let a = send(&t, Post::new("/oauth2/med/revoke", "token=t")).await;
        assert_eq!(a.status, StatusCode::BAD_GATEWAY, "request {i}: {}", a.text);
    }
    let a = send(&t, Post::new("/oauth2/med/revoke", "token=t")).await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(a.json()["error"], "rate_limited");
    let retry: u64 = a.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((55..=60).contains(&retry), "one a minute: {retry}");
    // The exchange, the refresh and the push share the budget: refused too, before the
    // provider.
    for (path, form) in [
        ("/oauth2/med/token", code_form("any-code", "med")),
        ("/oauth2/med/refresh", "refresh_token=r".to_owned()),
        (
            "/oauth2/med/par",
            format!("redirect_uri={}", callback("med")),
        ),
    ] {
        let a = send(&t, Post::new(path, &form)).await;
        assert_eq!(
            a.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{path}: {}",
            a.text
        );
        assert!(a.headers.contains_key("retry-after"), "{path}");
    }
    assert_eq!(
        t.upstream.seen().len(),
        3,
        "the limited requests went nowhere"
    );
    // Another client is not affected.
    let mut p = Post::new("/oauth2/med/revoke", "token=t");
    p.peer = "198.51.100.7:40000";
    assert_eq!(send(&t, p).await.status, StatusCode::BAD_GATEWAY);
    // Other routes are not limited.
    let req = Request::get("/healthz").body(Body::empty()).unwrap();
    assert_eq!(
        t.router.clone().oneshot(req).await.unwrap().status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn upstream_faults_are_502_or_504_and_reveal_nothing() {
    let t = start(Opts {
        timeout: Duration::from_millis(400),
        ..Opts::default()
    })
    .await;
    for (id, status) in [
        ("down", StatusCode::BAD_GATEWAY),
        ("slow", StatusCode::GATEWAY_TIMEOUT),
        ("html", StatusCode::BAD_GATEWAY),
        ("boom", StatusCode::BAD_GATEWAY),
        ("cut", StatusCode::BAD_GATEWAY),
    ] {
        let a = exchange(&t, id).await;
        assert_eq!(a.status, status, "{id}: {}", a.text);
        let body = a.json();
        assert!(
            body["error"] == "bad_gateway" || body["error"] == "gateway_timeout",
            "{body}"
        );
        for leak in [CLIENT_SECRET, VERIFIER, "corporate proxy", "127.0.0.1"] {
            assert!(!a.text.contains(leak), "{id}: {leak} in {}", a.text);
        }
    }
}
