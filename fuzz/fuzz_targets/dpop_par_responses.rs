//! Answers a provider or an API sends back in the DPoP and PAR flows: `WWW-Authenticate`
//! challenges and `DPoP-Nonce` (RFC 9449 §8, §9), the push answer (RFC 9126 §2.2), the
//! revocation answer (RFC 7009 §2.2), and `htu` over an arbitrary request URL.
#![no_main]

use latchkey_proto::dpop::{htu, nonce_challenge, proof_refused, Attempt, NonceChallenge};
use latchkey_proto::par::parse_push_response;
use latchkey_proto::revocation::parse_revocation_response;
use libfuzzer_sys::fuzz_target;

const STATUSES: [u16; 6] = [400, 401, 201, 200, 403, 500];
const CONTENT_TYPES: [&str; 3] = [
    "application/json",
    "application/x-www-form-urlencoded",
    "text/html",
];

/// `DPoP-Nonce`'s characters (RFC 9449 §8.1: `NQCHAR`).
fn is_nqchar(b: u8) -> bool {
    matches!(b, 0x21 | 0x23..=0x5b | 0x5d..=0x7e)
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    // The input is `WWW-Authenticate \0 DPoP-Nonce \0 body`; missing parts are absent.
    let mut parts = rest.splitn(3, |&b| b == 0);
    let challenge = parts.next().unwrap_or_default();
    let nonce = parts.next();
    let body = parts.next().unwrap_or_default();
    let status = STATUSES[usize::from(pick) % STATUSES.len()];
    let content_type = CONTENT_TYPES[usize::from(pick / 8) % CONTENT_TYPES.len()];

    let mut builder = http::Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, content_type);
    if let Ok(value) = http::HeaderValue::from_bytes(challenge) {
        builder = builder.header(http::header::WWW_AUTHENTICATE, value);
    }
    if let Some(Ok(value)) = nonce.map(http::HeaderValue::from_bytes) {
        builder = builder.header("dpop-nonce", value);
    }
    let Ok(response) = builder.body(body.to_vec()) else {
        return;
    };

    match nonce_challenge(&response, Attempt::First) {
        Ok(NonceChallenge::RetryWith(n)) => {
            // Asked by a 4xx, with the nonce the header carried, as sent.
            assert!(response.status().is_client_error());
            assert!(!n.as_str().is_empty() && n.as_str().bytes().all(is_nqchar));
            assert_eq!(Some(n.as_str().as_bytes()), nonce);
        }
        Ok(NonceChallenge::NotAsked) | Err(_) => {}
    }
    // After the retry a second request for a nonce is never followed.
    assert!(!matches!(
        nonce_challenge(&response, Attempt::NonceRetry),
        Ok(NonceChallenge::RetryWith(_))
    ));
    if proof_refused(&response) {
        assert_eq!(status, 401);
    }

    if let Ok(pushed) = parse_push_response(&response) {
        assert!(response.status().is_success());
        assert!(!pushed.request_uri.is_empty());
        assert_ne!(pushed.expires_in, Some(0));
    }
    if parse_revocation_response(&response).is_ok() {
        assert_eq!(status, 200);
    }

    let target = String::from_utf8_lossy(challenge);
    if let Ok(u) = htu(&target) {
        // RFC 9449 §4.2: without query and fragment; scheme http or https, in lower case.
        assert!(!u.contains(['?', '#']), "{u}");
        assert!(u.starts_with("http://") || u.starts_with("https://"), "{u}");
        assert_eq!(
            htu(&u).ok().as_deref(),
            Some(u.as_str()),
            "htu is not idempotent"
        );
    }
});
