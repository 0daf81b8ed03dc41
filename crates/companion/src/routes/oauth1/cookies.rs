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
/// How long a session lasts (seconds). OAuth 1.0a tokens usually do not expire; this bounds
/// how long a stolen cookie is useful.
pub const SESSION_TTL: u64 = 7 * 24 * 60 * 60;

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

/// The session, sealed in the `session` cookie.
pub(crate) type Session = TokenCredentials;

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
) -> Result<Arc<Session>, CookieError> {
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
    let session: Arc<Session> =
        Arc::new(cookie_payload::decode(&opened.payload).ok_or(CookieError::Payload)?);
    cache.insert(p.id, value, now, opened.expires_at, session.clone());
    Ok(session)
}

fn ttl(kind: CookieKind) -> u64 {
    match kind {
        CookieKind::Pending => PENDING_TTL,
        CookieKind::Session => SESSION_TTL,
    }
}

/// `payload` sealed as the value of cookie `kind` of provider `p`.
pub(crate) fn seal_value<T: Payload>(
    state: &AppState,
    p: &Provider<'_>,
    kind: CookieKind,
    payload: &T,
) -> Result<String, ApiError> {
    p.sealer
        .seal(
            state.random(),
            &kind.name(state, p.id),
            p.id,
            state.clock().now() + ttl(kind),
            &cookie_payload::encode(payload),
        )
        .map_err(ApiError::Internal)
}

/// A `Set-Cookie` value sealing `payload` as cookie `kind` of provider `p`.
pub(crate) fn set<T: Payload>(
    state: &AppState,
    p: &Provider<'_>,
    kind: CookieKind,
    payload: &T,
) -> Result<HeaderValue, ApiError> {
    let sealed = seal_value(state, p, kind, payload)?;
    header_value(state, kind, &kind.name(state, p.id), &sealed, ttl(kind))
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
