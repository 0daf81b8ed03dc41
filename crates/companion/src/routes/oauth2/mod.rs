//! Token mediation for OAuth 2.0 / OIDC providers that refuse browsers (no CORS on the token
//! endpoint, or a client secret required even with PKCE): the "token-mediating backend" of
//! the IETF OAuth 2.0 for Browser-Based Applications BCP.
//!
//! The browser still runs the flow (PKCE, state, nonce, ID token checks); for a provider with
//! `token_via_companion = true` it posts to the companion instead of the token endpoint:
//! - `POST /oauth2/{id}/token`: the code exchange (RFC 6749 §4.1.3, RFC 7636 §4.5)
//!   ([`token::token`]);
//! - `POST /oauth2/{id}/refresh`: a refresh (RFC 6749 §6) ([`token::refresh`]);
//! - `POST /oauth2/{id}/revoke`: a revocation (RFC 7009) ([`revoke::revoke`]);
//! - `POST /oauth2/{id}/par`: a pushed authorization request (RFC 9126) ([`par::par`]).
//!
//! The companion adds the client authentication (RFC 6749 §2.3.1) and talks to that
//! provider's token (or revocation) endpoint and nothing else. Answers are the normalised
//! RFC 6749 §5.1 JSON, or the provider's own §5.2 error as a 400, so the app reads them with
//! the same parser it uses for a direct token endpoint. With `refresh_token_in = "companion"`
//! the refresh token lives in a sealed HttpOnly cookie ([`cookie`]) instead of the browser.
//!
//! DPoP (RFC 9449): the browser signs a proof for the provider's endpoint and sends it in a
//! `DPoP` header; every route passes it on unchanged and hands the provider's `DPoP-Nonce`
//! back, and the token routes then accept a `DPoP` token (`dpop`).
//!
//! Every route is Origin-checked (CSRF), body-limited ([`MAX_BODY`]) and rate-limited per
//! client address ([`crate::rate_limit`], the `token_rate_*` budget, shared with the OAuth 1.0a
//! sign-in legs) before anything is sent to the provider.

mod answer;
pub mod cookie;
mod dpop;
mod endpoints;
mod form;
pub mod par;
pub mod revoke;
#[cfg(test)]
mod tests;
pub mod token;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::routing::post;
use axum::{Extension, Router};
use latchkey_proto::secret::ClientSecret;
use latchkey_proto::token::ClientAuth;

use crate::config::{BrowserProvider, Mediation, ProviderKind};
use crate::error::ApiError;
use crate::sealed_cookie::CookieSealer;
use crate::state::AppState;

pub use cookie::REFRESH_COOKIE_TTL;
pub use endpoints::DiscoveryCache;

/// How long one upstream call of a mediation route may take. Shorter than the companion's
/// general upstream timeout (made for slow APIs behind the signing proxy) so that the app,
/// which gives up on a token request after 15 s, gets the companion's 504 in words rather
/// than its own abort.
pub const UPSTREAM_DEADLINE: Duration = Duration::from_secs(10);

/// Largest request body (a code, a verifier and a redirect URI are well under 1 KiB).
pub const MAX_BODY: usize = 16 * 1024;

/// The token-mediation routes. The discovery cache lives here, per router (per process), as
/// the rate limits live in the state: nothing is shared between replicas.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/oauth2/{id}/token", post(token::token))
        .route("/oauth2/{id}/refresh", post(token::refresh))
        .route("/oauth2/{id}/revoke", post(revoke::revoke))
        .route("/oauth2/{id}/par", post(par::par))
        .layer(Extension(Arc::new(DiscoveryCache::default())))
        .layer(DefaultBodyLimit::max(MAX_BODY))
}

/// Sends one request to the provider within [`UPSTREAM_DEADLINE`], or the configured
/// `upstream_timeout_seconds` when that is shorter (504 after it).
pub(crate) async fn upstream(
    state: &AppState,
    req: http::Request<Vec<u8>>,
    what: &str,
) -> Result<http::Response<Vec<u8>>, ApiError> {
    let deadline = UPSTREAM_DEADLINE.min(state.config().server.upstream_timeout);
    match tokio::time::timeout(deadline, crate::routes::upstream::send(state, req, what)).await {
        Ok(result) => result,
        Err(_) => {
            tracing::warn!(
                what,
                "provider did not answer within the mediation deadline"
            );
            Err(ApiError::GatewayTimeout)
        }
    }
}

/// One mediated provider with its client secret, looked up by id.
pub(crate) struct Mediated<'s> {
    pub id: &'s str,
    pub browser: &'s BrowserProvider,
    pub mediation: &'s Mediation,
    pub secret: &'s ClientSecret,
    /// The cookie ciphers (present whenever a provider keeps refresh tokens in the companion).
    pub sealer: Option<&'s CookieSealer>,
}

impl Mediated<'_> {
    /// The client authentication added to every upstream request.
    pub fn auth(&self) -> ClientAuth<'_> {
        self.mediation
            .token_auth
            .with(&self.browser.client_id, self.secret)
    }

    /// Refuses any `redirect_uri` but the one this provider's authorization requests carry
    /// (its configured `redirect_uri`, else `<public_url>/callback/<id>`): the companion's
    /// secret must not redeem codes, or vouch for pushes, of another redirect URI. Gives the
    /// redirect URI back.
    pub fn check_redirect_uri(&self, state: &AppState, given: &str) -> Result<String, ApiError> {
        let expected = self.browser.redirect_uri(&state.config().server, self.id);
        if given != expected {
            return Err(ApiError::BadRequest(
                format!("redirect_uri must be {expected:?}, this provider's redirect URI").into(),
            ));
        }
        Ok(expected)
    }

    /// True when the refresh token is kept in the companion's cookie.
    pub fn refresh_in_companion(&self) -> bool {
        self.mediation.refresh_token_in == latchkey_proto::public_config::RefreshTokenIn::Companion
    }
}

/// What every mediation route reads first, in this order: the token rate limit, Origin and
/// the form ([`form::read`]), the one `DPoP` proof ([`dpop::proof`]), and the provider.
pub(crate) fn incoming<'s>(
    state: &'s AppState,
    id: &str,
    client: crate::client_address::ClientAddress,
    headers: &axum::http::HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<(form::Params, Option<dpop::Proof>, Mediated<'s>), ApiError> {
    state.limits().token.admit(client)?;
    let params = form::read(state, headers, body)?;
    let proof = dpop::proof(headers)?;
    Ok((params, proof, mediated(state, id)?))
}

/// The mediated provider `id`, or a 404 that says whether it exists but is not mediated.
pub(crate) fn mediated<'s>(state: &'s AppState, id: &str) -> Result<Mediated<'s>, ApiError> {
    let shown: String = id.chars().take(64).collect();
    let Some(p) = state.config().provider(id) else {
        return Err(ApiError::NotFound(
            format!("no provider {shown:?} is configured").into(),
        ));
    };
    let ProviderKind::Browser(b) = &p.kind else {
        return Err(ApiError::NotFound(
            format!("provider {shown:?} is OAuth 1.0a; its tokens come from /oauth1/{shown}/login")
                .into(),
        ));
    };
    let Some(m) = &b.mediation else {
        return Err(ApiError::NotFound(
            format!("provider {shown:?} does not mediate tokens (no `token_via_companion = true`): the app calls its token endpoint directly").into(),
        ));
    };
    let secret = state
        .secrets()
        .clients
        .get(&p.id)
        .ok_or_else(|| ApiError::Internal(format!("no client secret loaded for {}", p.id)))?;
    Ok(Mediated {
        id: &p.id,
        browser: b,
        mediation: m,
        secret,
        sealer: state.cookie_sealer(),
    })
}
