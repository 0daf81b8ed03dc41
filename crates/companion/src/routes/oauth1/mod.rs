//! OAuth 1.0a through the companion (RFC 5849): the three legs, the session, and signing.
//!
//! Per provider id:
//! - `GET /oauth1/{id}/login?return_to=/path` and `GET /oauth1/{id}/callback`: the legs
//!   ([`login`]);
//! - `GET /oauth1/{id}/session`, `POST /oauth1/{id}/logout` ([`session`]);
//! - `POST /oauth1/{id}/handoff`: a sign-in handed to a page on another site ([`handoff`]);
//! - `ANY /oauth1/{id}/api/{*path}`: the signing proxy to `api_base` ([`proxy`]);
//! - `POST /oauth1/{id}/sign`: an `Authorization` header for a request under `api_base`
//!   ([`sign`]).
//!
//! The protocol (base strings, signatures, token responses) is `latchkey_proto::oauth1`; this
//! module only moves bytes, keeps secrets in sealed cookies ([`crate::sealed_cookie`]) and
//! enforces who may ask for what (origin checks, `api_base` confinement).

pub mod api_path;
mod cookie_payload;
mod cookies;
pub mod handoff;
pub mod login;
pub mod navigation;
pub mod proxy;
pub mod session;
pub mod sign;
#[cfg(test)]
mod tests;

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use axum::routing::{any, get, post};
use axum::Router;
use latchkey_proto::oauth1::{Consumer, SignatureMethod};

use crate::config::{OAuth1Provider, ProviderKind};
use crate::error::ApiError;
pub(crate) use crate::routes::origin::check_origin;
use crate::sealed_cookie::CookieSealer;
use crate::secrets::ConsumerCredential;
use crate::state::AppState;

pub use cookies::{
    CookieKind, OpenSession, SignedIn, PENDING_TTL, SESSION_IDLE_TTL, SESSION_RENEW_AFTER,
    SESSION_TTL,
};

/// The OAuth 1.0a routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/oauth1/{id}/login", get(login::login))
        .route("/oauth1/{id}/callback", get(login::callback))
        .route("/oauth1/{id}/session", get(session::session))
        .route("/oauth1/{id}/logout", post(session::logout))
        .route("/oauth1/{id}/handoff", post(handoff::handoff))
        .route("/oauth1/{id}/sign", post(sign::sign))
        .route("/oauth1/{id}/api/", any(proxy::proxy_root))
        .route("/oauth1/{id}/api/{*path}", any(proxy::proxy))
}

/// The `{id}` of an OAuth 1.0a route. A path that does not decode (e.g. `%FF`) is refused
/// with the JSON 400 every other refusal is, rather than axum's plain-text one.
pub struct ProviderId(
    /// The provider id as configured.
    pub String,
);

impl<S: Send + Sync> FromRequestParts<S> for ProviderId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        // The raw (already percent-decoded) captures rather than `Path<HashMap<…>>`: no map
        // and no deserializer on every request, just a look-up of the one name we need.
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|r| ApiError::BadRequest(r.body_text().into()))?;
        params
            .iter()
            .find(|(name, _)| *name == "id")
            .map(|(_, id)| ProviderId(id.to_owned()))
            .ok_or_else(|| ApiError::Internal("route without {id}".to_owned()))
    }
}

/// One configured OAuth 1.0a provider with its secrets, looked up by id.
pub(crate) struct Provider<'s> {
    pub id: &'s str,
    pub config: &'s OAuth1Provider,
    pub api_base: Option<&'s str>,
    pub credential: &'s ConsumerCredential,
    pub sealer: &'s CookieSealer,
}

impl Provider<'_> {
    pub fn consumer(&self) -> Consumer<'_> {
        Consumer {
            key: &self.config.consumer_key,
            credential: self.credential.as_proto(),
            signature_method: self.config.signature_method,
            realm: None,
        }
    }

    pub fn signature_method(&self) -> SignatureMethod {
        self.config.signature_method
    }
}

/// The OAuth 1.0a provider `id`, or a 404 naming the ones that exist.
pub(crate) fn provider<'s>(state: &'s AppState, id: &str) -> Result<Provider<'s>, ApiError> {
    let found = state.config().provider(id).and_then(|p| match &p.kind {
        ProviderKind::OAuth1(o) => Some((p, o)),
        ProviderKind::Browser(_) => None,
    });
    let not_found = || {
        let known: Vec<&str> = state
            .config()
            .providers
            .iter()
            .filter(|p| matches!(p.kind, ProviderKind::OAuth1(_)))
            .map(|p| p.id.as_str())
            .collect();
        let id: String = id.chars().take(64).collect();
        ApiError::NotFound(
            format!(
                "no OAuth 1.0a provider {id:?} (configured: {})",
                known.join(", ")
            )
            .into(),
        )
    };
    let (p, o) = found.ok_or_else(not_found)?;
    let credential =
        state.secrets().consumers.get(&p.id).ok_or_else(|| {
            ApiError::Internal(format!("no consumer credential loaded for {}", p.id))
        })?;
    let sealer = state
        .cookie_sealer()
        .ok_or_else(|| ApiError::Internal("no cookie key loaded".to_owned()))?;
    Ok(Provider {
        id: &p.id,
        config: o,
        api_base: p.api_base.as_deref(),
        credential,
        sealer,
    })
}

/// The timestamp and a fresh nonce for one signed request.
pub(crate) fn stamp_parts(state: &AppState) -> (u64, String) {
    (state.clock().now(), state.random().oauth_nonce())
}

/// The RNG that blinds an RSA signature (RUSTSEC-2023-0071; proto takes it from its caller).
///
/// A CSPRNG seeded from the OS, not the state's injectable [`Randomness`]: blinding needs
/// values an attacker cannot predict, and it never changes a signature's bytes, so tests lose
/// nothing by not fixing it. The tests' fixed randomness would even stall the blinding's
/// rejection sampling, which draws again until a value falls below the modulus.
///
/// [`Randomness`]: crate::state::Randomness
pub(crate) fn blinding_rng() -> rand::rngs::ThreadRng {
    rand::thread_rng()
}

/// Signs one API request with the consumer's and the signed-in session's credentials: the
/// one place the signing proxy and `/sign` build a [`SigningRequest`].
pub(crate) fn sign_for_session(
    state: &AppState,
    p: &Provider<'_>,
    session: &cookies::Session,
    method: &str,
    url: &str,
    body: latchkey_proto::oauth1::Body<'_>,
) -> Result<latchkey_proto::oauth1::Signed, ApiError> {
    let (timestamp, nonce) = stamp_parts(state);
    latchkey_proto::oauth1::sign_request(
        &latchkey_proto::oauth1::SigningRequest {
            method,
            url,
            body,
            consumer_key: &p.config.consumer_key,
            token: Some(&session.token),
            callback: None,
            verifier: None,
            signature_method: p.signature_method(),
            timestamp,
            nonce: &nonce,
            realm: None,
        },
        &latchkey_proto::oauth1::Credentials {
            consumer: p.credential.as_proto(),
            token_secret: Some(&session.secret),
        },
        &mut blinding_rng(),
    )
    .map_err(|e| ApiError::BadRequest(format!("cannot sign this request: {e}").into()))
}

/// The `name=value` of a session cookie for provider `id` holding `session`, as `/callback`
/// would set it. For tools that need a signed-in client without a browser (the benchmark's
/// `examples/mint_session.rs`); the normal way in is the sign-in flow.
pub fn session_cookie(
    state: &AppState,
    id: &str,
    session: &latchkey_proto::oauth1::TokenCredentials,
) -> Result<String, ApiError> {
    let p = provider(state, id)?;
    let set = cookies::set_session(state, &p, session.clone())?;
    let text = set
        .to_str()
        .map_err(|e| ApiError::Internal(format!("cookie header: {e}")))?;
    Ok(text.split(';').next().unwrap_or_default().to_owned())
}
