//! The companion's two cookies per provider: the pending sign-in and the session.
//!
//! Both are sealed ([`crate::sealed_cookie`]), `HttpOnly` and `Path=/`; with an https
//! `public_url` they are also `Secure` and carry the `__Host-` prefix, which the browser only
//! accepts from a secure origin for the whole host, so a sibling subdomain cannot plant one.
//!
//! `SameSite` differs ([`CookieKind::same_site`]). The pending cookie is `Lax`: it must come
//! along on the provider's redirect to `/callback`, a cross-site top-level navigation. The
//! session cookie is `Strict`: it is only read by the app's own `fetch`es (`/session`, the
//! signing proxy, `/sign`, `/logout`), never on a navigation, so no request another site
//! starts carries it (another origin of the same site still can: the routes' own checks answer
//! that). It is set by that cross-site `/callback` navigation, which RFC 6265bis's storage
//! model allows for any `SameSite` (a top-level navigation may create a cookie it would not
//! have sent). After the callback's redirect, the app's page
//! reads `/session` with `fetch`: a subresource request's site for cookies is its top frame's
//! (the app's), not how that page was reached, so the `Strict` cookie goes along. Every
//! end-to-end OAuth 1.0a sign-in (`tests/tests/oauth1_flow.rs`) depends on that.

use std::sync::Arc;

use axum::http::{HeaderMap, HeaderValue};
use latchkey_proto::oauth1::{TemporaryCredentials, TokenCredentials};
use serde::{Deserialize, Serialize};

use super::cookie_payload::{self, Payload};
use super::Provider;
use crate::error::ApiError;
use crate::sealed_cookie::OpenError;
use crate::state::AppState;

/// How long a sign-in may take between `/login` and `/callback` (seconds).
pub const PENDING_TTL: u64 = 10 * 60;
/// How long a session lasts at most after its sign-in, however it is used (seconds). OAuth
/// 1.0a tokens usually do not expire and cannot be revoked, and sign-out cannot reach a copy of
/// the cookie (no replica keeps state): this bounds how long a copied cookie is useful
/// (docs/security.md, issue 19, finding 9).
pub const SESSION_TTL: u64 = 24 * 60 * 60;
/// How long a session lasts unused (seconds). Each use renews the cookie
/// (`renewal`), up to [`SESSION_TTL`] after the sign-in; a copy nobody uses dies after this.
pub const SESSION_IDLE_TTL: u64 = 2 * 60 * 60;
/// A used session cookie is sealed again once it is this old (seconds): often enough that the
/// idle limit barely moves, rarely enough that a busy client does not get a cookie per request.
pub const SESSION_RENEW_AFTER: u64 = 5 * 60;

/// Which cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CookieKind {
    /// The temporary credentials between `/login` and `/callback`.
    Pending,
    /// The token credentials and identity after `/callback`.
    Session,
}

impl CookieKind {
    /// The cookie's `SameSite` attribute (see the module docs for why they differ).
    pub fn same_site(self) -> &'static str {
        match self {
            Self::Pending => "Lax",
            Self::Session => "Strict",
        }
    }

    fn suffix(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Session => "session",
        }
    }

    /// The cookie's name for provider `id`.
    pub fn name(self, state: &AppState, id: &str) -> String {
        let prefix = if state.config().server.is_https() {
            "__Host-"
        } else {
            ""
        };
        // Pieces rather than `format!`: this runs on every signed request.
        let suffix = self.suffix();
        let mut name =
            String::with_capacity(prefix.len() + "latchkey-".len() + id.len() + 1 + suffix.len());
        for piece in [prefix, "latchkey-", id, "-", suffix] {
            name.push_str(piece);
        }
        name
    }
}

/// The pending sign-in, sealed in the `pending` cookie.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Pending {
    pub temporary: TemporaryCredentials,
    pub return_to: String,
    /// The page's handoff challenge, when the page is on another site
    /// ([`super::handoff`]).
    #[serde(default)]
    pub handoff: Option<String>,
}

/// The token credentials of a signed-in session.
pub(crate) type Session = TokenCredentials;

/// What the `session` cookie holds: the token credentials and when the sign-in happened.
pub struct SignedIn {
    /// The token credentials and the provider's other answer fields.
    pub credentials: TokenCredentials,
    /// When the sign-in happened (Unix seconds); `None` in a cookie sealed before sliding
    /// expiry, which is used until its own expiry and never renewed.
    pub signed_in_at: Option<u64>,
}

impl<'de> Deserialize<'de> for SignedIn {
    /// The JSON of the earliest releases: credentials only.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        TokenCredentials::deserialize(d).map(|credentials| SignedIn {
            credentials,
            signed_in_at: None,
        })
    }
}

/// An opened session cookie: what it holds and when it expires.
pub struct OpenSession {
    /// The sealed payload.
    pub signed_in: SignedIn,
    /// The expiry sealed in the cookie (Unix seconds, exclusive).
    pub expires_at: u64,
}

impl std::ops::Deref for OpenSession {
    type Target = Session;

    fn deref(&self) -> &Session {
        &self.signed_in.credentials
    }
}

/// When a session signed in at `signed_in_at` expires if sealed at `now`.
fn session_expiry(signed_in_at: u64, now: u64) -> u64 {
    now.saturating_add(SESSION_IDLE_TTL)
        .min(signed_in_at.saturating_add(SESSION_TTL))
}

pub(crate) use crate::routes::cookie_header::read;

/// Why a cookie could not be used.
#[derive(Debug)]
pub(crate) enum CookieError {
    Missing,
    Open(OpenError),
    Payload,
}

/// Opens and decodes cookie `kind` of provider `p`.
pub(crate) fn load<T: Payload>(
    state: &AppState,
    p: &Provider<'_>,
    headers: &HeaderMap,
    kind: CookieKind,
) -> Result<T, CookieError> {
    let name = kind.name(state, p.id);
    let value = read(headers, &name).ok_or(CookieError::Missing)?;
    let bytes = p
        .sealer
        .open(&name, p.id, state.clock().now(), value)
        .map_err(CookieError::Open)?;
    cookie_payload::decode(&bytes).ok_or(CookieError::Payload)
}

/// Opens the session of provider `p` — the `Latchkey-Session` header a page on another site
/// sends ([`super::handoff`]), else the session cookie — through the state's cache of opened
/// sessions ([`crate::session_cache`]): the `/sign` and proxy hot path. Both hold the same
/// sealed value, so both open the same way.
pub(crate) fn load_session(
    state: &AppState,
    p: &Provider<'_>,
    headers: &HeaderMap,
) -> Result<Arc<OpenSession>, CookieError> {
    let name = CookieKind::Session.name(state, p.id);
    let value = match headers.get(super::handoff::SESSION_HEADER) {
        Some(v) => v.to_str().map_err(|_| CookieError::Payload)?,
        None => read(headers, &name).ok_or(CookieError::Missing)?,
    };
    let now = state.clock().now();
    let cache = state.session_cache();
    if let Some(session) = cache.get(p.id, value, now) {
        return Ok(session);
    }
    let opened = p
        .sealer
        .open_with_expiry(&name, p.id, now, value)
        .map_err(CookieError::Open)?;
    let signed_in: SignedIn =
        cookie_payload::decode(&opened.payload).ok_or(CookieError::Payload)?;
    let session = Arc::new(OpenSession {
        signed_in,
        expires_at: opened.expires_at,
    });
    cache.insert(p.id, value, now, opened.expires_at, session.clone());
    Ok(session)
}

/// A `Set-Cookie` value for a new session, signed in now.
pub(crate) fn set_session(
    state: &AppState,
    p: &Provider<'_>,
    credentials: TokenCredentials,
) -> Result<HeaderValue, ApiError> {
    let now = state.clock().now();
    seal_session(
        state,
        p,
        &SignedIn {
            credentials,
            signed_in_at: Some(now),
        },
        session_expiry(now, now),
    )
}

/// The session cookie sealed again with a later expiry, when `open` was sealed at least
/// [`SESSION_RENEW_AFTER`] ago and its sign-in is not yet [`SESSION_TTL`] old; `None` when
/// nothing would change (or for a cookie of an earlier release, which has no sign-in time).
pub(crate) fn renewal(
    state: &AppState,
    p: &Provider<'_>,
    open: &OpenSession,
) -> Option<HeaderValue> {
    let signed_in_at = open.signed_in.signed_in_at?;
    let now = state.clock().now();
    let sealed_at = open.expires_at.saturating_sub(SESSION_IDLE_TTL);
    let expires_at = session_expiry(signed_in_at, now);
    if now < sealed_at.saturating_add(SESSION_RENEW_AFTER) || expires_at <= open.expires_at {
        return None;
    }
    match seal_session(state, p, &open.signed_in, expires_at) {
        Ok(v) => Some(v),
        Err(e) => {
            // The old cookie still works until its own expiry: not worth failing the request.
            tracing::warn!(provider = p.id, error = %e, "session cookie not renewed");
            None
        }
    }
}

/// `payload` sealed as cookie `kind` of provider `p`, valid until `expires_at`: the value a
/// `Set-Cookie` carries, or a page on another site keeps.
fn seal<T: Payload>(
    state: &AppState,
    p: &Provider<'_>,
    kind: CookieKind,
    payload: &T,
    expires_at: u64,
) -> Result<String, ApiError> {
    p.sealer
        .seal(
            state.random(),
            &kind.name(state, p.id),
            p.id,
            expires_at,
            &cookie_payload::encode(payload),
        )
        .map_err(ApiError::Internal)
}

fn seal_session(
    state: &AppState,
    p: &Provider<'_>,
    signed_in: &SignedIn,
    expires_at: u64,
) -> Result<HeaderValue, ApiError> {
    let kind = CookieKind::Session;
    let sealed = seal(state, p, kind, signed_in, expires_at)?;
    let max_age = expires_at.saturating_sub(state.clock().now());
    header_value(state, kind, &kind.name(state, p.id), &sealed, max_age)
}

/// A session for a page on another site (super::handoff), signed in now, as the bare sealed
/// value it sends in the `Latchkey-Session` header. Such a page cannot be handed a renewed
/// value the way a cookie is (`Set-Cookie` on any answer), so it is sealed for the whole
/// [`SESSION_TTL`] after sign-in at once: the cookie's longest life, without the idle limit.
pub(crate) fn seal_handed_session(
    state: &AppState,
    p: &Provider<'_>,
    credentials: TokenCredentials,
) -> Result<String, ApiError> {
    let now = state.clock().now();
    let signed_in = SignedIn {
        credentials,
        signed_in_at: Some(now),
    };
    seal(
        state,
        p,
        CookieKind::Session,
        &signed_in,
        now.saturating_add(SESSION_TTL),
    )
}

/// A `Set-Cookie` value sealing `payload` as cookie `kind` of provider `p`.
pub(crate) fn set<T: Payload>(
    state: &AppState,
    p: &Provider<'_>,
    kind: CookieKind,
    payload: &T,
) -> Result<HeaderValue, ApiError> {
    let ttl = match kind {
        CookieKind::Pending => PENDING_TTL,
        CookieKind::Session => SESSION_IDLE_TTL,
    };
    let sealed = seal(state, p, kind, payload, state.clock().now() + ttl)?;
    header_value(state, kind, &kind.name(state, p.id), &sealed, ttl)
}

/// A `Set-Cookie` value deleting cookie `kind` of provider `p`.
pub(crate) fn clear(
    state: &AppState,
    p: &Provider<'_>,
    kind: CookieKind,
) -> Result<HeaderValue, ApiError> {
    header_value(state, kind, &kind.name(state, p.id), "", 0)
}

fn header_value(
    state: &AppState,
    kind: CookieKind,
    name: &str,
    value: &str,
    max_age: u64,
) -> Result<HeaderValue, ApiError> {
    let secure = if state.config().server.is_https() {
        "; Secure"
    } else {
        ""
    };
    let same_site = kind.same_site();
    HeaderValue::from_str(&format!(
        "{name}={value}; Max-Age={max_age}; Path=/; HttpOnly; SameSite={same_site}{secure}"
    ))
    .map_err(|e| ApiError::Internal(format!("cookie header: {e}")))
}
