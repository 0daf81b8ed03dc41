//! The signing proxy `/api/{*path}`: what is signed and forwarded, and what never leaves.

use super::*;

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
        let r = send(&t, fetch_get(path, Some(&c))).await;
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
    let big = vec![b'a'; super::super::proxy::MAX_BODY + 1];
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
            (super::super::proxy::MAX_BODY + 1).to_string(),
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
    let r = send(&t, fetch_get("/oauth1/flask/api/slow", Some(&c))).await;
    assert_eq!(r.status, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(r.error(), "gateway_timeout");
}
