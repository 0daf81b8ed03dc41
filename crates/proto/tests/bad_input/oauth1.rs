//! OAuth 1.0a responses (RFC 5849 §2.1, §2.3) and Authorization headers (§3.5.1).

use latchkey_proto::oauth1::authorization::{self, AuthorizationParseError};
use latchkey_proto::oauth1::base_string::{signature_base_string, BaseStringError, Body};
use latchkey_proto::oauth1::percent::DecodeError;
use latchkey_proto::oauth1::{
    parse_access_token_response, parse_request_token_response, AccessTokenError, RequestTokenError,
};
use latchkey_proto::uri::UriError;

use crate::common::{case, run, Case};
use crate::response;

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
