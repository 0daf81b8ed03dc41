//! Loading `/latchkey.json`, the public projection of the configuration.
//!
//! The fetch itself is a thin gloo-net call; what the answer means (missing, broken,
//! empty) is decided by [`interpret`], which is plain Rust and tested natively.

use latchkey_proto::public_config::{PublicConfig, PublicConfigError};

/// Where the showcase app reads its configuration from: its own origin.
pub const CONFIG_PATH: &str = "/latchkey.json";

/// How much of a bad body an error keeps, so a huge HTML page does not fill the screen.
const BODY_EXCERPT_CHARS: usize = 160;

/// Why `/latchkey.json` could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// Nothing is published at `/latchkey.json` (a 404, or a single-page fallback that
    /// answered with HTML instead).
    #[error("there is no /latchkey.json on this site")]
    Missing,
    /// The server refused or failed (any status other than 200 and 404).
    #[error("/latchkey.json answered HTTP {status}")]
    Status {
        /// The HTTP status code.
        status: u16,
    },
    /// The request never got an answer (offline, blocked, CORS).
    #[error("could not reach /latchkey.json: {reason}")]
    Network {
        /// What the browser reported.
        reason: String,
    },
    /// The body is not a valid configuration.
    #[error("/latchkey.json is not valid: {reason}")]
    Parse {
        /// The parser's message, naming the field or line that failed.
        reason: String,
        /// The start of the body as received.
        excerpt: String,
        /// The file has a member Latchkey does not know (perhaps a secret pasted in), which
        /// the advice explains.
        unknown_field: bool,
    },
}

impl ConfigError {
    /// What the site's author should do about it, in one sentence.
    pub fn advice(&self) -> &'static str {
        match self {
            ConfigError::Parse {
                unknown_field: true,
                ..
            } => {
                "Remove that field and reload this page. Only the fields listed in the README are allowed, so a secret cannot slip in."
            }
            ConfigError::Parse { .. } => "Fix the file and reload this page.",
            ConfigError::Status { .. } => {
                "The web server could not serve the file. Its log should say why."
            }
            ConfigError::Network { .. } => "Check your connection, then try again.",
            ConfigError::Missing => "Add a /latchkey.json to the site.",
        }
    }
}

/// Decides what an HTTP answer for `/latchkey.json` means.
///
/// An HTML body is read as "missing": static hosts and the companion's single-page
/// fallback answer unknown paths with `index.html` and status 200.
pub fn interpret(status: u16, body: &str) -> Result<PublicConfig, ConfigError> {
    match status {
        404 => return Err(ConfigError::Missing),
        200 => {}
        other => return Err(ConfigError::Status { status: other }),
    }
    let trimmed = body.trim_start();
    if trimmed.starts_with('<') {
        return Err(ConfigError::Missing);
    }
    if trimmed.is_empty() {
        // An empty file is a file with no providers; the home page explains what to add.
        return Ok(PublicConfig::default());
    }
    PublicConfig::from_json(trimmed.as_bytes()).map_err(|e| ConfigError::Parse {
        unknown_field: matches!(e, PublicConfigError::UnknownField { .. }),
        reason: e.to_string(),
        excerpt: trimmed.chars().take(BODY_EXCERPT_CHARS).collect(),
    })
}

/// Fetches and interprets the configuration at `url` (for the app, [`CONFIG_PATH`]). Boxed
/// like [`crate::Pending`] says, so the one copy of the fetch is the client's.
#[inline(never)]
pub fn load(url: &str) -> crate::Pending<Result<PublicConfig, ConfigError>> {
    Box::pin(load_now(url.to_owned()))
}

async fn load_now(url: String) -> Result<PublicConfig, ConfigError> {
    let url = url.as_str();
    let response = gloo_net::http::Request::get(url)
        .send()
        .await
        .map_err(|e| ConfigError::Network {
            reason: e.to_string(),
        })?;
    let status = response.status();
    let body = response.text().await.map_err(|e| ConfigError::Network {
        reason: e.to_string(),
    })?;
    interpret(status, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_valid_file_lists_its_providers_in_order() {
        let cfg = interpret(
            200,
            r#"{"providers":[
                {"id":"dot","name":"Django","protocol":"oidc","issuer":"http://127.0.0.1:9000/o","client_id":"spa"},
                {"id":"flask","name":"Flask","protocol":"oauth1"}]}"#,
        )
        .unwrap();
        let names: Vec<_> = cfg.providers.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["Django", "Flask"]);
    }

    #[test]
    fn a_404_means_missing() {
        assert_eq!(interpret(404, "Not Found"), Err(ConfigError::Missing));
    }

    #[test]
    fn an_html_fallback_page_means_missing_not_a_parse_error() {
        let err = interpret(200, "\n<!DOCTYPE html><html>…").unwrap_err();
        assert_eq!(err, ConfigError::Missing);
    }

    #[test]
    fn an_empty_body_is_an_empty_configuration() {
        assert!(interpret(200, "  \n").unwrap().providers.is_empty());
    }

    #[test]
    fn a_server_error_keeps_its_status() {
        assert_eq!(
            interpret(503, "busy"),
            Err(ConfigError::Status { status: 503 })
        );
    }

    #[test]
    fn a_parse_error_names_the_problem_and_keeps_a_short_excerpt() {
        let body = format!(
            r#"{{"providers":[{{"id":"x","name":"X","protocol":"saml"}}], "pad":"{}"}}"#,
            "a".repeat(1000)
        );
        let err = interpret(200, &body).unwrap_err();
        let ConfigError::Parse {
            reason, excerpt, ..
        } = &err
        else {
            panic!("expected a parse error");
        };
        assert!(reason.contains("saml"), "{reason}");
        assert_eq!(excerpt.chars().count(), BODY_EXCERPT_CHARS);
        assert_eq!(err.advice(), "Fix the file and reload this page.");
    }

    #[test]
    fn a_secret_in_the_file_is_refused() {
        let err = interpret(
            200,
            r#"{"providers":[{"id":"x","name":"X","protocol":"oauth2","client_secret":"s"}]}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("client_secret"), "{err}");
        // Why an unknown field is refused is said only for one.
        assert!(
            err.advice()
                .starts_with("Remove that field and reload this page. Only the fields"),
            "{}",
            err.advice()
        );
    }
}
