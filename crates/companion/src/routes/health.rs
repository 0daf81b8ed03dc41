//! `GET /healthz`: liveness for load balancers and scripts waiting for the server.

use axum::response::IntoResponse;

/// Answers `{"status":"ok"}` as long as the process serves requests.
pub async fn healthz() -> impl IntoResponse {
    (
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        axum::Json(serde_json::json!({ "status": "ok" })),
    )
}
