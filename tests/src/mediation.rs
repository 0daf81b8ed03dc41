//! Token mediation (issue #6) against a provider with GitHub's constraint: DOT's confidential
//! client `conf-demo`, whose token and revocation endpoints send no CORS headers and want the
//! client secret. The app signs in with it through the companion (`token_via_companion`), or,
//! to show the refusal a user would meet, straight from the browser.

use crate::browser::Browser;
use crate::companion::{dot_client_toml, Companion};
use crate::process::free_port;
use crate::providers::{Dot, DotOptions};
use crate::stack::Stack;

/// The confidential client registered in the DOT fixture when it gets a secret.
pub const CONF_CLIENT_ID: &str = "conf-demo";
/// The variable both DOT (`run.sh`) and the companion (`client_secret_env`) read the secret from.
pub const SECRET_ENV: &str = "DOT_CONF_CLIENT_SECRET";

/// How the companion authenticates to the token endpoint (RFC 6749 section 2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenAuth {
    /// `Authorization: Basic`, both halves form-encoded first.
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the form body.
    ClientSecretPost,
}

/// Where the refresh token lives between refreshes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshTokenIn {
    /// In the browser's storage, as without mediation.
    Browser,
    /// In the companion's sealed HttpOnly cookie; the browser never sees it.
    Companion,
}

/// Who sends the token request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRoute {
    /// The companion, which adds the secret (`token_via_companion = true`).
    Companion(TokenAuth, RefreshTokenIn),
    /// The browser itself: the configuration mistake the app must explain.
    BrowserDirect,
}

/// The `[[provider]]` table offering `conf-demo` as "Sign in with Django OAuth Toolkit", so the
/// flows in [`crate::flows`] drive it unchanged.
pub fn conf_provider_toml(dot: &Dot, route: TokenRoute, session_storage: &str) -> String {
    let mediation = match route {
        TokenRoute::Companion(auth, refresh_in) => format!(
            "token_via_companion = true\nclient_secret_env = \"{SECRET_ENV}\"\n\
             token_auth = \"{}\"\nrefresh_token_in = \"{}\"\n",
            match auth {
                TokenAuth::ClientSecretBasic => "client_secret_basic",
                TokenAuth::ClientSecretPost => "client_secret_post",
            },
            match refresh_in {
                RefreshTokenIn::Browser => "browser",
                RefreshTokenIn::Companion => "companion",
            },
        ),
        TokenRoute::BrowserDirect => String::new(),
    };
    dot_client_toml(dot, CONF_CLIENT_ID, session_storage) + &mediation
}

/// The browser, the companion and DOT with its confidential client, plus the secret.
#[derive(Debug)]
pub struct MediatedStack {
    /// DOT is `stack.dot()`; the stack has no Flask provider.
    pub stack: Stack,
    /// The client secret DOT and the companion share (the browser must never see it).
    pub secret: String,
}

impl MediatedStack {
    /// Starts DOT with `conf-demo` and `secret`, the companion offering it per `route` with
    /// "tab" storage, and the browser.
    pub async fn start(access_token_seconds: u32, route: TokenRoute, secret: String) -> Self {
        Self::start_with_storage(access_token_seconds, route, secret, "tab").await
    }

    /// [`MediatedStack::start`] with another `session_storage` ("memory" | "tab" | "browser").
    pub async fn start_with_storage(
        access_token_seconds: u32,
        route: TokenRoute,
        secret: String,
        session_storage: &str,
    ) -> Self {
        let port = free_port();
        let origin = format!("http://127.0.0.1:{port}");
        let dot = Dot::start_with_env(
            &DotOptions {
                app_origin: origin,
                access_token_seconds,
            },
            &[(SECRET_ENV, &secret)],
        )
        .await;
        let providers = [conf_provider_toml(&dot, route, session_storage)];
        // The companion gets the secret even when the route does not use it: whatever leaks
        // it to the page would show in the leak checks.
        let companion = Companion::start(port, &providers, &[(SECRET_ENV, &secret)]).await;
        let browser = Browser::start().await;
        Self {
            stack: Stack {
                browser,
                companion,
                dot: Some(dot),
                flask: None,
            },
            secret,
        }
    }
}

/// Everything the page keeps in sessionStorage and localStorage, keys and values, as one
/// string to search.
pub async fn storage_dump(browser: &Browser) -> String {
    browser.storage().await.to_string()
}

/// Live (unrevoked) refresh tokens DOT holds for `conf-demo`.
pub fn conf_refresh_tokens(dot: &Dot) -> Vec<(String, bool)> {
    dot.query(&format!(
        "SELECT r.token, r.revoked IS NOT NULL FROM oauth2_provider_refreshtoken r \
         JOIN oauth2_provider_application a ON a.id = r.application_id \
         WHERE a.client_id = '{CONF_CLIENT_ID}' ORDER BY r.id"
    ))
    .into_iter()
    .map(|r| {
        (
            r[0].as_str().unwrap_or_default().to_owned(),
            r[1].as_i64() == Some(1),
        )
    })
    .collect()
}

/// Access tokens DOT still holds for `conf-demo`, oldest first.
pub fn conf_access_tokens(dot: &Dot) -> Vec<String> {
    dot.query(&format!(
        "SELECT t.token FROM oauth2_provider_accesstoken t \
         JOIN oauth2_provider_application a ON a.id = t.application_id \
         WHERE a.client_id = '{CONF_CLIENT_ID}' ORDER BY t.id"
    ))
    .into_iter()
    .filter_map(|r| r[0].as_str().map(str::to_owned))
    .collect()
}

/// `GET /api/me` at DOT with `access_token`; the status.
pub async fn api_me_status(dot: &Dot, access_token: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{}/api/me", dot.base_url()))
        .bearer_auth(access_token)
        .send()
        .await
        .expect("GET DOT's /api/me")
        .status()
        .as_u16()
}

/// A refresh-token grant for `conf-demo`, authenticated as the companion would (Basic, both
/// halves form-encoded); the status and the JSON body.
pub async fn conf_try_refresh(
    dot: &Dot,
    refresh_token: &str,
    secret: &str,
) -> (u16, serde_json::Value) {
    let resp = reqwest::Client::new()
        .post(dot.token_endpoint())
        .basic_auth(
            url_form_encode(CONF_CLIENT_ID),
            Some(url_form_encode(secret)),
        )
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ])
        .send()
        .await
        .expect("POST to DOT's token endpoint");
    let status = resp.status().as_u16();
    let body = resp.bytes().await.unwrap_or_default();
    (
        status,
        serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
    )
}

/// `application/x-www-form-urlencoded` for one value (RFC 6749 section 2.3.1 asks for it
/// inside the Basic header).
pub(crate) fn url_form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Keys of both storage areas that hold a session (not a pending flow or cached metadata).
pub async fn stored_sessions(b: &Browser) -> Vec<String> {
    let storage = b.storage().await;
    let mut keys = Vec::new();
    for area in ["session", "local"] {
        if let Some(map) = storage.get(area).and_then(|v| v.as_object()) {
            for k in map.keys() {
                if k.starts_with("latchkey.session.") || k.starts_with("latchkey.refresh.") {
                    keys.push(format!("{area}:{k}"));
                }
            }
        }
    }
    keys
}

/// The refresh tokens DOT issued that appear anywhere in the browser's storage.
pub async fn refresh_tokens_in_storage(m: &MediatedStack) -> Vec<String> {
    let dump = storage_dump(&m.stack.browser).await;
    conf_refresh_tokens(m.stack.dot())
        .into_iter()
        .map(|(t, _)| t)
        .filter(|t| !t.is_empty() && dump.contains(t.as_str()))
        .collect()
}

/// The client secret must not be in the page, in `/latchkey.json`, in the browser's storage or
/// cookies, nor in the companion's log; no token DOT issued and no code in that log either.
pub async fn assert_no_secret_leaks(m: &MediatedStack) {
    let b = &m.stack.browser;
    let html = b
        .js("return document.documentElement.outerHTML;", vec![])
        .await;
    let html = html.as_str().unwrap_or_default();
    assert!(!html.is_empty(), "read the page's HTML");
    assert!(
        !html.contains(&m.secret),
        "the client secret is in the page"
    );
    let public = reqwest::get(format!("{}/latchkey.json", m.stack.origin()))
        .await
        .expect("GET /latchkey.json")
        .text()
        .await
        .expect("read /latchkey.json");
    assert!(
        public.contains("conf-demo"),
        "/latchkey.json lists the provider: {public}"
    );
    assert!(
        !public.contains(&m.secret),
        "the client secret is in /latchkey.json"
    );
    assert!(
        !public.contains("DOT_CONF_CLIENT_SECRET"),
        "/latchkey.json names the secret's variable: {public}"
    );
    assert!(
        !storage_dump(b).await.contains(&m.secret),
        "the client secret is in the browser's storage"
    );
    let cookies = b.js("return document.cookie;", vec![]).await;
    assert!(
        !cookies.to_string().contains(&m.secret),
        "the client secret is in a script-visible cookie"
    );
    let log = m.stack.companion.service().log_text();
    assert!(
        !log.contains(&m.secret),
        "the client secret is in the companion's log"
    );
    // Nor any token DOT issued through it, nor the authorization code.
    let dot = m.stack.dot();
    let mut tokens = conf_access_tokens(dot);
    tokens.extend(conf_refresh_tokens(dot).into_iter().map(|(t, _)| t));
    assert!(!tokens.is_empty(), "DOT issued tokens to look for");
    for token in tokens.iter().filter(|t| !t.is_empty()) {
        assert!(
            !log.contains(token.as_str()),
            "a token DOT issued is in the companion's log"
        );
    }
    let callback = b.navigation_url().await;
    let code = callback
        .split(['?', '&'])
        .find_map(|kv| kv.strip_prefix("code="))
        .unwrap_or_else(|| panic!("the page was loaded from the callback: {callback}"));
    assert!(
        !log.contains(code),
        "the authorization code is in the companion's log"
    );
}
