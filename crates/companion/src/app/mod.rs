//! The router: every route, its layers, and nothing that touches the process (see `main.rs`).

use axum::http::{header, HeaderValue, Request};
use axum::routing::get;
use axum::Router;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::routes::{health, public_config, static_files};
use crate::state::AppState;

/// The companion's whole HTTP surface.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/latchkey.json", get(public_config::latchkey_json))
        .fallback(static_files::serve)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        // The app's callback URL carries a code or verifier: do not hand it to other sites.
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        // Spans carry the path only: queries hold OAuth tokens and verifiers.
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path())
        }))
        .with_state(state)
}

#[cfg(test)]
mod tests;
