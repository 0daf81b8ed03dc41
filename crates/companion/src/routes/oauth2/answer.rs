//! What the app gets back: the normalised RFC 6749 §5.1 success, the provider's §5.2 error as
//! a 400, the provider's answer to a push (RFC 9126 §2.2, §2.3), or the companion's own
//! `{error, message}` ([`ApiError`]) for everything else.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use latchkey_proto::par::PushedRequest;
use latchkey_proto::token::{ErrorResponse, TokenError, TokenSet, TokenType};
use serde_json::{Map, Value};

use crate::error::ApiError;

/// RFC 6749 §5.1: token answers must not be cached.
fn no_store(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    resp
}

/// 200 with `access_token`, `token_type`, `expires_in`, `refresh_token`, `scope` and
/// `id_token` as present. With `refresh_in_companion` the refresh token is left out (the
/// caller keeps it in the cookie) and `"refresh_token_in":"companion"` says so.
pub(crate) fn tokens(set: &TokenSet, refresh_in_companion: bool) -> Response {
    let mut body = Map::new();
    body.insert("access_token".into(), set.access_token.secret().into());
    // `Bearer`, or `DPoP` when the provider bound the token to the browser's proof key
    // (RFC 9449 §5): the browser must then present it with proofs.
    let token_type = match set.token_type {
        TokenType::Bearer => "Bearer",
        TokenType::DPoP => "DPoP",
        // The parser accepts only the types the route asked for; a new one needs a new arm.
        other => {
            return ApiError::Internal(format!("token type {other:?} not written")).into_response()
        }
    };
    body.insert("token_type".into(), token_type.into());
    if let Some(e) = set.expires_in {
        body.insert("expires_in".into(), e.into());
    }
    if refresh_in_companion {
        body.insert("refresh_token_in".into(), "companion".into());
    } else if let Some(r) = &set.refresh_token {
        body.insert("refresh_token".into(), r.secret().into());
    }
    if let Some(s) = &set.scope {
        body.insert("scope".into(), s.join(" ").into());
    }
    if let Some(t) = &set.id_token {
        body.insert("id_token".into(), t.as_str().into());
    }
    no_store((StatusCode::OK, axum::Json(Value::Object(body))).into_response())
}

/// The provider's own error (RFC 6749 §5.2), as a 400 whatever status it came with (GitHub
/// sends 200), so the app's token parser reports it in the provider's words.
pub(crate) fn provider_error(e: &ErrorResponse) -> Response {
    error_with_status(e, StatusCode::BAD_REQUEST)
}

/// The provider's refusal of a pushed request (RFC 9126 §2.3), with its own status when that is
/// a 4xx (400, `invalid_client`'s 401, 405, 413, 429 each say something to the caller), else
/// as a 400.
pub(crate) fn push_refused(e: &ErrorResponse) -> Response {
    let status = StatusCode::from_u16(e.status)
        .ok()
        .filter(StatusCode::is_client_error)
        .unwrap_or(StatusCode::BAD_REQUEST);
    error_with_status(e, status)
}

/// The provider's answer to a push (RFC 9126 §2.2), with its status (201 as §2.2 says, or the
/// 2xx it used).
pub(crate) fn pushed(status: u16, pushed: &PushedRequest) -> Response {
    let mut body = Map::new();
    body.insert("request_uri".into(), pushed.request_uri.as_str().into());
    if let Some(e) = pushed.expires_in {
        body.insert("expires_in".into(), e.into());
    }
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::CREATED);
    no_store((status, axum::Json(Value::Object(body))).into_response())
}

fn error_with_status(e: &ErrorResponse, status: StatusCode) -> Response {
    let mut body = Map::new();
    body.insert("error".into(), e.error.as_str().into());
    if let Some(d) = &e.description {
        body.insert("error_description".into(), d.as_str().into());
    }
    if let Some(u) = &e.uri {
        body.insert("error_uri".into(), u.as_str().into());
    }
    no_store((status, axum::Json(Value::Object(body))).into_response())
}

/// A §5.2 error of the companion's own making, for a refresh it cannot attempt (no usable
/// cookie): the app treats it exactly like a provider refusing an expired refresh token.
pub(crate) fn invalid_grant(description: &str) -> Response {
    provider_error(&ErrorResponse {
        status: 400,
        error: latchkey_proto::token::ErrorCode::InvalidGrant,
        description: Some(description.to_owned()),
        uri: None,
    })
}

/// A token response that is neither a success nor an OAuth error: the provider is broken
/// or something else answered (a proxy's HTML page). 502, details in the log only (the raw
/// body could hold a token).
pub(crate) fn garbled(provider: &str, e: &TokenError) -> ApiError {
    match e {
        TokenError::HttpStatus { status, .. } => {
            tracing::warn!(
                provider,
                status,
                "token endpoint answered without an OAuth body"
            );
            ApiError::BadGateway(
                format!("the provider's token endpoint answered HTTP {status}").into(),
            )
        }
        other => {
            // The error's Display names the field, never the body.
            tracing::warn!(provider, error = %other, "token endpoint answer unreadable");
            ApiError::BadGateway(
                "the provider's token endpoint answered something that is not a token response"
                    .into(),
            )
        }
    }
}
