//! The sign-in in progress that [`super::begin`] returns: what the app keeps across the
//! redirect to the provider, and its stored form.

use super::PENDING_FLOW_MAX_AGE_SECS;
use crate::json;
use crate::pkce::Verifier;
use crate::secret::{Nonce, State};

/// A sign-in in progress, kept by the app across the redirect to the provider.
///
/// It holds secrets (`state`, `nonce`, the PKCE verifier) and is nevertheless serialisable:
/// the browser must survive a full page navigation between the authorization request and the
/// callback, and `sessionStorage` (per tab, per origin, cleared when the tab closes) is the
/// only place that does so without sending anything to a server. Serialise it for that
/// storage and nothing else ([`PendingFlow::to_json`]); delete the entry as soon as the callback
/// is handled.
#[derive(Debug)]
pub struct PendingFlow {
    /// Which configured provider this flow is for.
    pub provider_id: String,
    /// The `state` sent; the storage key.
    pub state: State,
    /// The `nonce` sent.
    pub nonce: Nonce,
    /// The PKCE verifier, consumed by the token request.
    pub verifier: Verifier,
    /// The `redirect_uri` sent; the token request must repeat it (RFC 6749 §4.1.3).
    pub redirect_uri: String,
    /// The same-origin path to return to after sign-in.
    pub return_to: String,
    /// The issuer expected in the callback's `iss` (RFC 9207) and the ID token's `iss`.
    pub issuer: Option<String>,
    /// When the flow began (seconds since the Unix epoch).
    pub created_at: u64,
    /// The caller's name for the DPoP key (RFC 9449) this sign-in's tokens are to be bound
    /// to, when it uses one: the token request must be signed with the key the pushed request
    /// was. The protocol core never reads it.
    pub dpop_key: Option<String>,
    /// The `max_age` sent (OIDC Core §3.1.2.1): the ID token must then carry an `auth_time`
    /// no older than this many seconds ([`crate::oidc::IdTokenChecks::max_age`]).
    pub max_age: Option<u64>,
    /// True when the request's `prompt` included `login`: the provider was asked for a fresh
    /// sign-in, so a stale `auth_time` is not worth asking again.
    pub login_asked: bool,
    /// The `login_hint` sent (OIDC Core §3.1.2.1), so that a sign-in asked for again (a stale
    /// `auth_time`) names the same account.
    pub login_hint: Option<String>,
}

impl PendingFlow {
    /// The flow as JSON text, for `sessionStorage` only: it holds the secrets.
    pub fn to_json(&self) -> String {
        let mut m = json::Object::new();
        m.insert("provider_id".into(), self.provider_id.clone().into());
        m.insert("state".into(), self.state.secret().into());
        m.insert("nonce".into(), self.nonce.secret().into());
        m.insert("verifier".into(), self.verifier.secret().into());
        m.insert("redirect_uri".into(), self.redirect_uri.clone().into());
        m.insert("return_to".into(), self.return_to.clone().into());
        m.insert("issuer".into(), self.issuer.clone().into());
        m.insert("created_at".into(), self.created_at.into());
        if let Some(key) = &self.dpop_key {
            m.insert("dpop_key".into(), key.clone().into());
        }
        if let Some(max_age) = self.max_age {
            m.insert("max_age".into(), max_age.into());
        }
        if self.login_asked {
            m.insert("login_asked".into(), true.into());
        }
        if let Some(hint) = &self.login_hint {
            m.insert("login_hint".into(), hint.clone().into());
        }
        serde_json::Value::Object(m).to_string()
    }

    /// Reads back what [`PendingFlow::to_json`] wrote; `None` for anything else (a broken or
    /// foreign entry, or a verifier that is not one).
    pub fn from_json(text: &[u8]) -> Option<PendingFlow> {
        let m = json::object(text)?;
        let text = |field| json::req_str(&m, field).ok();
        Some(PendingFlow {
            provider_id: text("provider_id")?,
            state: State::new(text("state")?),
            nonce: Nonce::new(text("nonce")?),
            verifier: Verifier::parse(text("verifier")?).ok()?,
            redirect_uri: text("redirect_uri")?,
            return_to: text("return_to")?,
            issuer: json::opt_str(&m, "issuer").ok()?,
            created_at: json::opt_u64(&m, "created_at").ok()??,
            dpop_key: json::opt_str(&m, "dpop_key").ok()?,
            max_age: json::opt_u64(&m, "max_age").ok()?,
            login_asked: json::opt_bool(&m, "login_asked").ok()?,
            login_hint: json::opt_str(&m, "login_hint").ok()?,
        })
    }

    /// True once the flow is older than [`PENDING_FLOW_MAX_AGE_SECS`] (or dated in the future,
    /// which means the clock or the storage is not to be trusted).
    pub fn is_expired(&self, now: u64) -> bool {
        now < self.created_at || now - self.created_at > PENDING_FLOW_MAX_AGE_SECS
    }
}
