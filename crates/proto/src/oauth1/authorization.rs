//! The `Authorization: OAuth …` header ([RFC 5849 §3.5.1]).
//!
//! Built as `OAuth realm="…", name="value", …`: parameter names and values percent-encoded
//! (§3.6) and quoted; `realm` is an RFC 2617 quoted-string, so it is not percent-encoded and
//! `"` and `\` in it are backslash-escaped. Parsing accepts what servers and clients send: the
//! scheme name in any case, optional whitespace around `,` and `=`, and rejects duplicate
//! parameters and broken quoting with a typed error.
//!
//! [RFC 5849 §3.5.1]: https://www.rfc-editor.org/rfc/rfc5849#section-3.5.1

use super::percent::{self, encode_str_into, DecodeError};

/// Builds an `Authorization` header value from (unencoded) protocol parameters, in the order
/// given, with an optional realm first.
///
/// ```
/// use latchkey_proto::oauth1::authorization::build;
/// assert_eq!(
///     build(Some("Photos"), &[("oauth_consumer_key", "k y"), ("oauth_nonce", "n")]),
///     r#"OAuth realm="Photos", oauth_consumer_key="k%20y", oauth_nonce="n""#
/// );
/// ```
pub fn build<N: AsRef<str>, V: AsRef<str>>(realm: Option<&str>, params: &[(N, V)]) -> String {
    let len: usize = params
        .iter()
        .map(|(n, v)| n.as_ref().len() + v.as_ref().len() * 3 + 5)
        .sum();
    let mut out = String::with_capacity(len + 16);
    out.push_str("OAuth ");
    let mut first = true;
    if let Some(realm) = realm {
        out.push_str("realm=\"");
        for c in realm.chars() {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('"');
        first = false;
    }
    for (name, value) in params {
        if !first {
            out.push_str(", ");
        }
        first = false;
        encode_str_into(&mut out, name.as_ref());
        out.push_str("=\"");
        encode_str_into(&mut out, value.as_ref());
        out.push('"');
    }
    out
}

/// A parsed `Authorization: OAuth` header.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuthorizationParams {
    /// The `realm`, if present (not percent-decoded: it is not percent-encoded on the wire).
    pub realm: Option<String>,
    /// The other parameters, percent-decoded, in header order.
    pub params: Vec<(String, String)>,
}

impl AuthorizationParams {
    /// The value of a parameter, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Why an `Authorization` header is not a valid OAuth 1.0a header.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthorizationParseError {
    /// The auth-scheme is not `OAuth`.
    #[error("Authorization header does not use the OAuth scheme")]
    NotOAuthScheme,
    /// A parameter appears twice (§3.5.1 allows each once).
    #[error("Authorization header repeats parameter {0:?}")]
    DuplicateParam(String),
    /// A parameter has no `="value"` or its quotes are broken, at this byte offset.
    #[error("Authorization header is badly quoted at byte {0}")]
    BadQuoting(usize),
    /// A parameter name or value has a bad percent escape or is not UTF-8.
    #[error("Authorization header parameter {name:?}: {error}")]
    BadEncoding {
        /// The parameter (as written).
        name: String,
        /// What was wrong.
        error: DecodeError,
    },
}

/// Parses an `Authorization` header value (`OAuth name="value", …`).
///
/// ```
/// use latchkey_proto::oauth1::authorization::parse;
/// let p = parse(r#"OAuth realm="Photos", oauth_token="a%2Fb""#).unwrap();
/// assert_eq!(p.realm.as_deref(), Some("Photos"));
/// assert_eq!(p.get("oauth_token"), Some("a/b"));
/// ```
pub fn parse(header: &str) -> Result<AuthorizationParams, AuthorizationParseError> {
    let header = header.trim_start();
    let scheme_end = header.find([' ', '\t']).unwrap_or(header.len());
    if !header[..scheme_end].eq_ignore_ascii_case("OAuth") {
        return Err(AuthorizationParseError::NotOAuthScheme);
    }
    let offset = header.len() - header[scheme_end..].len();
    let mut cursor = Cursor {
        text: header.as_bytes(),
        pos: offset,
    };
    let mut out = AuthorizationParams::default();
    let mut seen_realm = false;
    // A set, not a scan of `out.params`: a header with thousands of parameters must not cost
    // quadratic time (found by the hardening work on `form::parse_unique`).
    let mut seen = std::collections::HashSet::new();
    loop {
        cursor.skip_ws();
        if cursor.at_end() {
            break;
        }
        let name_start = cursor.pos;
        while cursor
            .peek()
            .is_some_and(|b| b != b'=' && b != b',' && !is_ws(b))
        {
            cursor.pos += 1;
        }
        let name = &header[name_start..cursor.pos];
        cursor.skip_ws();
        if name.is_empty() || !cursor.eat(b'=') {
            return Err(AuthorizationParseError::BadQuoting(cursor.pos));
        }
        cursor.skip_ws();
        let value = cursor.quoted_string()?;
        if name == "realm" {
            if seen_realm {
                return Err(AuthorizationParseError::DuplicateParam(name.to_owned()));
            }
            seen_realm = true;
            out.realm = Some(value);
        } else {
            let decode = |text: &str| {
                percent::decode(text).map_err(|error| AuthorizationParseError::BadEncoding {
                    name: name.chars().take(64).collect(),
                    error,
                })
            };
            let (name, value) = (decode(name)?, decode(&value)?);
            if !seen.insert(name.clone()) {
                return Err(AuthorizationParseError::DuplicateParam(name));
            }
            out.params.push((name, value));
        }
        cursor.skip_ws();
        if cursor.at_end() {
            break;
        }
        if !cursor.eat(b',') {
            return Err(AuthorizationParseError::BadQuoting(cursor.pos));
        }
    }
    Ok(out)
}

fn is_ws(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

struct Cursor<'a> {
    text: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }
    fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }
    fn skip_ws(&mut self) {
        while self.peek().is_some_and(is_ws) {
            self.pos += 1;
        }
    }
    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    /// An RFC 9110 quoted-string; returns its content with `\x` escapes resolved.
    fn quoted_string(&mut self) -> Result<String, AuthorizationParseError> {
        let open = self.pos;
        if !self.eat(b'"') {
            return Err(AuthorizationParseError::BadQuoting(open));
        }
        let mut value = Vec::new();
        loop {
            match self.peek() {
                None => return Err(AuthorizationParseError::BadQuoting(open)),
                Some(b'"') => {
                    self.pos += 1;
                    break;
                }
                Some(b'\\') => {
                    let escaped = self.text.get(self.pos + 1).copied();
                    match escaped {
                        Some(b) => value.push(b),
                        None => return Err(AuthorizationParseError::BadQuoting(self.pos)),
                    }
                    self.pos += 2;
                }
                Some(b) => {
                    value.push(b);
                    self.pos += 1;
                }
            }
        }
        // The input was a &str and escapes only drop ASCII backslashes, so this is UTF-8.
        String::from_utf8(value).map_err(|_| AuthorizationParseError::BadQuoting(open))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_rfc_example_shape() {
        let header = build(
            Some("Example"),
            &[
                ("oauth_consumer_key", "0685bd9184jfhq22"),
                ("oauth_signature", "wOJIO9A2W5mFwDgiDvZbTSMK/PY="),
            ],
        );
        assert_eq!(
            header,
            "OAuth realm=\"Example\", oauth_consumer_key=\"0685bd9184jfhq22\", \
             oauth_signature=\"wOJIO9A2W5mFwDgiDvZbTSMK%2FPY%3D\""
        );
        assert_eq!(build::<&str, &str>(None, &[]), "OAuth ");
        assert_eq!(
            build(Some(r#"a"b\c"#), &[("x", "y")]),
            r#"OAuth realm="a\"b\\c", x="y""#
        );
    }

    #[test]
    fn parses_loose_whitespace_and_case() {
        let p = parse("oauth   realm = \"R\" ,oauth_nonce=\"a%20b\",\toauth_x=\"\"  ").unwrap();
        assert_eq!(p.realm.as_deref(), Some("R"));
        assert_eq!(
            p.params,
            vec![
                ("oauth_nonce".into(), "a b".into()),
                ("oauth_x".into(), String::new())
            ]
        );
    }

    #[test]
    fn header_with_many_parameters_is_parsed_in_linear_time() {
        // Was a pairwise duplicate scan: 5,000 parameters took seconds in a debug build.
        let params: Vec<String> = (0..50_000).map(|i| format!("p{i}=\"v\"")).collect();
        let header = format!("OAuth {}", params.join(", "));
        let started = std::time::Instant::now();
        let parsed = parse(&header).unwrap();
        assert_eq!(parsed.params.len(), 50_000);
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        let duplicated = format!("{header}, p49999=\"w\"");
        assert_eq!(
            parse(&duplicated),
            Err(AuthorizationParseError::DuplicateParam("p49999".into()))
        );
    }

    #[test]
    fn parse_errors_are_typed() {
        use AuthorizationParseError::*;
        assert_eq!(parse("Bearer abc"), Err(NotOAuthScheme));
        assert_eq!(parse("OAuthx a=\"b\""), Err(NotOAuthScheme));
        assert_eq!(
            parse(r#"OAuth a="1", a="2""#),
            Err(DuplicateParam("a".into()))
        );
        assert_eq!(
            parse(r#"OAuth realm="1", realm="2""#),
            Err(DuplicateParam("realm".into()))
        );
        assert_eq!(parse(r#"OAuth a=1"#), Err(BadQuoting(8)));
        assert_eq!(parse(r#"OAuth a="1"#), Err(BadQuoting(8)));
        assert_eq!(parse(r#"OAuth a="1" b="2""#), Err(BadQuoting(12)));
        assert_eq!(parse(r#"OAuth ="1""#), Err(BadQuoting(6)));
        assert!(matches!(parse(r#"OAuth a="%zz""#), Err(BadEncoding { .. })));
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn build_then_parse_round_trips(
                realm in proptest::option::of(".{0,12}"),
                params in proptest::collection::btree_map("[a-z_]{1,8}|.{1,6}", ".{0,12}", 0..6),
            ) {
                prop_assume!(!params.contains_key("realm"));
                let params: Vec<(String, String)> = params.into_iter().collect();
                let header = build(realm.as_deref(), &params);
                let parsed = parse(&header).unwrap();
                prop_assert_eq!(parsed.realm, realm);
                prop_assert_eq!(parsed.params, params);
            }

            #[test]
            fn parse_never_panics(s in "(OAuth )?.{0,60}") {
                let _ = parse(&s);
            }
        }
    }
}
