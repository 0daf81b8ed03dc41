//! The temporary-credentials and token-credentials legs ([RFC 5849 §2.1], [§2.3]), as
//! request/response function pairs.
//!
//! - [`build_request_token_request`] → POST with `oauth_callback` →
//!   [`parse_request_token_response`] → [`TemporaryCredentials`] (requires
//!   `oauth_callback_confirmed=true`, which OAuth 1.0a added against session fixation).
//! - The user authorizes at the provider and comes back with `oauth_token` and
//!   `oauth_verifier` (§2.2).
//! - [`build_access_token_request`] → POST with `oauth_token` and `oauth_verifier`, signed with
//!   the temporary secret → [`parse_access_token_response`] → [`TokenCredentials`], keeping the
//!   provider's extra fields (`user_id`, `screen_name`, …) in order.
//!
//! Responses are form-encoded whatever their `Content-Type` says (many providers send
//! `text/html` or `text/plain`). Errors keep a truncated copy of the body with
//! `oauth_token_secret` values blanked out, so they are safe to log.
//!
//! [RFC 5849 §2.1]: https://www.rfc-editor.org/rfc/rfc5849#section-2.1
//! [§2.3]: https://www.rfc-editor.org/rfc/rfc5849#section-2.3

use super::base_string::Body;
use super::percent::{self, DecodeError, Plus};
use super::request::{sign_request, Credentials, SigningError, SigningRequest};
use rand_core::CryptoRngCore;

use super::signature::{ConsumerCredential, SignatureMethod};
use crate::secret::TokenSecret;

/// The client's identity and how it signs.
#[derive(Debug, Clone, Copy)]
pub struct Consumer<'a> {
    /// `oauth_consumer_key`.
    pub key: &'a str,
    /// The consumer secret or RSA key.
    pub credential: ConsumerCredential<'a>,
    /// The signature method the provider expects.
    pub signature_method: SignatureMethod,
    /// The `Authorization` header realm, if the provider wants one.
    pub realm: Option<&'a str>,
}

/// The caller-supplied freshness values of one request (RFC 5849 §3.3).
#[derive(Debug, Clone, Copy)]
pub struct Stamp<'a> {
    /// Seconds since the Unix epoch.
    pub timestamp: u64,
    /// A random value unique for this timestamp.
    pub nonce: &'a str,
}

/// Temporary credentials (the request token), RFC 5849 §2.1.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct TemporaryCredentials {
    /// `oauth_token`: sent to the authorization endpoint and back on the access-token leg.
    pub token: String,
    /// `oauth_token_secret`: signs the access-token request.
    pub secret: TokenSecret,
}

/// Token credentials (the access token), RFC 5849 §2.3.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct TokenCredentials {
    /// `oauth_token`.
    pub token: String,
    /// `oauth_token_secret`.
    pub secret: TokenSecret,
    /// The other fields of the response, decoded, in order (e.g. `user_id`, `screen_name`).
    pub extra: Vec<(String, String)>,
}

/// Why a request-token response was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestTokenError {
    /// The provider answered with an error status.
    #[error("request-token endpoint refused: HTTP {status}{}: {body}", problem_suffix(.problem))]
    Server {
        /// The HTTP status.
        status: u16,
        /// `oauth_problem`, if the provider uses OAuth Problem Reporting.
        problem: Option<String>,
        /// The body, truncated.
        body: String,
    },
    /// The body is not form-encoded text.
    #[error("request-token response is not form-encoded ({error}): {body}")]
    Malformed {
        /// What was wrong.
        error: DecodeError,
        /// The body, truncated.
        body: String,
    },
    /// A required field is missing or empty.
    #[error("request-token response: {field:?} is missing: {body}")]
    MissingField {
        /// The field's name.
        field: &'static str,
        /// The body, truncated, secrets blanked.
        body: String,
    },
    /// `oauth_callback_confirmed` is not `true`: an OAuth 1.0 (not 1.0a) provider, which is
    /// open to session fixation.
    #[error("request-token response: \"oauth_callback_confirmed\" is not \"true\" (OAuth 1.0a provider required): {body}")]
    CallbackNotConfirmed {
        /// The body, truncated, secrets blanked.
        body: String,
    },
}

/// Why an access-token response was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AccessTokenError {
    /// The provider answered with an error status.
    #[error("access-token endpoint refused: HTTP {status}{}: {body}", problem_suffix(.problem))]
    Server {
        /// The HTTP status.
        status: u16,
        /// `oauth_problem`, if the provider uses OAuth Problem Reporting.
        problem: Option<String>,
        /// The body, truncated.
        body: String,
    },
    /// The body is not form-encoded text.
    #[error("access-token response is not form-encoded ({error}): {body}")]
    Malformed {
        /// What was wrong.
        error: DecodeError,
        /// The body, truncated.
        body: String,
    },
    /// A required field is missing or empty.
    #[error("access-token response: {field:?} is missing: {body}")]
    MissingField {
        /// The field's name.
        field: &'static str,
        /// The body, truncated, secrets blanked.
        body: String,
    },
}

fn problem_suffix(problem: &Option<String>) -> String {
    problem
        .as_ref()
        .map(|p| format!(" ({p})"))
        .unwrap_or_default()
}

/// Builds the temporary-credentials request: `POST endpoint` with `oauth_callback`
/// (RFC 5849 §2.1). Use `"oob"` as the callback for out-of-band verifiers.
pub fn build_request_token_request(
    endpoint: &str,
    consumer: &Consumer<'_>,
    callback: &str,
    stamp: Stamp<'_>,
    rng: &mut impl CryptoRngCore,
) -> Result<http::Request<Vec<u8>>, SigningError> {
    let leg = Leg {
        token: None,
        token_secret: None,
        callback: Some(callback),
        verifier: None,
    };
    post(endpoint, consumer, leg, stamp, rng)
}

/// Builds the token-credentials request: `POST endpoint` with the temporary `oauth_token` and
/// the `oauth_verifier` the provider returned, signed with the temporary secret (§2.3).
pub fn build_access_token_request(
    endpoint: &str,
    consumer: &Consumer<'_>,
    temporary: &TemporaryCredentials,
    verifier: &str,
    stamp: Stamp<'_>,
    rng: &mut impl CryptoRngCore,
) -> Result<http::Request<Vec<u8>>, SigningError> {
    let leg = Leg {
        token: Some(&temporary.token),
        token_secret: Some(&temporary.secret),
        callback: None,
        verifier: Some(verifier),
    };
    post(endpoint, consumer, leg, stamp, rng)
}

/// What differs between the two legs' requests.
struct Leg<'a> {
    token: Option<&'a str>,
    token_secret: Option<&'a TokenSecret>,
    callback: Option<&'a str>,
    verifier: Option<&'a str>,
}

fn post(
    endpoint: &str,
    consumer: &Consumer<'_>,
    leg: Leg<'_>,
    stamp: Stamp<'_>,
    rng: &mut impl CryptoRngCore,
) -> Result<http::Request<Vec<u8>>, SigningError> {
    let signed = sign_request(
        &SigningRequest {
            method: "POST",
            url: endpoint,
            body: Body::None,
            consumer_key: consumer.key,
            token: leg.token,
            callback: leg.callback,
            verifier: leg.verifier,
            signature_method: consumer.signature_method,
            timestamp: stamp.timestamp,
            nonce: stamp.nonce,
            realm: consumer.realm,
        },
        &Credentials {
            consumer: consumer.credential,
            token_secret: leg.token_secret,
        },
        rng,
    )?;
    http::Request::builder()
        .method(http::Method::POST)
        .uri(endpoint)
        .header(http::header::AUTHORIZATION, signed.authorization_header)
        .body(Vec::new())
        .map_err(|e| SigningError::InvalidHttpRequest(e.to_string()))
}

/// Parses the temporary-credentials response (RFC 5849 §2.1).
pub fn parse_request_token_response(
    response: http::Response<Vec<u8>>,
) -> Result<TemporaryCredentials, RequestTokenError> {
    let body = response.body();
    if !response.status().is_success() {
        return Err(RequestTokenError::Server {
            status: response.status().as_u16(),
            problem: problem(body),
            body: redacted_excerpt(body),
        });
    }
    let fields = parse_form(body).map_err(|error| RequestTokenError::Malformed {
        error,
        body: redacted_excerpt(body),
    })?;
    let missing = |field| RequestTokenError::MissingField {
        field,
        body: redacted_excerpt(body),
    };
    let token = field(&fields, "oauth_token").ok_or_else(|| missing("oauth_token"))?;
    let secret =
        field(&fields, "oauth_token_secret").ok_or_else(|| missing("oauth_token_secret"))?;
    // RFC 5849 §2.1 says `true`; a provider built on Authlib answers `True` (Python's
    // spelling). Any case of "true" means the same, so it is accepted; absent, `false` or
    // anything else is still an OAuth 1.0 provider and refused.
    if !field(&fields, "oauth_callback_confirmed").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        return Err(RequestTokenError::CallbackNotConfirmed {
            body: redacted_excerpt(body),
        });
    }
    Ok(TemporaryCredentials {
        token: token.to_owned(),
        secret: TokenSecret::new(secret),
    })
}

/// Parses the token-credentials response (RFC 5849 §2.3).
pub fn parse_access_token_response(
    response: http::Response<Vec<u8>>,
) -> Result<TokenCredentials, AccessTokenError> {
    let body = response.body();
    if !response.status().is_success() {
        return Err(AccessTokenError::Server {
            status: response.status().as_u16(),
            problem: problem(body),
            body: redacted_excerpt(body),
        });
    }
    let fields = parse_form(body).map_err(|error| AccessTokenError::Malformed {
        error,
        body: redacted_excerpt(body),
    })?;
    let missing = |field| AccessTokenError::MissingField {
        field,
        body: redacted_excerpt(body),
    };
    let token = field(&fields, "oauth_token").ok_or_else(|| missing("oauth_token"))?;
    let secret =
        field(&fields, "oauth_token_secret").ok_or_else(|| missing("oauth_token_secret"))?;
    let (token, secret) = (token.to_owned(), TokenSecret::new(secret));
    let extra = fields
        .into_iter()
        .filter(|(name, _)| name != "oauth_token" && name != "oauth_token_secret")
        .collect();
    Ok(TokenCredentials {
        token,
        secret,
        extra,
    })
}

/// The first non-empty value of a field.
fn field<'f>(fields: &'f [(String, String)], name: &str) -> Option<&'f str> {
    fields
        .iter()
        .find(|(n, v)| n == name && !v.is_empty())
        .map(|(_, v)| v.as_str())
}

/// `application/x-www-form-urlencoded` fields, decoded as UTF-8 (`+` is a space).
fn parse_form(body: &[u8]) -> Result<Vec<(String, String)>, DecodeError> {
    let text = core::str::from_utf8(body).map_err(|_| DecodeError::InvalidUtf8)?;
    let decode = |s: &str| {
        String::from_utf8(percent::decode_bytes(s.as_bytes(), Plus::Space)?)
            .map_err(|_| DecodeError::InvalidUtf8)
    };
    text.trim()
        .split('&')
        .filter(|f| !f.is_empty())
        .map(|f| {
            let (name, value) = f.split_once('=').unwrap_or((f, ""));
            Ok((decode(name)?, decode(value)?))
        })
        .collect()
}

fn problem(body: &[u8]) -> Option<String> {
    let fields = parse_form(body).ok()?;
    field(&fields, "oauth_problem").map(|p| p.chars().take(64).collect())
}

const EXCERPT_CHARS: usize = 256;

/// A loggable excerpt of a response body: at most 256 characters, token secrets blanked.
fn redacted_excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let redacted = text
        .split('&')
        .map(|field| match field.split_once('=') {
            Some((name, _)) if name.trim() == "oauth_token_secret" => format!("{name}=[redacted]"),
            _ => field.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&");
    let mut excerpt: String = redacted.chars().take(EXCERPT_CHARS).collect();
    if redacted.chars().count() > EXCERPT_CHARS {
        excerpt.push('…');
    }
    excerpt
}

#[cfg(test)]
mod tests;
