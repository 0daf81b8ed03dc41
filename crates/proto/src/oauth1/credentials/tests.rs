use super::*;
use crate::oauth1::{authorization, test_rng};
use crate::secret::ConsumerSecret;

fn response(status: u16, body: &str) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header("content-type", "text/html; charset=utf-8")
        .body(body.as_bytes().to_vec())
        .unwrap()
}

fn consumer(secret: &ConsumerSecret) -> Consumer<'_> {
    Consumer {
        key: "dpf43f3p2l4k3l03",
        credential: ConsumerCredential::Secret(secret),
        signature_method: SignatureMethod::HmacSha1,
        realm: Some("Photos"),
    }
}

/// RFC 5849 §1.2: the temporary-credentials request and its printed signature.
#[test]
fn request_token_request_matches_rfc_example() {
    let secret = ConsumerSecret::new("kd94hf93k423kf44");
    let request = build_request_token_request(
        "https://photos.example.net/initiate",
        &consumer(&secret),
        "http://printer.example.com/ready",
        Stamp {
            timestamp: 137131200,
            nonce: "wIjqoS",
        },
        &mut test_rng(),
    )
    .unwrap();
    assert_eq!(request.method(), http::Method::POST);
    assert_eq!(request.uri(), "https://photos.example.net/initiate");
    assert!(request.body().is_empty());
    let header = request.headers()[http::header::AUTHORIZATION]
        .to_str()
        .unwrap();
    let params = authorization::parse(header).unwrap();
    assert_eq!(params.realm.as_deref(), Some("Photos"));
    assert_eq!(
        params.get("oauth_callback"),
        Some("http://printer.example.com/ready")
    );
    assert_eq!(params.get("oauth_token"), None);
    assert_eq!(params.get("oauth_version"), Some("1.0"));
    // Our request adds oauth_version, so the signature differs from the RFC's printed one;
    // this value was computed with oauthlib 3.3.1 for the same request.
    assert_eq!(
        params.get("oauth_signature"),
        Some("msrTmwtDEKqeVXeJaufuiXOpbJI=")
    );
}

#[test]
fn access_token_request_carries_token_and_verifier_and_uses_the_temporary_secret() {
    let secret = ConsumerSecret::new("kd94hf93k423kf44");
    let temporary = TemporaryCredentials {
        token: "hh5s93j4hdidpola".into(),
        secret: TokenSecret::new("hdhd0244k9j7ao03"),
    };
    let stamp = Stamp {
        timestamp: 137131201,
        nonce: "walatlh",
    };
    let request = build_access_token_request(
        "https://photos.example.net/token",
        &consumer(&secret),
        &temporary,
        "hfdp7dh39dks9884",
        stamp,
        &mut test_rng(),
    )
    .unwrap();
    let header = request.headers()[http::header::AUTHORIZATION]
        .to_str()
        .unwrap();
    let params = authorization::parse(header).unwrap();
    assert_eq!(params.get("oauth_token"), Some("hh5s93j4hdidpola"));
    assert_eq!(params.get("oauth_verifier"), Some("hfdp7dh39dks9884"));
    assert_eq!(params.get("oauth_callback"), None);
    // Computed with oauthlib 3.3.1 (resource_owner_key/secret, verifier) for this request.
    assert_eq!(params.get("oauth_signature"), Some(ACCESS_SIGNATURE));

    // A different temporary secret must change the signature.
    let other = TemporaryCredentials {
        token: temporary.token.clone(),
        secret: TokenSecret::new("x"),
    };
    let request = build_access_token_request(
        "https://photos.example.net/token",
        &consumer(&secret),
        &other,
        "hfdp7dh39dks9884",
        stamp,
        &mut test_rng(),
    )
    .unwrap();
    let header = request.headers()[http::header::AUTHORIZATION]
        .to_str()
        .unwrap();
    assert_ne!(
        authorization::parse(header).unwrap().get("oauth_signature"),
        Some(ACCESS_SIGNATURE)
    );
}

const ACCESS_SIGNATURE: &str = "TTfFVvlRAvmVe2B4CvOBMQlgJNw=";

#[test]
fn request_token_response_is_parsed() {
    let creds = parse_request_token_response(response(
        200,
        "oauth_token=hh5s93j4hdidpola&oauth_token_secret=hdhd0244k9j7ao03&oauth_callback_confirmed=true",
    ))
    .unwrap();
    assert_eq!(creds.token, "hh5s93j4hdidpola");
    assert_eq!(creds.secret.secret(), "hdhd0244k9j7ao03");
}

/// Issue 18: a provider built on Authlib answers `oauth_callback_confirmed=True`; any case of
/// `true` means what RFC 5849 §2.1 asks for.
#[test]
fn callback_confirmed_in_any_case_of_true_is_accepted() {
    for value in ["true", "True", "TRUE"] {
        let body = format!("oauth_token=a&oauth_token_secret=b&oauth_callback_confirmed={value}");
        let creds = parse_request_token_response(response(200, &body))
            .unwrap_or_else(|e| panic!("{value}: {e}"));
        assert_eq!(creds.token, "a", "{value}");
    }
}

#[test]
fn request_token_response_needs_callback_confirmed() {
    for body in [
        "oauth_token=a&oauth_token_secret=b",
        "oauth_token=a&oauth_token_secret=b&oauth_callback_confirmed=false",
    ] {
        let err = parse_request_token_response(response(200, body)).unwrap_err();
        assert!(
            matches!(err, RequestTokenError::CallbackNotConfirmed { .. }),
            "{err:?}"
        );
        assert!(!err.to_string().contains("=b"), "secret leaked: {err}");
    }
}

#[test]
fn missing_fields_are_named_and_secrets_blanked() {
    let err = parse_request_token_response(response(
        200,
        "oauth_token_secret=s3cr3t&oauth_callback_confirmed=true",
    ))
    .unwrap_err();
    assert_eq!(
        err,
        RequestTokenError::MissingField {
            field: "oauth_token",
            body: "oauth_token_secret=[redacted]&oauth_callback_confirmed=true".into()
        }
    );
    let err = parse_access_token_response(response(200, "oauth_token=t&oauth_token_secret="))
        .unwrap_err();
    assert!(matches!(
        err,
        AccessTokenError::MissingField {
            field: "oauth_token_secret",
            ..
        }
    ));
}

#[test]
fn server_errors_keep_status_and_problem() {
    let err = parse_access_token_response(response(
        401,
        "oauth_problem=token_rejected&oauth_problem_advice=try+again",
    ))
    .unwrap_err();
    assert_eq!(
        err,
        AccessTokenError::Server {
            status: 401,
            problem: Some("token_rejected".into()),
            body: "oauth_problem=token_rejected&oauth_problem_advice=try+again".into()
        }
    );
    assert!(err.to_string().contains("HTTP 401 (token_rejected)"));
    let err = parse_request_token_response(response(500, "<html>oops</html>")).unwrap_err();
    assert!(matches!(
        err,
        RequestTokenError::Server {
            status: 500,
            problem: None,
            ..
        }
    ));
}

#[test]
fn long_bodies_are_truncated() {
    let body = format!("oauth_token=&junk={}", "x".repeat(5000));
    let err = parse_access_token_response(response(200, &body)).unwrap_err();
    let AccessTokenError::MissingField { body, .. } = err else {
        panic!("{err:?}")
    };
    assert_eq!(body.chars().count(), 257);
    assert!(body.ends_with('…'));
}

#[test]
fn malformed_bodies_are_typed() {
    let err = parse_access_token_response(response(200, "oauth_token=%zz")).unwrap_err();
    assert!(matches!(
        err,
        AccessTokenError::Malformed {
            error: DecodeError::BadEscape { .. },
            ..
        }
    ));
    let err = parse_access_token_response(http::Response::new(vec![0xff, 0xfe])).unwrap_err();
    assert!(matches!(
        err,
        AccessTokenError::Malformed {
            error: DecodeError::InvalidUtf8,
            ..
        }
    ));
}

#[test]
fn access_token_response_keeps_identity_fields_in_order() {
    let creds = parse_access_token_response(response(
        200,
        "oauth_token=nnch734d00sl2jdk&user_id=42&oauth_token_secret=pfkkdhi9sl3r4s00&screen_name=Ada+L%C3%B6we\n",
    ))
    .unwrap();
    assert_eq!(creds.token, "nnch734d00sl2jdk");
    assert_eq!(creds.secret.secret(), "pfkkdhi9sl3r4s00");
    assert_eq!(
        creds.extra,
        vec![
            ("user_id".into(), "42".into()),
            ("screen_name".into(), "Ada Löwe".into())
        ]
    );
}
