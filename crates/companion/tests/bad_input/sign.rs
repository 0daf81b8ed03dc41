//! `POST /oauth1/{id}/sign`: bad JSON, bodies, URLs outside api_base, cookies and origins.

use std::sync::atomic::Ordering;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use latchkey_companion::routes::oauth1::SESSION_TTL;

use super::harness::*;

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
                "sign: a character no URL may hold, under api_base",
                post_json(s, c, body_with(&format!("{base}a b"))),
                BAD_REQUEST,
                "bad_request",
            ),
            row(
                "sign: a malformed escape in the query",
                post_json(s, c, body_with(&format!("{base}me?q=%zz"))),
                BAD_REQUEST,
                "bad_request",
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
                "sign: a form on the app's own page (a navigation)",
                Request::post(s)
                    .header(header::CONTENT_TYPE, "application/json")
                    .header(header::ORIGIN, APP)
                    .header("sec-fetch-site", "same-origin")
                    .header("sec-fetch-mode", "navigate")
                    .header("sec-fetch-dest", "document")
                    .header(header::COOKIE, &good)
                    .body(Body::from(sign_body(&base)))
                    .unwrap(),
                FORBIDDEN,
                "forbidden",
            ),
            row(
                "sign: a fetch from another site without Origin",
                Request::post(s)
                    .header(header::CONTENT_TYPE, "application/json")
                    .header("sec-fetch-site", "cross-site")
                    .header("sec-fetch-mode", "no-cors")
                    .header("sec-fetch-dest", "empty")
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
