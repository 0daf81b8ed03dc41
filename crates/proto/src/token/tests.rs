//! Token request building and response parsing, one test per quirk and error path.
use super::*;
use proptest::prelude::*;

fn response(status: u16, content_type: &str, body: &str) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(body.as_bytes().to_vec())
        .unwrap()
}

fn json(status: u16, body: &str) -> http::Response<Vec<u8>> {
    response(status, "application/json", body)
}

fn body_str(req: &http::Request<Vec<u8>>) -> &str {
    core::str::from_utf8(req.body()).unwrap()
}

fn validated() -> ValidatedCallback {
    use crate::authorize::{begin, FlowRandomness, FlowStart};
    let scopes = ["openid".to_owned()];
    let start = FlowStart {
        provider_id: "p",
        issuer: None,
        authorization_endpoint: "https://idp.example/authorize",
        client_id: "spa",
        redirect_uri: "https://app.example/callback",
        scopes: &scopes,
        return_to: "/",
        extra: &[],
    };
    let (_, pending) = begin(
        &start,
        &FlowRandomness {
            state: &[1; 16],
            nonce: &[2; 16],
            verifier: &[3; 32],
        },
        0,
    )
    .unwrap();
    let url = format!(
        "https://app.example/callback?code=the+code&state={}",
        pending.state.secret()
    );
    crate::callback::validate_callback(
        &url,
        &pending,
        crate::callback::IssParameter::NotAdvertised,
        1,
    )
    .unwrap()
}

#[test]
fn code_request_for_a_public_client() {
    let verifier = Verifier::from_random_bytes(&[3; 32]).unwrap();
    let expected_verifier = verifier.secret().to_owned();
    let req = build_code_request(
        "https://idp.example/token?x=1",
        &ClientAuth::Public { client_id: "spa" },
        validated(),
        verifier,
    )
    .unwrap();
    assert_eq!(req.method(), http::Method::POST);
    assert_eq!(req.uri(), "https://idp.example/token?x=1");
    assert_eq!(
        req.headers()["content-type"],
        "application/x-www-form-urlencoded"
    );
    assert_eq!(req.headers()["accept"], "application/json");
    assert!(req.headers().get("authorization").is_none());
    assert_eq!(
        body_str(&req),
        format!(
            "grant_type=authorization_code&code=the+code&redirect_uri=https%3A%2F%2Fapp.example%2Fcallback\
             &code_verifier={expected_verifier}&client_id=spa"
        )
    );
}

#[test]
fn client_secret_basic_form_encodes_before_base64() {
    let secret = ClientSecret::new("s3cr:t /+");
    let req = build_refresh_request(
        "https://idp.example/token",
        &ClientAuth::SecretBasic {
            client_id: "my:client",
            secret: &secret,
        },
        &RefreshToken::new("rt"),
        Some(&["a".to_owned(), "b".to_owned()]),
    )
    .unwrap();
    // "my%3Aclient:s3cr%3At+%2F%2B"
    let expected = format!("Basic {}", STANDARD.encode("my%3Aclient:s3cr%3At+%2F%2B"));
    assert_eq!(req.headers()["authorization"], expected.as_str());
    assert_eq!(
        body_str(&req),
        "grant_type=refresh_token&refresh_token=rt&scope=a+b"
    );
}

#[test]
fn client_secret_post_puts_the_secret_in_the_body() {
    let secret = ClientSecret::new("sec ret");
    let req = build_relayed_code_request(
        "https://idp.example/token",
        &ClientAuth::SecretPost {
            client_id: "c",
            secret: &secret,
        },
        "code",
        "https://app.example/callback",
        Verifier::from_random_bytes(&[3; 32]).unwrap(),
    )
    .unwrap();
    assert!(
        body_str(&req).ends_with("&client_id=c&client_secret=sec+ret"),
        "{}",
        body_str(&req)
    );
    assert!(req.headers().get("authorization").is_none());
}

#[test]
fn configured_auth_methods_map_to_client_auth() {
    let m: ClientAuthMethod = serde_json::from_str("\"client_secret_post\"").unwrap();
    let secret = ClientSecret::new("s");
    assert!(matches!(
        m.with("c", &secret),
        ClientAuth::SecretPost { client_id: "c", .. }
    ));
    assert!(matches!(
        ClientAuthMethod::default().with("c", &secret),
        ClientAuth::SecretBasic { client_id: "c", .. }
    ));
    assert!(serde_json::from_str::<ClientAuthMethod>("\"private_key_jwt\"").is_err());
}

#[test]
fn refuses_a_bad_endpoint() {
    let err = build_refresh_request(
        "https://idp.example/token#x",
        &ClientAuth::Public { client_id: "c" },
        &RefreshToken::new("r"),
        None,
    )
    .unwrap_err();
    assert_eq!(err, TokenRequestError::Endpoint(EndpointProblem::Fragment));
}

#[test]
fn an_endpoint_with_an_impossible_port_is_refused() {
    // The `http` crate itself accepts port 99999; the endpoint check must not.
    let err = build_refresh_request(
        "https://idp.example:99999/token",
        &ClientAuth::Public { client_id: "c" },
        &RefreshToken::new("r"),
        None,
    )
    .unwrap_err();
    assert!(matches!(
        err,
        TokenRequestError::Endpoint(EndpointProblem::Invalid(crate::uri::UriError::InvalidPort(
            _
        )))
    ));
}

#[test]
fn parses_a_full_response() {
    let t = parse_token_response(&json(
        200,
        r#"{"access_token":"at","token_type":"Bearer","expires_in":3600,"refresh_token":"rt","scope":"openid profile","id_token":"a.b.c","x":1}"#,
    ))
    .unwrap();
    assert_eq!(t.access_token.secret(), "at");
    assert_eq!(t.expires_in, Some(3600));
    assert_eq!(t.refresh_token.as_ref().unwrap().secret(), "rt");
    assert_eq!(
        t.scope,
        Some(vec!["openid".to_owned(), "profile".to_owned()])
    );
    assert_eq!(t.id_token.as_deref(), Some("a.b.c"));
    assert_eq!(t.extra["x"], 1);
    assert!(!format!("{t:?}").contains("at\""));
}

#[test]
fn token_type_is_case_insensitive() {
    assert!(
        parse_token_response(&json(200, r#"{"access_token":"a","token_type":"bearer"}"#)).is_ok()
    );
    assert!(
        parse_token_response(&json(200, r#"{"access_token":"a","token_type":"BEARER"}"#)).is_ok()
    );
}

#[test]
fn access_token_and_token_type_are_required() {
    let err = parse_token_response(&json(200, r#"{"token_type":"Bearer"}"#)).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"token response: "access_token" is missing"#
    );
    let err = parse_token_response(&json(200, r#"{"access_token":"a"}"#)).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"token response: "token_type" is missing"#
    );
    let err = parse_token_response(&json(200, r#"{"access_token":5,"token_type":"Bearer"}"#))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"token response: "access_token" is not a string"#
    );
}

#[test]
fn refuses_other_token_types() {
    let err =
        parse_token_response(&json(200, r#"{"access_token":"a","token_type":"mac"}"#)).unwrap_err();
    assert_eq!(err, TokenError::UnsupportedTokenType("mac".into()));
}

#[test]
fn without_a_proof_a_dpop_token_is_refused() {
    // The request carried no proof, so the client holds no key the token could be bound to.
    let err = parse_token_response(&json(200, r#"{"access_token":"a","token_type":"DPoP"}"#))
        .unwrap_err();
    assert_eq!(err, TokenError::UnsupportedTokenType("DPoP".into()));
}

#[test]
fn with_a_proof_dpop_or_bearer_is_accepted_per_policy() {
    let dpop = json(200, r#"{"access_token":"a","token_type":"dpop"}"#);
    let bearer = json(200, r#"{"access_token":"a","token_type":"Bearer"}"#);
    let mac = json(200, r#"{"access_token":"a","token_type":"mac"}"#);
    let accepting = parse_token_response_accepting;
    use AcceptedTokenTypes as A;

    // RFC 6749 §5.1: case-insensitive.
    assert_eq!(
        accepting(&dpop, A::Dpop).unwrap().token_type,
        TokenType::DPoP
    );
    assert_eq!(
        accepting(&dpop, A::BearerOrDpop).unwrap().token_type,
        TokenType::DPoP
    );
    // RFC 9449 §5: a Bearer answer to a proof means the server does not do DPoP.
    assert_eq!(
        accepting(&bearer, A::BearerOrDpop).unwrap().token_type,
        TokenType::Bearer
    );
    let err = accepting(&bearer, A::Dpop).unwrap_err();
    assert_eq!(err, TokenError::DpopRequired("Bearer".into()));
    assert_eq!(
        err.to_string(),
        "token response: token_type \"Bearer\" although dpop = \"required\": the provider did \
         not bind the token to the browser's key (does it support DPoP for this client?)"
    );
    for accepted in [A::Bearer, A::BearerOrDpop, A::Dpop] {
        assert_eq!(
            accepting(&mac, accepted).unwrap_err(),
            TokenError::UnsupportedTokenType("mac".into())
        );
    }
}

#[test]
fn a_dpop_token_set_survives_storage() {
    let t = parse_token_response_accepting(
        &json(200, r#"{"access_token":"a","token_type":"DPoP"}"#),
        AcceptedTokenTypes::Dpop,
    )
    .unwrap();
    let stored = serde_json::to_string(&t).unwrap();
    assert!(stored.contains(r#""token_type":"DPoP""#), "{stored}");
    let back: TokenSet = serde_json::from_str(&stored).unwrap();
    assert_eq!(back.token_type, TokenType::DPoP);
}

#[test]
fn dpop_error_codes_are_named() {
    // RFC 9449 §5 (invalid_dpop_proof) and §8 (use_dpop_nonce).
    let err = parse_token_response(&json(400, r#"{"error":"use_dpop_nonce"}"#)).unwrap_err();
    assert!(
        matches!(&err, TokenError::Server(e) if e.error == ErrorCode::UseDpopNonce),
        "{err:?}"
    );
    assert_eq!(
        ErrorCode::parse("invalid_dpop_proof"),
        ErrorCode::InvalidDpopProof
    );
    assert_eq!(ErrorCode::InvalidDpopProof.as_str(), "invalid_dpop_proof");
}

#[test]
fn quirk_expires_in_as_a_string() {
    let t = parse_token_response(&json(
        200,
        r#"{"access_token":"a","token_type":"Bearer","expires_in":"7200"}"#,
    ))
    .unwrap();
    assert_eq!(t.expires_in, Some(7200));
}

#[test]
fn expires_in_that_is_not_a_number_names_the_field_and_keeps_the_body() {
    let body = r#"{"access_token":"a","token_type":"Bearer","expires_in":"soon"}"#;
    let err = parse_token_response(&json(200, body)).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"token response: "expires_in" is not a number"#
    );
    assert!(
        matches!(err, TokenError::InvalidField { field: "expires_in", body: ref b, .. } if b == body)
    );
    let err = parse_token_response(&json(
        200,
        r#"{"access_token":"a","token_type":"Bearer","expires_in":-5}"#,
    ))
    .unwrap_err();
    assert!(matches!(
        err,
        TokenError::InvalidField {
            field: "expires_in",
            ..
        }
    ));
}

#[test]
fn quirk_twitch_scope_as_an_array() {
    let t = parse_token_response(&json(
        200,
        r#"{"access_token":"a","token_type":"bearer","scope":["user:read:email","chat:read"]}"#,
    ))
    .unwrap();
    assert_eq!(
        t.scope,
        Some(vec!["user:read:email".to_owned(), "chat:read".to_owned()])
    );
    let err = parse_token_response(&json(
        200,
        r#"{"access_token":"a","token_type":"bearer","scope":[1]}"#,
    ))
    .unwrap_err();
    assert!(matches!(
        err,
        TokenError::InvalidField { field: "scope", .. }
    ));
}

#[test]
fn quirk_github_error_with_http_200() {
    let err = parse_token_response(&json(
        200,
        r#"{"error":"bad_verification_code","error_description":"The code passed is incorrect or expired.","error_uri":"https://docs.github.com/x"}"#,
    ))
    .unwrap_err();
    assert_eq!(
        err,
        TokenError::Server(ErrorResponse {
            status: 200,
            error: ErrorCode::Other("bad_verification_code".into()),
            description: Some("The code passed is incorrect or expired.".into()),
            uri: Some("https://docs.github.com/x".into()),
        })
    );
}

#[test]
fn quirk_github_form_encoded_body() {
    let t = parse_token_response(&response(
        200,
        "application/x-www-form-urlencoded; charset=utf-8",
        "access_token=gho_abc&scope=repo%2Cuser&token_type=bearer",
    ))
    .unwrap();
    assert_eq!(t.access_token.secret(), "gho_abc");
    assert_eq!(t.scope, Some(vec!["repo".to_owned(), "user".to_owned()]));
    let err = parse_token_response(&response(
        200,
        "application/x-www-form-urlencoded",
        "error=bad_verification_code",
    ))
    .unwrap_err();
    assert!(
        matches!(err, TokenError::Server(ErrorResponse { ref error, .. }) if error.as_str() == "bad_verification_code")
    );
}

#[test]
fn standard_error_response() {
    let err = parse_token_response(&json(400, r#"{"error":"invalid_grant"}"#)).unwrap_err();
    assert!(matches!(
        err,
        TokenError::Server(ErrorResponse {
            status: 400,
            error: ErrorCode::InvalidGrant,
            ..
        })
    ));
    assert_eq!(err.to_string(), "token endpoint error: invalid_grant");
}

#[test]
fn non_oauth_failures_keep_status_and_truncated_body() {
    let page = format!("<html>{}</html>", "x".repeat(2000));
    let err = parse_token_response(&response(502, "text/html", &page)).unwrap_err();
    assert!(matches!(err, TokenError::HttpStatus { status: 502, ref body } if body.len() == 512));
    let err = parse_token_response(&json(500, r#"{"message":"boom"}"#)).unwrap_err();
    assert!(matches!(err, TokenError::HttpStatus { status: 500, .. }));
    let err = parse_token_response(&json(200, "[1,2]")).unwrap_err();
    assert!(matches!(err, TokenError::NotAnObject { .. }));
}

#[test]
fn error_codes_round_trip() {
    for code in [
        "invalid_request",
        "invalid_grant",
        "login_required",
        "unsupported_token_type",
        "custom",
    ] {
        assert_eq!(ErrorCode::parse(code).as_str(), code);
    }
    assert_eq!(ErrorCode::parse("invalid_client"), ErrorCode::InvalidClient);
}

proptest! {
    #[test]
    fn parser_never_panics(status in 100u16..600, body in proptest::collection::vec(any::<u8>(), 0..300), form in any::<bool>()) {
        let ct = if form { "application/x-www-form-urlencoded" } else { "application/json" };
        let resp = http::Response::builder().status(status).header("content-type", ct).body(body).unwrap();
        let _ = parse_token_response(&resp);
    }

    #[test]
    fn parser_never_panics_on_json_shaped_input(s in r#"\{("[a-z_]{1,12}":("[^"]{0,10}"|-?[0-9]{1,25}|\[\]|null|true),?){0,6}\}"#) {
        let _ = parse_token_response(&json(200, &s));
    }
}
