//! Discovery documents (RFC 8414, OIDC Discovery).

use latchkey_proto::discovery::{
    openid_configuration_url, parse_metadata, parse_metadata_response, DiscoveryError,
};
use latchkey_proto::form::{EndpointProblem, MAX_KEPT_BODY};

use crate::common::{case, run, Case};
use crate::{response, ISSUER};

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
