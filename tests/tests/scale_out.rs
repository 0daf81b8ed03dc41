//! Scale-out (issue #7): two companion replicas sharing one cookie key behind Debian's nginx,
//! round-robin, in headless Chromium against the real providers. nginx's access log names the
//! replica of every request, so each test shows where its legs landed.

use std::time::Instant;

use latchkey_e2e::companion::{dot_provider_toml, flask_provider_toml};
use latchkey_e2e::flows::{api_call, dot_sign_in, flask_to_consent, sign_in_label};
use latchkey_e2e::nginx::{last_try, Nginx};
use latchkey_e2e::process::free_port;
use latchkey_e2e::replicas::Replicas;
use latchkey_e2e::{Browser, Dot, DotOptions, Flask, DEMO_USER, FLASK_ID, FLASK_NAME};

const SIGNED_IN: &str = "Signed in as demo";

/// Fields drop in order: the browser, the balancer, the replicas, then the providers.
struct ScaleOut {
    browser: Browser,
    nginx: Nginx,
    replicas: Replicas,
    dot: Dot,
    flask: Flask,
}

impl ScaleOut {
    async fn start() -> Self {
        let port = free_port();
        let origin = format!("http://127.0.0.1:{port}");
        let dot_options = DotOptions {
            app_origin: origin.clone(),
            access_token_seconds: 3600,
        };
        let (dot, flask) = tokio::join!(Dot::start(&dot_options), Flask::start(&origin, FLASK_ID));
        let providers = [
            dot_provider_toml(&dot, "tab"),
            flask_provider_toml(&flask, "HMAC-SHA1"),
        ];
        let replicas = Replicas::start(
            2,
            &origin,
            &providers,
            &[("FLASK_CONSUMER_SECRET", flask.consumer_secret())],
        )
        .await;
        let nginx = Nginx::start(port, &replicas.addrs()).await;
        let browser = Browser::start().await;
        Self {
            browser,
            nginx,
            replicas,
            dot,
            flask,
        }
    }

    async fn home(&self, button: &str) {
        let b = &self.browser;
        b.goto(&format!("{}/", self.nginx.origin())).await;
        b.wait_until("the sign-in buttons", || async {
            b.has_button(&sign_in_label(button)).await
        })
        .await;
    }

    /// The replica that answered the one logged request for `path`.
    async fn replica_of(&self, path: &str) -> usize {
        let routed = self.nginx.wait_routed(path, 1).await;
        let last = routed.last().expect("one request");
        let addr = last_try(&last.upstream);
        self.replicas
            .index_of(&addr)
            .unwrap_or_else(|| panic!("{path} went to {addr}, not a replica: {routed:?}"))
    }

    /// What replica `i`'s own log says it served (tower_http's span names the path).
    fn served(&self, i: usize, path: &str) -> bool {
        self.replicas
            .log(i)
            .lines()
            .any(|l| l.contains(&format!("path={path}")) && l.contains("finished processing"))
    }

    /// Calls GET /me through the signing proxy on replica `i` (steered there) and checks
    /// that replica answered it with the provider's 200.
    async fn api_me_on(&self, i: usize) {
        // A fresh page per call: the console's helper waits for a new result element.
        self.browser.reload().await;
        self.browser.wait_for_text(SIGNED_IN).await;
        let proxied = format!("/oauth1/{FLASK_ID}/api/me");
        let before = self.nginx.routed_for(&proxied).len();
        self.nginx.steer_next_to(&self.replicas.addr(i)).await;
        let out = api_call(&self.browser, "GET", "/me", None).await;
        assert_eq!(out.code(), Some(200), "the signed call works: {out:?}");
        let routed = self.nginx.wait_routed(&proxied, before + 1).await;
        assert_eq!(
            last_try(&routed[before].upstream),
            self.replicas.addr(i),
            "the call went to replica {i}: {routed:?}"
        );
    }
}

fn other(i: usize) -> usize {
    1 - i
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oauth1_sign_in_whose_legs_land_on_different_replicas_succeeds() {
    let t = Instant::now();
    let s = ScaleOut::start().await;
    eprintln!("stack up in {:?}", t.elapsed());
    s.home(FLASK_NAME).await;
    flask_to_consent(&s.browser, &s.flask.base_url()).await;
    let login = s.replica_of(&format!("/oauth1/{FLASK_ID}/login")).await;
    // The pending cookie was sealed by `login`; send the callback to the other replica.
    s.nginx.steer_next_to(&s.replicas.addr(other(login))).await;
    s.browser.click_button("Authorize").await;
    s.browser.wait_for_text(SIGNED_IN).await;
    let callback = s.replica_of(&format!("/oauth1/{FLASK_ID}/callback")).await;
    assert_ne!(login, callback, "the two legs landed on different replicas");
    let cb = &s.nginx.routed_for(&format!("/oauth1/{FLASK_ID}/callback"))[0];
    assert_eq!(
        cb.status, 302,
        "the callback redirected back to the app: {cb:?}"
    );
    assert_eq!(
        cb.upstream,
        s.replicas.addr(callback),
        "one try, no failover"
    );
    // Each replica's own log agrees with nginx's.
    assert!(s.served(login, &format!("/oauth1/{FLASK_ID}/login")));
    assert!(!s.served(login, &format!("/oauth1/{FLASK_ID}/callback")));
    assert!(s.served(callback, &format!("/oauth1/{FLASK_ID}/callback")));
    assert!(!s.served(callback, &format!("/oauth1/{FLASK_ID}/login")));
    // The session cookie either replica sealed opens on both.
    s.api_me_on(login).await;
    s.api_me_on(callback).await;
    s.flask.wait_logged("/oauth/access_token", 1).await;
    assert_eq!(s.flask.requests_logged("/oauth/access_token"), 1);
    eprintln!("done in {:?}", t.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarting_replicas_in_the_middle_of_a_sign_in_loses_nothing() {
    let t = Instant::now();
    let mut s = ScaleOut::start().await;
    s.home(FLASK_NAME).await;
    flask_to_consent(&s.browser, &s.flask.base_url()).await;
    let login = s.replica_of(&format!("/oauth1/{FLASK_ID}/login")).await;
    // After the login redirect, before the callback: the replica holding nothing but its
    // config and key goes away and comes back as a new process.
    s.replicas.restart(login).await;
    s.nginx.steer_next_to(&s.replicas.addr(login)).await;
    s.browser.click_button("Authorize").await;
    s.browser.wait_for_text(SIGNED_IN).await;
    let callback = s.replica_of(&format!("/oauth1/{FLASK_ID}/callback")).await;
    assert_eq!(
        callback, login,
        "the restarted replica finished the sign-in it started in its earlier life"
    );
    assert!(
        s.served(login, &format!("/oauth1/{FLASK_ID}/callback")),
        "the new process served the callback:\n{}",
        s.replicas.log(login)
    );
    // Then the other one restarts too; the session outlives both.
    s.replicas.restart(other(login)).await;
    s.api_me_on(other(login)).await;
    s.api_me_on(login).await;
    let session: serde_json::Value = s
        .browser
        .js(
            "return fetch(arguments[0], {credentials: 'same-origin'}).then(r => r.json());",
            vec![serde_json::Value::String(format!(
                "/oauth1/{FLASK_ID}/session"
            ))],
        )
        .await;
    assert_eq!(session["screen_name"], DEMO_USER, "{session}");
    eprintln!("done in {:?}", t.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oauth2_sign_in_through_nginx_works() {
    let t = Instant::now();
    let s = ScaleOut::start().await;
    s.home(latchkey_e2e::DOT_NAME).await;
    dot_sign_in(&s.browser, &s.dot.base_url()).await;
    let b = &s.browser;
    assert!(
        b.url().await.starts_with(&s.nginx.origin()),
        "back on the app"
    );
    // The provider's own redirect URI, `<public_url>/callback/<id>`.
    let callback_path = format!("/callback/{}", latchkey_e2e::DOT_ID);
    let callback = s.nginx.wait_routed(&callback_path, 1).await;
    assert_eq!(
        callback[0].status, 200,
        "nginx served {callback_path}: {callback:?}"
    );
    let out = api_call(b, "GET", "/me", None).await;
    assert_eq!(out.code(), Some(200), "the API call works: {out:?}");
    // Both replicas served part of the app (round-robin over its files and /latchkey.json).
    let used: std::collections::BTreeSet<String> = s
        .nginx
        .routed()
        .iter()
        .filter(|r| r.path != "/healthz")
        .map(|r| last_try(&r.upstream))
        .collect();
    assert_eq!(used.len(), 2, "both replicas took requests: {used:?}");
    assert_eq!(s.dot.access_token_count(), 1, "one code exchange");
    eprintln!("done in {:?}", t.elapsed());
}
