//! Where the browser goes after sign-in: only a path on this origin.
//!
//! The return path travels through the pending flow (sessionStorage) and, for OAuth 1.0a,
//! through the companion's `return_to` parameter; both are read back as untrusted text, so
//! anything that could leave the origin (`//evil`, `/\evil`, `https://…`, control
//! characters) becomes `/`.

/// The longest return path kept; longer ones become `/`.
const MAX_LEN: usize = 2048;

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
    !is_callback_route(path)
}

/// The callback routes: `/callback` and `/callback/<id>` (the default redirect URIs, one per
/// provider). A page there finishes a sign-in; returning there after one would loop.
pub fn is_callback_route(path: &str) -> bool {
    path.strip_prefix(latchkey_proto::redirect_uri::DEFAULT_PATH)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
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

/// True when `href` is the page `redirect_uri` names: the same scheme, host, port and path
/// (the query and fragment are the provider's answer). A sign-in's response is taken only
/// there, so that with one redirect URI per provider a response that one provider bounced
/// to another provider's page cannot be taken for the flow it names (RFC 9700 §4.4.2).
pub fn arrived_at(href: &str, redirect_uri: &str) -> bool {
    fn page(url: &str) -> Option<String> {
        let url = url.split(['?', '#']).next()?;
        let (scheme, rest) = url.split_once("://")?;
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let path = if path.is_empty() { "/" } else { path };
        Some(format!(
            "{}://{}{path}",
            scheme.to_ascii_lowercase(),
            authority.to_ascii_lowercase()
        ))
    }
    matches!((page(href), page(redirect_uri)), (Some(a), Some(b)) if a == b)
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
    fn a_response_counts_only_on_the_page_its_flow_named() {
        let uri = "https://Site.example/callback/gh";
        assert!(arrived_at(
            "https://site.example/callback/gh?code=c&state=s",
            uri
        ));
        assert!(arrived_at("HTTPS://site.example/callback/gh#x", uri));
        assert!(!arrived_at(
            "https://site.example/callback/dot?code=c&state=s",
            uri
        ));
        assert!(!arrived_at(
            "https://site.example/callback/gh/x?code=c",
            uri
        ));
        assert!(!arrived_at("http://site.example/callback/gh?code=c", uri));
        assert!(!arrived_at(
            "https://site.example:8443/callback/gh?code=c",
            uri
        ));
        assert!(arrived_at(
            "https://me.github.io/blog/callback.html?signin&code=c&state=s",
            "https://me.github.io/blog/callback.html?signin"
        ));
        assert!(!arrived_at("not a url", uri));
    }

    #[test]
    fn refuses_overlong_paths() {
        assert_eq!(sanitize(&format!("/{}", "a".repeat(MAX_LEN))), "/");
    }
}
