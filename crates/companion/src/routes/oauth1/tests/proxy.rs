//! The signing proxy `/api/{*path}`: what is signed and forwarded, and what never leaves.

use super::*;

/// The three headers every answer on the proxy route carries, each once and only ours.
fn assert_hardened(r: &Resp, what: &str) {
    for (name, value) in [
        ("content-security-policy", "sandbox"),
        ("x-content-type-options", "nosniff"),
        ("cache-control", "private, no-store"),
    ] {
        let all: Vec<_> = r.headers.get_all(name).iter().collect();
        assert_eq!(all, [value], "{what}: {name}");
    }
}

/// An API answer that would act on the app's origin if passed on as is.
const HOSTILE_REPLY: &str = "HTTP/1.1 200 OK\r\n\
Content-Type: text/html\r\n\
Access-Control-Allow-Origin: *\r\n\
Access-Control-Allow-Credentials: true\r\n\
Access-Control-Expose-Headers: X-Api\r\n\
Cache-Control: public, max-age=3600\r\n\
Expires: Thu, 01 Jan 2099 00:00:00 GMT\r\n\
Content-Security-Policy: default-src *\r\n\
X-Content-Type-Options: sniff-away\r\n\
Clear-Site-Data: \"*\"\r\n\
Strict-Transport-Security: max-age=31536000; includeSubDomains\r\n\
Alt-Svc: h3=\":443\"\r\n\
NEL: {\"report_to\":\"x\",\"max_age\":86400}\r\n\
Report-To: {\"group\":\"x\",\"max_age\":86400,\"endpoints\":[{\"url\":\"https://evil.example/r\"}]}\r\n\
Service-Worker-Allowed: /\r\n\
Set-Cookie: upstream=1\r\n\
Content-Disposition: attachment; filename=\"page.html\"\r\n\
X-Api: yes\r\n\
Content-Length: 39\r\n\
Connection: close\r\n\
\r\n\
<script>alert(document.domain)</script>";

#[tokio::test]
async fn proxy_signs_forwards_and_filters_headers() {
    let ports: Vec<u16> = ORACLE_PROXY_POST_FORM.iter().map(|(p, _)| *p).collect();
    let (up, port) = Upstream::start_on_one_of(&ports, Some(API_REPLY)).await;
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
    let (_, expected) = ORACLE_PROXY_POST_FORM
        .iter()
        .find(|(p, _)| *p == port)
        .unwrap();
    let auth = raw
        .lines()
        .find_map(|l| l.strip_prefix("authorization: "))
        .unwrap();
    assert_eq!(auth, *expected);
}

#[tokio::test]
async fn proxy_path_escapes_are_403_and_nothing_goes_upstream() {
    let (up, t, c) = signed_in_with_api().await;
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
    let (up, t, c) = signed_in_with_api().await;
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
    assert_hardened(&r, "504");
}

#[tokio::test]
async fn proxied_answers_are_sandboxed_unsniffed_uncached_and_keep_no_upstream_cors() {
    let up = Upstream::start(Some(HOSTILE_REPLY)).await;
    let t = app(Setup {
        api_base: &up.base,
        ..Setup::default()
    });
    let c = cookie(&t.state, CookieKind::Session, &session());
    let r = send(&t, fetch_get("/oauth1/flask/api/page", Some(&c))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(up.requests().len(), 1);
    assert_eq!(r.body, "<script>alert(document.domain)</script>");
    assert_hardened(&r, "the API's answer");
    let own = send(&t, fetch_get("/oauth1/flask/session", Some(&c))).await;
    assert_eq!(
        cors_headers(&r),
        cors_headers(&own),
        "only the companion's own CORS headers"
    );
    assert!(r.headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
    for name in [
        "expires",
        "clear-site-data",
        "strict-transport-security",
        "alt-svc",
        "nel",
        "report-to",
        "service-worker-allowed",
        "set-cookie",
    ] {
        assert!(r.headers.get(name).is_none(), "the API's {name} was kept");
    }
    // What describes the answer stays: the sandbox makes the HTML inert, the app reads the type.
    assert_eq!(r.headers[header::CONTENT_TYPE], "text/html");
    assert_eq!(
        r.headers[header::CONTENT_DISPOSITION],
        "attachment; filename=\"page.html\""
    );
    assert_eq!(r.headers["x-api"], "yes");

    // A listed origin gets the companion's own CORS answer, never the API's wildcard.
    let listed = |path: &str| {
        Request::get(path)
            .header(header::COOKIE, &c)
            .header("sec-fetch-site", "cross-site")
            .header("sec-fetch-mode", "cors")
            .header("sec-fetch-dest", "empty")
            .header(header::ORIGIN, "http://localhost:5173")
            .body(Body::empty())
            .unwrap()
    };
    let r = send(&t, listed("/oauth1/flask/api/page")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let own = send(&t, listed("/oauth1/flask/session")).await;
    assert_eq!(cors_headers(&r), cors_headers(&own));
    let allow: Vec<_> = r
        .headers
        .get_all(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        .iter()
        .collect();
    assert_eq!(allow, ["http://localhost:5173"]);
    assert_hardened(&r, "the API's answer to a listed origin");
}

/// Every `Access-Control-*` header of `r`, sorted.
fn cors_headers(r: &Resp) -> Vec<(String, String)> {
    let mut v: Vec<_> = r
        .headers
        .iter()
        .filter(|(n, _)| n.as_str().starts_with("access-control-"))
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("?").to_owned()))
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn the_companions_own_answers_on_the_proxy_route_carry_the_same_headers() {
    let (up, t, c) = signed_in_with_api().await;
    // Port 9 (discard) refuses connections: the 502 path.
    let down = app(Setup {
        api_base: "http://127.0.0.1:9/api/",
        ..Setup::default()
    });
    let down_cookie = cookie(&down.state, CookieKind::Session, &session());
    let big = app_fetch("POST", "/oauth1/flask/api/items", Some(&c))
        .header(header::ORIGIN, APP)
        .header(
            header::CONTENT_LENGTH,
            (super::super::proxy::MAX_BODY + 1).to_string(),
        )
        .body(Body::from("tiny"))
        .unwrap();
    for (what, app, req, status) in [
        (
            "a navigation",
            &t,
            get("/oauth1/flask/api/me", Some(&c)),
            StatusCode::FORBIDDEN,
        ),
        (
            "signed out",
            &t,
            fetch_get("/oauth1/flask/api/me", None),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "a path escape",
            &t,
            fetch_get("/oauth1/flask/api/%2e%2e/admin", Some(&c)),
            StatusCode::FORBIDDEN,
        ),
        (
            "an unknown provider",
            &t,
            fetch_get("/oauth1/nope/api/me", Some(&c)),
            StatusCode::NOT_FOUND,
        ),
        (
            "an id that does not decode",
            &t,
            fetch_get("/oauth1/%FF/api/me", Some(&c)),
            StatusCode::BAD_REQUEST,
        ),
        ("too large", &t, big, StatusCode::PAYLOAD_TOO_LARGE),
        (
            "the API unreachable",
            &down,
            fetch_get("/oauth1/flask/api/me", Some(&down_cookie)),
            StatusCode::BAD_GATEWAY,
        ),
    ] {
        let r = send(app, req).await;
        assert_eq!(r.status, status, "{what}: {}", r.body);
        assert!(!r.error().is_empty(), "{what}: a JSON error");
        assert_hardened(&r, what);
    }
    assert!(up.requests().is_empty(), "{:?}", up.requests());
}

/// RFC 5849 §3.5: the protocol parameters go in one place, the header the companion writes.
/// A page's request with its own `oauth_*` parameter in the query or form body is refused in
/// words, and nothing is sent.
#[tokio::test]
async fn proxy_refuses_a_protocol_parameter_of_the_pages_own_and_sends_nothing() {
    let (up, t, c) = signed_in_with_api().await;
    let r = send(
        &t,
        fetch_get("/oauth1/flask/api/me?oauth_token=someone-else", Some(&c)),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let message = r.json()["message"].as_str().unwrap_or_default().to_owned();
    assert!(
        message.contains("the request's query carries `oauth_token`")
            && message.contains("only in the signed Authorization header"),
        "{message}"
    );
    assert_hardened(&r, "the refusal");
    let form = post(
        "/oauth1/flask/api/items",
        Some(APP),
        Some(&c),
        "application/x-www-form-urlencoded",
        "name=x&oauth_verifier=v",
    );
    let r = send(&t, form).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(
        r.body.contains("form body carries `oauth_verifier`"),
        "{}",
        r.body
    );
    assert!(up.requests().is_empty(), "{:?}", up.requests());
}
