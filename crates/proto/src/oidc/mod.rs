//! OpenID Connect ID tokens: JWS parsing (RFC 7515), keys (RFC 7517/7518, RFC 8037), claim
//! validation (OIDC Core §3.1.3.7) and the UserInfo response (§5.3).
//!
//! Signature checking is delegated to a [`JwsVerifier`] because the browser's only crypto is
//! WebCrypto, which is asynchronous; `verify_id_token` is therefore `async` (with no `Send`
//! bound, so a `wasm_bindgen_futures::JsFuture` may be awaited inside). Natively the
//! `native-verify` feature provides [`native::NativeVerifier`] (RustCrypto).
//!
//! ```no_run
//! # async fn demo(compact: &str, jwks_body: &[u8], verifier: &impl latchkey_proto::oidc::JwsVerifier,
//! #               pending: &latchkey_proto::authorize::PendingFlow, tokens: &latchkey_proto::token::TokenSet, now: u64)
//! # -> Result<(), Box<dyn std::error::Error>> {
//! use latchkey_proto::oidc::*;
//! let jwks = JwkSet::parse(jwks_body)?;
//! let checks = IdTokenChecks {
//!     issuer: "http://127.0.0.1:9000/o",
//!     client_id: "spa",
//!     nonce: NonceCheck::Expect(&pending.nonce),
//!     leeway_secs: 60,
//!     access_token: Some(&tokens.access_token),
//!     expected_sub: None,
//!     algs: AlgPolicy::AnySupported,
//!     max_age: None,
//! };
//! let verified = verify_id_token(compact, &jwks, verifier, &checks, now).await?;
//! println!("signed in as {}", verified.claims().sub());
//! # Ok(()) }
//! ```
//!
//! In the browser, a `JwsVerifier` imports `key.to_public_json(alg)` with
//! `importKey("jwk", …, {name: "RSASSA-PKCS1-v1_5"|"RSA-PSS"|"ECDSA"|"Ed25519", …}, false,
//! ["verify"])` and calls `verify` (RSA-PSS: `saltLength` = hash length in bytes; ECDSA:
//! `hash`; the JWS ES256 signature is already WebCrypto's raw `r‖s` form).

mod claims;
mod jwk;
mod jws;
#[cfg(feature = "native-verify")]
pub mod native;
mod userinfo;

pub use claims::{at_hash, AlgPolicy, IdTokenChecks, IdTokenClaims, NonceCheck};
pub use jwk::{Jwk, JwkError, JwkSet};
pub use jws::{CompactJws, JwsAlg, JwsError, JwsHeader};
pub use userinfo::{build_userinfo_request, parse_userinfo_response, UserInfo, UserInfoError};

use serde_json::{Map, Value};

/// Why a signature did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The signature does not match.
    #[error("signature does not verify")]
    BadSignature,
    /// The verifier does not implement this algorithm.
    #[error("algorithm {0} is not supported by this verifier")]
    UnsupportedAlg(JwsAlg),
    /// The key is unusable (missing members, wrong size, not on the curve, RSA < 2048 bits).
    #[error("unusable key: {0}")]
    InvalidKey(&'static str),
    /// The crypto backend failed (e.g. a WebCrypto exception).
    #[error("crypto backend: {0}")]
    Backend(String),
}

/// Checks a JWS signature. Implemented by the browser glue over WebCrypto (asynchronous) and
/// by [`native::NativeVerifier`] (synchronous, behind `native-verify`).
pub trait JwsVerifier {
    /// Verifies `signature` over `signing_input` with `key` for `alg`. The key has already
    /// been matched to `alg` (type, curve, `use`, `alg`, `key_ops`).
    fn verify(
        &self,
        alg: JwsAlg,
        key: &Jwk,
        signing_input: &[u8],
        signature: &[u8],
    ) -> impl core::future::Future<Output = Result<(), VerifyError>>;
}

/// Why an ID token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdTokenError {
    /// The token is not a well-formed JWS.
    #[error("id token: {0}")]
    Malformed(#[from] JwsError),
    /// The algorithm is not allowed by the policy.
    #[error("id token: alg {0} is not allowed for this provider")]
    AlgNotAllowed(JwsAlg),
    /// No key in the JWKS fits the header (re-fetch the JWKS once: keys rotate).
    #[error("id token: no key in the JWKS matches (alg {alg}, {})", KidWords(.kid))]
    NoMatchingKey {
        /// The header's `alg`.
        alg: JwsAlg,
        /// The header's `kid`.
        kid: Option<String>,
    },
    /// The signature check failed.
    #[error("id token: {0}")]
    Signature(VerifyError),
    /// A required claim is absent.
    #[error("id token: claim {0:?} is missing")]
    MissingClaim(&'static str),
    /// A claim has the wrong type.
    #[error("id token: claim {0:?} is malformed")]
    InvalidClaim(&'static str),
    /// `iss` is not the expected issuer.
    #[error("id token: iss {got:?} is not the expected {expected:?}")]
    Issuer {
        /// Expected.
        expected: String,
        /// Received.
        got: String,
    },
    /// This client is not in `aud`.
    #[error("id token: this client is not in the audience")]
    Audience,
    /// `azp` is absent with several audiences, or not this client.
    #[error("id token: azp is missing or is not this client")]
    AuthorizedParty,
    /// `exp` has passed.
    #[error("id token: expired at {exp} (now {now})")]
    Expired {
        /// `exp`.
        exp: u64,
        /// The caller's clock.
        now: u64,
    },
    /// The sign-in at the provider (`auth_time`) is older than the `max_age` the request
    /// asked for (OIDC Core §3.1.2.1, §3.1.3.7 step 11): the provider did not ask the person
    /// to sign in again.
    #[error("id token: the sign-in at the provider is {age} seconds old (auth_time {auth_time}), more than max_age {max_age}")]
    StaleAuthentication {
        /// `auth_time`.
        auth_time: u64,
        /// How old it is by the caller's clock, in seconds.
        age: u64,
        /// The `max_age` sent.
        max_age: u64,
    },
    /// `iat` is in the future.
    #[error("id token: issued in the future at {iat} (now {now})")]
    IssuedInTheFuture {
        /// `iat`.
        iat: u64,
        /// The caller's clock.
        now: u64,
    },
    /// `nbf` is in the future.
    #[error("id token: not valid before {nbf} (now {now})")]
    NotYetValid {
        /// `nbf`.
        nbf: u64,
        /// The caller's clock.
        now: u64,
    },
    /// `nonce` differs from the one sent (a replayed or injected token).
    #[error("id token: nonce does not match")]
    NonceMismatch,
    /// `sub` differs from the original sign-in's.
    #[error("id token: sub changed on refresh")]
    SubjectChanged,
    /// `at_hash` does not match the access token.
    #[error("id token: at_hash does not match the access token")]
    AccessTokenHash,
}

/// A JWS header's `kid` in words: `kid "…"` (quoted and escaped, as it comes from the
/// token), or `no kid`. Written by hand: `Option`'s `Debug` brought the `debug_tuple`
/// builders (1 KB of wasm) for this one message.
struct KidWords<'a>(&'a Option<String>);

impl core::fmt::Display for KidWords<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.0 {
            None => f.write_str("no kid"),
            Some(s) => {
                f.write_str("kid ")?;
                core::fmt::Debug::fmt(s.as_str(), f)
            }
        }
    }
}

/// An ID token whose signature and claims passed every check. Only [`verify_id_token`] makes
/// one.
#[derive(Debug, Clone)]
pub struct VerifiedIdToken {
    raw: String,
    header: JwsHeader,
    claims: IdTokenClaims,
}

impl VerifiedIdToken {
    /// The compact token, e.g. for `id_token_hint` at logout.
    pub fn raw(&self) -> &str {
        &self.raw
    }
    /// The protected header.
    pub fn header(&self) -> &JwsHeader {
        &self.header
    }
    /// The validated claims.
    pub fn claims(&self) -> &IdTokenClaims {
        &self.claims
    }
}

/// Verifies an ID token: parse, algorithm policy, key selection, signature (through
/// `verifier`), then the claims (OIDC Core §3.1.3.7). `now` is seconds since the Unix epoch.
pub async fn verify_id_token(
    compact: &str,
    jwks: &JwkSet,
    verifier: &impl JwsVerifier,
    checks: &IdTokenChecks<'_>,
    now: u64,
) -> Result<VerifiedIdToken, IdTokenError> {
    let jws = CompactJws::parse(compact)?;
    let header = jws.header();
    if let AlgPolicy::OneOf(allowed) = checks.algs {
        if !allowed.contains(&header.alg) {
            return Err(IdTokenError::AlgNotAllowed(header.alg));
        }
    }
    let candidates = jwks.candidates(header.alg, header.kid.as_deref());
    if candidates.is_empty() {
        return Err(IdTokenError::NoMatchingKey {
            alg: header.alg,
            kid: header.kid.clone(),
        });
    }
    let mut last = VerifyError::BadSignature;
    let mut verified = false;
    for key in candidates {
        match verifier
            .verify(header.alg, key, jws.signing_input(), jws.signature())
            .await
        {
            Ok(()) => {
                verified = true;
                break;
            }
            Err(e) => last = e,
        }
    }
    if !verified {
        return Err(IdTokenError::Signature(last));
    }
    let claims = IdTokenClaims::from_map(jws.payload_json()?)?;
    claims::check(&claims, header.alg, checks, now)?;
    Ok(VerifiedIdToken {
        raw: compact.to_owned(),
        header: jws.into_header(),
        claims,
    })
}

/// Claims read from a token **without verifying anything**, for display only (the token
/// inspector). Never base an access decision on them.
#[derive(Debug, Clone, PartialEq)]
pub struct UnverifiedClaims {
    /// The header, unverified.
    pub header: Map<String, Value>,
    /// The payload, unverified.
    pub claims: Map<String, Value>,
}

/// Decodes a JWS's header and payload for display only, without checking the signature or
/// any claim.
///
/// Unlike [`CompactJws::parse`] it accepts any `alg` (an inspector may show an HMAC-signed
/// access token), since nothing is trusted anyway.
pub fn decode_unverified_claims(compact: &str) -> Result<UnverifiedClaims, JwsError> {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    let parts: Vec<&str> = compact.split('.').collect();
    let [h, p, _] = parts[..] else {
        return Err(JwsError::Parts(parts.len()));
    };
    let object = |part: &str, what: &'static str| -> Result<Map<String, Value>, JwsError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| JwsError::Base64(what))?;
        match serde_json::from_slice(&bytes) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(JwsError::Json(what)),
        }
    };
    Ok(UnverifiedClaims {
        header: object(h, "header")?,
        claims: object(p, "payload")?,
    })
}

#[cfg(test)]
mod tests;
