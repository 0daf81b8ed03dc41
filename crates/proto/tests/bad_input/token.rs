//! Token responses (RFC 6749 §5.1, §5.2).

use latchkey_proto::form::MAX_KEPT_BODY;
use latchkey_proto::token::{parse_token_response, ErrorCode, TokenError};

use crate::common::{case, run, Case};
use crate::{json_200, response};

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
