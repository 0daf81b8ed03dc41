//! The round trips shared by sign-in and refresh: the token endpoint, the ID token's key set
//! and signature, and userinfo. Each takes the protocol core's request and parser and only
//! adds the fetch.

use latchkey_proto::discovery::ProviderMetadata;
use latchkey_proto::oidc::{
    self, AlgPolicy, IdTokenChecks, IdTokenError, JwkSet, JwsAlg, NonceCheck, UserInfoError,
    VerifiedIdToken,
};
use latchkey_proto::secret::AccessToken;
use latchkey_proto::token::{self, AcceptedTokenTypes, TokenError, TokenSet};
use serde_json::{Map, Value};

use super::dpop::{self, DpopKey, Target};
use super::endpoints::Resolved;
use super::errors::ClockSkew;
use super::mediation::{self, CompanionRefusal};
use super::reach::{self, Endpoint, NoAnswer};
use super::webcrypto::WebCryptoVerifier;
use crate::browser::fetch::{Peer, Revalidate};
use crate::browser::page;

/// Allowed clock skew for `exp`, `iat` and `nbf`, in seconds.
pub const LEEWAY_SECS: u64 = 60;

/// Why a token request failed.
#[derive(Debug)]
pub enum TokenFailure {
    /// No answer.
    NoAnswer(NoAnswer),
    /// The companion's own refusal (mediated providers).
    Companion(CompanionRefusal),
    /// The server's OAuth error (RFC 6749 §5.2).
    Server {
        /// `error`.
        error: String,
        /// `error_description`.
        description: Option<String>,
    },
    /// An error status without an OAuth error body.
    Status(u16),
    /// Not a token response at all (HTML, cut JSON).
    Garbled(String),
    /// A token response with an unusable field.
    Invalid(String),
}

/// Sends a token request (to the provider, or to the companion for a mediated provider),
/// with a DPoP proof when `binding` is given, and parses the answer with the protocol core's
/// parser, accepting the token types `accepted` names.
pub async fn token_round_trip(
    request: http::Request<Vec<u8>>,
    peer: Peer,
    binding: Option<dpop::Binding<'_>>,
    accepted: AcceptedTokenTypes,
) -> Result<TokenSet, TokenFailure> {
    let response = dpop::send(request, binding, peer, Endpoint::Token)
        .await
        .map_err(|e| match e {
            dpop::SendFailure::NoAnswer(n) => TokenFailure::NoAnswer(n),
            dpop::SendFailure::Proof(detail) => TokenFailure::Invalid(format!(
                "the DPoP proof for the token request could not be made ({detail})"
            )),
        })?;
    if peer == Peer::Companion {
        if let Some(refusal) = mediation::companion_refusal(&response) {
            return Err(TokenFailure::Companion(refusal));
        }
    }
    token::parse_token_response_accepting(&response, accepted).map_err(|e| match e {
        TokenError::Server(server) => TokenFailure::Server {
            error: server.error.as_str().to_owned(),
            description: server.description,
        },
        TokenError::HttpStatus { status, .. } => TokenFailure::Status(status),
        TokenError::NotAnObject { .. } => TokenFailure::Garbled(e.to_string()),
        other => TokenFailure::Invalid(other.to_string()),
    })
}

/// Why an ID token was not accepted: the signature side or the claims side.
#[derive(Debug)]
pub enum IdTokenFailure {
    /// The key set could not be fetched.
    NoAnswer(NoAnswer),
    /// Key set, algorithm or signature.
    Signature(String),
    /// Claims (nonce, iss, aud, azp, times, at_hash, sub).
    Claims(String),
    /// The sign-in at the provider (`auth_time`) is older than the `max_age` asked for.
    Stale {
        /// Its age in seconds.
        age: u64,
        /// The `max_age` sent.
        max_age: u64,
    },
    /// The token's times and this device's clock disagree by more than [`LEEWAY_SECS`]: a
    /// token just issued is dated in the future (`iat`, `nbf`) or has expired (`exp`) by the
    /// browser's clock, which is then most likely wrong.
    Clock(ClockSkew),
}

/// The algorithms the provider says it signs ID tokens with, when it says.
/// The algorithms an ID token may be signed with: those of the provider's
/// `id_token_signing_alg_values_supported` that Latchkey accepts, or RS256 alone when the
/// provider said nothing (OpenID Connect Core §3.1.3.7; discovery skipped or the list
/// missing). A list with nothing acceptable in it allows nothing: the policy never falls
/// open to "any algorithm" (issue 19, finding 10).
fn alg_list(metadata: Option<&ProviderMetadata>) -> Vec<JwsAlg> {
    match metadata.and_then(|m| m.id_token_signing_alg_values_supported.as_ref()) {
        Some(names) => JwsAlg::accepted(names.as_slice()),
        None => vec![JwsAlg::RS256],
    }
}

/// What to check an ID token against, beyond the provider's endpoints.
pub struct Expect<'a> {
    /// This client's id.
    pub client_id: &'a str,
    /// The nonce rule.
    pub nonce: NonceCheck<'a>,
    /// The access token issued with it (for `at_hash`).
    pub access_token: Option<&'a AccessToken>,
    /// For a refresh: the original `sub`.
    pub expected_sub: Option<&'a str>,
    /// The `max_age` the sign-in asked for (none for a refresh).
    pub max_age: Option<u64>,
}

/// Fetches the key set and verifies the ID token (signature with WebCrypto, then claims),
/// with the browser clock.
pub async fn verify_id_token(
    endpoints: &Resolved,
    compact: &str,
    expect: &Expect<'_>,
) -> Result<VerifiedIdToken, IdTokenFailure> {
    let issuer = endpoints.issuer.as_deref().ok_or_else(|| {
        IdTokenFailure::Claims("no issuer is configured to check the ID token against".into())
    })?;
    let jwks_uri = endpoints
        .jwks_uri
        .as_deref()
        .ok_or_else(|| IdTokenFailure::Signature("the provider publishes no jwks_uri".into()))?;
    let algs = alg_list(endpoints.metadata.as_ref());
    let checks = IdTokenChecks {
        issuer,
        client_id: expect.client_id,
        nonce: expect.nonce,
        leeway_secs: LEEWAY_SECS,
        access_token: expect.access_token,
        expected_sub: expect.expected_sub,
        algs: AlgPolicy::OneOf(&algs),
        max_age: expect.max_age,
    };
    let now = page::now_s();
    let jwks = key_set(jwks_uri, false).await?;
    let mut verified =
        oidc::verify_id_token(compact, &jwks, &WebCryptoVerifier, &checks, now).await;
    // A kid the key set lacks: the provider may have rolled its keys over since the browser
    // cached the set (OIDC Core §10.1.1 has the client fetch it again). Once, past the cache.
    if let Err(IdTokenError::NoMatchingKey { .. }) = verified {
        let jwks = key_set(jwks_uri, true).await?;
        verified = oidc::verify_id_token(compact, &jwks, &WebCryptoVerifier, &checks, now).await;
    }
    verified.map_err(|e| match e {
        IdTokenError::Malformed(_)
        | IdTokenError::AlgNotAllowed(_)
        | IdTokenError::NoMatchingKey { .. }
        | IdTokenError::Signature(_) => IdTokenFailure::Signature(e.to_string()),
        IdTokenError::StaleAuthentication { age, max_age, .. } => {
            IdTokenFailure::Stale { age, max_age }
        }
        other => match ClockSkew::of(&other) {
            Some(skew) => IdTokenFailure::Clock(skew),
            None => IdTokenFailure::Claims(other.to_string()),
        },
    })
}

/// The provider's key set; `past_cache`: asked of the provider even when the browser holds a
/// copy it would still call fresh.
async fn key_set(jwks_uri: &str, past_cache: bool) -> Result<JwkSet, IdTokenFailure> {
    let mut request = http::Request::get(jwks_uri)
        .header(http::header::ACCEPT, "application/json")
        .body(Vec::new())
        .map_err(|e| IdTokenFailure::Signature(e.to_string()))?;
    if past_cache {
        request.extensions_mut().insert(Revalidate);
    }
    let response = reach::send(request, Peer::Provider, Endpoint::Keys)
        .await
        .map_err(IdTokenFailure::NoAnswer)?;
    JwkSet::parse_response(&response).map_err(|e| IdTokenFailure::Signature(e.to_string()))
}

/// Why userinfo could not be used.
#[derive(Debug)]
pub enum UserinfoFailure {
    /// The answer is for another user: sign-in must fail.
    SubjectMismatch,
    /// No answer: the profile is shown without it, with a retry.
    NoAnswer(NoAnswer),
    /// An unusable answer (status, body): likewise.
    Unavailable(String),
}

impl UserinfoFailure {
    /// Words for the signed-in view (not for [`UserinfoFailure::SubjectMismatch`], which
    /// fails sign-in).
    pub fn problem(&self, provider: &str, provider_id: &str) -> super::AuthFailure {
        let reason = match self {
            UserinfoFailure::NoAnswer(n) => n.sentence(provider),
            UserinfoFailure::Unavailable(detail) => {
                format!(
                    "{provider}'s profile (userinfo) endpoint gave an unusable answer: {detail}."
                )
            }
            UserinfoFailure::SubjectMismatch => {
                format!("{provider}'s profile belongs to someone else.")
            }
        };
        super::AuthFailure {
            title: super::words::TITLE_PROFILE.into(),
            message: format!("You are signed in, but {}", lower_first(&reason)),
            retry: super::RetryAction::LoadProfile,
            provider_id: Some(provider_id.to_owned()),
        }
    }
}

/// "Could not …" → "could not …", so a sentence can continue another; names stay as they are.
fn lower_first(s: &str) -> String {
    match s.strip_prefix("Could not") {
        Some(rest) => format!("could not{rest}"),
        None => s.to_owned(),
    }
}

/// Loads userinfo and checks its `sub` against `expected_sub` (OIDC Core §5.3.2). With a
/// DPoP-bound token (`key`), as `Authorization: DPoP` with a proof (RFC 9449 §7).
pub async fn userinfo(
    endpoint: &str,
    access_token: &AccessToken,
    key: Option<&DpopKey>,
    expected_sub: &str,
) -> Result<Map<String, Value>, UserinfoFailure> {
    let mut request = oidc::build_userinfo_request(endpoint, access_token)
        .map_err(|e| UserinfoFailure::Unavailable(e.to_string()))?;
    let binding = match key {
        Some(key) => {
            let target = Target {
                url: endpoint,
                api: false,
            };
            Some(
                dpop::bind_resource(&mut request, key, target, access_token)
                    .map_err(UserinfoFailure::Unavailable)?,
            )
        }
        None => None,
    };
    let response = dpop::send(request, binding, Peer::Provider, Endpoint::Userinfo)
        .await
        .map_err(|e| match e {
            dpop::SendFailure::NoAnswer(n) => UserinfoFailure::NoAnswer(n),
            dpop::SendFailure::Proof(detail) => {
                UserinfoFailure::Unavailable(format!("the DPoP proof could not be made ({detail})"))
            }
        })?;
    match oidc::parse_userinfo_response(&response, expected_sub) {
        Ok(info) => Ok(info.all),
        Err(UserInfoError::SubjectMismatch) => Err(UserinfoFailure::SubjectMismatch),
        Err(other) => Err(UserinfoFailure::Unavailable(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata(algs: Option<&[&str]>) -> ProviderMetadata {
        let mut doc = serde_json::json!({
            "issuer": "https://idp.example",
            "authorization_endpoint": "https://idp.example/authorize",
            "token_endpoint": "https://idp.example/token",
            "jwks_uri": "https://idp.example/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
        });
        if let Some(algs) = algs {
            doc["id_token_signing_alg_values_supported"] = serde_json::json!(algs);
        }
        latchkey_proto::discovery::parse_metadata(doc.to_string().as_bytes(), "https://idp.example")
            .expect("a valid discovery document")
    }

    #[test]
    fn the_algorithm_policy_never_falls_open() {
        assert_eq!(alg_list(None), vec![JwsAlg::RS256], "no discovery: RS256");
        assert_eq!(
            alg_list(Some(&metadata(None))),
            vec![JwsAlg::RS256],
            "no list: RS256"
        );
        assert_eq!(
            alg_list(Some(&metadata(Some(&["HS256", "ES256"])))),
            vec![JwsAlg::ES256]
        );
        assert!(
            alg_list(Some(&metadata(Some(&["HS256", "none"])))).is_empty(),
            "nothing acceptable: nothing allowed, not anything"
        );
    }
}
