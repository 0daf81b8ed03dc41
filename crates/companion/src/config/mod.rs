//! `latchkey.toml`: the companion's configuration.
//!
//! Loading happens in two steps so that `latchkey config export` works without secrets:
//! [`Config::parse`] checks the file's syntax and meaning and keeps only *where* each secret
//! lives; [`Secrets::load`](crate::secrets::Secrets::load) then reads the secrets from the
//! environment or from files. Both report every problem at once, each naming the line and
//! column to fix ([`Problem`]).
//!
//! Relative paths (`static_dir`, key files) are relative to the working directory.

mod check;
mod raw;
#[cfg(test)]
mod tests;

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use latchkey_proto::oauth1::SignatureMethod;
use latchkey_proto::public_config::{
    DpopMode, Endpoints, Protocol, PublicConfig, PublicProvider, RefreshTokenIn, SessionStorage,
};
use latchkey_proto::token::ClientAuthMethod;

/// A place in the configuration file (1-based), for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub column: usize,
}

impl Pos {
    /// The position of byte `offset` in `text`.
    pub fn of(text: &str, offset: usize) -> Pos {
        let offset = offset.min(text.len());
        let before = text.get(..offset).unwrap_or(text);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
        Pos { line, column }
    }
}

/// One thing wrong with the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where, when the problem has a place in the file.
    pub pos: Option<Pos>,
    /// What is wrong and, where possible, what to write instead.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.pos {
            Some(p) => write!(f, "{}:{}: {}", p.line, p.column, self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// The checked configuration. Holds no secret, only where each one is read from.
#[derive(Debug, Clone)]
pub struct Config {
    /// `[server]`.
    pub server: ServerConfig,
    /// `[[provider]]`, in file order.
    pub providers: Vec<Provider>,
}

/// `[server]`.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Socket address to bind.
    pub listen: SocketAddr,
    /// The origin the browser sees, without a trailing slash (`https://example.org`).
    pub public_url: String,
    /// The built single-page app.
    pub static_dir: PathBuf,
    /// Origins besides `public_url` allowed to call the companion with credentials.
    pub allowed_origins: Vec<String>,
    /// File holding the current cookie key (base64 of 32 bytes); else `LATCHKEY_COOKIE_KEY`.
    pub cookie_key_file: Option<Located<PathBuf>>,
    /// File holding older cookie keys, one per line, still accepted when opening cookies;
    /// else `LATCHKEY_PREVIOUS_COOKIE_KEYS` (comma or whitespace separated).
    pub previous_cookie_keys_file: Option<Located<PathBuf>>,
    /// Per client address limit on the routes that ask a provider for a token: the OAuth
    /// 1.0a `/login` and `/callback`, and token mediation (`/oauth2/{id}/…`).
    pub token_rate: RateLimit,
    /// Per client address limit on the OAuth 1.0a signing proxy and `/sign`.
    pub api_rate: RateLimit,
    /// `trusted_proxies` and `client_address_header`: when a forwarding header names the
    /// client whose address the rate limits key on.
    pub proxy_trust: crate::client_address::ProxyTrust,
    /// `upstream_timeout_seconds` (default 30, 1..=300): how long one call to a provider
    /// (token legs, signing proxy) may take before the companion answers 504.
    pub upstream_timeout: Duration,
}

/// The default of `[server] upstream_timeout_seconds`.
pub const DEFAULT_UPSTREAM_TIMEOUT: Duration = Duration::from_secs(30);

/// A token bucket's settings: `burst` requests at once, refilled at `per_minute`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Sustained requests per minute.
    pub per_minute: u32,
    /// Requests allowed at once (the bucket's size).
    pub burst: u32,
}

impl RateLimit {
    /// The default of `token_rate_*`: 20 a minute, 10 at once. A sign-in costs one request
    /// (two with OAuth 1.0a: `/login` and `/callback`) and a refresh one per token lifetime, so
    /// a person never comes near it, while a script guessing codes or burning the consumer
    /// key's request-token quota is slowed.
    pub const TOKEN_DEFAULT: RateLimit = RateLimit {
        per_minute: 20,
        burst: 10,
    };

    /// The default of `api_rate_*`: 600 a minute (10 a second), 120 at once. An app's page
    /// makes a handful of API calls; the provider's own quota per user is usually lower, so
    /// this only stops one address from burning it for everyone on the consumer key.
    pub const API_DEFAULT: RateLimit = RateLimit {
        per_minute: 600,
        burst: 120,
    };
}

impl Default for RateLimit {
    /// [`RateLimit::TOKEN_DEFAULT`].
    fn default() -> Self {
        RateLimit::TOKEN_DEFAULT
    }
}

impl ServerConfig {
    /// True when the browser reaches the companion over TLS: cookies then get `Secure` and
    /// the `__Host-` prefix.
    pub fn is_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

/// A value and the place in the file it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub pos: Option<Pos>,
}

/// One `[[provider]]`.
#[derive(Debug, Clone)]
pub struct Provider {
    /// URL-safe identifier, unique.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Base URL of the API the app may call (ends with `/`).
    pub api_base: Option<String>,
    /// What the protocol needs.
    pub kind: ProviderKind,
}

/// Protocol-specific settings.
#[derive(Debug, Clone)]
pub enum ProviderKind {
    /// OAuth 2.0 / OIDC: the browser runs the flow, the companion only publishes settings.
    Browser(BrowserProvider),
    /// OAuth 1.0a: the companion runs the flow and signs requests.
    OAuth1(OAuth1Provider),
}

/// An OAuth 2.0 or OpenID Connect provider (public client, in the browser).
#[derive(Debug, Clone)]
pub struct BrowserProvider {
    /// `oauth2` or `oidc`.
    pub protocol: Protocol,
    /// Discovery issuer.
    pub issuer: Option<String>,
    /// Public client id.
    pub client_id: String,
    /// Scopes to request.
    pub scopes: Vec<String>,
    /// Explicit endpoints.
    pub endpoints: Endpoints,
    /// `redirect_uri`: the page the provider returns to, checked by
    /// [`latchkey_proto::redirect_uri::check`]; `None` for `<public_url>/callback/<id>`.
    pub redirect_uri: Option<String>,
    /// `authorize_params`: further authorization-request parameters, none of them one the
    /// protocol sets.
    pub authorize_params: std::collections::BTreeMap<String, String>,
    /// Where the browser keeps the session.
    pub session_storage: SessionStorage,
    /// Set when the companion mediates the token endpoint (`token_via_companion = true`).
    pub mediation: Option<Mediation>,
    /// `dpop = "auto" | "required" | "off"` (default `auto`): whether the browser binds this
    /// provider's tokens to a key it holds (DPoP, RFC 9449), decided by
    /// [`latchkey_proto::dpop::decide`] from this and the provider's metadata. The companion
    /// never holds the key: for a mediated provider it passes the browser's `DPoP` proof to
    /// the token, revocation and PAR endpoints and the provider's `DPoP-Nonce` back.
    pub dpop: DpopMode,
    /// `par = true | false` (default `false`): push every authorization request (PAR,
    /// RFC 9126) even when the provider's metadata does not require it
    /// ([`latchkey_proto::par::decide`]). A mediated provider pushes through the companion's
    /// `POST /oauth2/{id}/par`, which adds the client authentication.
    pub par: bool,
}

impl BrowserProvider {
    /// The redirect URI this provider's authorization requests carry: its own `redirect_uri`,
    /// else `<public_url>/callback/<id>`, the same choice the app makes from `/latchkey.json`.
    pub fn redirect_uri(&self, server: &ServerConfig, provider_id: &str) -> String {
        match &self.redirect_uri {
            Some(uri) => uri.clone(),
            None => latchkey_proto::redirect_uri::default_for(&server.public_url, provider_id),
        }
    }
}

/// Token mediation: the companion adds a client secret to the code exchange, refresh and
/// revocation (the token-mediating backend of the IETF browser-based-apps BCP).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mediation {
    /// Where the client secret is read from.
    pub secret: SecretSource,
    /// How the secret is presented (RFC 6749 §2.3.1).
    pub token_auth: ClientAuthMethod,
    /// Who keeps the refresh token.
    pub refresh_token_in: RefreshTokenIn,
}

/// Where a secret is read from: never the file itself, never the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// An environment variable.
    Env(Located<String>),
    /// A file (its content, trailing newline trimmed).
    File(Located<PathBuf>),
}

/// An OAuth 1.0a provider (RFC 5849), driven by the companion.
#[derive(Debug, Clone)]
pub struct OAuth1Provider {
    /// Temporary credential request endpoint (RFC 5849 §2.1).
    pub request_token_url: String,
    /// Resource owner authorization endpoint (RFC 5849 §2.2).
    pub authorize_url: String,
    /// Token request endpoint (RFC 5849 §2.3).
    pub access_token_url: String,
    /// Client identifier.
    pub consumer_key: String,
    /// Signature method.
    pub signature_method: SignatureMethod,
    /// The consumer secret (HMAC, PLAINTEXT) or the RSA private key (RSA-*), PEM.
    pub secret: SecretSource,
}

impl OAuth1Provider {
    /// The callback URL the companion sends with the request-token request (RFC 5849 §2.1),
    /// `<public_url>/oauth1/<id>/callback`: the one to register at the provider.
    pub fn callback_url(server: &ServerConfig, provider_id: &str) -> String {
        format!("{}/oauth1/{provider_id}/callback", server.public_url)
    }
}

impl Config {
    /// Parses and checks a configuration file's text. Every problem is reported, each with
    /// its line and column when it has one.
    pub fn parse(text: &str) -> Result<Config, Vec<Problem>> {
        let raw: raw::RawConfig = toml::from_str(text).map_err(|e| {
            vec![Problem {
                pos: e.span().map(|s| Pos::of(text, s.start)),
                message: e.message().trim().to_owned(),
            }]
        })?;
        check::check(text, raw)
    }

    /// Reads and parses a configuration file.
    pub fn read(path: &std::path::Path) -> Result<Config, Vec<Problem>> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            vec![Problem {
                pos: None,
                message: format!("cannot read {}: {e}", path.display()),
            }]
        })?;
        Self::parse(&text)
    }

    /// The provider with this id.
    pub fn provider(&self, id: &str) -> Option<&Provider> {
        self.providers.iter().find(|p| p.id == id)
    }

    /// The public projection, `/latchkey.json`: no secret, no secret's location.
    pub fn public(&self) -> PublicConfig {
        PublicConfig {
            public_url: Some(self.server.public_url.clone()),
            // With pages on other origins, they need to be told where the companion is.
            // A same-origin deployment leaves it out: the page's own origin is the companion.
            companion: (!self.server.allowed_origins.is_empty())
                .then(|| self.server.public_url.clone()),
            providers: self.providers.iter().map(Provider::public).collect(),
        }
    }

    /// [`Config::public`] as `latchkey.json` is written: pretty JSON, what `latchkey config
    /// export` prints and `latchkey init` writes.
    pub fn export_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(&self.public())
    }
}

impl Provider {
    fn public(&self) -> PublicProvider {
        match &self.kind {
            ProviderKind::Browser(b) => PublicProvider {
                id: self.id.clone(),
                name: self.name.clone(),
                protocol: b.protocol,
                issuer: b.issuer.clone(),
                client_id: Some(b.client_id.clone()),
                scopes: b.scopes.clone(),
                endpoints: b.endpoints.clone(),
                redirect_uri: b.redirect_uri.clone(),
                authorize_params: b.authorize_params.clone(),
                api_base: self.api_base.clone(),
                session_storage: b.session_storage,
                token_via_companion: b.mediation.is_some(),
                refresh_token_in: b
                    .mediation
                    .as_ref()
                    .map_or(RefreshTokenIn::Browser, |m| m.refresh_token_in),
                dpop: b.dpop,
                par: b.par,
            },
            // The app only needs to know the provider exists and goes through the companion;
            // the endpoints and the consumer key stay server-side.
            ProviderKind::OAuth1(_) => PublicProvider {
                id: self.id.clone(),
                name: self.name.clone(),
                protocol: Protocol::Oauth1,
                issuer: None,
                client_id: None,
                scopes: Vec::new(),
                endpoints: Endpoints::default(),
                redirect_uri: None,
                authorize_params: Default::default(),
                api_base: self.api_base.clone(),
                session_storage: SessionStorage::default(),
                token_via_companion: false,
                refresh_token_in: RefreshTokenIn::Browser,
                dpop: Default::default(),
                par: false,
            },
        }
    }
}
