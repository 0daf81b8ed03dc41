//! The built single-page app from `static_dir`, with the history-API fallback.
//!
//! A path the app routes itself (`/callback`, `/console`) has no file, so it gets
//! `index.html`; a missing asset (`/app-1234.js`) gets a 404, because answering it with HTML
//! would make the browser report a confusing MIME or syntax error instead of a missing file.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::ServeDir;

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
    let Ok(resp) = ServeDir::new(&dir).oneshot(req).await;
    let mut resp = resp.map(Body::new);
    if resp.status() == StatusCode::NOT_FOUND
        && (method == Method::GET || method == Method::HEAD)
        && is_app_route(&path)
    {
        return index(&dir, method == Method::HEAD).await;
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

async fn index(dir: &std::path::Path, head: bool) -> Response {
    let file = dir.join("index.html");
    match tokio::fs::read(&file).await {
        Ok(bytes) => {
            let body = if head {
                Body::empty()
            } else {
                Body::from(bytes)
            };
            let mut resp =
                ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response();
            no_cache(&mut resp);
            resp
        }
        Err(e) => {
            tracing::warn!(file = %file.display(), error = %e, "index.html missing: is the app built?");
            ApiError::NotFound("the app is not built (index.html is missing)".into())
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_app_route;

    #[test]
    fn app_routes_have_no_extension() {
        assert!(is_app_route("/callback"));
        assert!(is_app_route("/"));
        assert!(is_app_route("/console/dot"));
        assert!(!is_app_route("/x.js"));
        assert!(!is_app_route("/pkg/app_bg.wasm"));
    }
}
