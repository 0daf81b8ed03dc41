//! `ANY /oauth1/{id}/api/{*path}`: the signing proxy.
//!
//! Signs the request with the consumer and token secrets (the query and a form body are
//! covered by the signature, RFC 5849 §3.4.1.3) and forwards it to `api_base` + path,
//! streaming the answer back. Only a script of the app may ask
//! (`check_script_request`): never a navigation, never another site's page. Only an
//! allowlist of request headers goes upstream (never the browser's cookies); hop-by-hop
//! headers and `Set-Cookie` never come back.

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName};
use axum::response::Response;
use latchkey_proto::oauth1::Body as SignedBody;

use super::login::upstream_error;
use super::{api_path, provider, session, sign_for_session, ProviderId};
use crate::error::ApiError;
use crate::routes::origin::check_script_request;
use crate::state::AppState;

/// Largest request body forwarded.
pub const MAX_BODY: usize = 1024 * 1024;

/// Request headers passed upstream; everything else (cookies, `Authorization`, `Origin`,
/// hop-by-hop headers, client hints) stays here.
const FORWARDED_REQUEST_HEADERS: [HeaderName; 8] = [
    header::ACCEPT,
    header::ACCEPT_LANGUAGE,
    header::CONTENT_TYPE,
    header::IF_MATCH,
    header::IF_NONE_MATCH,
    header::IF_MODIFIED_SINCE,
    header::IF_UNMODIFIED_SINCE,
    header::RANGE,
];

/// Response headers never passed back: hop-by-hop (RFC 9110 §7.6.1) and the provider's
/// cookies, which would otherwise land on the app's origin.
fn dropped_response_header(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "proxy-authenticate"
            | "proxy-authorization"
            | "proxy-connection"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
            | "set-cookie"
            | "set-cookie2"
    )
}

/// `ANY /oauth1/{id}/api/` (the base itself).
pub async fn proxy_root(
    State(state): State<AppState>,
    ProviderId(id): ProviderId,
    req: Request,
) -> Result<Response, ApiError> {
    forward(state, id, req).await
}

/// `ANY /oauth1/{id}/api/{*path}`.
pub async fn proxy(
    State(state): State<AppState>,
    ProviderId(id): ProviderId,
    req: Request,
) -> Result<Response, ApiError> {
    forward(state, id, req).await
}

async fn forward(state: AppState, id: String, req: Request) -> Result<Response, ApiError> {
    let p = provider(&state, &id)?;
    let (parts, body) = req.into_parts();
    // Before anything else about the request is read, and before anything is sent.
    check_script_request(&state, &parts.headers)?;
    let api_base = p.api_base.ok_or_else(|| {
        ApiError::NotFound(format!("provider {} has no api_base to proxy to", p.id).into())
    })?;
    // The raw, still-encoded path: axum's `{*path}` is decoded, which would hide `%2f`.
    let prefix = format!("/oauth1/{}/api/", p.id);
    let rest = parts.uri.path().strip_prefix(&prefix).unwrap_or("");
    let url = api_path::join(api_base, rest, parts.uri.query())
        .map_err(|e| ApiError::Forbidden(e.to_string().into()))?;
    let session = session::require(&state, &p, &parts.headers)?;

    if content_length(&parts.headers).is_some_and(|n| n > MAX_BODY as u64) {
        return Err(too_large());
    }
    let bytes = to_bytes(body, MAX_BODY).await.map_err(|_| too_large())?;
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());

    let signed = sign_for_session(
        &state,
        &p,
        &session,
        parts.method.as_str(),
        &url,
        SignedBody::Raw {
            content_type,
            bytes: &bytes,
        },
    )?;

    let mut upstream = state
        .http()
        .request(parts.method.clone(), &url)
        .header(header::AUTHORIZATION, signed.authorization_header);
    for name in &FORWARDED_REQUEST_HEADERS {
        for v in parts.headers.get_all(name) {
            upstream = upstream.header(name, v);
        }
    }
    if !bytes.is_empty() {
        upstream = upstream.body(bytes);
    }
    let resp = upstream
        .send()
        .await
        .map_err(|e| upstream_error(&e, "API"))?;
    tracing::debug!(provider = p.id, status = resp.status().as_u16(), "proxied");
    let mut out = Response::builder().status(resp.status());
    if let Some(headers) = out.headers_mut() {
        for (name, v) in resp.headers() {
            if !dropped_response_header(name) {
                headers.append(name, v.clone());
            }
        }
    }
    out.body(Body::from_stream(resp.bytes_stream()))
        .map_err(|e| ApiError::Internal(format!("proxy response: {e}")))
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

fn too_large() -> ApiError {
    ApiError::PayloadTooLarge(format!("the request body is over {} KiB", MAX_BODY / 1024).into())
}
