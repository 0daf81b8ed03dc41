//! Who may use the signing proxy and `/sign` (routes/origin.rs, `check_script_request`): the
//! app's own scripts, never a navigation, never another site's page (issue 19, finding 1).
//!
//! Each hostile row is a request shape a browser really sends for that situation (Fetch
//! Metadata as Chromium sets it), with a valid session cookie, so only the shape is wrong.

use super::*;

/// `(what, method, headers)`: one request shape.
type Shape = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const EVIL: &str = "https://evil.example";
/// Another site the config does not list.
const SIBLING: &str = "http://127.0.0.1:8081";
/// The test config's `allowed_origins` entry.
const LISTED: &str = "http://localhost:5173";

/// Request shapes that must never reach the proxy's signing, whatever the method.
const HOSTILE: [Shape; 30] = [
    (
        "a link on another site",
        "GET",
        &[
            ("sec-fetch-site", "cross-site"),
            ("sec-fetch-mode", "navigate"),
            ("sec-fetch-dest", "document"),
            ("sec-fetch-user", "?1"),
        ],
    ),
    (
        "a link inside the app",
        "GET",
        &[
            ("sec-fetch-site", "same-origin"),
            ("sec-fetch-mode", "navigate"),
            ("sec-fetch-dest", "document"),
        ],
    ),
    (
        "the address bar or a bookmark",
        "GET",
        &[
            ("sec-fetch-site", "none"),
            ("sec-fetch-mode", "navigate"),
            ("sec-fetch-dest", "document"),
        ],
    ),
    (
        "an iframe on another site",
        "GET",
        &[
            ("sec-fetch-site", "cross-site"),
            ("sec-fetch-mode", "navigate"),
            ("sec-fetch-dest", "iframe"),
        ],
    ),
    (
        "an iframe in an older Chromium (nested-navigate)",
        "GET",
        &[
            ("sec-fetch-site", "same-origin"),
            ("sec-fetch-mode", "nested-navigate"),
        ],
    ),
    (
        "a navigation spelled in capitals",
        "GET",
        &[
            ("sec-fetch-site", "same-origin"),
            ("sec-fetch-mode", "NAVIGATE"),
        ],
    ),
    (
        "a form POST from another site",
        "POST",
        &[
            ("sec-fetch-site", "cross-site"),
            ("sec-fetch-mode", "navigate"),
            ("sec-fetch-dest", "document"),
            ("origin", EVIL),
        ],
    ),
    (
        "a form POST on the app's own page (a navigation with the app's Origin)",
        "POST",
        &[
            ("sec-fetch-site", "same-origin"),
            ("sec-fetch-mode", "navigate"),
            ("sec-fetch-dest", "document"),
            ("sec-fetch-user", "?1"),
            ("origin", APP),
        ],
    ),
    (
        "a form POST in a frame of the app's own page",
        "POST",
        &[
            ("sec-fetch-site", "same-origin"),
            ("sec-fetch-mode", "navigate"),
            ("sec-fetch-dest", "iframe"),
            ("origin", APP),
        ],
    ),
    (
        "a form POST on a listed origin's page (a navigation)",
        "POST",
        &[
            ("sec-fetch-site", "cross-site"),
            ("sec-fetch-mode", "navigate"),
            ("sec-fetch-dest", "document"),
            ("origin", LISTED),
        ],
    ),
    (
        "a <script src> on another site (JSONP)",
        "GET",
        &[
            ("sec-fetch-site", "cross-site"),
            ("sec-fetch-mode", "no-cors"),
            ("sec-fetch-dest", "script"),
        ],
    ),
    (
        "an <img> on another site",
        "GET",
        &[
            ("sec-fetch-site", "cross-site"),
            ("sec-fetch-mode", "no-cors"),
            ("sec-fetch-dest", "image"),
        ],
    ),
    (
        "a stylesheet on another site",
        "GET",
        &[
            ("sec-fetch-site", "cross-site"),
            ("sec-fetch-mode", "no-cors"),
            ("sec-fetch-dest", "style"),
        ],
    ),
    (
        "an <object> injected into the app's origin",
        "GET",
        &[
            ("sec-fetch-site", "same-origin"),
            ("sec-fetch-mode", "no-cors"),
            ("sec-fetch-dest", "object"),
        ],
    ),
    (
        "an <embed> injected into the app's origin",
        "GET",
        &[
            ("sec-fetch-site", "same-origin"),
            ("sec-fetch-mode", "no-cors"),
            ("sec-fetch-dest", "embed"),
        ],
    ),
    (
        "a worker script on the app's origin",
        "GET",
        &[
            ("sec-fetch-site", "same-origin"),
            ("sec-fetch-mode", "same-origin"),
            ("sec-fetch-dest", "worker"),
        ],
    ),
    (
        "a fetch from another site",
        "GET",
        &[
            ("sec-fetch-site", "cross-site"),
            ("sec-fetch-mode", "cors"),
            ("sec-fetch-dest", "empty"),
            ("origin", EVIL),
        ],
    ),
    (
        "a DELETE fetch from another site",
        "DELETE",
        &[
            ("sec-fetch-site", "cross-site"),
            ("sec-fetch-mode", "cors"),
            ("sec-fetch-dest", "empty"),
            ("origin", EVIL),
        ],
    ),
    (
        "a no-cors POST from another site",
        "POST",
        &[
            ("sec-fetch-site", "cross-site"),
            ("sec-fetch-mode", "no-cors"),
            ("sec-fetch-dest", "empty"),
            ("origin", EVIL),
        ],
    ),
    (
        "a no-cors fetch from another site (no Origin on GET)",
        "GET",
        &[
            ("sec-fetch-site", "cross-site"),
            ("sec-fetch-mode", "no-cors"),
            ("sec-fetch-dest", "empty"),
        ],
    ),
    (
        "a fetch from an unlisted page of the same site",
        "GET",
        &[
            ("sec-fetch-site", "same-site"),
            ("sec-fetch-mode", "cors"),
            ("sec-fetch-dest", "empty"),
            ("origin", SIBLING),
        ],
    ),
    (
        "a no-cors fetch from the same site (no Origin on GET)",
        "GET",
        &[
            ("sec-fetch-site", "same-site"),
            ("sec-fetch-mode", "no-cors"),
            ("sec-fetch-dest", "empty"),
        ],
    ),
    (
        "a fetch from a sandboxed frame (Origin null)",
        "GET",
        &[
            ("sec-fetch-site", "cross-site"),
            ("sec-fetch-mode", "cors"),
            ("sec-fetch-dest", "empty"),
            ("origin", "null"),
        ],
    ),
    (
        "same-origin beside a foreign Origin",
        "GET",
        &[
            ("sec-fetch-site", "same-origin"),
            ("sec-fetch-mode", "cors"),
            ("sec-fetch-dest", "empty"),
            ("origin", EVIL),
        ],
    ),
    (
        "Sec-Fetch-Site none on a fetch-shaped request",
        "GET",
        &[
            ("sec-fetch-site", "none"),
            ("sec-fetch-mode", "cors"),
            ("sec-fetch-dest", "empty"),
        ],
    ),
    (
        "an unknown Sec-Fetch-Site value",
        "GET",
        &[("sec-fetch-site", "cross-origin")],
    ),
    (
        "no Fetch Metadata and no Origin (an older browser's link)",
        "GET",
        &[],
    ),
    (
        "no Fetch Metadata, a foreign Origin",
        "GET",
        &[("origin", EVIL)],
    ),
    (
        "no Fetch Metadata, Origin null",
        "GET",
        &[("origin", "null")],
    ),
    (
        "no Fetch Metadata, the app's Origin with a trailing slash",
        "GET",
        &[("origin", "http://127.0.0.1:8080/")],
    ),
];

/// Shapes of the app's own scripts (and of a listed origin's), which must keep working.
const FRIENDLY: [Shape; 5] = [
    (
        "the app's fetch (mode same-origin, no Origin)",
        "GET",
        &[
            ("sec-fetch-site", "same-origin"),
            ("sec-fetch-mode", "same-origin"),
            ("sec-fetch-dest", "empty"),
        ],
    ),
    (
        "a default same-origin fetch (mode cors, no Origin)",
        "GET",
        &[
            ("sec-fetch-site", "same-origin"),
            ("sec-fetch-mode", "cors"),
            ("sec-fetch-dest", "empty"),
        ],
    ),
    (
        "a same-origin POST (Origin sent)",
        "POST",
        &[
            ("sec-fetch-site", "same-origin"),
            ("sec-fetch-mode", "same-origin"),
            ("sec-fetch-dest", "empty"),
            ("origin", APP),
        ],
    ),
    (
        "a CORS fetch from a listed origin",
        "GET",
        &[
            ("sec-fetch-site", "cross-site"),
            ("sec-fetch-mode", "cors"),
            ("sec-fetch-dest", "empty"),
            ("origin", LISTED),
        ],
    ),
    (
        "no Fetch Metadata, the app's Origin (a script or tool that sends it)",
        "GET",
        &[("origin", APP)],
    ),
];

fn request(method: &str, path: &str, headers: &[(&str, &str)], cookie: &str) -> Request<Body> {
    let mut b = Request::builder()
        .method(method)
        .uri(path)
        .header(header::COOKIE, cookie);
    for (name, value) in headers {
        b = b.header(*name, *value);
    }
    if method == "POST" {
        b = b.header(header::CONTENT_TYPE, "application/json");
        return b
            .body(Body::from(
                r#"{"method":"GET","url":"http://127.0.0.1:9/api/me"}"#,
            ))
            .unwrap();
    }
    b.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn a_navigation_to_the_proxy_is_refused_and_nothing_is_sent() {
    let (up, t, c) = signed_in_with_api().await;
    let (_, _, link) = HOSTILE[0];
    let r = send(&t, request("GET", "/oauth1/flask/api/me", link, &c)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(r.error(), "forbidden");
    assert!(
        r.json()["message"].as_str().unwrap().contains("fetch()"),
        "the refusal says what to do: {}",
        r.body
    );
    assert!(up.requests().is_empty(), "{:?}", up.requests());
}

#[tokio::test]
async fn hostile_request_shapes_are_refused_by_the_proxy_before_anything_is_sent() {
    let (up, t, c) = signed_in_with_api().await;
    let mut wrong = Vec::new();
    for (what, method, headers) in HOSTILE {
        let r = send(&t, request(method, "/oauth1/flask/api/me", headers, &c)).await;
        if r.status != StatusCode::FORBIDDEN || r.error() != "forbidden" {
            wrong.push(format!("{what}: {} {}", r.status, r.body));
        }
        if !up.requests().is_empty() {
            wrong.push(format!("{what}: reached the API"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // The base itself too (its own route).
    let (_, _, link) = HOSTILE[0];
    let r = send(&t, request("GET", "/oauth1/flask/api/", link, &c)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(up.requests().is_empty(), "{:?}", up.requests());
}

#[tokio::test]
async fn hostile_request_shapes_are_refused_by_sign() {
    let t = app(Setup::default());
    let c = cookie(&t.state, CookieKind::Session, &session());
    let mut wrong = Vec::new();
    for (what, _, headers) in HOSTILE {
        let r = send(&t, request("POST", "/oauth1/flask/sign", headers, &c)).await;
        if r.status != StatusCode::FORBIDDEN
            || r.error() != "forbidden"
            || r.body.contains("authorization")
        {
            wrong.push(format!("{what}: {} {}", r.status, r.body));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[tokio::test]
async fn the_apps_own_request_shapes_are_signed_and_forwarded() {
    let (up, t, c) = signed_in_with_api().await;
    let url = format!("{}me", up.base);
    for (i, (what, method, headers)) in FRIENDLY.into_iter().enumerate() {
        let mut req = request(method, "/oauth1/flask/api/me", headers, &c);
        if method == "POST" {
            // A bodyless POST, so the signature covers no body to rebuild here.
            *req.body_mut() = Body::empty();
            req.headers_mut().remove(header::CONTENT_TYPE);
        }
        let r = send(&t, req).await;
        assert_eq!(r.status, StatusCode::CREATED, "{what}: {}", r.body);
        let seen = up.requests();
        assert_eq!(seen.len(), i + 1, "{what}");
        let auth = seen[i]
            .lines()
            .find_map(|l| l.strip_prefix("authorization: "))
            .unwrap_or_else(|| panic!("{what}: unsigned: {}", seen[i]));
        assert_eq!(
            auth,
            expected_authorization(method, &url, SignedBody::None),
            "{what}"
        );
    }
}

#[tokio::test]
async fn sign_answers_the_apps_own_request_shapes() {
    let t = app(Setup::default());
    let c = cookie(&t.state, CookieKind::Session, &session());
    let expected = ORACLE_SIGN_GET_ME;
    for (what, _, headers) in FRIENDLY {
        let r = send(&t, request("POST", "/oauth1/flask/sign", headers, &c)).await;
        assert_eq!(r.status, StatusCode::OK, "{what}: {}", r.body);
        assert_eq!(r.json()["authorization"], expected, "{what}");
    }
}
