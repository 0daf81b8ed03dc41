//! The signature base string ([RFC 5849 §3.4.1]).
//!
//! `METHOD & enc(base string URI) & enc(normalized parameters)`, where
//! - the method is uppercased (§3.4.1.1);
//! - the base string URI has a lowercase scheme and host, no default port (80 for `http`,
//!   443 for `https`), `/` for an empty path, and no query or fragment (§3.4.1.2);
//! - the parameters are the URL query, a form body (only when it is
//!   `application/x-www-form-urlencoded`) and the `oauth_*` protocol parameters except `realm`
//!   and `oauth_signature` (§3.4.1.3.1), each name and value encoded (§3.6), sorted by encoded
//!   name then encoded value, duplicates kept, joined as `name=value` with `&` (§3.4.1.3.2).
//!
//! The path is signed as written in the URL (already percent-encoded; its escapes are not
//! re-cased), which is what servers that read the request line see. Query and form parameters
//! are decoded (`+` is a space) and re-encoded byte for byte, so `%7e` and `~` sign the same.
//!
//! [RFC 5849 §3.4.1]: https://www.rfc-editor.org/rfc/rfc5849#section-3.4.1

use std::borrow::Cow;

use super::percent::{self, encode_str_into, DecodeError, Plus};
use crate::uri::{Uri, UriError};

/// A request body, as far as the signature is concerned (RFC 5849 §3.4.1.3.1).
#[derive(Debug, Clone, Copy, Default)]
pub enum Body<'a> {
    /// No body, or one whose parameters are not signed.
    #[default]
    None,
    /// Decoded form fields that will be sent `application/x-www-form-urlencoded`.
    Form(&'a [(String, String)]),
    /// A raw body and its `Content-Type`: its fields are signed only when the media type is
    /// `application/x-www-form-urlencoded` (JSON, multipart and the rest are not signed).
    Raw {
        /// The `Content-Type` header value, if any.
        content_type: Option<&'a str>,
        /// The body bytes as they will be sent.
        bytes: &'a [u8],
    },
}

/// Whether a `Content-Type` value names `application/x-www-form-urlencoded` (parameters such
/// as `; charset=utf-8` allowed, case-insensitive, RFC 9110 §8.3.1).
pub fn is_form_content_type(content_type: &str) -> bool {
    let media_type = content_type.split(';').next().unwrap_or_default().trim();
    media_type.eq_ignore_ascii_case("application/x-www-form-urlencoded")
}

/// Why a signature base string could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BaseStringError {
    /// The HTTP method is empty or not an RFC 9110 token.
    #[error("HTTP method {0:?} is not a valid method token")]
    InvalidMethod(String),
    /// The request URL is not an absolute URL Latchkey accepts.
    #[error("request URL: {0}")]
    Url(#[from] UriError),
    /// A query parameter has a malformed percent escape.
    #[error("request URL query: {0}")]
    QueryEncoding(DecodeError),
    /// A form body field has a malformed percent escape.
    #[error("form body: {0}")]
    BodyEncoding(DecodeError),
}

/// The base string URI of a parsed URL (RFC 5849 §3.4.1.2).
///
/// ```
/// use latchkey_proto::{oauth1::base_string::base_string_uri, uri::Uri};
/// let uri = Uri::parse("HTTP://EXAMPLE.COM:80/r%20v/X?id=123").unwrap();
/// assert_eq!(base_string_uri(&uri), "http://example.com/r%20v/X");
/// ```
pub fn base_string_uri(uri: &Uri<'_>) -> String {
    let mut out =
        String::with_capacity(uri.scheme().len() + uri.host().len() + uri.path().len() + 10);
    push_base_string_uri(&mut out, uri);
    out
}

fn push_base_string_uri(out: &mut String, uri: &Uri<'_>) {
    out.extend(uri.scheme().chars().map(|c| c.to_ascii_lowercase()));
    out.push_str("://");
    out.extend(uri.host().chars().map(|c| c.to_ascii_lowercase()));
    if let Some(port) = uri.port() {
        if Some(port) != uri.default_port() {
            out.push(':');
            out.push_str(&port.to_string());
        }
    }
    out.push_str(if uri.path().is_empty() {
        "/"
    } else {
        uri.path()
    });
}

/// RFC 9110 §5.6.2 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'.'
                | b'^'
                | b'_'
                | b'`'
                | b'|'
                | b'~'
        )
}

/// Checks an HTTP method and returns it uppercased (RFC 5849 §3.4.1.1 item 1); borrowed
/// when it already is.
pub fn normalize_method(method: &str) -> Result<Cow<'_, str>, BaseStringError> {
    if method.is_empty() || !method.bytes().all(is_tchar) {
        return Err(BaseStringError::InvalidMethod(
            method.chars().take(32).collect(),
        ));
    }
    if method.bytes().any(|b| b.is_ascii_lowercase()) {
        Ok(Cow::Owned(method.to_ascii_uppercase()))
    } else {
        Ok(Cow::Borrowed(method))
    }
}

/// The signature base string of a request (RFC 5849 §3.4.1.1).
///
/// `protocol_params` are the `oauth_*` parameters that go in the `Authorization` header;
/// `realm` and `oauth_signature`, if present, are left out as §3.4.1.3.1 requires.
///
/// ```
/// use latchkey_proto::oauth1::base_string::{signature_base_string, Body};
/// let base = signature_base_string(
///     "get",
///     "https://Api.Example.com:443/items?b=2&a=1",
///     Body::None,
///     &[("oauth_consumer_key", "ck"), ("oauth_nonce", "n")],
/// )
/// .unwrap();
/// assert_eq!(
///     base,
///     "GET&https%3A%2F%2Fapi.example.com%2Fitems&a%3D1%26b%3D2%26oauth_consumer_key%3Dck%26oauth_nonce%3Dn"
/// );
/// ```
pub fn signature_base_string(
    method: &str,
    url: &str,
    body: Body<'_>,
    protocol_params: &[(&str, &str)],
) -> Result<String, BaseStringError> {
    base_string_and_stray_protocol_parameter(method, url, body, protocol_params).map(|(b, _)| b)
}

/// Where a request carries parameters of its own (RFC 5849 §3.4.1.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParameterPlace {
    /// The URL's query.
    Query,
    /// An `application/x-www-form-urlencoded` body.
    FormBody,
}

impl core::fmt::Display for ParameterPlace {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            ParameterPlace::Query => "query",
            ParameterPlace::FormBody => "form body",
        })
    }
}

/// A parameter of the request's own (query or form body) whose name begins with `oauth_`, in
/// its §3.6 form (`oauth_…` is unreserved, so a decoded name begins with it exactly when its
/// encoded form does), and where it was.
pub(crate) type StrayProtocolParameter = Option<(String, ParameterPlace)>;

/// [`signature_base_string`], and the first parameter of the request's own that is named like
/// a protocol parameter: found while the parameters are read for the base string, so a
/// signer refuses it at no extra cost (RFC 5849 §3.5).
pub(crate) fn base_string_and_stray_protocol_parameter(
    method: &str,
    url: &str,
    body: Body<'_>,
    protocol_params: &[(&str, &str)],
) -> Result<(String, StrayProtocolParameter), BaseStringError> {
    let method = normalize_method(method)?;
    let uri = Uri::parse(url)?;
    let (pairs, stray) = encoded_pairs(&uri, body, protocol_params)?;

    let mut uri_text = String::with_capacity(url.len());
    push_base_string_uri(&mut uri_text, &uri);

    // Each `%XY` the second encoding meets grows by two bytes: 5/3 of the length is room enough.
    let room: usize = pairs
        .iter()
        .map(|(n, v)| (n.len() + v.len()) * 5 / 3 + 6)
        .sum();
    let mut out = String::with_capacity(method.len() + uri_text.len() * 3 / 2 + 2 + room);
    encode_str_into(&mut out, &method);
    out.push('&');
    encode_str_into(&mut out, &uri_text);
    out.push('&');
    // The normalized parameters, encoded once more as §3.4.1.1 item 5 requires: written
    // straight into the output ("=" is %3D and "&" is %26) instead of joined first. The pairs
    // are already in §3.6 form (unreserved characters and `%XY`), so encoding them again only
    // turns each `%` into `%25`.
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push_str("%26");
        }
        encode_str_into(&mut out, name);
        out.push_str("%3D");
        encode_str_into(&mut out, value);
    }
    Ok((out, stray))
}

/// The normalized request parameters (RFC 5849 §3.4.1.3.2), before the final encoding.
pub fn normalized_parameters(
    uri: &Uri<'_>,
    body: Body<'_>,
    protocol_params: &[(&str, &str)],
) -> Result<String, BaseStringError> {
    let (pairs, _) = encoded_pairs(uri, body, protocol_params)?;
    let len = pairs.iter().map(|(n, v)| n.len() + v.len() + 2).sum();
    let mut out = String::with_capacity(len);
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        out.push_str(value);
    }
    Ok(out)
}

/// A parameter name and value, both §3.6-encoded.
type EncodedPair<'a> = (Cow<'a, str>, Cow<'a, str>);

/// Every signed parameter, encoded (§3.6) and sorted by name then value (§3.4.1.3.2).
///
/// Text that is already in §3.6 form (most nonces, keys, timestamps and query values) is
/// borrowed rather than copied: signing is on the hot path of the companion's API proxy.
fn encoded_pairs<'a>(
    uri: &Uri<'a>,
    body: Body<'a>,
    protocol_params: &[(&'a str, &'a str)],
) -> Result<(Vec<EncodedPair<'a>>, StrayProtocolParameter), BaseStringError> {
    let stray_in = |pairs: &[EncodedPair<'_>], place| {
        pairs
            .iter()
            .find(|(name, _)| name.starts_with("oauth_"))
            .map(|(name, _)| (name.to_string(), place))
    };
    let mut pairs = Vec::with_capacity(protocol_params.len() + 8);
    if let Some(query) = uri.query() {
        push_form_encoded(&mut pairs, query.as_bytes()).map_err(BaseStringError::QueryEncoding)?;
    }
    let from_query = pairs.len();
    match body {
        Body::None => {}
        Body::Form(fields) => {
            for (name, value) in fields {
                pairs.push((encode_cow(name), encode_cow(value)));
            }
        }
        Body::Raw {
            content_type: Some(content_type),
            bytes,
        } if is_form_content_type(content_type) => {
            push_form_encoded(&mut pairs, bytes).map_err(BaseStringError::BodyEncoding)?;
        }
        Body::Raw { .. } => {}
    }
    let stray = stray_in(&pairs[..from_query], ParameterPlace::Query)
        .or_else(|| stray_in(&pairs[from_query..], ParameterPlace::FormBody));
    for (name, value) in protocol_params {
        if *name != "realm" && *name != "oauth_signature" {
            pairs.push((encode_cow(name), encode_cow(value)));
        }
    }
    // Sorting the encoded forms byte-wise is the order §3.4.1.3.2 asks for.
    pairs.sort_unstable();
    Ok((pairs, stray))
}

fn encode_cow(text: &str) -> Cow<'_, str> {
    if percent::unreserved_prefix_len(text.as_bytes()) == text.len() {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(percent::encode(text))
    }
}

/// Decodes `application/x-www-form-urlencoded` data and pushes each field re-encoded per §3.6.
///
/// Empty segments (`a=1&&b=2`) are skipped and a field without `=` has an empty value, as the
/// WHATWG URL standard's form parser does; escapes are decoded to bytes, so even a query with
/// non-UTF-8 escapes signs exactly what is sent.
fn push_form_encoded<'a>(
    pairs: &mut Vec<EncodedPair<'a>>,
    data: &'a [u8],
) -> Result<(), DecodeError> {
    for field in data.split(|b| *b == b'&') {
        if field.is_empty() {
            continue;
        }
        let (name, value) = match field.iter().position(|b| *b == b'=') {
            Some(i) => (&field[..i], &field[i + 1..]),
            None => (field, &[][..]),
        };
        pairs.push((reencode(name)?, reencode(value)?));
    }
    Ok(())
}

fn reencode(raw: &[u8]) -> Result<Cow<'_, str>, DecodeError> {
    // Text already in §3.6 form needs no decoding (and is ASCII, so valid UTF-8).
    if percent::unreserved_prefix_len(raw) == raw.len() {
        if let Ok(text) = core::str::from_utf8(raw) {
            return Ok(Cow::Borrowed(text));
        }
    }
    let decoded = percent::decode_bytes(raw, Plus::Space)?;
    Ok(Cow::Owned(percent::encode_bytes(&decoded)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 5849 §3.4.1.1: the example request and its base string, byte for byte.
    #[test]
    fn rfc5849_section_3_4_1_1_example() {
        let form = [
            ("c2".to_owned(), String::new()),
            ("a3".to_owned(), "2 q".to_owned()),
        ];
        let base = signature_base_string(
            "POST",
            "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b",
            Body::Form(&form),
            &[
                ("realm", "Example"),
                ("oauth_consumer_key", "9djdj82h48djs9d2"),
                ("oauth_token", "kkk9d7dh3k39sjv7"),
                ("oauth_signature_method", "HMAC-SHA1"),
                ("oauth_timestamp", "137131201"),
                ("oauth_nonce", "7d8f3e4a"),
                ("oauth_signature", "bYT5CMsGcbgUdFHObYMEfcx6bsw="),
            ],
        )
        .unwrap();
        assert_eq!(
            base,
            "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q\
             %26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_\
             key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_m\
             ethod%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk\
             9d7dh3k39sjv7"
        );
    }

    /// The same request with its body as raw bytes: `+` is a space in form data.
    #[test]
    fn raw_form_body_is_signed_only_with_the_form_content_type() {
        let url = "http://example.com/request";
        let with = |content_type| {
            signature_base_string(
                "POST",
                url,
                Body::Raw {
                    content_type,
                    bytes: b"c2&a3=2+q",
                },
                &[],
            )
            .unwrap()
        };
        let signed = "POST&http%3A%2F%2Fexample.com%2Frequest&a3%3D2%2520q%26c2%3D";
        assert_eq!(with(Some("application/x-www-form-urlencoded")), signed);
        assert_eq!(
            with(Some("Application/X-WWW-Form-URLEncoded; charset=utf-8")),
            signed
        );
        let unsigned = "POST&http%3A%2F%2Fexample.com%2Frequest&";
        assert_eq!(with(Some("application/json")), unsigned);
        assert_eq!(with(Some("multipart/form-data; boundary=x")), unsigned);
        assert_eq!(with(None), unsigned);
    }

    /// RFC 5849 §3.4.1.2 examples, plus the non-default port and empty path rules.
    #[test]
    fn base_string_uri_examples() {
        let bsu = |url| base_string_uri(&Uri::parse(url).unwrap());
        assert_eq!(
            bsu("HTTP://EXAMPLE.COM:80/r%20v/X?id=123"),
            "http://example.com/r%20v/X"
        );
        assert_eq!(
            bsu("https://www.example.net:8080/?q=1"),
            "https://www.example.net:8080/"
        );
        assert_eq!(bsu("https://h:443"), "https://h/");
        assert_eq!(bsu("http://h:443/"), "http://h:443/");
        assert_eq!(bsu("https://h:80#x"), "https://h:80/");
        assert_eq!(bsu("http://[::1]:80/x"), "http://[::1]/x");
    }

    #[test]
    fn duplicates_are_kept_and_sorted_by_value() {
        let base =
            signature_base_string("GET", "http://h/?a=2&a=1&a=10&b=", Body::None, &[]).unwrap();
        assert_eq!(base, "GET&http%3A%2F%2Fh%2F&a%3D1%26a%3D10%26a%3D2%26b%3D");
    }

    #[test]
    fn sorting_uses_encoded_names() {
        // "~" (0x7E) sorts after "_" (0x5F) and letters; "%" sorts before digits once encoded.
        let base =
            signature_base_string("GET", "http://h/?~=1&_=2&z=3&%21=4", Body::None, &[]).unwrap();
        assert_eq!(
            base,
            "GET&http%3A%2F%2Fh%2F&%2521%3D4%26_%3D2%26z%3D3%26~%3D1"
        );
    }

    #[test]
    fn query_escapes_are_normalised() {
        let a = signature_base_string("GET", "http://h/?q=%7e%2b+x", Body::None, &[]).unwrap();
        let b = signature_base_string("GET", "http://h/?q=~%2B%20x", Body::None, &[]).unwrap();
        assert_eq!(a, b);
        assert!(a.ends_with("q%3D~%252B%2520x"), "{a}");
    }

    #[test]
    fn errors_name_the_failing_part() {
        assert_eq!(
            signature_base_string("GE T", "http://h/", Body::None, &[]).unwrap_err(),
            BaseStringError::InvalidMethod("GE T".into())
        );
        assert!(matches!(
            signature_base_string("GET", "/relative", Body::None, &[]).unwrap_err(),
            BaseStringError::Url(UriError::MissingScheme)
        ));
        let bad_body = Body::Raw {
            content_type: Some("application/x-www-form-urlencoded"),
            bytes: b"a=%zz",
        };
        assert_eq!(
            signature_base_string("POST", "http://h/", bad_body, &[]).unwrap_err(),
            BaseStringError::BodyEncoding(DecodeError::BadEscape { index: 0 })
        );
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn never_panics_on_any_url(method in ".{0,8}", url in ".{0,80}") {
                let _ = signature_base_string(&method, &url, Body::None, &[("oauth_nonce", "n")]);
            }

            #[test]
            fn never_panics_on_url_like_input(
                url in "[hH][tT][tT][pP][sS]?://[a-zA-Z0-9.:\\[\\]@%_~-]{0,20}[/?#a-zA-Z0-9%+=&;:@!$'()*,~._-]{0,40}",
                body in proptest::collection::vec(any::<u8>(), 0..40),
            ) {
                let body = Body::Raw {
                    content_type: Some("application/x-www-form-urlencoded"),
                    bytes: &body,
                };
                if let Ok(base) = signature_base_string("POST", &url, body, &[]) {
                    // The result is always fully encoded apart from the two separators.
                    prop_assert_eq!(base.matches('&').count(), 2);
                    prop_assert!(base.bytes().all(|b| percent::is_unreserved(b) || b == b'%' || b == b'&'));
                }
            }
        }
    }
}
