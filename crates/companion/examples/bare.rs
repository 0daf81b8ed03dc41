//! The benchmark's baseline: a bare axum handler of the same shape as `/oauth1/{id}/sign`
//! (parses the same JSON body, answers a JSON object of constant size), with no cookie, no
//! crypto and no signing. `scripts/bench-companion.sh` compares the companion against it.
//!
//! `cargo run --profile server -p latchkey-companion --example bare -- 127.0.0.1:18181`

use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
#[allow(dead_code)] // parsed for the cost of parsing, as the companion does
struct SignRequest {
    method: String,
    url: String,
    #[serde(default)]
    params: Option<serde_json::Value>,
}

#[derive(Serialize)]
struct SignResponse {
    authorization: &'static str,
}

/// Same length as a real HMAC-SHA1 header for the benchmark's request.
const HEADER: &str = concat!(
    "OAuth oauth_nonce=\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\", oauth_timestamp=\"1800000000\", ",
    "oauth_version=\"1.0\", oauth_signature_method=\"HMAC-SHA1\", ",
    "oauth_consumer_key=\"latchkeydemoconsumer01\", oauth_token=\"benchaccesstoken0123456789\", ",
    "oauth_signature=\"aaaaaaaaaaaaaaaaaaaaaaaaaaaa\""
);

async fn sign(Json(_req): Json<SignRequest>) -> Json<SignResponse> {
    Json(SignResponse {
        authorization: HEADER,
    })
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18181".to_owned());
    let app = Router::new().route("/oauth1/{id}/sign", post(sign));
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .map_err(|e| e.to_string())?;
    axum::serve(listener, app).await.map_err(|e| e.to_string())
}
