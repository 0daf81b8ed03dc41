//! Confinement to `api_base`: which upstream URL a proxied or signed request may reach.
//!
//! The part after `api_base` is taken as the client wrote it (still percent-encoded) and
//! refused when any decoding of it could climb out of `api_base` at the provider: a `.` or
//! `..` segment (also as `%2e%2e`, or `..;` for servers that strip matrix parameters), an
//! encoded `/` (`%2f`, which some servers decode before routing), a backslash (which some
//! servers read as `/`), a `%` left after decoding (double encoding such as `%252e`), control
//! characters, or (for the proxy, here; for `/sign`, in the signer) anything the strict URL
//! parser refuses. What is allowed is then appended to `api_base` unchanged, so the signature
//! covers exactly what is sent.

use latchkey_proto::oauth1::percent::{self, Plus};
use latchkey_proto::uri::Uri;

/// Why a path was refused (sent to the caller as a 403).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PathError {
    /// A dot segment, encoded slash, backslash or double encoding.
    #[error("the path would leave api_base ({0})")]
    Escapes(&'static str),
    /// Not a well-formed URL once joined to `api_base`.
    #[error("the path is not a valid URL path: {0}")]
    Invalid(String),
    /// The URL given to `/sign` does not start with `api_base`.
    #[error("the URL is not under api_base {0}")]
    NotUnderBase(String),
}

/// Checks `rest` (the still-encoded path below `api_base`, no leading `/`) and `query`, and
/// returns the upstream URL.
pub fn join(api_base: &str, rest: &str, query: Option<&str>) -> Result<String, PathError> {
    check_rest(rest)?;
    let mut url =
        String::with_capacity(api_base.len() + rest.len() + query.map_or(0, |q| q.len() + 1));
    url.push_str(api_base);
    url.push_str(rest);
    if let Some(q) = query {
        url.push('?');
        url.push_str(q);
    }
    debug_assert!(url.starts_with(api_base));
    well_formed(&url)?;
    Ok(url)
}

/// Checks that an absolute `url` lies under `api_base` (for `/sign`).
///
/// The URL's syntax is not parsed here: the signer parses it strictly right after, and a
/// URL it refuses gets a 400 naming the fault. What confinement needs is all textual: the
/// `api_base` prefix (see `well_formed` for why that fixes scheme, host, port and path
/// prefix), a path below it that cannot climb out, and no fragment.
pub fn check_under(api_base: &str, url: &str) -> Result<(), PathError> {
    let rest = url
        .strip_prefix(api_base)
        .ok_or_else(|| PathError::NotUnderBase(api_base.to_owned()))?;
    if rest.contains('#') {
        return Err(PathError::Invalid(
            "a fragment is never sent to a server".to_owned(),
        ));
    }
    let path = rest.split('?').next().unwrap_or("");
    check_rest(path)
}

fn check_rest(rest: &str) -> Result<(), PathError> {
    if rest.starts_with('/') {
        return Err(PathError::Escapes("a leading '/' after api_base"));
    }
    for raw in rest.split('/') {
        // One pass for what the raw segment can show, in the order the checks below answer.
        let (mut backslash, mut escape, mut control) = (false, false, false);
        for &b in raw.as_bytes() {
            backslash |= b == b'\\';
            escape |= b == b'%';
            control |= b.is_ascii_control();
        }
        if backslash {
            return Err(PathError::Escapes("a backslash"));
        }
        if !escape {
            // Decodes to itself: no '/', backslash or '%' can appear by decoding.
            if control {
                return Err(PathError::Escapes("a control character"));
            }
            if is_dot_segment(raw.as_bytes()) {
                return Err(PathError::Escapes("a '.' or '..' segment"));
            }
            continue;
        }
        let decoded = percent::decode_bytes(raw.as_bytes(), Plus::Literal)
            .map_err(|e| PathError::Invalid(e.to_string()))?;
        if decoded.contains(&b'/') {
            return Err(PathError::Escapes("an encoded '/'"));
        }
        if decoded.contains(&b'\\') {
            return Err(PathError::Escapes("an encoded backslash"));
        }
        if decoded.contains(&b'%') {
            return Err(PathError::Escapes("a double-encoded character"));
        }
        if decoded.iter().any(|b| b.is_ascii_control()) {
            return Err(PathError::Escapes("a control character"));
        }
        if is_dot_segment(&decoded) {
            return Err(PathError::Escapes("a '.' or '..' segment"));
        }
    }
    Ok(())
}

/// `.` or `..`, also with matrix parameters (`..;x`), which some servers strip before routing.
fn is_dot_segment(segment: &[u8]) -> bool {
    let name = segment.split(|b| *b == b';').next().unwrap_or(&[]);
    name == b"." || name == b".."
}

/// The joined URL, which starts with `api_base` as text, parses strictly and has no fragment.
///
/// `api_base` itself is not parsed again: the configuration check made it an absolute URL
/// ending in `/` with no query or fragment, so its last `/` lies in the path, after the
/// authority. A URL that starts with it, byte for byte, therefore has its scheme, host, port
/// and path prefix, however the rest is spelled.
fn well_formed(url: &str) -> Result<(), PathError> {
    let u = Uri::parse(url).map_err(|e| PathError::Invalid(e.to_string()))?;
    if u.fragment().is_some() {
        return Err(PathError::Invalid(
            "a fragment is never sent to a server".to_owned(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "http://127.0.0.1:9100/api/";

    #[test]
    fn ordinary_paths_join_unchanged() {
        assert_eq!(
            join(BASE, "me", None).unwrap(),
            "http://127.0.0.1:9100/api/me"
        );
        assert_eq!(
            join(BASE, "a/b%20c/d.json", Some("x=1&y=%2F")).unwrap(),
            "http://127.0.0.1:9100/api/a/b%20c/d.json?x=1&y=%2F"
        );
        assert_eq!(join(BASE, "", None).unwrap(), BASE);
        assert_eq!(
            join(BASE, "..hidden/x", None).unwrap(),
            "http://127.0.0.1:9100/api/..hidden/x"
        );
    }

    #[test]
    fn every_escape_spelling_is_refused() {
        for rest in [
            "..",
            "../admin",
            "a/../../admin",
            ".",
            "./x",
            "%2e%2e/admin",
            "%2E%2E/admin",
            ".%2e/admin",
            "a%2f..%2fadmin",
            "a%2F..",
            "..%5cadmin",
            "..\\admin",
            "a\\b",
            "%252e%252e/admin",
            "..;/admin",
            "/evil.example/x",
            "%00",
            "a%0d%0aHost:%20x",
            "a\tb",
            "x/\u{7f}",
            "..;jsessionid=1/admin",
            "%zz",
        ] {
            assert!(join(BASE, rest, None).is_err(), "{rest:?} was accepted");
        }
    }

    #[test]
    fn sign_urls_must_be_under_api_base() {
        assert!(check_under(BASE, "http://127.0.0.1:9100/api/me?x=1").is_ok());
        assert!(check_under(BASE, "http://127.0.0.1:9100/apiary").is_err());
        assert!(check_under(BASE, "http://127.0.0.1:9100/admin").is_err());
        assert!(check_under(BASE, "http://127.0.0.1:9100/api/../admin").is_err());
        assert!(check_under(BASE, "http://127.0.0.1:9100/api/%2e%2e/admin").is_err());
        assert!(check_under(BASE, "http://127.0.0.1:9100/api/x#frag").is_err());
        assert!(check_under(BASE, "http://evil.example/api/").is_err());
    }
}
