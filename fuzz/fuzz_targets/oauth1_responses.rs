//! OAuth 1.0a: the `Authorization: OAuth` header parser (and a build → parse round trip of
//! whatever it accepts), and the request-token / access-token response parsers.
#![no_main]

use latchkey_proto::oauth1::authorization;
use latchkey_proto::oauth1::{parse_access_token_response, parse_request_token_response};
use libfuzzer_sys::fuzz_target;

const STATUSES: [u16; 4] = [200, 401, 400, 500];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let header = String::from_utf8_lossy(rest);
    if let Ok(parsed) = authorization::parse(&header) {
        // No name twice, and building the same parameters again parses back to them.
        for (i, (name, _)) in parsed.params.iter().enumerate() {
            assert!(
                parsed.params[..i].iter().all(|(n, _)| n != name),
                "duplicate {name:?}"
            );
        }
        let rebuilt = authorization::build(parsed.realm.as_deref(), &parsed.params);
        let again = authorization::parse(&rebuilt).expect("a built header parses");
        assert_eq!(again, parsed);
    }

    let status = STATUSES[pick as usize % STATUSES.len()];
    let response = || {
        http::Response::builder()
            .status(status)
            .header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(rest.to_vec())
            .expect("fixed status and header")
    };
    if let Ok(temporary) = parse_request_token_response(response()) {
        assert_eq!(status, 200);
        assert!(!temporary.token.is_empty() && !temporary.secret.secret().is_empty());
    }
    if let Ok(credentials) = parse_access_token_response(response()) {
        assert_eq!(status, 200);
        assert!(!credentials.token.is_empty() && !credentials.secret.secret().is_empty());
        assert!(credentials
            .extra
            .iter()
            .all(|(n, _)| n != "oauth_token" && n != "oauth_token_secret"));
    }
});
