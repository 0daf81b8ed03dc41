//! Token endpoint responses (`parse_token_response`) and UserInfo responses, under every
//! status / Content-Type combination the first input byte picks.
#![no_main]

use latchkey_proto::form::MAX_KEPT_BODY;
use latchkey_proto::oidc::parse_userinfo_response;
use latchkey_proto::token::{parse_token_response, TokenError};
use libfuzzer_sys::fuzz_target;

const STATUSES: [u16; 6] = [200, 201, 400, 401, 500, 302];
const TYPES: [&str; 5] = [
    "application/json",
    "application/x-www-form-urlencoded",
    "text/html",
    "application/json; charset=utf-8",
    "",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let status = STATUSES[pick as usize % STATUSES.len()];
    let content_type = TYPES[(pick as usize / STATUSES.len()) % TYPES.len()];
    let mut builder = http::Response::builder().status(status);
    if !content_type.is_empty() {
        builder = builder.header(http::header::CONTENT_TYPE, content_type);
    }
    let Ok(response) = builder.body(body.to_vec()) else {
        return;
    };
    match parse_token_response(&response) {
        Ok(tokens) => {
            assert!((200..300).contains(&status), "accepted with HTTP {status}");
            assert!(!tokens.access_token.secret().is_empty());
            assert!(tokens
                .refresh_token
                .as_ref()
                .is_none_or(|r| !r.secret().is_empty()));
            for known in [
                "access_token",
                "token_type",
                "expires_in",
                "refresh_token",
                "scope",
                "id_token",
            ] {
                assert!(!tokens.extra.contains_key(known));
            }
        }
        Err(TokenError::NotAnObject { body })
        | Err(TokenError::HttpStatus { body, .. })
        | Err(TokenError::InvalidField { body, .. }) => assert!(body.len() <= MAX_KEPT_BODY),
        Err(_) => {}
    }
    if let Ok(info) = parse_userinfo_response(&response, "user-1") {
        assert!((200..300).contains(&status));
        let _ = info;
    }
});
