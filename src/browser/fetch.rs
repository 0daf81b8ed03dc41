//! `fetch`, taking and giving `http` types so the protocol core's requests and parsers plug
//! straight in.

use gloo_net::http::RequestBuilder;
use web_sys::{RequestCredentials, RequestMode};

use super::BrowserError;

/// Who is being called, which decides the fetch mode and cookies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peer {
    /// A provider on another origin: `mode: cors`, no cookies (a public client has no
    /// business sending the provider's cookies along with token requests).
    Provider,
    /// The companion on this origin: `mode: same-origin`, its session cookie included.
    Companion,
}

/// Sends `request` and reads the whole answer. Any HTTP status is `Ok`; `Err` means no
/// answer (offline, CORS refusal, bad URL).
pub async fn send(
    request: http::Request<Vec<u8>>,
    peer: Peer,
) -> Result<http::Response<Vec<u8>>, BrowserError> {
    let (parts, body) = request.into_parts();
    let url = parts.uri.to_string();
    let mut builder = RequestBuilder::new(&url).method(parts.method);
    builder = match peer {
        Peer::Provider => builder
            .mode(RequestMode::Cors)
            .credentials(RequestCredentials::Omit),
        Peer::Companion => builder
            .mode(RequestMode::SameOrigin)
            .credentials(RequestCredentials::SameOrigin),
    };
    for (name, value) in &parts.headers {
        if let Ok(v) = value.to_str() {
            builder = builder.header(name.as_str(), v);
        }
    }
    let req = if body.is_empty() {
        builder.build()
    } else {
        builder.body(js_sys::Uint8Array::from(body.as_slice()))
    }
    .map_err(|e| BrowserError(format!("fetch {url}: {e}")))?;
    let resp = req
        .send()
        .await
        .map_err(|e| BrowserError(format!("fetch {url}: {e}")))?;
    let mut out = http::Response::builder().status(resp.status());
    for (name, value) in resp.headers().entries() {
        if let (Ok(n), Ok(v)) = (
            http::HeaderName::from_bytes(name.as_bytes()),
            http::HeaderValue::from_str(&value),
        ) {
            out = out.header(n, v);
        }
    }
    let bytes = resp
        .binary()
        .await
        .map_err(|e| BrowserError(format!("reading the body from {url}: {e}")))?;
    out.body(bytes)
        .map_err(|e| BrowserError(format!("response from {url}: {e}")))
}

/// A GET of `url` with `Accept: application/json`.
pub async fn get_json(url: &str, peer: Peer) -> Result<http::Response<Vec<u8>>, BrowserError> {
    let request = http::Request::get(url)
        .header(http::header::ACCEPT, "application/json")
        .body(Vec::new())
        .map_err(|e| BrowserError(format!("GET {url}: {e}")))?;
    send(request, peer).await
}
