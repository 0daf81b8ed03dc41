//! A bare wasm-bindgen module that calls latchkey-proto's browser-side entry points the way
//! `crates/client` does, so `scripts/proto-size.sh` can weigh proto alone (issue 16 §4).
//!
//! Each export takes what the browser would hand in (strings, bytes, numbers) and returns a
//! string: the result, or the error's words (`to_string()`, as the client shows them). Nothing
//! here is meant to be called; it only has to keep the code reachable.

use latchkey_proto::authorize::{self, FlowRandomness, FlowStart, PendingFlow};
use latchkey_proto::callback::{self, IssParameter};
use latchkey_proto::discovery;
use latchkey_proto::logout::{self, LogoutRequest};
use latchkey_proto::oidc::{
    self, AlgPolicy, IdTokenChecks, Jwk, JwkSet, JwsAlg, JwsVerifier, NonceCheck, VerifyError,
};
use latchkey_proto::public_config::PublicConfig;
use latchkey_proto::revocation::{self, TokenToRevoke};
use latchkey_proto::secret::{AccessToken, Nonce, RefreshToken};
use latchkey_proto::token::{self, ClientAuth};
use latchkey_proto::{form, pkce};
use wasm_bindgen::prelude::*;

fn response(status: u16, content_type: &str, body: &[u8]) -> Option<http::Response<Vec<u8>>> {
    http::Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, content_type)
        .body(body.to_vec())
        .ok()
}

fn words(e: impl core::fmt::Display) -> String {
    e.to_string()
}

/// `/latchkey.json` (client `config.rs`).
#[wasm_bindgen]
pub fn public_config(text: &str) -> String {
    match PublicConfig::from_json(text.as_bytes()) {
        Ok(c) => c
            .providers
            .first()
            .map(|p| p.id.clone())
            .unwrap_or_default(),
        Err(e) => words(e),
    }
}

/// Discovery (client `endpoints.rs`): the metadata URL, its request, the document.
#[wasm_bindgen]
pub fn discover(issuer: &str, oauth2: bool, status: u16, body: &[u8]) -> String {
    let url = if oauth2 {
        discovery::authorization_server_metadata_url(issuer)
    } else {
        discovery::openid_configuration_url(issuer)
    };
    let url = match url {
        Ok(u) => u,
        Err(e) => return words(e),
    };
    if let Err(e) = discovery::build_metadata_request(&url) {
        return words(e);
    }
    let Some(resp) = response(status, "application/json", body) else {
        return String::new();
    };
    match discovery::parse_metadata_response(&resp, issuer) {
        Ok(m) => {
            let s256 = m.supports_s256().is_some().to_string();
            m.token_endpoint.unwrap_or_default() + &s256
        }
        Err(e) => words(e),
    }
}

/// Sign-in (client `signin.rs`): state, nonce, PKCE, the authorization URL, the pending flow
/// as stored in `sessionStorage`.
#[wasm_bindgen]
pub fn sign_in(
    endpoint: &str,
    client_id: &str,
    redirect_uri: &str,
    scope: &str,
    random: &[u8],
    now: u64,
) -> String {
    let scopes: Vec<String> = scope.split(' ').map(str::to_owned).collect();
    let start = FlowStart {
        provider_id: "p",
        issuer: Some(endpoint),
        authorization_endpoint: endpoint,
        client_id,
        redirect_uri,
        scopes: &scopes,
        return_to: "/",
        extra: &[("prompt", "login")],
    };
    let n = random.len() / 3;
    let random = FlowRandomness {
        state: &random[..n],
        nonce: &random[n..2 * n],
        verifier: &random[2 * n..],
    };
    match authorize::begin(&start, &random, now) {
        Ok((url, pending)) => url + &pending.to_json(),
        Err(e) => words(e),
    }
}

/// A stored or relayed PKCE verifier (client `mediation.rs`).
#[wasm_bindgen]
pub fn pkce_verifier(value: &str) -> String {
    match pkce::Verifier::parse(value) {
        Ok(v) => v.challenge().as_str().to_owned(),
        Err(e) => words(e),
    }
}

/// The callback (client `callback_flow.rs`): find the pending flow by `state`, validate,
/// build the code exchange.
#[wasm_bindgen]
pub fn callback(
    url: &str,
    pending: &str,
    required: bool,
    token_endpoint: &str,
    now: u64,
) -> String {
    let Some(state) = callback::callback_state(url) else {
        return String::new();
    };
    let Some(pending) = PendingFlow::from_json(pending.as_bytes()) else {
        return "not a pending flow".to_owned();
    };
    let iss = if required {
        IssParameter::Required
    } else {
        IssParameter::NotAdvertised
    };
    let validated = match callback::validate_callback(url, &pending, iss, now) {
        Ok(v) => v,
        Err(e) => return words(e),
    };
    let auth = ClientAuth::Public { client_id: &state };
    match token::build_code_request(token_endpoint, &auth, validated, pending.verifier) {
        Ok(r) => String::from_utf8_lossy(r.body()).into_owned(),
        Err(e) => words(e),
    }
}

/// The token endpoint's answer (client `exchange.rs`).
#[wasm_bindgen]
pub fn token_response(status: u16, content_type: &str, body: &[u8]) -> String {
    let Some(resp) = response(status, content_type, body) else {
        return String::new();
    };
    match token::parse_token_response(&resp) {
        Ok(t) => [
            t.access_token.secret(),
            t.refresh_token.as_ref().map_or("", |r| r.secret()),
            t.id_token.as_deref().unwrap_or(""),
            &t.scope.unwrap_or_default().join(" "),
            &t.expires_in.unwrap_or(0).to_string(),
        ]
        .concat(),
        Err(e) => words(e),
    }
}

/// Refresh, revocation and logout (client `refresh.rs`, `signout.rs`).
#[wasm_bindgen]
pub fn refresh_and_sign_out(
    endpoint: &str,
    client_id: &str,
    token: &str,
    status: u16,
    body: &[u8],
) -> String {
    let auth = ClientAuth::Public { client_id };
    let refresh = RefreshToken::new(token);
    let mut out = match token::build_refresh_request(endpoint, &auth, &refresh, None) {
        Ok(r) => String::from_utf8_lossy(r.body()).into_owned(),
        Err(e) => words(e),
    };
    match revocation::build_revocation_request(endpoint, &auth, TokenToRevoke::Refresh(&refresh)) {
        Ok(r) => out += &String::from_utf8_lossy(r.body()),
        Err(e) => out += &words(e),
    }
    if let Some(resp) = response(status, "application/json", body) {
        if let Err(e) = revocation::parse_revocation_response(&resp) {
            out += &words(e);
        }
    }
    let logout = LogoutRequest {
        id_token_hint: Some(token),
        post_logout_redirect_uri: Some(endpoint),
        client_id: Some(client_id),
        state: None,
    };
    match logout::end_session_url(endpoint, &logout) {
        Ok(u) => out + &u,
        Err(e) => out + &words(e),
    }
}

/// Stands in for WebCrypto (client `webcrypto.rs`): exports the key as the client does, and
/// accepts every signature, so the claim checks stay reachable.
struct AcceptAll;

impl JwsVerifier for AcceptAll {
    async fn verify(
        &self,
        alg: JwsAlg,
        key: &Jwk,
        _signing_input: &[u8],
        signature: &[u8],
    ) -> Result<(), VerifyError> {
        let jwk_text = key.to_public_json(alg).to_string();
        if jwk_text.len() == signature.len() {
            return Err(VerifyError::InvalidKey("odd"));
        }
        Ok(())
    }
}

/// Polls a future that never waits (the verifier above is synchronous).
fn ready<F: core::future::Future>(f: F) -> Option<F::Output> {
    let mut f = core::pin::pin!(f);
    let mut cx = core::task::Context::from_waker(core::task::Waker::noop());
    match f.as_mut().poll(&mut cx) {
        core::task::Poll::Ready(v) => Some(v),
        core::task::Poll::Pending => None,
    }
}

/// The ID token (client `exchange.rs`): the key set, the header, the claims.
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn id_token(
    compact: &str,
    jwks: &[u8],
    jwks_status: u16,
    issuer: &str,
    client_id: &str,
    nonce: &str,
    access_token: &str,
    algs: &str,
    refreshed: bool,
    now: u64,
) -> String {
    let Some(resp) = response(jwks_status, "application/json", jwks) else {
        return String::new();
    };
    let jwks = match JwkSet::parse_response(&resp) {
        Ok(k) => k,
        Err(e) => return words(e),
    };
    let nonce = Nonce::new(nonce);
    let access_token = AccessToken::new(access_token);
    let names: Vec<String> = algs.split(' ').map(str::to_owned).collect();
    let allowed = JwsAlg::accepted(&names);
    let checks = IdTokenChecks {
        issuer,
        client_id,
        nonce: if refreshed {
            NonceCheck::Refreshed(Some(&nonce))
        } else {
            NonceCheck::Expect(&nonce)
        },
        leeway_secs: 60,
        access_token: Some(&access_token),
        expected_sub: None,
        algs: if allowed.is_empty() {
            AlgPolicy::AnySupported
        } else {
            AlgPolicy::OneOf(&allowed)
        },
        max_age: None,
    };
    match ready(oidc::verify_id_token(
        compact, &jwks, &AcceptAll, &checks, now,
    )) {
        Some(Ok(v)) => {
            let c = v.claims();
            [c.sub(), c.name().unwrap_or(""), c.email().unwrap_or("")].concat()
        }
        Some(Err(e)) => words(e),
        None => String::new(),
    }
}

/// UserInfo (client `exchange.rs`).
#[wasm_bindgen]
pub fn userinfo(endpoint: &str, token: &str, status: u16, body: &[u8], sub: &str) -> String {
    if let Err(e) = oidc::build_userinfo_request(endpoint, &AccessToken::new(token)) {
        return words(e);
    }
    let Some(resp) = response(status, "application/json", body) else {
        return String::new();
    };
    match oidc::parse_userinfo_response(&resp, sub) {
        Ok(u) => u.name.unwrap_or_default(),
        Err(e) => words(e),
    }
}

/// The form helpers the client calls directly (`companion_return.rs`, `oauth1.rs`).
#[wasm_bindgen]
pub fn form_helpers(url: &str, query: &str) -> String {
    match form::parse_unique(query) {
        Ok(pairs) => {
            let borrowed: Vec<(&str, &str)> = pairs
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            form::append_query(url, &borrowed) + &form::encode(&borrowed)
        }
        Err(d) => d.0,
    }
}
