//! The router: every route, its layers, and nothing that touches the process (see `main.rs`).

use axum::http::{header, HeaderValue, Request};
use axum::routing::get;
use axum::Router;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::routes::{health, oauth1, oauth2, public_config, static_files};
use crate::state::AppState;

/// The companion's whole HTTP surface.
pub fn app(state: AppState) -> Router {
    let mut oauth1 = oauth1::router().layer(DefaultBodyLimit::max(oauth1::proxy::MAX_BODY));
    let mut oauth2 = oauth2::router(&state);
    if let Some(cors) = cors(&state) {
        oauth1 = oauth1.layer(cors.clone());
        oauth2 = oauth2.layer(cors);
    }
    Router::new()
        .merge(oauth1)
        .merge(oauth2)
        .route("/healthz", get(health::healthz))
        .route("/latchkey.json", get(public_config::latchkey_json))
        .fallback(static_files::serve)
        // One `layer` call for the three: axum wraps (boxes) every route once per call and
        // clones each box per request, so three calls cost three clones and three boxed
        // futures a request (docs/notes/companion-performance.md). Outermost first.
        .layer(
            tower::ServiceBuilder::new()
                // Spans carry the path only: queries hold OAuth tokens and verifiers.
                // DEBUG, as tower-http's own default span: at `serve`'s default level (info)
                // a span per request cost ≈ 5 µs of CPU a request under load, a sixth of
                // `/sign` (docs/notes/companion-performance.md). Operators who want every line
                // tagged with method and path run `RUST_LOG=info,latchkey_companion=debug`.
                .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                    tracing::debug_span!("request", method = %req.method(), path = %req.uri().path())
                }))
                // The app's callback URL carries a code or verifier: do not hand it to other sites.
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::REFERRER_POLICY,
                    HeaderValue::from_static("no-referrer"),
                ))
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                )),
        )
        .with_state(state)
}

/// CORS with credentials for `allowed_origins` only; none when the list is empty (the app on
/// `public_url` is same-origin and needs no CORS).
fn cors(state: &AppState) -> Option<CorsLayer> {
    let origins: Vec<HeaderValue> = state
        .config()
        .server
        .allowed_origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    if origins.is_empty() {
        return None;
    }
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_credentials(true)
            .allow_methods([
                Method::GET,
                Method::HEAD,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ])
            .allow_headers([
                header::CONTENT_TYPE,
                header::ACCEPT,
                header::IF_MATCH,
                header::IF_NONE_MATCH,
            ]),
    )
}

#[cfg(test)]
pub(crate) mod tests;
