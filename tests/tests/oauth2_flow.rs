//! OAuth 2.0 + PKCE / OpenID Connect in the browser, against the real Django OAuth Toolkit,
//! the real companion serving the built app, in headless Chromium (issue "browser flow").

use std::time::Duration;

use latchkey_e2e::companion::dot_provider_toml;
use latchkey_e2e::flows::{
    api_call, dot_login_to_consent, dot_sign_in, dot_to_consent, sign_in_label,
};
use latchkey_e2e::mediation::stored_sessions;
use latchkey_e2e::providers::query_param;
use latchkey_e2e::{Browser, Companion, Dot, DotOptions, Stack, StackOptions, DEMO_USER, DOT_NAME};

const SIGNED_IN: &str = "Signed in as demo";
/// What the app says on a callback whose `state` no pending sign-in holds: a replayed or a
/// tampered authorization response.
const REPLAYED: &str = "Nothing was signed in: this sign-in link was already used, has expired, \
                        or was not started in this tab. Start again from the sign-in page.";

fn options(access_token_seconds: u32, storage: &'static str) -> StackOptions {
    StackOptions {
        dot: Some((access_token_seconds, storage)),
        flask: None,
    }
}

async fn home(stack: &Stack) {
    home_at(&stack.browser, &stack.origin()).await;
}

/// Opens the app's home page at `origin` and waits for its DOT sign-in button.
async fn home_at(b: &Browser, origin: &str) {
    b.goto(&format!("{origin}/")).await;
    b.wait_until("the DOT sign-in button", || async {
        b.has_button(&sign_in_label(DOT_NAME)).await
    })
    .await;
}

/// Console errors other than Chromium's favicon probe.
async fn console_errors(b: &Browser) -> Vec<String> {
    b.console_errors()
        .await
        .into_iter()
        .filter(|e| !e.message.contains("favicon.ico"))
        .map(|e| format!("[{}] {}", e.source, e.message))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_through_dot_login_and_consent_shows_the_user() {
    let stack = Stack::start(options(3600, "tab")).await;
    home(&stack).await;
    dot_sign_in(&stack.browser, &stack.dot().base_url()).await;
    let b = &stack.browser;
    assert!(
        b.has_button("Sign out").await,
        "a signed-in page offers \"Sign out\""
    );
    // The browser is back on the app, not on the provider.
    assert!(
        b.url().await.starts_with(&stack.origin()),
        "back on the app"
    );
    // The code was exchanged exactly once, for this user.
    let users = stack.dot().query(
        "SELECT u.username FROM oauth2_provider_accesstoken t JOIN auth_user u ON u.id = t.user_id",
    );
    assert_eq!(users.len(), 1, "one access token issued: {users:?}");
    assert_eq!(users[0][0], DEMO_USER);
    let errors = console_errors(b).await;
    assert!(
        errors.is_empty(),
        "console errors during sign-in: {errors:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn denying_consent_says_so_in_words_and_signs_nobody_in() {
    let stack = Stack::start(options(3600, "tab")).await;
    home(&stack).await;
    let b = &stack.browser;
    dot_to_consent(b, &stack.dot().base_url()).await;
    b.click_button("Cancel").await;
    b.wait_for_text("Sign-in was cancelled").await;
    b.wait_for_text(&format!("You cancelled sign-in at {DOT_NAME}."))
        .await;
    assert!(!b.text().await.contains(SIGNED_IN));
    assert_eq!(stack.dot().access_token_count(), 0, "no token was issued");
    assert!(stored_sessions(b).await.is_empty(), "nothing stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_state_is_rejected_and_nothing_is_stored() {
    let stack = Stack::start(options(3600, "tab")).await;
    home(&stack).await;
    let b = &stack.browser;
    dot_to_consent(b, &stack.dot().base_url()).await;
    // DOT echoes the consent form's hidden `state` into the redirect: change it there, as an
    // attacker splicing their own authorization response into the victim's browser would.
    let changed = b
        .js(
            "const f = document.querySelector('#authorizationForm input[name=state]');\
             if (!f) return false; f.value = f.value + 'x'; return true;",
            vec![],
        )
        .await;
    assert_eq!(
        changed,
        serde_json::Value::Bool(true),
        "the consent form carries state"
    );
    b.click_button("Authorize").await;
    b.wait_for_url(&format!("{}/callback", stack.origin()))
        .await;
    b.wait_for_text("Sign-in did not work").await;
    b.wait_for_text(REPLAYED).await;
    assert!(!b.text().await.contains(SIGNED_IN));
    // Give a (wrong) exchange time to show up in DOT's log before asserting there was none.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(
        stack.dot().token_requests(),
        0,
        "the code must not be sent to the token endpoint when the state does not match"
    );
    assert_eq!(stack.dot().access_token_count(), 0);
    assert!(stored_sessions(b).await.is_empty(), "nothing stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_callback_url_is_rejected() {
    let stack = Stack::start(options(3600, "tab")).await;
    home(&stack).await;
    let b = &stack.browser;
    dot_sign_in(b, &stack.dot().base_url()).await;
    let callback = b.navigation_url().await;
    assert!(
        callback.contains("/callback/dot?") && callback.contains("code="),
        "the page was loaded from the provider's redirect: {callback}"
    );
    stack.dot().wait_token_requests(1).await;
    let exchanges = stack.dot().token_requests();
    assert_eq!(exchanges, 1, "one code exchange so far");
    // The same authorization response again, in the tab that used it.
    b.goto(&callback).await;
    b.wait_for_text("Sign-in did not work").await;
    b.wait_for_text(REPLAYED).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(
        stack.dot().token_requests(),
        exchanges,
        "a replayed code is not sent to the token endpoint again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_with_rotation_keeps_a_short_lived_session() {
    // 10 s access tokens: the app renews ~5 s after each one is issued.
    let stack = Stack::start(options(10, "tab")).await;
    home(&stack).await;
    let b = &stack.browser;
    dot_sign_in(b, &stack.dot().base_url()).await;
    tokio::time::sleep(Duration::from_secs(14)).await;
    let tokens = stack.dot().refresh_tokens();
    assert!(
        tokens.len() >= 3,
        "two renewals in 14 s, each with a new refresh token: {tokens:?}"
    );
    let live = tokens.iter().filter(|(_, revoked)| !revoked).count();
    assert_eq!(
        live, 1,
        "rotation revokes each used refresh token: {tokens:?}"
    );
    assert!(b.text().await.contains(SIGNED_IN), "still signed in");
    let out = api_call(b, "GET", "/me", None).await;
    assert_eq!(
        out.code(),
        Some(200),
        "the current access token works: {out:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_keeps_the_session_in_tab_mode() {
    let stack = Stack::start(options(3600, "tab")).await;
    home(&stack).await;
    let b = &stack.browser;
    dot_sign_in(b, &stack.dot().base_url()).await;
    b.reload().await;
    b.wait_for_text(SIGNED_IN).await;
    let out = api_call(b, "GET", "/me", None).await;
    assert_eq!(out.code(), Some(200), "{out:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_ends_the_session_in_memory_mode() {
    let stack = Stack::start(options(3600, "memory")).await;
    home(&stack).await;
    let b = &stack.browser;
    dot_sign_in(b, &stack.dot().base_url()).await;
    assert!(
        stored_sessions(b).await.is_empty(),
        "memory mode stores nothing"
    );
    b.reload().await;
    b.wait_until("the sign-in button after the reload", || async {
        b.has_button(&sign_in_label(DOT_NAME)).await
    })
    .await;
    assert!(!b.text().await.contains(SIGNED_IN));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tabs_in_browser_mode_refreshing_together_both_stay_signed_in() {
    // DOT runs without a grace period and with reuse protection: if both tabs spent the same
    // refresh token, the second use would revoke the whole family and sign both out.
    let stack = Stack::start(options(10, "browser")).await;
    home(&stack).await;
    let b = &stack.browser;
    dot_sign_in(b, &stack.dot().base_url()).await;
    let first = b.current_tab().await;
    let second = b.new_tab().await;
    b.goto(&format!("{}/", stack.origin())).await;
    b.wait_for_text(SIGNED_IN).await;
    // Both tabs hold the same session with the same expiry, so their timers fire together.
    tokio::time::sleep(Duration::from_secs(14)).await;
    let tokens = stack.dot().refresh_tokens();
    assert!(tokens.len() >= 2, "the session was renewed: {tokens:?}");
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
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_revokes_the_refresh_token_at_dot_and_signs_out_every_tab() {
    let stack = Stack::start(options(3600, "browser")).await;
    home(&stack).await;
    let b = &stack.browser;
    dot_sign_in(b, &stack.dot().base_url()).await;
    let first = b.current_tab().await;
    let second = b.new_tab().await;
    b.goto(&format!("{}/", stack.origin())).await;
    b.wait_for_text(SIGNED_IN).await;
    let live: Vec<String> = stack
        .dot()
        .refresh_tokens()
        .into_iter()
        .filter(|(_, revoked)| !revoked)
        .map(|(t, _)| t)
        .collect();
    assert!(
        !live.is_empty(),
        "DOT holds a live refresh token for the session"
    );

    b.switch_to(&first).await;
    b.click_button("Sign out").await;
    b.wait_until("the sign-in button after signing out", || async {
        b.has_button(&sign_in_label(DOT_NAME)).await
    })
    .await;
    assert!(!b.text().await.contains(SIGNED_IN));
    b.switch_to(&second).await;
    // The other tab hears the sign-out: its own sign-in button comes back (a bare absence of
    // "Signed in" would also hold on a blank or half-loaded page).
    b.wait_until("the sign-in button in the other tab", || async {
        b.has_button(&sign_in_label(DOT_NAME)).await
    })
    .await;
    assert!(!b.text().await.contains(SIGNED_IN));

    for token in &live {
        let (status, body) = stack.dot().try_refresh(token).await;
        assert_eq!(
            (status, body.get("error").and_then(|e| e.as_str())),
            (400, Some("invalid_grant")),
            "DOT must refuse the refresh token after sign-out"
        );
    }
    assert!(
        stored_sessions(b).await.is_empty(),
        "no session left in storage"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_console_calls_api_me_and_shows_the_user() {
    let stack = Stack::start(options(3600, "tab")).await;
    home(&stack).await;
    let b = &stack.browser;
    dot_sign_in(b, &stack.dot().base_url()).await;
    let out = api_call(b, "GET", "/me", None).await;
    assert_eq!(out.code(), Some(200), "{out:?}");
    let body: serde_json::Value =
        serde_json::from_str(&out.body).unwrap_or_else(|e| panic!("JSON body ({e}): {}", out.body));
    assert_eq!(body["username"], DEMO_USER);
    assert_eq!(body["client_id"], "spa-demo");
    let errors = console_errors(b).await;
    assert!(errors.is_empty(), "console errors: {errors:#?}");
}

/// The companion's Content-Security-Policy (issue 19, item 5) lets the whole flow run: the
/// inline loader by its hash, discovery, token, keys, userinfo and the API at DOT's origin, and
/// nothing is refused on the way. The control at the end shows the policy is enforced and that
/// a refusal would have been seen: a fetch to an origin it does not list is refused, fires
/// `securitypolicyviolation` and writes the console message the first check looks for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_and_an_api_call_run_under_the_csp_with_no_violation() {
    let stack = Stack::start(options(3600, "tab")).await;
    let page = reqwest::get(format!("{}/", stack.origin()))
        .await
        .expect("GET /");
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .expect("an ASCII policy")
        .to_owned();
    assert!(
        policy.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-")
            && policy.contains(&format!("connect-src 'self' {};", stack.dot().base_url()))
            && !policy.contains("unsafe-inline"),
        "{policy}"
    );
    home(&stack).await;
    let b = &stack.browser;
    dot_sign_in(b, &stack.dot().base_url()).await;
    let out = api_call(b, "GET", "/me", None).await;
    assert_eq!(out.code(), Some(200), "{out:?}");
    let refusals = |entries: Vec<latchkey_e2e::ConsoleEntry>| -> Vec<String> {
        entries
            .into_iter()
            .filter(|e| e.message.contains("Content Security Policy"))
            .map(|e| e.message)
            .collect()
    };
    assert_eq!(refusals(b.console().await), Vec::<String>::new());

    let control = b
        .js_async(
            "const done = arguments[arguments.length - 1];\
             document.addEventListener('securitypolicyviolation',\
               (e) => done(e.effectiveDirective + ' ' + e.blockedURI), { once: true });\
             fetch('http://192.0.2.1:9/').catch(() => {});",
            vec![],
        )
        .await;
    // (Not `eval`: Chromium runs WebDriver's scripts exempt from the page's eval rule.)
    assert_eq!(control, "connect-src http://192.0.2.1:9/");
    assert!(
        !refusals(b.console().await).is_empty(),
        "the refused fetch is in the console"
    );
}

/// "Memory mode stores nothing", searched for the real thing: the tokens DOT issued for the
/// sign-in, in every store the origin has (both Web Storage areas and every IndexedDB record).
/// Browser mode is the positive control: the same search finds both tokens there, so a search
/// that could not see a token would fail this test.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_mode_keeps_every_issued_token_out_of_every_store_and_browser_mode_is_the_control() {
    for (storage, kept) in [("memory", false), ("browser", true)] {
        let stack = Stack::start(options(3600, storage)).await;
        home(&stack).await;
        let b = &stack.browser;
        dot_sign_in(b, &stack.dot().base_url()).await;
        let access = stack.dot().access_tokens();
        let refresh: Vec<String> = stack
            .dot()
            .refresh_tokens()
            .into_iter()
            .map(|(t, _)| t)
            .collect();
        assert!(
            !access.is_empty() && !refresh.is_empty(),
            "DOT issued tokens"
        );
        let stored = b.all_stored_text().await;
        for token in access.iter().chain(&refresh) {
            assert_eq!(
                stored.contains(token.as_str()),
                kept,
                "{storage} mode: is a token DOT issued in the stores? {stored}"
            );
        }
    }
}

/// A site's `max_age` (OIDC Core §3.1.2.1) is held to the ID token's `auth_time`. DOT takes
/// `max_age` without acting on it: it gives `auth_time` from the person's last login. So a
/// session at DOT older than `max_age` comes back stale, and the client asks DOT once more
/// with `prompt=login` (which DOT honours, §3.1.3.7 step 11): the person signs in afresh.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_sign_in_older_than_max_age_is_asked_for_again_with_prompt_login() {
    let port = latchkey_e2e::process::free_port();
    let origin = format!("http://127.0.0.1:{port}");
    let dot = Dot::start(&DotOptions {
        app_origin: origin.clone(),
        access_token_seconds: 3600,
    })
    .await;
    let provider = dot_provider_toml(&dot, "tab") + "authorize_params = { max_age = \"600\" }\n";
    let _companion = Companion::start(port, &[provider], &[]).await;
    let b = Browser::start().await;

    // A fresh sign-in (DOT's login form): within max_age, which went with the request.
    home_at(&b, &origin).await;
    dot_sign_in(&b, &dot.base_url()).await;
    let sent = dot.authorize_requests();
    assert_eq!(query_param(&sent[0], "max_age"), Some("600"), "{sent:?}");

    // The person's sign-in at DOT is two hours old now; their session there stays. A new
    // tab ("tab" storage: nobody is signed in there) signs in again: DOT asks only for
    // consent, and answers with that old sign-in.
    dot.backdate_login(DEMO_USER, 7200);
    b.new_tab().await;
    home_at(&b, &origin).await;
    b.click_button(&sign_in_label(DOT_NAME)).await;
    b.wait_for_url(&dot.base_url()).await;
    b.find("#authorizationForm").await;
    assert!(!b.exists("#login-form").await, "DOT asked for a login");
    b.click_button("Authorize").await;
    // The client refuses the stale sign-in and asks for a fresh one: DOT's login form.
    b.wait_until("DOT's login form after prompt=login", || async {
        b.exists("#login-form").await
    })
    .await;
    let sent = dot.authorize_requests();
    let again = sent.last().expect("DOT logged the request asked again");
    assert_eq!(query_param(again, "prompt"), Some("login"), "{again:?}");
    assert_eq!(query_param(again, "max_age"), Some("600"), "{again:?}");
    assert!(!b.text().await.contains(SIGNED_IN));
    dot_login_to_consent(&b, &dot.base_url()).await;
    b.click_button("Authorize").await;
    b.wait_for_text(SIGNED_IN).await;
    assert_eq!(console_errors(&b).await, Vec::<String>::new());
}

/// A provider rolls its signing key over (OIDC Core §10.1.1): it keeps the old key in its key
/// set and signs the next ID token under a `kid` the client has not seen. DOT sends its key
/// set with `Cache-Control: public, max-age=3600`, so for an hour the browser would answer a
/// plain fetch of it from its cache, without the new key. The client asks DOT again for an
/// unknown `kid`, past the browser's cache, and the sign-in goes through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signing_key_rolled_over_at_the_provider_is_fetched_past_the_browsers_cache() {
    let port = latchkey_e2e::process::free_port();
    let origin = format!("http://127.0.0.1:{port}");
    let mut dot = Dot::start(&DotOptions {
        app_origin: origin.clone(),
        access_token_seconds: 3600,
    })
    .await;
    let _companion = Companion::start(port, &[dot_provider_toml(&dot, "tab")], &[]).await;
    let b = Browser::start().await;
    let sign_in = |dot_base: String| {
        let (b, origin) = (&b, &origin);
        async move {
            home_at(b, origin).await;
            dot_to_consent(b, &dot_base).await;
            b.click_button("Authorize").await;
        }
    };
    let key_set_fetches = |dot: &Dot| {
        dot.service()
            .log_text()
            .lines()
            .filter(|l| l.contains("\"GET /o/.well-known/jwks.json"))
            .count()
    };

    sign_in(dot.base_url()).await;
    b.wait_for_text(SIGNED_IN).await;
    assert_eq!(key_set_fetches(&dot), 1);

    dot.rotate_signing_key().await;
    // A new tab ("tab" storage: nobody is signed in there) signs in again; the browser still
    // holds the key set from before, fresh by its Cache-Control.
    b.new_tab().await;
    sign_in(dot.base_url()).await;
    b.wait_for_text(SIGNED_IN).await;
    assert_eq!(
        key_set_fetches(&dot),
        2,
        "the key set was asked for once more"
    );
    assert_eq!(console_errors(&b).await, Vec::<String>::new());
}

/// A device whose clock is five minutes behind gets an ID token dated in its future: the
/// sign-in is refused (OIDC Core §3.1.3.7 step 10 leaves `iat` to the client; Latchkey allows
/// a minute), and the words say the device's clock is the likely cause and what to do, not
/// two Unix times. With the clock put right, "Try again" signs in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_clock_five_minutes_behind_is_named_as_the_cause_and_try_again_signs_in() {
    let stack = Stack::start(options(3600, "tab")).await;
    let b = &stack.browser;
    let skewed = b.skew_clock(-300).await;
    home(&stack).await;
    dot_to_consent(b, &stack.dot().base_url()).await;
    b.click_button("Authorize").await;
    b.wait_for_text("this device's clock is about 5 minutes behind Django OAuth Toolkit's")
        .await;
    let text = b.text().await;
    assert!(
        text.contains("Set this device's date and time to update automatically, then try again."),
        "{text}"
    );
    assert!(!text.contains(SIGNED_IN), "{text}");
    assert!(!text.contains("now 1"), "Unix times in the words: {text}");
    b.screenshot("clock-behind").await;

    // Put right for the pages after this one: "Try again" here still starts on the wrong
    // clock, which a pending sign-in (ten minutes) outlasts.
    b.set_clock_right(skewed).await;
    b.click_button("Try again").await;
    dot_login_to_consent(b, &stack.dot().base_url()).await;
    b.click_button("Authorize").await;
    b.wait_for_text(SIGNED_IN).await;
}
