//! Which URL the API console may call with the access token: only under `api_base`.

use super::ApiError;

/// The HTTP methods the API console offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiMethod {
    /// GET.
    Get,
    /// POST.
    Post,
    /// PUT.
    Put,
    /// PATCH.
    Patch,
    /// DELETE.
    Delete,
    /// HEAD: a GET without the body.
    Head,
    /// OPTIONS.
    Options,
}

impl ApiMethod {
    /// Every method, in the order a menu lists them.
    pub const ALL: [ApiMethod; 7] = [
        ApiMethod::Get,
        ApiMethod::Post,
        ApiMethod::Put,
        ApiMethod::Patch,
        ApiMethod::Delete,
        ApiMethod::Head,
        ApiMethod::Options,
    ];

    /// The method's name.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiMethod::Get => "GET",
            ApiMethod::Post => "POST",
            ApiMethod::Put => "PUT",
            ApiMethod::Patch => "PATCH",
            ApiMethod::Delete => "DELETE",
            ApiMethod::Head => "HEAD",
            ApiMethod::Options => "OPTIONS",
        }
    }

    /// Parses a method name (case-insensitive), e.g. from a `<select>`.
    pub fn parse(name: &str) -> Option<ApiMethod> {
        ApiMethod::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(name.trim()))
    }

    /// Whether the console sends a body with this method.
    pub fn has_body(self) -> bool {
        matches!(self, ApiMethod::Post | ApiMethod::Put | ApiMethod::Patch)
    }
}

/// The URL to call: `path` joined to `api_base` when relative, or `path` itself when it is
/// an absolute URL under `api_base`. Refuses anything else, including `..` segments that
/// would climb out of the base.
pub fn resolve(api_base: &str, path: &str) -> Result<String, ApiError> {
    let path = path.trim();
    let base = api_base.trim_end_matches('/');
    let url = if path.contains("://") || path.starts_with("//") {
        path.to_owned()
    } else {
        format!("{base}/{}", path.trim_start_matches('/'))
    };
    let refused = || ApiError::OutsideApiBase {
        url: url.clone(),
        api_base: api_base.to_owned(),
    };
    let rest = url.strip_prefix(base).ok_or_else(refused)?;
    // The base must end at a path boundary: "https://api.x/v1" must not admit
    // "https://api.x/v10" or "https://api.x.evil".
    if !(rest.is_empty() || rest.starts_with(['/', '?', '#'])) {
        return Err(refused());
    }
    let path_part = rest.split(['?', '#']).next().unwrap_or_default();
    let climbs = path_part.split('/').any(|seg| {
        let s = seg.to_ascii_lowercase();
        s == ".." || s == "%2e%2e" || s == ".%2e" || s == "%2e."
    });
    if climbs || url.chars().any(|c| c.is_control() || c == '\\') {
        return Err(refused());
    }
    Ok(url)
}

/// The companion route that signs an OAuth 1.0a API call: `/oauth1/{id}/api/<path>`.
pub fn oauth1_api_path(provider_id: &str, path: &str) -> Result<String, ApiError> {
    let rel = path.trim().trim_start_matches('/');
    if rel.contains("://")
        || rel
            .split(['?', '#'])
            .next()
            .unwrap_or_default()
            .split('/')
            .any(|s| s == "..")
    {
        return Err(ApiError::OutsideApiBase {
            url: path.to_owned(),
            api_base: format!("/oauth1/{provider_id}/api/"),
        });
    }
    Ok(format!("/oauth1/{provider_id}/api/{rel}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "http://127.0.0.1:9000/api";

    #[test]
    fn relative_paths_join_the_base() {
        assert_eq!(
            resolve(BASE, "/me").unwrap(),
            "http://127.0.0.1:9000/api/me"
        );
        assert_eq!(
            resolve(BASE, "me?x=1").unwrap(),
            "http://127.0.0.1:9000/api/me?x=1"
        );
        assert_eq!(resolve("http://h/api/", "me").unwrap(), "http://h/api/me");
    }

    #[test]
    fn absolute_urls_under_the_base_are_allowed() {
        assert_eq!(
            resolve(BASE, "http://127.0.0.1:9000/api/x").unwrap(),
            "http://127.0.0.1:9000/api/x"
        );
    }

    #[test]
    fn the_token_never_goes_elsewhere() {
        for bad in [
            "https://evil.example/api/me",
            "//evil.example/api",
            "http://127.0.0.1:9000/apix",
            "http://127.0.0.1:9000.evil/api/me",
            "/../admin",
            "/a/%2E%2E/%2e%2e/admin",
            "/a\\..\\b",
        ] {
            assert!(
                matches!(resolve(BASE, bad), Err(ApiError::OutsideApiBase { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn oauth1_calls_go_through_the_companion() {
        assert_eq!(
            oauth1_api_path("flask", "/user").unwrap(),
            "/oauth1/flask/api/user"
        );
        assert!(oauth1_api_path("flask", "https://evil/x").is_err());
        assert!(oauth1_api_path("flask", "../../logout").is_err());
    }

    #[test]
    fn methods_parse_from_menu_values() {
        assert_eq!(ApiMethod::parse("post"), Some(ApiMethod::Post));
        assert_eq!(ApiMethod::parse("TRACE"), None);
        assert!(ApiMethod::Put.has_body() && !ApiMethod::Get.has_body());
    }
}

/// What a typed body is sent as: JSON when it parses as JSON, a form when it reads as
/// `name=value&…` on one line, plain text otherwise.
pub fn body_content_type(body: &str) -> &'static str {
    if serde_json::from_slice::<serde_json::Value>(body.as_bytes()).is_ok() {
        "application/json"
    } else if !body.is_empty()
        && !body.contains(['\n', '\r'])
        && body
            .split('&')
            .all(|pair| pair.split_once('=').is_some_and(|(k, _)| !k.is_empty()))
    {
        "application/x-www-form-urlencoded"
    } else {
        "text/plain;charset=utf-8"
    }
}

/// Percent-encodes what a typed URL may hold but a URI may not (spaces, non-ASCII, `"<>{}|^``),
/// as a browser's address bar would; `%`, `+` and the reserved characters are left alone.
pub fn encode_typed_url(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        let keep =
            c.is_ascii_graphic() && !matches!(c, '"' | '<' | '>' | '`' | '{' | '}' | '|' | '^');
        if keep {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// The body as the console shows it: JSON pretty-printed, other text as is, cut at
/// [`API_BODY_LIMIT`](super::words::API_BODY_LIMIT) characters.
pub fn render_body(content_type: Option<&str>, bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let looks_json = content_type.is_some_and(|c| c.to_ascii_lowercase().contains("json"))
        || matches!(text.trim_start().chars().next(), Some('{') | Some('['));
    let shown = if looks_json {
        serde_json::from_slice::<serde_json::Value>(text.as_bytes())
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or_else(|| text.into_owned())
    } else {
        text.into_owned()
    };
    let limit = super::words::API_BODY_LIMIT;
    match shown.char_indices().nth(limit) {
        Some((cut, _)) => format!("{}{}", &shown[..cut], super::words::API_BODY_CUT),
        None => shown,
    }
}

#[cfg(test)]
mod render_tests {
    use super::*;

    #[test]
    fn typed_bodies_get_a_fitting_content_type() {
        assert_eq!(body_content_type(r#"{"a":1}"#), "application/json");
        assert_eq!(
            body_content_type("note=hello w%C3%B6rld %26 more&n=1"),
            "application/x-www-form-urlencoded"
        );
        assert_eq!(
            body_content_type("just some text"),
            "text/plain;charset=utf-8"
        );
        assert_eq!(body_content_type("a=1\nb=2"), "text/plain;charset=utf-8");
    }

    #[test]
    fn typed_urls_are_encoded_like_an_address_bar() {
        assert_eq!(
            encode_typed_url("/oauth1/f/api/me?q=a b%2Bc~d%25e ü&plus=1+2"),
            "/oauth1/f/api/me?q=a%20b%2Bc~d%25e%20%C3%BC&plus=1+2"
        );
        assert!(http::Uri::try_from(encode_typed_url("/x?q=a b ü\"<>")).is_ok());
    }

    #[test]
    fn json_is_pretty_printed() {
        assert_eq!(
            render_body(Some("application/json"), br#"{"a":1}"#),
            "{\n  \"a\": 1\n}"
        );
    }

    #[test]
    fn text_is_kept_and_long_bodies_are_cut_on_a_char_boundary() {
        assert_eq!(render_body(Some("text/plain"), b"hello"), "hello");
        let long = "é".repeat(super::super::words::API_BODY_LIMIT + 5);
        let shown = render_body(None, long.as_bytes());
        assert!(shown.ends_with(super::super::words::API_BODY_CUT));
        assert_eq!(
            shown.chars().filter(|c| *c == 'é').count(),
            super::super::words::API_BODY_LIMIT
        );
    }
}
