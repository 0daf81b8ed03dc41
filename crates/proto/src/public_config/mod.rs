//! The public projection of Latchkey's configuration: `/latchkey.json`.
//!
//! The companion writes it from `latchkey.toml` (`latchkey config export`), a static site's
//! author may write it by hand, and the app reads it from its own origin. It never holds a
//! secret: only what a public client may know.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

mod read;

pub use read::{is_valid_id, PublicConfigError};

/// The whole of `/latchkey.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PublicConfig {
    /// The origin the browser sees (`[server] public_url`); a provider without its own
    /// `redirect_uri` uses `<public_url>/callback`. Absent on a hand-written file: the app
    /// uses its own origin.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    /// The companion's origin (e.g. `https://auth.example.org`) when it is not the page's
    /// own: every companion call (token mediation, OAuth 1.0a sign-in, the signing proxy,
    /// `/sign`) goes there, and an OAuth 1.0a session is handed to the page instead of
    /// resting on the companion's cookie. Absent: the companion is the page's origin.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub companion: Option<String>,
    /// The providers offered, in the order the buttons appear.
    pub providers: Vec<PublicProvider>,
}

/// Which protocol a provider speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// OAuth 2.0 authorization code with PKCE, in the browser.
    Oauth2,
    /// OAuth 2.0 plus OpenID Connect (ID token, discovery, userinfo), in the browser.
    Oidc,
    /// OAuth 1.0a, through the companion (the consumer secret stays on the server).
    Oauth1,
}

/// Where the browser keeps a refresh token.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SessionStorage {
    /// Only in memory: a reload ends the session.
    Memory,
    /// `sessionStorage`: a reload keeps the session, other tabs do not share it.
    #[default]
    Tab,
    /// `localStorage`, shared by every tab of the origin; refreshes are serialised with the
    /// Web Locks API and announced over `BroadcastChannel`.
    Browser,
}

/// One provider as the app sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicProvider {
    /// URL-safe identifier, unique in the file.
    pub id: String,
    /// Display name: the button reads "Sign in with `<name>`".
    pub name: String,
    /// The protocol.
    pub protocol: Protocol,
    /// The issuer, for discovery (OAuth 2.0 / OIDC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// The public client's id (OAuth 2.0 / OIDC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Scopes to request.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// Explicit endpoints; each one given overrides discovery.
    #[serde(skip_serializing_if = "Endpoints::is_empty")]
    pub endpoints: Endpoints,
    /// The page the provider returns to (OAuth 2.0 / OIDC), exactly as registered there; that
    /// page must complete the callback. Absent: `<public_url>/callback`
    /// ([`crate::redirect_uri::default_for`]). Checked by [`crate::redirect_uri::check`]
    /// before a sign-in starts, not while parsing, so one bad entry does not hide the others.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    /// Further authorization-request parameters the provider wants on every sign-in (OAuth
    /// 2.0 / OIDC), e.g. Google's `access_type = "offline"`. Never one the protocol sets
    /// ([`crate::authorize::RESERVED`]): such an entry fails when sign-in starts.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub authorize_params: BTreeMap<String, String>,
    /// Base URL the API console may call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_base: Option<String>,
    /// Where the refresh token lives.
    pub session_storage: SessionStorage,
    /// The provider's token endpoint refuses browsers (no CORS headers, or it wants a client
    /// secret): the app sends the code and PKCE verifier, refresh and revocation to the
    /// companion's `/oauth2/{id}/token`, `/refresh` and `/revoke`, which add the secret
    /// (the token-mediating backend of the IETF browser-based-apps BCP).
    #[serde(skip_serializing_if = "is_false")]
    pub token_via_companion: bool,
    /// With `token_via_companion`: who holds the refresh token.
    #[serde(skip_serializing_if = "RefreshTokenIn::is_browser")]
    pub refresh_token_in: RefreshTokenIn,
    /// Whether tokens are bound to a key the browser holds (DPoP, RFC 9449); `auto` (the
    /// default) when the provider's metadata lists `ES256` in
    /// `dpop_signing_alg_values_supported`. See [`crate::dpop::decide`].
    #[serde(skip_serializing_if = "DpopMode::is_auto")]
    pub dpop: DpopMode,
    /// Push the authorization request (PAR, RFC 9126) even when the provider does not require
    /// it. A provider whose metadata says `require_pushed_authorization_requests` gets pushed
    /// requests either way. The endpoint is [`Endpoints::pushed_authorization_request_endpoint`]
    /// when set, else the metadata's. See [`crate::par::decide`].
    #[serde(skip_serializing_if = "is_false")]
    pub par: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Who holds a mediated provider's refresh token.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RefreshTokenIn {
    /// The browser, stored like any other token (per `session_storage`).
    #[default]
    Browser,
    /// The companion, in an encrypted HttpOnly cookie: the browser never sees it and
    /// refreshes by `POST /oauth2/{id}/refresh` with no token in the body.
    Companion,
}

impl RefreshTokenIn {
    /// True for the default, [`RefreshTokenIn::Browser`].
    pub fn is_browser(&self) -> bool {
        *self == RefreshTokenIn::Browser
    }
}

/// Whether the browser binds a provider's tokens to a key it holds, with DPoP (RFC 9449);
/// see [`crate::dpop::decide`]. `dpop` in `latchkey.json` and in `latchkey.toml`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DpopMode {
    /// Use DPoP when the provider's metadata lists `ES256` in
    /// `dpop_signing_alg_values_supported`; accept a Bearer token if the provider answers with
    /// one anyway.
    #[default]
    Auto,
    /// Always send proofs, and refuse a token that is not `DPoP`.
    Required,
    /// Never send proofs.
    Off,
}

impl DpopMode {
    /// True for the default, [`DpopMode::Auto`].
    pub fn is_auto(&self) -> bool {
        *self == DpopMode::Auto
    }
}

/// Endpoints a provider may set explicitly instead of (or on top of) discovery.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Endpoints {
    /// RFC 6749 §3.1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization_endpoint: Option<String>,
    /// RFC 6749 §3.2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_endpoint: Option<String>,
    /// OIDC Core §5.3.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub userinfo_endpoint: Option<String>,
    /// RFC 7009.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revocation_endpoint: Option<String>,
    /// OIDC RP-Initiated Logout.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_session_endpoint: Option<String>,
    /// RFC 7517 key set of the ID token signer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwks_uri: Option<String>,
    /// RFC 9126 §5: where [`PublicProvider::par`] pushes when discovery does not say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pushed_authorization_request_endpoint: Option<String>,
}

impl Endpoints {
    /// True when no endpoint is set.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// A unit enum written as one lowercase name in `latchkey.json` and `latchkey.toml`.
///
/// The four enums of this file read and write themselves through their `NAMES` (serde's derive
/// built a visitor per enum, 1.3 KB of wasm each); [`PublicConfig::from_json`] reads them with
/// [`Named::from_name`].
pub trait Named: Copy + PartialEq + 'static {
    /// Every value, in the order of [`Named::NAMES`].
    const ALL: &'static [Self];
    /// The name of each value.
    const NAMES: &'static [&'static str];

    /// This value's name.
    fn name(self) -> &'static str {
        let i = Self::ALL.iter().position(|v| *v == self).unwrap_or(0);
        Self::NAMES[i]
    }

    /// The value with this name, if any (names are case-sensitive).
    fn from_name(name: &str) -> Option<Self> {
        let i = Self::NAMES.iter().position(|n| *n == name)?;
        Self::ALL.get(i).copied()
    }
}

impl Named for Protocol {
    const ALL: &'static [Self] = &[Protocol::Oauth2, Protocol::Oidc, Protocol::Oauth1];
    const NAMES: &'static [&'static str] = &["oauth2", "oidc", "oauth1"];
}

impl Named for SessionStorage {
    const ALL: &'static [Self] = &[
        SessionStorage::Memory,
        SessionStorage::Tab,
        SessionStorage::Browser,
    ];
    const NAMES: &'static [&'static str] = &["memory", "tab", "browser"];
}

impl Named for RefreshTokenIn {
    const ALL: &'static [Self] = &[RefreshTokenIn::Browser, RefreshTokenIn::Companion];
    const NAMES: &'static [&'static str] = &["browser", "companion"];
}

impl Named for DpopMode {
    const ALL: &'static [Self] = &[DpopMode::Auto, DpopMode::Required, DpopMode::Off];
    const NAMES: &'static [&'static str] = &["auto", "required", "off"];
}

/// `Serialize` and `Deserialize` by name, for the companion's TOML and its export.
macro_rules! serde_by_name {
    ($($t:ty),*) => {$(
        impl Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.name())
            }
        }

        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let name = String::deserialize(deserializer)?;
                Self::from_name(&name)
                    .ok_or_else(|| serde::de::Error::unknown_variant(&name, Self::NAMES))
            }
        }
    )*};
}
serde_by_name!(Protocol, SessionStorage, RefreshTokenIn, DpopMode);

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads one provider, as the only entry of a file.
    fn one_provider(json: &str) -> Result<PublicProvider, PublicConfigError> {
        let file = format!(r#"{{"providers":[{json}]}}"#);
        Ok(PublicConfig::from_json(file.as_bytes())?
            .providers
            .remove(0))
    }

    #[test]
    fn minimal_provider_defaults_to_tab_storage() {
        let cfg = PublicConfig::from_json(
            br#"{"providers":[{"id":"dot","name":"DOT","protocol":"oidc","issuer":"http://127.0.0.1:9000/o","client_id":"spa"}]}"#,
        )
        .unwrap();
        assert_eq!(cfg.providers[0].session_storage, SessionStorage::Tab);
        assert!(cfg.providers[0].endpoints.is_empty());
        assert!(!cfg.providers[0].token_via_companion);
        assert_eq!(cfg.providers[0].refresh_token_in, RefreshTokenIn::Browser);
    }

    #[test]
    fn mediated_provider_round_trips() {
        let text = r#"{"providers":[{"id":"gh","name":"GitHub","protocol":"oauth2","client_id":"c","token_via_companion":true,"refresh_token_in":"companion"}]}"#;
        let cfg = PublicConfig::from_json(text.as_bytes()).unwrap();
        assert!(cfg.providers[0].token_via_companion);
        assert_eq!(cfg.providers[0].refresh_token_in, RefreshTokenIn::Companion);
        let again = serde_json::to_string(&cfg).unwrap();
        assert!(again.contains(r#""token_via_companion":true,"refresh_token_in":"companion""#));
        assert_eq!(PublicConfig::from_json(again.as_bytes()).unwrap(), cfg);
    }

    #[test]
    fn redirect_uri_is_read_and_written_only_when_set() {
        let text = r#"{"providers":[{"id":"gh","name":"GitHub","protocol":"oauth2","client_id":"c","redirect_uri":"https://me.github.io/blog/callback.html","session_storage":"tab"}]}"#;
        let cfg = PublicConfig::from_json(text.as_bytes()).unwrap();
        assert_eq!(
            cfg.providers[0].redirect_uri.as_deref(),
            Some("https://me.github.io/blog/callback.html")
        );
        assert_eq!(serde_json::to_string(&cfg).unwrap(), text);

        let without = PublicProvider {
            redirect_uri: None,
            ..cfg.providers[0].clone()
        };
        let json = serde_json::to_string(&without).unwrap();
        assert!(!json.contains("redirect_uri"), "{json}");
        assert_eq!(one_provider(&json).unwrap(), without);
    }

    #[test]
    fn dpop_and_par_are_read_and_written_only_when_not_the_default() {
        let text = r#"{"providers":[{"id":"op","name":"OP","protocol":"oidc","client_id":"c","session_storage":"tab","dpop":"required","par":true}]}"#;
        let cfg = PublicConfig::from_json(text.as_bytes()).unwrap();
        assert_eq!(cfg.providers[0].dpop, DpopMode::Required);
        assert!(cfg.providers[0].par);
        assert_eq!(serde_json::to_string(&cfg).unwrap(), text);
        let plain = PublicProvider {
            dpop: DpopMode::Auto,
            par: false,
            ..cfg.providers[0].clone()
        };
        let json = serde_json::to_string(&plain).unwrap();
        assert!(!json.contains("dpop") && !json.contains("par"), "{json}");
        assert!(one_provider(r#"{"id":"op","name":"OP","protocol":"oidc","par":"yes"}"#).is_err());
    }

    /// The hand-written readers of the unit enums take exactly what their `Serialize` writes,
    /// and refuse anything else with serde's own words.
    #[test]
    fn each_unit_enum_reads_back_what_it_writes_and_nothing_else() {
        fn round_trip<T>(values: &[T])
        where
            T: Serialize + for<'de> Deserialize<'de> + PartialEq + std::fmt::Debug,
        {
            for v in values {
                let text = serde_json::to_string(v).unwrap();
                assert_eq!(&serde_json::from_str::<T>(&text).unwrap(), v, "{text}");
            }
        }
        round_trip(&[Protocol::Oauth2, Protocol::Oidc, Protocol::Oauth1]);
        round_trip(&[
            SessionStorage::Memory,
            SessionStorage::Tab,
            SessionStorage::Browser,
        ]);
        round_trip(&[RefreshTokenIn::Browser, RefreshTokenIn::Companion]);
        round_trip(&[DpopMode::Auto, DpopMode::Required, DpopMode::Off]);
        let err = serde_json::from_str::<SessionStorage>(r#""disk""#).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("unknown variant `disk`, expected one of `memory`, `tab`, `browser`"),
            "{err}"
        );
        assert!(serde_json::from_str::<Protocol>("1").is_err());
        assert!(serde_json::from_str::<Protocol>(r#"{"oidc":null}"#).is_err());
    }

    #[test]
    fn dpop_mode_defaults_to_auto_and_reads_lowercase() {
        #[derive(Deserialize)]
        struct Holder {
            #[serde(default)]
            dpop: DpopMode,
        }
        let h: Holder = serde_json::from_str("{}").unwrap();
        assert_eq!(h.dpop, DpopMode::Auto);
        for (text, mode) in [
            ("auto", DpopMode::Auto),
            ("required", DpopMode::Required),
            ("off", DpopMode::Off),
        ] {
            let h: Holder = serde_json::from_str(&format!(r#"{{"dpop":"{text}"}}"#)).unwrap();
            assert_eq!(h.dpop, mode);
            assert_eq!(serde_json::to_string(&mode).unwrap(), format!("\"{text}\""));
        }
        assert!(serde_json::from_str::<Holder>(r#"{"dpop":"Required"}"#).is_err());
        assert!(serde_json::from_str::<Holder>(r#"{"dpop":true}"#).is_err());
    }

    #[test]
    fn a_provider_id_must_be_url_safe_and_unique() {
        let file = |ids: &[&str]| {
            let providers: Vec<String> = ids
                .iter()
                .map(|id| format!(r#"{{"id":{id:?},"name":"N","protocol":"oauth2"}}"#))
                .collect();
            PublicConfig::from_json(
                format!(r#"{{"providers":[{}]}}"#, providers.join(",")).as_bytes(),
            )
        };
        assert!(file(&["dot", "git-hub_2", "A9"]).is_ok());
        assert_eq!(
            file(&["dot", "flask", "dot"]).unwrap_err().to_string(),
            "providers[2].id is \"dot\", which is also the id of providers[0]; each provider needs its own"
        );
        for bad in ["", "my idp", "a/../b", "x?y", "é", "a.b"] {
            assert_eq!(
                file(&["ok", bad]).unwrap_err(),
                PublicConfigError::BadId {
                    path: "providers[1].id".into(),
                    id: bad.into()
                },
                "{bad:?}"
            );
        }
        assert_eq!(
            file(&["a/b"]).unwrap_err().to_string(),
            "providers[0].id is \"a/b\"; an id may only have letters, digits, '-' and '_', as it goes into URLs and storage keys"
        );
    }

    #[test]
    fn unknown_keys_are_refused_so_a_secret_cannot_slip_in() {
        let err = PublicConfig::from_json(
            br#"{"providers":[{"id":"x","name":"X","protocol":"oauth2","client_secret":"s"}]}"#,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown field `client_secret` in providers[0]"
        );
    }
}
