//! The real providers: Django OAuth Toolkit and Flask-OAuthlib, started through their `run.sh`
//! scripts with a fresh data dir, and panva's `oidc-provider` (node), which speaks DPoP and PAR.

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

/// The demo user's `name` claim in the oidc-provider fixture (its `sub` and
/// `preferred_username` are [`DEMO_USER`]).
pub const OP_DEMO_NAME: &str = "Demo User";
/// The oidc-provider fixture's client without DPoP or PAR.
pub const OP_PLAIN_CLIENT: &str = "plain";
/// The oidc-provider fixture's client that must use PAR and gets DPoP-bound tokens only.
pub const OP_BOUND_CLIENT: &str = "bound";
/// [`OP_BOUND_CLIENT`] as a confidential client (`client_secret_basic`), registered only when
/// the fixture is started with a secret in [`OP_CONF_SECRET_ENV`]
/// ([`OidcProvider::start_with_env`]).
pub const OP_CONF_CLIENT: &str = "bound-secret";
/// The variable both the fixture and the companion (`client_secret_env`) read
/// [`OP_CONF_CLIENT`]'s secret from.
pub const OP_CONF_SECRET_ENV: &str = "OP_CONF_CLIENT_SECRET";

const READY_TIMEOUT: Duration = Duration::from_secs(90);

/// How to start the DOT fixture.
#[derive(Debug, Clone)]
pub struct DotOptions {
    /// The app's origin: CORS, and `<origin>/callback/<id>` / `<origin>/` as redirect URIs.
    pub app_origin: String,
    /// Access-token lifetime in seconds.
    pub access_token_seconds: u32,
}

/// The value of parameter `name` in a request's query pairs ([`Dot::authorize_requests`]).
pub fn query_param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The `state`, `nonce` and `code_challenge` of each sign-in among `requests`
/// ([`Dot::authorize_requests`]), oldest first, each set once: DOT logs a request again,
/// unchanged, after its login form.
pub fn sign_in_values(requests: &[Vec<(String, String)>]) -> Vec<[String; 3]> {
    let mut flows: Vec<[String; 3]> = Vec::new();
    for request in requests {
        let flow = ["state", "nonce", "code_challenge"]
            .map(|name| query_param(request, name).unwrap_or_default().to_owned());
        if !flows.contains(&flow) {
            flows.push(flow);
        }
    }
    flows
}

/// A running Django OAuth Toolkit fixture.
#[derive(Debug)]
pub struct Dot {
    // Field order matters: the server stops before its data dir goes.
    service: Service,
    _data: ScratchDir,
    port: u16,
    /// How it was started, to start it again ([`Dot::rotate_signing_key`]).
    options: DotOptions,
    env: Vec<(String, String)>,
}

impl Dot {
    /// Runs `tests/providers/dot/run.sh` on a free port and waits for discovery to answer.
    pub async fn start(options: &DotOptions) -> Self {
        Self::start_with_env(options, &[]).await
    }

    /// [`Dot::start`] with extra environment for `run.sh`, such as `DOT_CONF_CLIENT_SECRET`
    /// (which adds the confidential client; see `crate::mediation`).
    pub async fn start_with_env(options: &DotOptions, env: &[(&str, &str)]) -> Self {
        let data = ScratchDir::new("dot");
        let port = free_port();
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let command = Self::run_sh(options, &env, port, data.path());
        let mut dot = Self {
            service: Service::spawn("dot", command),
            _data: data,
            port,
            options: options.clone(),
            env,
        };
        dot.wait_ready().await;
        dot
    }

    /// `run.sh` for this port and data dir.
    fn run_sh(
        options: &DotOptions,
        env: &[(String, String)],
        port: u16,
        data: &std::path::Path,
    ) -> Command {
        let mut command = Command::new(repo_root().join("tests/providers/dot/run.sh"));
        command
            .arg("--port")
            .arg(port.to_string())
            .arg("--app-origin")
            .arg(&options.app_origin)
            .arg("--data")
            .arg(data)
            .arg("--access-token-seconds")
            .arg(options.access_token_seconds.to_string())
            .envs(env.iter().map(|(k, v)| (k, v)));
        command
    }

    /// Waits for discovery to answer.
    async fn wait_ready(&mut self) {
        let discovery = format!("{}/o/.well-known/openid-configuration", self.base_url());
        self.service.wait_ready(&discovery, READY_TIMEOUT).await;
    }

    /// Moves `user`'s last sign-in at DOT `seconds` into the past (`manage.py
    /// backdate_login`): the `auth_time` of the ID tokens it issues next, while the person's
    /// session at DOT stays.
    pub fn backdate_login(&self, user: &str, seconds: u64) {
        self.manage(&["backdate_login", user, &seconds.to_string()]);
    }

    /// Rolls DOT's signing key over as a provider does (OIDC Core §10.1.1; `manage.py
    /// rotate_signing_key`): the old key stays in the key set, ID tokens are signed with a
    /// new one under a new `kid`. DOT is restarted on the same port to read its keys again;
    /// sessions and tokens (in its database) stay.
    pub async fn rotate_signing_key(&mut self) {
        self.service.stop();
        self.manage(&["rotate_signing_key"]);
        let command = Self::run_sh(&self.options, &self.env, self.port, self._data.path());
        self.service.restart(command);
        self.wait_ready().await;
    }

    /// Runs `manage.py ARGS` against this fixture's data dir.
    fn manage(&self, args: &[&str]) {
        let python = std::env::var_os("DOT_PYTHON")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| repo_root().join(".venv/dot/bin/python"));
        let out = std::process::Command::new(python)
            .current_dir(repo_root().join("tests/providers/dot"))
            .arg("manage.py")
            .args(args)
            .env("DOT_DATA_DIR", self._data.path())
            .env("DOT_PORT", self.port.to_string())
            .output()
            .unwrap_or_else(|e| panic!("run manage.py {args:?}: {e}"));
        assert!(
            out.status.success(),
            "manage.py {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
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

    /// The authorization requests DOT received, oldest first, each as its query's pairs
    /// (from its request log).
    pub fn authorize_requests(&self) -> Vec<Vec<(String, String)>> {
        self.service
            .log_text()
            .lines()
            .filter_map(|l| l.split_once("GET /o/authorize/?").map(|(_, q)| q))
            .filter_map(|q| q.split_whitespace().next())
            .map(|query| {
                reqwest::Url::parse(&format!("http://dot.invalid/?{query}"))
                    .map(|url| url.query_pairs().into_owned().collect())
                    .unwrap_or_default()
            })
            .collect()
    }

    /// Runs a read-only SQL query on the fixture's database (with the fixture's own Python, so
    /// no SQLite library is linked here) and returns the rows as JSON arrays.
    pub fn query(&self, sql: &str) -> Vec<Vec<serde_json::Value>> {
        let script = "import json, sqlite3, sys\n\
                      c = sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True)\n\
                      print(json.dumps([list(r) for r in c.execute(sys.argv[2])]))";
        let out = Command::new(repo_root().join(".venv/dot/bin/python"))
            .arg("-c")
            .arg(script)
            .arg(self._data.path().join("dot.sqlite3"))
            .arg(sql)
            .output()
            .expect("run the DOT venv's python");
        assert!(
            out.status.success(),
            "query {sql:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("the query prints JSON")
    }

    /// Every refresh token DOT has issued, oldest first, with whether it is revoked.
    pub fn refresh_tokens(&self) -> Vec<(String, bool)> {
        self.query(
            "SELECT token, revoked IS NOT NULL FROM oauth2_provider_refreshtoken ORDER BY id",
        )
        .into_iter()
        .map(|r| {
            (
                r[0].as_str().unwrap_or_default().to_owned(),
                r[1].as_i64() == Some(1),
            )
        })
        .collect()
    }

    /// Every access token DOT holds, as issued (DOT deletes one when it is revoked or its
    /// refresh token is used).
    pub fn access_tokens(&self) -> Vec<String> {
        self.query("SELECT token FROM oauth2_provider_accesstoken ORDER BY id")
            .into_iter()
            .filter_map(|r| r[0].as_str().map(str::to_owned))
            .collect()
    }

    /// How many access tokens DOT has issued (and still holds).
    pub fn access_token_count(&self) -> usize {
        self.query("SELECT COUNT(*) FROM oauth2_provider_accesstoken")[0][0]
            .as_u64()
            .unwrap_or_default() as usize
    }

    /// How many requests to the token endpoint DOT has logged so far.
    pub fn token_requests(&self) -> usize {
        self.service
            .log_text()
            .lines()
            .filter(|l| l.contains("\"POST /o/token/ "))
            .count()
    }

    /// Waits (up to 10 s) until at least `n` token requests are logged (runserver logs a
    /// request after answering it, so the line can trail what the browser already shows).
    pub async fn wait_token_requests(&self, n: usize) {
        for _ in 0..100 {
            if self.token_requests() >= n {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!(
            "DOT never logged {n} token request(s):\n{}",
            self.service.log_tail(20)
        );
    }

    /// POSTs a refresh-token grant for `refresh_token` to the token endpoint, as the public
    /// client would; returns the status and the JSON body.
    pub async fn try_refresh(&self, refresh_token: &str) -> (u16, serde_json::Value) {
        let resp = reqwest::Client::new()
            .post(self.token_endpoint())
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
                ("client_id", DOT_CLIENT_ID),
            ])
            .send()
            .await
            .expect("POST to DOT's token endpoint");
        let status = resp.status().as_u16();
        let body = resp.bytes().await.unwrap_or_default();
        (
            status,
            serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
        )
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

    /// The consumer's RSA private key (PEM) the fixture made at setup, whose public half it
    /// verifies RSA-SHA1 signatures with.
    pub fn rsa_private_key_file(&self) -> std::path::PathBuf {
        self._data.path().join("consumer-rsa-private.pem")
    }

    /// The process and its log.
    pub fn service(&self) -> &Service {
        &self.service
    }

    /// The callback URL of the last consent (the fixture logs each authorize redirect).
    pub fn last_authorize_redirect(&self) -> Option<String> {
        self.service
            .log_text()
            .lines()
            .rev()
            .find_map(|l| l.strip_prefix("authorize redirect: "))
            .map(str::to_owned)
    }

    /// Waits (up to 10 s) until at least `n` requests for `path` are logged: werkzeug writes
    /// its log line after the response, so it can trail what the browser already shows.
    pub async fn wait_logged(&self, path: &str, n: usize) {
        for _ in 0..100 {
            if self.requests_logged(path) >= n {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!(
            "the provider never logged {n} request(s) for {path}:\n{}",
            self.service.log_tail(20)
        );
    }

    /// What the provider said of its slow answers (`/api/slow`) so far: "sent whole", or
    /// "the client went away after N lines". Waits up to ten seconds for the `n`th.
    pub async fn slow_answers(&self, n: usize) -> Vec<String> {
        const SAID: &str = "slow answer: ";
        for _ in 0..100 {
            let said: Vec<String> = self
                .service
                .log_text()
                .lines()
                .filter_map(|l| l.strip_prefix(SAID).map(str::to_owned))
                .collect();
            if said.len() >= n {
                return said;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!(
            "Flask never said {SAID:?} {n} times:\n{}",
            self.service.log_tail(20)
        );
    }

    /// How many HTTP requests the provider has logged so far.
    pub fn request_count(&self) -> usize {
        self.request_lines().len()
    }

    /// How many requests for `path` the provider has logged so far (werkzeug logs each one).
    pub fn requests_logged(&self, path: &str) -> usize {
        let needle = format!(" {path}");
        self.request_lines()
            .iter()
            .filter(|l| l.contains(&needle))
            .count()
    }

    /// werkzeug's request lines, without the colour it gives every answer but a plain 200
    /// (`"\x1b[31m\x1b[1mPOST /oauth/access_token HTTP/1.1\x1b[0m" 401`): uncoloured, a
    /// refused request would go uncounted.
    fn request_lines(&self) -> Vec<String> {
        self.service
            .log_text()
            .lines()
            .map(strip_colour)
            .filter(|l| l.contains(" HTTP/1.1\""))
            .collect()
    }
}

/// `line` without ANSI SGR sequences (`ESC [ … m`).
fn strip_colour(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(i) = rest.find('\x1b') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        match rest.find('m') {
            Some(end) if rest[1..].starts_with('[') => rest = &rest[end + 1..],
            _ => {
                out.push_str(&rest[..1]);
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// A running `oidc-provider` fixture (`tests/providers/oidc-provider/server.mjs`): the issuer
/// is its base URL; the clients are [`OP_PLAIN_CLIENT`] and [`OP_BOUND_CLIENT`] (and
/// [`OP_CONF_CLIENT`] when given a secret); the API is
/// `GET|POST <base>/api/me`. Everything it knows is in its memory.
#[derive(Debug)]
pub struct OidcProvider {
    service: Service,
    port: u16,
}

impl OidcProvider {
    /// Starts the fixture on a free port for the app at `app_origin` (redirect URI
    /// `<app_origin>/callback/op`) and waits for its discovery document.
    pub async fn start(app_origin: &str) -> Self {
        Self::start_for(app_origin, &["op"]).await
    }

    /// [`OidcProvider::start`] registering `<app_origin>/callback/<id>` for each of
    /// `callback_ids`.
    pub async fn start_for(app_origin: &str, callback_ids: &[&str]) -> Self {
        Self::start_with_env(app_origin, callback_ids, &[]).await
    }

    /// [`OidcProvider::start_for`] with more environment for `server.mjs`, e.g.
    /// `OP_ACCESS_TOKEN_TTL` (seconds; default an hour), or [`OP_CONF_SECRET_ENV`] (which adds
    /// the confidential client [`OP_CONF_CLIENT`]).
    pub async fn start_with_env(
        app_origin: &str,
        callback_ids: &[&str],
        env: &[(&str, &str)],
    ) -> Self {
        let port = free_port();
        let mut command = Command::new(std::env::var("NODE").unwrap_or_else(|_| "node".into()));
        command
            .arg(repo_root().join("tests/providers/oidc-provider/server.mjs"))
            .arg("--port")
            .arg(port.to_string())
            .arg("--app-origin")
            .arg(app_origin)
            .env("OP_DEMO_PASSWORD", DEMO_PASSWORD);
        for id in callback_ids {
            command.arg("--callback-id").arg(id);
        }
        command.envs(env.iter().copied());
        let mut service = Service::spawn("oidc-provider", command);
        service
            .wait_ready(
                &format!("http://127.0.0.1:{port}/.well-known/openid-configuration"),
                READY_TIMEOUT,
            )
            .await;
        Self { service, port }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The issuer: the base URL itself (discovery at `/.well-known/openid-configuration`).
    pub fn issuer(&self) -> String {
        self.base_url()
    }

    /// Its discovery document, as a test reads it for the endpoints a browser would use.
    pub async fn discovery(&self) -> serde_json::Value {
        reqwest::get(format!(
            "{}/.well-known/openid-configuration",
            self.issuer()
        ))
        .await
        .expect("GET discovery")
        .bytes()
        .await
        .map(|b| serde_json::from_slice(&b).expect("discovery is JSON"))
        .expect("the discovery body")
    }

    /// The process and its log.
    pub fn service(&self) -> &Service {
        &self.service
    }

    /// How many requests for `path` (exactly, without the query) with `method` the fixture
    /// has answered so far: it logs `request: <METHOD> <path> <status>` for each one before
    /// the answer goes out, so the count never trails what a client has received.
    pub fn requests(&self, method: &str, path: &str) -> usize {
        let prefix = format!("request: {method} {path} ");
        self.service
            .log_text()
            .lines()
            .filter(|l| l.starts_with(&prefix))
            .count()
    }

    /// [`OidcProvider::requests`] that the fixture answered with `status`.
    pub fn answered(&self, method: &str, path: &str, status: u16) -> usize {
        let line = format!("request: {method} {path} {status}");
        self.service
            .log_text()
            .lines()
            .filter(|l| *l == line)
            .count()
    }
}
