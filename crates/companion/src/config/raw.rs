//! The TOML file as written, before any meaning is checked.
//!
//! Every value a semantic check may complain about is `Spanned`, so a problem can name the
//! line and column the author has to fix. Unknown keys are refused (`deny_unknown_fields`):
//! a typo such as `consumer_secert_env` must not silently leave a setting out.

use serde::Deserialize;
use toml::Spanned;

/// A spanned string.
pub(crate) type S = Spanned<String>;

/// A required key the file leaves out, for a preset to fill: empty, at offset 0 (no written
/// value can start there, since its key comes first).
pub(crate) fn unset() -> S {
    Spanned::new(0..0, String::new())
}

/// True for [`unset`].
pub(crate) fn is_unset(s: &S) -> bool {
    s.span() == (0..0)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConfig {
    pub server: Spanned<RawServer>,
    #[serde(default)]
    pub provider: Vec<Spanned<RawProvider>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawServer {
    pub listen: S,
    pub public_url: S,
    pub static_dir: S,
    #[serde(default)]
    pub allowed_origins: Vec<S>,
    pub cookie_key_file: Option<S>,
    pub previous_cookie_keys_file: Option<S>,
    pub token_rate_per_minute: Option<Spanned<i64>>,
    pub token_rate_burst: Option<Spanned<i64>>,
    pub api_rate_per_minute: Option<Spanned<i64>>,
    pub api_rate_burst: Option<Spanned<i64>>,
    #[serde(default)]
    pub trusted_proxies: Vec<S>,
    pub client_address_header: Option<S>,
    pub upstream_timeout_seconds: Option<Spanned<i64>>,
}

// Clone: a preset fills a copy of the entry (`check/preset.rs`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawProvider {
    pub id: S,
    // `name` and `protocol` may come from a preset; absent ones read as `unset()`.
    #[serde(default = "unset")]
    pub name: S,
    #[serde(default = "unset")]
    pub protocol: S,
    // A preset (`latchkey_proto::preset`) fills every key left unset; `tenant` is Entra's.
    pub preset: Option<S>,
    pub tenant: Option<S>,
    // OAuth 2.0 / OIDC.
    pub issuer: Option<S>,
    pub client_id: Option<S>,
    pub scopes: Option<Spanned<Vec<String>>>,
    pub session_storage: Option<S>,
    pub authorization_endpoint: Option<S>,
    pub token_endpoint: Option<S>,
    pub userinfo_endpoint: Option<S>,
    pub revocation_endpoint: Option<S>,
    pub end_session_endpoint: Option<S>,
    pub jwks_uri: Option<S>,
    pub pushed_authorization_request_endpoint: Option<S>,
    pub redirect_uri: Option<S>,
    pub authorize_params: Option<Spanned<std::collections::BTreeMap<String, String>>>,
    pub dpop: Option<S>,
    pub par: Option<Spanned<bool>>,
    // OAuth 2.0 / OIDC token mediation (the companion holds a client secret).
    pub token_via_companion: Option<Spanned<bool>>,
    pub client_secret_env: Option<S>,
    pub client_secret_file: Option<S>,
    pub token_auth: Option<S>,
    pub refresh_token_in: Option<S>,
    // OAuth 1.0a.
    pub request_token_url: Option<S>,
    pub authorize_url: Option<S>,
    pub access_token_url: Option<S>,
    pub consumer_key: Option<S>,
    pub consumer_secret_env: Option<S>,
    pub consumer_secret_file: Option<S>,
    pub rsa_key_file: Option<S>,
    pub signature_method: Option<S>,
    // Both.
    pub api_base: Option<S>,
}
