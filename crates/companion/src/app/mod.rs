//! The router: every route, its layers, and nothing that touches the process (see `main.rs`).

use axum::http::{header, HeaderName, HeaderValue, Request};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use tower::util::MapResponseLayer;
use tower_http::trace::TraceLayer;

use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::routes::{health, oauth1, oauth2, public_config, static_files};
use crate::state::AppState;

/// The companion's whole HTTP surface.
pub fn app(state: AppState) -> Router {
    let mut oauth1 = oauth1::router();
    let mut oauth2 = oauth2::router();
    if let Some(cors) = cors(&state) {
        oauth1 = oauth1.layer(cors.clone());
        oauth2 = oauth2.layer(cors);
    }
    // HSTS only where the browser arrives over TLS: sent over plain http it is ignored, and a
    // loopback development origin must not be pinned to https.
    let hsts = state
        .config()
        .server
        .is_https()
        .then(|| HeaderValue::from_static(HSTS));
    let routes = Router::new()
        .merge(oauth1)
        .merge(oauth2)
        .route("/healthz", get(health::healthz))
        .route("/latchkey.json", get(public_config::latchkey_json))
        .fallback(static_files::serve)
        // The app's callback URL carries a code or verifier: do not hand it to other sites.
        // `nosniff`: a JSON answer is never run as a script or styled as CSS. HSTS: see above.
        // One layer for all three: axum wraps (boxes) every route once per `layer` call and
        // clones each box per request, so each call costs a clone and a boxed future a request
        // (docs/notes/companion-performance.md). The body limit rides in the same call: it is
        // the OAuth 1.0a routes' (the proxy's), and the OAuth 2.0 routes set their own, which
        // wins because it is applied inside this one.
        .layer(
            tower::ServiceBuilder::new()
                .layer(MapResponseLayer::new(move |resp| {
                    security_headers(resp, hsts.as_ref())
                }))
                .layer(DefaultBodyLimit::max(oauth1::proxy::MAX_BODY)),
        );
    // Spans carry the path only: queries hold OAuth tokens and verifiers. DEBUG, as
    // tower-http's own default span: at `serve`'s default level (info) a span per request cost
    // ≈ 5 µs of CPU a request under load, a sixth of `/sign`. Operators who want every line
    // tagged with method and path run `RUST_LOG=info,latchkey_companion=debug`. Without that
    // (or tower-http's own events) the layer is left out altogether: even with nothing to
    // record it wraps every response body and reads the clock twice a request.
    let routes = if request_tracing() {
        routes.layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            tracing::debug_span!("request", method = %req.method(), path = %req.uri().path())
        }))
    } else {
        routes
    };
    routes.with_state(state)
}

/// Whether the per-request span or tower-http's per-request events would be recorded (the log
/// filter is fixed when `serve` starts, before the router is built). tower-http's ERROR event
/// for a 5xx answer is not counted: `ApiError` logs every 5xx it answers with itself.
fn request_tracing() -> bool {
    tracing::enabled!(tracing::Level::DEBUG)
        || tracing::enabled!(target: "tower_http::trace::on_response", tracing::Level::DEBUG)
}

/// `Strict-Transport-Security` when `public_url` is https: a year, this host only (the
/// companion cannot speak for its parent domain's other hosts).
pub(crate) const HSTS: &str = "max-age=31536000";

/// `Referrer-Policy: no-referrer` and `X-Content-Type-Options: nosniff` on every answer that
/// does not set them itself, and `hsts` when given. The page's Content-Security-Policy is set
/// where the page is read (`routes::static_files`): it depends on the page's own scripts.
fn security_headers(mut resp: Response, hsts: Option<&HeaderValue>) -> Response {
    let headers = resp.headers_mut();
    if let Some(hsts) = hsts {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, hsts.clone());
    }
    if !headers.contains_key(header::REFERRER_POLICY) {
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
    }
    if !headers.contains_key(header::X_CONTENT_TYPE_OPTIONS) {
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
    }
    resp
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
                // A page on another site sends its sealed OAuth 1.0a session here
                // (routes::oauth1::handoff).
                HeaderName::from_static(crate::routes::oauth1::handoff::SESSION_HEADER),
                // The browser's DPoP proof for the token-mediation routes (RFC 9449 §4).
                HeaderName::from_static(latchkey_proto::dpop::DPOP),
            ])
            // The provider's nonce, relayed by the token-mediation routes (RFC 9449 §8): a
            // header script on another origin cannot read unless it is exposed.
            .expose_headers([HeaderName::from_static(latchkey_proto::dpop::DPOP_NONCE)]),
    )
}

#[cfg(test)]
pub(crate) mod tests;
