//! A gateway's own answers in front of DOT (a 500, an HTML page where JSON was expected), with
//! and without CORS headers. tests/tests/faults.rs lets the browser read them (the proxy
//! allows the app's origin); a real gateway's error page usually carries no CORS headers, and
//! then the browser hides the answer and the app sees only a failed fetch. Each case pins the
//! words the app shows, both ways, at discovery and at the token endpoint.

use std::time::{Duration, Instant};

use latchkey_e2e::flows::sign_in_label;
use latchkey_e2e::process::free_port;
use latchkey_e2e::proxied_dot::ProxiedDot;
use latchkey_e2e::{
    Browser, CannedCors, Companion, Dot, DotOptions, Fault, FaultProxy, DEMO_PASSWORD, DEMO_USER,
    DOT_NAME,
};

/// DOT behind a fault proxy (its issuer is the proxy's address), the companion, a browser.
struct Gateway {
    browser: Browser,
    companion: Companion,
    proxy: FaultProxy,
    _dot: Dot,
}

impl Gateway {
    async fn start() -> Self {
        let port = free_port();
        let proxied = ProxiedDot::start(
            &DotOptions {
                app_origin: format!("http://127.0.0.1:{port}"),
                access_token_seconds: 3600,
            },
            &[],
        )
        .await;
        let companion = Companion::start(port, &[proxied.provider_toml("tab", "")], &[]).await;
        let browser = Browser::start().await;
        Self {
            browser,
            companion,
            proxy: proxied.proxy,
            _dot: proxied.dot,
        }
    }

    async fn home(&self) {
        let b = &self.browser;
        b.goto(&format!("{}/", self.companion.origin())).await;
        b.wait_until("the sign-in button", || async {
            b.has_button(&sign_in_label(DOT_NAME)).await
        })
        .await;
    }
}

/// The visible alert's text, waiting up to 25 s for it (the app's own fetch timeout is 15 s).
async fn alert(b: &Browser, what: &str) -> String {
    let start = Instant::now();
    loop {
        let text = b
            .js(
                "const a = Array.from(document.querySelectorAll('[role=alert]'))\
                   .filter(e => e.offsetParent !== null);\
                 return a.length ? a.map(e => e.innerText).join('\\n') : null;",
                vec![],
            )
            .await;
        if let Some(t) = text.as_str() {
            return t.to_owned();
        }
        if start.elapsed() > Duration::from_secs(25) {
            b.fail(&format!("no alert within 25 s ({what})")).await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The words for each case: (fault, CORS on the gateway's answer, what the alert says).
type Cases<'a> = [(Fault, CannedCors, &'a str); 4];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateways_500_or_html_page_at_discovery_read_with_and_without_cors() {
    let mut g = Gateway::start().await;
    // Without CORS the browser hides the gateway's answer: the app's probe finds the endpoint
    // there but unreadable, and says it refuses browsers. The 500 and the HTML page then read
    // the same, and "Try again" is still offered.
    let no_cors = "Sign-in did not work\n\nDjango OAuth Toolkit's sign-in settings (its discovery \
                   document) refuses requests from browsers (it sends no CORS headers to this \
                   site).\n\nTry again";
    let cases: Cases = [
        (
            Fault::Status500,
            CannedCors::AllowOrigin,
            "Sign-in did not work\n\nDjango OAuth Toolkit's sign-in settings (its discovery \
             document) could not be read: discovery: HTTP 500.\n\nTry again",
        ),
        (Fault::Status500, CannedCors::Omit, no_cors),
        (
            Fault::Html,
            CannedCors::AllowOrigin,
            "Sign-in did not work\n\nDjango OAuth Toolkit's sign-in settings (its discovery \
             document) could not be read: discovery: the metadata is not a JSON object.\n\n\
             Try again",
        ),
        (Fault::Html, CannedCors::Omit, no_cors),
    ];
    for (fault, cors, words) in cases {
        g.proxy
            .set_with_cors(fault, Some("/o/.well-known/"), cors)
            .await;
        g.home().await;
        let before = g.proxy.faulted();
        g.browser.click_button(&sign_in_label(DOT_NAME)).await;
        let notice = alert(&g.browser, &format!("{fault:?} {cors:?}")).await;
        assert!(g.proxy.faulted() > before, "{fault:?} {cors:?} met the app");
        assert_eq!(notice, words, "{fault:?} with {cors:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateways_500_or_html_page_at_the_token_endpoint_read_with_and_without_cors() {
    let mut g = Gateway::start().await;
    let retry = "“Try again” starts sign-in with Django OAuth Toolkit from the beginning: the \
                 one-time code it sent cannot be used twice.\n\nTry again\nBack to the home page";
    let with_500 = format!(
        "Sign-in did not work\n\nDjango OAuth Toolkit's token endpoint had an internal error \
         (HTTP 500). {retry}"
    );
    let with_html = format!(
        "Sign-in did not work\n\nDjango OAuth Toolkit's token endpoint answered with something \
         other than a token response (token response: the body is not a JSON object). {retry}"
    );
    // Without CORS the browser hides the gateway's answer, and the app cannot tell it from a
    // token endpoint that never sends CORS (GitHub's): it blames the configuration and offers
    // no "Try again", though the next attempt could work once the gateway recovers.
    let no_cors = "Sign-in did not work\n\nDjango OAuth Toolkit refuses token requests from \
                   browsers (its token endpoint sends no CORS headers). Set \
                   `token_via_companion = true` with a client secret for this provider in \
                   latchkey.toml (see docs/providers.md).\n\nBack to sign-in";
    let cases: Cases = [
        (Fault::Status500, CannedCors::AllowOrigin, &with_500),
        (Fault::Status500, CannedCors::Omit, no_cors),
        (Fault::Html, CannedCors::AllowOrigin, &with_html),
        (Fault::Html, CannedCors::Omit, no_cors),
    ];
    for (fault, cors, words) in cases {
        g.proxy.set(Fault::PassThrough).await;
        g.home().await;
        let b = &g.browser;
        b.click_button(&sign_in_label(DOT_NAME)).await;
        b.wait_until("DOT's login or consent page", || async {
            b.exists("#login-form").await || b.exists("#authorizationForm").await
        })
        .await;
        if b.exists("#login-form").await {
            b.fill("#id_username", DEMO_USER).await;
            b.fill("#id_password", DEMO_PASSWORD).await;
            b.click_button("Sign in").await;
        }
        b.find("#authorizationForm").await;
        // Consent and the redirect pass; the code exchange meets the gateway.
        g.proxy.set_with_cors(fault, Some("/o/token/"), cors).await;
        let before = g.proxy.faulted();
        let b = &g.browser;
        b.click_button("Authorize").await;
        let notice = alert(b, &format!("{fault:?} {cors:?}")).await;
        assert!(g.proxy.faulted() > before, "{fault:?} {cors:?} met the app");
        assert_eq!(notice, words, "{fault:?} with {cors:?}");
    }
}
