//! `GET /oauth1/{id}/session` and `POST /oauth1/{id}/logout`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::cookies::{self, CookieError, CookieKind, OpenSession};
use super::{check_origin, provider, Provider, ProviderId};
use crate::error::ApiError;
use crate::state::AppState;

/// The signed-in session, or `None` when there is none usable (missing, expired, sealed with
/// a retired key, tampered): the app then simply shows "signed out".
pub(crate) fn current(
    state: &AppState,
    p: &Provider<'_>,
    headers: &HeaderMap,
) -> Option<Arc<OpenSession>> {
    match cookies::load_session(state, p, headers) {
        Ok(s) => Some(s),
        Err(CookieError::Missing) => None,
        Err(e) => {
            tracing::info!(provider = p.id, reason = ?e, "session cookie not accepted");
            None
        }
    }
}

/// The session or a 401 telling the app to sign in.
pub(crate) fn require(
    state: &AppState,
    p: &Provider<'_>,
    headers: &HeaderMap,
) -> Result<Arc<OpenSession>, ApiError> {
    current(state, p, headers).ok_or_else(|| {
        ApiError::Unauthorized(
            format!(
                "not signed in to {}: sign in at /oauth1/{}/login",
                p.id, p.id
            )
            .into(),
        )
    })
}

fn no_store(mut resp: Response) -> Response {
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// The access-token answer's fields a page may see: who signed in, nothing else. An
/// answer can carry more (`oauth_session_handle`, `oauth_expires_in`, `x_auth_expires`,
/// provider-specific grants), and some of it is as good as a credential (issue 19, finding 8).
const IDENTITY_FIELDS: [&str; 6] = ["user_id", "id", "screen_name", "name", "username", "email"];

/// `{"signed_in": false}` or `{"signed_in": true, <identity fields>}`: only the
/// `IDENTITY_FIELDS` the provider returned with the token. Never the token or secret.
pub async fn session(
    State(state): State<AppState>,
    ProviderId(id): ProviderId,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let p = provider(&state, &id)?;
    let mut body = Map::new();
    let mut renewed = None;
    match current(&state, &p, &headers) {
        Some(s) => {
            renewed = cookies::renewal(&state, &p, &s);
            body.insert("signed_in".into(), Value::Bool(true));
            for (k, v) in &s.extra {
                if IDENTITY_FIELDS.contains(&k.as_str()) {
                    body.insert(k.clone(), Value::String(v.clone()));
                }
            }
        }
        None => {
            body.insert("signed_in".into(), Value::Bool(false));
        }
    }
    let mut resp = axum::Json(Value::Object(body)).into_response();
    if let Some(c) = renewed {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(no_store(resp))
}

/// Drops the session cookie. The provider keeps the token: RFC 5849 defines no revocation, and
/// no replica keeps state, so a copy of the cookie taken before works until it expires: unused
/// for [`SESSION_IDLE_TTL`](super::SESSION_IDLE_TTL), and at most
/// [`SESSION_TTL`](super::SESSION_TTL) after the sign-in (docs/security.md).
pub async fn logout(
    State(state): State<AppState>,
    ProviderId(id): ProviderId,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let p = provider(&state, &id)?;
    check_origin(&state, &headers)?;
    let clear = cookies::clear(&state, &p, CookieKind::Session)?;
    tracing::info!(provider = p.id, "signed out");
    let mut resp = (
        StatusCode::OK,
        axum::Json(serde_json::json!({ "signed_in": false })),
    )
        .into_response();
    resp.headers_mut().append(header::SET_COOKIE, clear);
    Ok(no_store(resp))
}
