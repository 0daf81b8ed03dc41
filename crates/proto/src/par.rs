//! Pushed authorization requests (PAR, RFC 9126): the authorization parameters go to the
//! provider in a POST first, and the browser is sent to the authorization endpoint with only
//! `client_id` and the `request_uri` the provider answered.
//!
//! # Use
//! 1. [`decide`] from the configuration's `par`, its `pushed_authorization_request_endpoint`
//!    and the discovery document: `Some(endpoint)` means push.
//! 2. [`crate::authorize::begin_request`], then [`build_push_request`] with its parameters
//!    (a DPoP proof, when on, goes in a `DPoP` header beside it: RFC 9449 §10.1).
//! 3. [`parse_push_response`], then navigate to [`pushed_authorization_url`].
//!
//! A mediated provider's push goes through the companion, which relays the same parameters
//! with its client authentication ([`build_push_request`] with a confidential
//! [`ClientAuth`]).

use serde_json::Value;

use crate::authorize::AuthorizeError;
use crate::discovery::ProviderMetadata;
use crate::form::{self, EndpointProblem};
use crate::json::{self, FieldProblem};
use crate::token::{error_from_fields, post_form, ClientAuth, ErrorResponse, TokenRequestError};

/// Parameters a pushed request never relays from its caller: the client authentication is
/// added by [`ClientAuth`], and `request_uri` may not appear in a pushed request (RFC 9126
/// §2.1).
const NOT_RELAYED: &[&str] = &[
    "client_id",
    "client_secret",
    "client_assertion",
    "client_assertion_type",
    "request_uri",
];

/// Why requests to this provider cannot be pushed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParPolicyError {
    /// Pushing is asked for (`par = true`, or the provider requires it), and neither the
    /// configuration nor the provider's metadata names a `pushed_authorization_request_endpoint`.
    #[error(
        "pushed authorization requests are {why}, but neither the configuration nor the \
         provider's metadata names a pushed_authorization_request_endpoint"
    )]
    NoEndpoint {
        /// "required by the provider" or "configured (par = true)".
        why: &'static str,
    },
}

/// Where to push this provider's authorization requests, if they are to be pushed: when the
/// configuration says `par = true` or the provider's metadata says
/// `require_pushed_authorization_requests` (RFC 9126 §5). The endpoint is the configured one
/// (`configured_endpoint`, for a provider without discovery or whose metadata omits it), else
/// the metadata's; with neither, pushing fails in words.
pub fn decide<'a>(
    configured: bool,
    configured_endpoint: Option<&'a str>,
    metadata: Option<&'a ProviderMetadata>,
) -> Result<Option<&'a str>, ParPolicyError> {
    let required = metadata.is_some_and(|m| m.require_pushed_authorization_requests);
    if !configured && !required {
        return Ok(None);
    }
    let why = if required {
        "required by the provider"
    } else {
        "configured (par = true)"
    };
    configured_endpoint
        .or_else(|| metadata.and_then(|m| m.pushed_authorization_request_endpoint.as_deref()))
        .map(Some)
        .ok_or(ParPolicyError::NoEndpoint { why })
}

/// Why a pushed request could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PushRequestError {
    /// The PAR endpoint is unusable.
    #[error("pushed authorization request: pushed_authorization_request_endpoint {0}")]
    Endpoint(EndpointProblem),
    /// The endpoint is not a URI the HTTP layer accepts.
    #[error("pushed authorization request: the endpoint is not a valid URI")]
    InvalidUri,
}

/// Builds the push (RFC 9126 §2.1): the authorization parameters as a form, with `auth`'s
/// client authentication. Any client credential or `request_uri` among `params` is dropped,
/// so a relayed request cannot carry the caller's own. The form names `auth`'s `client_id`
/// once, also when the credentials travel in a Basic header: a pushed request is an
/// authorization request, which names its client (RFC 6749 §4.1.1; RFC 9126 §2.1's own
/// example does both, and oidc-provider refuses a push without it).
pub fn build_push_request(
    endpoint: &str,
    params: &[(&str, &str)],
    auth: &ClientAuth<'_>,
) -> Result<http::Request<Vec<u8>>, PushRequestError> {
    let mut pairs: Vec<(&str, &str)> = params
        .iter()
        .filter(|(name, _)| !NOT_RELAYED.contains(name))
        .copied()
        .collect();
    let basic = auth.apply(&mut pairs);
    if let ClientAuth::SecretBasic { client_id, .. } = auth {
        pairs.push(("client_id", client_id));
    }
    post_form(endpoint, &pairs, basic).map_err(|e| match e {
        TokenRequestError::Endpoint(problem) => PushRequestError::Endpoint(problem),
        _ => PushRequestError::InvalidUri,
    })
}

/// The provider's answer to a push (RFC 9126 §2.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedRequest {
    /// The reference the authorization request carries instead of the parameters.
    pub request_uri: String,
    /// Seconds it stays valid, when the provider says (it must, by §2.2; a missing one is
    /// taken as "use it now", which is what happens anyway).
    pub expires_in: Option<u64>,
}

/// Why a push's answer was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PushError {
    /// The provider's OAuth error (RFC 9126 §2.3), e.g. `invalid_request`, or
    /// `use_dpop_nonce` (RFC 9449 §8) for the caller's one retry.
    #[error("pushed authorization request refused: {0}")]
    Server(ErrorResponse),
    /// A non-success status without an OAuth error body (405, 413, 429, a gateway's page).
    #[error("pushed authorization request: HTTP {status}")]
    HttpStatus {
        /// The status.
        status: u16,
        /// The body, truncated.
        body: String,
    },
    /// The body is not a JSON object.
    #[error("pushed authorization request: the answer is not a JSON object")]
    NotAnObject {
        /// The body, truncated.
        body: String,
    },
    /// `request_uri` or `expires_in` is missing or of the wrong type.
    #[error("pushed authorization request: {field:?} {problem}")]
    InvalidField {
        /// The field.
        field: &'static str,
        /// What is wrong with it.
        problem: &'static str,
        /// The body, truncated.
        body: String,
    },
    /// `expires_in` is zero or negative: the reference expired before it could be used.
    #[error(
        "pushed authorization request: the provider's request_uri expires in {0} seconds, \
         that is, it has already expired"
    )]
    Expired(i64),
}

/// Reads the answer to a push. 201 is the status §2.2 names; any 2xx with a `request_uri`
/// is taken.
pub fn parse_push_response(response: &http::Response<Vec<u8>>) -> Result<PushedRequest, PushError> {
    let body = response.body();
    let status = response.status().as_u16();
    let Some(fields) = form::body_fields(response.headers().get(http::header::CONTENT_TYPE), body)
    else {
        return Err(if response.status().is_success() {
            PushError::NotAnObject {
                body: form::truncate_body(body),
            }
        } else {
            PushError::HttpStatus {
                status,
                body: form::truncate_body(body),
            }
        });
    };
    if let Some(err) = error_from_fields(status, &fields) {
        return Err(PushError::Server(err));
    }
    if !response.status().is_success() {
        return Err(PushError::HttpStatus {
            status,
            body: form::truncate_body(body),
        });
    }
    let bad = |(field, problem): (&'static str, FieldProblem)| PushError::InvalidField {
        field,
        problem: problem.describe(),
        body: form::truncate_body(body),
    };
    let request_uri = json::req_str(&fields, "request_uri").map_err(bad)?;
    if request_uri.is_empty() {
        return Err(bad(("request_uri", FieldProblem::Missing)));
    }
    let expires_in = match fields.get("expires_in") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => match (n.as_u64(), n.as_i64()) {
            (Some(0), _) => return Err(PushError::Expired(0)),
            (Some(secs), _) => Some(secs),
            (None, Some(negative)) => return Err(PushError::Expired(negative)),
            (None, None) => return Err(bad(("expires_in", FieldProblem::NotANumber))),
        },
        Some(_) => return Err(bad(("expires_in", FieldProblem::NotANumber))),
    };
    Ok(PushedRequest {
        request_uri,
        expires_in,
    })
}

/// The authorization URL after a push (RFC 9126 §4): the endpoint (its own query kept) with
/// `client_id` and `request_uri` only.
pub fn pushed_authorization_url(
    authorization_endpoint: &str,
    client_id: &str,
    pushed: &PushedRequest,
) -> Result<String, AuthorizeError> {
    form::check_endpoint(authorization_endpoint).map_err(AuthorizeError::Endpoint)?;
    if client_id.is_empty() {
        return Err(AuthorizeError::EmptyClientId);
    }
    Ok(form::append_query(
        authorization_endpoint,
        &[
            ("client_id", client_id),
            ("request_uri", &pushed.request_uri),
        ],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discovery::parse_metadata;
    use crate::secret::ClientSecret;

    fn answer(status: u16, body: &str) -> http::Response<Vec<u8>> {
        http::Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    fn metadata(extra: &str) -> ProviderMetadata {
        parse_metadata(
            format!(r#"{{"issuer":"https://op.example"{extra}}}"#).as_bytes(),
            "https://op.example",
        )
        .unwrap()
    }

    #[test]
    fn pushes_when_configured_or_required_and_only_with_an_endpoint() {
        let endpoint = r#","pushed_authorization_request_endpoint":"https://op.example/par""#;
        assert_eq!(decide(false, None, None), Ok(None));
        assert_eq!(decide(false, None, Some(&metadata(endpoint))), Ok(None));
        assert_eq!(
            decide(true, None, Some(&metadata(endpoint))),
            Ok(Some("https://op.example/par"))
        );
        let required = format!(r#"{endpoint},"require_pushed_authorization_requests":true"#);
        assert_eq!(
            decide(false, None, Some(&metadata(&required))),
            Ok(Some("https://op.example/par"))
        );
        let err = decide(true, None, None).unwrap_err();
        assert!(err.to_string().contains("configured (par = true)"), "{err}");
        let err = decide(
            false,
            None,
            Some(&metadata(
                r#","require_pushed_authorization_requests":true"#,
            )),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("required by the provider"),
            "{err}"
        );
    }

    #[test]
    fn a_configured_endpoint_serves_without_discovery_and_wins_over_the_metadata() {
        let mine = Some("https://op.example/my-par");
        // No discovery at all (every endpoint configured): `par = true` pushes there.
        assert_eq!(decide(true, mine, None), Ok(mine));
        // Metadata without the endpoint, or with another one: the configured one.
        assert_eq!(decide(true, mine, Some(&metadata(""))), Ok(mine));
        let theirs = r#","pushed_authorization_request_endpoint":"https://op.example/par""#;
        assert_eq!(decide(true, mine, Some(&metadata(theirs))), Ok(mine));
        let required = r#","require_pushed_authorization_requests":true"#;
        assert_eq!(decide(false, mine, Some(&metadata(required))), Ok(mine));
        // Configured but not asked for: nothing is pushed.
        assert_eq!(decide(false, mine, Some(&metadata(theirs))), Ok(None));
        assert_eq!(decide(false, mine, None), Ok(None));
    }

    #[test]
    fn the_push_carries_the_parameters_and_the_client_authentication_once() {
        let params = [
            ("response_type", "code"),
            ("client_id", "spa"),
            ("redirect_uri", "https://app.example/callback/op"),
            ("state", "s"),
            ("client_secret", "smuggled"),
            ("request_uri", "urn:x"),
        ];
        let req = build_push_request(
            "https://op.example/par",
            &params,
            &ClientAuth::Public { client_id: "spa" },
        )
        .unwrap();
        assert_eq!(req.method(), http::Method::POST);
        assert_eq!(req.uri(), "https://op.example/par");
        assert_eq!(
            std::str::from_utf8(req.body()).unwrap(),
            "response_type=code&redirect_uri=https%3A%2F%2Fapp.example%2Fcallback%2Fop&state=s&client_id=spa"
        );
        let secret = ClientSecret::new("s3cret");
        let req = build_push_request(
            "https://op.example/par",
            &params,
            &ClientAuth::SecretPost {
                client_id: "conf",
                secret: &secret,
            },
        )
        .unwrap();
        let body = std::str::from_utf8(req.body()).unwrap();
        assert!(
            body.ends_with("&client_id=conf&client_secret=s3cret"),
            "{body}"
        );
        assert!(
            !body.contains("smuggled") && !body.contains("spa"),
            "{body}"
        );
        // Basic: the credentials in the header, and the client still named in the form, once.
        let req = build_push_request(
            "https://op.example/par",
            &params,
            &ClientAuth::SecretBasic {
                client_id: "c:1",
                secret: &secret,
            },
        )
        .unwrap();
        let body = std::str::from_utf8(req.body()).unwrap();
        assert!(body.ends_with("&state=s&client_id=c%3A1"), "{body}");
        assert_eq!(body.matches("client_id").count(), 1, "{body}");
        assert!(req.headers()["authorization"]
            .to_str()
            .unwrap()
            .starts_with("Basic "));
        assert!(matches!(
            build_push_request(
                "https://op.example/par#frag",
                &params,
                &ClientAuth::Public { client_id: "spa" }
            ),
            Err(PushRequestError::Endpoint(_))
        ));
    }

    #[test]
    fn reads_the_answer_of_rfc_9126_section_2_2() {
        let pushed = parse_push_response(&answer(
            201,
            r#"{"request_uri":"urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c","expires_in":60}"#,
        ))
        .unwrap();
        assert_eq!(
            pushed.request_uri,
            "urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c"
        );
        assert_eq!(pushed.expires_in, Some(60));
        assert_eq!(
            pushed_authorization_url("https://op.example/auth?tenant=1", "s6BhdRkqt3", &pushed)
                .unwrap(),
            "https://op.example/auth?tenant=1&client_id=s6BhdRkqt3\
             &request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3A6esc_11ACC5bwc014ltc14eY22c"
        );
        // 200 instead of 201, and no expires_in: taken.
        let lenient = parse_push_response(&answer(200, r#"{"request_uri":"urn:x"}"#)).unwrap();
        assert_eq!(lenient.expires_in, None);
    }

    type Case = (u16, &'static str, fn(&PushError) -> bool);

    #[test]
    fn bad_answers_are_typed() {
        let cases: [Case; 8] = [
            (201, r#"{"expires_in":60}"#, |e| {
                matches!(
                    e,
                    PushError::InvalidField {
                        field: "request_uri",
                        ..
                    }
                )
            }),
            (201, r#"{"request_uri":"","expires_in":60}"#, |e| {
                matches!(
                    e,
                    PushError::InvalidField {
                        field: "request_uri",
                        ..
                    }
                )
            }),
            (201, r#"{"request_uri":7,"expires_in":60}"#, |e| {
                matches!(
                    e,
                    PushError::InvalidField {
                        field: "request_uri",
                        ..
                    }
                )
            }),
            (201, r#"{"request_uri":"urn:x","expires_in":-5}"#, |e| {
                *e == PushError::Expired(-5)
            }),
            (201, r#"{"request_uri":"urn:x","expires_in":0}"#, |e| {
                *e == PushError::Expired(0)
            }),
            (201, r#"{"request_uri":"urn:x","expires_in":"soon"}"#, |e| {
                matches!(
                    e,
                    PushError::InvalidField {
                        field: "expires_in",
                        ..
                    }
                )
            }),
            (
                400,
                r#"{"error":"invalid_request","error_description":"no"}"#,
                |e| matches!(e, PushError::Server(s) if s.error.as_str() == "invalid_request"),
            ),
            (201, "<html>", |e| {
                matches!(e, PushError::NotAnObject { .. })
            }),
        ];
        for (status, body, expected) in cases {
            let err = parse_push_response(&answer(status, body)).unwrap_err();
            assert!(expected(&err), "{status} {body}: {err:?}");
        }
        let err = parse_push_response(&answer(405, "")).unwrap_err();
        assert!(
            matches!(err, PushError::HttpStatus { status: 405, .. }),
            "{err:?}"
        );
        assert!(PushError::Expired(-5)
            .to_string()
            .contains("already expired"));
    }
}
