//! The bad-input catalogue: hostile, broken and tricky inputs for every public parser and
//! validator of `latchkey-proto`, each expected to fail with one specific typed error.
//!
//! Every table runs each case under `catch_unwind`, so one panic is reported by case name
//! instead of hiding the rest, and an input that is *accepted* is a failure too. ID tokens are
//! signed here with the fixed Ed25519 key of RFC 8037 Appendix A, so every claim-level case
//! carries a valid signature and fails only for the reason it names.
//!
//! `cargo test -p latchkey-proto --all-features --test bad_input`
#![cfg(feature = "native-verify")]

use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use latchkey_proto::authorize::{begin, FlowRandomness, FlowStart, PendingFlow};
use latchkey_proto::callback::{validate_callback, CallbackError, IssParameter};
use latchkey_proto::discovery::{
    openid_configuration_url, parse_metadata, parse_metadata_response, DiscoveryError,
};
use latchkey_proto::form::{EndpointProblem, MAX_KEPT_BODY};
use latchkey_proto::oauth1::authorization::{self, AuthorizationParseError};
use latchkey_proto::oauth1::base_string::{signature_base_string, BaseStringError, Body};
use latchkey_proto::oauth1::percent::DecodeError;
use latchkey_proto::oauth1::{
    parse_access_token_response, parse_request_token_response, AccessTokenError, RequestTokenError,
};
use latchkey_proto::oidc::native::NativeVerifier;
use latchkey_proto::oidc::{
    at_hash, decode_unverified_claims, verify_id_token, AlgPolicy, IdTokenChecks, IdTokenError,
    JwkError, JwkSet, JwsAlg, JwsError, NonceCheck, VerifyError,
};
use latchkey_proto::secret::{AccessToken, Nonce};
use latchkey_proto::token::{parse_token_response, ErrorCode, TokenError};
use latchkey_proto::uri::UriError;
use serde_json::{json, Value};

mod common;
use common::{case, run, Case};

fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    match f.as_mut().poll(&mut cx) {
        Poll::Ready(v) => v,
        // The native verifier's future is always ready.
        Poll::Pending => panic!("future not ready"),
    }
}

fn response(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, content_type)
        .body(body.into())
        .unwrap()
}

fn json_200(body: impl Into<Vec<u8>>) -> http::Response<Vec<u8>> {
    response(200, "application/json", body)
}

// ---------------------------------------------------------------------------------------
// The authorization callback (RFC 6749 §4.1.2, RFC 9207)
// ---------------------------------------------------------------------------------------

const ISSUER: &str = "https://idp.example";
const CREATED: u64 = 1_700_000_000;

fn pending(issuer: Option<&str>) -> PendingFlow {
    let scopes = ["openid".to_owned()];
    let start = FlowStart {
        provider_id: "dot",
        issuer,
        authorization_endpoint: "https://idp.example/authorize",
        client_id: "spa",
        redirect_uri: "https://app.example/callback",
        scopes: &scopes,
        return_to: "/",
        extra: &[],
    };
    let random = FlowRandomness {
        state: &[7; 16],
        nonce: &[8; 16],
        verifier: &[9; 32],
    };
    begin(&start, &random, CREATED).unwrap().1
}

/// A callback input: URL, whether the flow has an issuer, the RFC 9207 setting, the clock.
struct Cb {
    url: String,
    flow_issuer: bool,
    iss: IssParameter,
    now: u64,
}

fn cb(url: String) -> Cb {
    Cb {
        url,
        flow_issuer: true,
        iss: IssParameter::Required,
        now: CREATED + 5,
    }
}

#[test]
fn callback_urls_that_must_be_refused() {
    let flow = pending(Some(ISSUER));
    let st = flow.state.secret().to_owned();
    let iss = "iss=https%3A%2F%2Fidp.example";
    let base = "https://app.example/callback";
    let many_params: String = (0..20_000).map(|i| format!("p{i}=v&")).collect();
    let huge_value = "A".repeat(1 << 20);
    use CallbackError as E;
    let table: Vec<Case<Cb, E>> = vec![
        case("no query", cb(base.into()), |e| {
            matches!(e, E::NoParameters)
        }),
        case("empty query", cb(format!("{base}?")), |e| {
            matches!(e, E::NoParameters)
        }),
        case(
            "parameters only in the fragment",
            cb(format!("{base}#code=c&state={st}&{iss}")),
            |e| matches!(e, E::NoParameters),
        ),
        case(
            "'?' inside the fragment",
            cb(format!("{base}#x?code=c&state={st}&{iss}")),
            |e| matches!(e, E::NoParameters),
        ),
        case(
            "state only in the fragment",
            cb(format!("{base}?code=c&{iss}#state={st}")),
            |e| matches!(e, E::MissingParameter("state")),
        ),
        case(
            "forged state before a fragment holding the real one",
            cb(format!("{base}?code=c&state=forged&{iss}#&state={st}")),
            |e| matches!(e, E::StateMismatch),
        ),
        case(
            "duplicated code",
            cb(format!("{base}?code=a&code=b&state={st}&{iss}")),
            |e| matches!(e, E::DuplicateParameter(p) if p == "code"),
        ),
        case(
            "duplicated state",
            cb(format!("{base}?code=a&state={st}&state={st}&{iss}")),
            |e| matches!(e, E::DuplicateParameter(p) if p == "state"),
        ),
        case(
            "state duplicated under a percent-encoded name",
            cb(format!("{base}?code=a&state={st}&st%61te=evil&{iss}")),
            |e| matches!(e, E::DuplicateParameter(p) if p == "state"),
        ),
        case(
            "duplicated iss",
            cb(format!(
                "{base}?code=a&state={st}&{iss}&iss=https%3A%2F%2Fevil.example"
            )),
            |e| matches!(e, E::DuplicateParameter(p) if p == "iss"),
        ),
        case("missing state", cb(format!("{base}?code=c&{iss}")), |e| {
            matches!(e, E::MissingParameter("state"))
        }),
        case(
            "missing code",
            cb(format!("{base}?state={st}&{iss}")),
            |e| matches!(e, E::MissingParameter("code")),
        ),
        case(
            "empty code",
            cb(format!("{base}?code=&state={st}&{iss}")),
            |e| matches!(e, E::MissingParameter("code")),
        ),
        case(
            "wrong state",
            cb(format!("{base}?code=c&state=AAAAAAAAAAAAAAAAAAAAAA&{iss}")),
            |e| matches!(e, E::StateMismatch),
        ),
        case(
            "state with one extra character",
            cb(format!("{base}?code=c&state={st}x&{iss}")),
            |e| matches!(e, E::StateMismatch),
        ),
        case(
            "state missing its last character",
            cb(format!("{base}?code=c&state={}&{iss}", &st[..st.len() - 1])),
            |e| matches!(e, E::StateMismatch),
        ),
        case(
            "empty state",
            cb(format!("{base}?code=c&state=&{iss}")),
            |e| matches!(e, E::StateMismatch),
        ),
        case(
            "state with invalid UTF-8 escapes",
            cb(format!("{base}?code=c&state=%FF%FE&{iss}")),
            |e| matches!(e, E::StateMismatch),
        ),
        case(
            "forged error response (wrong state) never reaches the user",
            cb(format!("{base}?error=access_denied&state=forged&{iss}")),
            |e| matches!(e, E::StateMismatch),
        ),
        case(
            "missing iss with RFC 9207 on",
            cb(format!("{base}?code=c&state={st}")),
            |e| matches!(e, E::MissingIss),
        ),
        case(
            "error response without iss with RFC 9207 on is the provider's error, not a mix-up",
            cb(format!("{base}?error=access_denied&state={st}")),
            |e| matches!(e, E::Authorization(_)),
        ),
        case(
            "wrong iss",
            cb(format!(
                "{base}?code=c&state={st}&iss=https%3A%2F%2Fevil.example"
            )),
            |e| matches!(e, E::IssMismatch { got, .. } if got == "https://evil.example"),
        ),
        case(
            "iss with a trailing slash",
            cb(format!(
                "{base}?code=c&state={st}&iss=https%3A%2F%2Fidp.example%2F"
            )),
            |e| matches!(e, E::IssMismatch { got, .. } if got == "https://idp.example/"),
        ),
        case(
            "iss differing in case",
            cb(format!(
                "{base}?code=c&state={st}&iss=https%3A%2F%2FIDP.example"
            )),
            |e| matches!(e, E::IssMismatch { .. }),
        ),
        case(
            "empty iss",
            cb(format!("{base}?code=c&state={st}&iss=")),
            |e| matches!(e, E::IssMismatch { got, .. } if got.is_empty()),
        ),
        case(
            "wrong iss even when RFC 9207 is not advertised",
            Cb {
                iss: IssParameter::NotAdvertised,
                ..cb(format!(
                    "{base}?code=c&state={st}&iss=https%3A%2F%2Fevil.example"
                ))
            },
            |e| matches!(e, E::IssMismatch { .. }),
        ),
        case(
            "iss for a flow without an issuer",
            Cb {
                flow_issuer: false,
                iss: IssParameter::NotAdvertised,
                ..cb(format!("{base}?code=c&state={st}&{iss}"))
            },
            |e| matches!(e, E::UnexpectedIss(_)),
        ),
        case(
            "genuine error response",
            cb(format!(
                "{base}?error=access_denied&error_description=no&state={st}&{iss}"
            )),
            |e| matches!(e, E::Authorization(a) if a.error == ErrorCode::AccessDenied),
        ),
        case(
            "error and code together: the error wins",
            cb(format!("{base}?code=c&error=server_error&state={st}&{iss}")),
            |e| matches!(e, E::Authorization(a) if a.error == ErrorCode::ServerError),
        ),
        case(
            "flow older than ten minutes",
            Cb {
                now: CREATED + 601,
                ..cb(format!("{base}?code=c&state={st}&{iss}"))
            },
            |e| matches!(e, E::Expired),
        ),
        case(
            "clock before the flow began",
            Cb {
                now: CREATED - 1,
                ..cb(format!("{base}?code=c&state={st}&{iss}"))
            },
            |e| matches!(e, E::Expired),
        ),
        case(
            "20 000 parameters and no state",
            cb(format!("{base}?{many_params}code=c&{iss}")),
            |e| matches!(e, E::MissingParameter("state")),
        ),
        case(
            "20 000 parameters, duplicate at the end",
            cb(format!(
                "{base}?{many_params}code=c&state={st}&{iss}&p19999=x"
            )),
            |e| matches!(e, E::DuplicateParameter(p) if p == "p19999"),
        ),
        case(
            "1 MiB state",
            cb(format!("{base}?code=c&state={huge_value}&{iss}")),
            |e| matches!(e, E::StateMismatch),
        ),
        case(
            "1 MiB iss",
            cb(format!("{base}?code=c&state={st}&iss={huge_value}")),
            |e| matches!(e, E::IssMismatch { .. }),
        ),
    ];
    let no_issuer = pending(None);
    run(table, |c: Cb| {
        let flow = if c.flow_issuer { &flow } else { &no_issuer };
        validate_callback(&c.url, flow, c.iss, c.now)
    });
}

// ---------------------------------------------------------------------------------------
// Token responses (RFC 6749 §5.1, §5.2)
// ---------------------------------------------------------------------------------------

#[test]
fn token_responses_that_must_be_refused() {
    let ok = |extra: &str| {
        json_200(format!(
            r#"{{"access_token":"at","token_type":"Bearer"{extra}}}"#
        ))
    };
    let oversized = vec![b'x'; 4 << 20];
    use TokenError as E;
    let table: Vec<Case<http::Response<Vec<u8>>, E>> = vec![
        case(
            "HTML login page with 200",
            response(200, "text/html", "<html><body>Sign in</body></html>"),
            |e| matches!(e, E::NotAnObject { .. }),
        ),
        case("empty body", json_200(""), |e| {
            matches!(e, E::NotAnObject { .. })
        }),
        case("JSON array", json_200(r#"[{"access_token":"at"}]"#), |e| {
            matches!(e, E::NotAnObject { .. })
        }),
        case("JSON string", json_200(r#""access_token""#), |e| {
            matches!(e, E::NotAnObject { .. })
        }),
        case(
            "truncated JSON",
            json_200(r#"{"access_token":"at","token_ty"#),
            |e| matches!(e, E::NotAnObject { .. }),
        ),
        case(
            "oversized garbage body keeps at most MAX_KEPT_BODY bytes",
            json_200(oversized.clone()),
            |e| matches!(e, E::NotAnObject { body } if body.len() <= MAX_KEPT_BODY),
        ),
        case(
            "oversized garbage with HTTP 502",
            response(502, "text/plain", oversized),
            |e| matches!(e, E::HttpStatus { status: 502, body } if body.len() <= MAX_KEPT_BODY),
        ),
        case(
            "missing access_token",
            json_200(r#"{"token_type":"Bearer"}"#),
            |e| {
                matches!(
                    e,
                    E::InvalidField {
                        field: "access_token",
                        ..
                    }
                )
            },
        ),
        case(
            "empty access_token",
            json_200(r#"{"access_token":"","token_type":"Bearer"}"#),
            |e| {
                matches!(
                    e,
                    E::InvalidField {
                        field: "access_token",
                        ..
                    }
                )
            },
        ),
        case(
            "numeric access_token",
            json_200(r#"{"access_token":12,"token_type":"Bearer"}"#),
            |e| {
                matches!(
                    e,
                    E::InvalidField {
                        field: "access_token",
                        ..
                    }
                )
            },
        ),
        case(
            "missing token_type",
            json_200(r#"{"access_token":"at"}"#),
            |e| {
                matches!(
                    e,
                    E::InvalidField {
                        field: "token_type",
                        ..
                    }
                )
            },
        ),
        case(
            "token_type mac",
            json_200(r#"{"access_token":"at","token_type":"mac"}"#),
            |e| matches!(e, E::UnsupportedTokenType(t) if t == "mac"),
        ),
        case(
            "token_type DPoP",
            json_200(r#"{"access_token":"at","token_type":"DPoP"}"#),
            |e| matches!(e, E::UnsupportedTokenType(t) if t == "DPoP"),
        ),
        case(
            "token_type Bearer with trailing space",
            json_200(r#"{"access_token":"at","token_type":"Bearer "}"#),
            |e| matches!(e, E::UnsupportedTokenType(_)),
        ),
        case("negative expires_in", ok(r#","expires_in":-1"#), |e| {
            matches!(
                e,
                E::InvalidField {
                    field: "expires_in",
                    ..
                }
            )
        }),
        case("float expires_in", ok(r#","expires_in":3599.5"#), |e| {
            matches!(
                e,
                E::InvalidField {
                    field: "expires_in",
                    ..
                }
            )
        }),
        case(
            "expires_in beyond u64",
            ok(r#","expires_in":18446744073709551616"#),
            |e| {
                matches!(
                    e,
                    E::InvalidField {
                        field: "expires_in",
                        ..
                    }
                )
            },
        ),
        case(
            "expires_in string beyond u64",
            ok(r#","expires_in":"99999999999999999999999""#),
            |e| {
                matches!(
                    e,
                    E::InvalidField {
                        field: "expires_in",
                        ..
                    }
                )
            },
        ),
        case(
            "expires_in negative string",
            ok(r#","expires_in":"-5""#),
            |e| {
                matches!(
                    e,
                    E::InvalidField {
                        field: "expires_in",
                        ..
                    }
                )
            },
        ),
        case("expires_in boolean", ok(r#","expires_in":true"#), |e| {
            matches!(
                e,
                E::InvalidField {
                    field: "expires_in",
                    ..
                }
            )
        }),
        case(
            "expires_in out of f64 range makes the JSON invalid",
            ok(r#","expires_in":1e400"#),
            |e| matches!(e, E::NotAnObject { .. }),
        ),
        case("numeric refresh_token", ok(r#","refresh_token":5"#), |e| {
            matches!(
                e,
                E::InvalidField {
                    field: "refresh_token",
                    ..
                }
            )
        }),
        case("scope as a number", ok(r#","scope":7"#), |e| {
            matches!(e, E::InvalidField { field: "scope", .. })
        }),
        case(
            "scope list with a number",
            ok(r#","scope":["openid",7]"#),
            |e| matches!(e, E::InvalidField { field: "scope", .. }),
        ),
        case(
            "id_token as an object",
            ok(r#","id_token":{"alg":"none"}"#),
            |e| {
                matches!(
                    e,
                    E::InvalidField {
                        field: "id_token",
                        ..
                    }
                )
            },
        ),
        case(
            "error body with HTTP 200",
            json_200(r#"{"error":"invalid_grant","error_description":"bad code"}"#),
            |e| matches!(e, E::Server(s) if s.status == 200 && s.error == ErrorCode::InvalidGrant),
        ),
        case(
            "error body next to an access_token",
            json_200(r#"{"access_token":"at","token_type":"Bearer","error":"invalid_scope"}"#),
            |e| matches!(e, E::Server(s) if s.error == ErrorCode::InvalidScope),
        ),
        case(
            "form-encoded error with HTTP 200",
            response(
                200,
                "application/x-www-form-urlencoded",
                "error=bad_verification_code&error_description=x",
            ),
            |e| matches!(e, E::Server(s) if matches!(&s.error, ErrorCode::Other(c) if c == "bad_verification_code")),
        ),
        case(
            "error body with HTTP 400",
            response(400, "application/json", r#"{"error":"invalid_client"}"#),
            |e| matches!(e, E::Server(s) if s.status == 400 && s.error == ErrorCode::InvalidClient),
        ),
        case(
            "HTML with HTTP 500",
            response(500, "text/html", "<h1>oops</h1>"),
            |e| matches!(e, E::HttpStatus { status: 500, .. }),
        ),
        case(
            "valid-looking tokens with HTTP 401",
            response(
                401,
                "application/json",
                r#"{"access_token":"at","token_type":"Bearer"}"#,
            ),
            |e| matches!(e, E::HttpStatus { status: 401, .. }),
        ),
    ];
    run(table, |r| parse_token_response(&r));
}

// ---------------------------------------------------------------------------------------
// Discovery documents (RFC 8414, OIDC Discovery)
// ---------------------------------------------------------------------------------------

#[test]
fn discovery_documents_that_must_be_refused() {
    let doc = |extra: &str| format!(r#"{{"issuer":"https://idp.example"{extra}}}"#).into_bytes();
    use DiscoveryError as E;
    let table: Vec<Case<(Vec<u8>, &str), E>> = vec![
        case(
            "issuer with a trailing slash the caller did not use",
            (br#"{"issuer":"https://idp.example/"}"#.to_vec(), ISSUER),
            |e| matches!(e, E::IssuerMismatch { got, .. } if got == "https://idp.example/"),
        ),
        case(
            "caller's issuer has the trailing slash, document not",
            (doc(""), "https://idp.example/"),
            |e| matches!(e, E::IssuerMismatch { .. }),
        ),
        case(
            "issuer over http for an https issuer",
            (br#"{"issuer":"http://idp.example"}"#.to_vec(), ISSUER),
            |e| matches!(e, E::IssuerMismatch { .. }),
        ),
        case(
            "issuer host in another case",
            (br#"{"issuer":"https://IDP.example"}"#.to_vec(), ISSUER),
            |e| matches!(e, E::IssuerMismatch { .. }),
        ),
        case(
            "another tenant's issuer",
            (
                br#"{"issuer":"https://idp.example/tenant-b"}"#.to_vec(),
                "https://idp.example/tenant-a",
            ),
            |e| matches!(e, E::IssuerMismatch { .. }),
        ),
        case(
            "missing issuer",
            (
                br#"{"token_endpoint":"https://idp.example/token"}"#.to_vec(),
                ISSUER,
            ),
            |e| {
                matches!(
                    e,
                    E::InvalidField {
                        field: "issuer",
                        ..
                    }
                )
            },
        ),
        case(
            "numeric issuer",
            (br#"{"issuer":1}"#.to_vec(), ISSUER),
            |e| {
                matches!(
                    e,
                    E::InvalidField {
                        field: "issuer",
                        ..
                    }
                )
            },
        ),
        case(
            "not JSON",
            (b"<html>not found</html>".to_vec(), ISSUER),
            |e| matches!(e, E::NotAnObject { .. }),
        ),
        case("JSON array", (b"[]".to_vec(), ISSUER), |e| {
            matches!(e, E::NotAnObject { .. })
        }),
        case(
            "truncated JSON",
            (br#"{"issuer":"https://idp.ex"#.to_vec(), ISSUER),
            |e| matches!(e, E::NotAnObject { .. }),
        ),
        case(
            "oversized garbage keeps at most MAX_KEPT_BODY bytes",
            (vec![b'{'; 4 << 20], ISSUER),
            |e| matches!(e, E::NotAnObject { body } if body.len() <= MAX_KEPT_BODY),
        ),
        case(
            "relative authorization_endpoint",
            (doc(r#","authorization_endpoint":"/authorize""#), ISSUER),
            |e| {
                matches!(
                    e,
                    E::InvalidField {
                        field: "authorization_endpoint",
                        ..
                    }
                )
            },
        ),
        case(
            "token_endpoint with a fragment",
            (
                doc(r##","token_endpoint":"https://idp.example/token#x""##),
                ISSUER,
            ),
            |e| {
                matches!(
                    e,
                    E::InvalidField {
                        field: "token_endpoint",
                        ..
                    }
                )
            },
        ),
        case(
            "token_endpoint with user information",
            (
                doc(r#","token_endpoint":"https://evil@idp.example/token""#),
                ISSUER,
            ),
            |e| {
                matches!(
                    e,
                    E::InvalidField {
                        field: "token_endpoint",
                        ..
                    }
                )
            },
        ),
        case(
            "jwks_uri with a javascript: scheme",
            (doc(r#","jwks_uri":"javascript:alert(1)""#), ISSUER),
            |e| {
                matches!(
                    e,
                    E::InvalidField {
                        field: "jwks_uri",
                        ..
                    }
                )
            },
        ),
        case(
            "userinfo_endpoint with port 99999",
            (
                doc(r#","userinfo_endpoint":"https://idp.example:99999/u""#),
                ISSUER,
            ),
            |e| {
                matches!(
                    e,
                    E::InvalidField {
                        field: "userinfo_endpoint",
                        ..
                    }
                )
            },
        ),
        case(
            "end_session_endpoint as a number",
            (doc(r#","end_session_endpoint":3"#), ISSUER),
            |e| {
                matches!(
                    e,
                    E::InvalidField {
                        field: "end_session_endpoint",
                        ..
                    }
                )
            },
        ),
        case(
            "iss support flag as a string",
            (
                doc(r#","authorization_response_iss_parameter_supported":"true""#),
                ISSUER,
            ),
            |e| {
                matches!(
                    e,
                    E::InvalidField {
                        field: "authorization_response_iss_parameter_supported",
                        ..
                    }
                )
            },
        ),
        case(
            "PKCE methods as a string",
            (doc(r#","code_challenge_methods_supported":"S256""#), ISSUER),
            |e| {
                matches!(
                    e,
                    E::InvalidField {
                        field: "code_challenge_methods_supported",
                        ..
                    }
                )
            },
        ),
    ];
    run(table, |(body, issuer)| parse_metadata(&body, issuer));

    let status: Vec<Case<http::Response<Vec<u8>>, E>> = vec![case(
        "HTTP 404 with a valid-looking document",
        response(404, "application/json", doc("")),
        |e| matches!(e, E::HttpStatus { status: 404, .. }),
    )];
    run(status, |r| parse_metadata_response(&r, ISSUER));

    let issuers: Vec<Case<&str, E>> = vec![
        case(
            "issuer with a query",
            "https://idp.example/?tenant=a",
            |e| matches!(e, E::IssuerQuery),
        ),
        case("issuer with a fragment", "https://idp.example/#a", |e| {
            matches!(e, E::Issuer(EndpointProblem::Fragment))
        }),
        case("issuer with an ftp scheme", "ftp://idp.example", |e| {
            matches!(e, E::Issuer(EndpointProblem::NotHttp))
        }),
        case("relative issuer", "idp.example", |e| {
            matches!(e, E::Issuer(EndpointProblem::NotHttp))
        }),
    ];
    run(issuers, openid_configuration_url);
}

/// Proto's documented choice (`form::check_endpoint`): plain http endpoints are accepted, even
/// under an https issuer, because the reference providers run on loopback; requiring TLS is
/// left to configuration. Endpoints are optional at this layer too: a flow that needs one
/// reports its absence. If proto tightens either rule, this test tells the docs to change.
#[test]
fn discovery_accepts_http_endpoints_and_missing_endpoints_by_design() {
    let mixed = br#"{"issuer":"https://idp.example","token_endpoint":"http://idp.example/token"}"#;
    let m = parse_metadata(mixed, ISSUER).unwrap();
    assert_eq!(
        m.token_endpoint.as_deref(),
        Some("http://idp.example/token")
    );
    let bare = parse_metadata(br#"{"issuer":"https://idp.example"}"#, ISSUER).unwrap();
    assert_eq!(bare.authorization_endpoint, None);
    assert_eq!(bare.token_endpoint, None);
    assert_eq!(bare.jwks_uri, None);
}

// ---------------------------------------------------------------------------------------
// JWKS (RFC 7517) and ID tokens (RFC 7515, OIDC Core §3.1.3.7)
// ---------------------------------------------------------------------------------------

// RFC 8037 Appendix A.1: the Ed25519 key pair.
const ED_D: &str = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
const ED_X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
// RFC 7515 Appendix A.2.1: an RSA public key (the modulus), for the HMAC confusion case.
const RSA_N: &str = "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";

const CLIENT: &str = "spa";
const NONCE: &str = "n-0S6_WzA2Mj";
const ACCESS_TOKEN: &str = "SlAV32hkKG";
const NOW: u64 = 1_700_000_000;

fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn jwks() -> JwkSet {
    let doc = json!({"keys":[
        {"kty":"OKP","crv":"Ed25519","kid":"ed-1","use":"sig","x":ED_X},
        {"kty":"RSA","kid":"rsa-1","use":"sig","n":RSA_N,"e":"AQAB"},
    ]});
    JwkSet::parse(doc.to_string().as_bytes()).unwrap()
}

fn claims() -> Value {
    json!({"iss":ISSUER,"sub":"u-1","aud":CLIENT,"exp":NOW + 300,"iat":NOW - 10,"nonce":NONCE,
           "at_hash":at_hash(JwsAlg::EdDSA, ACCESS_TOKEN)})
}

fn with(changes: Value) -> Value {
    let mut c = claims();
    for (k, v) in changes.as_object().unwrap() {
        if v.is_null() {
            c.as_object_mut().unwrap().remove(k);
        } else {
            c[k] = v.clone();
        }
    }
    c
}

/// Signs raw header and payload bytes with the RFC 8037 Ed25519 key.
fn sign_raw(header: &Value, payload: &[u8]) -> String {
    use ed25519_dalek::Signer as _;
    let d: [u8; 32] = URL_SAFE_NO_PAD.decode(ED_D).unwrap().try_into().unwrap();
    let key = ed25519_dalek::SigningKey::from_bytes(&d);
    let input = format!("{}.{}", b64(header.to_string()), b64(payload));
    let sig = key.sign(input.as_bytes());
    format!("{input}.{}", b64(sig.to_bytes()))
}

fn signed(claims: &Value) -> String {
    sign_raw(
        &json!({"alg":"EdDSA","kid":"ed-1","typ":"JWT"}),
        claims.to_string().as_bytes(),
    )
}

/// A token with any header, signed with HMAC-SHA256 under `key`.
fn hmac_signed(header: &Value, claims: &Value, key: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let input = format!("{}.{}", b64(header.to_string()), b64(claims.to_string()));
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
    mac.update(input.as_bytes());
    format!("{input}.{}", b64(mac.finalize().into_bytes()))
}

/// How an ID token case differs from the code-exchange defaults.
#[derive(Clone, Copy)]
enum Mode {
    CodeExchange,
    OnlyRs256,
    RefreshNoNonce,
    RefreshOtherSub,
}

fn verify(token: &str, mode: Mode) -> Result<(), IdTokenError> {
    let nonce = Nonce::new(NONCE);
    let access = AccessToken::new(ACCESS_TOKEN);
    let only_rs = [JwsAlg::RS256];
    let mut checks = IdTokenChecks {
        issuer: ISSUER,
        client_id: CLIENT,
        nonce: NonceCheck::Expect(&nonce),
        leeway_secs: 30,
        access_token: Some(&access),
        expected_sub: None,
        algs: AlgPolicy::AnySupported,
    };
    match mode {
        Mode::CodeExchange => {}
        Mode::OnlyRs256 => checks.algs = AlgPolicy::OneOf(&only_rs),
        Mode::RefreshNoNonce => checks.nonce = NonceCheck::Refreshed(None),
        Mode::RefreshOtherSub => {
            checks.nonce = NonceCheck::Refreshed(None);
            checks.expected_sub = Some("u-0");
        }
    }
    block_on(verify_id_token(
        token,
        &jwks(),
        &NativeVerifier,
        &checks,
        NOW,
    ))
    .map(|_| ())
}

#[test]
fn the_unmodified_id_token_verifies() {
    // The baseline every refusal below departs from: without it a broken signer would make
    // every case "fail" for the wrong reason.
    verify(&signed(&claims()), Mode::CodeExchange).unwrap();
}

#[test]
fn id_tokens_that_must_be_refused() {
    let good = signed(&claims());
    let parts: Vec<&str> = good.split('.').collect();
    let (h, p, s) = (parts[0], parts[1], parts[2]);
    let rsa_public_bytes = URL_SAFE_NO_PAD.decode(RSA_N).unwrap();
    let other_payload = b64(with(json!({"sub":"admin"})).to_string());
    let filler = "A".repeat(2 << 20);
    use IdTokenError as E;
    let cc = |t: String| (t, Mode::CodeExchange);
    let table: Vec<Case<(String, Mode), E>> = vec![
        case(
            "alg none, empty signature",
            cc(format!("{}.{p}.", b64(r#"{"alg":"none"}"#))),
            |e| matches!(e, E::Malformed(JwsError::AlgNone)),
        ),
        case(
            "alg none keeping the original signature",
            cc(format!("{}.{p}.{s}", b64(r#"{"alg":"none","kid":"ed-1"}"#))),
            |e| matches!(e, E::Malformed(JwsError::AlgNone)),
        ),
        case(
            "HS256 keyed with the RSA public key's bytes",
            cc(hmac_signed(
                &json!({"alg":"HS256","kid":"rsa-1"}),
                &claims(),
                &rsa_public_bytes,
            )),
            |e| matches!(e, E::Malformed(JwsError::SymmetricAlg(a)) if a == "HS256"),
        ),
        case(
            "HS256 keyed with the Ed25519 public key's bytes",
            cc(hmac_signed(
                &json!({"alg":"HS256","kid":"ed-1"}),
                &claims(),
                &URL_SAFE_NO_PAD.decode(ED_X).unwrap(),
            )),
            |e| matches!(e, E::Malformed(JwsError::SymmetricAlg(_))),
        ),
        case(
            "alg in lower case",
            cc(format!(
                "{}.{p}.{s}",
                b64(r#"{"alg":"eddsa","kid":"ed-1"}"#)
            )),
            |e| matches!(e, E::Malformed(JwsError::UnsupportedAlg(_))),
        ),
        case(
            "alg missing",
            cc(format!("{}.{p}.{s}", b64(r#"{"kid":"ed-1"}"#))),
            |e| matches!(e, E::Malformed(JwsError::MissingAlg)),
        ),
        case(
            "alg as a number",
            cc(format!("{}.{p}.{s}", b64(r#"{"alg":256}"#))),
            |e| matches!(e, E::Malformed(JwsError::MissingAlg)),
        ),
        case(
            "critical header extension",
            cc(sign_raw(
                &json!({"alg":"EdDSA","kid":"ed-1","crit":["exp"]}),
                claims().to_string().as_bytes(),
            )),
            |e| matches!(e, E::Malformed(JwsError::Critical)),
        ),
        case(
            "kid as a number",
            cc(format!("{}.{p}.{s}", b64(r#"{"alg":"EdDSA","kid":1}"#))),
            |e| matches!(e, E::Malformed(JwsError::Kid)),
        ),
        case(
            "unknown kid",
            cc(sign_raw(
                &json!({"alg":"EdDSA","kid":"rotated-away"}),
                claims().to_string().as_bytes(),
            )),
            |e| matches!(e, E::NoMatchingKey { kid: Some(k), .. } if k == "rotated-away"),
        ),
        case(
            "RS256 header naming the Ed25519 key",
            cc(format!(
                "{}.{p}.{s}",
                b64(r#"{"alg":"RS256","kid":"ed-1"}"#)
            )),
            |e| {
                matches!(
                    e,
                    E::NoMatchingKey {
                        alg: JwsAlg::RS256,
                        ..
                    }
                )
            },
        ),
        case(
            "ES256 with no EC key in the set",
            cc(format!("{}.{p}.{s}", b64(r#"{"alg":"ES256"}"#))),
            |e| {
                matches!(
                    e,
                    E::NoMatchingKey {
                        alg: JwsAlg::ES256,
                        kid: None
                    }
                )
            },
        ),
        case(
            "alg outside the provider's policy",
            (good.clone(), Mode::OnlyRs256),
            |e| matches!(e, E::AlgNotAllowed(JwsAlg::EdDSA)),
        ),
        case(
            "payload swapped under the original signature",
            cc(format!("{h}.{other_payload}.{s}")),
            |e| matches!(e, E::Signature(VerifyError::BadSignature)),
        ),
        case(
            "signature truncated by 6 characters",
            cc(format!("{h}.{p}.{}", &s[..s.len() - 6])),
            |e| matches!(e, E::Signature(VerifyError::BadSignature)),
        ),
        case("empty signature", cc(format!("{h}.{p}.")), |e| {
            matches!(e, E::Signature(VerifyError::BadSignature))
        }),
        case(
            "token truncated to two parts",
            cc(format!("{h}.{p}")),
            |e| matches!(e, E::Malformed(JwsError::Parts(2))),
        ),
        case(
            "token truncated inside the header",
            cc(h[..7].to_owned()),
            |e| matches!(e, E::Malformed(JwsError::Parts(1))),
        ),
        case("empty token", cc(String::new()), |e| {
            matches!(e, E::Malformed(JwsError::Parts(1)))
        }),
        case("extra fourth segment", cc(format!("{good}.{s}")), |e| {
            matches!(e, E::Malformed(JwsError::Parts(4)))
        }),
        case(
            "five segments (a JWE)",
            cc(format!("{h}.{p}.{s}.{s}.{s}")),
            |e| matches!(e, E::Malformed(JwsError::Parts(5))),
        ),
        case(
            "header with standard-base64 characters",
            cc(format!("{}+/.{p}.{s}", &h[..h.len() - 2])),
            |e| matches!(e, E::Malformed(JwsError::Base64("header"))),
        ),
        case(
            "payload with base64 padding",
            cc(format!("{h}.{p}==.{s}")),
            |e| matches!(e, E::Malformed(JwsError::Base64("payload"))),
        ),
        case(
            "signature with a space",
            cc(format!("{h}.{p}.{} {}", &s[..10], &s[10..])),
            |e| matches!(e, E::Malformed(JwsError::Base64("signature"))),
        ),
        case(
            "header that is not JSON",
            cc(format!("{}.{p}.{s}", b64("alg=EdDSA"))),
            |e| matches!(e, E::Malformed(JwsError::Json("header"))),
        ),
        case(
            "oversized header (2 MiB)",
            cc(format!("{filler}.{p}.{s}")),
            |e| matches!(e, E::Malformed(JwsError::Json("header"))),
        ),
        case(
            "oversized signature (2 MiB)",
            cc(format!("{h}.{p}.{filler}")),
            |e| matches!(e, E::Signature(VerifyError::BadSignature)),
        ),
        case(
            "signed payload that is not JSON",
            cc(sign_raw(&json!({"alg":"EdDSA","kid":"ed-1"}), b"not json")),
            |e| matches!(e, E::Malformed(JwsError::Json("payload"))),
        ),
        case("expired", cc(signed(&with(json!({"exp":NOW - 31})))), |e| {
            matches!(e, E::Expired { .. })
        }),
        case(
            "nbf in the future",
            cc(signed(&with(json!({"nbf":NOW + 31})))),
            |e| matches!(e, E::NotYetValid { .. }),
        ),
        case(
            "iat in the future",
            cc(signed(&with(json!({"iat":NOW + 31})))),
            |e| matches!(e, E::IssuedInTheFuture { .. }),
        ),
        case(
            "exp as a string",
            cc(signed(&with(json!({"exp":"tomorrow"})))),
            |e| matches!(e, E::InvalidClaim("exp")),
        ),
        case("negative exp", cc(signed(&with(json!({"exp":-1})))), |e| {
            matches!(e, E::InvalidClaim("exp"))
        }),
        case("missing sub", cc(signed(&with(json!({"sub":null})))), |e| {
            matches!(e, E::MissingClaim("sub"))
        }),
        case(
            "wrong aud",
            cc(signed(&with(json!({"aud":"other-client"})))),
            |e| matches!(e, E::Audience),
        ),
        case(
            "empty aud list",
            cc(signed(&with(json!({"aud":[]})))),
            |e| matches!(e, E::InvalidClaim("aud")),
        ),
        case(
            "wrong iss",
            cc(signed(&with(json!({"iss":"https://evil.example"})))),
            |e| matches!(e, E::Issuer { got, .. } if got == "https://evil.example"),
        ),
        case(
            "iss with a trailing slash",
            cc(signed(&with(json!({"iss":"https://idp.example/"})))),
            |e| matches!(e, E::Issuer { .. }),
        ),
        case(
            "wrong nonce",
            cc(signed(&with(json!({"nonce":"replayed"})))),
            |e| matches!(e, E::NonceMismatch),
        ),
        case(
            "missing nonce on the code exchange",
            cc(signed(&with(json!({"nonce":null})))),
            |e| matches!(e, E::MissingClaim("nonce")),
        ),
        case(
            "nonce on a refresh that expects none",
            (signed(&claims()), Mode::RefreshNoNonce),
            |e| matches!(e, E::NonceMismatch),
        ),
        case(
            "sub changed on refresh",
            (signed(&with(json!({"nonce":null}))), Mode::RefreshOtherSub),
            |e| matches!(e, E::SubjectChanged),
        ),
        case(
            "azp missing with several audiences",
            cc(signed(&with(json!({"aud":[CLIENT,"api"]})))),
            |e| matches!(e, E::AuthorizedParty),
        ),
        case(
            "azp naming another client",
            cc(signed(&with(json!({"aud":[CLIENT,"api"],"azp":"api"})))),
            |e| matches!(e, E::AuthorizedParty),
        ),
        case(
            "at_hash of another access token",
            cc(signed(&with(
                json!({"at_hash":at_hash(JwsAlg::EdDSA, "other")}),
            ))),
            |e| matches!(e, E::AccessTokenHash),
        ),
        case(
            "at_hash computed with the wrong hash (SHA-256 for EdDSA)",
            cc(signed(&with(
                json!({"at_hash":at_hash(JwsAlg::RS256, ACCESS_TOKEN)}),
            ))),
            |e| matches!(e, E::AccessTokenHash),
        ),
        case(
            "at_hash as a number",
            cc(signed(&with(json!({"at_hash":1})))),
            |e| matches!(e, E::InvalidClaim("at_hash")),
        ),
    ];
    run(table, |(token, mode)| verify(&token, mode));
}

#[test]
fn jwks_documents_that_must_be_refused() {
    use JwkError as E;
    let table: Vec<Case<http::Response<Vec<u8>>, E>> = vec![
        case("not JSON", json_200("<html>"), |e| {
            matches!(e, E::NotAKeySet { .. })
        }),
        case("no keys member", json_200(r#"{"kty":"RSA"}"#), |e| {
            matches!(e, E::NotAKeySet { .. })
        }),
        case(
            "keys as an object",
            json_200(r#"{"keys":{"kty":"RSA"}}"#),
            |e| matches!(e, E::NotAKeySet { .. }),
        ),
        case(
            "a bare array of keys",
            json_200(r#"[{"kty":"RSA"}]"#),
            |e| matches!(e, E::NotAKeySet { .. }),
        ),
        case("truncated", json_200(r#"{"keys":[{"kty":"RS"#), |e| {
            matches!(e, E::NotAKeySet { .. })
        }),
        case(
            "oversized garbage keeps at most MAX_KEPT_BODY bytes",
            json_200(vec![b'['; 4 << 20]),
            |e| matches!(e, E::NotAKeySet { body } if body.len() <= MAX_KEPT_BODY),
        ),
        case(
            "HTTP 500",
            response(500, "application/json", r#"{"keys":[]}"#),
            |e| matches!(e, E::HttpStatus { status: 500, .. }),
        ),
    ];
    run(table, |r| JwkSet::parse_response(&r));
}

/// Keys of the wrong shape are skipped, not trusted: a token that names one finds no key.
#[test]
fn malformed_jwks_entries_are_skipped_and_match_nothing() {
    let doc = json!({"keys":[
        {"kty":"OKP","crv":"Ed25519","kid":"ed-1","x":7},
        {"kty":"OKP","crv":"Ed25519","kid":"ed-1","x":ED_X,"use":"enc"},
        {"kty":"OKP","crv":"Ed25519","kid":"ed-1","x":ED_X,"key_ops":["sign"]},
        {"kty":"OKP","crv":"Ed25519","kid":"ed-1","x":ED_X,"alg":"ES256"},
    ]});
    let set = JwkSet::parse(doc.to_string().as_bytes()).unwrap();
    assert_eq!(set.keys.len(), 3, "the key with a numeric x is dropped");
    assert!(set.candidates(JwsAlg::EdDSA, Some("ed-1")).is_empty());
}

#[test]
fn unverified_decoding_refuses_garbage() {
    use JwsError as E;
    let table: Vec<Case<String, E>> = vec![
        case("one segment", "abc".into(), |e| matches!(e, E::Parts(1))),
        case("four segments", "a.b.c.d".into(), |e| {
            matches!(e, E::Parts(4))
        }),
        case("header not base64url", "***.e30.".into(), |e| {
            matches!(e, E::Base64("header"))
        }),
        case("payload a JSON array", format!("e30.{}.", b64("[]")), |e| {
            matches!(e, E::Json("payload"))
        }),
    ];
    run(table, |t| decode_unverified_claims(&t));
}

// ---------------------------------------------------------------------------------------
// OAuth 1.0a responses (RFC 5849 §2.1, §2.3) and Authorization headers (§3.5.1)
// ---------------------------------------------------------------------------------------

fn form_200(body: impl Into<Vec<u8>>) -> http::Response<Vec<u8>> {
    response(200, "application/x-www-form-urlencoded", body)
}

#[test]
fn oauth1_request_token_responses_that_must_be_refused() {
    use RequestTokenError as E;
    let table: Vec<Case<http::Response<Vec<u8>>, E>> = vec![
        case(
            "missing oauth_token_secret",
            form_200("oauth_token=t&oauth_callback_confirmed=true"),
            |e| {
                matches!(
                    e,
                    E::MissingField {
                        field: "oauth_token_secret",
                        ..
                    }
                )
            },
        ),
        case(
            "empty oauth_token_secret",
            form_200("oauth_token=t&oauth_token_secret=&oauth_callback_confirmed=true"),
            |e| {
                matches!(
                    e,
                    E::MissingField {
                        field: "oauth_token_secret",
                        ..
                    }
                )
            },
        ),
        case(
            "missing oauth_token (secret blanked in the error)",
            form_200("oauth_token_secret=s3cr3t&oauth_callback_confirmed=true"),
            |e| matches!(e, E::MissingField { field: "oauth_token", body } if !body.contains("s3cr3t")),
        ),
        case(
            "callback not confirmed (OAuth 1.0 provider)",
            form_200("oauth_token=t&oauth_token_secret=s"),
            |e| matches!(e, E::CallbackNotConfirmed { body } if !body.contains("=s&") && !body.ends_with("=s")),
        ),
        case(
            "oauth_callback_confirmed=false",
            form_200("oauth_token=t&oauth_token_secret=s&oauth_callback_confirmed=false"),
            |e| matches!(e, E::CallbackNotConfirmed { .. }),
        ),
        case(
            "oauth_callback_confirmed=yes",
            form_200("oauth_token=t&oauth_token_secret=s&oauth_callback_confirmed=yes"),
            |e| matches!(e, E::CallbackNotConfirmed { .. }),
        ),
        case(
            "oauth_callback_confirmed empty",
            form_200("oauth_token=t&oauth_token_secret=s&oauth_callback_confirmed="),
            |e| matches!(e, E::CallbackNotConfirmed { .. }),
        ),
        case(
            "bad percent escape",
            form_200("oauth_token=%ZZ&oauth_token_secret=s&oauth_callback_confirmed=true"),
            |e| {
                matches!(
                    e,
                    E::Malformed {
                        error: DecodeError::BadEscape { .. },
                        ..
                    }
                )
            },
        ),
        case(
            "lone % at the end",
            form_200("oauth_token=t&oauth_token_secret=s%"),
            |e| {
                matches!(
                    e,
                    E::Malformed {
                        error: DecodeError::BadEscape { .. },
                        ..
                    }
                )
            },
        ),
        case(
            "escape decoding to invalid UTF-8",
            form_200("oauth_token=%FF&oauth_token_secret=s&oauth_callback_confirmed=true"),
            |e| {
                matches!(
                    e,
                    E::Malformed {
                        error: DecodeError::InvalidUtf8,
                        ..
                    }
                )
            },
        ),
        case(
            "raw non-UTF-8 body",
            form_200(vec![0xff, 0xfe, b'=', b'x']),
            |e| {
                matches!(
                    e,
                    E::Malformed {
                        error: DecodeError::InvalidUtf8,
                        ..
                    }
                )
            },
        ),
        case(
            "JSON body",
            response(
                200,
                "application/json",
                r#"{"oauth_token":"t","oauth_token_secret":"s"}"#,
            ),
            |e| {
                matches!(
                    e,
                    E::MissingField {
                        field: "oauth_token",
                        ..
                    }
                )
            },
        ),
        case(
            "HTML body",
            response(200, "text/html", "<html>login</html>"),
            |e| {
                matches!(
                    e,
                    E::MissingField {
                        field: "oauth_token",
                        ..
                    }
                )
            },
        ),
        case(
            "401 with OAuth Problem Reporting",
            response(
                401,
                "application/x-www-form-urlencoded",
                "oauth_problem=signature_invalid",
            ),
            |e| matches!(e, E::Server { status: 401, problem: Some(p), .. } if p == "signature_invalid"),
        ),
        case(
            "oversized 500 body is cut to an excerpt",
            response(500, "text/plain", "x".repeat(1 << 20)),
            |e| matches!(e, E::Server { status: 500, body, .. } if body.chars().count() <= 257),
        ),
    ];
    run(table, parse_request_token_response);
}

#[test]
fn oauth1_access_token_responses_that_must_be_refused() {
    use AccessTokenError as E;
    let table: Vec<Case<http::Response<Vec<u8>>, E>> = vec![
        case(
            "missing oauth_token_secret",
            form_200("oauth_token=t&user_id=1"),
            |e| {
                matches!(
                    e,
                    E::MissingField {
                        field: "oauth_token_secret",
                        ..
                    }
                )
            },
        ),
        case(
            "missing oauth_token",
            form_200("oauth_token_secret=s"),
            |e| {
                matches!(
                    e,
                    E::MissingField {
                        field: "oauth_token",
                        ..
                    }
                )
            },
        ),
        case("empty body", form_200(""), |e| {
            matches!(
                e,
                E::MissingField {
                    field: "oauth_token",
                    ..
                }
            )
        }),
        case("form garbage", form_200("&&&=%G1"), |e| {
            matches!(
                e,
                E::Malformed {
                    error: DecodeError::BadEscape { .. },
                    ..
                }
            )
        }),
        case(
            "401 token rejected",
            response(401, "text/plain", "oauth_problem=token_rejected"),
            |e| matches!(e, E::Server { status: 401, problem: Some(p), .. } if p == "token_rejected"),
        ),
    ];
    run(table, parse_access_token_response);
}

#[test]
fn oauth1_authorization_headers_that_must_be_refused() {
    let many: String = (0..5_000).map(|i| format!("p{i}=\"v\", ")).collect();
    use AuthorizationParseError as E;
    let table: Vec<Case<String, E>> = vec![
        case("Basic scheme", "Basic YTpi".into(), |e| {
            matches!(e, E::NotOAuthScheme)
        }),
        case("Bearer scheme", "Bearer abc".into(), |e| {
            matches!(e, E::NotOAuthScheme)
        }),
        case(
            "OAuth as a prefix of another scheme",
            r#"OAuthX oauth_token="t""#.into(),
            |e| matches!(e, E::NotOAuthScheme),
        ),
        case("empty header", String::new(), |e| {
            matches!(e, E::NotOAuthScheme)
        }),
        case("unquoted value", "OAuth oauth_token=t".into(), |e| {
            matches!(e, E::BadQuoting(_))
        }),
        case("single-quoted value", "OAuth oauth_token='t'".into(), |e| {
            matches!(e, E::BadQuoting(_))
        }),
        case(
            "unterminated quote",
            r#"OAuth oauth_token="t"#.into(),
            |e| matches!(e, E::BadQuoting(_)),
        ),
        case(
            "missing comma",
            r#"OAuth oauth_token="t" oauth_nonce="n""#.into(),
            |e| matches!(e, E::BadQuoting(_)),
        ),
        case(
            "garbage after a value",
            r#"OAuth oauth_token="t"x, oauth_nonce="n""#.into(),
            |e| matches!(e, E::BadQuoting(_)),
        ),
        case(
            "name without a value",
            r#"OAuth oauth_token, oauth_nonce="n""#.into(),
            |e| matches!(e, E::BadQuoting(_)),
        ),
        case("empty name", r#"OAuth ="v""#.into(), |e| {
            matches!(e, E::BadQuoting(_))
        }),
        case(
            "duplicate parameter",
            r#"OAuth oauth_nonce="a", oauth_nonce="b""#.into(),
            |e| matches!(e, E::DuplicateParam(p) if p == "oauth_nonce"),
        ),
        case(
            "duplicate hidden by percent-encoding the name",
            r#"OAuth oauth_nonce="a", oauth%5Fnonce="b""#.into(),
            |e| matches!(e, E::DuplicateParam(p) if p == "oauth_nonce"),
        ),
        case(
            "duplicate realm",
            r#"OAuth realm="a", realm="b""#.into(),
            |e| matches!(e, E::DuplicateParam(p) if p == "realm"),
        ),
        case(
            "bad percent escape in a value",
            r#"OAuth oauth_token="%zz""#.into(),
            |e| matches!(e, E::BadEncoding { name, error: DecodeError::BadEscape { .. } } if name == "oauth_token"),
        ),
        case(
            "escape decoding to invalid UTF-8",
            r#"OAuth oauth_token="%C3%28""#.into(),
            |e| {
                matches!(
                    e,
                    E::BadEncoding {
                        error: DecodeError::InvalidUtf8,
                        ..
                    }
                )
            },
        ),
        case(
            "5 000 parameters then a duplicate",
            format!(r#"OAuth {many}p0="again""#),
            |e| matches!(e, E::DuplicateParam(p) if p == "p0"),
        ),
    ];
    run(table, |h| authorization::parse(&h));
}

#[test]
fn oauth1_base_strings_over_bad_urls_are_refused() {
    use BaseStringError as E;
    let table: Vec<Case<(&str, &str), E>> = vec![
        case("relative URL", ("GET", "/photos?size=original"), |e| {
            matches!(e, E::Url(UriError::MissingScheme))
        }),
        case(
            "URL with user information",
            ("GET", "https://user:pw@api.example/x"),
            |e| matches!(e, E::Url(UriError::UserinfoNotAllowed)),
        ),
        case(
            "port out of range",
            ("GET", "https://api.example:99999/x"),
            |e| matches!(e, E::Url(UriError::InvalidPort(_))),
        ),
        case(
            "space in the path",
            ("GET", "https://api.example/a b"),
            |e| matches!(e, E::Url(UriError::InvalidCharacter { .. })),
        ),
        case(
            "bad escape in the query",
            ("GET", "https://api.example/x?a=%zz"),
            |e| matches!(e, E::Url(_) | E::QueryEncoding(_)),
        ),
        case(
            "method with a space",
            ("GE T", "https://api.example/x"),
            |e| matches!(e, E::InvalidMethod(_)),
        ),
        case("empty method", ("", "https://api.example/x"), |e| {
            matches!(e, E::InvalidMethod(_))
        }),
    ];
    run(table, |(method, url)| {
        signature_base_string(method, url, Body::None, &[("oauth_consumer_key", "ck")])
    });
}

/// Regression: `form::parse_unique` compared every parameter name with every earlier one, so
/// a crafted callback link with 100 000 parameters froze the callback page for minutes.
#[test]
fn callback_with_100k_parameters_is_refused_quickly() {
    let flow = pending(Some(ISSUER));
    let params: String = (0..100_000).map(|i| format!("p{i}=v&")).collect();
    let url = format!("https://app.example/callback?{params}p0=again");
    let started = std::time::Instant::now();
    let result = validate_callback(&url, &flow, IssParameter::Required, CREATED + 5);
    assert!(matches!(result, Err(CallbackError::DuplicateParameter(p)) if p == "p0"));
    // Linear work is well under a second even unoptimised on a busy machine; the quadratic
    // scan took about five billion comparisons here.
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}
