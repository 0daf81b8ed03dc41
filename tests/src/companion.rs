//! The real companion binary serving the built app, with a `latchkey.toml` written per test.

use std::process::Command;
use std::time::Duration;

use crate::paths::{dist_dir, latchkey_bin, ScratchDir};
use crate::process::Service;
use crate::providers::{Dot, Flask, OidcProvider, DOT_CLIENT_ID, FLASK_CONSUMER_KEY};

/// The DOT provider's id in the tests' configuration.
pub const DOT_ID: &str = "dot";
/// Its display name: the button reads "Sign in with Django OAuth Toolkit".
pub const DOT_NAME: &str = "Django OAuth Toolkit";
/// The Flask provider's id.
pub const FLASK_ID: &str = "flask";
/// Its display name.
pub const FLASK_NAME: &str = "Flask OAuth1 demo";

/// The oidc-provider fixture's id in the tests' configuration (its redirect URI is
/// `<origin>/callback/op`).
pub const OP_ID: &str = "op";
/// Its display name: the button reads "Sign in with oidc-provider".
pub const OP_NAME: &str = "oidc-provider";

/// The `[[provider]]` table offering the oidc-provider fixture's client `client_id`; the issuer
/// (and so the provider's origin in the CSP's `connect-src`) and every endpoint come from its
/// discovery document.
pub fn op_provider_toml(op: &OidcProvider, client_id: &str) -> String {
    format!(
        r#"
[[provider]]
id = "{OP_ID}"
name = "{OP_NAME}"
protocol = "oidc"
issuer = "{issuer}"
client_id = "{client_id}"
scopes = ["openid", "profile", "email"]
api_base = "{base}/api/"
session_storage = "tab"
"#,
        issuer = op.issuer(),
        base = op.base_url(),
    )
}

/// The `[[provider]]` table for the DOT fixture's public client.
pub fn dot_provider_toml(dot: &Dot, session_storage: &str) -> String {
    dot_client_toml(dot, DOT_CLIENT_ID, session_storage)
}

/// The `[[provider]]` table offering DOT's client `client_id` as "Sign in with Django OAuth
/// Toolkit"; a caller may append more keys after its last line.
pub fn dot_client_toml(dot: &Dot, client_id: &str, session_storage: &str) -> String {
    format!(
        r#"
[[provider]]
id = "{DOT_ID}"
name = "{DOT_NAME}"
protocol = "oidc"
issuer = "{issuer}"
client_id = "{client_id}"
scopes = ["openid", "profile", "email", "read"]
api_base = "{base}/api/"
session_storage = "{session_storage}"
revocation_endpoint = "{issuer}/revoke_token/"
"#,
        issuer = dot.issuer(),
        base = dot.base_url(),
    )
}

/// The `[[provider]]` table for the Flask fixture.
pub fn flask_provider_toml(flask: &Flask, signature_method: &str) -> String {
    format!(
        r#"
[[provider]]
id = "{FLASK_ID}"
name = "{FLASK_NAME}"
protocol = "oauth1"
request_token_url = "{base}/oauth/request_token"
authorize_url = "{base}/oauth/authorize"
access_token_url = "{base}/oauth/access_token"
consumer_key = "{FLASK_CONSUMER_KEY}"
consumer_secret_env = "FLASK_CONSUMER_SECRET"
signature_method = "{signature_method}"
api_base = "{base}/api/"
"#,
        base = flask.base_url(),
    )
}

/// A running companion.
#[derive(Debug)]
pub struct Companion {
    service: Service,
    _dir: ScratchDir,
    port: u16,
    config: String,
}

impl Companion {
    /// Writes `latchkey.toml` (the `[server]` table plus `providers`) and runs
    /// `latchkey serve` on `port`, serving the built app; waits for `/healthz`.
    /// `env` adds variables such as the consumer secret.
    pub async fn start(port: u16, providers: &[String], env: &[(&str, &str)]) -> Self {
        Self::start_with_server(port, "", providers, env).await
    }

    /// Like [`start`](Self::start), with more `[server]` keys (`server_keys`, whole lines,
    /// e.g. `upstream_timeout_seconds = 5\n`).
    pub async fn start_with_server(
        port: u16,
        server_keys: &str,
        providers: &[String],
        env: &[(&str, &str)],
    ) -> Self {
        let public_url = format!("http://127.0.0.1:{port}");
        Self::launch(port, &public_url, &dist_dir(), server_keys, providers, env).await
    }

    /// Like [`start`](Self::start), listening on `port` but told its public URL is
    /// `public_url`: the address a reverse proxy in front of it would serve (an `https://`
    /// one makes the companion's cookies `Secure` and `__Host-` prefixed).
    pub async fn start_behind(
        port: u16,
        public_url: &str,
        providers: &[String],
        env: &[(&str, &str)],
    ) -> Self {
        Self::launch(port, public_url, &dist_dir(), "", providers, env).await
    }

    /// [`start_behind`](Self::start_behind) with more `[server]` keys, as
    /// [`start_with_server`](Self::start_with_server) takes them.
    pub async fn start_behind_with_server(
        port: u16,
        public_url: &str,
        server_keys: &str,
        providers: &[String],
        env: &[(&str, &str)],
    ) -> Self {
        Self::launch(port, public_url, &dist_dir(), server_keys, providers, env).await
    }

    /// Like [`start`](Self::start), serving the files of `static_dir` instead of the app
    /// (the example static site, in `crate::static_site`).
    pub async fn start_serving(
        port: u16,
        static_dir: &std::path::Path,
        providers: &[String],
        env: &[(&str, &str)],
    ) -> Self {
        Self::start_serving_with_server(port, static_dir, "", providers, env).await
    }

    /// [`start_serving`](Self::start_serving) with more `[server]` keys, as
    /// [`start_with_server`](Self::start_with_server) takes them.
    pub async fn start_serving_with_server(
        port: u16,
        static_dir: &std::path::Path,
        server_keys: &str,
        providers: &[String],
        env: &[(&str, &str)],
    ) -> Self {
        let public_url = format!("http://127.0.0.1:{port}");
        Self::launch(port, &public_url, static_dir, server_keys, providers, env).await
    }

    async fn launch(
        port: u16,
        public_url: &str,
        static_dir: &std::path::Path,
        server_keys: &str,
        providers: &[String],
        env: &[(&str, &str)],
    ) -> Self {
        let dir = ScratchDir::new("companion");
        // `server_keys` may name the pages' other origins itself.
        let origins = if server_keys.contains("allowed_origins") {
            ""
        } else {
            "allowed_origins = []\n"
        };
        let config = format!(
            "[server]\nlisten = \"127.0.0.1:{port}\"\npublic_url = \"{public_url}\"\n\
             static_dir = {dist:?}\n{origins}{server_keys}{providers}",
            dist = static_dir.display().to_string(),
            providers = providers.concat(),
        );
        let path = dir.path().join("latchkey.toml");
        std::fs::write(&path, &config).expect("write latchkey.toml");
        let mut command = Command::new(latchkey_bin());
        command
            .arg("serve")
            .arg("--config")
            .arg(&path)
            .env("LATCHKEY_COOKIE_KEY", crate::random_key_base64())
            .env("RUST_LOG", "info,latchkey=debug,latchkey_companion=debug");
        for (k, v) in env {
            command.env(k, v);
        }
        let mut service = Service::spawn("companion", command);
        service
            .wait_ready(
                &format!("http://127.0.0.1:{port}/healthz"),
                Duration::from_secs(30),
            )
            .await;
        Self {
            service,
            _dir: dir,
            port,
            config,
        }
    }

    /// `http://127.0.0.1:<port>`: the app's origin.
    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The `latchkey.toml` it runs with.
    pub fn config(&self) -> &str {
        &self.config
    }

    /// The process and its log.
    pub fn service(&self) -> &Service {
        &self.service
    }
}
