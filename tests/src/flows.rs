//! What a user does on the providers' own pages, step by step.

use crate::browser::Browser;
use crate::companion::{DOT_NAME, FLASK_NAME, OP_NAME};
use crate::providers::{DEMO_PASSWORD, DEMO_USER, OP_DEMO_NAME};
use crate::{Stack, StackOptions};

/// The label of the app's button for `name`.
pub fn sign_in_label(name: &str) -> String {
    format!("Sign in with {name}")
}

/// On the app's home page: clicks "Sign in with Django OAuth Toolkit", signs in on DOT's login
/// page (when it is shown) and waits on DOT's consent page.
pub async fn dot_to_consent(browser: &Browser, dot_base: &str) {
    browser.click_button(&sign_in_label(DOT_NAME)).await;
    dot_login_to_consent(browser, dot_base).await;
}

/// Once a sign-in is on its way to DOT: its login (when asked) and its consent page.
pub async fn dot_login_to_consent(browser: &Browser, dot_base: &str) {
    browser.wait_for_url(dot_base).await;
    browser
        .wait_until("DOT's login or consent page", || async {
            browser.exists("#login-form").await || browser.exists("#authorizationForm").await
        })
        .await;
    if browser.exists("#login-form").await {
        browser.fill("#id_username", DEMO_USER).await;
        browser.fill("#id_password", DEMO_PASSWORD).await;
        browser.click_button("Sign in").await;
    }
    browser.find("#authorizationForm").await;
}

/// From the app's home page to "Signed in as demo" through DOT's login and consent.
pub async fn dot_sign_in(browser: &Browser, dot_base: &str) {
    dot_to_consent(browser, dot_base).await;
    browser.click_button("Authorize").await;
    browser
        .wait_for_text(&format!("Signed in as {DEMO_USER}"))
        .await;
}

/// On the app's home page: clicks "Sign in with <name>", signs in on a provider page that
/// has the Flask fixture's form (`#login-form` with `#username` and `#password`, then
/// `#consent-form`; the oidc-provider fixture copies it) when it is shown, and waits on the
/// consent page.
async fn to_consent_form(browser: &Browser, name: &str, base: &str) {
    browser.click_button(&sign_in_label(name)).await;
    browser.wait_for_url(base).await;
    browser
        .wait_until(&format!("{name}'s login or consent page"), || async {
            browser.exists("#login-form").await || browser.exists("#consent-form").await
        })
        .await;
    if browser.exists("#login-form").await {
        browser.fill("#username", DEMO_USER).await;
        browser.fill("#password", DEMO_PASSWORD).await;
        browser.click_button("Sign in").await;
    }
    browser.find("#consent-form").await;
}

/// On the app's home page: clicks "Sign in with Flask OAuth1 demo", signs in on the
/// provider's login page (when shown) and waits on its consent page.
pub async fn flask_to_consent(browser: &Browser, flask_base: &str) {
    to_consent_form(browser, FLASK_NAME, flask_base).await;
}

/// From the app's home page to "Signed in as demo" through the Flask provider.
pub async fn flask_sign_in(browser: &Browser, flask_base: &str) {
    flask_to_consent(browser, flask_base).await;
    browser.click_button("Authorize").await;
    // The provider's consent page itself says "Signed in as demo." (its own login), so the
    // text alone could match before the click has navigated away: wait to be back on the
    // app with its "Sign out" button first.
    browser
        .wait_until("back on the app, signed in", || async {
            !browser.url().await.starts_with(flask_base) && browser.has_button("Sign out").await
        })
        .await;
    browser
        .wait_for_text(&format!("Signed in as {DEMO_USER}"))
        .await;
}

/// Opens the app's home page and waits for its "Sign in with Flask OAuth1 demo" button.
pub async fn flask_home(stack: &Stack) {
    stack.browser.goto(&format!("{}/", stack.origin())).await;
    stack
        .browser
        .wait_until("the Flask sign-in button", || async {
            stack.browser.has_button(&sign_in_label(FLASK_NAME)).await
        })
        .await;
}

/// A stack with the Flask provider, signed in on the app's home page.
pub async fn flask_signed_in_stack() -> Stack {
    let stack = Stack::start(StackOptions::flask()).await;
    flask_home(&stack).await;
    flask_sign_in(&stack.browser, &stack.flask().base_url()).await;
    // Let the provider's log catch up, so request counts start from a settled baseline.
    stack.flask().wait_logged("/oauth/access_token", 1).await;
    stack
}

/// On the app's home page: clicks "Sign in with oidc-provider", signs in on the fixture's
/// login page (when it is shown) and waits on its consent page.
pub async fn op_to_consent(browser: &Browser, op_base: &str) {
    to_consent_form(browser, OP_NAME, op_base).await;
}

/// From the app's home page to "Signed in as Demo User" (the `name` oidc-provider's userinfo
/// answers; its ID token carries only `sub`) through oidc-provider's login and consent.
pub async fn op_sign_in(browser: &Browser, op_base: &str) {
    op_to_consent(browser, op_base).await;
    browser.click_button("Authorize").await;
    browser
        .wait_until("back on the app, signed in", || async {
            !browser.url().await.starts_with(op_base) && browser.has_button("Sign out").await
        })
        .await;
    browser
        .wait_for_text(&format!("Signed in as {OP_DEMO_NAME}"))
        .await;
}

/// What the API console showed for one call.
#[derive(Debug, Clone)]
pub struct ApiOutcome {
    /// The status line (e.g. "200 OK"), or the console's error sentence when the call was
    /// not made.
    pub status: String,
    /// The response body as shown.
    pub body: String,
}

impl ApiOutcome {
    /// The numeric status, when the call was made.
    pub fn code(&self) -> Option<u16> {
        self.status.split_whitespace().next()?.parse().ok()
    }
}

/// Selectors of the API console (H4's `src/components/api_console.rs`); stable ids first.
const API_METHOD: &str = "#api-method, .api-form select";
/// The API console's path field.
pub const API_PATH: &str = "#api-path, .api-form .field-path input";
const API_BODY_INPUT: &str = "#api-body-input, .api-form textarea";

/// Uses the API console: picks `method`, types `path` (and `body`), presses "Send" and waits
/// for the new result.
pub async fn api_call(
    browser: &Browser,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> ApiOutcome {
    browser.find(API_PATH).await;
    browser.select(API_METHOD, method).await;
    browser.fill(API_PATH, path).await;
    if let Some(body) = body {
        browser.fill(API_BODY_INPUT, body).await;
    }
    // Mark what is on screen now, so the wait below sees only the answer to this call.
    // An answer of the same shape as the last one may be drawn into the same elements (Leptos
    // rebuilds a view of the same type in place), so the send button's busy state tells too:
    // an observer notes it going disabled, and the answer is in once it is enabled again.
    browser
        .js(
            "document.querySelectorAll('.api-result, #api-result, .api-form ~ * .notice-error')\
               .forEach(e => e.setAttribute('data-e2e-old', '1'));\
             const button = document.querySelector('.api-form button[type=submit]');\
             window.__e2eApiBusy = false;\
             if (window.__e2eApiWatch) window.__e2eApiWatch.disconnect();\
             if (button) {\
               window.__e2eApiWatch = new MutationObserver(() => {\
                 if (button.disabled) window.__e2eApiBusy = true;\
               });\
               window.__e2eApiWatch.observe(button, {attributes: true});\
             }\
             return null;",
            vec![],
        )
        .await;
    browser.click_button("Send").await;
    browser
        .wait_until("the API console's answer", || async {
            let fresh = browser
                .js(
                    "const sel = ['.api-result', '#api-result', 'section .notice-error'];\
                     const button = document.querySelector('.api-form button[type=submit]');\
                     return sel.some(s => Array.from(document.querySelectorAll(s))\
                       .some(e => !e.hasAttribute('data-e2e-old')))\
                       || (window.__e2eApiBusy && button && !button.disabled);",
                    vec![],
                )
                .await;
            fresh.as_bool().unwrap_or(false)
        })
        .await;
    let shown = browser
        .js(
            "const results = Array.from(document.querySelectorAll('.api-result, #api-result'));\
             const r = results.find(e => !e.hasAttribute('data-e2e-old'))\
               || (window.__e2eApiBusy ? results[results.length - 1] : undefined);\
             if (r) {\
               const s = r.querySelector('#api-status, .api-status .status-pill, .api-status');\
               const b = r.querySelector('#api-body, .api-body');\
               return [s ? s.innerText : '', b ? b.innerText : ''];\
             }\
             const n = Array.from(document.querySelectorAll('section .notice-error'))\
               .find(e => !e.hasAttribute('data-e2e-old'));\
             return [n ? n.innerText : '', ''];",
            vec![],
        )
        .await;
    let part = |i: usize| {
        shown
            .get(i)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .trim()
            .to_owned()
    };
    ApiOutcome {
        status: part(0),
        body: part(1),
    }
}
