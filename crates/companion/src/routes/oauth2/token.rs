//! `POST /oauth2/{id}/token` (the code exchange) and `POST /oauth2/{id}/refresh`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;
use axum::Extension;
use latchkey_proto::pkce::Verifier;
use latchkey_proto::secret::RefreshToken;
use latchkey_proto::token::{
    build_refresh_request, build_relayed_code_request, parse_token_response_accepting, TokenError,
};

use super::cookie::{self, Unusable};
use super::endpoints::{token_endpoint, DiscoveryCache};
use super::{answer, dpop, incoming, upstream, Mediated};
use crate::client_address::ClientAddress;
use crate::error::ApiError;
use crate::state::AppState;

/// `grant_type=authorization_code&code=…&code_verifier=…&redirect_uri=…` (RFC 6749 §4.1.3,
/// RFC 7636 §4.5): the companion adds the client authentication and posts to the provider's
/// token endpoint. `redirect_uri` must be the one this provider's authorization requests
/// carry (its configured `redirect_uri`, else `<public_url>/callback`), so the companion's
/// secret cannot redeem codes issued to another redirect URI; the provider compares it with
/// the authorization request's in turn (RFC 6749 §4.1.3).
pub async fn token(
    State(state): State<AppState>,
    Extension(cache): Extension<Arc<DiscoveryCache>>,
    Path(id): Path<String>,
    client: ClientAddress,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let (params, proof, p) = incoming(&state, &id, client, &headers, body)?;
    match params.get("grant_type") {
        Some("authorization_code") => {}
        Some(_) => {
            return Err(ApiError::BadRequest(
                "grant_type must be \"authorization_code\" here (refresh at /oauth2/{id}/refresh)"
                    .into(),
            ))
        }
        None => return Err(ApiError::BadRequest("the form needs `grant_type`".into())),
    }
    let code = params.require("code")?;
    let verifier = Verifier::parse(params.require("code_verifier")?).map_err(|_| {
        ApiError::BadRequest(
            "code_verifier is not a PKCE verifier (43 to 128 unreserved characters, RFC 7636 §4.1)"
                .into(),
        )
    })?;
    let expected = p.check_redirect_uri(&state, params.require("redirect_uri")?)?;
    let endpoint = token_endpoint(&state, &cache, &p).await?;
    let mut req = build_relayed_code_request(&endpoint, &p.auth(), code, &expected, verifier)
        .map_err(|e| ApiError::Internal(format!("token request: {e}")))?;
    dpop::attach(&mut req, proof.as_ref());
    let resp = upstream(&state, req, "token").await?;
    let answer = match parse_token_response_accepting(&resp, dpop::accepted(proof.as_ref())) {
        Ok(set) => {
            tracing::info!(provider = p.id, token_type = ?set.token_type, "code exchanged");
            // A new sign-in replaces whatever refresh token an earlier one left behind.
            let cookie = match (&set.refresh_token, p.refresh_in_companion()) {
                (Some(rt), true) => Some(cookie::set(&state, &p, rt)?),
                (None, true) => Some(cookie::clear(&state, &p)?),
                (_, false) => None,
            };
            Ok(with_cookie(
                answer::tokens(&set, p.refresh_in_companion()),
                cookie,
            ))
        }
        Err(e) => failed(&p, &e, "code exchange"),
    };
    answer.map(|a| dpop::relay_nonce(&resp, a))
}

/// `refresh_token=…` (browser mode) or an empty body (companion mode: the token is in the
/// cookie) (RFC 6749 §6). A rotated refresh token replaces the cookie.
pub async fn refresh(
    State(state): State<AppState>,
    Extension(cache): Extension<Arc<DiscoveryCache>>,
    Path(id): Path<String>,
    client: ClientAddress,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let (params, proof, p) = incoming(&state, &id, client, &headers, body)?;
    if !matches!(params.get("grant_type"), None | Some("refresh_token")) {
        return Err(ApiError::BadRequest(
            "grant_type must be \"refresh_token\" (or left out) here".into(),
        ));
    }
    let scopes: Option<Vec<String>> = params.get("scope").map(|s| {
        s.split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    });
    let refresh_token = if p.refresh_in_companion() {
        if params.get("refresh_token").is_some() {
            return Err(ApiError::BadRequest(
                "this provider keeps the refresh token in the companion: send no refresh_token"
                    .into(),
            ));
        }
        match cookie::load(&state, &p, &headers) {
            Ok(rt) => rt,
            Err(why) => return no_refresh_token(&state, &p, why),
        }
    } else {
        RefreshToken::new(params.require("refresh_token")?)
    };
    let endpoint = token_endpoint(&state, &cache, &p).await?;
    let mut req = build_refresh_request(&endpoint, &p.auth(), &refresh_token, scopes.as_deref())
        .map_err(|e| ApiError::Internal(format!("refresh request: {e}")))?;
    dpop::attach(&mut req, proof.as_ref());
    let resp = upstream(&state, req, "token").await?;
    let answer = match parse_token_response_accepting(&resp, dpop::accepted(proof.as_ref())) {
        Ok(set) => {
            tracing::info!(
                provider = p.id,
                rotated = set.refresh_token.is_some(),
                token_type = ?set.token_type,
                "refreshed"
            );
            let cookie = match (&set.refresh_token, p.refresh_in_companion()) {
                (Some(rt), true) => Some(cookie::set(&state, &p, rt)?),
                // No new token: the one in the cookie stays valid (RFC 6749 §6).
                _ => None,
            };
            Ok(with_cookie(
                answer::tokens(&set, p.refresh_in_companion()),
                cookie,
            ))
        }
        Err(TokenError::Server(e)) if p.refresh_in_companion() && is_dead_grant(&e) => {
            // The provider no longer honours the cookie's token: drop it.
            tracing::info!(provider = p.id, error = e.error.as_str(), "refresh refused");
            Ok(with_cookie(
                answer::provider_error(&e),
                Some(cookie::clear(&state, &p)?),
            ))
        }
        Err(e) => failed(&p, &e, "refresh"),
    };
    answer.map(|a| dpop::relay_nonce(&resp, a))
}

fn is_dead_grant(e: &latchkey_proto::token::ErrorResponse) -> bool {
    e.error == latchkey_proto::token::ErrorCode::InvalidGrant
}

/// Companion mode without a usable cookie: the RFC 6749 §5.2 `invalid_grant` the provider
/// would give for a dead refresh token, so the app asks the user to sign in again. A cookie
/// that failed to open is deleted.
fn no_refresh_token(
    state: &AppState,
    p: &Mediated<'_>,
    why: Unusable,
) -> Result<Response, ApiError> {
    match why {
        Unusable::Missing => Ok(answer::invalid_grant(
            "the companion holds no refresh token for this provider: sign in again",
        )),
        Unusable::Refused(e) => {
            tracing::info!(provider = p.id, reason = %e, "refresh cookie refused");
            Ok(with_cookie(
                answer::invalid_grant(
                    "the refresh token cookie is expired, altered or sealed with a retired key: sign in again",
                ),
                Some(cookie::clear(state, p)?),
            ))
        }
    }
}

/// A token endpoint failure: the provider's own error as a 400 §5.2, the rest 502.
fn failed(p: &Mediated<'_>, e: &TokenError, what: &str) -> Result<Response, ApiError> {
    match e {
        TokenError::Server(err) => {
            tracing::info!(
                provider = p.id,
                what,
                error = err.error.as_str(),
                "provider refused"
            );
            Ok(answer::provider_error(err))
        }
        other => Err(answer::garbled(p.id, other)),
    }
}

pub(crate) fn with_cookie(mut resp: Response, cookie: Option<HeaderValue>) -> Response {
    if let Some(c) = cookie {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    resp
}
