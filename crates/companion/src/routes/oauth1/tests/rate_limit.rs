//! Every OAuth 1.0a route that calls the provider stops at its budget (issue 19, finding 4):
//! a 429 with `Retry-After` for scripts, the app with `latchkey_error=rate_limited` for a
//! navigating browser, and nothing more reaches the listener standing in for the provider.

use std::net::SocketAddr;

use axum::extract::ConnectInfo;

use super::*;

/// Token budget: 2 at once, then one a minute; API budget: 3 at once, then one a minute.
const TIGHT: &str = "token_rate_per_minute = 1\ntoken_rate_burst = 2\napi_rate_per_minute = 1\napi_rate_burst = 3\n";
const A: &str = "192.0.2.10:50000";
const B: &str = "198.51.100.20:50000";

fn from(peer: &str, mut req: Request<Body>) -> Request<Body> {
    let peer: SocketAddr = peer.parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(peer));
    req
}

fn navigate(path: &str, cookie: Option<&str>) -> Request<Body> {
    let mut req = get(path, cookie);
    req.headers_mut()
        .insert("sec-fetch-mode", "navigate".parse().unwrap());
    req
}

fn sign_request(up: &Upstream, cookie: &str) -> Request<Body> {
    post(
        "/oauth1/flask/sign",
        Some(APP),
        Some(cookie),
        "application/json",
        format!(r#"{{"method":"GET","url":"{}me"}}"#, up.base),
    )
}

/// A 429 in the companion's JSON shape, with a `Retry-After` of about a minute (one a minute).
fn assert_limited(r: &Resp, what: &str) {
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{what}: {}",
        r.body
    );
    assert_eq!(r.error(), "rate_limited", "{what}");
    let retry: u64 = r.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((55..=60).contains(&retry), "{what}: Retry-After {retry}");
    assert!(
        r.json()["message"].as_str().unwrap().contains("retry in"),
        "{what}: {}",
        r.body
    );
}

#[tokio::test]
async fn login_stops_at_the_token_budget_and_sends_no_more_request_token_calls() {
    let up = Upstream::start(Some(API_REPLY)).await;
    let t = app(Setup {
        api_base: &up.base,
        server_keys: TIGHT,
        ..Setup::default()
    });
    for i in 0..2 {
        let r = send(&t, from(A, get("/oauth1/flask/login", None))).await;
        // The stand-in answers like an API, not a provider: a 502, but it was asked.
        assert_eq!(r.status, StatusCode::BAD_GATEWAY, "login {i}: {}", r.body);
    }
    assert_eq!(up.requests().len(), 2);
    assert!(
        up.requests()[0].contains("oauth_callback"),
        "a request-token call"
    );
    let r = send(&t, from(A, get("/oauth1/flask/login", None))).await;
    assert_limited(&r, "login");
    // A navigating browser goes back to the app with a code it has words for.
    let r = send(
        &t,
        from(
            A,
            navigate("/oauth1/flask/login?return_to=/console%3Ftab%3D2", None),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        r.headers[header::LOCATION],
        "/console?tab=2&latchkey_error=rate_limited&provider=flask"
    );
    assert_eq!(up.requests().len(), 2, "nothing more reached the provider");
    // Another address has its own budget.
    let r = send(&t, from(B, get("/oauth1/flask/login", None))).await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY, "{}", r.body);
    assert_eq!(up.requests().len(), 3);
}

#[tokio::test]
async fn callback_stops_at_the_token_budget_and_sends_no_more_access_token_calls() {
    let up = Upstream::start(Some(API_REPLY)).await;
    let t = app(Setup {
        api_base: &up.base,
        server_keys: TIGHT,
        ..Setup::default()
    });
    let c = cookie(&t.state, CookieKind::Pending, &pending("tmp", "/x"));
    let path = "/oauth1/flask/callback?oauth_token=tmp&oauth_verifier=v";
    for i in 0..2 {
        let r = send(&t, from(A, get(path, Some(&c)))).await;
        assert_eq!(
            r.status,
            StatusCode::BAD_GATEWAY,
            "callback {i}: {}",
            r.body
        );
    }
    assert_eq!(up.requests().len(), 2);
    assert!(
        up.requests()[0].contains("oauth_verifier"),
        "an access-token call"
    );
    assert_limited(&send(&t, from(A, get(path, Some(&c)))).await, "callback");
    let r = send(&t, from(A, navigate(path, Some(&c)))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        r.headers[header::LOCATION],
        "/x?latchkey_error=rate_limited&provider=flask"
    );
    // `/login` shares the budget: the same address is refused there too.
    assert_limited(
        &send(&t, from(A, get("/oauth1/flask/login", None))).await,
        "login after callbacks",
    );
    assert_eq!(up.requests().len(), 2, "nothing more reached the provider");
}

#[tokio::test]
async fn the_signing_proxy_and_sign_stop_at_the_api_budget_and_send_nothing_more() {
    let up = Upstream::start(Some(API_REPLY)).await;
    let t = app(Setup {
        api_base: &up.base,
        server_keys: TIGHT,
        ..Setup::default()
    });
    let c = cookie(&t.state, CookieKind::Session, &session());
    for i in 0..2 {
        let r = send(&t, from(A, fetch_get("/oauth1/flask/api/me", Some(&c)))).await;
        assert_eq!(r.status, StatusCode::CREATED, "proxy {i}: {}", r.body);
    }
    // `/sign` draws on the same budget (the header it hands out is an upstream call).
    let r = send(&t, from(A, sign_request(&up, &c))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(up.requests().len(), 2);
    let r = send(&t, from(A, fetch_get("/oauth1/flask/api/me", Some(&c)))).await;
    assert_limited(&r, "proxy");
    // The proxy's own answers stay inert like every other answer on the route.
    assert_eq!(r.headers[header::CONTENT_SECURITY_POLICY], "sandbox");
    assert_limited(&send(&t, from(A, sign_request(&up, &c))).await, "sign");
    assert_eq!(up.requests().len(), 2, "nothing more reached the API");
    // The token budget is separate: a sign-in from the same address still starts.
    let r = send(&t, from(A, get("/oauth1/flask/login", None))).await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY, "{}", r.body);
    assert_eq!(up.requests().len(), 3);
    // Another address has its own budget.
    let r = send(&t, from(B, fetch_get("/oauth1/flask/api/me", Some(&c)))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget() {
    let up = Upstream::start(Some(API_REPLY)).await;
    let keys = format!("{TIGHT}api_rate_burst = 1\n").replace("api_rate_burst = 3\n", "")
        + "trusted_proxies = [\"127.0.0.1\"]\n";
    let t = app(Setup {
        api_base: &up.base,
        server_keys: &keys,
        ..Setup::default()
    });
    let c = cookie(&t.state, CookieKind::Session, &session());
    let via_proxy = |xff: &str| {
        let mut req = fetch_get("/oauth1/flask/api/me", Some(&c));
        req.headers_mut()
            .insert("x-forwarded-for", xff.parse().unwrap());
        from("127.0.0.1:40000", req)
    };
    // Two clients behind the proxy: one bucket each, not one for the proxy.
    assert_eq!(
        send(&t, via_proxy("203.0.113.1")).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        send(&t, via_proxy("203.0.113.2")).await.status,
        StatusCode::CREATED
    );
    assert_limited(
        &send(&t, via_proxy("203.0.113.1")).await,
        "first client again",
    );
    // A client that writes its own header in front of the proxy's entry gains nothing.
    assert_limited(
        &send(&t, via_proxy("198.51.100.99, 203.0.113.1")).await,
        "prepended spoof",
    );
    assert_eq!(up.requests().len(), 2);
    // A direct client's header is not read: a fresh spoofed address buys no fresh bucket.
    let direct = |xff: &str| {
        let mut req = fetch_get("/oauth1/flask/api/me", Some(&c));
        req.headers_mut()
            .insert("x-forwarded-for", xff.parse().unwrap());
        from(A, req)
    };
    assert_eq!(
        send(&t, direct("203.0.113.50")).await.status,
        StatusCode::CREATED
    );
    for spoof in ["203.0.113.51", "127.0.0.1", "203.0.113.2", "10.0.0.1"] {
        assert_limited(&send(&t, direct(spoof)).await, spoof);
    }
    assert_eq!(up.requests().len(), 3, "nothing more reached the API");
}
