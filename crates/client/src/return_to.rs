//! Where the browser goes after sign-in: only a path on this origin.
//!
//! The return path travels through the pending flow (sessionStorage) and, for OAuth 1.0a,
//! through the companion's `return_to` parameter; both are read back as untrusted text, so
//! anything that could leave the origin (`//evil`, `/\evil`, `https://…`, control
//! characters) becomes `/`.

/// The longest return path kept; longer ones become `/`.
const MAX_LEN: usize = 2048;

/// The callback page itself: returning there would loop.
const CALLBACK_PATH: &str = "/callback";

/// A same-origin path (with query and fragment) or `/`.
pub fn sanitize(candidate: &str) -> String {
    if is_safe(candidate) {
        candidate.to_owned()
    } else {
        "/".to_owned()
    }
}

fn is_safe(p: &str) -> bool {
    let mut chars = p.chars();
    if chars.next() != Some('/') {
        return false;
    }
    // "//host" and "/\host" are network-path references in browsers.
    if matches!(chars.next(), Some('/') | Some('\\')) {
        return false;
    }
    if p.len() > MAX_LEN || p.chars().any(|c| c.is_control() || c == '\\') {
        return false;
    }
    let path_end = p.find(['?', '#']).unwrap_or(p.len());
    let path = &p[..path_end];
    path != CALLBACK_PATH && !path.starts_with("/callback/")
}

/// True when the address carries an authorization response (RFC 6749 §4.1.2): a `state`
/// with a `code` or an `error` in the query.
pub fn carries_callback(href: &str) -> bool {
    let Some(query) = href
        .split('#')
        .next()
        .and_then(|h| h.split_once('?'))
        .map(|(_, q)| q)
    else {
        return false;
    };
    let has = |name: &str| {
        query
            .split('&')
            .any(|pair| pair.split('=').next() == Some(name))
    };
    has("state") && (has("code") || has("error"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_same_origin_paths_with_query_and_fragment() {
        assert_eq!(sanitize("/"), "/");
        assert_eq!(sanitize("/docs/page?tab=2#top"), "/docs/page?tab=2#top");
    }

    #[test]
    fn refuses_anything_that_could_leave_the_origin() {
        for bad in [
            "https://evil.example/",
            "//evil.example/x",
            "/\\evil.example",
            "\\\\evil",
            "evil",
            "",
            "javascript:alert(1)",
            "/a\nb",
            "/a\\b",
        ] {
            assert_eq!(sanitize(bad), "/", "{bad:?}");
        }
    }

    #[test]
    fn never_returns_to_the_callback_page() {
        assert_eq!(sanitize("/callback?code=x&state=y"), "/");
        assert_eq!(sanitize("/callback"), "/");
        assert_eq!(sanitize("/callbacks"), "/callbacks");
    }

    #[test]
    fn a_callback_is_a_state_with_a_code_or_an_error_in_the_query() {
        assert!(carries_callback("https://s.example/blog/?code=a&state=b"));
        assert!(carries_callback(
            "https://s.example/?state=b&error=access_denied#x"
        ));
        assert!(!carries_callback("https://s.example/?code=a"));
        assert!(!carries_callback("https://s.example/?state=b"));
        assert!(!carries_callback("https://s.example/#code=a&state=b"));
        assert!(!carries_callback("https://s.example/?xstate=b&code=a"));
        assert!(!carries_callback("https://s.example/"));
    }

    #[test]
    fn refuses_overlong_paths() {
        assert_eq!(sanitize(&format!("/{}", "a".repeat(MAX_LEN))), "/");
    }
}
