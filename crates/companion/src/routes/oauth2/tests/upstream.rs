//! Local listeners for the router tests. None of them speaks OAuth: the protocol (DOT taking
//! the client authentication, the verifier and the redirect URI; rotating, revoking, refusing)
//! is checked end to end against Django OAuth Toolkit in tests/tests/mediation.rs and
//! tests/tests/mediation_routes.rs.
//!
//! [`Recorder`] keeps what the companion sent, which is what these tests check, and answers
//! each request as a provider that is out of service would, or with the network fault its path
//! names; [`truncating`] and [`closed_port`] are faults below HTTP.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderName, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use base64::Engine;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The `DPoP-Nonce` of RFC 9449 §8's example, which `/use-nonce` and `/dpop-token` send.
pub const NONCE: &str = "eyJ7S_zG.eyJH0-Z.HX4w-7v";

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    /// The `Authorization: Basic` pair, decoded (not form-decoded), if sent.
    pub basic: Option<(String, String)>,
    pub params: HashMap<String, String>,
    /// Every `DPoP` header value, in order.
    pub dpop: Vec<String>,
}

/// A listener that records every request. It answers `/slow` after 30 s, `/html` with a
/// captive portal's page, `/boom` with a bare 500, `/use-nonce` and `/dpop-token` with
/// RFC 9449's own examples (the nonce challenge of §8, the DPoP token of §5: what a DPoP
/// provider answers, for the companion's pass-through; oidc-provider speaking DPoP through the
/// companion is tests/tests/mediation_dpop.rs), and anything else `503 Service Unavailable` in
/// plain text.
#[derive(Clone)]
pub struct Recorder {
    pub base: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Recorder {
    pub async fn start() -> Recorder {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let r = Recorder {
            base: format!("http://{}", listener.local_addr().unwrap()),
            seen: Arc::default(),
        };
        let router = Router::new().fallback(answer).with_state(r.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        r
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

async fn answer(State(r): State<Recorder>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|d| String::from_utf8(d).ok())
        .and_then(|s| {
            s.split_once(':')
                .map(|(id, secret)| (id.to_owned(), secret.to_owned()))
        });
    r.seen.lock().unwrap().push(Seen {
        path: uri.path().to_owned(),
        basic,
        params: form_urlencoded::parse(&body).into_owned().collect(),
        dpop: headers
            .get_all("dpop")
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect(),
    });
    match uri.path() {
        "/slow" => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
        "/html" => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/html")],
            "<html><body>Sign in to the corporate proxy</body></html>",
        )
            .into_response(),
        "/boom" => (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response(),
        // RFC 9449 §8, Figure 20.
        "/use-nonce" => (
            StatusCode::BAD_REQUEST,
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, "no-store"),
                (HeaderName::from_static("dpop-nonce"), NONCE),
            ],
            r#"{"error":"use_dpop_nonce","error_description":"Authorization server requires nonce in DPoP proof"}"#,
        )
            .into_response(),
        // RFC 9449 §5, Figure 5, with a new nonce beside it (§8.2).
        "/dpop-token" => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, "no-store"),
                (HeaderName::from_static("dpop-nonce"), NONCE),
            ],
            r#"{"access_token":"Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU","token_type":"DPoP","expires_in":2677,"refresh_token":"Q..Zkm29lexi8VnWg2zPW1x-tgGad0Ibc3s3EwM_Ni4-g"}"#,
        )
            .into_response(),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "down for maintenance").into_response(),
    }
}

/// A listener that promises 500 bytes of JSON and closes after 20: a cut connection.
pub async fn truncating() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf).await;
                let _ = sock
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"access_token\":\"x")
                    .await;
                let _ = sock.shutdown().await;
            });
        }
    });
    base
}

/// An address nothing listens on.
pub async fn closed_port() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    base
}
