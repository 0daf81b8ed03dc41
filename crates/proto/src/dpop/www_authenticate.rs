//! A strict reader of `WWW-Authenticate` challenges (RFC 9110 §11.6.1), enough to find a
//! resource server's `DPoP error="use_dpop_nonce"` (RFC 9449 §9) among other challenges.
//!
//! ```text
//! WWW-Authenticate = #challenge
//! challenge        = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
//! auth-param       = token BWS "=" BWS ( token / quoted-string )
//! token68          = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
//! ```
//!
//! Commas separate both challenges and parameters; a comma followed by `token =` continues the
//! parameters, a comma followed by anything else starts the next challenge.

/// One challenge: its scheme as written and its parameters (a token68 is kept as no
/// parameter: no scheme this module reads uses one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Challenge {
    pub(crate) scheme: String,
    pub(crate) params: Vec<(String, String)>,
}

impl Challenge {
    /// The value of a parameter; names are case-insensitive (RFC 9110 §11.2).
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Splits one header value into challenges; `Err` when it breaks the grammar.
pub(crate) fn parse(value: &str) -> Result<Vec<Challenge>, ()> {
    let mut c = Cursor {
        s: value.as_bytes(),
        i: 0,
    };
    let mut out = Vec::new();
    loop {
        c.skip_list_separators();
        if c.at_end() {
            return Ok(out);
        }
        let scheme = c.token().ok_or(())?;
        let mut challenge = Challenge {
            scheme,
            params: Vec::new(),
        };
        let spaced = c.skip(|b| b == b' ');
        c.skip_ows();
        if spaced && !c.at_end() && c.peek() != Some(b',') && !c.token68() {
            c.params(&mut challenge.params)?;
        }
        c.skip_ows();
        if !c.at_end() && c.peek() != Some(b',') {
            return Err(());
        }
        out.push(challenge);
    }
}

struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

impl Cursor<'_> {
    fn at_end(&self) -> bool {
        self.i >= self.s.len()
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    /// Skips bytes while `f` holds; true when at least one was skipped.
    fn skip(&mut self, f: impl Fn(u8) -> bool) -> bool {
        let start = self.i;
        while self.peek().is_some_and(&f) {
            self.i += 1;
        }
        self.i > start
    }

    fn skip_ows(&mut self) {
        self.skip(|b| b == b' ' || b == b'\t');
    }

    /// OWS and commas: RFC 9110 §5.6.1 lets a list carry empty elements.
    fn skip_list_separators(&mut self) {
        self.skip(|b| b == b' ' || b == b'\t' || b == b',');
    }

    fn token(&mut self) -> Option<String> {
        let start = self.i;
        self.skip(is_tchar);
        (self.i > start).then(|| String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
    }

    /// Consumes a token68 when one stands here alone (followed by the end or a comma);
    /// otherwise leaves the cursor where it was.
    fn token68(&mut self) -> bool {
        let start = self.i;
        let body = self.skip(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b));
        self.skip(|b| b == b'=');
        let end = self.i;
        self.skip_ows();
        if body && (self.at_end() || self.peek() == Some(b',')) {
            self.i = end;
            true
        } else {
            self.i = start;
            false
        }
    }

    fn quoted_string(&mut self) -> Option<String> {
        if self.peek() != Some(b'"') {
            return None;
        }
        self.i += 1;
        let mut out = Vec::new();
        loop {
            match self.peek()? {
                b'"' => {
                    self.i += 1;
                    return Some(String::from_utf8_lossy(&out).into_owned());
                }
                b'\\' => {
                    self.i += 1;
                    let b = self
                        .peek()
                        .filter(|&b| b == b'\t' || b >= 0x20 && b != 0x7f)?;
                    out.push(b);
                    self.i += 1;
                }
                b if b == b'\t' || (b >= 0x20 && b != 0x7f) => {
                    out.push(b);
                    self.i += 1;
                }
                _ => return None,
            }
        }
    }

    /// `#auth-param`, stopping before a comma that starts the next challenge.
    fn params(&mut self, params: &mut Vec<(String, String)>) -> Result<(), ()> {
        loop {
            let name = self.token().ok_or(())?;
            self.skip_ows();
            if self.peek() != Some(b'=') {
                return Err(());
            }
            self.i += 1;
            self.skip_ows();
            let value = match self.peek() {
                Some(b'"') => self.quoted_string(),
                _ => self.token(),
            }
            .ok_or(())?;
            params.push((name, value));

            let before_comma = self.i;
            self.skip_ows();
            if self.peek() != Some(b',') {
                return Ok(());
            }
            self.skip_list_separators();
            let next = self.i;
            let continues = self.token().is_some() && {
                self.skip_ows();
                self.peek() == Some(b'=')
            };
            self.i = if continues { next } else { before_comma };
            if !continues {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schemes(v: &str) -> Vec<(String, Vec<(String, String)>)> {
        parse(v)
            .unwrap()
            .into_iter()
            .map(|c| (c.scheme, c.params))
            .collect()
    }

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn one_challenge_with_quoted_and_token_values() {
        assert_eq!(
            schemes(r#"DPoP error="use_dpop_nonce", error_description="needs \"nonce\"""#),
            vec![(
                "DPoP".into(),
                p(&[
                    ("error", "use_dpop_nonce"),
                    ("error_description", r#"needs "nonce""#)
                ])
            )]
        );
        assert_eq!(
            schemes("DPoP error = use_dpop_nonce"),
            vec![("DPoP".into(), p(&[("error", "use_dpop_nonce")]))]
        );
    }

    #[test]
    fn several_challenges_and_token68() {
        // RFC 9110 §11.6.1's own example, plus a token68 challenge and empty list elements.
        let v = r#"Basic realm="simple", Newauth realm="apps", type=1, title="Login to \"apps\"", , Negotiate abc+/== ,DPoP algs="ES256""#;
        assert_eq!(
            schemes(v),
            vec![
                ("Basic".into(), p(&[("realm", "simple")])),
                (
                    "Newauth".into(),
                    p(&[
                        ("realm", "apps"),
                        ("type", "1"),
                        ("title", r#"Login to "apps""#)
                    ])
                ),
                ("Negotiate".into(), vec![]),
                ("DPoP".into(), p(&[("algs", "ES256")])),
            ]
        );
        assert_eq!(
            schemes("Bearer, DPoP"),
            vec![("Bearer".into(), vec![]), ("DPoP".into(), vec![])]
        );
        assert!(schemes("").is_empty());
        // A lone word after the scheme is a token68, not a parameter without a value.
        assert_eq!(schemes("DPoP error="), vec![("DPoP".into(), vec![])]);
    }

    #[test]
    fn parameter_names_are_case_insensitive() {
        let c = &parse("DPoP ERROR=use_dpop_nonce").unwrap()[0];
        assert_eq!(c.param("error"), Some("use_dpop_nonce"));
    }

    #[test]
    fn malformed_values_are_refused() {
        for v in [
            r#"DPoP error="open"#,
            "DPoP =x",
            r#"DPoP error="a" junk"#,
            "\"DPoP\"",
            "DPoP error=a b",
            "DPoP error=\"a\u{7f}\"",
            "DPoP error=\"a\\",
        ] {
            assert_eq!(parse(v), Err(()), "{v}");
        }
    }
}
