//! OAuth 1.0a through the real companion, against the real Flask-OAuthlib provider, in
//! headless Chromium (issue "companion").

use latchkey_e2e::accessibility::assert_accessible;
use latchkey_e2e::companion::flask_provider_toml;
use latchkey_e2e::flows::{
    api_call, flask_home, flask_sign_in, flask_signed_in_stack, flask_to_consent, sign_in_label,
};
use latchkey_e2e::{
    Browser, Companion, Fault, FaultProxy, Flask, Stack, StackOptions, DEMO_USER, FLASK_ID,
    FLASK_NAME,
};
use serde_json::Value;

const SIGNED_IN: &str = "Signed in as demo";

fn session_cookie() -> String {
    format!("latchkey-{FLASK_ID}-session")
}

fn pending_cookie() -> String {
    format!("latchkey-{FLASK_ID}-pending")
}

/// What the companion's `/oauth1/flask/session` says, read from the page.
async fn companion_session(stack: &Stack) -> Value {
    let b = &stack.browser;
    b.js(
        "return fetch(arguments[0], {credentials: 'same-origin'}).then(r => r.json());",
        vec![Value::String(format!("/oauth1/{FLASK_ID}/session"))],
    )
    .await
}

/// A script's `fetch` of `url` (same-origin cookies, redirects not followed): the status and
/// the JSON body, or the body as text.
async fn fetch_answer(b: &latchkey_e2e::Browser, url: &str) -> Value {
    b.js(
        "return fetch(arguments[0], {credentials: 'same-origin', redirect: 'manual'})\
           .then(r => r.text().then(t => { try { return [r.status, JSON.parse(t)]; } \
             catch (e) { return [r.status, t]; } }), e => 'error: ' + e);",
        vec![Value::String(url.to_owned())],
    )
    .await
}

/// Lets a request that should not have happened reach the provider's log (werkzeug logs after
/// answering) before a test asserts there was none.
async fn settle() {
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_through_login_and_consent_shows_the_user() {
    let stack = flask_signed_in_stack().await;
    let b = &stack.browser;
    assert!(b.text().await.contains(SIGNED_IN));
    assert!(b.has_button("Sign out").await);
    let session = companion_session(&stack).await;
    assert_eq!(session["signed_in"], true, "{session}");
    assert_eq!(session["screen_name"], DEMO_USER, "{session}");
    // The token credentials live in an HttpOnly cookie the page cannot read.
    let visible = b.js("return document.cookie;", vec![]).await;
    assert!(
        !visible.as_str().unwrap_or_default().contains("latchkey-"),
        "the companion's cookies are HttpOnly: {visible}"
    );
    assert!(
        b.cookie(&session_cookie()).await.is_some(),
        "the session cookie is set"
    );
    let storage = b.storage().await.to_string();
    assert!(
        !storage.contains("oauth_token"),
        "no OAuth 1.0a credential in Web Storage: {storage}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_session_cookie_is_refused() {
    let stack = flask_signed_in_stack().await;
    let b = &stack.browser;
    let value = b.cookie(&session_cookie()).await.expect("session cookie");
    // Flip one character in the middle of the sealed value.
    let mut chars: Vec<char> = value.chars().collect();
    let i = chars.len() / 2;
    chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    b.set_cookie_value(&session_cookie(), &chars.into_iter().collect::<String>())
        .await;
    let session = companion_session(&stack).await;
    assert_eq!(
        session["signed_in"], false,
        "a tampered cookie is no session: {session}"
    );
    let before = stack.flask().requests_logged("/api/me");
    let status = b
        .fetch_status(
            &format!("/oauth1/{FLASK_ID}/api/me"),
            "{credentials: 'same-origin'}",
        )
        .await;
    assert_eq!(
        status,
        Value::from(401),
        "no signed call without a valid session"
    );
    settle().await;
    assert_eq!(
        stack.flask().requests_logged("/api/me"),
        before,
        "nothing sent upstream"
    );
    b.reload().await;
    b.wait_until("the sign-in button", || async {
        b.has_button(&sign_in_label(FLASK_NAME)).await
    })
    .await;
    assert!(!b.text().await.contains(SIGNED_IN));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cookie_sealed_for_another_purpose_is_refused() {
    let stack = Stack::start(StackOptions::flask()).await;
    flask_home(&stack).await;
    let b = &stack.browser;
    flask_to_consent(b, &stack.flask().base_url()).await;
    // Cookies are per host, not per port: the companion's pending cookie is visible here.
    let pending = b
        .cookie(&pending_cookie())
        .await
        .expect("the pending sign-in cookie");
    b.click_button("Authorize").await;
    b.wait_for_text(SIGNED_IN).await;
    // A genuine cookie of this companion, but sealed as the pending sign-in, not a session.
    b.set_cookie_value(&session_cookie(), &pending).await;
    let session = companion_session(&stack).await;
    assert_eq!(
        session["signed_in"], false,
        "a foreign cookie is no session: {session}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_callback_is_refused() {
    let stack = Stack::start(StackOptions::flask()).await;
    flask_home(&stack).await;
    let b = &stack.browser;
    flask_to_consent(b, &stack.flask().base_url()).await;
    let pending = b
        .cookie_full(&pending_cookie())
        .await
        .expect("the pending sign-in cookie");
    b.click_button("Authorize").await;
    b.wait_for_text(SIGNED_IN).await;
    stack.flask().wait_logged("/oauth/access_token", 1).await;
    let callback = stack
        .flask()
        .last_authorize_redirect()
        .expect("the provider logged the callback it redirected to");
    assert!(callback.contains("oauth_verifier="), "{callback}");
    let exchanges = stack.flask().requests_logged("/oauth/access_token");
    assert_eq!(exchanges, 1);

    // As is: the sign-in it belonged to is over, so the companion refuses it by itself.
    let answer = fetch_answer(b, &callback).await;
    assert_eq!(
        answer,
        serde_json::json!([400, {
            "error": "bad_request",
            "message": format!(
                "no sign-in in progress (it was completed or never started); \
                 start again at /oauth1/{FLASK_ID}/login"
            ),
        }]),
        "the companion refuses the used callback itself"
    );
    settle().await;
    assert_eq!(
        stack.flask().requests_logged("/oauth/access_token"),
        exchanges,
        "nothing was sent to the provider"
    );

    // With the old pending cookie put back too, the companion asks the provider once more, and
    // the provider refuses the used request token.
    b.restore_cookie(pending).await;
    let answer = fetch_answer(b, &callback).await;
    stack
        .flask()
        .wait_logged("/oauth/access_token", exchanges + 1)
        .await;
    assert_eq!(
        answer,
        serde_json::json!([403, {
            "error": "forbidden",
            "message": "the provider refused the sign-in; start again",
        }]),
        "the provider's refusal of the used request token (Flask answers it 401)"
    );
    settle().await;
    assert_eq!(
        stack.flask().requests_logged("/oauth/access_token"),
        exchanges + 1,
        "exactly one more access-token exchange reached the provider"
    );
    // The browser's session is still the original one.
    let session = companion_session(&stack).await;
    assert_eq!(session["screen_name"], DEMO_USER, "{session}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_path_outside_api_base_is_forbidden_and_nothing_is_sent() {
    let stack = flask_signed_in_stack().await;
    let b = &stack.browser;
    let before = stack.flask().request_count();
    for path in [
        "..%2Foauth%2Faccess_token",
        "%2e%2e%2Foauth%2Faccess_token",
        "me%2F..%2F..%2Foauth%2Frequest_token",
    ] {
        let status = b
            .fetch_status(
                &format!("/oauth1/{FLASK_ID}/api/{path}"),
                "{credentials: 'same-origin'}",
            )
            .await;
        assert_eq!(status, Value::from(403), "{path} climbs out of api_base");
    }
    settle().await;
    assert_eq!(
        stack.flask().request_count(),
        before,
        "the provider saw no request:\n{}",
        stack.flask().service().log_tail(10)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cross_origin_post_is_refused() {
    let stack = flask_signed_in_stack().await;
    let b = &stack.browser;
    let cookie = b.cookie(&session_cookie()).await.expect("session cookie");
    let before = stack.flask().requests_logged("/api/me");

    // From a page of another origin in the same browser (same site: cookies go along).
    b.goto(&format!("{}/healthz", stack.flask().base_url()))
        .await;
    let sent = b
        .fetch_status(
            &format!("{}/oauth1/{FLASK_ID}/api/me", stack.origin()),
            "{method: 'POST', mode: 'no-cors', credentials: 'include', \
             headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: 'n=1'}",
        )
        .await;
    assert_eq!(sent, Value::from("opaque"), "the request left the page");

    // And the same with the status visible: the session cookie, a foreign Origin.
    let resp = reqwest::Client::new()
        .post(format!("{}/oauth1/{FLASK_ID}/api/me", stack.origin()))
        .header("Cookie", format!("{}={cookie}", session_cookie()))
        .header("Origin", "http://evil.example")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("n=1")
        .send()
        .await
        .expect("POST to the companion");
    assert_eq!(resp.status(), 403);
    settle().await;
    assert_eq!(
        stack.flask().requests_logged("/api/me"),
        before,
        "neither cross-origin POST reached the provider"
    );
}

/// Issue 19, finding 1: the signing proxy answers the app's scripts only. A link to it (from
/// another origin of the same site, so the session cookie goes along) or the address bar is a
/// navigation: refused, nothing signed, nothing sent to the provider.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_navigation_to_the_signing_proxy_is_refused_and_nothing_is_sent() {
    let stack = flask_signed_in_stack().await;
    let b = &stack.browser;
    let before = stack.flask().requests_logged("/api/me");
    let proxied = format!("{}/oauth1/{FLASK_ID}/api/me", stack.origin());

    b.goto(&format!("{}/healthz", stack.flask().base_url()))
        .await;
    b.js(
        "const a = document.createElement('a'); a.href = arguments[0]; a.textContent = 'x';\
         document.body.append(a); a.click(); return null;",
        vec![Value::String(proxied.clone())],
    )
    .await;
    // The answer is a sandboxed page (`Content-Security-Policy: sandbox`), where WebDriver's
    // scripts may not run: what shows the refusal is the provider's log below. Had the proxy
    // signed the request, the provider would have seen it (the cookie went along: same site).
    b.wait_for_url(&proxied).await;

    // Typed into the address bar (Sec-Fetch-Site: none).
    b.goto(&proxied).await;

    settle().await;
    assert_eq!(
        stack.flask().requests_logged("/api/me"),
        before,
        "neither navigation reached the provider"
    );
    // Back in the app, still signed in, its own fetch still goes through.
    b.goto(&format!("{}/", stack.origin())).await;
    b.wait_for_text(SIGNED_IN).await;
    let status = b
        .fetch_status(
            &format!("/oauth1/{FLASK_ID}/api/me"),
            "{credentials: 'same-origin'}",
        )
        .await;
    assert_eq!(status, Value::from(200), "the app's own call is signed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_ends_the_companion_session() {
    let stack = flask_signed_in_stack().await;
    let b = &stack.browser;
    b.click_button("Sign out").await;
    b.wait_until("the sign-in button after signing out", || async {
        b.has_button(&sign_in_label(FLASK_NAME)).await
    })
    .await;
    assert!(!b.text().await.contains(SIGNED_IN));
    let session = companion_session(&stack).await;
    assert_eq!(session["signed_in"], false, "{session}");
    b.reload().await;
    b.wait_until("the sign-in button after a reload", || async {
        b.has_button(&sign_in_label(FLASK_NAME)).await
    })
    .await;
    let status = b
        .fetch_status(
            &format!("/oauth1/{FLASK_ID}/api/me"),
            "{credentials: 'same-origin'}",
        )
        .await;
    assert_eq!(status, Value::from(401), "no signed call after sign-out");
}

/// Issue 21: RSA-SHA1 end to end. The companion holds only the consumer's RSA private key (no
/// shared secret, so HMAC could not pass); the real Flask-OAuthlib provider verifies every
/// leg and the API call with the public half.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rsa_sha1_signs_every_leg_and_the_api_call_for_the_real_provider() {
    use latchkey_e2e::companion::flask_provider_toml;
    use latchkey_e2e::process::free_port;
    use latchkey_e2e::{Browser, Companion, Flask};

    let port = free_port();
    let origin = format!("http://127.0.0.1:{port}");
    let flask = Flask::start(&origin, FLASK_ID).await;
    let key = flask.rsa_private_key_file();
    assert!(
        key.is_file(),
        "the fixture made no RSA key at {}",
        key.display()
    );
    let toml = flask_provider_toml(&flask, "RSA-SHA1").replace(
        "consumer_secret_env = \"FLASK_CONSUMER_SECRET\"\n",
        &format!("rsa_key_file = {:?}\n", key.display().to_string()),
    );
    assert!(toml.contains("rsa_key_file") && !toml.contains("consumer_secret_env"));
    let companion = Companion::start(port, &[toml], &[]).await;
    let b = Browser::start().await;
    b.goto(&format!("{}/", companion.origin())).await;
    b.wait_until("the Flask sign-in button", || async {
        b.has_button(&sign_in_label(FLASK_NAME)).await
    })
    .await;
    flask_sign_in(&b, &flask.base_url()).await;
    let out = api_call(&b, "GET", "/me", None).await;
    assert_eq!(out.code(), Some(200), "{out:?}");
    assert!(out.body.contains(DEMO_USER), "{out:?}");
}

/// The app is served by the companion whose cookie holds the session; the page only keeps a
/// mark that it may. A session check answered with an error (here a 500 on that one route)
/// is not "signed out": the app says the session could not be checked, offers "Try again",
/// and that signs the person back in once the companion answers. Nothing was dropped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_check_without_a_usable_answer_keeps_the_session_and_try_again_restores_it() {
    let port = latchkey_e2e::process::free_port();
    let mut proxy = FaultProxy::start(std::net::SocketAddr::from(([127, 0, 0, 1], port))).await;
    let origin = proxy.url();
    let flask = Flask::start(&origin, FLASK_ID).await;
    let _companion = Companion::start_behind(
        port,
        &origin,
        &[flask_provider_toml(&flask, "HMAC-SHA1")],
        &[("FLASK_CONSUMER_SECRET", flask.consumer_secret())],
    )
    .await;
    let b = Browser::start().await;
    b.goto(&format!("{origin}/")).await;
    flask_sign_in(&b, &flask.base_url()).await;

    proxy
        .set_for(Fault::Status500, &format!("/oauth1/{FLASK_ID}/session"))
        .await;
    b.reload().await;
    b.wait_for_text("Your session could not be checked").await;
    let text = b.text().await;
    assert!(
        text.contains("answered HTTP 500 where it says whether you are signed in"),
        "{text}"
    );
    assert!(
        text.contains(&format!("Your sign-in with {FLASK_NAME} is kept")),
        "{text}"
    );
    assert!(!text.contains(SIGNED_IN), "{text}");
    assert_accessible(&b, "the app, a session that could not be checked").await;
    b.screenshot("session-unchecked").await;

    proxy.set(Fault::PassThrough).await;
    b.click_button("Try again").await;
    b.wait_for_text(SIGNED_IN).await;

    // Once more, and nobody presses "Try again": the client asks the companion again by
    // itself, 10 s after the failure.
    proxy
        .set_for(Fault::Status500, &format!("/oauth1/{FLASK_ID}/session"))
        .await;
    b.reload().await;
    b.wait_for_text("Your session could not be checked").await;
    proxy.set(Fault::PassThrough).await;
    b.wait_for_text(SIGNED_IN).await;
}
