//! `POST /oauth2/{id}/par`: a pushed authorization request (PAR, RFC 9126) for a mediated
//! provider, which authenticates the push like the token request (§2: "the client
//! authentication method [...] as used at the token endpoint").

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Extension;
use latchkey_proto::par::{build_push_request, parse_push_response, PushError};

use super::endpoints::{par_endpoint, DiscoveryCache};
use super::{answer, dpop, incoming, upstream};
use crate::client_address::ClientAddress;
use crate::error::ApiError;
use crate::state::AppState;

/// The authorization request's parameters as a form (`response_type`, `client_id`,
/// `redirect_uri`, `scope`, `state`, `nonce`, `code_challenge`, `code_challenge_method`,
/// `dpop_jkt`, the provider's extras), as the browser would push them itself; a `DPoP` header
/// goes to the provider unchanged (RFC 9449 §10.1). The companion adds its client
/// authentication and answers what the provider answered: the `request_uri` with the
/// provider's status (201), or its OAuth error with its 4xx status, `DPoP-Nonce` in both.
///
/// `redirect_uri` must be this provider's (as at `/token`): RFC 9126 §2.4 lets a provider take
/// an unregistered redirect URI from an authenticated push, so the companion's secret must
/// not vouch for any other. For the same reason a signed request object (`request`, RFC 9101),
/// which could carry its own redirect URI, is not relayed, and a `client_id` must be this
/// provider's.
pub async fn par(
    State(state): State<AppState>,
    Extension(cache): Extension<Arc<DiscoveryCache>>,
    Path(id): Path<String>,
    client: ClientAddress,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let (params, proof, p) = incoming(&state, &id, client, &headers, body)?;
    p.check_redirect_uri(&state, params.require("redirect_uri")?)?;
    if params.get("request").is_some() {
        return Err(ApiError::BadRequest(
            "a request object (`request`, RFC 9101) is not relayed: push the parameters themselves"
                .into(),
        ));
    }
    if params
        .get("client_id")
        .is_some_and(|c| c != p.browser.client_id)
    {
        return Err(ApiError::BadRequest(
            format!(
                "client_id must be {:?}, this provider's client id",
                p.browser.client_id
            )
            .into(),
        ));
    }
    let Some(endpoint) = par_endpoint(&state, &cache, &p).await? else {
        return Err(ApiError::BadRequest(
            format!(
                "PAR not available: provider {:?} names no pushed_authorization_request_endpoint \
                 in its metadata or the configuration; send the authorization request without \
                 pushing it",
                p.id
            )
            .into(),
        ));
    };
    let pairs: Vec<(&str, &str)> = params.pairs().collect();
    let mut req = build_push_request(&endpoint, &pairs, &p.auth()).map_err(|e| {
        tracing::warn!(provider = p.id, error = %e, "PAR endpoint unusable");
        ApiError::BadGateway(
            "the provider's pushed_authorization_request_endpoint is unusable".into(),
        )
    })?;
    dpop::attach(&mut req, proof.as_ref());
    let resp = upstream(&state, req, "PAR").await?;
    let answer = match parse_push_response(&resp) {
        Ok(pushed) => {
            tracing::info!(provider = p.id, "authorization request pushed");
            answer::pushed(resp.status().as_u16(), &pushed)
        }
        Err(PushError::Server(e)) => {
            tracing::info!(provider = p.id, error = e.error.as_str(), "push refused");
            answer::push_refused(&e)
        }
        Err(other) => {
            // The error's Display names the field or the status, never the body.
            tracing::warn!(provider = p.id, error = %other, "PAR answer unusable");
            return Err(ApiError::BadGateway(
                "the provider's PAR endpoint answered something that is not a pushed request's answer"
                    .into(),
            ));
        }
    };
    Ok(dpop::relay_nonce(&resp, answer))
}
