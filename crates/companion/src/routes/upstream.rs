//! Small requests to a provider's endpoints (token legs, token mediation, discovery): one
//! sender with a size cap, and one mapping of transport failures to 502 / 504.

use axum::http::{header, HeaderName};
use latchkey_proto::dpop::DPOP_NONCE;

use crate::error::ApiError;
use crate::state::AppState;

/// Largest endpoint answer read (token responses are a few hundred bytes, discovery
/// documents a few KiB).
pub(crate) const MAX_ENDPOINT_RESPONSE: usize = 64 * 1024;

/// Sends a small request to a provider endpoint and reads the whole answer (at most
/// [`MAX_ENDPOINT_RESPONSE`]). `what` names the endpoint in logs and error messages; it must
/// never hold a token.
pub(crate) async fn send(
    state: &AppState,
    req: http::Request<Vec<u8>>,
    what: &str,
) -> Result<http::Response<Vec<u8>>, ApiError> {
    let req = reqwest::Request::try_from(req)
        .map_err(|e| ApiError::Internal(format!("{what} request: {e}")))?;
    let mut resp = state
        .http()
        .execute(req)
        .await
        .map_err(|e| upstream_error(&e, what))?;
    let mut builder = http::Response::builder().status(resp.status());
    // The body's type, and the provider's DPoP nonce (RFC 9449 §8), which the token-mediation
    // routes hand back to the browser that signs the proofs.
    for name in [header::CONTENT_TYPE, HeaderName::from_static(DPOP_NONCE)] {
        if let Some(v) = resp.headers().get(&name) {
            builder = builder.header(name, v);
        }
    }
    let mut body = Vec::new();
    // A connection cut before Content-Length bytes arrived fails here, as a 502.
    while let Some(chunk) = resp.chunk().await.map_err(|e| upstream_error(&e, what))? {
        if body.len() + chunk.len() > MAX_ENDPOINT_RESPONSE {
            tracing::warn!(what, "provider answer over 64 KiB");
            return Err(ApiError::BadGateway(
                format!("the provider's {what} answer is too large").into(),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    builder
        .body(body)
        .map_err(|e| ApiError::Internal(format!("{what} response: {e}")))
}

/// Maps a transport failure: timeouts are 504, the rest 502; details go to the log.
pub(crate) fn upstream_error(e: &reqwest::Error, what: &str) -> ApiError {
    // reqwest's Display names the URL (an endpoint without tokens: they travel in headers
    // and bodies).
    tracing::warn!(what, error = %e, "provider unreachable");
    if e.is_timeout() {
        ApiError::GatewayTimeout
    } else {
        ApiError::BadGateway(format!("cannot reach the provider ({what})").into())
    }
}
