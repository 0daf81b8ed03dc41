//! Token mediation (issue #6) end to end: a provider whose token endpoint refuses browsers
//! (DOT's confidential client `conf-demo`: no CORS on the token and revocation endpoints, a
//! client secret required), headless Chromium, the real companion adding the secret.

use std::time::{Duration, Instant};

use latchkey_e2e::flows::{api_call, dot_sign_in, dot_to_consent, sign_in_label};
use latchkey_e2e::mediation::{
    api_me_status, assert_no_secret_leaks, conf_access_tokens, conf_refresh_tokens,
    conf_try_refresh, refresh_tokens_in_storage, storage_dump, stored_sessions, MediatedStack,
    RefreshTokenIn, TokenAuth, TokenRoute,
};
use latchkey_e2e::{DEMO_USER, DOT_ID, DOT_NAME};

const SIGNED_IN: &str = "Signed in as demo";

fn secret() -> String {
    latchkey_e2e::random_token(24)
}

fn via_companion(auth: TokenAuth, refresh_in: RefreshTokenIn) -> TokenRoute {
    TokenRoute::Companion(auth, refresh_in)
}

async fn home(m: &MediatedStack) {
    let b = &m.stack.browser;
    b.goto(&format!("{}/", m.stack.origin())).await;
    b.wait_until("the DOT sign-in button", || async {
        b.has_button(&sign_in_label(DOT_NAME)).await
    })
    .await;
}

async fn sign_in_through_the_companion(
    auth: TokenAuth,
    refresh_in: RefreshTokenIn,
    secret: String,
) {
    let m = MediatedStack::start(3600, via_companion(auth, refresh_in), secret).await;
    home(&m).await;
    let b = &m.stack.browser;
    let dot = m.stack.dot();
    dot_sign_in(b, &dot.base_url()).await;
    assert!(
        b.has_button("Sign out").await,
        "signed in: {}",
        b.text().await
    );
    assert_eq!(
        conf_access_tokens(dot).len(),
        1,
        "one code exchange for conf-demo"
    );
    let out = api_call(b, "GET", "/me", None).await;
    assert_eq!(
        out.code(),
        Some(200),
        "the API answers the new token: {out:?}"
    );
    let me: serde_json::Value =
        serde_json::from_str(&out.body).unwrap_or_else(|e| panic!("JSON body ({e}): {}", out.body));
    assert_eq!(me["username"], DEMO_USER);
    assert_eq!(me["client_id"], "conf-demo");
    let in_storage = refresh_tokens_in_storage(&m).await;
    match refresh_in {
        // The same check finds the token when it is meant to be there, so the assertion in
        // companion mode below is not vacuous.
        RefreshTokenIn::Browser => assert_eq!(
            in_storage.len(),
            1,
            "browser mode keeps the refresh token in storage: {}",
            storage_dump(b).await
        ),
        RefreshTokenIn::Companion => {
            assert!(
                in_storage.is_empty(),
                "companion mode: a refresh token is in the browser's storage: {}",
                storage_dump(b).await
            );
        }
    }
    // Before the cookie check, which navigates away from the callback page.
    assert_no_secret_leaks(&m).await;
    if refresh_in == RefreshTokenIn::Companion {
        assert_refresh_cookie_is_out_of_scripts_reach(&m).await;
    }
}

/// In companion mode the refresh token lives in `latchkey_rt_<id>`: HttpOnly, SameSite=Strict,
/// scoped to the provider's companion routes. WebDriver shows a cookie only on a page its path
/// covers, so look from there and come back.
async fn assert_refresh_cookie_is_out_of_scripts_reach(m: &MediatedStack) {
    let b = &m.stack.browser;
    let name = format!("latchkey_rt_{DOT_ID}");
    let visible = b.js("return document.cookie;", vec![]).await;
    assert!(
        !visible.to_string().contains(&name),
        "scripts can read the refresh-token cookie: {visible}"
    );
    b.goto(&format!("{}/oauth2/{DOT_ID}/", m.stack.origin()))
        .await;
    let cookie = b.cookie_full(&name).await;
    b.goto(&format!("{}/", m.stack.origin())).await;
    b.wait_for_text(SIGNED_IN).await;
    let cookie = cookie.unwrap_or_else(|| panic!("no {name} cookie under /oauth2/{DOT_ID}/"));
    assert_eq!(cookie.http_only(), Some(true), "{name} is HttpOnly");
    assert_eq!(
        format!("{:?}", cookie.same_site()),
        "Some(Strict)",
        "{name} is SameSite=Strict"
    );
    assert_eq!(
        cookie.path(),
        Some(format!("/oauth2/{DOT_ID}/").as_str()),
        "{name} is scoped to the provider's routes"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_through_the_companion_with_the_refresh_token_in_the_browser() {
    sign_in_through_the_companion(
        TokenAuth::ClientSecretBasic,
        RefreshTokenIn::Browser,
        secret(),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_through_the_companion_with_the_refresh_token_in_the_companion() {
    sign_in_through_the_companion(
        TokenAuth::ClientSecretPost,
        RefreshTokenIn::Companion,
        secret(),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_with_reserved_characters_is_form_encoded_in_basic_auth() {
    // RFC 6749 section 2.3.1: DOT form-decodes both halves of the Basic header, so a secret
    // with '+', '%', ':' or '/' sent raw would be invalid_client.
    let secret = format!("{}+a%2B:b/c=", latchkey_e2e::random_token(18));
    sign_in_through_the_companion(
        TokenAuth::ClientSecretBasic,
        RefreshTokenIn::Companion,
        secret,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_mediation_the_browser_is_refused_and_told_how_to_fix_the_config() {
    let m = MediatedStack::start(3600, TokenRoute::BrowserDirect, secret()).await;
    home(&m).await;
    let b = &m.stack.browser;
    let dot = m.stack.dot();
    dot_to_consent(b, &dot.base_url()).await;
    b.click_button("Authorize").await;
    b.wait_for_url(&format!("{}/callback", m.stack.origin()))
        .await;
    // The browser did try: DOT answered, but without CORS headers the page cannot read it.
    dot.wait_token_requests(1).await;
    b.wait_for_text("token_via_companion").await;
    let text = b.text().await;
    let lower = text.to_lowercase();
    assert!(
        lower.contains("refuse") && lower.contains("browser"),
        "the error says the provider refuses token requests from the browser: {text}"
    );
    assert!(
        lower.contains("client secret") || lower.contains("client_secret"),
        "the error says the companion needs the client secret: {text}"
    );
    assert!(!text.contains(SIGNED_IN));
    assert!(conf_access_tokens(dot).is_empty(), "no token was issued");
    assert!(stored_sessions(b).await.is_empty(), "nothing stored");
}

async fn refresh_keeps_a_short_lived_session(refresh_in: RefreshTokenIn) {
    // 10 s access tokens: the app renews about 5 s after each one is issued.
    let m = MediatedStack::start(
        10,
        via_companion(TokenAuth::ClientSecretBasic, refresh_in),
        secret(),
    )
    .await;
    home(&m).await;
    let b = &m.stack.browser;
    let dot = m.stack.dot();
    dot_sign_in(b, &dot.base_url()).await;
    // Two renewals; each authenticated request costs DOT ~1.3 s of PBKDF2 on this box.
    let start = Instant::now();
    let tokens = loop {
        let tokens = conf_refresh_tokens(dot);
        if tokens.len() >= 3 || start.elapsed() > Duration::from_secs(30) {
            break tokens;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert!(
        tokens.len() >= 3,
        "two renewals within 30 s, each rotating the refresh token: {tokens:?}"
    );
    // Let the last rotation's revocation land before counting live tokens.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let tokens = conf_refresh_tokens(dot);
    assert_eq!(
        tokens.iter().filter(|(_, revoked)| !revoked).count(),
        1,
        "rotation revoked each used refresh token, and none was spent twice: {tokens:?}"
    );
    assert!(b.text().await.contains(SIGNED_IN), "still signed in");
    let out = api_call(b, "GET", "/me", None).await;
    assert_eq!(
        out.code(),
        Some(200),
        "the renewed access token works: {out:?}"
    );
    let in_storage = refresh_tokens_in_storage(&m).await;
    match refresh_in {
        RefreshTokenIn::Browser => assert_eq!(
            in_storage.len(),
            1,
            "browser mode stores the current refresh token only: {in_storage:?}"
        ),
        RefreshTokenIn::Companion => assert!(
            in_storage.is_empty(),
            "companion mode: refresh tokens in the browser's storage: {in_storage:?}"
        ),
    }
    assert_no_secret_leaks(&m).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_through_the_companion_with_the_refresh_token_in_the_browser() {
    refresh_keeps_a_short_lived_session(RefreshTokenIn::Browser).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_through_the_companion_with_the_refresh_token_in_the_companion() {
    refresh_keeps_a_short_lived_session(RefreshTokenIn::Companion).await;
}

async fn sign_out_revokes_at_dot(refresh_in: RefreshTokenIn) {
    let m = MediatedStack::start(
        3600,
        via_companion(TokenAuth::ClientSecretBasic, refresh_in),
        secret(),
    )
    .await;
    home(&m).await;
    let b = &m.stack.browser;
    let dot = m.stack.dot();
    dot_sign_in(b, &dot.base_url()).await;
    let access = conf_access_tokens(dot);
    assert_eq!(access.len(), 1, "one access token: {access:?}");
    assert_eq!(
        api_me_status(dot, &access[0]).await,
        200,
        "the access token works before sign-out"
    );
    let live: Vec<String> = conf_refresh_tokens(dot)
        .into_iter()
        .filter(|(_, revoked)| !revoked)
        .map(|(t, _)| t)
        .collect();
    assert_eq!(live.len(), 1, "one live refresh token: {live:?}");
    // Issue 19, finding 9: a copy of the companion's refresh cookie, taken before sign-out.
    let copied = match refresh_in {
        RefreshTokenIn::Companion => Some(
            b.cookie_any_path(&format!("latchkey_rt_{DOT_ID}"))
                .await
                .expect("the companion's refresh cookie"),
        ),
        RefreshTokenIn::Browser => None,
    };

    b.click_button("Sign out").await;
    b.wait_until("the sign-in button after signing out", || async {
        b.has_button(&sign_in_label(DOT_NAME)).await
    })
    .await;
    assert!(!b.text().await.contains(SIGNED_IN));
    // Revocation happens before or while the page updates; give DOT a moment to finish.
    let start = Instant::now();
    let mut status = 0;
    while start.elapsed() < Duration::from_secs(10) {
        status = api_me_status(dot, &access[0]).await;
        if status == 401 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert_eq!(
        status, 401,
        "DOT's API must refuse the old access token after sign-out"
    );
    let (status, body) = conf_try_refresh(dot, &live[0], &m.secret).await;
    assert_eq!(
        (status, body.get("error").and_then(|e| e.as_str())),
        (400, Some("invalid_grant")),
        "DOT must refuse the refresh token after sign-out"
    );
    assert!(
        stored_sessions(b).await.is_empty(),
        "no session left in storage"
    );
    if refresh_in == RefreshTokenIn::Companion {
        // The companion's refresh-token cookie is gone too: a refresh from the page is the
        // companion's own RFC 6749 §5.2 refusal, exactly.
        let answer = b
            .js(
                "return fetch(arguments[0], {method: 'POST', headers: \
                   {'Content-Type': 'application/x-www-form-urlencoded'}, body: ''})\
                   .then(r => r.json().then(j => [r.status, j.error]), e => ['error: ' + e, null]);",
                vec![serde_json::json!(format!("/oauth2/{DOT_ID}/refresh"))],
            )
            .await;
        assert_eq!(
            answer,
            serde_json::json!([400, "invalid_grant"]),
            "a refresh through the companion after sign-out must be refused as invalid_grant"
        );
        // The copy still opens at the companion, which sends its refresh token to DOT: the
        // token was revoked at sign-out, so DOT refuses it and nothing usable comes back.
        let before = dot.token_requests();
        let replay = reqwest::Client::new()
            .post(format!("{}/oauth2/{DOT_ID}/refresh", m.stack.origin()))
            .header("Origin", m.stack.origin())
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header(
                "Cookie",
                format!("latchkey_rt_{DOT_ID}={}", copied.unwrap_or_default()),
            )
            .body("")
            .send()
            .await
            .expect("replay the copied cookie");
        let status = replay.status().as_u16();
        let body: serde_json::Value =
            serde_json::from_slice(&replay.bytes().await.unwrap_or_default()).unwrap_or_default();
        assert_eq!(
            (status, body.get("error").and_then(|e| e.as_str())),
            (400, Some("invalid_grant")),
            "a copy of the refresh cookie taken before sign-out must hold a dead token: {body}"
        );
        assert!(body.get("access_token").is_none(), "{body}");
        dot.wait_token_requests(before + 1).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_through_the_companion_revokes_with_the_refresh_token_in_the_browser() {
    sign_out_revokes_at_dot(RefreshTokenIn::Browser).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_through_the_companion_revokes_with_the_refresh_token_in_the_companion() {
    sign_out_revokes_at_dot(RefreshTokenIn::Companion).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_route_refuses_a_foreign_origin() {
    let m = MediatedStack::start(
        3600,
        via_companion(TokenAuth::ClientSecretBasic, RefreshTokenIn::Companion),
        secret(),
    )
    .await;
    let dot = m.stack.dot();
    let origin = m.stack.origin();
    let url = format!("{origin}/oauth2/{DOT_ID}/token");
    let form = [
        ("grant_type", "authorization_code".to_owned()),
        ("code", "not-a-code".to_owned()),
        ("code_verifier", "v".repeat(43)),
        ("redirect_uri", format!("{origin}/callback/{DOT_ID}")),
    ];
    let post = |origin: Option<&str>| {
        let mut req = reqwest::Client::new().post(&url).form(&form);
        if let Some(o) = origin {
            req = req.header("Origin", o);
        }
        req.send()
    };
    let foreign = post(Some("http://127.0.0.1:1")).await.expect("POST");
    assert_eq!(
        foreign.status().as_u16(),
        403,
        "a foreign Origin is refused"
    );
    let body: serde_json::Value =
        serde_json::from_slice(&foreign.bytes().await.unwrap_or_default()).unwrap_or_default();
    assert!(
        body.get("error").is_some(),
        "the refusal says why in JSON: {body}"
    );
    let missing = post(None).await.expect("POST");
    assert_eq!(
        missing.status().as_u16(),
        403,
        "a missing Origin is refused"
    );
    // The same request from the app's own origin reaches DOT, which refuses the made-up code
    // itself: the 403s above were about the Origin, not a missing route.
    let own = post(Some(&origin)).await.expect("POST");
    let status = own.status().as_u16();
    let body: serde_json::Value =
        serde_json::from_slice(&own.bytes().await.unwrap_or_default()).unwrap_or_default();
    assert_eq!(
        (status, body.get("error").and_then(|e| e.as_str())),
        (400, Some("invalid_grant")),
        "DOT's own error comes back as RFC 6749 section 5.2 JSON: {body}"
    );
    dot.wait_token_requests(1).await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(
        dot.token_requests(),
        1,
        "only the same-origin request reached DOT's token endpoint"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_and_revoke_routes_refuse_a_foreign_origin_too() {
    let m = MediatedStack::start(
        3600,
        via_companion(TokenAuth::ClientSecretBasic, RefreshTokenIn::Browser),
        secret(),
    )
    .await;
    let origin = m.stack.origin();
    for (route, form) in [
        ("refresh", [("refresh_token", "made-up")]),
        ("revoke", [("token", "made-up")]),
    ] {
        let url = format!("{origin}/oauth2/{DOT_ID}/{route}");
        let resp = reqwest::Client::new()
            .post(&url)
            .header("Origin", "http://127.0.0.1:1")
            .form(&form)
            .send()
            .await
            .expect("POST");
        assert_eq!(
            resp.status().as_u16(),
            403,
            "{route} from a foreign Origin is refused"
        );
    }
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let dot = m.stack.dot();
    assert_eq!(
        dot.token_requests(),
        0,
        "nothing reached DOT's token endpoint"
    );
    assert_eq!(
        dot.service()
            .log_text()
            .lines()
            .filter(|l| l.contains("\"POST /o/revoke_token/ "))
            .count(),
        0,
        "nothing reached DOT's revocation endpoint"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tabs_refreshing_through_the_companion_cookie_both_stay_signed_in() {
    // Both tabs share one sealed refresh-token cookie. DOT rotates refresh tokens with reuse
    // protection and no grace period: if both tabs sent the same cookie, the second use would
    // revoke the whole family and sign both out.
    let m = MediatedStack::start_with_storage(
        10,
        via_companion(TokenAuth::ClientSecretBasic, RefreshTokenIn::Companion),
        secret(),
        "browser",
    )
    .await;
    home(&m).await;
    let b = &m.stack.browser;
    let dot = m.stack.dot();
    dot_sign_in(b, &dot.base_url()).await;
    let first = b.current_tab().await;
    let second = b.new_tab().await;
    b.goto(&format!("{}/", m.stack.origin())).await;
    b.wait_for_text(SIGNED_IN).await;
    let start = Instant::now();
    while conf_refresh_tokens(dot).len() < 3 && start.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let tokens = conf_refresh_tokens(dot);
    assert!(tokens.len() >= 3, "two renewals within 30 s: {tokens:?}");
    assert_eq!(
        tokens.iter().filter(|(_, revoked)| !revoked).count(),
        1,
        "exactly one live refresh token: no family was revoked for reuse: {tokens:?}"
    );
    for tab in [&first, &second] {
        b.switch_to(tab).await;
        b.wait_for_text(SIGNED_IN).await;
        let out = api_call(b, "GET", "/me", None).await;
        assert_eq!(
            out.code(),
            Some(200),
            "each tab can still call the API: {out:?}"
        );
    }
    assert!(
        refresh_tokens_in_storage(&m).await.is_empty(),
        "no refresh token in the shared localStorage"
    );
}
