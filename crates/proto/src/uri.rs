//! A small, strict splitter for absolute `http`/`https`-style URLs (RFC 3986 §3).
//!
//! Latchkey needs only a few parts of a request URL: the scheme, the host and port, the path
//! and the query (the OAuth 1.0a signature base string is built from them, RFC 5849 §3.4.1.2).
//! A general URL library would grow the wasm app for no gain, so this module splits an
//! absolute URL into borrowed parts and checks every character against the RFC 3986 grammar of
//! its part. It does not normalise anything (no case folding of the path, no dot-segment
//! removal, no re-encoding): callers that need a canonical form build it from the parts.
//!
//! Deliberately rejected, each with its own [`UriError`] variant:
//! - relative references and URLs without an authority (`mailto:x`, `/path`);
//! - user information (`https://user:pass@host/`): credentials in a URL leak into logs, and a
//!   signed request never needs them;
//! - any character outside the RFC 3986 set of its part (spaces, non-ASCII, `"`, `<`, …) and
//!   malformed percent escapes: the caller percent-encodes first, so that what is signed is
//!   exactly what is sent;
//! - ports that are not a decimal number in `1..=65535`.
//!
//! ```
//! use latchkey_proto::uri::Uri;
//! let uri = Uri::parse("HTTPS://Example.COM:8443/a/b?x=1&y#top").unwrap();
//! assert_eq!(uri.scheme(), "HTTPS");
//! assert_eq!(uri.host(), "Example.COM");
//! assert_eq!(uri.port(), Some(8443));
//! assert_eq!(uri.path(), "/a/b");
//! assert_eq!(uri.query(), Some("x=1&y"));
//! assert_eq!(uri.fragment(), Some("top"));
//! ```

use core::fmt;

/// The parts of an absolute URL, borrowed from the input string.
///
/// Only [`Uri::parse`] makes one, so every part has been checked against RFC 3986.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Uri<'a> {
    scheme: &'a str,
    host: &'a str,
    port: Option<u16>,
    path: &'a str,
    query: Option<&'a str>,
    fragment: Option<&'a str>,
}

/// The part of a URL that an error refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UriPart {
    /// The scheme, before `://`.
    Scheme,
    /// The host name or IP literal.
    Host,
    /// The path, from the first `/` after the authority.
    Path,
    /// The query, after `?`.
    Query,
    /// The fragment, after `#`.
    Fragment,
}

impl fmt::Display for UriPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UriPart::Scheme => "scheme",
            UriPart::Host => "host",
            UriPart::Path => "path",
            UriPart::Query => "query",
            UriPart::Fragment => "fragment",
        })
    }
}

/// Why a string is not an absolute URL Latchkey accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UriError {
    /// No `scheme://` prefix: relative references are not accepted.
    #[error("URL has no scheme (expected an absolute URL such as https://host/path)")]
    MissingScheme,
    /// The scheme is empty or has a character RFC 3986 §3.1 does not allow.
    #[error("URL scheme is not valid")]
    InvalidScheme,
    /// The scheme is not followed by `//` and an authority.
    #[error("URL has no authority (expected scheme://host)")]
    MissingAuthority,
    /// The authority contains `user@`.
    #[error("URL must not contain user information (user@host)")]
    UserinfoNotAllowed,
    /// The host is empty.
    #[error("URL host is empty")]
    EmptyHost,
    /// An IP literal is not closed, or has characters other than hex digits, `:` and `.`.
    #[error("URL host IP literal is malformed")]
    InvalidIpLiteral,
    /// The port is not a decimal number in 1..=65535.
    #[error("URL port {0:?} is not a number in 1..=65535")]
    InvalidPort(String),
    /// A character that RFC 3986 does not allow in this part.
    #[error(
        "URL {part} has a character that must be percent-encoded: {character:?} at byte {index}"
    )]
    InvalidCharacter {
        /// The part the character is in.
        part: UriPart,
        /// The offending character.
        character: char,
        /// Its byte offset in the whole URL.
        index: usize,
    },
    /// A `%` that is not followed by two hex digits.
    #[error("URL {part} has a malformed percent escape at byte {index}")]
    BadPercentEscape {
        /// The part the escape is in.
        part: UriPart,
        /// The byte offset of the `%` in the whole URL.
        index: usize,
    },
}

impl<'a> Uri<'a> {
    /// Splits an absolute URL (`scheme://host[:port][/path][?query][#fragment]`).
    ///
    /// See the [module docs](self) for what is rejected.
    pub fn parse(input: &'a str) -> Result<Self, UriError> {
        let scheme_end = input.find(':').ok_or(UriError::MissingScheme)?;
        let scheme = &input[..scheme_end];
        // RFC 3986 §3.1: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
        let mut scheme_chars = scheme.bytes();
        match scheme_chars.next() {
            Some(first) if first.is_ascii_alphabetic() => {}
            _ => return Err(UriError::InvalidScheme),
        }
        if !scheme_chars.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')) {
            return Err(UriError::InvalidScheme);
        }
        let after_scheme = &input[scheme_end + 1..];
        let Some(rest) = after_scheme.strip_prefix("//") else {
            return Err(UriError::MissingAuthority);
        };
        let authority_start = scheme_end + 3;

        // The authority ends at the first "/", "?" or "#" (RFC 3986 §3.2).
        let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let authority = &rest[..authority_len];
        let (host, port) = split_authority(authority, authority_start)?;

        let rest = &rest[authority_len..];
        let rest_start = authority_start + authority_len;
        let (before_fragment, fragment) = match rest.find('#') {
            Some(i) => (&rest[..i], Some((&rest[i + 1..], rest_start + i + 1))),
            None => (rest, None),
        };
        let (path, query) = match before_fragment.find('?') {
            Some(i) => (
                &before_fragment[..i],
                Some((&before_fragment[i + 1..], rest_start + i + 1)),
            ),
            None => (before_fragment, None),
        };
        check_chars(path, rest_start, UriPart::Path, is_path_char)?;
        if let Some((query, start)) = query {
            check_chars(query, start, UriPart::Query, is_query_char)?;
        }
        if let Some((fragment, start)) = fragment {
            check_chars(fragment, start, UriPart::Fragment, is_query_char)?;
        }
        Ok(Uri {
            scheme,
            host,
            port,
            path,
            query: query.map(|(q, _)| q),
            fragment: fragment.map(|(f, _)| f),
        })
    }

    /// The scheme as written (compare case-insensitively, RFC 3986 §3.1).
    pub fn scheme(&self) -> &'a str {
        self.scheme
    }

    /// The host as written: a registered name, an IPv4 address or a bracketed IP literal.
    pub fn host(&self) -> &'a str {
        self.host
    }

    /// The explicit port, if the URL has one (an empty port, `host:`, counts as none).
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The default port of the scheme, for `http` (80) and `https` (443).
    pub fn default_port(&self) -> Option<u16> {
        if self.scheme.eq_ignore_ascii_case("http") {
            Some(80)
        } else if self.scheme.eq_ignore_ascii_case("https") {
            Some(443)
        } else {
            None
        }
    }

    /// The path as written, possibly empty, still percent-encoded.
    pub fn path(&self) -> &'a str {
        self.path
    }

    /// The query without the `?`, still encoded; `None` when there is no `?`.
    pub fn query(&self) -> Option<&'a str> {
        self.query
    }

    /// The fragment without the `#`; `None` when there is no `#`.
    pub fn fragment(&self) -> Option<&'a str> {
        self.fragment
    }
}

impl fmt::Debug for Uri<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A query can carry tokens: show only whether there is one.
        f.debug_struct("Uri")
            .field("scheme", &self.scheme)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("path", &self.path)
            .field("has_query", &self.query.is_some())
            .finish()
    }
}

fn split_authority(authority: &str, start: usize) -> Result<(&str, Option<u16>), UriError> {
    if authority.contains('@') {
        return Err(UriError::UserinfoNotAllowed);
    }
    let (host, port) = if authority.starts_with('[') {
        let close = authority.find(']').ok_or(UriError::InvalidIpLiteral)?;
        let literal = &authority[1..close];
        if literal.is_empty()
            || !literal
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || matches!(b, b':' | b'.'))
        {
            return Err(UriError::InvalidIpLiteral);
        }
        let after = &authority[close + 1..];
        let port = match after.strip_prefix(':') {
            Some(port) => Some(port),
            None if after.is_empty() => None,
            None => return Err(UriError::InvalidIpLiteral),
        };
        (&authority[..=close], port)
    } else {
        match authority.rfind(':') {
            Some(i) => (&authority[..i], Some(&authority[i + 1..])),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err(UriError::EmptyHost);
    }
    if !host.starts_with('[') {
        // A registered name or IPv4 address; percent-encoded host names are legal in RFC 3986
        // but no provider uses them, and decoding them would need IDNA rules.
        check_chars(host, start, UriPart::Host, |b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
        })?;
    }
    let port = match port {
        None | Some("") => None,
        Some(digits) => Some(parse_port(digits)?),
    };
    Ok((host, port))
}

fn parse_port(digits: &str) -> Result<u16, UriError> {
    let invalid = || UriError::InvalidPort(digits.chars().take(16).collect());
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    match digits.parse::<u16>() {
        Ok(0) | Err(_) => Err(invalid()),
        Ok(port) => Ok(port),
    }
}

/// RFC 3986 unreserved / sub-delims / ":" / "@" (the pchar set without pct-encoded).
const fn is_pchar(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'.'
                | b'_'
                | b'~'
                | b'!'
                | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'@'
        )
}

/// The bytes allowed as they are: `pchar` (without `%`) plus `extra`. Tables rather than the
/// `matches!` per byte, because the companion checks the URL of every request it signs.
const fn char_table(extra: &[u8]) -> [bool; 256] {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = is_pchar(b as u8);
        b += 1;
    }
    let mut i = 0;
    while i < extra.len() {
        table[extra[i] as usize] = true;
        i += 1;
    }
    table
}

/// Path: `*( pchar / "/" )` (RFC 3986 §3.3).
const PATH_CHARS: [bool; 256] = char_table(b"/");
/// Query and fragment: `*( pchar / "/" / "?" )` (RFC 3986 §3.4, §3.5).
const QUERY_CHARS: [bool; 256] = char_table(b"/?");

fn is_path_char(b: u8) -> bool {
    PATH_CHARS[usize::from(b)]
}

fn is_query_char(b: u8) -> bool {
    QUERY_CHARS[usize::from(b)]
}

/// Every byte of `text` is `allowed` or (outside the host) a well-formed `%XY` escape.
fn check_chars(
    text: &str,
    start: usize,
    part: UriPart,
    allowed: impl Fn(u8) -> bool,
) -> Result<(), UriError> {
    let bytes = text.as_bytes();
    let mut i = 0;
    // Runs of allowed bytes are skipped in one scan; only the byte that ends a run is looked
    // at closely.
    while let Some(run) = bytes
        .get(i..)
        .and_then(|rest| rest.iter().position(|&b| !allowed(b)))
    {
        i += run;
        if bytes[i] == b'%' && part != UriPart::Host {
            let hex = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_hexdigit);
            if !(hex(i + 1) && hex(i + 2)) {
                return Err(UriError::BadPercentEscape {
                    part,
                    index: start + i,
                });
            }
            i += 3;
        } else {
            // Every allowed byte is ASCII, so `i` starts a character.
            let character = text
                .get(i..)
                .and_then(|t| t.chars().next())
                .unwrap_or('\u{fffd}');
            return Err(UriError::InvalidCharacter {
                part,
                character,
                index: start + i,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_every_part() {
        let uri = Uri::parse("http://example.com:8080/p/a;t%20h?q=1&r=%2F#frag?x").unwrap();
        assert_eq!(uri.scheme(), "http");
        assert_eq!(uri.host(), "example.com");
        assert_eq!(uri.port(), Some(8080));
        assert_eq!(uri.path(), "/p/a;t%20h");
        assert_eq!(uri.query(), Some("q=1&r=%2F"));
        assert_eq!(uri.fragment(), Some("frag?x"));
    }

    #[test]
    fn empty_path_query_and_port() {
        let uri = Uri::parse("https://h:?").unwrap();
        assert_eq!(uri.host(), "h");
        assert_eq!(uri.port(), None);
        assert_eq!(uri.path(), "");
        assert_eq!(uri.query(), Some(""));
        assert_eq!(uri.default_port(), Some(443));
        let uri = Uri::parse("https://h#f").unwrap();
        assert_eq!(uri.path(), "");
        assert_eq!(uri.query(), None);
    }

    #[test]
    fn ip_literals() {
        let uri = Uri::parse("http://[::1]:9000/x").unwrap();
        assert_eq!(uri.host(), "[::1]");
        assert_eq!(uri.port(), Some(9000));
        assert_eq!(
            Uri::parse("http://[::1/").unwrap_err(),
            UriError::InvalidIpLiteral
        );
        assert_eq!(
            Uri::parse("http://[zz]/").unwrap_err(),
            UriError::InvalidIpLiteral
        );
        assert_eq!(
            Uri::parse("http://[::1]x/").unwrap_err(),
            UriError::InvalidIpLiteral
        );
        assert_eq!(
            Uri::parse("http://127.0.0.1:8080").unwrap().host(),
            "127.0.0.1"
        );
    }

    #[test]
    fn rejects_what_it_should() {
        assert_eq!(
            Uri::parse("example.com/x").unwrap_err(),
            UriError::MissingScheme
        );
        assert_eq!(
            Uri::parse("1http://x").unwrap_err(),
            UriError::InvalidScheme
        );
        assert_eq!(Uri::parse("://x").unwrap_err(), UriError::InvalidScheme);
        assert_eq!(
            Uri::parse("mailto:a@b").unwrap_err(),
            UriError::MissingAuthority
        );
        assert_eq!(
            Uri::parse("https://u:p@h/").unwrap_err(),
            UriError::UserinfoNotAllowed
        );
        assert_eq!(Uri::parse("https:///x").unwrap_err(), UriError::EmptyHost);
        assert_eq!(
            Uri::parse("https://:80/x").unwrap_err(),
            UriError::EmptyHost
        );
        for port in ["0", "65536", "8o", "-1", "99999999999999999999"] {
            assert!(matches!(
                Uri::parse(&format!("http://h:{port}/")).unwrap_err(),
                UriError::InvalidPort(_)
            ));
        }
        assert_eq!(
            Uri::parse("http://h/a b").unwrap_err(),
            UriError::InvalidCharacter {
                part: UriPart::Path,
                character: ' ',
                index: 10
            }
        );
        assert_eq!(
            Uri::parse("http://h/?q=é").unwrap_err(),
            UriError::InvalidCharacter {
                part: UriPart::Query,
                character: 'é',
                index: 12
            }
        );
        assert_eq!(
            Uri::parse("http://h/%zz").unwrap_err(),
            UriError::BadPercentEscape {
                part: UriPart::Path,
                index: 9
            }
        );
        assert_eq!(
            Uri::parse("http://h/?a=%4").unwrap_err(),
            UriError::BadPercentEscape {
                part: UriPart::Query,
                index: 12
            }
        );
        assert!(matches!(
            Uri::parse("http://h%41/").unwrap_err(),
            UriError::InvalidCharacter {
                part: UriPart::Host,
                ..
            }
        ));
        assert!(matches!(
            Uri::parse("http://h/#a#b").unwrap_err(),
            UriError::InvalidCharacter {
                part: UriPart::Fragment,
                ..
            }
        ));
    }

    #[test]
    fn debug_hides_the_query() {
        let uri = Uri::parse("https://h/cb?oauth_token=secretish").unwrap();
        assert!(!format!("{uri:?}").contains("secretish"));
    }
}
