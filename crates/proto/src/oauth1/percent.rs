//! Percent-encoding as OAuth 1.0a defines it ([RFC 5849 §3.6]).
//!
//! Text is first encoded as UTF-8; then every byte except the unreserved characters
//! `ALPHA DIGIT - . _ ~` becomes `%XY` with uppercase hex digits. This is stricter than
//! `application/x-www-form-urlencoded` (no `+` for space) and than most URL encoders (which
//! leave `/`, `:` or `*` alone), and both sides of a signature must agree on it exactly.
//!
//! [RFC 5849 §3.6]: https://www.rfc-editor.org/rfc/rfc5849#section-3.6

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Whether RFC 5849 §3.6 leaves this byte unencoded.
pub const fn is_unreserved(b: u8) -> bool {
    UNRESERVED[b as usize]
}

/// The unreserved set as a table: one load per byte instead of four range checks, since every
/// byte of every signed parameter passes through here on the companion's hot path.
const UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        // `b < 256`, so the cast is exact.
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~');
        b += 1;
    }
    table
};

/// The length of the longest prefix of `bytes` that §3.6 leaves unencoded: all of `bytes` when
/// none needs escaping.
///
/// Eight bytes are looked up per step and their answers folded without a branch, then the
/// step that holds the first reserved byte is searched byte by byte. That costs fewer
/// instructions than a branch per byte on the nonces, keys and tokens that every signature
/// scans more than once (docs/notes/companion-performance.md, session 5).
pub fn unreserved_prefix_len(bytes: &[u8]) -> usize {
    let mut clean = 0;
    for chunk in bytes.chunks_exact(8) {
        if !chunk.iter().fold(true, |all, &b| all & is_unreserved(b)) {
            break;
        }
        clean += 8;
    }
    let rest = bytes.get(clean..).unwrap_or_default();
    clean
        + rest
            .iter()
            .position(|&b| !is_unreserved(b))
            .unwrap_or(rest.len())
}

/// Appends the RFC 5849 §3.6 encoding of `text` (its UTF-8 bytes) to `out`.
///
/// The part before the first byte to escape (all of most values) is copied as one slice, with
/// no UTF-8 check: it is ASCII, so its end is a char boundary. The rest goes through
/// [`encode_into`]'s buffer.
pub fn encode_str_into(out: &mut String, text: &str) {
    let bytes = text.as_bytes();
    let clean = unreserved_prefix_len(bytes);
    out.push_str(text.get(..clean).unwrap_or_default());
    if let Some(rest) = bytes.get(clean..).filter(|rest| !rest.is_empty()) {
        encode_into(out, rest);
    }
}

/// Appends the RFC 5849 §3.6 encoding of `bytes` to `out`.
///
/// The output is built in a small stack buffer, a store per byte, and appended a buffer at a
/// time: a `push_str` per run and three `push`es per escape cost about twenty instructions a
/// byte on the escape-dense values the companion signs.
pub fn encode_into(out: &mut String, bytes: &[u8]) {
    out.reserve(bytes.len() + bytes.len() / 2);
    let mut buf = [0u8; 240];
    let mut n = 0;
    for &b in bytes {
        if n + 3 > buf.len() {
            push_ascii(out, &buf[..n]);
            n = 0;
        }
        if is_unreserved(b) {
            buf[n] = b;
            n += 1;
        } else {
            buf[n] = b'%';
            buf[n + 1] = HEX[usize::from(b >> 4)];
            buf[n + 2] = HEX[usize::from(b & 0x0f)];
            n += 3;
        }
    }
    push_ascii(out, &buf[..n]);
}

/// Appends bytes that are ASCII by construction (unreserved characters and escapes). The
/// check costs little on ASCII; were it ever to fail, nothing is appended rather than
/// anything that is not text.
fn push_ascii(out: &mut String, ascii: &[u8]) {
    debug_assert!(ascii.is_ascii());
    if let Ok(text) = core::str::from_utf8(ascii) {
        out.push_str(text);
    }
}

/// The RFC 5849 §3.6 encoding of a string (its UTF-8 bytes).
///
/// ```
/// use latchkey_proto::oauth1::percent::encode;
/// assert_eq!(encode("Ladies + Gentlemen"), "Ladies%20%2B%20Gentlemen");
/// assert_eq!(encode("café~"), "caf%C3%A9~");
/// ```
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 2);
    encode_str_into(&mut out, text);
    out
}

/// The RFC 5849 §3.6 encoding of arbitrary bytes.
pub fn encode_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + bytes.len() / 2);
    encode_into(&mut out, bytes);
    out
}

/// Why percent-decoding failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// A `%` not followed by two hex digits.
    #[error("malformed percent escape at byte {index}")]
    BadEscape {
        /// Byte offset of the `%`.
        index: usize,
    },
    /// The decoded bytes are not UTF-8.
    #[error("percent-decoded text is not valid UTF-8")]
    InvalidUtf8,
}

/// How `+` is read while decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plus {
    /// `+` is a literal plus sign (RFC 5849 §3.6 and RFC 3986 text).
    Literal,
    /// `+` means a space (`application/x-www-form-urlencoded`, used for query strings and form
    /// bodies, RFC 5849 §3.4.1.3.1).
    Space,
}

/// Decodes `%XY` escapes (either hex case) into bytes.
///
/// Lenient in what it leaves alone (any other byte is kept as is) and strict in escapes: a `%`
/// without two hex digits is an error, because guessing would sign different bytes than the
/// server reads.
pub fn decode_bytes(bytes: &[u8], plus: Plus) -> Result<Vec<u8>, DecodeError> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let digit = |j: usize| bytes.get(j).and_then(|b| hex_value(*b));
                match (digit(i + 1), digit(i + 2)) {
                    (Some(hi), Some(lo)) => out.push(hi << 4 | lo),
                    _ => return Err(DecodeError::BadEscape { index: i }),
                }
                i += 3;
            }
            b'+' if plus == Plus::Space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    Ok(out)
}

/// Decodes `%XY` escapes into UTF-8 text (`+` is literal, as in RFC 5849 §3.6).
///
/// ```
/// use latchkey_proto::oauth1::percent::decode;
/// assert_eq!(decode("caf%C3%A9%7e").unwrap(), "café~");
/// assert!(decode("%E9").is_err()); // Latin-1, not UTF-8
/// ```
pub fn decode(text: &str) -> Result<String, DecodeError> {
    String::from_utf8(decode_bytes(text.as_bytes(), Plus::Literal)?)
        .map_err(|_| DecodeError::InvalidUtf8)
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every byte value, written out by hand from RFC 5849 §3.6 (and RFC 3986 §2.3 for the
    /// unreserved set) rather than derived from the code under test.
    #[test]
    fn table_over_all_256_bytes() {
        let unreserved = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
        for b in 0u8..=255 {
            let got = encode_bytes(&[b]);
            if unreserved.as_bytes().contains(&b) {
                assert_eq!(got, char::from(b).to_string(), "byte {b:#04x}");
            } else {
                assert_eq!(got, format!("%{b:02X}"), "byte {b:#04x}");
                assert_eq!(got.len(), 3);
                assert!(!got.chars().any(|c| c.is_ascii_lowercase()));
                // Lowercase hex decodes too: servers and old clients send it.
                assert_eq!(
                    decode_bytes(got.to_ascii_lowercase().as_bytes(), Plus::Literal).unwrap(),
                    vec![b]
                );
            }
            assert_eq!(
                decode_bytes(got.as_bytes(), Plus::Literal).unwrap(),
                vec![b]
            );
        }
    }

    #[test]
    fn published_examples() {
        // RFC 5849 §3.4.1.3.2 and §3.6 examples.
        assert_eq!(encode("Ladies + Gentlemen"), "Ladies%20%2B%20Gentlemen");
        assert_eq!(encode("An encoded string!"), "An%20encoded%20string%21");
        assert_eq!(encode("Dogs, Cats & Mice"), "Dogs%2C%20Cats%20%26%20Mice");
        assert_eq!(encode("☃"), "%E2%98%83");
        assert_eq!(encode("=%3D"), "%3D%253D");
        assert_eq!(encode("a2=r b"), "a2%3Dr%20b");
    }

    #[test]
    fn decoding_errors_are_typed() {
        assert_eq!(decode("ab%"), Err(DecodeError::BadEscape { index: 2 }));
        assert_eq!(decode("%4"), Err(DecodeError::BadEscape { index: 0 }));
        assert_eq!(decode("x%G1"), Err(DecodeError::BadEscape { index: 1 }));
        assert_eq!(decode("%FF%FE"), Err(DecodeError::InvalidUtf8));
        assert_eq!(decode("%C3"), Err(DecodeError::InvalidUtf8));
    }

    #[test]
    fn plus_handling() {
        assert_eq!(decode("a+b").unwrap(), "a+b");
        assert_eq!(decode_bytes(b"a+b%2B", Plus::Space).unwrap(), b"a b+");
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn round_trip_text(s in any::<String>()) {
                let encoded = encode(&s);
                prop_assert!(encoded.bytes().all(|b| is_unreserved(b) || b == b'%'));
                prop_assert_eq!(decode(&encoded).unwrap(), s);
            }

            #[test]
            fn str_and_byte_paths_agree(b in proptest::collection::vec(any::<u8>(), 0..64)) {
                let mut via_bytes = String::new();
                encode_into(&mut via_bytes, &b);
                let expected: String = b.iter().map(|b| if is_unreserved(*b) { char::from(*b).to_string() } else { format!("%{b:02X}") }).collect();
                prop_assert_eq!(&via_bytes, &expected);
                if let Ok(text) = core::str::from_utf8(&b) {
                    let mut via_str = String::new();
                    encode_str_into(&mut via_str, text);
                    prop_assert_eq!(via_str, expected);
                }
            }

            /// Long and escape-dense, so the encoder's stack buffer fills and is flushed
            /// mid-value (every escape is three bytes of output).
            #[test]
            fn long_values_match_the_byte_by_byte_encoding(s in "[ a-z~%&=+\u{e9}\u{2603}]{0,400}") {
                let mut got = String::from("prefix&");
                encode_str_into(&mut got, &s);
                let expected: String = s.bytes().map(|b| if is_unreserved(b) { char::from(b).to_string() } else { format!("%{b:02X}") }).collect();
                prop_assert_eq!(got, format!("prefix&{expected}"));
            }

            /// Mostly unreserved text with the odd reserved byte anywhere, so the first one
            /// falls in every position of an eight-byte step and in the tail after the last.
            #[test]
            fn unreserved_prefix_ends_at_the_first_reserved_byte(
                b in proptest::collection::vec(prop_oneof![9 => proptest::char::range('a', 'z').prop_map(|c| c as u8), 1 => any::<u8>()], 0..70)
            ) {
                let expected = b.iter().position(|&b| !is_unreserved(b)).unwrap_or(b.len());
                prop_assert_eq!(unreserved_prefix_len(&b), expected);
            }

            #[test]
            fn round_trip_bytes(b in proptest::collection::vec(any::<u8>(), 0..64)) {
                prop_assert_eq!(decode_bytes(encode_bytes(&b).as_bytes(), Plus::Space).unwrap(), b);
            }

            #[test]
            fn decode_never_panics(s in any::<String>()) {
                let _ = decode(&s);
                let _ = decode_bytes(s.as_bytes(), Plus::Space);
            }
        }
    }
}
