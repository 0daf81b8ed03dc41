//! The companion's token-mediation routes against DOT's confidential client `conf-demo`, spoken to
//! over HTTP as the app's script would (the sign-in in a browser is tests/tests/mediation.rs):
//! the refresh-token cookie behind an `https://` public URL, cookie-key rotation, a failed
//! discovery that must not be cached, and DOT's own refusals passed on unchanged. The only local
//! listener is the fault proxy, for the network fault.

use std::time::Duration;

use latchkey_e2e::consent::{dot_code, Grant};
use latchkey_e2e::mediation::{
    api_me_status, conf_access_tokens, conf_provider_toml, conf_refresh_tokens, RefreshTokenIn,
    TokenAuth, TokenRoute, CONF_CLIENT_ID, SECRET_ENV,
};
use latchkey_e2e::process::free_port;
use latchkey_e2e::{Companion, Dot, DotOptions, Fault, FaultProxy, DOT_ID};
use serde_json::{json, Value};

const KEY_ENV: &str = "LATCHKEY_COOKIE_KEY";
const PREVIOUS_KEYS_ENV: &str = "LATCHKEY_PREVIOUS_COOKIE_KEYS";

fn cookie_mode() -> TokenRoute {
    TokenRoute::Companion(TokenAuth::ClientSecretBasic, RefreshTokenIn::Companion)
}

async fn start_dot(app_origin: &str, secret: &str, env: &[(&str, &str)]) -> Dot {
    let mut all = vec![(SECRET_ENV, secret)];
    all.extend_from_slice(env);
    Dot::start_with_env(
        &DotOptions {
            app_origin: app_origin.to_owned(),
            access_token_seconds: 3600,
        },
        &all,
    )
    .await
}

/// One answer of a companion route.
#[derive(Debug)]
struct Answer {
    status: u16,
    body: Value,
    /// The whole `Set-Cookie` header, if any.
    set_cookie: Option<String>,
}

impl Answer {
    /// `name=value` of the cookie set.
    fn cookie(&self) -> String {
        let header = self
            .set_cookie
            .as_deref()
            .unwrap_or_else(|| panic!("no Set-Cookie in {self:?}"));
        header.split(';').next().unwrap_or_default().to_owned()
    }
}

/// POSTs `form` to `route` of the companion at `companion`, as the app at `origin` would.
async fn post(
    companion: &Companion,
    origin: &str,
    route: &str,
    form: &[(&str, String)],
    cookie: Option<&str>,
) -> Answer {
    let mut req = reqwest::Client::new()
        .post(format!("{}/oauth2/{DOT_ID}/{route}", companion.origin()))
        .header("Origin", origin)
        .form(form);
    if let Some(c) = cookie {
        req = req.header("Cookie", c);
    }
    let resp = req
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST /oauth2/{DOT_ID}/{route}: {e}"));
    let status = resp.status().as_u16();
    let set_cookie = resp
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = resp.bytes().await.unwrap_or_default();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    Answer {
        status,
        body,
        set_cookie,
    }
}

/// DOT's refresh tokens for conf-demo: (all issued, still live).
fn refresh_counts(dot: &Dot) -> (usize, usize) {
    let all = conf_refresh_tokens(dot);
    let live = all.iter().filter(|(_, revoked)| !revoked).count();
    (all.len(), live)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_https_the_refresh_cookie_is_host_prefixed_secure_and_refreshes_at_dot() {
    // The companion listens on loopback but serves https://app.example through a proxy: the
    // refresh-token cookie must then be one a browser keeps under the `__Host-` rules
    // (RFC 6265bis section 4.1.3.2: Secure, Path=/, no Domain), and be read back by that name.
    let public = "https://app.example";
    let secret = latchkey_e2e::random_token(24);
    let dot = start_dot(public, &secret, &[]).await;
    let providers = [conf_provider_toml(&dot, cookie_mode(), "tab")];
    let companion =
        // At TRACE, so the log searched at the end holds everything the companion could say.
        Companion::start_behind(
            free_port(),
            public,
            &providers,
            &[(SECRET_ENV, &secret), ("RUST_LOG", "trace")],
        )
        .await;
    let grant = dot_code(&dot, CONF_CLIENT_ID, &format!("{public}/callback/{DOT_ID}")).await;

    let a = post(&companion, public, "token", &grant.form(), None).await;
    assert_eq!(a.status, 200, "DOT exchanged the code: {a:?}");
    assert_eq!(a.body["refresh_token_in"], "companion", "{a:?}");
    let header = a.set_cookie.clone().unwrap_or_default();
    assert!(
        header.starts_with(&format!("__Host-latchkey_rt_{DOT_ID}=")),
        "the cookie is __Host- prefixed on https: {header}"
    );
    for attr in ["; Secure", "; Path=/;", "; HttpOnly", "; SameSite=Strict"] {
        assert!(header.contains(attr), "{attr} missing: {header}");
    }
    assert!(
        !header.contains("Domain"),
        "a __Host- cookie has no Domain: {header}"
    );
    assert_eq!(refresh_counts(&dot), (1, 1), "DOT issued one refresh token");

    // The refresh reads the prefixed cookie, and DOT rotates the token it held.
    let r = post(&companion, public, "refresh", &[], Some(&a.cookie())).await;
    assert_eq!(r.status, 200, "the prefixed cookie refreshes at DOT: {r:?}");
    assert!(
        r.cookie()
            .starts_with(&format!("__Host-latchkey_rt_{DOT_ID}="))
            && r.cookie() != a.cookie(),
        "the rotated token replaces the cookie: {r:?}"
    );
    assert_eq!(
        refresh_counts(&dot),
        (2, 1),
        "DOT rotated: the sealed token was used and revoked, a new one is live"
    );
    let access = r.body["access_token"].as_str().unwrap_or_default();
    assert_eq!(
        api_me_status(&dot, access).await,
        200,
        "the new access token works"
    );

    // The cookies are sealed, and nothing the browser must not see, nor any token or code,
    // is in the companion's log at TRACE.
    let mut tokens: Vec<String> = conf_refresh_tokens(&dot)
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    // DOT deletes a rotated refresh token's access token, so the first comes from its answer.
    for body in [&a.body, &r.body] {
        tokens.push(body["access_token"].as_str().unwrap_or_default().to_owned());
    }
    tokens.extend(conf_access_tokens(&dot));
    tokens.sort();
    tokens.dedup();
    assert_eq!(
        tokens.len(),
        4,
        "two refresh and two access tokens: {tokens:?}"
    );
    let log = companion.service().log_text();
    assert!(
        log.contains("code exchanged") && log.contains("TRACE"),
        "the log was captured at TRACE"
    );
    let values = [a.cookie(), r.cookie()].map(|c| {
        c.split_once('=')
            .map(|(_, v)| v.to_owned())
            .unwrap_or_default()
    });
    for token in &tokens {
        assert!(
            !header.contains(token.as_str()),
            "a refresh token is readable in the cookie"
        );
        assert!(
            !log.contains(token.as_str()),
            "a token DOT issued is in the companion's log"
        );
    }
    for (what, s) in [
        ("the client secret", secret.as_str()),
        ("the code", grant.code.as_str()),
        ("the verifier", grant.verifier.as_str()),
        ("the first cookie", values[0].as_str()),
        ("the rotated cookie", values[1].as_str()),
    ] {
        assert!(
            !s.is_empty() && !log.contains(s),
            "{what} is in the companion's log"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cookie_sealed_under_the_previous_key_refreshes_at_dot_and_one_under_a_dropped_key_does_not(
) {
    // Three companions for one DOT: `old` seals the cookie under key 1; `rotated` has key 2 and
    // lists key 1 as previous; `dropped` has key 2 only.
    let (old_port, rotated_port, dropped_port) = (free_port(), free_port(), free_port());
    let old_origin = format!("http://127.0.0.1:{old_port}");
    let (key1, key2) = (
        latchkey_e2e::random_key_base64(),
        latchkey_e2e::random_key_base64(),
    );
    let secret = latchkey_e2e::random_token(24);
    let dot = start_dot(&old_origin, &secret, &[]).await;
    let providers = [conf_provider_toml(&dot, cookie_mode(), "tab")];
    let companion = |port: u16, env: Vec<(&'static str, String)>| {
        let providers = providers.clone();
        let secret = secret.clone();
        async move {
            let mut env: Vec<(&str, String)> = env;
            env.push((SECRET_ENV, secret));
            let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
            Companion::start(port, &providers, &env).await
        }
    };
    let old = companion(old_port, vec![(KEY_ENV, key1.clone())]).await;
    let rotated = companion(
        rotated_port,
        vec![(KEY_ENV, key2.clone()), (PREVIOUS_KEYS_ENV, key1.clone())],
    )
    .await;
    let dropped = companion(dropped_port, vec![(KEY_ENV, key2.clone())]).await;

    let grant = dot_code(
        &dot,
        CONF_CLIENT_ID,
        &format!("{old_origin}/callback/{DOT_ID}"),
    )
    .await;
    let a = post(&old, &old_origin, "token", &grant.form(), None).await;
    assert_eq!(a.status, 200, "DOT exchanged the code: {a:?}");
    let sealed_under_key1 = a.cookie();
    dot.wait_token_requests(1).await;

    // Key 1 dropped, or the cookie altered: it does not open, is cleared, and DOT is not asked.
    let (name, value) = sealed_under_key1.split_once('=').unwrap_or_default();
    let mut bytes = value.as_bytes().to_vec();
    let i = bytes.len() / 2;
    bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
    let tampered = format!("{name}={}", String::from_utf8_lossy(&bytes));
    for (what, at, cookie) in [
        ("a cookie under a dropped key", &dropped, &sealed_under_key1),
        ("an altered cookie", &old, &tampered),
    ] {
        let d = post(at, &at.origin(), "refresh", &[], Some(cookie)).await;
        assert_eq!(
            (d.status, d.body["error"].as_str()),
            (400, Some("invalid_grant")),
            "{what} asks for a new sign-in: {d:?}"
        );
        let cleared =
            format!("{name}=; Max-Age=0; Path=/oauth2/{DOT_ID}/; HttpOnly; SameSite=Strict");
        assert_eq!(
            d.set_cookie.as_deref(),
            Some(cleared.as_str()),
            "{what} is cleared: {d:?}"
        );
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        dot.token_requests(),
        1,
        "nothing reached DOT's token endpoint"
    );
    assert_eq!(
        refresh_counts(&dot),
        (1, 1),
        "the refresh token is untouched"
    );

    // Key 1 listed as previous: the same cookie opens, DOT rotates the token it sealed.
    let r = post(
        &rotated,
        &rotated.origin(),
        "refresh",
        &[],
        Some(&sealed_under_key1),
    )
    .await;
    assert_eq!(
        r.status, 200,
        "the previous key still opens the cookie: {r:?}"
    );
    assert_eq!(refresh_counts(&dot), (2, 1), "DOT rotated the sealed token");
    // The new cookie is sealed under the current key: `dropped` (key 2 only) opens it.
    let again = post(
        &dropped,
        &dropped.origin(),
        "refresh",
        &[],
        Some(&r.cookie()),
    )
    .await;
    assert_eq!(
        again.status, 200,
        "the rotated cookie is under key 2: {again:?}"
    );
    assert_eq!(refresh_counts(&dot), (3, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_discovery_is_not_cached() {
    // DOT's issuer is the fault proxy's address, so the companion's discovery request crosses
    // it; the proxy answers that one request with a gateway's 500, then lets the next through.
    let port = free_port();
    let origin = format!("http://127.0.0.1:{port}");
    let mut proxy = FaultProxy::start(FaultProxy::addr_of("http://127.0.0.1:9")).await;
    let issuer = format!("{}/o", proxy.url());
    let secret = latchkey_e2e::random_token(24);
    let dot = start_dot(&origin, &secret, &[("DOT_ISSUER", &issuer)]).await;
    proxy.set_upstream(FaultProxy::addr_of(&dot.base_url()));
    proxy
        .set_for(Fault::Status500, "/o/.well-known/openid-configuration")
        .await;
    let providers =
        [conf_provider_toml(&dot, cookie_mode(), "tab").replace(&dot.issuer(), &issuer)];
    let companion = Companion::start(port, &providers, &[(SECRET_ENV, &secret)]).await;
    let grant = dot_code(&dot, CONF_CLIENT_ID, &format!("{origin}/callback/{DOT_ID}")).await;

    let a = post(&companion, &origin, "token", &grant.form(), None).await;
    assert_eq!(
        (a.status, &a.body),
        (
            502,
            &json!({"error": "bad_gateway", "message": "the provider's metadata (discovery) is unusable"})
        ),
        "discovery failed: {a:?}"
    );
    assert_eq!(proxy.faulted(), 1, "the discovery request met the fault");
    assert_eq!(dot.token_requests(), 0, "no token request without metadata");

    proxy.set(Fault::PassThrough).await;
    let a = post(&companion, &origin, "token", &grant.form(), None).await;
    assert_eq!(
        a.status, 200,
        "discovery was asked again and the unused code exchanged: {a:?}"
    );
    dot.wait_token_requests(1).await;
}

/// DOT's answer to `form` at its token endpoint, authenticated as the companion would be.
async fn dot_direct(dot: &Dot, form: &[(&str, String)], secret: &str) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(dot.token_endpoint())
        .basic_auth(CONF_CLIENT_ID, Some(secret))
        .form(form)
        .send()
        .await
        .expect("POST to DOT's token endpoint");
    let status = resp.status().as_u16();
    let body = resp.bytes().await.unwrap_or_default();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dots_own_refusals_come_back_unchanged_as_400() {
    // RFC 6749 section 5.2: the app reads the provider's `error` and `error_description`, so
    // the companion passes them on as DOT worded them. Each case is asked of DOT directly too
    // (with a code of its own) and the two answers must be the same.
    let port = free_port();
    let origin = format!("http://127.0.0.1:{port}");
    let secret = latchkey_e2e::random_token(24);
    let dot = start_dot(&origin, &secret, &[]).await;
    let providers = [conf_provider_toml(&dot, cookie_mode(), "tab")];
    let companion = Companion::start(port, &providers, &[(SECRET_ENV, &secret)]).await;
    let redirect = format!("{origin}/callback/{DOT_ID}");

    let never_issued = |g: &Grant| {
        let mut g = g.clone();
        g.code = "never-issued-code".to_owned();
        g.form()
    };
    let wrong_verifier = |g: &Grant| {
        let mut g = g.clone();
        g.verifier = latchkey_e2e::random_token(48);
        g.form()
    };
    for (case, bend) in [
        (
            "a code DOT never issued",
            &never_issued as &dyn Fn(&Grant) -> Vec<_>,
        ),
        (
            "a verifier that does not match the challenge",
            &wrong_verifier,
        ),
    ] {
        let via = dot_code(&dot, CONF_CLIENT_ID, &redirect).await;
        let direct = dot_code(&dot, CONF_CLIENT_ID, &redirect).await;
        let a = post(&companion, &origin, "token", &bend(&via), None).await;
        let (status, body) = dot_direct(&dot, &bend(&direct), &secret).await;
        assert_eq!(status, 400, "{case}: DOT refuses it itself: {body}");
        assert_eq!(
            body["error"], "invalid_grant",
            "{case}: DOT's own error: {body}"
        );
        assert_eq!(
            (a.status, &a.body),
            (400, &body),
            "{case}: the companion passes DOT's refusal on unchanged"
        );
    }
}
