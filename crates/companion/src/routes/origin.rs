//! CSRF defence shared by every state-changing route (OAuth 1.0a and token mediation).

use axum::http::{header, HeaderMap};

use crate::error::ApiError;
use crate::state::AppState;

/// The `Origin` header must be the app's own origin (`public_url`) or one of
/// `allowed_origins`. Browsers always send `Origin` on cross-origin and on non-GET requests,
/// so a missing header is refused too.
pub(crate) fn check_origin(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let server = &state.config().server;
    match headers.get(header::ORIGIN).map(|v| v.to_str()) {
        Some(Ok(o)) if o == server.public_url || server.allowed_origins.iter().any(|a| a == o) => {
            Ok(())
        }
        Some(Ok(o)) => {
            let o: String = o.chars().take(100).collect();
            Err(ApiError::Forbidden(
                format!("requests from origin {o:?} are not allowed; add it to [server] allowed_origins if it is yours").into(),
            ))
        }
        Some(Err(_)) => Err(ApiError::Forbidden(
            "the Origin header is not readable".into(),
        )),
        None => Err(ApiError::Forbidden(
            "an Origin header is required: state-changing requests must come from the app's page"
                .into(),
        )),
    }
}
