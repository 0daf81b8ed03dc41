//! Token mediation, the app's half: for a provider with `token_via_companion`, the code
//! exchange, refresh and revocation go to the companion on this origin
//! (`POST /oauth2/{id}/token`, `/refresh`, `/revoke`), which adds the client secret (the
//! token-mediating backend of the IETF browser-based-apps BCP). Its answers are RFC 6749
//! §5.1 / §5.2 JSON, read with the same parser as a provider's; its own refusals are
//! `{error, message}` JSON, turned into words here.

use latchkey_proto::callback::ValidatedCallback;
use latchkey_proto::form;
use latchkey_proto::pkce::Verifier;
use latchkey_proto::revocation::TokenToRevoke;
use latchkey_proto::secret::RefreshToken;
use latchkey_proto::token::TokenSet;
use serde_json::Value;

fn post(path: String, pairs: &[(&str, &str)]) -> Result<http::Request<Vec<u8>>, String> {
    http::Request::post(path)
        .header(
            http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .header(http::header::ACCEPT, "application/json")
        .body(form::encode(pairs).into_bytes())
        .map_err(|e| e.to_string())
}

/// `POST /oauth2/{id}/token` with the code exchange (RFC 6749 §4.1.3, RFC 7636 §4.5). Takes
/// the validated callback and the verifier, so neither can be used twice.
pub fn code_request(
    provider_id: &str,
    callback: ValidatedCallback,
    verifier: Verifier,
) -> Result<http::Request<Vec<u8>>, String> {
    post(
        format!("/oauth2/{provider_id}/token"),
        &[
            ("grant_type", "authorization_code"),
            ("code", callback.code()),
            ("code_verifier", verifier.secret()),
            ("redirect_uri", callback.redirect_uri()),
        ],
    )
}

/// `POST /oauth2/{id}/refresh`: with the refresh token when the browser holds it, empty
/// when the companion keeps it in its cookie.
pub fn refresh_request(
    provider_id: &str,
    token: Option<&RefreshToken>,
) -> Result<http::Request<Vec<u8>>, String> {
    let pairs: Vec<(&str, &str)> = token
        .map(|t| vec![("refresh_token", t.secret())])
        .unwrap_or_default();
    post(format!("/oauth2/{provider_id}/refresh"), &pairs)
}

/// `POST /oauth2/{id}/revoke` (RFC 7009 §2.1 parameters): one token, or empty to revoke the
/// refresh token in the companion's cookie.
pub fn revoke_request(
    provider_id: &str,
    token: Option<TokenToRevoke<'_>>,
) -> Result<http::Request<Vec<u8>>, String> {
    let pairs: Vec<(&str, &str)> = match token {
        Some(TokenToRevoke::Access(t)) => {
            vec![("token", t.secret()), ("token_type_hint", "access_token")]
        }
        Some(TokenToRevoke::Refresh(t)) => {
            vec![("token", t.secret()), ("token_type_hint", "refresh_token")]
        }
        None => Vec::new(),
    };
    post(format!("/oauth2/{provider_id}/revoke"), &pairs)
}

/// `POST /oauth2/{id}/par`: the authorization request's parameters, which the companion
/// pushes to the provider with its client authentication (RFC 9126 §2.1).
pub fn par_request(
    provider_id: &str,
    params: &[(&str, &str)],
) -> Result<http::Request<Vec<u8>>, String> {
    post(format!("/oauth2/{provider_id}/par"), params)
}

/// True when the companion kept the refresh token in its cookie (`"refresh_token_in":
/// "companion"` in its answer): the session can renew itself without holding one.
pub fn companion_holds_refresh(tokens: &TokenSet) -> bool {
    tokens.extra.get("refresh_token_in").and_then(Value::as_str) == Some("companion")
}

/// The companion's own refusal (not the provider's OAuth error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanionRefusal {
    /// The HTTP status.
    pub status: u16,
    /// Its `message`.
    pub message: String,
    /// `Retry-After` in seconds, for 429.
    pub retry_after: Option<u64>,
}

/// Reads a companion answer as its own refusal: a non-success status with an
/// `{error, message}` body. A provider's OAuth error relayed as RFC 6749 §5.2 JSON has no
/// `message` and is left to the token parser.
pub fn companion_refusal(response: &http::Response<Vec<u8>>) -> Option<CompanionRefusal> {
    let status = response.status();
    if status.is_success() {
        return None;
    }
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(response.body()) else {
        return None;
    };
    let is_own =
        body.get("error").is_some_and(Value::is_string) && !body.contains_key("error_description");
    let message = body.get("message").and_then(Value::as_str)?;
    is_own.then(|| CompanionRefusal {
        status: status.as_u16(),
        message: message.to_owned(),
        retry_after: response
            .headers()
            .get(http::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok()),
    })
}

impl CompanionRefusal {
    /// True when trying again later may work.
    pub fn is_transient(&self) -> bool {
        self.status == 429 || self.status >= 500
    }

    /// What happened, in words naming the provider.
    pub fn sentence(&self, provider: &str) -> String {
        let m = self.message.trim_end_matches('.');
        match self.status {
            403 => format!("The sign-in server refused this page's request ({m})."),
            404 => format!(
                "The sign-in server does not exchange tokens for {provider} ({m}); check `token_via_companion` in latchkey.toml."
            ),
            413 => "The request was too large for the sign-in server.".to_owned(),
            429 => match self.retry_after {
                Some(s) => format!("The sign-in server is getting too many requests from this address; wait {s} seconds."),
                None => "The sign-in server is getting too many requests from this address; wait a moment.".to_owned(),
            },
            502 => format!("The sign-in server got no usable answer from {provider} ({m})."),
            504 => format!("{provider} did not answer the sign-in server in time."),
            s => format!("The sign-in server answered HTTP {s} ({m})."),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use latchkey_proto::authorize::{self, FlowRandomness, FlowStart};
    use latchkey_proto::callback::{self, IssParameter};
    use latchkey_proto::token::parse_token_response;

    fn answer(status: u16, body: &str) -> http::Response<Vec<u8>> {
        http::Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .header("retry-after", "7")
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    fn body_pairs(req: &http::Request<Vec<u8>>) -> Vec<(String, String)> {
        form_pairs(req.body())
    }

    fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
        let text = String::from_utf8(body.to_vec()).unwrap();
        text.split('&')
            .filter(|s| !s.is_empty())
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap();
                (k.to_owned(), v.to_owned())
            })
            .collect()
    }

    #[test]
    fn the_code_exchange_goes_to_the_companion_with_code_verifier_and_redirect_uri_only() {
        let (_url, flow) = authorize::begin(
            &FlowStart {
                provider_id: "gh",
                issuer: None,
                authorization_endpoint: "https://idp.example/authorize",
                client_id: "spa",
                redirect_uri: "https://site.example/callback",
                scopes: &[],
                return_to: "/",
                extra: &[],
            },
            &FlowRandomness {
                state: &[1; 32],
                nonce: &[2; 32],
                verifier: &[3; 32],
            },
            1_000,
        )
        .unwrap();
        let href = format!(
            "https://site.example/callback?code=c%2B1&state={}",
            flow.state.secret()
        );
        let validated =
            callback::validate_callback(&href, &flow, IssParameter::NotAdvertised, 1_001).unwrap();
        let verifier_text = flow.verifier.secret().to_owned();
        let req = code_request("gh", validated, flow.verifier).unwrap();
        assert_eq!(req.method(), http::Method::POST);
        assert_eq!(req.uri(), "/oauth2/gh/token");
        assert_eq!(
            req.headers()["content-type"],
            "application/x-www-form-urlencoded"
        );
        let pairs = body_pairs(&req);
        let keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
        // No client_id and certainly no secret: the companion adds its own.
        assert_eq!(
            keys,
            ["grant_type", "code", "code_verifier", "redirect_uri"]
        );
        assert_eq!(pairs[1].1, "c%2B1");
        assert_eq!(pairs[2].1, verifier_text);
        assert_eq!(pairs[3].1, "https%3A%2F%2Fsite.example%2Fcallback");
    }

    #[test]
    fn refresh_sends_the_token_in_browser_mode_and_nothing_in_companion_mode() {
        let rt = RefreshToken::new("r t");
        let with = refresh_request("gh", Some(&rt)).unwrap();
        assert_eq!(with.uri(), "/oauth2/gh/refresh");
        assert_eq!(with.body(), b"refresh_token=r+t");
        let without = refresh_request("gh", None).unwrap();
        assert!(without.body().is_empty());
    }

    #[test]
    fn revoke_names_the_token_type_or_sends_an_empty_body() {
        let rt = RefreshToken::new("r");
        let req = revoke_request("gh", Some(TokenToRevoke::Refresh(&rt))).unwrap();
        assert_eq!(req.uri(), "/oauth2/gh/revoke");
        assert_eq!(req.body(), b"token=r&token_type_hint=refresh_token");
        assert!(revoke_request("gh", None).unwrap().body().is_empty());
    }

    #[test]
    fn a_companion_answer_in_companion_mode_says_it_holds_the_refresh_token() {
        let tokens = parse_token_response(&answer(
            200,
            r#"{"access_token":"a","token_type":"Bearer","expires_in":60,"refresh_token_in":"companion"}"#,
        ))
        .unwrap();
        assert!(companion_holds_refresh(&tokens));
        assert!(tokens.refresh_token.is_none());
        let plain = parse_token_response(&answer(
            200,
            r#"{"access_token":"a","token_type":"Bearer","refresh_token":"r"}"#,
        ))
        .unwrap();
        assert!(!companion_holds_refresh(&plain));
    }

    #[test]
    fn the_companions_own_errors_are_told_apart_from_a_relayed_oauth_error() {
        let rate = companion_refusal(&answer(
            429,
            r#"{"error":"too_many_requests","message":"slow down"}"#,
        ))
        .unwrap();
        assert_eq!(rate.retry_after, Some(7));
        assert!(rate.is_transient());
        assert!(rate.sentence("GitHub").contains("wait 7 seconds"));
        let relayed = answer(
            400,
            r#"{"error":"invalid_grant","error_description":"code expired"}"#,
        );
        assert!(companion_refusal(&relayed).is_none());
        assert!(companion_refusal(&answer(200, r#"{"error":"x","message":"y"}"#)).is_none());
        assert!(companion_refusal(&answer(502, "<html>bad gateway</html>")).is_none());
    }

    #[test]
    fn companion_refusals_read_as_words_naming_the_provider() {
        let r = |status, message: &str| CompanionRefusal {
            status,
            message: message.into(),
            retry_after: None,
        };
        assert!(r(404, "unknown provider")
            .sentence("GitHub")
            .contains("does not exchange tokens for GitHub"));
        assert!(r(504, "the provider did not answer in time")
            .sentence("GitHub")
            .starts_with("GitHub did not answer"));
        assert!(r(403, "foreign origin")
            .sentence("X")
            .contains("foreign origin"));
        assert!(!r(403, "foreign origin").is_transient());
        assert!(r(502, "x").is_transient());
    }
}
