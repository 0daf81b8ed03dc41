//! What travels in URLs and `Referer` headers, read from every request Chromium sent while a
//! person signs in with the real Django OAuth Toolkit, calls the API, has the session renewed
//! and signs out in the showcase app, with the browser talking to DOT and with the companion
//! mediating the token requests:
//! - no access or refresh token in any URL (RFC 9700 §4.3.2, RFC 6750 §2.3);
//! - the authorization code only in the one redirect that brings it, never in a `Referer`,
//!   and not left in the address bar (RFC 9700 §4.2.4);
//! - with mediation, the client secret in no request the browser sends at all.

use std::time::Duration;

use latchkey_e2e::flows::{api_call, dot_sign_in, sign_in_label};
use latchkey_e2e::mediation::{MediatedStack, RefreshTokenIn, TokenAuth, TokenRoute};
use latchkey_e2e::{Browser, SentRequest, Stack, StackOptions, DOT_NAME};

const SIGNED_IN: &str = "Signed in as demo";

/// The value of `name` in the query of `url`, undecoded (a code is URL-safe as DOT makes it).
fn query_value<'a>(url: &'a str, name: &str) -> Option<&'a str> {
    let query = url.split_once('?')?.1.split('#').next()?;
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
}

/// Each request's URL and headers, one per line, for a failure's message.
fn listing(sent: &[SentRequest]) -> String {
    sent.iter()
        .map(|r| format!("{} {}", r.kind, r.url))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_token_travels_in_a_url_and_the_code_stays_out_of_referers_and_the_address_bar() {
    // Ten-second access tokens: the app renews one while the test runs.
    let stack = Stack::start_recording_requests(StackOptions {
        dot: Some((10, "tab")),
        flask: None,
    })
    .await;
    let token_url = stack.dot().token_endpoint();
    walk_and_check(&stack, &token_url, None).await;
}

/// The same, with the companion exchanging the code and renewing for the browser, holding the
/// refresh token in its sealed cookie and the client secret to itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_mediation_no_token_or_secret_travels_in_a_url_and_the_secret_in_no_request() {
    let route = TokenRoute::Companion(TokenAuth::ClientSecretBasic, RefreshTokenIn::Companion);
    let mut m = MediatedStack::start(10, route, latchkey_e2e::random_token(24)).await;
    m.stack.browser = Browser::start_recording_requests().await;
    let token_url = format!("{}/oauth2/dot/token", m.stack.origin());
    walk_and_check(&m.stack, &token_url, Some(&m.secret)).await;
}

/// Signs in with DOT, calls the API, waits for a renewal, calls again and signs out, then
/// checks every request the browser sent. `token_url` is where the code goes (it must be in
/// the record); `secret` must be in no request at all.
async fn walk_and_check(stack: &Stack, token_url: &str, secret: Option<&str>) {
    let (b, dot) = (&stack.browser, stack.dot());
    let origin = stack.origin();
    b.goto(&format!("{origin}/")).await;
    b.wait_until("the DOT sign-in button", || async {
        b.has_button(&sign_in_label(DOT_NAME)).await
    })
    .await;
    dot_sign_in(b, &dot.base_url()).await;
    b.wait_for_text(SIGNED_IN).await;
    let address = b.url().await;
    assert!(
        !address.contains("code=") && !address.contains("state="),
        "the callback's parameters stayed in the address bar: {address}"
    );

    // DOT deletes an access token once its refresh token is used: note each while it lives.
    let mut access = dot.access_tokens();
    let out = api_call(b, "GET", "/me", None).await;
    assert_eq!(out.code(), Some(200), "{out:?}");
    b.wait_until("a renewal of the ten-second token", || async {
        dot.refresh_tokens().len() >= 2
    })
    .await;
    // The renewed token is in use before it is noted (an API call with it answers).
    tokio::time::sleep(Duration::from_millis(500)).await;
    let out = api_call(b, "GET", "/me", None).await;
    assert_eq!(out.code(), Some(200), "{out:?}");
    access.extend(dot.access_tokens());
    let refresh: Vec<String> = dot.refresh_tokens().into_iter().map(|(t, _)| t).collect();

    b.click_button("Sign out").await;
    b.wait_until("the sign-in button after signing out", || async {
        b.has_button(&sign_in_label(DOT_NAME)).await
    })
    .await;

    let sent = b.sent_requests().await;
    let all = listing(&sent);
    // The record is whole: the API calls went out with access tokens noted above, and the
    // code went to `token_url`; without them the checks below would prove nothing.
    let bearer_sent: Vec<&str> = sent
        .iter()
        .flat_map(|r| r.header("authorization"))
        .filter_map(|v| v.strip_prefix("Bearer "))
        .collect();
    assert!(
        bearer_sent.len() >= 2 && bearer_sent.iter().all(|t| access.iter().any(|a| a == t)),
        "the API calls' tokens are among those DOT issued: sent {bearer_sent:?}, noted {access:?}"
    );
    assert!(
        sent.iter().any(|r| r.url.starts_with(token_url)),
        "the code exchange ({token_url}) is in the record:\n{all}"
    );

    let callback_prefix = format!("{origin}/callback/dot?");
    let callbacks: Vec<&SentRequest> = sent
        .iter()
        .filter(|r| r.url.starts_with(&callback_prefix))
        .collect();
    assert_eq!(callbacks.len(), 1, "one redirect brought the code:\n{all}");
    let code = query_value(&callbacks[0].url, "code").expect("the redirect carries a code");
    assert!(code.len() >= 20, "a code as DOT makes it: {code:?}");

    for request in &sent {
        for token in access.iter().chain(&refresh) {
            assert!(
                !request.url.contains(token.as_str()),
                "a token travelled in a URL: {}",
                request.url
            );
        }
        if !std::ptr::eq(request, callbacks[0]) {
            assert!(
                !request.url.contains(code),
                "the code travelled in another URL: {}",
                request.url
            );
        }
        for referer in request.header("referer") {
            assert!(
                !referer.contains(code) && !referer.contains("code="),
                "the code left in a Referer ({referer}) of {}",
                request.url
            );
        }
        if let Some(secret) = secret {
            assert!(
                !request.url.contains(secret)
                    && request.headers.iter().all(|(_, v)| !v.contains(secret)),
                "the client secret was in a request the browser sent: {}",
                request.url
            );
        }
    }
}
