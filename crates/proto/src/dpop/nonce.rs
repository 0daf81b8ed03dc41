//! Server-provided nonces (RFC 9449 §8 for the authorization server, §9 for a resource
//! server): reading `DPoP-Nonce` from any answer, and recognising the answer that asks the
//! client to sign again with that nonce.
//!
//! A server that wants a fresh nonce in proofs answers the token request with HTTP 400 and
//! `{"error":"use_dpop_nonce"}`, or a resource request with HTTP 401 and
//! `WWW-Authenticate: DPoP error="use_dpop_nonce"`, in both cases with the nonce in a
//! `DPoP-Nonce` header. The client then sends the same request once more, with a new proof
//! that carries the nonce (a new `jti` too). Servers may also send `DPoP-Nonce` on any other
//! answer, successful ones included (§8.2): the client keeps the latest for its next proof.

use crate::form;

/// The `DPoP-Nonce` response header (RFC 9449 §8.1).
pub const DPOP_NONCE: &str = "dpop-nonce";

/// [`DPOP_NONCE`] as a header name. A constant, made at compile time: a lookup by `&str`, or
/// `from_static` called at run time, runs http's general header-name parser with its table of
/// standard names (12 KB of a browser's wasm, docs/notes/embed-size.md).
pub const DPOP_NONCE_HEADER: http::HeaderName = http::HeaderName::from_static(DPOP_NONCE);

/// A nonce a server gave in `DPoP-Nonce`, checked against RFC 9449 §8.1:
/// `nonce = 1*NQCHAR`, where `NQCHAR = %x21 / %x23-5B / %x5D-7E` (RFC 6749 Appendix A:
/// visible ASCII except `"` and `\`).
///
/// Not a secret: a server hands it to whoever asks, and it proves nothing on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DpopNonce(String);

/// Why a `DPoP-Nonce` value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NonceError {
    /// The value is empty.
    #[error("DPoP-Nonce is empty (RFC 9449 §8.1: at least one character)")]
    Empty,
    /// A byte outside `NQCHAR`.
    #[error(
        "DPoP-Nonce has byte {byte:#04x} at {index}, outside NQCHAR (RFC 9449 §8.1: visible \
         ASCII except '\"' and '\\')"
    )]
    InvalidCharacter {
        /// The byte.
        byte: u8,
        /// Its offset in the value.
        index: usize,
    },
    /// More than one `DPoP-Nonce` header: which one the server meant is unknowable.
    #[error("DPoP-Nonce is sent {0} times; one nonce was expected")]
    Repeated(usize),
}

impl DpopNonce {
    /// Checks a nonce value (the whole header value, nothing trimmed).
    pub fn parse(value: &str) -> Result<Self, NonceError> {
        Self::from_bytes(value.as_bytes())
    }

    fn from_bytes(value: &[u8]) -> Result<Self, NonceError> {
        if value.is_empty() {
            return Err(NonceError::Empty);
        }
        if let Some((index, &byte)) = value.iter().enumerate().find(|(_, b)| !is_nqchar(**b)) {
            return Err(NonceError::InvalidCharacter { byte, index });
        }
        // Every byte is ASCII, so this is the same text.
        Ok(DpopNonce(value.iter().map(|&b| char::from(b)).collect()))
    }

    /// The nonce, for the `nonce` claim of the next proof.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_nqchar(b: u8) -> bool {
    matches!(b, 0x21 | 0x23..=0x5b | 0x5d..=0x7e)
}

/// The nonce of any answer's `DPoP-Nonce` header, to keep for the next proof to the same
/// server: `Ok(None)` when there is none, an error when it is malformed or repeated.
pub fn latest_nonce(headers: &http::HeaderMap) -> Result<Option<DpopNonce>, NonceError> {
    let mut values = headers.get_all(DPOP_NONCE_HEADER).iter();
    let Some(first) = values.next() else {
        return Ok(None);
    };
    let more = values.count();
    if more > 0 {
        return Err(NonceError::Repeated(more + 1));
    }
    DpopNonce::from_bytes(first.as_bytes()).map(Some)
}

/// Whether the request being answered was already the retry with a server's nonce, so that
/// a server asking again cannot keep the client in a loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// The first sending of this request.
    First,
    /// The one retry after a `use_dpop_nonce` answer.
    NonceRetry,
}

/// What to do with an answer, as far as nonces go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NonceChallenge {
    /// The server asked for this nonce: send the request once more with a new proof that
    /// carries it.
    RetryWith(DpopNonce),
    /// Not a nonce challenge: hand the answer to the parser of this endpoint (and still keep
    /// [`latest_nonce`]).
    NotAsked,
}

/// Why a nonce challenge could not be followed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NonceChallengeError {
    /// The server asked for a nonce again, in answer to the retry that carried its nonce.
    #[error(
        "the server asked for a new DPoP nonce again after the retry with its nonce; not \
         retrying a second time"
    )]
    AskedAgain,
    /// The server asked for a nonce without sending one.
    #[error("the server answered use_dpop_nonce without a DPoP-Nonce header")]
    MissingNonce,
    /// The nonce it sent is malformed.
    #[error("{0}")]
    Nonce(NonceError),
    /// A `WWW-Authenticate` header does not follow RFC 9110 §11.6.1.
    #[error("WWW-Authenticate is malformed (RFC 9110 §11.6.1): {0:?}")]
    MalformedWwwAuthenticate(String),
}

/// Reads an answer of the token endpoint or of a resource server for a nonce challenge
/// (RFC 9449 §8 and §9): a client error status (400 and 401 are the ones the RFC names) whose
/// body has `"error":"use_dpop_nonce"` or whose `WWW-Authenticate` has a `DPoP` challenge with
/// `error="use_dpop_nonce"`.
pub fn nonce_challenge(
    response: &http::Response<Vec<u8>>,
    attempt: Attempt,
) -> Result<NonceChallenge, NonceChallengeError> {
    if !response.status().is_client_error() {
        return Ok(NonceChallenge::NotAsked);
    }
    let headers = response.headers();
    let in_body = form::body_fields(headers.get(http::header::CONTENT_TYPE), response.body())
        .is_some_and(|fields| fields.get("error").and_then(|e| e.as_str()) == Some(USE_DPOP_NONCE));
    let mut in_header = false;
    for value in headers.get_all(http::header::WWW_AUTHENTICATE) {
        let text = value.to_str().map_err(|_| {
            NonceChallengeError::MalformedWwwAuthenticate(
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })?;
        let challenges = super::www_authenticate::parse(text)
            .map_err(|()| NonceChallengeError::MalformedWwwAuthenticate(text.to_owned()))?;
        in_header |= challenges.iter().any(|c| {
            c.scheme.eq_ignore_ascii_case("DPoP") && c.param("error") == Some(USE_DPOP_NONCE)
        });
    }
    if !(in_body || in_header) {
        return Ok(NonceChallenge::NotAsked);
    }
    if attempt == Attempt::NonceRetry {
        return Err(NonceChallengeError::AskedAgain);
    }
    match latest_nonce(headers) {
        Ok(Some(nonce)) => Ok(NonceChallenge::RetryWith(nonce)),
        Ok(None) => Err(NonceChallengeError::MissingNonce),
        Err(e) => Err(NonceChallengeError::Nonce(e)),
    }
}

/// The error code of RFC 9449 §8 and §9.
const USE_DPOP_NONCE: &str = "use_dpop_nonce";

/// True when a resource server refused the request's DPoP proof itself (a `DPoP` challenge
/// with `error="invalid_dpop_proof"`, RFC 9449 §7.1): a replayed proof, one for another URL,
/// a stale one. A renewed access token would not change that, so a client must not renew and
/// resend as it would for `invalid_token`; it shows the refusal instead.
pub fn proof_refused<B>(response: &http::Response<B>) -> bool {
    response.status() == http::StatusCode::UNAUTHORIZED
        && response
            .headers()
            .get_all(http::header::WWW_AUTHENTICATE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|text| super::www_authenticate::parse(text).ok())
            .flatten()
            .any(|c| {
                c.scheme.eq_ignore_ascii_case("DPoP")
                    && c.param("error") == Some("invalid_dpop_proof")
            })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_dpop_challenge_with_invalid_dpop_proof_is_a_refused_proof() {
        let refused = |status: u16, challenge: &str| {
            proof_refused(&answer(status, &[("www-authenticate", challenge)], ""))
        };
        assert!(refused(
            401,
            r#"DPoP error="invalid_dpop_proof", error_description="the DPoP proof was used before", algs="ES256""#
        ));
        assert!(refused(
            401,
            r#"Bearer realm="x", DPoP error="invalid_dpop_proof""#
        ));
        assert!(!refused(401, r#"DPoP error="invalid_token""#));
        assert!(!refused(401, r#"Bearer error="invalid_dpop_proof""#));
        assert!(!refused(403, r#"DPoP error="invalid_dpop_proof""#));
        assert!(!refused(401, "DPoP error=\"unterminated"));
    }

    fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> http::Response<Vec<u8>> {
        let mut b = http::Response::builder().status(status);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(body.as_bytes().to_vec()).unwrap()
    }

    #[test]
    fn nqchar_is_visible_ascii_without_quote_and_backslash() {
        let all: Vec<u8> = (0u8..=255).filter(|&b| is_nqchar(b)).collect();
        let expected: Vec<u8> = (0x21u8..=0x7e)
            .filter(|&b| b != b'"' && b != b'\\')
            .collect();
        assert_eq!(all, expected);
        assert_eq!(all.len(), 92);
    }

    #[test]
    fn rfc9449_example_nonce_is_accepted() {
        // The nonce of RFC 9449 §8's examples.
        let n = DpopNonce::parse("eyJ7S_zG.eyJH0-Z.HX4w-7v").unwrap();
        assert_eq!(n.as_str(), "eyJ7S_zG.eyJH0-Z.HX4w-7v");
    }

    #[test]
    fn malformed_nonces_are_refused() {
        assert_eq!(DpopNonce::parse(""), Err(NonceError::Empty));
        assert_eq!(
            DpopNonce::parse("ab c"),
            Err(NonceError::InvalidCharacter {
                byte: b' ',
                index: 2
            })
        );
        assert_eq!(
            DpopNonce::parse("a\"b"),
            Err(NonceError::InvalidCharacter {
                byte: b'"',
                index: 1
            })
        );
        assert_eq!(
            DpopNonce::parse("\\"),
            Err(NonceError::InvalidCharacter {
                byte: b'\\',
                index: 0
            })
        );
        assert_eq!(
            DpopNonce::parse("é"),
            Err(NonceError::InvalidCharacter {
                byte: 0xc3,
                index: 0
            })
        );
    }

    #[test]
    fn the_latest_nonce_is_read_from_any_answer() {
        let ok = answer(200, &[("DPoP-Nonce", "n-1")], "{}");
        assert_eq!(
            latest_nonce(ok.headers()),
            Ok(Some(DpopNonce::parse("n-1").unwrap()))
        );
        assert_eq!(latest_nonce(answer(200, &[], "{}").headers()), Ok(None));
        let twice = answer(200, &[("DPoP-Nonce", "a"), ("DPoP-Nonce", "b")], "{}");
        assert_eq!(latest_nonce(twice.headers()), Err(NonceError::Repeated(2)));
    }

    #[test]
    fn token_endpoint_challenge_asks_for_a_retry() {
        // RFC 9449 §8's example answer.
        let r = answer(
            400,
            &[
                ("content-type", "application/json"),
                ("DPoP-Nonce", "eyJ7S_zG.eyJH0-Z.HX4w-7v"),
            ],
            r#"{"error":"use_dpop_nonce","error_description":"Authorization server requires nonce in DPoP proof"}"#,
        );
        assert_eq!(
            nonce_challenge(&r, Attempt::First),
            Ok(NonceChallenge::RetryWith(
                DpopNonce::parse("eyJ7S_zG.eyJH0-Z.HX4w-7v").unwrap()
            ))
        );
        assert_eq!(
            nonce_challenge(&r, Attempt::NonceRetry),
            Err(NonceChallengeError::AskedAgain)
        );
    }

    #[test]
    fn resource_server_challenge_asks_for_a_retry() {
        // RFC 9449 §9's example answer.
        let r = answer(
            401,
            &[
                (
                    "WWW-Authenticate",
                    r#"DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof""#,
                ),
                ("DPoP-Nonce", "eyJ7S_zG.eyJH0-Z.HX4w-7v"),
            ],
            "",
        );
        assert_eq!(
            nonce_challenge(&r, Attempt::First),
            Ok(NonceChallenge::RetryWith(
                DpopNonce::parse("eyJ7S_zG.eyJH0-Z.HX4w-7v").unwrap()
            ))
        );
    }

    #[test]
    fn a_dpop_challenge_among_others_is_found() {
        let r = answer(
            401,
            &[
                (
                    "WWW-Authenticate",
                    r#"Bearer realm="api", error="invalid_token", dpop algs="ES256 PS256", ERROR=use_dpop_nonce"#,
                ),
                ("DPoP-Nonce", "n"),
            ],
            "",
        );
        assert!(matches!(
            nonce_challenge(&r, Attempt::First),
            Ok(NonceChallenge::RetryWith(_))
        ));
    }

    #[test]
    fn other_answers_are_not_challenges() {
        for r in [
            answer(200, &[("DPoP-Nonce", "n")], r#"{"access_token":"a"}"#),
            answer(
                400,
                &[("DPoP-Nonce", "n")],
                r#"{"error":"invalid_dpop_proof"}"#,
            ),
            answer(
                401,
                &[("WWW-Authenticate", r#"DPoP error="invalid_token""#)],
                "",
            ),
            answer(
                401,
                &[("WWW-Authenticate", r#"Bearer error="use_dpop_nonce""#)],
                "",
            ),
            // A server error is no challenge, whatever its body says (RFC 9449 uses 400 and 401).
            answer(500, &[("DPoP-Nonce", "n")], r#"{"error":"use_dpop_nonce"}"#),
        ] {
            assert_eq!(
                nonce_challenge(&r, Attempt::First),
                Ok(NonceChallenge::NotAsked),
                "{r:?}"
            );
        }
    }

    #[test]
    fn a_challenge_without_a_usable_nonce_is_an_error() {
        let r = answer(400, &[], r#"{"error":"use_dpop_nonce"}"#);
        assert_eq!(
            nonce_challenge(&r, Attempt::First),
            Err(NonceChallengeError::MissingNonce)
        );
        let r = answer(
            400,
            &[("DPoP-Nonce", "has space")],
            r#"{"error":"use_dpop_nonce"}"#,
        );
        assert_eq!(
            nonce_challenge(&r, Attempt::First),
            Err(NonceChallengeError::Nonce(NonceError::InvalidCharacter {
                byte: b' ',
                index: 3
            }))
        );
    }

    #[test]
    fn a_malformed_www_authenticate_is_named() {
        let r = answer(
            401,
            &[("WWW-Authenticate", r#"DPoP error="unterminated"#)],
            "",
        );
        assert!(matches!(
            nonce_challenge(&r, Attempt::First),
            Err(NonceChallengeError::MalformedWwwAuthenticate(_))
        ));
    }
}
