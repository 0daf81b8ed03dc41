//! OAuth 1.0a signature base strings (RFC 5849 §3.4.1) over arbitrary methods, URLs and
//! bodies, plus the strict URL splitter and the §3.6 percent-encoding round trip; and the
//! signer's refusal of a request that carries a protocol parameter of its own (§3.5).
//!
//! Input lines: method, URL, Content-Type, then the body (the rest).
#![no_main]

use latchkey_proto::oauth1::base_string::{is_form_content_type, signature_base_string, Body};
use latchkey_proto::oauth1::{
    percent, sign_request, ConsumerCredential, Credentials, SignatureMethod, SigningError,
    SigningRequest,
};
use latchkey_proto::secret::ConsumerSecret;
use latchkey_proto::uri::Uri;
use libfuzzer_sys::fuzz_target;

/// HMAC-SHA1 draws nothing; `sign_request` asks for a source only for RSA's blinding.
struct NoRandomness;

impl rand_core::RngCore for NoRandomness {
    fn next_u32(&mut self) -> u32 {
        0
    }
    fn next_u64(&mut self) -> u64 {
        0
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        dest.fill(0);
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        dest.fill(0);
        Ok(())
    }
}

impl rand_core::CryptoRng for NoRandomness {}

/// Whether any `name=value` pair of `form` (a query or a form body, `+` a space) has a name
/// that decodes to `oauth_…`: decoded here without proto's code, as an oracle.
fn names_a_protocol_parameter(form: &[u8]) -> bool {
    let hex = |b: u8| char::from(b).to_digit(16);
    form.split(|&b| b == b'&').any(|pair| {
        let name = pair.split(|&b| b == b'=').next().unwrap_or_default();
        let mut decoded = Vec::with_capacity(name.len());
        let mut i = 0;
        while i < name.len() {
            match (
                name[i],
                name.get(i + 1).copied().and_then(hex),
                name.get(i + 2).copied().and_then(hex),
            ) {
                (b'%', Some(hi), Some(lo)) => {
                    decoded.push((hi * 16 + lo) as u8);
                    i += 3;
                }
                (b'+', _, _) => {
                    decoded.push(b' ');
                    i += 1;
                }
                (b, _, _) => {
                    decoded.push(b);
                    i += 1;
                }
            }
        }
        decoded.starts_with(b"oauth_")
    })
}

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

    // §3.5: a request whose own query or form body names an `oauth_` parameter is refused,
    // and only such a request.
    let consumer = ConsumerSecret::new("cs");
    let credentials = Credentials {
        consumer: ConsumerCredential::Secret(&consumer),
        token_secret: None,
    };
    let request = SigningRequest {
        method: &method,
        url: &url,
        body: Body::Raw {
            content_type: Some(&content_type),
            bytes: body,
        },
        consumer_key: "ck",
        token: None,
        callback: None,
        verifier: None,
        signature_method: SignatureMethod::HmacSha1,
        timestamp: 1,
        nonce: "n",
        realm: None,
    };
    // The query: after the first `?` that comes before any `#`.
    let query = url
        .split('#')
        .next()
        .and_then(|before_fragment| before_fragment.split_once('?'))
        .map_or("", |(_, q)| q);
    let stray = names_a_protocol_parameter(query.as_bytes())
        || (is_form_content_type(&content_type) && names_a_protocol_parameter(body));
    match sign_request(&request, &credentials, &mut NoRandomness) {
        Ok(_) => assert!(!stray, "signed a request carrying an oauth_ parameter"),
        Err(SigningError::ProtocolParameterInRequest { .. }) => {
            assert!(stray, "refused a request without an oauth_ parameter")
        }
        Err(_) => {}
    }

    let encoded = percent::encode_bytes(data);
    assert!(encoded
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
    if let Ok(text) = core::str::from_utf8(data) {
        assert_eq!(percent::decode(&percent::encode(text)).as_deref(), Ok(text));
    }
});
