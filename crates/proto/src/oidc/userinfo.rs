//! The UserInfo endpoint (OIDC Core §5.3): request with the bearer token (RFC 6750 §2.1),
//! response parsed into a profile whose `sub` must equal the ID token's (§5.3.2).

use serde_json::{Map, Value};

use crate::form;
use crate::json::{self, FieldProblem};
use crate::secret::AccessToken;

/// A user's profile from the UserInfo endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct UserInfo {
    /// `sub`, equal to the ID token's.
    pub sub: String,
    /// `name`.
    pub name: Option<String>,
    /// `preferred_username`.
    pub preferred_username: Option<String>,
    /// `email`.
    pub email: Option<String>,
    /// `picture`.
    pub picture: Option<String>,
    /// Every claim.
    pub all: Map<String, Value>,
}

/// Why a UserInfo response was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UserInfoError {
    /// The endpoint URL is unusable.
    #[error("userinfo: endpoint is not a valid URI")]
    InvalidUri,
    /// A non-success status; `www_authenticate` carries the RFC 6750 §3 challenge
    /// (`error="invalid_token"` means: refresh and retry).
    #[error("userinfo: HTTP {status}")]
    HttpStatus {
        /// The status.
        status: u16,
        /// The `WWW-Authenticate` header, if any.
        www_authenticate: Option<String>,
        /// The body, truncated.
        body: String,
    },
    /// A signed or encrypted (`application/jwt`) response, which Latchkey does not request.
    #[error("userinfo: signed/encrypted responses are not supported")]
    Jwt,
    /// The body is not a JSON object.
    #[error("userinfo: the body is not a JSON object")]
    NotAnObject {
        /// The body, truncated.
        body: String,
    },
    /// A field is missing or malformed.
    #[error("userinfo: {field:?} {problem}")]
    InvalidField {
        /// The field.
        field: &'static str,
        /// What is wrong.
        problem: &'static str,
        /// The body, truncated.
        body: String,
    },
    /// `sub` is not the ID token's: the response may be for another user (token substitution).
    #[error("userinfo: sub does not match the id token")]
    SubjectMismatch,
}

/// `GET userinfo_endpoint` with `Authorization: Bearer <token>`.
pub fn build_userinfo_request(
    endpoint: &str,
    access_token: &AccessToken,
) -> Result<http::Request<Vec<u8>>, UserInfoError> {
    form::check_endpoint(endpoint).map_err(|_| UserInfoError::InvalidUri)?;
    let bearer = ["Bearer ", access_token.secret()].concat();
    form::http_request(
        http::Method::GET,
        endpoint,
        &[
            (http::header::ACCEPT, "application/json"),
            (http::header::AUTHORIZATION, &bearer),
        ],
        Vec::new(),
    )
    .ok_or(UserInfoError::InvalidUri)
}

/// Parses a UserInfo response and checks its `sub` against the ID token's `expected_sub`
/// (OIDC Core §5.3.2). For a plain OAuth 2.0 provider without an ID token there is nothing
/// to compare with: read the JSON directly instead.
pub fn parse_userinfo_response(
    response: &http::Response<Vec<u8>>,
    expected_sub: &str,
) -> Result<UserInfo, UserInfoError> {
    let body = response.body();
    if !response.status().is_success() {
        return Err(UserInfoError::HttpStatus {
            status: response.status().as_u16(),
            www_authenticate: response
                .headers()
                .get(http::header::WWW_AUTHENTICATE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            body: form::truncate_body(body),
        });
    }
    if form::media_type_is(
        response.headers().get(http::header::CONTENT_TYPE),
        "application/jwt",
    ) {
        return Err(UserInfoError::Jwt);
    }
    let Ok(Value::Object(all)) = serde_json::from_slice::<Value>(body) else {
        return Err(UserInfoError::NotAnObject {
            body: form::truncate_body(body),
        });
    };
    let bad = |(field, problem): (&'static str, FieldProblem)| UserInfoError::InvalidField {
        field,
        problem: problem.describe(),
        body: form::truncate_body(body),
    };
    let sub = json::req_str(&all, "sub").map_err(bad)?;
    if sub != expected_sub {
        return Err(UserInfoError::SubjectMismatch);
    }
    // Display claims are optional and loosely typed in the wild: a wrong type is dropped.
    let text = |k: &str| all.get(k).and_then(Value::as_str).map(str::to_owned);
    Ok(UserInfo {
        name: text("name"),
        preferred_username: text("preferred_username"),
        email: text("email"),
        picture: text("picture"),
        sub,
        all,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, ct: &str, body: &str) -> http::Response<Vec<u8>> {
        http::Response::builder()
            .status(status)
            .header("content-type", ct)
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    #[test]
    fn request_carries_the_bearer_token() {
        let req = build_userinfo_request("https://idp.example/userinfo", &AccessToken::new("tok"))
            .unwrap();
        assert_eq!(req.headers()["authorization"], "Bearer tok");
        assert_eq!(req.method(), http::Method::GET);
        assert_eq!(
            build_userinfo_request("userinfo", &AccessToken::new("t")).unwrap_err(),
            UserInfoError::InvalidUri
        );
    }

    #[test]
    fn parses_the_profile() {
        let u = parse_userinfo_response(
            &resp(200, "application/json", r#"{"sub":"u1","name":"Ada","preferred_username":"ada","email":"a@x","picture":"https://p/x.png","zone":1}"#),
            "u1",
        )
        .unwrap();
        assert_eq!(u.name.as_deref(), Some("Ada"));
        assert_eq!(u.preferred_username.as_deref(), Some("ada"));
        assert_eq!(u.picture.as_deref(), Some("https://p/x.png"));
        assert_eq!(u.all["zone"], 1);
    }

    #[test]
    fn sub_must_match_the_id_token() {
        let err = parse_userinfo_response(&resp(200, "application/json", r#"{"sub":"u2"}"#), "u1")
            .unwrap_err();
        assert_eq!(err, UserInfoError::SubjectMismatch);
        let err = parse_userinfo_response(&resp(200, "application/json", r#"{"name":"x"}"#), "u1")
            .unwrap_err();
        assert_eq!(err.to_string(), r#"userinfo: "sub" is missing"#);
    }

    #[test]
    fn errors() {
        let r = http::Response::builder()
            .status(401)
            .header("www-authenticate", r#"Bearer error="invalid_token""#)
            .body(Vec::new())
            .unwrap();
        assert!(matches!(
            parse_userinfo_response(&r, "u").unwrap_err(),
            UserInfoError::HttpStatus { status: 401, www_authenticate: Some(ref w), .. } if w.contains("invalid_token")
        ));
        assert_eq!(
            parse_userinfo_response(&resp(200, "application/jwt", "a.b.c"), "u").unwrap_err(),
            UserInfoError::Jwt
        );
        assert!(matches!(
            parse_userinfo_response(&resp(200, "application/json", "[]"), "u").unwrap_err(),
            UserInfoError::NotAnObject { .. }
        ));
    }
}
