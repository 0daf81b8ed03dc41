//! Token revocation ([RFC 7009](https://www.rfc-editor.org/rfc/rfc7009)): the request
//! (§2.1) and the response (§2.2: HTTP 200 means revoked — or already invalid; §2.2.1 errors).

use crate::form;
use crate::secret::{AccessToken, RefreshToken};
use crate::token::{error_from_fields, post_form, ClientAuth, ErrorResponse, TokenRequestError};

/// The token to revoke; the variant sets `token_type_hint` (RFC 7009 §2.1).
#[derive(Debug, Clone, Copy)]
pub enum TokenToRevoke<'a> {
    /// An access token.
    Access(&'a AccessToken),
    /// A refresh token (revoking it usually revokes its access tokens too).
    Refresh(&'a RefreshToken),
}

/// Builds `POST revocation_endpoint` with `token` and `token_type_hint`.
pub fn build_revocation_request(
    revocation_endpoint: &str,
    auth: &ClientAuth<'_>,
    token: TokenToRevoke<'_>,
) -> Result<http::Request<Vec<u8>>, TokenRequestError> {
    let (value, hint) = match token {
        TokenToRevoke::Access(t) => (t.secret(), "access_token"),
        TokenToRevoke::Refresh(t) => (t.secret(), "refresh_token"),
    };
    let mut pairs = vec![("token", value), ("token_type_hint", hint)];
    let basic = auth.apply(&mut pairs);
    post_form(revocation_endpoint, &pairs, basic)
}

/// Why a revocation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RevocationError {
    /// The server's error response (§2.2.1), e.g. `unsupported_token_type`.
    #[error("revocation endpoint error: {0}")]
    Server(ErrorResponse),
    /// Another non-success status (503 means: retry later, §2.2.1).
    #[error("revocation: HTTP {status}")]
    HttpStatus {
        /// The status.
        status: u16,
        /// The body, truncated.
        body: String,
    },
}

/// Reads a revocation response: any 200 is success, whatever the body (§2.2).
pub fn parse_revocation_response(
    response: &http::Response<Vec<u8>>,
) -> Result<(), RevocationError> {
    let status = response.status().as_u16();
    if status == 200 {
        return Ok(());
    }
    let fields = form::body_fields(
        response.headers().get(http::header::CONTENT_TYPE),
        response.body(),
    );
    if let Some(err) = fields.as_ref().and_then(|f| error_from_fields(status, f)) {
        return Err(RevocationError::Server(err));
    }
    Err(RevocationError::HttpStatus {
        status,
        body: form::truncate_body(response.body()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::ErrorCode;

    #[test]
    fn request_sets_the_hint() {
        let rt = RefreshToken::new("r 1");
        let req = build_revocation_request(
            "https://idp.example/revoke",
            &ClientAuth::Public { client_id: "spa" },
            TokenToRevoke::Refresh(&rt),
        )
        .unwrap();
        assert_eq!(
            req.body(),
            b"token=r+1&token_type_hint=refresh_token&client_id=spa"
        );
        assert_eq!(
            req.headers()["content-type"],
            "application/x-www-form-urlencoded"
        );
        let at = AccessToken::new("a");
        let req = build_revocation_request(
            "https://idp.example/revoke",
            &ClientAuth::Public { client_id: "spa" },
            TokenToRevoke::Access(&at),
        )
        .unwrap();
        assert_eq!(
            req.body(),
            b"token=a&token_type_hint=access_token&client_id=spa"
        );
    }

    #[test]
    fn responses() {
        let ok = http::Response::builder()
            .status(200)
            .body(b"".to_vec())
            .unwrap();
        assert_eq!(parse_revocation_response(&ok), Ok(()));
        let err = http::Response::builder()
            .status(400)
            .header("content-type", "application/json")
            .body(br#"{"error":"unsupported_token_type"}"#.to_vec())
            .unwrap();
        assert!(matches!(
            parse_revocation_response(&err),
            Err(RevocationError::Server(ErrorResponse {
                error: ErrorCode::UnsupportedTokenType,
                status: 400,
                ..
            }))
        ));
        let down = http::Response::builder()
            .status(503)
            .body(b"busy".to_vec())
            .unwrap();
        assert_eq!(
            parse_revocation_response(&down),
            Err(RevocationError::HttpStatus {
                status: 503,
                body: "busy".into()
            })
        );
    }
}
