//! The showcase's API console calling an OAuth 1.0a API through the real companion's
//! signing proxy, against the real Flask-OAuthlib provider, in headless Chromium: what a
//! person types reaches the provider intact, and a slow call can be stopped or gives up in
//! words. (Split from oauth1_flow.rs, which keeps the sign-in and the companion's defences.)

use latchkey_e2e::accessibility::assert_accessible;
use latchkey_e2e::flows::{
    api_call, flask_sign_in, flask_signed_in_stack, sign_in_label, API_PATH,
};
use latchkey_e2e::FLASK_NAME;
use serde_json::Value;

const SIGNED_IN: &str = "Signed in as demo";

/// Calls the API from the console on a signed-in stack, checks that the provider accepted
/// the signature, and returns its echo of `field` (`query` or `form`).
async fn echo_of_a_call(
    method: &str,
    path: &str,
    body: Option<&str>,
    field: &str,
) -> Vec<(String, String)> {
    let stack = flask_signed_in_stack().await;
    let out = api_call(&stack.browser, method, path, body).await;
    assert_eq!(
        out.code(),
        Some(200),
        "the provider accepted the signature: {out:?}"
    );
    echoed(&out.body, field)
}

/// The provider's echo of what reached it, minus the OAuth protocol parameters.
fn echoed(body: &str, field: &str) -> Vec<(String, String)> {
    let v: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("JSON echo ({e}): {body}"));
    v[field]
        .as_array()
        .unwrap_or_else(|| panic!("{field} in {body}"))
        .iter()
        .map(|p| {
            (
                p[0].as_str().unwrap_or_default().to_owned(),
                p[1].as_str().unwrap_or_default().to_owned(),
            )
        })
        .filter(|(k, _)| !k.starts_with("oauth_"))
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

const TRICKY_QUERY: [(&str, &str); 4] = [
    ("q", "a b+c~d%e ü"),
    ("tag", "x"),
    ("tag", "y"),
    ("plus", "1 2"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_console_get_with_an_encoded_tricky_query_reaches_the_provider_intact() {
    // Space, +, ~, %, ü and a repeated key, percent-encoded as a URL carries them.
    let path = "/me?q=a%20b%2Bc~d%25e%20%C3%BC&tag=x&tag=y&plus=1+2";
    assert_eq!(
        echo_of_a_call("GET", path, None, "query").await,
        pairs(&TRICKY_QUERY),
        "the provider saw the query"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_console_get_with_a_query_typed_raw_reaches_the_provider_intact() {
    // As a person types it: a raw space and ü (an address bar would encode them), with + and %
    // encoded where the query syntax would otherwise change their meaning.
    let path = "/me?q=a b%2Bc~d%25e ü&tag=x&tag=y&plus=1+2";
    assert_eq!(
        echo_of_a_call("GET", path, None, "query").await,
        pairs(&TRICKY_QUERY),
        "the provider saw the query"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_console_post_with_a_form_body_reaches_the_provider_intact() {
    let body = Some("note=hello w%C3%B6rld %26 more&n=1");
    assert_eq!(
        echo_of_a_call("POST", "/me", body, "form").await,
        pairs(&[("note", "hello wörld & more"), ("n", "1")]),
        "the provider received the form fields (body sent as application/x-www-form-urlencoded and signed)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_console_gives_up_on_an_api_slower_than_fifteen_seconds_in_words() {
    // A call through Latchkey waits as long as fetch would (embed_fetch.rs); the console
    // gives up after its own deadline, in words, instead of a Send button that stays busy,
    // and the call it stops is cancelled all the way to the API.
    let stack = flask_signed_in_stack().await;
    let b = &stack.browser;
    let out = api_call(b, "GET", "/slow?seconds=18", None).await;
    assert_eq!(out.code(), None, "{out:?}");
    assert_eq!(
        out.status,
        "The call to /slow?seconds=18 got no answer within 15 seconds, so the console stopped it.",
        "{out:?}"
    );
    let slow = stack.flask().slow_answers(1).await;
    assert!(
        slow[0].starts_with("the client went away after"),
        "the stopped call went on to the end: {slow:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_in_the_api_console_cancels_the_call_from_the_keyboard() {
    let stack = flask_signed_in_stack().await;
    let b = &stack.browser;
    const STOP: &str = ".api-row button[type=button]";
    let stop_shown = || async {
        b.js(
            "const s = document.querySelector(arguments[0]);\
             return !!s && !s.hidden && s.offsetParent !== null;",
            vec![Value::from(STOP)],
        )
        .await
            == Value::Bool(true)
    };
    assert!(!stop_shown().await, "Stop is there with no call running");
    let first = api_call(b, "GET", "/me", None).await;
    assert_eq!(first.code(), Some(200), "{first:?}");
    b.fill(API_PATH, "/slow?seconds=10").await;
    b.click_button("Send").await;
    b.wait_until("the Stop button", stop_shown).await;
    // The last call's answer went as this one started: it is not shown as this one's.
    assert!(
        !b.exists(".api-result").await,
        "the answer of the call before stayed while this one runs"
    );
    // The console while the call runs: Send busy, Stop offered.
    assert_accessible(b, "the API console while a call runs").await;
    b.screenshot("console-running").await;
    assert!(
        stop_shown().await,
        "the ten-second call ended before Stop was pressed"
    );
    // Flask has begun its ten-second answer; a keyboard stops it.
    b.js(
        "document.querySelector(arguments[0]).focus(); return null;",
        vec![Value::from(STOP)],
    )
    .await;
    let stopped_at = std::time::Instant::now();
    b.press_enter().await;
    b.wait_until("the console's words", || async {
        b.text()
            .await
            .contains("You stopped the call to /slow?seconds=10.")
    })
    .await;
    assert!(
        stopped_at.elapsed() < std::time::Duration::from_secs(5),
        "the words came only after {:?}",
        stopped_at.elapsed()
    );
    let slow = stack.flask().slow_answers(1).await;
    assert!(
        slow[0].starts_with("the client went away after"),
        "Stop did not cancel the call at the API: {slow:?}"
    );
    // Stop goes with the call, and the keyboard goes on from Send.
    assert!(!stop_shown().await, "Stop stayed after the call ended");
    let focused = b
        .js("return document.activeElement.textContent.trim();", vec![])
        .await;
    assert_eq!(focused, "Send");
    assert_accessible(b, "the API console after Stop").await;
    // The console still calls: the next call answers.
    let out = api_call(b, "GET", "/me", None).await;
    assert_eq!(out.code(), Some(200), "{out:?}");
}

/// The console's own deadline may come after its card has gone: signed out while a call
/// runs, the page keeps working past those 15 seconds (a disposed value read then would stop
/// the app's wasm for good).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_during_a_console_call_leaves_the_page_working_past_its_deadline() {
    let stack = flask_signed_in_stack().await;
    let b = &stack.browser;
    b.fill(API_PATH, "/slow?seconds=20").await;
    b.click_button("Send").await;
    b.click_button("Sign out").await;
    b.wait_until("the sign-in button after signing out", || async {
        b.has_button(&sign_in_label(FLASK_NAME)).await
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_secs(16)).await;
    let errors: Vec<String> = b
        .console_errors()
        .await
        .into_iter()
        .map(|e| e.message)
        .filter(|m| !m.contains("favicon.ico"))
        .collect();
    assert_eq!(errors, Vec::<String>::new());
    flask_sign_in(b, &stack.flask().base_url()).await;
    b.wait_for_text(SIGNED_IN).await;
}
