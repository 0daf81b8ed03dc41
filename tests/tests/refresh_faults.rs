//! Renewals under faults, against the real DOT with refresh-token rotation and reuse
//! protection (a refresh token sent twice revokes the whole family), in `browser` storage
//! with 10 s access tokens (issue 19, finding 3). DOT sits behind a fault proxy that is
//! its issuer, so every request the app makes to DOT crosses it.
//!
//! - A renewal that fails after DOT rotated the token (the key set is down), DOT's 500, and
//!   a CDN's 403 page: the session is kept, and "Try again" renews with a token DOT still
//!   honours: nothing was marked spent that was not, nothing dropped that was new. Without
//!   the press, the timer renews it by itself once DOT answers again.
//! - A renewal whose answer never comes (DOT answers after the app's timeout): the token may
//!   be used, so it is never sent again; the words say so (and, the access token having run out
//!   meanwhile, that the session ended), and "Try again" signs in afresh.

use std::time::{Duration, Instant};

use latchkey_e2e::flows::{api_call, sign_in_label};
use latchkey_e2e::process::free_port;
use latchkey_e2e::proxied_dot::ProxiedDot;
use latchkey_e2e::{Browser, Companion, DotOptions, Fault, DEMO_PASSWORD, DEMO_USER, DOT_NAME};

const SIGNED_IN: &str = "Signed in as demo";
const TRY_AGAIN: &str = "Try again";
/// The app aborts a fetch after 15 s (`FETCH_TIMEOUT_MS` in crates/client/src/browser/fetch.rs).
const APP_TIMEOUT: Duration = Duration::from_secs(15);

/// Browser first, proxy and DOT last.
struct Setup {
    browser: Browser,
    companion: Companion,
    proxied: ProxiedDot,
}

impl Setup {
    async fn start() -> Self {
        let port = free_port();
        let proxied = ProxiedDot::start(
            &DotOptions {
                app_origin: format!("http://127.0.0.1:{port}"),
                access_token_seconds: 10,
            },
            &[],
        )
        .await;
        let companion = Companion::start(port, &[proxied.provider_toml("browser", "")], &[]).await;
        let browser = Browser::start().await;
        Self {
            browser,
            companion,
            proxied,
        }
    }

    /// From the home page through DOT's login and consent to "Signed in as demo".
    async fn sign_in(&self) {
        let b = &self.browser;
        if !b.url().await.starts_with(&self.proxied.proxy.url()) {
            b.goto(&format!("{}/", self.companion.origin())).await;
            b.click_button(&sign_in_label(DOT_NAME)).await;
        }
        b.wait_for_url(&self.proxied.proxy.url()).await;
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
        b.click_button("Authorize").await;
        b.wait_for_text(SIGNED_IN).await;
    }

    /// Refresh tokens DOT holds unrevoked.
    fn live_refresh_tokens(&self) -> Vec<String> {
        self.proxied
            .dot
            .refresh_tokens()
            .into_iter()
            .filter(|(_, revoked)| !revoked)
            .map(|(t, _)| t)
            .collect()
    }
}

/// The problem the signed-in view shows, with its "Try again" button, within `bound`.
async fn problem_notice(b: &Browser, bound: Duration, what: &str) -> String {
    let start = Instant::now();
    loop {
        let text = b
            .js(
                "const a = document.querySelector('[data-testid=auth-error]');\
                 return a ? a.innerText : null;",
                vec![],
            )
            .await;
        if let Some(text) = text.as_str() {
            if b.has_button(TRY_AGAIN).await {
                return text.to_owned();
            }
        }
        if start.elapsed() > bound {
            b.fail(&format!("no problem notice within {bound:?} ({what})"))
                .await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renewal_that_fails_after_rotation_or_on_a_500_or_a_cdn_page_keeps_the_session() {
    let mut s = Setup::start().await;
    s.sign_in().await;
    // The key set fails after DOT has rotated the token (3a); DOT's own 500 (3c); a CDN's
    // 403 page in front of the token endpoint (3d).
    // The last one is left to the timer's next try (10 s after the failure), not pressed.
    let faults = [
        (Fault::Down, "/o/.well-known/jwks.json", TRY_AGAIN),
        (Fault::Status500, "/o/token/", TRY_AGAIN),
        (Fault::BlockedHtml403, "/o/token/", TRY_AGAIN),
        (Fault::Status500, "/o/token/", "nothing"),
    ];
    for (fault, path, press) in faults {
        let what = format!("{fault:?} at {path}");
        // DOT lets browsers cache its key set for a while (and serve it stale on error):
        // the key set must have left the cache for the renewal to fetch it.
        s.browser
            .cdp("Network.clearBrowserCache", serde_json::json!({}))
            .await;
        // The next renewal (about 5 s after the last one) meets the fault.
        s.proxied.proxy.set_for(fault, path).await;
        let notice = problem_notice(&s.browser, Duration::from_secs(20), &what).await;
        eprintln!("{what}: {notice:?}");
        assert!(
            s.browser.text().await.contains(SIGNED_IN),
            "{what}: the session is kept"
        );
        assert!(
            notice.contains("Your session is kept"),
            "{what}: the words say the session is kept: {notice:?}"
        );
        s.proxied.proxy.set(Fault::PassThrough).await;
        if press == TRY_AGAIN {
            s.browser.click_button(TRY_AGAIN).await;
        }
        s.browser
            .wait_until(
                &format!("the notice to go after pressing {press} ({what})"),
                || async { !s.browser.exists("[data-testid=auth-error]").await },
            )
            .await;
        let live = s.live_refresh_tokens();
        assert_eq!(
            live.len(),
            1,
            "{what}: one live refresh token, no family revoked for reuse: {:?}",
            s.proxied.dot.refresh_tokens()
        );
        let out = api_call(&s.browser, "GET", "/me", None).await;
        assert_eq!(
            out.code(),
            Some(200),
            "{what}: the renewed session works: {out:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renewal_answered_too_late_is_never_sent_again_and_try_again_signs_in_afresh() {
    let mut s = Setup::start().await;
    s.sign_in().await;
    // DOT gets the request 3 s after the app gave up: it rotates, and nobody hears.
    s.proxied
        .proxy
        .set_for(
            Fault::Slow(APP_TIMEOUT + Duration::from_secs(3)),
            "/o/token/",
        )
        .await;
    let notice = problem_notice(
        &s.browser,
        Duration::from_secs(40),
        "a renewal past the timeout",
    )
    .await;
    eprintln!("timeout: {notice:?}");
    assert!(
        notice.contains("within 15 seconds") && notice.contains("not sent again"),
        "the words say what happened and why nothing is retried: {notice:?}"
    );
    // The 10 s access token ran out while the app waited for the answer: the session is over,
    // said in those words, rather than kept on a dead token.
    assert!(notice.starts_with("Your session ended"), "{notice:?}");
    // Let the held request reach DOT; its rotated token is the only live one.
    s.proxied.proxy.set(Fault::PassThrough).await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let orphan = s.live_refresh_tokens();
    assert_eq!(
        orphan.len(),
        1,
        "DOT rotated: {:?}",
        s.proxied.dot.refresh_tokens()
    );
    // Nothing in the browser holds a refresh token any more.
    let stored = s.browser.all_stored_text().await;
    for (token, _) in s.proxied.dot.refresh_tokens() {
        assert!(!stored.contains(&token), "a refresh token is still stored");
    }
    // "Try again" starts a new sign-in; it does not replay the old token.
    s.browser.click_button(TRY_AGAIN).await;
    s.sign_in().await;
    let tokens = s.proxied.dot.refresh_tokens();
    assert!(
        tokens
            .iter()
            .any(|(t, revoked)| t == &orphan[0] && !revoked),
        "the token DOT issued to nobody was not revoked by a replay: {tokens:?}"
    );
    let out = api_call(&s.browser, "GET", "/me", None).await;
    assert_eq!(out.code(), Some(200), "{out:?}");
}
