//! The signed-in session: tokens in memory, the refresh token where the provider's
//! `session_storage` says, and what the UI may see of it.

use latchkey_proto::public_config::{Protocol, SessionStorage};
use latchkey_proto::secret::{AccessToken, Nonce, RefreshToken};
use serde_json::{Map, Value};

use super::storage_mode::{self, plan};
use super::{profile, schedule, AuthFailure, SessionView};
use crate::browser::storage;
use crate::companion::SealedSession;

mod json;

/// One session. Not `Debug`: it holds tokens. Its JSON form is in [`json`].
#[derive(Clone)]
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
    pub refresh_in_companion: bool,
    /// An OAuth 1.0a session sealed by a companion on another site, which this page sends
    /// in a header instead of the cookie the browser would withhold ([`crate::companion`]).
    pub companion_session: Option<SealedSession>,
    /// The sign-in's nonce: a refreshed ID token that carries one must carry this one
    /// (OIDC Core §12.2).
    pub nonce: Option<Nonce>,
    /// The id of the DPoP key the tokens are bound to ([`crate::dpop`]), when the provider
    /// bound them (`token_type` `DPoP`): every use of them needs a proof signed with it.
    pub dpop_key: Option<String>,
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
    /// What the signed-in user should know went wrong (not stored, not shared with other
    /// tabs).
    pub problem: Option<AuthFailure>,
}

/// The stored part of a session: the refresh token (or the note that the companion holds
/// it), whose it is, and the live session while its access token lasts.
struct Stored {
    provider_id: String,
    refresh_token: Option<RefreshToken>,
    refresh_in_companion: bool,
    /// The ID token's `sub` (not a secret): a restored session checks userinfo and a
    /// refreshed ID token against it.
    sub: Option<String>,
    /// The sign-in's nonce, for refreshed ID tokens that repeat it.
    nonce: Option<Nonce>,
    /// The DPoP key the tokens are bound to (its id; the key is in IndexedDB).
    dpop_key: Option<String>,
    /// The session with its access token (its refresh token is the one above, not a second
    /// copy), so that a full page load needs no renewal while the access token lasts, also
    /// with a provider that issues no refresh token. Kept under the same `session_storage`
    /// as the refresh token, which can mint access tokens anyway.
    live: Option<Box<Session>>,
}

/// What a reload finds in storage.
pub struct StoredSession {
    /// The stored session with its access token, when one was kept.
    pub live: Option<Session>,
    /// The refresh token; `None` when the companion holds it.
    pub refresh_token: Option<RefreshToken>,
    /// The `sub` of the session it belongs to, if known.
    pub sub: Option<String>,
    /// The sign-in's nonce, if known.
    pub nonce: Option<Nonce>,
    /// The DPoP key the tokens are bound to, if they are.
    pub dpop_key: Option<String>,
    /// The companion holds the refresh token (in its HttpOnly cookie).
    pub refresh_in_companion: bool,
}

impl StoredSession {
    /// Whether something can renew the session: a refresh token here or at the companion.
    pub fn renewable(&self) -> bool {
        self.refresh_token.is_some() || self.refresh_in_companion
    }
}

/// A message between tabs sharing `browser` storage ([`Broadcast::to_json`]).
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
        let live = (self.access_token.is_some() || self.companion_session.is_some()).then(|| {
            let mut live = self.clone();
            live.refresh_token = None;
            live.problem = None;
            Box::new(live)
        });
        if !self.can_refresh() && live.is_none() {
            return storage::remove(area, &key);
        }
        let record = Stored {
            provider_id: self.provider_id.clone(),
            refresh_token: self.refresh_token.clone(),
            refresh_in_companion: self.refresh_in_companion && self.refresh_token.is_none(),
            sub: self.sub(),
            nonce: self.nonce.clone(),
            dpop_key: self.dpop_key.clone(),
            live,
        };
        storage::set(area, &key, &record.to_json())
    }

    /// Puts `token` in place of the stored refresh token of `provider_id` (keeping the rest
    /// of the record). Nothing happens where nothing is stored.
    pub fn replace_refresh_token(
        provider_id: &str,
        mode: SessionStorage,
        token: &RefreshToken,
    ) -> Result<(), crate::browser::BrowserError> {
        let Some(area) = plan(mode).area else {
            return Ok(());
        };
        let key = storage_mode::session_key(provider_id);
        let Some(text) = storage::get(area, &key)? else {
            return Ok(());
        };
        let Some(mut record) = Stored::from_json(&text) else {
            return Ok(());
        };
        if record.provider_id != provider_id {
            return Ok(());
        }
        record.refresh_token = Some(token.clone());
        record.refresh_in_companion = false;
        storage::set(area, &key, &record.to_json())
    }

    /// Drops the refresh token of `provider_id`'s stored session, keeping its live access
    /// token (if any) until it expires.
    pub fn drop_refresh_token(provider_id: &str, mode: SessionStorage) {
        let Some(area) = plan(mode).area else {
            return;
        };
        let key = storage_mode::session_key(provider_id);
        let record = storage::get(area, &key)
            .ok()
            .flatten()
            .and_then(|text| Stored::from_json(&text))
            .filter(|r| r.provider_id == provider_id);
        let Some(mut record) = record else {
            return;
        };
        record.refresh_token = None;
        record.refresh_in_companion = false;
        let kept = record.live.is_some().then(|| record.to_json());
        let _ = match kept {
            Some(text) => storage::set(area, &key, &text),
            None => storage::remove(area, &key),
        };
    }

    /// Removes a provider's stored session.
    pub fn forget(provider_id: &str, mode: SessionStorage) {
        if let Some(area) = plan(mode).area {
            let _ = storage::remove(area, &storage_mode::session_key(provider_id));
        }
    }

    /// The session stored for a provider, if any: a refresh token, a live access token, or
    /// both (a record for another provider or an unreadable one counts as none).
    pub fn stored(provider_id: &str, mode: SessionStorage) -> Option<StoredSession> {
        let area = plan(mode).area?;
        let text = storage::get(area, &storage_mode::session_key(provider_id)).ok()??;
        let record = Stored::from_json(&text)?;
        let live = record
            .live
            .filter(|l| {
                l.provider_id == provider_id
                    && (l.access_token.is_some() || l.companion_session.is_some())
            })
            .map(|l| {
                let mut live = *l;
                live.refresh_token = record.refresh_token.clone();
                live.refresh_in_companion = record.refresh_in_companion;
                live
            });
        let stored = StoredSession {
            live,
            refresh_token: record.refresh_token,
            sub: record.sub,
            nonce: record.nonce,
            dpop_key: record.dpop_key,
            refresh_in_companion: record.refresh_in_companion,
        };
        (record.provider_id == provider_id && (stored.renewable() || stored.live.is_some()))
            .then_some(stored)
    }

    /// Whether a stored session's access token may still be used on a page load: until
    /// expiry when nothing can renew it; when something can, only until the refresh would be
    /// due ([`schedule::refresh_delay_ms`]), so the renewal runs as on a timer. A token of
    /// unknown lifetime is used until the API refuses it.
    pub fn is_usable(&self, now_ms: u64) -> bool {
        match self.expires_at_ms {
            None => true,
            Some(expires) if !self.can_refresh() => now_ms < expires,
            Some(expires) => schedule::refresh_delay_ms(now_ms, self.issued_at_ms, Some(expires))
                .is_some_and(|delay| delay > 0),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn live(refresh: bool, issued: u64, expires: Option<u64>) -> Session {
        Session {
            provider_id: "p".into(),
            provider_name: "P".into(),
            protocol: Protocol::Oidc,
            storage: SessionStorage::Tab,
            access_token: Some(AccessToken::new("at")),
            id_token: None,
            refresh_token: refresh.then(|| RefreshToken::new("rt")),
            refresh_in_companion: false,
            companion_session: None,
            nonce: None,
            dpop_key: None,
            issued_at_ms: issued,
            expires_at_ms: expires,
            scopes: vec![],
            id_claims: None,
            userinfo: None,
            problem: None,
        }
    }

    #[test]
    fn a_stored_access_token_is_used_until_expiry_when_nothing_can_renew_it() {
        let s = live(false, 0, Some(3_600_000));
        assert!(s.is_usable(3_599_999));
        assert!(!s.is_usable(3_600_000));
        assert!(live(false, 0, None).is_usable(u64::MAX), "unknown lifetime");
    }

    #[test]
    fn a_renewable_one_only_until_its_renewal_is_due() {
        // An hour-long token is renewed a minute before it expires (schedule.rs).
        let s = live(true, 0, Some(3_600_000));
        assert!(s.is_usable(3_539_999));
        assert!(!s.is_usable(3_540_000));
    }
}
