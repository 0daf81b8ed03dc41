//! The redirect URI: where the provider sends the browser back with the authorization
//! response (RFC 6749 §3.1.2), and what the token request must repeat (§4.1.3).
//!
//! A provider entry may name its own (`redirect_uri` in `latchkey.toml` and in
//! `/latchkey.json`), so that any page of a static site can finish the sign-in, such as
//! `https://me.github.io/blog/callback.html`. Without one it is [`default_for`]
//! `<public_url>/callback/<id>`: each provider its own, so that a response is only taken
//! for the provider whose URI it arrived on (RFC 9700 §4.4.2, the mix-up defence for
//! providers that send no `iss`). [`check`] is the one policy for a configured value: the
//! companion's `config check` applies it to the TOML, and the browser applies it again before
//! a sign-in starts, so a hand-written `/latchkey.json` fails in words instead of at the
//! provider.
//!
//! ```
//! use latchkey_proto::public_config::Protocol;
//! use latchkey_proto::redirect_uri::{check, default_for, RedirectUriError};
//! assert_eq!(default_for("https://site.example/", "gh"), "https://site.example/callback/gh");
//! assert!(check(Protocol::Oauth2, "gh", "https://me.github.io/blog/callback.html").is_ok());
//! assert!(check(Protocol::Oidc, "dot", "http://127.0.0.1:8080/callback").is_ok());
//! assert_eq!(
//!     check(Protocol::Oauth2, "gh", "http://me.github.io/callback"),
//!     Err(RedirectUriError::PlainHttp { host: "me.github.io".into() })
//! );
//! ```

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::public_config::Protocol;
use crate::uri::{Uri, UriError};

/// The path of the default redirect URI, under `public_url` (or, on a hand-written
/// `/latchkey.json` without one, the page's own origin).
pub const DEFAULT_PATH: &str = "/callback";

/// `<base>/callback/<provider_id>`, without a doubled slash when `base` ends with one.
pub fn default_for(base: &str, provider_id: &str) -> String {
    format!("{}{DEFAULT_PATH}/{provider_id}", base.trim_end_matches('/'))
}

/// Why a configured `redirect_uri` cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RedirectUriError {
    /// No scheme: a relative reference such as `/callback` or `callback.html`. The provider
    /// compares the redirect URI with the registered one as a whole string, so the page's
    /// origin cannot be filled in for it.
    #[error(
        "is relative; write the whole URL the provider returns to (like \"https://example.org/callback\")"
    )]
    Relative,
    /// A scheme other than `https` or `http`, or no `//host`.
    #[error("must start with https:// (or http:// on a loopback host)")]
    NotHttp,
    /// Plain `http` on a host that is not loopback: the code would cross the network
    /// unencrypted (RFC 9700 §2.6 asks that authorization responses never do).
    #[error("uses plain http on {host:?}, which is not a loopback host; use https (http is accepted only on 127.0.0.0/8, [::1] and localhost)")]
    PlainHttp {
        /// The host as written.
        host: String,
    },
    /// Has a `#fragment`, which RFC 6749 §3.1.2 forbids in a redirection endpoint.
    #[error("must not have a fragment (RFC 6749 §3.1.2)")]
    Fragment,
    /// Breaks the RFC 3986 grammar (user information, a character to percent-encode, a bad
    /// port), as [`Uri::parse`] reports it.
    #[error("is not a valid URL: {0}")]
    Invalid(UriError),
    /// Set on an OAuth 1.0a provider, whose callback is the companion's own route.
    #[error("does not apply to protocol \"oauth1\": the provider returns to the companion's own /oauth1/{id}/callback (register <public_url>/oauth1/{id}/callback there)")]
    NotForOauth1 {
        /// The provider's id.
        id: String,
    },
}

/// Checks the `redirect_uri` configured for provider `id` speaking `protocol`: an absolute
/// `https` URL, or `http` on a loopback host (127.0.0.0/8 and `[::1]`, the exception
/// RFC 9700 §2.6 keeps from RFC 8252 §7.3, and `localhost`, for local development), without
/// a fragment. A query is allowed (RFC 6749 §3.1.2); the provider adds its parameters to it.
pub fn check(protocol: Protocol, id: &str, uri: &str) -> Result<(), RedirectUriError> {
    if protocol == Protocol::Oauth1 {
        return Err(RedirectUriError::NotForOauth1 { id: id.to_owned() });
    }
    let parsed = Uri::parse(uri).map_err(|e| match e {
        UriError::MissingScheme | UriError::InvalidScheme => RedirectUriError::Relative,
        UriError::MissingAuthority => RedirectUriError::NotHttp,
        other => RedirectUriError::Invalid(other),
    })?;
    let scheme = parsed.scheme();
    if scheme.eq_ignore_ascii_case("http") {
        if !is_loopback(parsed.host()) {
            return Err(RedirectUriError::PlainHttp {
                host: parsed.host().to_owned(),
            });
        }
    } else if !scheme.eq_ignore_ascii_case("https") {
        return Err(RedirectUriError::NotHttp);
    }
    if parsed.fragment().is_some() {
        return Err(RedirectUriError::Fragment);
    }
    Ok(())
}

/// `localhost`, an IPv4 address in 127.0.0.0/8, or `[::1]`. Names that merely resolve to
/// loopback (`127.0.0.1.nip.io`) do not count: what they resolve to is up to DNS.
/// True for `localhost`, an IPv4 address in 127.0.0.0/8 and `[::1]`: hosts whose traffic
/// never leaves the machine.
pub fn is_loopback(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    if let Some(literal) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return literal.parse::<Ipv6Addr>().is_ok_and(|a| a.is_loopback());
    }
    host.parse::<Ipv4Addr>().is_ok_and(|a| a.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oauth2(uri: &str) -> Result<(), RedirectUriError> {
        check(Protocol::Oauth2, "p", uri)
    }

    #[test]
    fn the_default_is_one_per_provider_under_the_base_without_a_doubled_slash() {
        assert_eq!(
            default_for("https://site.example", "dot"),
            "https://site.example/callback/dot"
        );
        assert_eq!(
            default_for("https://site.example/", "gh"),
            "https://site.example/callback/gh"
        );
    }

    #[test]
    fn https_anywhere_and_http_on_loopback_are_accepted() {
        for ok in [
            "https://me.github.io/blog/callback.html",
            "https://me.github.io/",
            "HTTPS://Site.Example:8443/a?page=signin",
            "http://127.0.0.1:8080/callback",
            "http://127.8.9.10/callback",
            "http://[::1]:8080/callback",
            "http://localhost:3000/",
            "http://LOCALHOST/cb",
        ] {
            assert_eq!(oauth2(ok), Ok(()), "{ok}");
            assert_eq!(check(Protocol::Oidc, "p", ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn relative_urls_are_refused() {
        for bad in ["/callback", "callback.html", "//site.example/callback", ""] {
            assert_eq!(oauth2(bad), Err(RedirectUriError::Relative), "{bad:?}");
        }
    }

    #[test]
    fn plain_http_off_loopback_is_refused_naming_the_host() {
        for (bad, host) in [
            ("http://me.github.io/callback", "me.github.io"),
            ("http://192.168.1.5:8080/callback", "192.168.1.5"),
            ("http://127.0.0.1.nip.io/callback", "127.0.0.1.nip.io"),
            ("http://[::2]/callback", "[::2]"),
            ("http://localhost.example/callback", "localhost.example"),
        ] {
            assert_eq!(
                oauth2(bad),
                Err(RedirectUriError::PlainHttp { host: host.into() }),
                "{bad}"
            );
        }
    }

    #[test]
    fn fragments_other_schemes_and_malformed_urls_are_refused() {
        assert_eq!(
            oauth2("https://site.example/cb#top"),
            Err(RedirectUriError::Fragment)
        );
        assert_eq!(
            oauth2("https://site.example/cb#"),
            Err(RedirectUriError::Fragment)
        );
        assert_eq!(
            oauth2("ftp://site.example/cb"),
            Err(RedirectUriError::NotHttp)
        );
        assert_eq!(oauth2("mailto:me"), Err(RedirectUriError::NotHttp));
        assert_eq!(
            oauth2("https://user@site.example/cb"),
            Err(RedirectUriError::Invalid(UriError::UserinfoNotAllowed))
        );
        assert!(matches!(
            oauth2("https://site.example/a b"),
            Err(RedirectUriError::Invalid(UriError::InvalidCharacter { .. }))
        ));
    }

    #[test]
    fn oauth1_providers_take_none_and_the_error_names_their_callback() {
        let err = check(Protocol::Oauth1, "flask", "https://site.example/cb").unwrap_err();
        assert_eq!(err, RedirectUriError::NotForOauth1 { id: "flask".into() });
        assert!(err.to_string().contains("/oauth1/flask/callback"), "{err}");
    }
}
