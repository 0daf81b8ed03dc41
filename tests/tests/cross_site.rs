//! A static site on one site and the companion on another (issue 18): the example site on
//! `http://localhost:<port>` (served by nginx, a static host), the companion on
//! `http://127.0.0.1:<port>`, in a Chromium that blocks third-party cookies
//! (`--test-third-party-cookie-phaseout`) — so nothing may rest on the companion's cookies
//! in the page's requests. OAuth 1.0a with the real Flask-OAuthlib provider (the session is
//! handed to the page), and a mediated sign-in with DOT's confidential client (the secret
//! stays with the companion), each with API calls and sign-out; DOT's also with refresh.
//! The companion sits behind a fault proxy, so a test can take it away for a while.

use std::time::Duration;

use latchkey_e2e::accessibility::assert_accessible;
use latchkey_e2e::companion::{flask_provider_toml, FLASK_ID, FLASK_NAME};
use latchkey_e2e::fault_proxy::{CannedCors, Fault, FaultProxy};
use latchkey_e2e::flows::{dot_to_consent, flask_to_consent};
use latchkey_e2e::mediation::{
    conf_provider_toml, conf_refresh_tokens, RefreshTokenIn, TokenAuth, TokenRoute, CONF_CLIENT_ID,
    SECRET_ENV,
};
use latchkey_e2e::paths::{copy_dir, ScratchDir};
use latchkey_e2e::process::free_port;
use latchkey_e2e::static_host::{Root, StaticHost};
use latchkey_e2e::static_site::{embed_last_error, embed_user_name, site_build_dir};
use latchkey_e2e::{
    random_token, Browser, Companion, Dot, DotOptions, Flask, DEMO_USER, DOT_ID, DOT_NAME,
};

/// Browser first; the providers last.
struct CrossSite {
    browser: Browser,
    companion: Companion,
    /// In front of the companion: `companion_origin` is its address.
    proxy: FaultProxy,
    _host: StaticHost,
    site: String,
    dot: Dot,
    flask: Flask,
    secret: String,
    _files: ScratchDir,
}

impl CrossSite {
    async fn start() -> Self {
        let site_port = free_port();
        let site = format!("http://localhost:{site_port}");
        let companion_port = free_port();
        let proxy =
            FaultProxy::start(std::net::SocketAddr::from(([127, 0, 0, 1], companion_port))).await;
        let companion_origin = proxy.url();
        let callback = format!("{site}/callback.html");
        let secret = random_token(24);
        let dot_options = DotOptions {
            app_origin: site.clone(),
            access_token_seconds: 10,
        };
        let dot_env = [
            (SECRET_ENV, secret.as_str()),
            ("DOT_REDIRECT_URIS", callback.as_str()),
        ];
        let (dot, flask) = tokio::join!(
            Dot::start_with_env(&dot_options, &dot_env),
            Flask::start(&companion_origin, FLASK_ID)
        );

        // The site as a static host serves it, with its own latchkey.json naming the
        // companion's origin.
        let files = ScratchDir::new("cross-site");
        copy_dir(&site_build_dir(), files.path());
        let json = serde_json::json!({
            "companion": companion_origin,
            "providers": [
                {
                    "id": DOT_ID, "name": DOT_NAME, "protocol": "oidc",
                    "issuer": dot.issuer(), "client_id": CONF_CLIENT_ID,
                    "scopes": ["openid", "profile", "email", "read"],
                    "api_base": format!("{}/api/", dot.base_url()),
                    "session_storage": "browser",
                    "redirect_uri": callback,
                    "token_via_companion": true,
                },
                {
                    "id": FLASK_ID, "name": FLASK_NAME, "protocol": "oauth1",
                    "api_base": format!("{}/api/", flask.base_url()),
                    "session_storage": "tab",
                },
            ]
        });
        std::fs::write(
            files.path().join("latchkey/latchkey.json"),
            json.to_string(),
        )
        .expect("write the site's latchkey.json");
        let host = StaticHost::start(&[Root {
            port: site_port,
            dir: files.path().to_path_buf(),
        }])
        .await;

        let dot_toml = conf_provider_toml(
            &dot,
            TokenRoute::Companion(TokenAuth::ClientSecretBasic, RefreshTokenIn::Browser),
            "browser",
        ) + &format!("redirect_uri = \"{callback}\"\n");
        let companion = Companion::start_behind_with_server(
            companion_port,
            &companion_origin,
            &format!("allowed_origins = [\"{site}\"]\n"),
            &[dot_toml, flask_provider_toml(&flask, "HMAC-SHA1")],
            &[
                (SECRET_ENV, &secret),
                ("FLASK_CONSUMER_SECRET", flask.consumer_secret()),
            ],
        )
        .await;
        let browser = Browser::start_with(&["--test-third-party-cookie-phaseout"]).await;
        Self {
            browser,
            companion,
            proxy,
            _host: host,
            site,
            dot,
            flask,
            secret,
            _files: files,
        }
    }

    async fn user_name(&self) -> Option<String> {
        embed_user_name(&self.browser).await
    }

    async fn wait_signed_in(&self, away_from: &str) {
        let b = &self.browser;
        b.wait_until("back on the site, signed in", || async {
            b.url().await.starts_with(&self.site)
                && !b.url().await.starts_with(away_from)
                && self.user_name().await.as_deref() == Some(DEMO_USER)
        })
        .await;
    }

    /// `latchkey.fetch(path)` on the current page: status and body.
    async fn fetch(&self, path: &str) -> (u64, String) {
        let v = self
            .browser
            .js_async(
                "const [path, done] = arguments;\
                 latchkey.fetch(path)\
                   .then(async r => done([r.status, await r.text()]))\
                   .catch(e => done([0, String(e)]));",
                vec![path.into()],
            )
            .await;
        (
            v[0].as_u64().unwrap_or_default(),
            v[1].as_str().unwrap_or_default().to_owned(),
        )
    }

    /// `latchkey.lastError` on the current page.
    async fn last_error(&self) -> Option<String> {
        embed_last_error(&self.browser).await
    }

    async fn sign_out(&self) {
        let b = &self.browser;
        b.click_button("Sign out").await;
        b.wait_until("signed out", || async { self.user_name().await.is_none() })
            .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oauth1_is_handed_to_a_page_on_another_site_and_works_without_third_party_cookies() {
    let s = CrossSite::start().await;
    let b = &s.browser;
    let start = format!("{}/?from=here#section", s.site);
    b.goto(&start).await;
    flask_to_consent(b, &s.flask.base_url()).await;
    b.click_button("Authorize").await;
    s.wait_signed_in(&s.flask.base_url()).await;
    // Back where sign-in started, query and fragment kept, the handoff code gone.
    assert_eq!(b.url().await, start);
    // The page holds the sealed session (under `tab` storage), never the consumer secret.
    let stored = b.all_stored_text().await;
    assert!(stored.contains("companion_session"), "{stored}");
    assert!(
        !stored.contains("latchkey.handoff"),
        "the waiting sign-in was taken"
    );
    assert!(!stored.contains(s.flask.consumer_secret()));

    let (status, body) = s.fetch("me").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(DEMO_USER), "{body}");

    // `tab` storage: a reload keeps the session, through the stored sealed session.
    b.reload().await;
    b.wait_until("signed in after a reload", || async {
        s.user_name().await.as_deref() == Some(DEMO_USER)
    })
    .await;
    let (status, _) = s.fetch("me").await;
    assert_eq!(status, 200);

    s.sign_out().await;
    let (status, body) = s.fetch("me").await;
    assert_eq!(status, 0, "no call without a session: {body}");
    assert!(!b.all_stored_text().await.contains("companion_session"));
}

/// The page holds a sealed OAuth 1.0a session and asks the companion on every load whether it
/// is still good. A companion that cannot say (down, or answering an error) is not a "no":
/// the session is kept, the person reads why they are not shown as signed in, and "Try
/// again" with the companion back signs them in again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_companion_that_cannot_answer_on_load_costs_no_oauth1_session() {
    let mut s = CrossSite::start().await;
    let b = &s.browser;
    b.goto(&format!("{}/", s.site)).await;
    flask_to_consent(b, &s.flask.base_url()).await;
    b.click_button("Authorize").await;
    s.wait_signed_in(&s.flask.base_url()).await;

    let session_path = format!("/oauth1/{FLASK_ID}/session");
    for (fault, scope, why) in [
        (
            Fault::Down,
            None,
            "Could not reach this site's sign-in server",
        ),
        (
            Fault::Status500,
            Some(session_path.as_str()),
            "answered HTTP 500 where it says whether you are signed in",
        ),
    ] {
        s.proxy
            .set_with_cors(fault, scope, CannedCors::AllowOrigin)
            .await;
        let faulted = s.proxy.faulted();
        b.reload().await;
        b.wait_until("the unchecked session put into words", || async {
            s.last_error()
                .await
                .is_some_and(|e| e.contains("Your session could not be checked"))
        })
        .await;
        // A refused connection is not counted: `Down` shows in the words instead.
        assert!(
            fault == Fault::Down || s.proxy.faulted() > faulted,
            "the check met {fault:?}"
        );
        let error = s.last_error().await.unwrap_or_default();
        assert!(error.contains(why), "{fault:?}: {error}");
        assert!(
            error.contains(&format!("Your sign-in with {FLASK_NAME} is kept")),
            "{error}"
        );
        // Said where the person looks, and nobody is shown as signed in meanwhile.
        b.wait_for_text("Your session could not be checked").await;
        assert_eq!(s.user_name().await, None);
        assert!(
            b.all_stored_text().await.contains("companion_session"),
            "{fault:?} cost the sealed session"
        );
    }
    assert_accessible(b, "the embed, a session that could not be checked").await;
    b.screenshot("session-unchecked").await;

    s.proxy.set(Fault::PassThrough).await;
    b.click_button("Try again").await;
    b.wait_until("signed in again once the companion answers", || async {
        s.user_name().await.as_deref() == Some(DEMO_USER)
    })
    .await;
    assert_eq!(s.last_error().await, None);
    b.reload().await;
    b.wait_until("still signed in on the next load", || async {
        s.user_name().await.as_deref() == Some(DEMO_USER)
    })
    .await;
    let (status, body) = s.fetch("me").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(DEMO_USER), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mediated_sign_in_across_sites_calls_the_api_renews_and_signs_out() {
    let s = CrossSite::start().await;
    let b = &s.browser;
    b.goto(&format!("{}/", s.site)).await;
    dot_to_consent(b, &s.dot.base_url()).await;
    b.click_button("Authorize").await;
    s.wait_signed_in(&s.dot.base_url()).await;
    assert!(
        !b.all_stored_text().await.contains(&s.secret),
        "the client secret reached the page"
    );
    let (status, body) = s.fetch("me").await;
    assert_eq!(status, 200, "{body}");

    // 10 s access tokens: the page renews through the companion about 5 s after each.
    let first = conf_refresh_tokens(&s.dot).len();
    b.wait_until("a renewal through the companion", || async {
        conf_refresh_tokens(&s.dot).len() > first
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(s.user_name().await.as_deref(), Some(DEMO_USER));
    let live = conf_refresh_tokens(&s.dot)
        .into_iter()
        .filter(|(_, revoked)| !revoked)
        .count();
    assert_eq!(live, 1, "rotation kept one live refresh token");
    let (status, body) = s.fetch("me").await;
    assert_eq!(status, 200, "the renewed token works: {body}");

    s.sign_out().await;
    b.wait_until("DOT revoked the session's refresh token", || async {
        conf_refresh_tokens(&s.dot)
            .iter()
            .all(|(_, revoked)| *revoked)
    })
    .await;
    let _ = &s.companion;
}
