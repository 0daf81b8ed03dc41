//! `/sign`: the header for a URL under `api_base`, and every refusal.

use super::*;

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
    assert_eq!(r.json()["authorization"], ORACLE_SIGN_POST_FORM);
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

/// RFC 5849 §3.5: a URL or form that already carries an `oauth_*` parameter would send it twice.
#[tokio::test]
async fn sign_refuses_a_protocol_parameter_in_the_url_or_params() {
    let t = app(Setup::default());
    let c = cookie(&t.state, CookieKind::Session, &session());
    for (body, words) in [
        (
            r#"{"method":"GET","url":"http://127.0.0.1:9/api/me?oauth_nonce=1"}"#,
            "the request's query carries `oauth_nonce`",
        ),
        (
            r#"{"method":"POST","url":"http://127.0.0.1:9/api/me","params":{"oauth_callback":"x"}}"#,
            "the request's form body carries `oauth_callback`",
        ),
    ] {
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
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.body);
        let message = r.json()["message"].as_str().unwrap_or_default().to_owned();
        assert!(message.contains(words), "{message}");
        assert!(r.json().get("authorization").is_none());
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
