//! The built single-page app from `static_dir`, with the history-API fallback.
//!
//! A path the app routes itself (`/callback`, `/console`) has no file, so it gets
//! `index.html`; a missing asset (`/app-1234.js`) gets a 404, because answering it with HTML
//! would make the browser report a confusing MIME or syntax error instead of a missing file.
//!
//! Assets with a `.br` or `.gz` sibling (written by the release build, `scripts/precompress.sh`)
//! are sent compressed to a browser that accepts it: tower-http's `ServeDir` picks the sibling
//! by `Accept-Encoding` (brotli before gzip at equal weight), keeps the original's
//! `Content-Type` and sets `Content-Encoding`, on GET and HEAD alike. It sets no `Vary`, so
//! [`serve`] adds `Vary: Accept-Encoding` to every asset answer (a shared cache must not hand a
//! brotli body to a browser that asked for none).
//!
//! The app's page, `index.html`, is read and sent here instead (at `/`, `/index.html` and every
//! app route), always plain, with the Content-Security-Policy whose script hashes are those of
//! exactly the bytes sent ([`crate::csp`]).

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::ServeDir;

use crate::csp::Delivery;
use crate::error::ApiError;
use crate::state::AppState;

/// True for a path the app's router handles: its last segment has no file extension.
fn is_app_route(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or("");
    !last.contains('.')
}

/// Serves a file from `static_dir`, or `index.html` for app routes.
pub async fn serve(State(state): State<AppState>, req: Request) -> Response {
    let dir = state.config().server.static_dir.clone();
    let path = req.uri().path().to_owned();
    if path.starts_with("/oauth1/") || path.starts_with("/oauth2/") {
        // An API caller gets a JSON answer it can read, not the app's HTML.
        return ApiError::NotFound("no such companion route".into()).into_response();
    }
    let method = req.method().clone();
    let page_method = method == Method::GET || method == Method::HEAD;
    if page_method && (path == "/" || path == "/index.html") {
        return index(&state, method == Method::HEAD).await;
    }
    let files = ServeDir::new(&dir).precompressed_br().precompressed_gzip();
    let Ok(resp) = files.oneshot(req).await;
    let mut resp = resp.map(Body::new);
    if resp.status() == StatusCode::NOT_FOUND && page_method && is_app_route(&path) {
        return index(&state, method == Method::HEAD).await;
    }
    if resp.status().is_success() || resp.status() == StatusCode::NOT_MODIFIED {
        resp.headers_mut()
            .append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    if path.ends_with('/') || path.ends_with(".html") {
        no_cache(&mut resp);
    }
    resp
}

fn no_cache(resp: &mut Response) {
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
}

/// `index.html` with the app's Content-Security-Policy for its inline scripts.
async fn index(state: &AppState, head: bool) -> Response {
    let file = state.config().server.static_dir.join("index.html");
    let bytes = match tokio::fs::read(&file).await {
        Ok(bytes) => bytes,
        Err(e) => {
            tracing::warn!(file = %file.display(), error = %e, "index.html missing: is the app built?");
            return ApiError::NotFound("the app is not built (index.html is missing)".into())
                .into_response();
        }
    };
    // Not UTF-8: no script can be hashed as the browser would see it, so none is allowed.
    let html = std::str::from_utf8(&bytes).unwrap_or_else(|_| {
        tracing::warn!(file = %file.display(), "index.html is not UTF-8: its inline scripts are not allowed");
        ""
    });
    let policy = state.csp().for_page(html, Delivery::Header);
    let mut resp = (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        if head {
            Body::empty()
        } else {
            Body::from(bytes)
        },
    )
        .into_response();
    match HeaderValue::try_from(policy) {
        Ok(v) => {
            resp.headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, v);
        }
        // Origins come from parsed URLs and hashes are base64, so this cannot happen; if it
        // did, the page must not go out without its policy.
        Err(e) => {
            return ApiError::Internal(format!(
                "the Content-Security-Policy is not a header value: {e}"
            ))
            .into_response();
        }
    }
    no_cache(&mut resp);
    resp
}

#[cfg(test)]
mod tests;
