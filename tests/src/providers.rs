//! The two real providers, started through their `run.sh` scripts with a fresh data dir.

use std::process::Command;
use std::time::Duration;

use crate::paths::{repo_root, ScratchDir};
use crate::process::{free_port, Service};

/// The demo user of both fixtures.
pub const DEMO_USER: &str = "demo";
/// Its password (both fixtures' default).
pub const DEMO_PASSWORD: &str = "latchkey-demo-pw";
/// The public client registered in the DOT fixture.
pub const DOT_CLIENT_ID: &str = "spa-demo";
/// The consumer key registered in the Flask fixture (oauthlib wants 20-30 alphanumerics).
pub const FLASK_CONSUMER_KEY: &str = "latchkeydemoconsumer01";

const READY_TIMEOUT: Duration = Duration::from_secs(90);

/// How to start the DOT fixture.
#[derive(Debug, Clone)]
pub struct DotOptions {
    /// The app's origin: CORS, and `<origin>/callback` / `<origin>/` as redirect URIs.
    pub app_origin: String,
    /// Access-token lifetime in seconds.
    pub access_token_seconds: u32,
}

/// A running Django OAuth Toolkit fixture.
#[derive(Debug)]
pub struct Dot {
    // Field order matters: the server stops before its data dir goes.
    service: Service,
    _data: ScratchDir,
    port: u16,
}

impl Dot {
    /// Runs `tests/providers/dot/run.sh` on a free port and waits for discovery to answer.
    pub async fn start(options: &DotOptions) -> Self {
        let port = free_port();
        let data = ScratchDir::new("dot");
        let mut command = Command::new(repo_root().join("tests/providers/dot/run.sh"));
        command
            .arg("--port")
            .arg(port.to_string())
            .arg("--app-origin")
            .arg(&options.app_origin)
            .arg("--data")
            .arg(data.path())
            .arg("--access-token-seconds")
            .arg(options.access_token_seconds.to_string());
        let mut service = Service::spawn("dot", command);
        let dot = format!("http://127.0.0.1:{port}");
        service
            .wait_ready(
                &format!("{dot}/o/.well-known/openid-configuration"),
                READY_TIMEOUT,
            )
            .await;
        Self {
            service,
            _data: data,
            port,
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The issuer, `<base>/o`.
    pub fn issuer(&self) -> String {
        format!("{}/o", self.base_url())
    }

    /// The token endpoint.
    pub fn token_endpoint(&self) -> String {
        format!("{}/o/token/", self.base_url())
    }

    /// The process and its log.
    pub fn service(&self) -> &Service {
        &self.service
    }
}

/// A running Flask-OAuthlib OAuth 1.0a fixture.
#[derive(Debug)]
pub struct Flask {
    service: Service,
    _data: ScratchDir,
    port: u16,
    consumer_secret: String,
}

impl Flask {
    /// Runs `tests/providers/flask/run.sh` on a free port with a random consumer secret; the
    /// callback is `<app_origin>/oauth1/<provider_id>/callback`.
    pub async fn start(app_origin: &str, provider_id: &str) -> Self {
        let port = free_port();
        let data = ScratchDir::new("flask");
        let consumer_secret = crate::random_token(24);
        let mut command = Command::new(repo_root().join("tests/providers/flask/run.sh"));
        command
            .arg("--port")
            .arg(port.to_string())
            .arg("--callback")
            .arg(format!("{app_origin}/oauth1/{provider_id}/callback"))
            .arg("--data")
            .arg(data.path())
            .env("FLASK_CONSUMER_KEY", FLASK_CONSUMER_KEY)
            .env("FLASK_CONSUMER_SECRET", &consumer_secret);
        let mut service = Service::spawn("flask", command);
        service
            .wait_ready(&format!("http://127.0.0.1:{port}/healthz"), READY_TIMEOUT)
            .await;
        Self {
            service,
            _data: data,
            port,
            consumer_secret,
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The consumer secret the fixture was set up with (the companion gets it too).
    pub fn consumer_secret(&self) -> &str {
        &self.consumer_secret
    }

    /// The process and its log.
    pub fn service(&self) -> &Service {
        &self.service
    }

    /// How many requests for `path` the provider has logged so far (werkzeug logs each one).
    pub fn requests_logged(&self, path: &str) -> usize {
        let needle = format!(" {path}");
        self.service
            .log_text()
            .lines()
            .filter(|l| l.contains("HTTP/1.1\"") && l.contains(&needle))
            .count()
    }
}
