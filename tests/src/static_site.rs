//! The example static site (`examples/static-site`, built by `scripts/build-site.sh`) under a
//! base path, served by the real companion, with the real providers and its own
//! `latchkey.json`: what a person who adds Latchkey to a plain site gets.

use std::path::PathBuf;

use crate::browser::Browser;
use crate::companion::{flask_provider_toml, Companion, DOT_ID, DOT_NAME, FLASK_ID, FLASK_NAME};
use crate::paths::{copy_dir, repo_root, ScratchDir};
use crate::process::free_port;
use crate::providers::{Dot, DotOptions, Flask, DOT_CLIENT_ID};
use crate::proxied_dot::ProxiedDot;
use crate::FaultProxy;

/// Where the site lives on its origin.
pub const BASE: &str = "/blog/";

/// The built site: `$LATCHKEY_SITE_DIST`, or `<repo>/target/site`. Panics with the command to
/// run when it has no `latchkey/latchkey.js`.
pub fn site_build_dir() -> PathBuf {
    let dir = std::env::var_os("LATCHKEY_SITE_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/site"));
    assert!(
        dir.join("latchkey/latchkey.js").is_file(),
        "the example site is not built: {} has no latchkey/latchkey.js. Build it with \
         `scripts/build-site.sh target/site` (or set LATCHKEY_SITE_DIST).",
        dir.display()
    );
    dir
}

/// `latchkey.user.name` on the browser's current page (`None` when nobody is signed in or the
/// embed has not started): for any page that loads the embed.
pub async fn embed_user_name(browser: &Browser) -> Option<String> {
    browser
        .js(
            "return window.latchkey && window.latchkey.user ? window.latchkey.user.name : null;",
            vec![],
        )
        .await
        .as_str()
        .map(str::to_owned)
}

/// `latchkey.lastError` on the browser's current page (`None` when there is none or the embed
/// has not started): for any page that loads the embed.
pub async fn embed_last_error(browser: &Browser) -> Option<String> {
    browser
        .js(
            "return window.latchkey ? window.latchkey.lastError : null;",
            vec![],
        )
        .await
        .as_str()
        .map(str::to_owned)
}

/// Console errors other than Chromium's favicon probe and the embed's own reports of a
/// failure (which a test that provokes one expects).
pub async fn unexpected_console_errors(b: &Browser) -> Vec<String> {
    b.console_errors()
        .await
        .into_iter()
        .filter(|e| !e.message.contains("favicon.ico") && !e.message.contains("latchkey: "))
        .map(|e| format!("[{}] {}", e.source, e.message))
        .collect()
}

/// The members of `interface <name>` in the embed's `latchkey.d.ts`, as `(name, optional,
/// method)`: what the types promise a page, to hold the running embed to.
pub fn dts_members(interface: &str) -> Vec<(String, bool, bool)> {
    let path = repo_root().join("crates/embed/latchkey.d.ts");
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let start = format!("export interface {interface} {{");
    let body = text
        .split_once(&start)
        .and_then(|(_, rest)| rest.split_once("\n}"))
        .map(|(body, _)| body)
        .unwrap_or_else(|| panic!("no `{start}` in {}", path.display()));
    body.lines()
        .filter_map(|line| {
            // Members sit two spaces in; doc comments start with `/**` or `*`.
            let member = line.strip_prefix("  ")?;
            let member = member.strip_prefix("readonly ").unwrap_or(member);
            let end = member.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))?;
            let (name, rest) = member.split_at(end);
            if name.is_empty() {
                return None;
            }
            Some((
                name.to_owned(),
                rest.starts_with('?'),
                rest.starts_with('('),
            ))
        })
        .collect()
}

/// What the site's `latchkey.json` offers.
#[derive(Debug, Clone)]
pub struct SiteOptions {
    /// DOT's `session_storage` ("memory" | "tab" | "browser").
    pub dot_storage: &'static str,
    /// Whether to write a `latchkey.json` at all (false: the file is missing).
    pub write_config: bool,
    /// A change to the `latchkey.json` written (a mistake a site's author could make).
    pub edit_config: Option<fn(&mut serde_json::Value)>,
    /// DOT's `authorize_params`.
    pub dot_authorize_params: &'static [(&'static str, &'static str)],
    /// An issuer to name for DOT's entry instead of DOT's own (a fault proxy's, say).
    pub dot_issuer: Option<String>,
    /// DOT behind a fault proxy ([`Site::dot_proxy`]), which the site names as its issuer
    /// and API (overrides `dot_issuer`).
    pub dot_behind_proxy: bool,
    /// How long DOT's access tokens last.
    pub dot_access_token_seconds: u32,
}

impl Default for SiteOptions {
    fn default() -> Self {
        Self {
            dot_storage: "browser",
            write_config: true,
            edit_config: None,
            dot_authorize_params: &[],
            dot_issuer: None,
            dot_behind_proxy: false,
            dot_access_token_seconds: 3600,
        }
    }
}

/// A browser, the companion serving the site, DOT and the Flask provider.
#[derive(Debug)]
pub struct Site {
    /// Headless Chromium.
    pub browser: Browser,
    /// The companion (OAuth 1.0a legs and signing proxy; static files).
    pub companion: Companion,
    /// Django OAuth Toolkit, with `<origin>/blog/callback.html` registered.
    pub dot: Dot,
    /// The fault proxy in front of DOT, with [`SiteOptions::dot_behind_proxy`].
    pub dot_proxy: Option<FaultProxy>,
    /// The Flask OAuth 1.0a provider.
    pub flask: Flask,
    _files: ScratchDir,
}

impl Site {
    /// Starts the providers, copies the built site under [`BASE`] with a `latchkey.json`
    /// for them, and serves it with the companion.
    pub async fn start(options: SiteOptions) -> Self {
        let port = free_port();
        let origin = format!("http://127.0.0.1:{port}");
        let callback = format!("{origin}{BASE}callback.html");
        let redirects = format!("{origin}/callback {callback}");
        let dot_options = DotOptions {
            app_origin: origin.clone(),
            access_token_seconds: options.dot_access_token_seconds,
        };
        let env = [("DOT_REDIRECT_URIS", redirects.as_str())];
        // DOT, and where the site reaches it: through the proxy when there is one.
        let (dot, dot_proxy, dot_issuer, dot_api) = if options.dot_behind_proxy {
            let proxied = ProxiedDot::start(&dot_options, &env).await;
            let (issuer, api) = (proxied.issuer(), format!("{}/api/", proxied.proxy.url()));
            (proxied.dot, Some(proxied.proxy), issuer, api)
        } else {
            let dot = Dot::start_with_env(&dot_options, &env).await;
            let issuer = options.dot_issuer.clone().unwrap_or_else(|| dot.issuer());
            let api = format!("{}/api/", dot.base_url());
            (dot, None, issuer, api)
        };
        let flask = Flask::start(&origin, FLASK_ID).await;

        let files = ScratchDir::new("site");
        let root = files.path().join(BASE.trim_matches('/'));
        copy_dir(&site_build_dir(), &root);
        let config = root.join("latchkey/latchkey.json");
        if options.write_config {
            let mut json = serde_json::json!({ "providers": [
                {
                    "id": DOT_ID, "name": DOT_NAME, "protocol": "oidc",
                    "issuer": dot_issuer,
                    "client_id": DOT_CLIENT_ID,
                    "scopes": ["openid", "profile", "email", "read"],
                    "api_base": dot_api,
                    "session_storage": options.dot_storage,
                    "redirect_uri": callback,
                    "authorize_params": options
                        .dot_authorize_params
                        .iter()
                        .map(|(k, v)| ((*k).to_owned(), serde_json::Value::from(*v)))
                        .collect::<serde_json::Map<_, _>>(),
                },
                {
                    "id": FLASK_ID, "name": FLASK_NAME, "protocol": "oauth1",
                    "api_base": format!("{}/api/", flask.base_url()),
                },
            ]});
            if let Some(edit) = options.edit_config {
                edit(&mut json);
            }
            std::fs::write(&config, json.to_string()).expect("write the site's latchkey.json");
        } else {
            let _ = std::fs::remove_file(&config);
        }

        let providers = [flask_provider_toml(&flask, "HMAC-SHA1")];
        let secret = flask.consumer_secret().to_owned();
        let companion = Companion::start_serving(
            port,
            files.path(),
            &providers,
            &[("FLASK_CONSUMER_SECRET", &secret)],
        )
        .await;
        let browser = Browser::start().await;
        Self {
            browser,
            companion,
            dot,
            dot_proxy,
            flask,
            _files: files,
        }
    }

    /// The URL of a page of the site (`""` is its front page).
    pub fn page(&self, page: &str) -> String {
        format!("{}{BASE}{page}", self.companion.origin())
    }

    /// `latchkey.user.name` on the current page now (`None` when nobody is signed in or the
    /// embed has not started).
    pub async fn user_name(&self) -> Option<String> {
        embed_user_name(&self.browser).await
    }

    /// On `page` of the site: "Sign in with Flask OAuth1 demo", Flask's login and
    /// authorization (OAuth 1.0a through the companion), and back on the site, signed in.
    pub async fn sign_in_with_flask_on(&self, page: &str) {
        let b = &self.browser;
        b.goto(&self.page(page)).await;
        let flask = self.flask.base_url();
        crate::flows::flask_to_consent(b, &flask).await;
        b.click_button("Authorize").await;
        b.wait_until("back on the site, signed in", || async {
            !b.url().await.starts_with(&flask) && self.user_name().await.is_some()
        })
        .await;
    }

    /// Waits until `latchkey.user.name` is `name` on the current page.
    pub async fn wait_for_user(&self, name: &str) {
        self.browser
            .wait_until(&format!("latchkey.user.name to be {name:?}"), || async {
                self.user_name().await.as_deref() == Some(name)
            })
            .await;
    }

    /// `latchkey.lastError` on the current page.
    pub async fn last_error(&self) -> Option<String> {
        embed_last_error(&self.browser).await
    }

    /// Opens the front page and waits for `latchkey.lastError`, which a configuration the
    /// embed cannot use sets as it starts; returns it.
    pub async fn front_page_error(&self) -> String {
        self.browser.goto(&self.page("")).await;
        self.browser
            .wait_until("the configuration failure in words", || async {
                self.last_error().await.is_some()
            })
            .await;
        self.last_error().await.unwrap_or_default()
    }
}
