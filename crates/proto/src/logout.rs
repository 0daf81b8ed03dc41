//! OpenID Connect RP-Initiated Logout 1.0 §2: the URL that ends the provider's session.

use crate::form::{self, EndpointProblem};

/// What the end-session URL carries; every field is optional in the specification.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogoutRequest<'a> {
    /// The ID token last issued (RECOMMENDED, §2): the provider learns whose session ends.
    pub id_token_hint: Option<&'a str>,
    /// Where to return afterwards; must be registered with the provider.
    pub post_logout_redirect_uri: Option<&'a str>,
    /// This client's id (needed when `post_logout_redirect_uri` is sent without a hint).
    pub client_id: Option<&'a str>,
    /// Opaque value echoed back to `post_logout_redirect_uri`.
    pub state: Option<&'a str>,
}

/// Why an end-session URL could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LogoutError {
    /// The end-session endpoint is unusable.
    #[error("logout: end_session_endpoint {0}")]
    Endpoint(EndpointProblem),
    /// The post-logout redirect URI is unusable.
    #[error("logout: post_logout_redirect_uri {0}")]
    RedirectUri(EndpointProblem),
}

/// Builds the end-session URL, keeping the endpoint's own query.
pub fn end_session_url(
    end_session_endpoint: &str,
    req: &LogoutRequest<'_>,
) -> Result<String, LogoutError> {
    form::check_endpoint(end_session_endpoint).map_err(LogoutError::Endpoint)?;
    if let Some(uri) = req.post_logout_redirect_uri {
        form::check_endpoint(uri).map_err(LogoutError::RedirectUri)?;
    }
    let pairs: Vec<(&str, &str)> = [
        ("id_token_hint", req.id_token_hint),
        ("post_logout_redirect_uri", req.post_logout_redirect_uri),
        ("client_id", req.client_id),
        ("state", req.state),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v)))
    .collect();
    Ok(form::append_query(end_session_endpoint, &pairs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_url() {
        let url = end_session_url(
            "http://127.0.0.1:9000/o/logout/",
            &LogoutRequest {
                id_token_hint: Some("a.b.c"),
                post_logout_redirect_uri: Some("http://127.0.0.1:8080/"),
                client_id: Some("spa"),
                state: Some("s"),
            },
        )
        .unwrap();
        assert_eq!(
            url,
            "http://127.0.0.1:9000/o/logout/?id_token_hint=a.b.c&post_logout_redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2F&client_id=spa&state=s"
        );
        assert_eq!(
            end_session_url("https://i.example/end?x=1", &LogoutRequest::default()).unwrap(),
            "https://i.example/end?x=1"
        );
    }

    #[test]
    fn refuses_bad_urls() {
        assert_eq!(
            end_session_url("https://i.example/end#f", &LogoutRequest::default()),
            Err(LogoutError::Endpoint(EndpointProblem::Fragment))
        );
        let req = LogoutRequest {
            post_logout_redirect_uri: Some("/home"),
            ..Default::default()
        };
        assert_eq!(
            end_session_url("https://i.example/end", &req),
            Err(LogoutError::RedirectUri(EndpointProblem::NotHttp))
        );
    }
}
