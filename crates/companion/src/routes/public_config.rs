//! `GET /latchkey.json`: the public projection of the configuration, read by the app.
//!
//! Built by [`Config::public`](crate::config::Config::public), which has no access to secrets.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use crate::state::AppState;

/// The serialised [`PublicConfig`](latchkey_proto::public_config::PublicConfig).
pub async fn latchkey_json(State(state): State<AppState>) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        state.public_json(),
    )
}
