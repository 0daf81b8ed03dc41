//! A local token endpoint for the router tests: a protocol stand-in, not a mock of the
//! companion's expectations. It checks what RFC 6749 and RFC 7636 require of the client
//! (§2.3.1 client authentication present and correct, §4.1.3 one-time codes bound to their
//! redirect_uri, the PKCE verifier matching the challenge, §6 refresh tokens rotating, RFC 7009
//! revocation), so a companion that forgets the secret or the verifier fails here.
//!
//! It is acceptable inside *router unit tests* only: the proof against a real provider is the
//! end-to-end suite (tests/tests/mediation.rs) against Django OAuth Toolkit.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::Engine;
use latchkey_proto::pkce::Verifier;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub const CLIENT_ID: &str = "med-client";
pub const CLIENT_SECRET: &str = "med-client-secret-Zq81";

/// One request as the provider saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    /// `basic`, `post` or `none`.
    pub auth: &'static str,
    pub params: HashMap<String, String>,
}

#[derive(Default)]
pub struct Inner {
    /// code → (challenge, redirect_uri)
    codes: HashMap<String, (String, String)>,
    refresh_tokens: HashSet<String>,
    pub revoked: Vec<String>,
    pub seen: Vec<Seen>,
    pub discovery_hits: usize,
    pub discovery_failures_left: usize,
    counter: u32,
}

#[derive(Clone)]
pub struct Provider {
    pub base: String,
    pub inner: Arc<Mutex<Inner>>,
}

impl Provider {
    pub async fn start() -> Provider {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let p = Provider {
            base,
            inner: Arc::new(Mutex::new(Inner::default())),
        };
        let router = Router::new()
            .route("/token", post(token))
            .route("/revoke", post(revoke))
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/slow", post(slow))
            .route("/html", post(html))
            .route("/boom", post(boom))
            .with_state(p.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        p
    }

    /// What the authorization endpoint would do after consent: a one-time code bound to the
    /// verifier's challenge and the redirect URI.
    pub fn issue_code(&self, verifier: &str, redirect_uri: &str) -> String {
        let challenge = Verifier::parse(verifier)
            .unwrap()
            .challenge()
            .as_str()
            .to_owned();
        let mut i = self.inner.lock().unwrap();
        i.counter += 1;
        let code = format!("code-{}-Kx7", i.counter);
        i.codes
            .insert(code.clone(), (challenge, redirect_uri.to_owned()));
        code
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.inner.lock().unwrap().seen.clone()
    }
}

fn json(status: StatusCode, v: serde_json::Value) -> Response {
    (status, axum::Json(v)).into_response()
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    json(
        status,
        serde_json::json!({ "error": error, "error_description": description }),
    )
}

/// RFC 6749 §2.3.1: Basic or body credentials, exactly one of them, and correct; else the
/// §5.2 `invalid_client` answer.
fn client_auth(
    headers: &HeaderMap,
    params: &HashMap<String, String>,
) -> Result<&'static str, Box<Response>> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "));
    let in_body = params.contains_key("client_secret");
    let ok = match (basic, in_body) {
        (Some(b), false) => {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(b)
                .ok()
                .and_then(|d| String::from_utf8(d).ok());
            decoded.as_deref() == Some(&format!("{CLIENT_ID}:{CLIENT_SECRET}")[..])
        }
        (None, true) => {
            params.get("client_id").map(String::as_str) == Some(CLIENT_ID)
                && params.get("client_secret").map(String::as_str) == Some(CLIENT_SECRET)
        }
        _ => false,
    };
    if !ok {
        return Err(Box::new(oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication failed",
        )));
    }
    Ok(if basic.is_some() { "basic" } else { "post" })
}

fn record(p: &Provider, path: &str, auth: &'static str, params: &HashMap<String, String>) {
    p.inner.lock().unwrap().seen.push(Seen {
        path: path.to_owned(),
        auth,
        params: params.clone(),
    });
}

fn parse(body: &Bytes) -> HashMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}

async fn token(State(p): State<Provider>, headers: HeaderMap, body: Bytes) -> Response {
    let params = parse(&body);
    let auth = match client_auth(&headers, &params) {
        Ok(a) => a,
        Err(resp) => {
            record(&p, "/token", "none", &params);
            return *resp;
        }
    };
    record(&p, "/token", auth, &params);
    let mut i = p.inner.lock().unwrap();
    let issue = |i: &mut Inner| {
        i.counter += 1;
        let n = i.counter;
        let rt = format!("refresh-{n}-Pq3");
        i.refresh_tokens.insert(rt.clone());
        // expires_in as a string: a quirk proto's parser absorbs; the companion answers a number.
        json(
            StatusCode::OK,
            serde_json::json!({
                "access_token": format!("access-{n}-Wm5"),
                "token_type": "bearer",
                "expires_in": "3600",
                "refresh_token": rt,
                "scope": "read write",
            }),
        )
    };
    match params.get("grant_type").map(String::as_str) {
        Some("authorization_code") => {
            let Some((challenge, redirect)) = params.get("code").and_then(|c| i.codes.remove(c))
            else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "unknown or used code",
                );
            };
            let Some(verifier) = params.get("code_verifier") else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "code_verifier missing",
                );
            };
            let matches = Verifier::parse(verifier.as_str())
                .map(|v| v.challenge().as_str() == challenge)
                .unwrap_or(false);
            if !matches {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "PKCE verification failed",
                );
            }
            if params.get("redirect_uri") != Some(&redirect) {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "redirect_uri mismatch",
                );
            }
            issue(&mut i)
        }
        Some("refresh_token") => {
            let Some(rt) = params.get("refresh_token") else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "refresh_token missing",
                );
            };
            // Rotation: the old refresh token dies with its use.
            if !i.refresh_tokens.remove(rt) {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "refresh token invalid",
                );
            }
            issue(&mut i)
        }
        _ => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type",
        ),
    }
}

async fn revoke(State(p): State<Provider>, headers: HeaderMap, body: Bytes) -> Response {
    let params = parse(&body);
    let auth = match client_auth(&headers, &params) {
        Ok(a) => a,
        Err(resp) => return *resp,
    };
    record(&p, "/revoke", auth, &params);
    let mut i = p.inner.lock().unwrap();
    if let Some(t) = params.get("token") {
        i.refresh_tokens.remove(t);
        i.revoked.push(t.clone());
    }
    StatusCode::OK.into_response()
}

async fn discovery(State(p): State<Provider>) -> Response {
    let mut i = p.inner.lock().unwrap();
    i.discovery_hits += 1;
    if i.discovery_failures_left > 0 {
        i.discovery_failures_left -= 1;
        return (StatusCode::SERVICE_UNAVAILABLE, "try later").into_response();
    }
    json(
        StatusCode::OK,
        serde_json::json!({
            "issuer": p.base,
            "authorization_endpoint": format!("{}/authorize", p.base),
            "token_endpoint": format!("{}/token", p.base),
            "revocation_endpoint": format!("{}/revoke", p.base),
            "jwks_uri": format!("{}/jwks", p.base),
        }),
    )
}

async fn slow() -> Response {
    tokio::time::sleep(Duration::from_secs(30)).await;
    StatusCode::OK.into_response()
}

async fn html() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/html")],
        "<html><body>Sign in to the corporate proxy</body></html>",
    )
        .into_response()
}

async fn boom() -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response()
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
