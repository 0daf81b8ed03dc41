//! OAuth 1.0a signature base strings (RFC 5849 §3.4.1) over arbitrary methods, URLs and
//! bodies, plus the strict URL splitter and the §3.6 percent-encoding round trip.
//!
//! Input lines: method, URL, Content-Type, then the body (the rest).
#![no_main]

use latchkey_proto::oauth1::base_string::{signature_base_string, Body};
use latchkey_proto::oauth1::percent;
use latchkey_proto::uri::Uri;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(4, |&b| b == b'\n');
    let method = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let url = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let content_type = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let body = parts.next().unwrap_or_default();

    if let Ok(uri) = Uri::parse(&url) {
        let _ = (
            uri.scheme(),
            uri.host(),
            uri.port(),
            uri.default_port(),
            uri.path(),
            uri.query(),
        );
    }

    let params = [
        ("oauth_consumer_key", "ck"),
        ("oauth_nonce", "n"),
        ("oauth_timestamp", "1"),
    ];
    for body in [
        Body::None,
        Body::Raw {
            content_type: Some(&content_type),
            bytes: body,
        },
    ] {
        if let Ok(base) = signature_base_string(&method, &url, body, &params) {
            // Every component is percent-encoded, so the only raw '&' are the two separators
            // and the text is unreserved ASCII plus '%' escapes.
            assert_eq!(base.matches('&').count(), 2, "{base}");
            assert!(base
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~%&".contains(&b)));
        }
    }

    let encoded = percent::encode_bytes(data);
    assert!(encoded
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
    if let Ok(text) = core::str::from_utf8(data) {
        assert_eq!(percent::decode(&percent::encode(text)).as_deref(), Ok(text));
    }
});
