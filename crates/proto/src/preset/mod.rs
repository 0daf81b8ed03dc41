//! Provider presets: what `preset = "<name>"` in a `[[provider]]` of `latchkey.toml` fills in.
//!
//! Pure data and one merge rule, no I/O: [`lookup`] builds a [`Preset`] (the Entra preset takes
//! a `tenant`), [`apply`] fills every key a provider entry leaves unset and never touches a key
//! the entry sets itself, so an explicit key always overrides the preset. The facts behind each
//! preset (endpoints, whether the token endpoint refuses browsers, which features work) are
//! listed with their sources in `docs/providers.md`.
//!
//! ```
//! use latchkey_proto::preset;
//! let github = preset::lookup("github", None).unwrap();
//! assert!(github.token_via_companion); // GitHub's token endpoint sends no CORS headers
//! let entra = preset::lookup("entra", Some("organizations")).unwrap();
//! assert_eq!(entra.issuer.as_deref(), Some("https://login.microsoftonline.com/organizations/v2.0"));
//! assert!(preset::lookup("myspace", None).unwrap_err().to_string().contains("github, google"));
//! ```

pub mod entra;
mod table;
#[cfg(test)]
mod tests;

use crate::oauth1::SignatureMethod;
use crate::public_config::{Endpoints, Named, Protocol};
use crate::token::ClientAuthMethod;

pub use table::NAMES;

/// Whether a feature works with a provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Support {
    /// It works.
    Yes,
    /// The provider does not offer it (or not in a form Latchkey speaks).
    No,
    /// It works only under the stated condition.
    Conditional(&'static str),
}

/// What works with a provider once signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Features {
    /// Refresh tokens (RFC 6749 §6).
    pub refresh: Support,
    /// Token revocation at sign-out (RFC 7009).
    pub revocation: Support,
    /// Signing out at the provider too (OIDC RP-Initiated Logout).
    pub logout: Support,
    /// OpenID Connect: a verified ID token and userinfo.
    pub oidc: bool,
}

/// The three endpoints and the signature method of an OAuth 1.0a provider (RFC 5849 §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OAuth1Urls {
    /// Temporary credential request (RFC 5849 §2.1).
    pub request_token_url: &'static str,
    /// Resource owner authorization (RFC 5849 §2.2).
    pub authorize_url: &'static str,
    /// Token request (RFC 5849 §2.3).
    pub access_token_url: &'static str,
    /// The signature method the provider accepts.
    pub signature_method: SignatureMethod,
}

/// One provider's preset, ready to [`apply`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preset {
    /// The preset's name, as written after `preset =`.
    pub name: &'static str,
    /// The provider's usual name: the `name` an entry gets when it sets none.
    pub provider: &'static str,
    /// The protocol.
    pub protocol: Protocol,
    /// The discovery issuer, for providers that publish one.
    pub issuer: Option<String>,
    /// Explicit endpoints (each one set wins over discovery). Every OAuth 2.0 / OIDC preset
    /// names its authorization and token endpoints, so an entry that switches an OIDC preset to
    /// `protocol = "oauth2"` (no RFC 8414 document at these issuers) and the companion's token
    /// mediation need no discovery for them.
    pub endpoints: Endpoints,
    /// The OAuth 1.0a endpoints (protocol `oauth1` only).
    pub oauth1: Option<OAuth1Urls>,
    /// Default scopes: enough to say who signed in.
    pub scopes: Vec<String>,
    /// The API the app's console may call.
    pub api_base: Option<String>,
    /// The token endpoint refuses browsers (no CORS headers, or it wants a client secret), so
    /// the companion mediates the code exchange, refresh and revocation.
    pub token_via_companion: bool,
    /// How the companion authenticates at the token endpoint when it mediates.
    pub token_auth: ClientAuthMethod,
    /// What works.
    pub features: Features,
}

/// Why a preset could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PresetError {
    /// No preset has this name.
    #[error("unknown preset {name:?}; known presets: {}", NAMES.join(", "))]
    Unknown {
        /// The name as written.
        name: String,
    },
    /// The Entra `tenant` is unusable.
    #[error("preset \"entra\": {0}")]
    Tenant(#[from] entra::TenantError),
    /// `tenant` was given to a preset that has none.
    #[error("preset {preset:?} takes no `tenant` (only \"entra\" does)")]
    TenantNotApplicable {
        /// The preset.
        preset: &'static str,
    },
}

/// The preset called `name`. `tenant` is Entra's (`"common"` when absent); any other preset
/// refuses one.
pub fn lookup(name: &str, tenant: Option<&str>) -> Result<Preset, PresetError> {
    let spec = table::spec(name).ok_or_else(|| PresetError::Unknown {
        name: name.to_owned(),
    })?;
    match (spec.name, tenant) {
        ("entra", t) => {
            let tenant = entra::Tenant::parse(t.unwrap_or("common"))?;
            let mut preset = spec.build(Some(tenant.issuer()));
            preset.endpoints.authorization_endpoint = Some(tenant.endpoint("authorize"));
            preset.endpoints.token_endpoint = Some(tenant.endpoint("token"));
            Ok(preset)
        }
        (preset, Some(_)) => Err(PresetError::TenantNotApplicable { preset }),
        (_, None) => Ok(spec.build(spec.issuer.map(str::to_owned))),
    }
}

/// A key of a provider entry that a preset may fill, named as in `latchkey.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Key {
    /// `name`: the button reads "Sign in with `<name>`".
    Name,
    /// `protocol`
    Protocol,
    /// `issuer`
    Issuer,
    /// `authorization_endpoint`
    AuthorizationEndpoint,
    /// `token_endpoint`
    TokenEndpoint,
    /// `userinfo_endpoint`
    UserinfoEndpoint,
    /// `revocation_endpoint`
    RevocationEndpoint,
    /// `end_session_endpoint`
    EndSessionEndpoint,
    /// `jwks_uri`
    JwksUri,
    /// `scopes`
    Scopes,
    /// `api_base`
    ApiBase,
    /// `token_via_companion`
    TokenViaCompanion,
    /// `token_auth`
    TokenAuth,
    /// `request_token_url`
    RequestTokenUrl,
    /// `authorize_url`
    AuthorizeUrl,
    /// `access_token_url`
    AccessTokenUrl,
    /// `signature_method`
    SignatureMethod,
}

impl Key {
    /// The key's name in `latchkey.toml`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Key::Name => "name",
            Key::Protocol => "protocol",
            Key::Issuer => "issuer",
            Key::AuthorizationEndpoint => "authorization_endpoint",
            Key::TokenEndpoint => "token_endpoint",
            Key::UserinfoEndpoint => "userinfo_endpoint",
            Key::RevocationEndpoint => "revocation_endpoint",
            Key::EndSessionEndpoint => "end_session_endpoint",
            Key::JwksUri => "jwks_uri",
            Key::Scopes => "scopes",
            Key::ApiBase => "api_base",
            Key::TokenViaCompanion => "token_via_companion",
            Key::TokenAuth => "token_auth",
            Key::RequestTokenUrl => "request_token_url",
            Key::AuthorizeUrl => "authorize_url",
            Key::AccessTokenUrl => "access_token_url",
            Key::SignatureMethod => "signature_method",
        }
    }
}

/// A value as TOML would hold it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value<'a> {
    /// A string.
    Text(&'a str),
    /// An array of strings.
    List(&'a [String]),
    /// A boolean.
    Bool(bool),
}

/// A provider entry as written (the companion's raw TOML): what it sets, and a way to fill
/// what it leaves unset.
pub trait ProviderEntry {
    /// The entry's own value for `key`, if it sets one.
    fn get(&self, key: Key) -> Option<Value<'_>>;
    /// Sets `key`, which the entry left unset.
    fn set(&mut self, key: Key, value: Value<'_>);
}

/// Why a preset cannot be applied to an entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApplyError {
    /// The entry's explicit `protocol` belongs to the other family (OAuth 1.0a against
    /// OAuth 2.0 / OIDC): none of the preset's endpoints would apply.
    #[error("preset {preset:?} is for protocol {preset_protocol:?}, not {explicit:?}{hint}")]
    ProtocolConflict {
        /// The preset.
        preset: &'static str,
        /// The preset's protocol.
        preset_protocol: &'static str,
        /// The entry's protocol.
        explicit: String,
        /// A sibling preset for the other protocol, as a sentence tail (may be empty).
        hint: String,
    },
}

impl Preset {
    /// Every key this preset sets, with its value, in file order.
    ///
    /// `token_via_companion` and `token_auth` appear only for a mediated preset, since the
    /// companion's check refuses mediation keys on a browser-only provider.
    pub fn settings(&self) -> Vec<(Key, Value<'_>)> {
        let mut out = vec![
            (Key::Name, Value::Text(self.provider)),
            (Key::Protocol, Value::Text(self.protocol.name())),
        ];
        let mut text = |key, v: Option<&'static str>| {
            if let Some(v) = v {
                out.push((key, Value::Text(v)));
            }
        };
        if let Some(o) = &self.oauth1 {
            text(Key::RequestTokenUrl, Some(o.request_token_url));
            text(Key::AuthorizeUrl, Some(o.authorize_url));
            text(Key::AccessTokenUrl, Some(o.access_token_url));
            text(Key::SignatureMethod, Some(o.signature_method.as_str()));
        }
        let e = &self.endpoints;
        for (key, v) in [
            (Key::Issuer, &self.issuer),
            (Key::AuthorizationEndpoint, &e.authorization_endpoint),
            (Key::TokenEndpoint, &e.token_endpoint),
            (Key::UserinfoEndpoint, &e.userinfo_endpoint),
            (Key::RevocationEndpoint, &e.revocation_endpoint),
            (Key::EndSessionEndpoint, &e.end_session_endpoint),
            (Key::JwksUri, &e.jwks_uri),
        ] {
            if let Some(v) = v {
                out.push((key, Value::Text(v)));
            }
        }
        if !self.scopes.is_empty() {
            out.push((Key::Scopes, Value::List(&self.scopes)));
        }
        if let Some(v) = &self.api_base {
            out.push((Key::ApiBase, Value::Text(v)));
        }
        if self.token_via_companion {
            out.push((Key::TokenViaCompanion, Value::Bool(true)));
            out.push((Key::TokenAuth, Value::Text(auth_name(self.token_auth))));
        }
        out
    }
}

fn auth_name(m: ClientAuthMethod) -> &'static str {
    match m {
        ClientAuthMethod::ClientSecretBasic => "client_secret_basic",
        ClientAuthMethod::ClientSecretPost => "client_secret_post",
    }
}

/// Fills every key of `entry` that it leaves unset with the preset's value, and returns the
/// keys filled. A key the entry sets is never changed: explicit keys override the preset.
///
/// An explicit `protocol` of the other family (`oauth1` for an OAuth 2.0 preset, or the
/// reverse) is refused; `oauth2` and `oidc` may replace each other. An explicit
/// `token_via_companion = false` also keeps the preset's `token_auth` out.
pub fn apply(preset: &Preset, entry: &mut impl ProviderEntry) -> Result<Vec<Key>, ApplyError> {
    if let Some(Value::Text(explicit)) = entry.get(Key::Protocol) {
        let preset_is_oauth1 = preset.protocol == Protocol::Oauth1;
        let known = Protocol::from_name(explicit).is_some();
        if known && (explicit == "oauth1") != preset_is_oauth1 {
            let sibling = table::sibling(preset.name);
            return Err(ApplyError::ProtocolConflict {
                preset: preset.name,
                preset_protocol: preset.protocol.name(),
                explicit: explicit.to_owned(),
                hint: sibling.map_or_else(String::new, |s| format!(" (use preset {s:?})")),
            });
        }
    }
    let mediated = match entry.get(Key::TokenViaCompanion) {
        Some(Value::Bool(b)) => b,
        _ => preset.token_via_companion,
    };
    let mut filled = Vec::new();
    for (key, value) in preset.settings() {
        if key == Key::TokenAuth && !mediated {
            continue;
        }
        if entry.get(key).is_none() {
            entry.set(key, value);
            filled.push(key);
        }
    }
    Ok(filled)
}
