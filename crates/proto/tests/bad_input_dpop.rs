//! The bad-input catalogue of `latchkey_proto::dpop` (RFC 9449), beside `bad_input/`: every
//! parser and builder refuses each hostile or broken input with one specific typed error, and
//! never panics (the tables run each case under `catch_unwind`; proptest adds random input).
//!
//! `cargo test -p latchkey-proto --test bad_input_dpop`

mod common;
use common::{case, run, Case};

use latchkey_proto::discovery::{parse_metadata, DiscoveryError};
use latchkey_proto::dpop::{
    build_signing_input, decide, htu, latest_nonce, nonce_challenge, Attempt, DpopNonce,
    DpopPolicyError, NonceChallengeError, NonceError, ProofError, ProofParams, PublicKey,
    PublicKeyError, SignatureError,
};
use latchkey_proto::public_config::DpopMode;
use latchkey_proto::token::{parse_token_response_accepting, AcceptedTokenTypes, TokenError};
use latchkey_proto::uri::{UriError, UriPart};
use proptest::prelude::*;

fn key() -> PublicKey {
    PublicKey::from_coordinates(&[1; 32], &[2; 32]).unwrap()
}

fn answer(status: u16, headers: &[(&str, &[u8])], body: &str) -> http::Response<Vec<u8>> {
    let mut r = http::Response::new(body.as_bytes().to_vec());
    *r.status_mut() = http::StatusCode::from_u16(status).unwrap();
    for (name, value) in headers {
        r.headers_mut().append(
            http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            http::HeaderValue::from_bytes(value).unwrap(),
        );
    }
    r
}

#[test]
fn public_keys_that_must_be_refused() {
    type E = PublicKeyError;
    let point = |tag: u8, len: usize| {
        let mut p = vec![7u8; len];
        if let Some(first) = p.first_mut() {
            *first = tag;
        }
        p
    };
    let table: Vec<Case<Vec<u8>, E>> = vec![
        case("empty", vec![], |e| *e == E::PointLength(0)),
        case("x and y without the tag", vec![7; 64], |e| {
            *e == E::PointLength(64)
        }),
        case("one byte too many", point(4, 66), |e| {
            *e == E::PointLength(66)
        }),
        case("compressed (0x02), 33 bytes", point(2, 33), |e| {
            *e == E::PointLength(33)
        }),
        case("compressed tag on 65 bytes", point(2, 65), |e| {
            *e == E::NotUncompressed(2)
        }),
        case("hybrid tag 0x06", point(6, 65), |e| {
            *e == E::NotUncompressed(6)
        }),
        case("point at infinity tag", point(0, 65), |e| {
            *e == E::NotUncompressed(0)
        }),
        case("P-384 point (97 bytes)", point(4, 97), |e| {
            *e == E::PointLength(97)
        }),
    ];
    run(table, |p| PublicKey::from_uncompressed_point(&p));

    let table: Vec<Case<(usize, usize), E>> = vec![
        case("x 31 bytes (leading zero dropped)", (31, 32), |e| {
            *e == E::CoordinateLength {
                coordinate: "x",
                len: 31,
            }
        }),
        case("y 33 bytes (DER-style sign byte)", (32, 33), |e| {
            *e == E::CoordinateLength {
                coordinate: "y",
                len: 33,
            }
        }),
        case("both empty", (0, 0), |e| {
            matches!(
                e,
                E::CoordinateLength {
                    coordinate: "x",
                    ..
                }
            )
        }),
        case("P-384 sizes", (48, 48), |e| {
            matches!(e, E::CoordinateLength { len: 48, .. })
        }),
    ];
    run(table, |(x, y)| {
        PublicKey::from_coordinates(&vec![1; x], &vec![2; y])
    });
}

#[test]
fn target_uris_that_must_be_refused() {
    type E = ProofError;
    let table: Vec<Case<&str, E>> = vec![
        case("empty", "", |e| *e == E::HtuNotHttp),
        case("a path", "/token", |e| *e == E::HtuNotHttp),
        case("no scheme", "server.example.com/token", |e| {
            *e == E::HtuNotHttp
        }),
        case("scheme-relative", "//server.example.com/token", |e| {
            *e == E::HtuNotHttp
        }),
        case("ftp", "ftp://server.example.com/token", |e| {
            *e == E::HtuNotHttp
        }),
        case("ws", "wss://server.example.com/socket", |e| {
            *e == E::HtuNotHttp
        }),
        case("javascript", "javascript:alert(1)", |e| *e == E::HtuNotHttp),
        case("mailto", "mailto:a@b.example", |e| *e == E::HtuNotHttp),
        case("no host", "https:///token", |e| {
            *e == E::Htu(UriError::EmptyHost)
        }),
        case("user information", "https://user:pw@h.example/", |e| {
            *e == E::Htu(UriError::UserinfoNotAllowed)
        }),
        case("space in the path", "https://h.example/a b", |e| {
            matches!(
                e,
                E::Htu(UriError::InvalidCharacter {
                    part: UriPart::Path,
                    character: ' ',
                    ..
                })
            )
        }),
        case("non-ASCII host", "https://hé.example/", |e| {
            matches!(
                e,
                E::Htu(UriError::InvalidCharacter {
                    part: UriPart::Host,
                    ..
                })
            )
        }),
        case("bad percent escape", "https://h.example/%zz", |e| {
            matches!(e, E::Htu(UriError::BadPercentEscape { .. }))
        }),
        case("port 0", "https://h.example:0/", |e| {
            matches!(e, E::Htu(UriError::InvalidPort(_)))
        }),
        case("port 65536", "https://h.example:65536/", |e| {
            matches!(e, E::Htu(UriError::InvalidPort(_)))
        }),
        case("unclosed IP literal", "https://[::1/token", |e| {
            *e == E::Htu(UriError::InvalidIpLiteral)
        }),
        case(
            "a quote in the query is still checked",
            "https://h.example/t?a=\"",
            |e| {
                matches!(
                    e,
                    E::Htu(UriError::InvalidCharacter {
                        part: UriPart::Query,
                        ..
                    })
                )
            },
        ),
    ];
    run(table, htu);
}

#[test]
fn proof_inputs_that_must_be_refused() {
    type E = ProofError;
    let table: Vec<Case<(usize, &str), E>> = vec![
        case("no jti bytes", (0, "https://h.example/t"), |e| {
            *e == E::JtiTooShort(0)
        }),
        case("88 bits of jti", (11, "https://h.example/t"), |e| {
            *e == E::JtiTooShort(11)
        }),
        case("a relative htu", (16, "/token"), |e| *e == E::HtuNotHttp),
    ];
    let key = key();
    run(table, |(jti_len, target_uri)| {
        build_signing_input(&ProofParams {
            key: &key,
            method: &http::Method::POST,
            target_uri,
            iat: 1_800_000_000,
            jti_random: &vec![9; jti_len],
            nonce: None,
            access_token: None,
        })
    });
}

#[test]
fn signatures_that_must_be_refused() {
    type E = SignatureError;
    let table: Vec<Case<usize, E>> = vec![
        case("empty", 0, |e| *e == E::Length(0)),
        case("one byte short", 63, |e| *e == E::Length(63)),
        case("one byte long", 65, |e| *e == E::Length(65)),
        case("shortest DER of ES256 (8)", 8, |e| *e == E::Length(8)),
        case("typical DER of ES256 (71)", 71, |e| *e == E::Length(71)),
        case("longest DER of ES256 (72)", 72, |e| *e == E::Length(72)),
        case("ES512 raw (132)", 132, |e| *e == E::Length(132)),
    ];
    let key = key();
    run(table, |len| {
        let input = build_signing_input(&ProofParams {
            key: &key,
            method: &http::Method::GET,
            target_uri: "https://h.example/r",
            iat: 1,
            jti_random: &[3; 12],
            nonce: None,
            access_token: None,
        })
        .map_err(|_| E::Length(usize::MAX))?;
        input.into_proof(&vec![0x5a; len])
    });
}

#[test]
fn nonces_that_must_be_refused() {
    type E = NonceError;
    let table: Vec<Case<&str, E>> = vec![
        case("empty", "", |e| *e == E::Empty),
        case("a space", "a b", |e| {
            *e == E::InvalidCharacter {
                byte: b' ',
                index: 1,
            }
        }),
        case("leading space", " abc", |e| {
            matches!(e, E::InvalidCharacter { index: 0, .. })
        }),
        case("a double quote", "ab\"", |e| {
            matches!(e, E::InvalidCharacter { byte: b'"', .. })
        }),
        case("a backslash", "a\\b", |e| {
            matches!(e, E::InvalidCharacter { byte: b'\\', .. })
        }),
        case("a tab", "a\tb", |e| {
            matches!(e, E::InvalidCharacter { byte: b'\t', .. })
        }),
        case("DEL", "a\u{7f}", |e| {
            matches!(e, E::InvalidCharacter { byte: 0x7f, .. })
        }),
        case("a newline", "abc\n", |e| {
            matches!(e, E::InvalidCharacter { byte: b'\n', .. })
        }),
        case("NUL", "\0", |e| {
            matches!(e, E::InvalidCharacter { byte: 0, .. })
        }),
        case("non-ASCII", "nonce-é", |e| {
            matches!(e, E::InvalidCharacter { byte: 0xc3, .. })
        }),
    ];
    run(table, DpopNonce::parse);

    let table: Vec<Case<Vec<&[u8]>, E>> = vec![
        case("two headers", vec![b"a", b"b"], |e| *e == E::Repeated(2)),
        case("three headers, equal", vec![b"a", b"a", b"a"], |e| {
            *e == E::Repeated(3)
        }),
        case("empty header", vec![b""], |e| *e == E::Empty),
        case("obs-text byte", vec![b"n\x80"], |e| {
            *e == E::InvalidCharacter {
                byte: 0x80,
                index: 1,
            }
        }),
        case("a comma-separated pair", vec![b"a, b"], |e| {
            matches!(e, E::InvalidCharacter { byte: b' ', .. })
        }),
    ];
    run(table, |values| {
        let headers: Vec<(&str, &[u8])> = values.iter().map(|v| ("DPoP-Nonce", *v)).collect();
        latest_nonce(answer(200, &headers, "{}").headers())
    });
}

#[test]
fn nonce_challenges_that_must_be_refused() {
    type E = NonceChallengeError;
    const ASK: &str = r#"{"error":"use_dpop_nonce"}"#;
    let json: (&str, &[u8]) = ("content-type", b"application/json");
    type Answer = (http::Response<Vec<u8>>, Attempt);
    let table: Vec<Case<Answer, E>> = vec![
        case(
            "token endpoint asks without a nonce",
            (answer(400, &[json], ASK), Attempt::First),
            |e| *e == E::MissingNonce,
        ),
        case(
            "resource server asks without a nonce",
            (
                answer(
                    401,
                    &[("WWW-Authenticate", br#"DPoP error="use_dpop_nonce""#)],
                    "",
                ),
                Attempt::First,
            ),
            |e| *e == E::MissingNonce,
        ),
        case(
            "asks again after the retry",
            (
                answer(400, &[json, ("DPoP-Nonce", b"n2")], ASK),
                Attempt::NonceRetry,
            ),
            |e| *e == E::AskedAgain,
        ),
        case(
            "resource server asks again after the retry",
            (
                answer(
                    401,
                    &[
                        ("WWW-Authenticate", br#"DPoP error="use_dpop_nonce""#),
                        ("DPoP-Nonce", b"n2"),
                    ],
                    "",
                ),
                Attempt::NonceRetry,
            ),
            |e| *e == E::AskedAgain,
        ),
        case(
            "the nonce has a space",
            (
                answer(400, &[json, ("DPoP-Nonce", b"a b")], ASK),
                Attempt::First,
            ),
            |e| matches!(e, E::Nonce(NonceError::InvalidCharacter { byte: b' ', .. })),
        ),
        case(
            "two nonces",
            (
                answer(
                    400,
                    &[json, ("DPoP-Nonce", b"a"), ("DPoP-Nonce", b"b")],
                    ASK,
                ),
                Attempt::First,
            ),
            |e| *e == E::Nonce(NonceError::Repeated(2)),
        ),
        case(
            "unterminated quoted-string",
            (
                answer(
                    401,
                    &[
                        ("WWW-Authenticate", br#"DPoP error="use_dpop_nonce"#),
                        ("DPoP-Nonce", b"n"),
                    ],
                    "",
                ),
                Attempt::First,
            ),
            |e| matches!(e, E::MalformedWwwAuthenticate(_)),
        ),
        case(
            "obs-text in WWW-Authenticate",
            (
                answer(401, &[("WWW-Authenticate", b"DPoP error=\"\xff\"")], ""),
                Attempt::First,
            ),
            |e| matches!(e, E::MalformedWwwAuthenticate(_)),
        ),
        case(
            "a parameter without '='",
            (
                answer(
                    401,
                    &[("WWW-Authenticate", b"DPoP error=use_dpop_nonce junk")],
                    "",
                ),
                Attempt::First,
            ),
            |e| matches!(e, E::MalformedWwwAuthenticate(_)),
        ),
        case(
            "a quoted scheme",
            (
                answer(401, &[("WWW-Authenticate", b"\"DPoP\" error=x")], ""),
                Attempt::First,
            ),
            |e| matches!(e, E::MalformedWwwAuthenticate(_)),
        ),
    ];
    run(table, |(r, attempt)| nonce_challenge(&r, attempt));
}

#[test]
fn token_types_that_must_be_refused_when_dpop_is_required() {
    type E = TokenError;
    let ok = |token_type: &str| {
        let mut r = http::Response::new(
            format!(r#"{{"access_token":"at","token_type":"{token_type}"}}"#).into_bytes(),
        );
        r.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        r
    };
    let table: Vec<Case<http::Response<Vec<u8>>, E>> = vec![
        case("Bearer", ok("Bearer"), |e| {
            *e == E::DpopRequired("Bearer".into())
        }),
        case("bearer, lower case", ok("bearer"), |e| {
            *e == E::DpopRequired("bearer".into())
        }),
        case("DPoP with a trailing space", ok("DPoP "), |e| {
            *e == E::UnsupportedTokenType("DPoP ".into())
        }),
        case("the proof's typ instead", ok("dpop+jwt"), |e| {
            *e == E::UnsupportedTokenType("dpop+jwt".into())
        }),
        case("N_A", ok("N_A"), |e| {
            *e == E::UnsupportedTokenType("N_A".into())
        }),
    ];
    run(table, |r| {
        parse_token_response_accepting(&r, AcceptedTokenTypes::Dpop)
    });
}

#[test]
fn dpop_metadata_and_policy_that_must_be_refused() {
    type E = DiscoveryError;
    let table: Vec<Case<&str, E>> = vec![
        case(
            "a string, not a list",
            r#"{"issuer":"https://i.example","dpop_signing_alg_values_supported":"ES256"}"#,
            |e| {
                matches!(
                    e,
                    E::InvalidField {
                        field: "dpop_signing_alg_values_supported",
                        ..
                    }
                )
            },
        ),
        case(
            "a number in the list",
            r#"{"issuer":"https://i.example","dpop_signing_alg_values_supported":["ES256",7]}"#,
            |e| {
                matches!(
                    e,
                    E::InvalidField {
                        field: "dpop_signing_alg_values_supported",
                        ..
                    }
                )
            },
        ),
    ];
    run(table, |doc| {
        parse_metadata(doc.as_bytes(), "https://i.example")
    });

    let table: Vec<Case<&str, DpopPolicyError>> = vec![
        case(
            "RSA only",
            r#"["RS256","PS256"]"#,
            |e| matches!(e, DpopPolicyError::Es256NotListed { listed } if listed.len() == 2),
        ),
        case(
            "an empty list",
            "[]",
            |e| matches!(e, DpopPolicyError::Es256NotListed { listed } if listed.is_empty()),
        ),
        case("es256 in lower case", r#"["es256"]"#, |e| {
            matches!(e, DpopPolicyError::Es256NotListed { .. })
        }),
        case("ES384 only", r#"["ES384"]"#, |e| {
            matches!(e, DpopPolicyError::Es256NotListed { .. })
        }),
    ];
    run(table, |algs| {
        let doc = format!(
            r#"{{"issuer":"https://i.example","dpop_signing_alg_values_supported":{algs}}}"#
        );
        let m = parse_metadata(doc.as_bytes(), "https://i.example").unwrap();
        decide(DpopMode::Required, Some(&m))
    });
}

proptest! {
    #[test]
    fn nonce_challenge_never_panics(
        status in 100u16..600,
        www in proptest::collection::vec(any::<u8>(), 0..80),
        nonce in proptest::collection::vec(any::<u8>(), 0..20),
        body in "[{}\"a-z_:, ]{0,40}",
        retry in any::<bool>(),
    ) {
        let mut r = http::Response::new(body.into_bytes());
        *r.status_mut() = http::StatusCode::from_u16(status).unwrap();
        if let Ok(v) = http::HeaderValue::from_bytes(&www) {
            r.headers_mut().insert(http::header::WWW_AUTHENTICATE, v);
        }
        if let Ok(v) = http::HeaderValue::from_bytes(&nonce) {
            r.headers_mut().insert("dpop-nonce", v);
        }
        let attempt = if retry { Attempt::NonceRetry } else { Attempt::First };
        let _ = nonce_challenge(&r, attempt);
        let _ = latest_nonce(r.headers());
    }

    #[test]
    fn www_authenticate_shaped_input_never_panics(
        v in r#"(DPoP|Bearer|dpop)?( ?[a-z_]{0,6} ?=? ?("[a-z ,=\\]{0,6}"?|[a-z_=/+]{0,8}) ?,?){0,4}"#,
    ) {
        let r = answer(401, &[("WWW-Authenticate", v.as_bytes()), ("DPoP-Nonce", b"n")], "");
        let _ = nonce_challenge(&r, Attempt::First);
    }

    #[test]
    fn htu_and_keys_never_panic(s in "\\PC{0,40}", bytes in proptest::collection::vec(any::<u8>(), 0..70)) {
        let _ = htu(&s);
        let _ = PublicKey::from_uncompressed_point(&bytes);
        let half = bytes.len() / 2;
        let _ = PublicKey::from_coordinates(&bytes[..half], &bytes[half..]);
    }
}
