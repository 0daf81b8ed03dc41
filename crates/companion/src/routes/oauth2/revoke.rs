//! `POST /oauth2/{id}/revoke` (RFC 7009), so sign-out still revokes a mediated provider's
//! tokens.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use latchkey_proto::revocation::{
    build_revocation_request, parse_revocation_response, RevocationError, TokenToRevoke,
};
use latchkey_proto::secret::{AccessToken, RefreshToken};

use super::dpop::{self, Proof};
use super::endpoints::{revocation_endpoint, DiscoveryCache};
use super::token::with_cookie;
use super::{answer, cookie, incoming, upstream, Mediated};
use crate::client_address::ClientAddress;
use crate::error::ApiError;
use crate::state::AppState;

/// `token=…&token_type_hint=…` (browser mode; in companion mode the body may be empty, and the
/// cookie's refresh token is revoked too and the cookie cleared, whatever the outcome:
/// signing out must not leave a usable token behind in the browser). 200 `{}` when revoked,
/// 200 `{"revoked":false}` when the provider has no revocation endpoint. A `DPoP` header goes
/// with each revocation request unchanged (signed by the browser for the revocation endpoint)
/// and the provider's `DPoP-Nonce` comes back: RFC 7009 and RFC 9449 ask for no proof here,
/// but a provider may, and it costs nothing to one that ignores it.
pub async fn revoke(
    State(state): State<AppState>,
    Extension(cache): Extension<Arc<DiscoveryCache>>,
    Path(id): Path<String>,
    client: ClientAddress,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let (params, proof, p) = incoming(&state, &id, client, &headers, body)?;
    let companion = p.refresh_in_companion();
    let from_body = match (params.get("token"), params.get("token_type_hint")) {
        (None, _) if companion => None,
        (None, _) => return Err(ApiError::BadRequest("the form needs `token`".into())),
        (Some(t), Some("refresh_token")) => Some(Held::Refresh(RefreshToken::new(t))),
        (Some(t), None | Some("access_token")) => Some(Held::Access(AccessToken::new(t))),
        (Some(_), Some(_)) => {
            return Err(ApiError::BadRequest(
                "token_type_hint must be \"access_token\" or \"refresh_token\" (RFC 7009 §2.1)"
                    .into(),
            ))
        }
    };
    let from_cookie = if companion {
        cookie::load(&state, &p, &headers).ok().map(Held::Refresh)
    } else {
        None
    };
    let clear = if companion {
        Some(cookie::clear(&state, &p)?)
    } else {
        None
    };
    let tokens = from_cookie.into_iter().chain(from_body);
    let outcome = revoke_all(&state, &cache, &p, proof.as_ref(), tokens).await;
    Ok(with_cookie(
        match outcome {
            Ok(resp) => resp,
            Err(e) => e.into_response(),
        },
        clear,
    ))
}

enum Held {
    Access(AccessToken),
    Refresh(RefreshToken),
}

impl Held {
    fn as_proto(&self) -> TokenToRevoke<'_> {
        match self {
            Held::Access(t) => TokenToRevoke::Access(t),
            Held::Refresh(t) => TokenToRevoke::Refresh(t),
        }
    }
}

/// Revokes each token in turn (the refresh token first: revoking it usually revokes its
/// access tokens too); stops at the first failure.
async fn revoke_all(
    state: &AppState,
    cache: &DiscoveryCache,
    p: &Mediated<'_>,
    proof: Option<&Proof>,
    tokens: impl Iterator<Item = Held>,
) -> Result<Response, ApiError> {
    let Some(endpoint) = revocation_endpoint(state, cache, p).await? else {
        tracing::info!(provider = p.id, "no revocation endpoint: nothing revoked");
        return Ok((
            StatusCode::OK,
            axum::Json(serde_json::json!({ "revoked": false })),
        )
            .into_response());
    };
    let mut last = None;
    for t in tokens {
        let mut req = build_revocation_request(&endpoint, &p.auth(), t.as_proto())
            .map_err(|e| ApiError::Internal(format!("revocation request: {e}")))?;
        dpop::attach(&mut req, proof);
        let resp = upstream(state, req, "revocation").await?;
        match parse_revocation_response(&resp) {
            Ok(()) => last = Some(resp),
            Err(RevocationError::Server(e)) => {
                tracing::info!(
                    provider = p.id,
                    error = e.error.as_str(),
                    "revocation refused"
                );
                return Ok(dpop::relay_nonce(&resp, answer::provider_error(&e)));
            }
            Err(RevocationError::HttpStatus { status, .. }) => {
                tracing::warn!(provider = p.id, status, "revocation endpoint failed");
                return Err(ApiError::BadGateway(
                    format!("the provider's revocation endpoint answered HTTP {status}").into(),
                ));
            }
            Err(other) => {
                tracing::warn!(provider = p.id, error = %other, "revocation failed");
                return Err(ApiError::BadGateway(
                    "the provider's revocation endpoint failed".into(),
                ));
            }
        }
    }
    tracing::info!(provider = p.id, "revoked");
    let done = (StatusCode::OK, axum::Json(serde_json::json!({}))).into_response();
    Ok(match last {
        Some(resp) => dpop::relay_nonce(&resp, done),
        None => done,
    })
}
