//! The refresh-token cookie of a provider with `refresh_token_in = "companion"`.
//!
//! `latchkey_rt_{id}`, sealed ([`crate::sealed_cookie`]: AES-256-GCM bound to the cookie's
//! name and the provider id, key rotation through the previous keys), `HttpOnly` (the page's
//! scripts never see the token), `SameSite=Strict` (only the app's own page sends it; the
//! routes are `fetch` calls, never navigations from elsewhere).
//!
//! Path: on plain http (loopback development) `Path=/oauth2/{id}/`, so the cookie travels
//! only to the three mediation routes. On https the name carries the `__Host-` prefix and
//! `Secure`; browsers accept a `__Host-` cookie only with `Path=/` (RFC 6265bis §4.1.3.2), and
//! the prefix is worth more than the narrower path: it stops a sibling subdomain from
//! planting its own sealed cookie (a sign-in under someone else's account).

use axum::http::{HeaderMap, HeaderValue};
use latchkey_proto::secret::RefreshToken;

use super::Mediated;
use crate::error::ApiError;
use crate::routes::cookie_header::read as read_cookie;
use crate::sealed_cookie::OpenError;
use crate::state::AppState;

/// How long the companion keeps a refresh token (seconds). Providers rarely say how long a
/// refresh token lives; this bounds how long a copied cookie is useful.
pub const REFRESH_COOKIE_TTL: u64 = 30 * 24 * 60 * 60;

/// The cookie's name for provider `id`.
pub fn name(state: &AppState, id: &str) -> String {
    if state.config().server.is_https() {
        format!("__Host-latchkey_rt_{id}")
    } else {
        format!("latchkey_rt_{id}")
    }
}

/// Why there is no usable refresh token in the request.
#[derive(Debug)]
pub(crate) enum Unusable {
    /// No cookie at all.
    Missing,
    /// Present but not ours, modified, sealed with a retired key, or expired.
    Refused(OpenError),
}

/// The refresh token in the request's cookie.
pub(crate) fn load(
    state: &AppState,
    p: &Mediated<'_>,
    headers: &HeaderMap,
) -> Result<RefreshToken, Unusable> {
    let name = name(state, p.id);
    let value = read_cookie(headers, &name).ok_or(Unusable::Missing)?;
    let sealer = p.sealer.ok_or(Unusable::Refused(OpenError::UnknownKey))?;
    let bytes = sealer
        .open(&name, p.id, state.clock().now(), value)
        .map_err(Unusable::Refused)?;
    String::from_utf8(bytes)
        .map(RefreshToken::new)
        .map_err(|_| Unusable::Refused(OpenError::Malformed))
}

/// A `Set-Cookie` value holding `token`.
pub(crate) fn set(
    state: &AppState,
    p: &Mediated<'_>,
    token: &RefreshToken,
) -> Result<HeaderValue, ApiError> {
    let sealer = p
        .sealer
        .ok_or_else(|| ApiError::Internal("no cookie key loaded".to_owned()))?;
    let name = name(state, p.id);
    let sealed = sealer
        .seal(
            state.random(),
            &name,
            p.id,
            state.clock().now() + REFRESH_COOKIE_TTL,
            token.secret().as_bytes(),
        )
        .map_err(ApiError::Internal)?;
    header_value(state, p.id, &name, &sealed, REFRESH_COOKIE_TTL)
}

/// A `Set-Cookie` value deleting the cookie.
pub(crate) fn clear(state: &AppState, p: &Mediated<'_>) -> Result<HeaderValue, ApiError> {
    header_value(state, p.id, &name(state, p.id), "", 0)
}

fn header_value(
    state: &AppState,
    id: &str,
    name: &str,
    value: &str,
    max_age: u64,
) -> Result<HeaderValue, ApiError> {
    let (path, secure) = if state.config().server.is_https() {
        ("/".to_owned(), "; Secure")
    } else {
        (format!("/oauth2/{id}/"), "")
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; Max-Age={max_age}; Path={path}; HttpOnly; SameSite=Strict{secure}"
    ))
    .map_err(|e| ApiError::Internal(format!("cookie header: {e}")))
}
