//! Where the companion answers: the page's own origin (the default), or the origin in
//! `latchkey.json`'s `companion` key when the site lives elsewhere (a static host) and the
//! companion on its own origin.
//!
//! Every companion call of the flows names a path (`/oauth2/{id}/token`,
//! `/oauth1/{id}/session`, …); [`resolve`] puts the companion's origin in front when it is
//! not this page's. The origin is set once per page, by the client that loaded the
//! configuration ([`use_config`]), rather than passed down every flow: a page has one
//! configuration, and the flows' signatures stay what they were.
//!
//! A companion on another site sees none of its cookies in this page's `fetch`es (browsers
//! block third-party cookies), so such a page carries its OAuth 1.0a session itself
//! ([`SealedSession`], sent as [`SESSION_HEADER`]).

use std::cell::RefCell;

use latchkey_proto::public_config::PublicConfig;

use crate::browser::page;

/// The header a page on another site sends its sealed OAuth 1.0a session in.
///
/// A `HeaderName` made at compile time: a name given as `&str` is parsed at run time with
/// http's table of standard names, 12 KB of wasm (docs/notes/embed-size.md).
pub const SESSION_HEADER: http::HeaderName = http::HeaderName::from_static("latchkey-session");

thread_local! {
    static ELSEWHERE: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The companion origin of `config` when it is not `page_origin`, without a trailing `/`.
pub fn elsewhere_of(config: &PublicConfig, page_origin: Option<&str>) -> Option<String> {
    let origin = config.companion.as_deref()?.trim_end_matches('/');
    (Some(origin) != page_origin).then(|| origin.to_owned())
}

/// Makes `config`'s companion the one this page's companion calls go to.
pub fn use_config(config: &PublicConfig) {
    let here = page::origin().ok();
    let elsewhere = elsewhere_of(config, here.as_deref());
    ELSEWHERE.with(|e| *e.borrow_mut() = elsewhere);
}

/// The companion's origin when it is not this page's.
pub fn elsewhere() -> Option<String> {
    ELSEWHERE.with(|e| e.borrow().clone())
}

/// A companion path as this page must fetch it: unchanged on the same origin, else on the
/// companion's origin.
pub fn resolve(path: &str) -> String {
    match elsewhere() {
        Some(origin) if path.starts_with('/') => format!("{origin}{path}"),
        _ => path.to_owned(),
    }
}

/// An OAuth 1.0a session sealed by the companion, held by a page on another site. It is as
/// good as the session cookie it replaces: kept only where the provider's `session_storage`
/// says, sent only to the companion, never shown.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedSession(String);

impl SealedSession {
    /// Wraps the companion's `session` value.
    pub fn new(value: String) -> SealedSession {
        SealedSession(value)
    }

    /// The value, for the [`SESSION_HEADER`] only.
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SealedSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealedSession([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(companion: Option<&str>) -> PublicConfig {
        PublicConfig {
            public_url: None,
            companion: companion.map(str::to_owned),
            providers: vec![],
        }
    }

    #[test]
    fn the_companion_is_elsewhere_only_when_its_origin_differs() {
        let site = Some("https://me.github.io");
        assert_eq!(elsewhere_of(&config(None), site), None);
        assert_eq!(
            elsewhere_of(&config(Some("https://me.github.io/")), site),
            None
        );
        assert_eq!(
            elsewhere_of(&config(Some("https://auth.example.org/")), site).as_deref(),
            Some("https://auth.example.org")
        );
    }

    #[test]
    fn a_sealed_session_never_prints() {
        let s = SealedSession::new("AbCdEf-sealed".into());
        assert_eq!(format!("{s:?}"), "SealedSession([redacted])");
    }
}
