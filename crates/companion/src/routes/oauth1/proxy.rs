//! `ANY /oauth1/{id}/api/{*path}`: the signing proxy.
//!
//! Signs the request with the consumer and token secrets (the query and a form body are
//! covered by the signature, RFC 5849 §3.4.1.3) and forwards it to `api_base` + path,
//! streaming the answer back. Only a script of the app may ask
//! (`check_script_request`): never a navigation, never another site's page. Only an
//! allowlist of request headers goes upstream (never the browser's cookies).
//!
//! The API's answer comes back on this origin, so it is made inert here (`harden`):
//! whatever the API says, it is a sandboxed, unsniffed, uncached answer that no other origin
//! may read and that sets nothing on this origin (the one cookie it may carry is the
//! companion's own: the session, sealed again with a later expiry, `cookies::renewal`).

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use latchkey_proto::oauth1::Body as SignedBody;

use super::login::upstream_error;
use super::{api_path, cookies, provider, session, sign_for_session, ProviderId};
use crate::client_address::ClientAddress;
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

/// Response headers never passed back. Hop-by-hop ones (RFC 9110 §7.6.1). And those that
/// would act on this origin rather than describe the answer: cookies; CORS grants (the API's
/// `Access-Control-Allow-Origin: *` with credentials would hand the user's signed answers to
/// any site; the companion's own CORS layer answers for `allowed_origins`); `Clear-Site-Data`
/// (would wipe the app's storage, refresh tokens included); HSTS, `Alt-Svc` and reporting
/// policies, which a browser records for the whole host; `Service-Worker-Allowed`. The
/// caching and content headers [`harden`] sets are dropped too, so only ours remain.
///
/// `Content-Type` stays the API's: the sandbox and `nosniff` keep an HTML or script answer
/// inert, and the app needs the real type to read the body. `Content-Disposition` stays too:
/// navigations are refused, so it can never start a download here, and a script may want the
/// file name. `Location` stays: the proxy hands redirects back rather than following them.
fn dropped_response_header(name: &HeaderName) -> bool {
    let name = name.as_str();
    name.starts_with("access-control-")
        || matches!(
            name,
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
                | "clear-site-data"
                | "strict-transport-security"
                | "alt-svc"
                | "nel"
                | "report-to"
                | "reporting-endpoints"
                | "service-worker-allowed"
                | "cache-control"
                | "pragma"
                | "expires"
                | "content-security-policy"
                | "content-security-policy-report-only"
                | "x-content-type-options"
        )
}

/// The headers every answer on the proxy route carries, the API's and the companion's own
/// errors alike:
/// - `Content-Security-Policy: sandbox`: should the answer ever be rendered as a document
///   (an old browser, a future bug in the request rule), it is a unique opaque origin with no
///   script, no forms, no plugins and no access to the app's storage or cookies; its own
///   requests are then cross-site, which the request rule refuses.
/// - `X-Content-Type-Options: nosniff`: an answer is never run as a script or style unless it
///   says it is one.
/// - `Cache-Control: private, no-store`: a signed answer is the user's alone; no shared cache
///   keeps it, nor the browser's (a later user of the machine, the back button).
fn harden(mut resp: Response) -> Response {
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    resp
}

/// `ANY /oauth1/{id}/api/` (the base itself).
pub async fn proxy_root(
    State(state): State<AppState>,
    id: Result<ProviderId, ApiError>,
    client: ClientAddress,
    req: Request,
) -> Response {
    answer(state, id, client, req).await
}

/// `ANY /oauth1/{id}/api/{*path}`.
pub async fn proxy(
    State(state): State<AppState>,
    id: Result<ProviderId, ApiError>,
    client: ClientAddress,
    req: Request,
) -> Response {
    answer(state, id, client, req).await
}

/// Every answer of the route, errors included (a bad `{id}` too, hence the `Result`
/// extractor), goes through [`harden`].
async fn answer(
    state: AppState,
    id: Result<ProviderId, ApiError>,
    client: ClientAddress,
    req: Request,
) -> Response {
    let mut renewed = None;
    let resp = match id {
        Ok(ProviderId(id)) => forward(state, id, client, req, &mut renewed).await,
        Err(e) => Err(e),
    };
    let mut resp = harden(resp.unwrap_or_else(IntoResponse::into_response));
    // After `harden`, which drops the API's cookies: this one is the companion's own.
    if let Some(c) = renewed {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    resp
}

async fn forward(
    state: AppState,
    id: String,
    client: ClientAddress,
    req: Request,
    renewed: &mut Option<HeaderValue>,
) -> Result<Response, ApiError> {
    // Every request counts, so a flood is refused before any cookie is opened or signed.
    state.limits().api.admit(client)?;
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
    *renewed = cookies::renewal(&state, &p, &session);

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
