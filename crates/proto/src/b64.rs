//! base64 ([RFC 4648 §4](https://www.rfc-editor.org/rfc/rfc4648#section-4)) and base64url without
//! padding ([§5](https://www.rfc-editor.org/rfc/rfc4648#section-5)).
//!
//! base64url is the encoding of PKCE values (RFC 7636 §4.1–4.2), `state`, `nonce`, `at_hash`, the
//! parts of a JWS (RFC 7515 §2) and JWK members (RFC 7518 §6); standard base64 that of HTTP Basic
//! credentials (RFC 6749 §2.3.1) and OAuth 1.0a signatures (RFC 5849 §3.4.2). The `base64`
//! crate's generic engine cost about 6 KB of wasm, and its `encode` carries `expect`s whose
//! messages pulled `Debug` formatting into the browser; these loops are all Latchkey needs. The
//! tests check them against the `base64` crate.

const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Encodes `bytes` as base64url, without `=` padding.
pub(crate) fn url_encode(bytes: &[u8]) -> String {
    encode(bytes, URL_SAFE, false)
}

/// Encodes `bytes` as standard base64, with `=` padding.
pub(crate) fn std_encode(bytes: &[u8]) -> String {
    encode(bytes, STANDARD, true)
}

fn encode(bytes: &[u8], alphabet: &[u8; 64], pad: bool) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        // The chunk as a 24-bit number, short chunks padded with zero bits on the right.
        let n = chunk.iter().fold(0u32, |n, &b| n << 8 | u32::from(b)) << (8 * (3 - chunk.len()));
        // 1, 2 or 3 bytes make 2, 3 or 4 symbols.
        for i in 0..=chunk.len() {
            out.push(char::from(alphabet[(n >> (18 - 6 * i) & 63) as usize]));
        }
        if pad {
            for _ in chunk.len()..3 {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes unpadded base64url; `None` for any other character (`=` included), an impossible
/// length, or non-zero bits after the last byte (a non-canonical encoding, RFC 4648 §3.5).
pub(crate) fn url_decode(text: &str) -> Option<Vec<u8>> {
    if text.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 2);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        acc = acc << 6 | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    (acc == 0).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{STANDARD as CRATE_STANDARD, URL_SAFE_NO_PAD};
    use base64::Engine as _;
    use proptest::prelude::*;

    /// RFC 4648 §10, in the URL-safe alphabet and without padding.
    #[test]
    fn rfc4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(url_encode(plain.as_bytes()), encoded);
            assert_eq!(url_decode(encoded).as_deref(), Some(plain.as_bytes()));
        }
        assert_eq!(url_encode(&[0xfb, 0xff]), "-_8");
        assert_eq!(std_encode(&[0xfb, 0xff]), "+/8=");
        assert_eq!(std_encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(std_encode(b"f"), "Zg==");
    }

    #[test]
    fn refuses_what_the_base64_crate_refuses() {
        for bad in [
            "Zg==", "Zm9v=", "Z", "Zh", "Zm9", "Zm9vY", "+/", "Zm 9v", "Zm9v\n", "é",
        ] {
            assert_eq!(url_decode(bad), None, "{bad:?}");
            assert!(URL_SAFE_NO_PAD.decode(bad).is_err(), "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn encode_matches_the_base64_crate(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            prop_assert_eq!(url_encode(&bytes), URL_SAFE_NO_PAD.encode(&bytes));
            prop_assert_eq!(std_encode(&bytes), CRATE_STANDARD.encode(&bytes));
        }

        #[test]
        fn decode_matches_the_base64_crate(text in "[A-Za-z0-9_=+/ -]{0,24}") {
            prop_assert_eq!(url_decode(&text), URL_SAFE_NO_PAD.decode(&text).ok());
        }

        #[test]
        fn decode_matches_on_valid_lengths(text in "([A-Za-z0-9_-]{4}){0,6}[A-Za-z0-9_-]{0,3}") {
            prop_assert_eq!(url_decode(&text), URL_SAFE_NO_PAD.decode(&text).ok());
        }
    }
}
