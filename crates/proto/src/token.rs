//! The token endpoint: requests (RFC 6749 §4.1.3 code exchange, §6 refresh, §2.3.1 client
//! authentication) and responses (§5.1 success, §5.2 error).
//!
//! ```
//! # use latchkey_proto::token::*;
//! let auth = ClientAuth::Public { client_id: "spa" };
//! # let refresh = latchkey_proto::secret::RefreshToken::new("r");
//! let request = build_refresh_request("https://idp.example/token", &auth, &refresh, None).unwrap();
//! // … send it, then:
//! let response = http::Response::builder()
//!     .status(200)
//!     .header("content-type", "application/json")
//!     .body(br#"{"access_token":"a","token_type":"Bearer","expires_in":3600}"#.to_vec())
//!     .unwrap();
//! let tokens = parse_token_response(&response).unwrap();
//! assert_eq!(tokens.expires_in, Some(3600));
//! # let _ = request;
//! ```
//!
//! The parser is strict where RFC 6749 §5.1 is (`access_token` and `token_type` required,
//! `token_type` must be `Bearer`, compared case-insensitively per §5.1 — or `DPoP` when the
//! request carried a DPoP proof, [`parse_token_response_accepting`]) and tolerant of these
//! provider quirks, each tested: `expires_in` sent as a string (Azure AD v1.0); `scope` as a
//! JSON array (Twitch); an error body with HTTP 200 (GitHub); a form-encoded body (GitHub
//! without `Accept: application/json`).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{Map, Value};

use crate::callback::ValidatedCallback;
use crate::form::{self, EndpointProblem};
use crate::json::{self, FieldProblem};
use crate::pkce::Verifier;
use crate::secret::{AccessToken, ClientSecret, RefreshToken};

/// How the client authenticates at the token endpoint (RFC 6749 §2.3).
#[derive(Debug, Clone, Copy)]
pub enum ClientAuth<'a> {
    /// A public client (the browser): only `client_id`, in the body (§3.2.1).
    Public {
        /// The client id.
        client_id: &'a str,
    },
    /// `client_secret_basic`: HTTP Basic with the form-encoded id and secret (§2.3.1).
    SecretBasic {
        /// The client id.
        client_id: &'a str,
        /// The client secret.
        secret: &'a ClientSecret,
    },
    /// `client_secret_post`: id and secret in the body (§2.3.1, "NOT RECOMMENDED" but some
    /// providers accept nothing else).
    SecretPost {
        /// The client id.
        client_id: &'a str,
        /// The client secret.
        secret: &'a ClientSecret,
    },
}

impl ClientAuth<'_> {
    /// Adds this authentication to a form body and, for Basic, returns the header value.
    pub(crate) fn apply<'b>(&'b self, pairs: &mut Vec<(&'b str, &'b str)>) -> Option<String> {
        match self {
            ClientAuth::Public { client_id } => {
                pairs.push(("client_id", client_id));
                None
            }
            ClientAuth::SecretPost { client_id, secret } => {
                pairs.push(("client_id", client_id));
                pairs.push(("client_secret", secret.secret()));
                None
            }
            ClientAuth::SecretBasic { client_id, secret } => {
                // §2.3.1: each part is form-encoded before joining, so a ':' in the id survives.
                let id: String = form_urlencoded::byte_serialize(client_id.as_bytes()).collect();
                let pw: String =
                    form_urlencoded::byte_serialize(secret.secret().as_bytes()).collect();
                Some(format!("Basic {}", STANDARD.encode(format!("{id}:{pw}"))))
            }
        }
    }
}

/// A confidential client's authentication method as configured (the names of RFC 8414
/// `token_endpoint_auth_methods_supported`), for the companion's token mediation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuthMethod {
    /// `client_secret_basic` (RFC 6749 §2.3.1; the default every server must support).
    #[default]
    ClientSecretBasic,
    /// `client_secret_post`.
    ClientSecretPost,
}

impl ClientAuthMethod {
    /// The [`ClientAuth`] for this method with these credentials.
    pub fn with<'a>(self, client_id: &'a str, secret: &'a ClientSecret) -> ClientAuth<'a> {
        match self {
            ClientAuthMethod::ClientSecretBasic => ClientAuth::SecretBasic { client_id, secret },
            ClientAuthMethod::ClientSecretPost => ClientAuth::SecretPost { client_id, secret },
        }
    }
}

/// Why a token request could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenRequestError {
    /// The token endpoint is unusable.
    #[error("token request: token_endpoint {0}")]
    Endpoint(EndpointProblem),
    /// The endpoint is not a URI the HTTP layer accepts (defensive: the endpoint check above
    /// is stricter than the `http` crate, so this is not expected).
    #[error("token request: token_endpoint is not a valid URI")]
    InvalidUri,
}

/// Builds the authorization-code exchange (RFC 6749 §4.1.3 with RFC 7636 §4.5): consumes the
/// validated callback and the PKCE verifier, so neither can be used twice.
pub fn build_code_request(
    token_endpoint: &str,
    auth: &ClientAuth<'_>,
    callback: ValidatedCallback,
    verifier: Verifier,
) -> Result<http::Request<Vec<u8>>, TokenRequestError> {
    build_relayed_code_request(
        token_endpoint,
        auth,
        callback.code(),
        callback.redirect_uri(),
        verifier,
    )
}

/// The code exchange for the companion's token mediation: the browser validated the callback
/// (with [`crate::callback::validate_callback`]) and relayed `code`, `redirect_uri` and the
/// verifier; the companion adds its client secret through `auth`.
pub fn build_relayed_code_request(
    token_endpoint: &str,
    auth: &ClientAuth<'_>,
    code: &str,
    redirect_uri: &str,
    verifier: Verifier,
) -> Result<http::Request<Vec<u8>>, TokenRequestError> {
    let mut pairs = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri),
        ("code_verifier", verifier.secret()),
    ];
    let basic = auth.apply(&mut pairs);
    post_form(token_endpoint, &pairs, basic)
}

/// Builds a refresh request (RFC 6749 §6). `scopes`, when given, must not exceed the original
/// grant.
pub fn build_refresh_request(
    token_endpoint: &str,
    auth: &ClientAuth<'_>,
    refresh_token: &RefreshToken,
    scopes: Option<&[String]>,
) -> Result<http::Request<Vec<u8>>, TokenRequestError> {
    let scope = scopes.map(|s| s.join(" "));
    let mut pairs = vec![
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token.secret()),
    ];
    if let Some(scope) = &scope {
        pairs.push(("scope", scope));
    }
    let basic = auth.apply(&mut pairs);
    post_form(token_endpoint, &pairs, basic)
}

/// A form POST with `Accept: application/json` (which makes GitHub answer in JSON).
pub(crate) fn post_form(
    endpoint: &str,
    pairs: &[(&str, &str)],
    authorization: Option<String>,
) -> Result<http::Request<Vec<u8>>, TokenRequestError> {
    form::check_endpoint(endpoint).map_err(TokenRequestError::Endpoint)?;
    let mut headers = vec![
        (
            http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        ),
        (http::header::ACCEPT, "application/json"),
    ];
    if let Some(value) = &authorization {
        headers.push((http::header::AUTHORIZATION, value));
    }
    form::http_request(
        http::Method::POST,
        endpoint,
        &headers,
        form::encode(pairs).into_bytes(),
    )
    .ok_or(TokenRequestError::InvalidUri)
}

/// An OAuth 2.0 error code (RFC 6749 §4.1.2.1 and §5.2, OIDC Core §3.1.2.6, RFC 7009 §2.2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorCode {
    /// `invalid_request`
    InvalidRequest,
    /// `invalid_client`
    InvalidClient,
    /// `invalid_grant` (an expired or revoked refresh token, a reused code)
    InvalidGrant,
    /// `unauthorized_client`
    UnauthorizedClient,
    /// `unsupported_grant_type`
    UnsupportedGrantType,
    /// `invalid_scope`
    InvalidScope,
    /// `access_denied`
    AccessDenied,
    /// `unsupported_response_type`
    UnsupportedResponseType,
    /// `server_error`
    ServerError,
    /// `temporarily_unavailable`
    TemporarilyUnavailable,
    /// `interaction_required`
    InteractionRequired,
    /// `login_required`
    LoginRequired,
    /// `account_selection_required`
    AccountSelectionRequired,
    /// `consent_required`
    ConsentRequired,
    /// `unsupported_token_type` (revocation)
    UnsupportedTokenType,
    /// `invalid_dpop_proof` (RFC 9449 §5, §7.1)
    InvalidDpopProof,
    /// `use_dpop_nonce` (RFC 9449 §8, §9): see [`crate::dpop::nonce_challenge`].
    UseDpopNonce,
    /// Any other code, as sent.
    Other(String),
}

impl ErrorCode {
    const KNOWN: &'static [(&'static str, ErrorCode)] = &[
        ("invalid_request", ErrorCode::InvalidRequest),
        ("invalid_client", ErrorCode::InvalidClient),
        ("invalid_grant", ErrorCode::InvalidGrant),
        ("unauthorized_client", ErrorCode::UnauthorizedClient),
        ("unsupported_grant_type", ErrorCode::UnsupportedGrantType),
        ("invalid_scope", ErrorCode::InvalidScope),
        ("access_denied", ErrorCode::AccessDenied),
        (
            "unsupported_response_type",
            ErrorCode::UnsupportedResponseType,
        ),
        ("server_error", ErrorCode::ServerError),
        ("temporarily_unavailable", ErrorCode::TemporarilyUnavailable),
        ("interaction_required", ErrorCode::InteractionRequired),
        ("login_required", ErrorCode::LoginRequired),
        (
            "account_selection_required",
            ErrorCode::AccountSelectionRequired,
        ),
        ("consent_required", ErrorCode::ConsentRequired),
        ("unsupported_token_type", ErrorCode::UnsupportedTokenType),
        ("invalid_dpop_proof", ErrorCode::InvalidDpopProof),
        ("use_dpop_nonce", ErrorCode::UseDpopNonce),
    ];

    /// Reads an `error` value.
    pub fn parse(code: &str) -> Self {
        Self::KNOWN
            .iter()
            .find(|(name, _)| *name == code)
            .map(|(_, c)| c.clone())
            .unwrap_or_else(|| ErrorCode::Other(code.to_owned()))
    }

    /// The code as sent on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            ErrorCode::Other(s) => s,
            known => Self::KNOWN
                .iter()
                .find(|(_, c)| c == known)
                .map_or("", |(name, _)| name),
        }
    }
}

/// The server's own error response (RFC 6749 §5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorResponse {
    /// The HTTP status it came with (GitHub uses 200).
    pub status: u16,
    /// `error`.
    pub error: ErrorCode,
    /// `error_description` (untrusted text).
    pub description: Option<String>,
    /// `error_uri` (untrusted).
    pub uri: Option<String>,
}

impl core::fmt::Display for ErrorResponse {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.error.as_str())?;
        if let Some(d) = &self.description {
            write!(f, ": {d}")?;
        }
        Ok(())
    }
}

/// Reads an error response out of already-decoded fields: `Some` when `error` is present.
pub(crate) fn error_from_fields(status: u16, fields: &Map<String, Value>) -> Option<ErrorResponse> {
    let error = fields.get("error")?.as_str()?;
    Some(ErrorResponse {
        status,
        error: ErrorCode::parse(error),
        description: fields
            .get("error_description")
            .and_then(Value::as_str)
            .map(str::to_owned),
        uri: fields
            .get("error_uri")
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

/// The `token_type` (RFC 6749 §7.1). Only the types the caller said it can use are accepted
/// ([`AcceptedTokenTypes`]): a client must not use a token whose type it does not understand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum TokenType {
    /// RFC 6750 bearer token.
    Bearer,
    /// RFC 9449 DPoP-bound token: every use needs a proof signed with the key it is bound to
    /// (`Authorization: DPoP <token>` plus a `DPoP` header, RFC 9449 §7.1).
    DPoP,
}

/// Which `token_type` values the caller can use, given whether its token request carried a
/// DPoP proof (see [`crate::dpop::DpopUse::accepted_token_types`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AcceptedTokenTypes {
    /// No proof was sent: only `Bearer`.
    Bearer,
    /// A proof was sent and a Bearer token is acceptable too: `DPoP` means the server bound the
    /// token to the key, `Bearer` that it does not do DPoP (RFC 9449 §5).
    BearerOrDpop,
    /// A proof was sent and DPoP is required: only `DPoP`.
    Dpop,
}

/// A successful token response (RFC 6749 §5.1, OIDC Core §3.1.3.3).
///
/// Serialisable (secrets included) only so the app can keep the session in the storage the
/// provider is configured for (`memory`, `tab`, `browser`); `Debug` stays redacted.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct TokenSet {
    /// The access token.
    pub access_token: AccessToken,
    /// [`TokenType::Bearer`], or [`TokenType::DPoP`] when the caller accepted it.
    pub token_type: TokenType,
    /// Lifetime in seconds from the response, if given.
    pub expires_in: Option<u64>,
    /// The refresh token, if issued.
    pub refresh_token: Option<RefreshToken>,
    /// Granted scopes, if the server said (absent means "as requested", §5.1).
    pub scope: Option<Vec<String>>,
    /// The OpenID Connect ID token (compact JWS), unverified: pass it to
    /// [`crate::oidc::verify_id_token`].
    pub id_token: Option<String>,
    /// Every other member of the response.
    pub extra: Map<String, Value>,
}

impl core::fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TokenSet")
            .field("access_token", &self.access_token)
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("refresh_token", &self.refresh_token)
            .field("scope", &self.scope)
            .field("id_token", &self.id_token.as_ref().map(|_| "[redacted]"))
            .field("extra", &self.extra.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Why a token response was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The server's error response (RFC 6749 §5.2), whatever its HTTP status.
    #[error("token endpoint error: {0}")]
    Server(ErrorResponse),
    /// A non-success status without an OAuth error body.
    #[error("token response: HTTP {status}")]
    HttpStatus {
        /// The status.
        status: u16,
        /// The body, truncated.
        body: String,
    },
    /// The body is neither a JSON object nor a form.
    #[error("token response: the body is not a JSON object")]
    NotAnObject {
        /// The body, truncated.
        body: String,
    },
    /// A field is missing or of the wrong type.
    #[error("token response: {field:?} {problem}")]
    InvalidField {
        /// The field's name.
        field: &'static str,
        /// What is wrong with it.
        problem: &'static str,
        /// The body, truncated.
        body: String,
    },
    /// A `token_type` the caller cannot use: neither `Bearer` nor `DPoP`, or `DPoP` when no
    /// proof was sent.
    #[error("token response: unsupported token_type {0:?}")]
    UnsupportedTokenType(String),
    /// A Bearer token although DPoP is required ([`AcceptedTokenTypes::Dpop`]).
    #[error(
        "token response: token_type {0:?} although dpop = \"required\": the provider did not bind \
         the token to the browser's key (does it support DPoP for this client?)"
    )]
    DpopRequired(String),
}

/// Parses a token endpoint response (RFC 6749 §5.1 / §5.2) to a request sent without a DPoP
/// proof: only a `Bearer` token is accepted.
pub fn parse_token_response(response: &http::Response<Vec<u8>>) -> Result<TokenSet, TokenError> {
    parse_token_response_accepting(response, AcceptedTokenTypes::Bearer)
}

/// Parses a token endpoint response (RFC 6749 §5.1 / §5.2), accepting the token types the
/// request allows (RFC 9449 §5 for `DPoP`).
pub fn parse_token_response_accepting(
    response: &http::Response<Vec<u8>>,
    accepted: AcceptedTokenTypes,
) -> Result<TokenSet, TokenError> {
    let body = response.body();
    let status = response.status().as_u16();
    let fields = form::body_fields(response.headers().get(http::header::CONTENT_TYPE), body);
    let Some(fields) = fields else {
        return Err(if response.status().is_success() {
            TokenError::NotAnObject {
                body: form::truncate_body(body),
            }
        } else {
            TokenError::HttpStatus {
                status,
                body: form::truncate_body(body),
            }
        });
    };
    // GitHub answers errors with HTTP 200, so the body decides, not the status.
    if let Some(err) = error_from_fields(status, &fields) {
        return Err(TokenError::Server(err));
    }
    if !response.status().is_success() {
        return Err(TokenError::HttpStatus {
            status,
            body: form::truncate_body(body),
        });
    }
    let bad = |(field, problem): (&'static str, FieldProblem)| TokenError::InvalidField {
        field,
        problem: problem.describe(),
        body: form::truncate_body(body),
    };

    let access_token = json::req_str(&fields, "access_token").map_err(bad)?;
    if access_token.is_empty() {
        return Err(bad(("access_token", FieldProblem::Missing)));
    }
    let token_type = json::req_str(&fields, "token_type").map_err(bad)?;
    // §5.1: the type is case-insensitive; RFC 9449 §5 names it `DPoP`.
    let token_type = match (
        accepted,
        token_type.eq_ignore_ascii_case("bearer"),
        token_type.eq_ignore_ascii_case("dpop"),
    ) {
        (AcceptedTokenTypes::Dpop, true, _) => return Err(TokenError::DpopRequired(token_type)),
        (AcceptedTokenTypes::Bearer | AcceptedTokenTypes::BearerOrDpop, true, _) => {
            TokenType::Bearer
        }
        (AcceptedTokenTypes::Dpop | AcceptedTokenTypes::BearerOrDpop, _, true) => TokenType::DPoP,
        _ => return Err(TokenError::UnsupportedTokenType(token_type)),
    };
    let expires_in = match fields.get("expires_in") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(
            n.as_u64()
                .ok_or(("expires_in", FieldProblem::NotANumber))
                .map_err(bad)?,
        ),
        // Quirk: some providers (and every form-encoded body) send it as a string.
        Some(Value::String(s)) => Some(
            s.trim()
                .parse::<u64>()
                .map_err(|_| bad(("expires_in", FieldProblem::NotANumber)))?,
        ),
        Some(_) => return Err(bad(("expires_in", FieldProblem::NotANumber))),
    };
    let refresh_token = json::opt_str(&fields, "refresh_token")
        .map_err(bad)?
        .filter(|s| !s.is_empty());
    let scope = match fields.get("scope") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(
            s.split([' ', ','])
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        ),
        // Quirk: Twitch sends an array.
        Some(Value::Array(_)) => json::opt_str_list(&fields, "scope").map_err(bad)?,
        Some(_) => return Err(bad(("scope", FieldProblem::NotAStringList))),
    };
    let id_token = json::opt_str(&fields, "id_token").map_err(bad)?;
    let extra = json::other_fields(
        fields,
        &[
            "access_token",
            "token_type",
            "expires_in",
            "refresh_token",
            "scope",
            "id_token",
        ],
    );
    Ok(TokenSet {
        access_token: AccessToken::new(access_token),
        token_type,
        expires_in,
        refresh_token: refresh_token.map(RefreshToken::new),
        scope,
        id_token,
        extra,
    })
}

#[cfg(test)]
mod tests;
