//! The signed-in session: tokens in memory, the refresh token where the provider's
//! `session_storage` says, and what the UI may see of it.

use latchkey_proto::public_config::{Protocol, SessionStorage};
use latchkey_proto::secret::{AccessToken, Nonce, RefreshToken};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::storage_mode::{self, plan};
use super::{profile, AuthFailure, SessionView};
use crate::browser::storage;

/// One session. Not `Debug`: it holds tokens.
#[derive(Clone, Serialize, Deserialize)]
pub struct Session {
    /// The provider's id.
    pub provider_id: String,
    /// The provider's name, as shown.
    pub provider_name: String,
    /// How it was obtained.
    pub protocol: Protocol,
    /// Where the refresh token lives.
    pub storage: SessionStorage,
    /// The access token (`None` for OAuth 1.0a: the companion holds those credentials).
    pub access_token: Option<AccessToken>,
    /// The last ID token (compact JWS), kept for `id_token_hint` at logout.
    pub id_token: Option<String>,
    /// The refresh token, if issued and held by the browser.
    pub refresh_token: Option<RefreshToken>,
    /// The companion keeps this session's refresh token in its HttpOnly cookie
    /// (`refresh_token_in = "companion"`): the session renews itself without holding one.
    #[serde(default)]
    pub refresh_in_companion: bool,
    /// The sign-in's nonce: a refreshed ID token that carries one must carry this one
    /// (OIDC Core §12.2).
    pub nonce: Option<Nonce>,
    /// When the tokens were received (ms since the epoch).
    pub issued_at_ms: u64,
    /// When the access token expires (ms since the epoch), if known.
    pub expires_at_ms: Option<u64>,
    /// Scopes granted.
    pub scopes: Vec<String>,
    /// The verified ID token's claims.
    pub id_claims: Option<Map<String, Value>>,
    /// Userinfo (OIDC) or the companion's identity fields (OAuth 1.0a).
    pub userinfo: Option<Map<String, Value>>,
    /// What the signed-in user should know went wrong (not shared with other tabs).
    #[serde(skip)]
    pub problem: Option<AuthFailure>,
}

/// The stored part of a session: only the refresh token (or the note that the companion
/// holds it) and whose it is.
#[derive(Serialize, Deserialize)]
struct Stored {
    provider_id: String,
    #[serde(default)]
    refresh_token: Option<RefreshToken>,
    #[serde(default)]
    refresh_in_companion: bool,
    /// The ID token's `sub` (not a secret): a restored session checks userinfo and a
    /// refreshed ID token against it.
    #[serde(default)]
    sub: Option<String>,
    /// The sign-in's nonce, for refreshed ID tokens that repeat it.
    #[serde(default)]
    nonce: Option<Nonce>,
}

/// What a reload finds in storage.
pub struct StoredSession {
    /// The refresh token; `None` when the companion holds it.
    pub refresh_token: Option<RefreshToken>,
    /// The `sub` of the session it belongs to, if known.
    pub sub: Option<String>,
    /// The sign-in's nonce, if known.
    pub nonce: Option<Nonce>,
}

/// A message between tabs sharing `browser` storage.
#[derive(Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Broadcast {
    /// New tokens (after sign-in or a refresh): adopt them.
    Tokens(Box<Session>),
    /// Signed out in another tab: drop the session.
    SignedOut {
        /// Whose session ended.
        provider_id: String,
    },
}

impl Session {
    /// What the UI may see.
    pub fn view(&self) -> SessionView {
        let p = match self.protocol {
            Protocol::Oauth1 => self
                .userinfo
                .as_ref()
                .map(profile::from_oauth1)
                .unwrap_or_default(),
            _ => profile::from_oidc(self.id_claims.as_ref(), self.userinfo.as_ref()),
        };
        SessionView {
            provider_id: self.provider_id.clone(),
            provider_name: self.provider_name.clone(),
            protocol: self.protocol,
            display_name: if p.display_name.is_empty() {
                "you".into()
            } else {
                p.display_name
            },
            email: p.email,
            picture: p.picture,
            sub: p.sub,
            scopes: self.scopes.clone(),
            access_expires_at: self.expires_at_ms,
            storage: self.storage,
            can_refresh: self.can_refresh(),
            refresh_in_companion: self.refresh_in_companion && self.refresh_token.is_none(),
            id_token_claims: self
                .id_claims
                .as_ref()
                .map(profile::claim_pairs)
                .unwrap_or_default(),
            userinfo_claims: self
                .userinfo
                .as_ref()
                .map(profile::claim_pairs)
                .unwrap_or_default(),
            problem: self.problem.clone().map(Box::new),
        }
    }

    /// Whether the session can renew itself.
    pub fn can_refresh(&self) -> bool {
        self.refresh_token.is_some() || self.refresh_in_companion
    }

    /// Writes the refresh token where `mode` says (or removes a stale one).
    pub fn persist(&self, mode: SessionStorage) -> Result<(), crate::browser::BrowserError> {
        let Some(area) = plan(mode).area else {
            return Ok(());
        };
        let key = storage_mode::session_key(&self.provider_id);
        if !self.can_refresh() {
            return storage::remove(area, &key);
        }
        let record = Stored {
            provider_id: self.provider_id.clone(),
            refresh_token: self.refresh_token.clone(),
            refresh_in_companion: self.refresh_in_companion && self.refresh_token.is_none(),
            sub: self.sub(),
            nonce: self.nonce.clone(),
        };
        let text = serde_json::to_string(&record)
            .map_err(|e| crate::browser::BrowserError(format!("session record: {e}")))?;
        storage::set(area, &key, &text)
    }

    /// Removes a provider's stored session.
    pub fn forget(provider_id: &str, mode: SessionStorage) {
        if let Some(area) = plan(mode).area {
            let _ = storage::remove(area, &storage_mode::session_key(provider_id));
        }
    }

    /// The refresh token stored for a provider, if any (a record for another provider or
    /// an unreadable one counts as none).
    pub fn stored(provider_id: &str, mode: SessionStorage) -> Option<StoredSession> {
        let area = plan(mode).area?;
        let text = storage::get(area, &storage_mode::session_key(provider_id)).ok()??;
        let record: Stored = serde_json::from_str(&text).ok()?;
        let renewable = record.refresh_token.is_some() || record.refresh_in_companion;
        (record.provider_id == provider_id && renewable).then_some(StoredSession {
            refresh_token: record.refresh_token,
            sub: record.sub,
            nonce: record.nonce,
        })
    }

    /// The subject: the verified ID token's `sub`, else userinfo's.
    pub fn sub(&self) -> Option<String> {
        [self.id_claims.as_ref(), self.userinfo.as_ref()]
            .into_iter()
            .flatten()
            .find_map(|m| m.get("sub").and_then(Value::as_str))
            .map(str::to_owned)
    }
}
