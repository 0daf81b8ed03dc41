//! `application/x-www-form-urlencoded` encoding and the small response-reading helpers the
//! OAuth 2.0 modules share.
//!
//! OAuth 2.0 puts request parameters in query strings and request bodies with the
//! `application/x-www-form-urlencoded` encoding (RFC 6749 Appendix B, WHATWG URL §5), which is
//! what the `form_urlencoded` crate implements (space becomes `+`). That is **not** the RFC 3986
//! percent-encoding OAuth 1.0a signs with (RFC 5849 §3.6, `oauth1::percent`); the two must not
//! be mixed.

use serde_json::{Map, Value};

use crate::uri::{Uri, UriError};

/// The most bytes of a response body an error keeps, so a huge or hostile body cannot bloat
/// logs or error messages.
pub const MAX_KEPT_BODY: usize = 512;

/// Encodes `pairs` as `application/x-www-form-urlencoded`, in the given order.
pub fn encode(pairs: &[(&str, &str)]) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        ser.append_pair(k, v);
    }
    ser.finish()
}

/// Appends `pairs` to `url`'s query, keeping any query it already has (RFC 6749 §3.1: the
/// endpoint URI "MAY include a query component, which MUST be retained").
///
/// `url` must not carry a fragment; callers check that with [`check_endpoint`] first.
pub fn append_query(url: &str, pairs: &[(&str, &str)]) -> String {
    let encoded = encode(pairs);
    if encoded.is_empty() {
        return url.to_owned();
    }
    let sep = match url.find('?') {
        None => "?",
        Some(_) if url.ends_with('?') || url.ends_with('&') => "",
        Some(_) => "&",
    };
    format!("{url}{sep}{encoded}")
}

/// A parameter appeared more than once where the protocol allows it once (RFC 6749 §3.1,
/// "Request and response parameters MUST NOT be included more than once").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateParameter(pub String);

/// Decodes a form-encoded string, refusing any parameter name that appears twice.
///
/// O(n log n) in the input: the names seen are kept in a sorted set, because a callback URL is
/// attacker-chosen and a pairwise scan was quadratic (20 000 parameters took seconds).
pub fn parse_unique(input: &str) -> Result<Vec<(String, String)>, DuplicateParameter> {
    // The set is the keys of a JSON map: the B-tree the JSON parser already brings to the wasm,
    // where a HashSet added 3 KB of hashing and hash table code.
    let mut seen = Map::new();
    let mut out: Vec<(String, String)> = Vec::new();
    for (k, v) in form_urlencoded::parse(input.as_bytes()) {
        let k = k.into_owned();
        if seen.insert(k.clone(), Value::Null).is_some() {
            return Err(DuplicateParameter(k));
        }
        out.push((k, v.into_owned()));
    }
    Ok(out)
}

/// Why a URL cannot serve as an OAuth endpoint or redirect URI.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EndpointProblem {
    /// Not an absolute `http://` or `https://` URL.
    #[error("is not an absolute http(s) URL")]
    NotHttp,
    /// Carries a `#fragment` (RFC 6749 §3.1: "The endpoint URI MUST NOT include a fragment").
    #[error("has a fragment")]
    Fragment,
    /// Breaks the RFC 3986 grammar (a character to percent-encode, a bad port, user
    /// information, …), as [`crate::uri::Uri::parse`] reports it.
    #[error("is not a valid URL: {0}")]
    Invalid(UriError),
}

/// Checks that `url` is an absolute `http(s)` URL, valid by [`crate::uri::Uri::parse`]
/// (which is stricter than the `http` crate: that one accepts port 99999), with no fragment.
///
/// Plain `http` is accepted because the local reference providers run on loopback; requiring
/// TLS for remote hosts is configuration policy, not protocol.
pub fn check_endpoint(url: &str) -> Result<(), EndpointProblem> {
    let uri = Uri::parse(url).map_err(|e| match e {
        UriError::MissingScheme | UriError::InvalidScheme | UriError::MissingAuthority => {
            EndpointProblem::NotHttp
        }
        other => EndpointProblem::Invalid(other),
    })?;
    if !(uri.scheme().eq_ignore_ascii_case("https") || uri.scheme().eq_ignore_ascii_case("http")) {
        return Err(EndpointProblem::NotHttp);
    }
    if uri.fragment().is_some() {
        return Err(EndpointProblem::Fragment);
    }
    Ok(())
}

/// Builds a request with these headers, in order. `None` when the `http` crate refuses the URL or
/// a header value (a byte outside visible ASCII and tab).
///
/// The fields are set directly rather than through `http::request::Builder`, whose generic
/// `header` and `and_then` were instantiated once per argument type: several KB of wasm for the
/// three requests the browser builds.
pub(crate) fn http_request(
    method: http::Method,
    url: &str,
    headers: &[(http::HeaderName, &str)],
    body: Vec<u8>,
) -> Option<http::Request<Vec<u8>>> {
    let mut request = http::Request::new(body);
    *request.method_mut() = method;
    *request.uri_mut() = http::Uri::try_from(url).ok()?;
    for (name, value) in headers {
        let value = http::HeaderValue::from_str(value).ok()?;
        request.headers_mut().try_append(name.clone(), value).ok()?;
    }
    Some(request)
}

/// Keeps at most [`MAX_KEPT_BODY`] bytes of `body` for an error message, cut on a character
/// boundary (invalid UTF-8 is replaced, never split).
pub fn truncate_body(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if text.len() <= MAX_KEPT_BODY {
        return text.into_owned();
    }
    let mut end = MAX_KEPT_BODY;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

/// Whether a `Content-Type` value names the given media type (parameters and case ignored).
pub(crate) fn media_type_is(content_type: Option<&http::HeaderValue>, wanted: &str) -> bool {
    content_type
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| t.trim().eq_ignore_ascii_case(wanted))
}

/// Reads a response body as a JSON object, or, when the server says (or the body looks like)
/// it is form-encoded, as form fields turned into JSON strings. `None` when it is neither.
pub(crate) fn body_fields(
    content_type: Option<&http::HeaderValue>,
    body: &[u8],
) -> Option<Map<String, Value>> {
    let is_form = media_type_is(content_type, "application/x-www-form-urlencoded");
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if !is_form {
        if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) {
            return Some(map);
        }
        if first == Some(&b'{') || first.is_none() {
            return None;
        }
    }
    let text = core::str::from_utf8(body).ok()?;
    if !text.contains('=') {
        return None;
    }
    let mut map = Map::new();
    for (k, v) in form_urlencoded::parse(text.trim().as_bytes()) {
        map.insert(k.into_owned(), Value::String(v.into_owned()));
    }
    Some(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn encode_uses_plus_for_space_and_escapes_reserved() {
        assert_eq!(
            encode(&[("scope", "openid profile"), ("x", "a&b=c/d")]),
            "scope=openid+profile&x=a%26b%3Dc%2Fd"
        );
    }

    #[test]
    fn append_query_keeps_existing_query() {
        assert_eq!(
            append_query("https://a.example/auth", &[("a", "1")]),
            "https://a.example/auth?a=1"
        );
        assert_eq!(
            append_query("https://a.example/auth?tenant=x", &[("a", "1")]),
            "https://a.example/auth?tenant=x&a=1"
        );
        assert_eq!(
            append_query("https://a.example/auth?", &[("a", "1")]),
            "https://a.example/auth?a=1"
        );
    }

    #[test]
    fn parse_unique_rejects_duplicates() {
        assert_eq!(
            parse_unique("a=1&b=2&a=3"),
            Err(DuplicateParameter("a".into()))
        );
        assert_eq!(
            parse_unique("a=1+2&b=%2F").unwrap(),
            vec![("a".into(), "1 2".into()), ("b".into(), "/".into())]
        );
    }

    #[test]
    fn endpoint_checks() {
        assert_eq!(check_endpoint("https://idp.example/authorize?x=1"), Ok(()));
        assert_eq!(check_endpoint("HTTP://127.0.0.1:9000/o/authorize/"), Ok(()));
        assert_eq!(check_endpoint("http://[::1]:9000/o/token/"), Ok(()));
        assert_eq!(
            check_endpoint("https://idp.example/a#frag"),
            Err(EndpointProblem::Fragment)
        );
        assert_eq!(
            check_endpoint("ftp://idp.example/"),
            Err(EndpointProblem::NotHttp)
        );
        assert_eq!(check_endpoint("/authorize"), Err(EndpointProblem::NotHttp));
        assert_eq!(check_endpoint("idp.example"), Err(EndpointProblem::NotHttp));
        let invalid = |u: &str| matches!(check_endpoint(u), Err(EndpointProblem::Invalid(_)));
        for bad in [
            "https:///authorize",
            "https://idp.example/a b",
            "https://idp.example/t\u{f6}ken",
            "https://i.example/a<b",
            "https://i.example/a\\b",
            "https://i.example:99999/",
            "https://i.example:0/",
            "https://i.example:8a/",
            "https://u:p@i.example/",
            "https://[::1/x",
            "https://i.example/%zz",
        ] {
            assert!(
                invalid(bad),
                "{bad} was accepted: {:?}",
                check_endpoint(bad)
            );
        }
    }

    #[test]
    fn truncate_body_cuts_on_a_char_boundary() {
        let body = "é".repeat(400); // 800 bytes, 2 per char
        let kept = truncate_body(body.as_bytes());
        assert_eq!(kept.len(), 512);
        let odd = format!("a{}", "é".repeat(400));
        let kept = truncate_body(odd.as_bytes());
        assert_eq!(kept.len(), 511, "must not split the two-byte é at byte 512");
        assert_eq!(truncate_body(b"short"), "short");
    }

    #[test]
    fn body_fields_reads_json_and_form() {
        let json = body_fields(None, br#"{"a":1}"#).unwrap();
        assert_eq!(json["a"], 1);
        let ct = http::HeaderValue::from_static("application/x-www-form-urlencoded; charset=utf-8");
        let form = body_fields(Some(&ct), b"a=1&b=x+y").unwrap();
        assert_eq!(form["b"], "x y");
        assert!(body_fields(None, b"<html>oops</html>").is_none());
        assert!(body_fields(None, b"{not json").is_none());
    }

    proptest! {
        #[test]
        fn form_round_trip(pairs in proptest::collection::vec(("\\PC{0,12}", "\\PC{0,24}"), 0..8)) {
            let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let decoded: Vec<(String, String)> = form_urlencoded::parse(encode(&borrowed).as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            prop_assert_eq!(decoded, pairs);
        }
    }
}
