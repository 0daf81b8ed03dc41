//! Provider metadata: [RFC 8414](https://www.rfc-editor.org/rfc/rfc8414) (OAuth 2.0
//! Authorization Server Metadata) and OpenID Connect Discovery 1.0.
//!
//! ```
//! use latchkey_proto::discovery::*;
//! let url = openid_configuration_url("http://127.0.0.1:9000/o").unwrap();
//! assert_eq!(url, "http://127.0.0.1:9000/o/.well-known/openid-configuration");
//! let request = build_metadata_request(&url).unwrap(); // GET, Accept: application/json
//! # let _ = request;
//! // … send it; then `parse_metadata_response(&response, "http://127.0.0.1:9000/o")`.
//! ```
//!
//! The document's `issuer` must equal the expected issuer byte for byte (OIDC Discovery §4.3,
//! RFC 8414 §3.3): anything else would let one provider speak for another. The one named
//! exception is Entra's multi-tenant authorities, whose documents name the
//! `https://login.microsoftonline.com/{tenantid}/v2.0` template
//! ([`crate::preset::entra::ExpectedIssuer`]).

use serde_json::{Map, Value};

use crate::form::{self, EndpointProblem};
use crate::json::{self, FieldProblem};
use crate::preset::entra::ExpectedIssuer;

/// Why metadata could not be fetched or accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DiscoveryError {
    /// The issuer is not a usable identifier (RFC 8414 §2: https URL, no query or fragment;
    /// http is accepted for loopback test providers).
    #[error("discovery: issuer {0}")]
    Issuer(EndpointProblem),
    /// The issuer has a query component (RFC 8414 §2).
    #[error("discovery: issuer has a query")]
    IssuerQuery,
    /// The metadata URL is not a URI the HTTP layer accepts.
    #[error("discovery: metadata URL is not a valid URI")]
    InvalidUri,
    /// The server answered with a non-success status.
    #[error("discovery: HTTP {status}")]
    HttpStatus {
        /// The status.
        status: u16,
        /// The body, truncated.
        body: String,
    },
    /// The body is not a JSON object.
    #[error("discovery: the metadata is not a JSON object")]
    NotAnObject {
        /// The body, truncated.
        body: String,
    },
    /// A field is missing or malformed.
    #[error("discovery: {field:?} {problem}")]
    InvalidField {
        /// The field.
        field: &'static str,
        /// What is wrong.
        problem: &'static str,
        /// The body, truncated.
        body: String,
    },
    /// The document speaks for another issuer.
    #[error("discovery: issuer {got:?} is not the expected {expected:?}")]
    IssuerMismatch {
        /// The issuer asked for.
        expected: String,
        /// The issuer in the document.
        got: String,
    },
}

fn check_issuer(issuer: &str) -> Result<(), DiscoveryError> {
    form::check_endpoint(issuer).map_err(DiscoveryError::Issuer)?;
    if issuer.contains('?') {
        return Err(DiscoveryError::IssuerQuery);
    }
    Ok(())
}

/// OpenID Connect Discovery §4: `/.well-known/openid-configuration` appended to the issuer
/// (after removing one trailing `/`), so an issuer path is kept in front.
pub fn openid_configuration_url(issuer: &str) -> Result<String, DiscoveryError> {
    check_issuer(issuer)?;
    Ok(format!(
        "{}/.well-known/openid-configuration",
        issuer.strip_suffix('/').unwrap_or(issuer)
    ))
}

/// RFC 8414 §3.1: `/.well-known/oauth-authorization-server` inserted between the host and the
/// issuer's path (`https://h/tenant` → `https://h/.well-known/oauth-authorization-server/tenant`).
pub fn authorization_server_metadata_url(issuer: &str) -> Result<String, DiscoveryError> {
    check_issuer(issuer)?;
    // check_issuer accepted it, so its first ':' starts "://" (a char search: no substring
    // searcher in the wasm for this).
    let scheme_end = issuer.find(':').map_or(0, |i| i + 3);
    let path_start = issuer[scheme_end..]
        .find('/')
        .map_or(issuer.len(), |i| scheme_end + i);
    let (origin, path) = issuer.split_at(path_start);
    let path = path.strip_suffix('/').unwrap_or(path);
    Ok(format!(
        "{origin}/.well-known/oauth-authorization-server{path}"
    ))
}

/// The GET request for a metadata document (or a JWKS).
pub fn build_metadata_request(url: &str) -> Result<http::Request<Vec<u8>>, DiscoveryError> {
    form::http_request(
        http::Method::GET,
        url,
        &[(http::header::ACCEPT, "application/json")],
        Vec::new(),
    )
    .ok_or(DiscoveryError::InvalidUri)
}

/// The provider metadata Latchkey uses (RFC 8414 §2, OIDC Discovery §3).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ProviderMetadata {
    /// The issuer (equal to the expected one).
    pub issuer: String,
    /// RFC 6749 §3.1.
    pub authorization_endpoint: Option<String>,
    /// RFC 6749 §3.2.
    pub token_endpoint: Option<String>,
    /// OIDC Core §5.3.
    pub userinfo_endpoint: Option<String>,
    /// RFC 7517 key set.
    pub jwks_uri: Option<String>,
    /// RFC 7009.
    pub revocation_endpoint: Option<String>,
    /// OIDC RP-Initiated Logout.
    pub end_session_endpoint: Option<String>,
    /// Scopes the provider lists.
    pub scopes_supported: Option<Vec<String>>,
    /// `response_types_supported`.
    pub response_types_supported: Option<Vec<String>>,
    /// `grant_types_supported`.
    pub grant_types_supported: Option<Vec<String>>,
    /// PKCE methods (RFC 8414 §2); `None` when the provider does not say.
    pub code_challenge_methods_supported: Option<Vec<String>>,
    /// RFC 9207 §3: the provider sends `iss` in authorization responses.
    pub authorization_response_iss_parameter_supported: bool,
    /// JWS algorithms for ID tokens (OIDC Discovery §3).
    pub id_token_signing_alg_values_supported: Option<Vec<String>>,
    /// `token_endpoint_auth_methods_supported`.
    pub token_endpoint_auth_methods_supported: Option<Vec<String>>,
    /// JWS algorithms the server accepts in DPoP proofs (RFC 9449 §5.1); `None` when it does
    /// not say. Defaults when absent so that metadata serialised before the field existed
    /// still reads.
    #[serde(default)]
    pub dpop_signing_alg_values_supported: Option<Vec<String>>,
    /// RFC 9126 §5: where authorization requests may be pushed.
    #[serde(default)]
    pub pushed_authorization_request_endpoint: Option<String>,
    /// RFC 9126 §5: the provider accepts pushed authorization requests only.
    #[serde(default)]
    pub require_pushed_authorization_requests: bool,
    /// Every other member.
    pub extra: Map<String, Value>,
}

impl ProviderMetadata {
    /// `Some(true)` when the provider lists `S256`, `Some(false)` when it lists PKCE methods
    /// without it, `None` when it does not say (many providers support PKCE silently).
    pub fn supports_s256(&self) -> Option<bool> {
        self.code_challenge_methods_supported
            .as_ref()
            .map(|m| m.iter().any(|x| x == "S256"))
    }

    /// `Some(true)` when the provider lists `ES256` for DPoP proofs (the one algorithm
    /// Latchkey signs them with), `Some(false)` when it lists others only, `None` when it
    /// does not say.
    pub fn lists_dpop_es256(&self) -> Option<bool> {
        self.dpop_signing_alg_values_supported
            .as_ref()
            .map(|m| m.iter().any(|x| x == "ES256"))
    }
}

/// Parses a metadata response and checks its issuer.
pub fn parse_metadata_response(
    response: &http::Response<Vec<u8>>,
    expected_issuer: &str,
) -> Result<ProviderMetadata, DiscoveryError> {
    if !response.status().is_success() {
        return Err(DiscoveryError::HttpStatus {
            status: response.status().as_u16(),
            body: form::truncate_body(response.body()),
        });
    }
    parse_metadata(response.body(), expected_issuer)
}

/// Parses a metadata document and checks its issuer.
pub fn parse_metadata(
    body: &[u8],
    expected_issuer: &str,
) -> Result<ProviderMetadata, DiscoveryError> {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
        return Err(DiscoveryError::NotAnObject {
            body: form::truncate_body(body),
        });
    };
    let bad = |(field, problem): (&'static str, FieldProblem)| DiscoveryError::InvalidField {
        field,
        problem: problem.describe(),
        body: form::truncate_body(body),
    };
    let issuer = json::req_str(&map, "issuer").map_err(bad)?;
    // Exact, except Entra's multi-tenant authorities, whose documents name a `{tenantid}`
    // template (see `preset::entra`).
    if !ExpectedIssuer::for_configured(expected_issuer).accepts_document_issuer(&issuer) {
        return Err(DiscoveryError::IssuerMismatch {
            expected: expected_issuer.to_owned(),
            got: issuer,
        });
    }
    let m = &map;
    let metadata = ProviderMetadata {
        issuer,
        authorization_endpoint: json::opt_url(m, "authorization_endpoint").map_err(bad)?,
        token_endpoint: json::opt_url(m, "token_endpoint").map_err(bad)?,
        userinfo_endpoint: json::opt_url(m, "userinfo_endpoint").map_err(bad)?,
        jwks_uri: json::opt_url(m, "jwks_uri").map_err(bad)?,
        revocation_endpoint: json::opt_url(m, "revocation_endpoint").map_err(bad)?,
        end_session_endpoint: json::opt_url(m, "end_session_endpoint").map_err(bad)?,
        scopes_supported: json::opt_str_list(m, "scopes_supported").map_err(bad)?,
        response_types_supported: json::opt_str_list(m, "response_types_supported").map_err(bad)?,
        grant_types_supported: json::opt_str_list(m, "grant_types_supported").map_err(bad)?,
        code_challenge_methods_supported: json::opt_str_list(m, "code_challenge_methods_supported")
            .map_err(bad)?,
        authorization_response_iss_parameter_supported: json::opt_bool(
            m,
            "authorization_response_iss_parameter_supported",
        )
        .map_err(bad)?,
        id_token_signing_alg_values_supported: json::opt_str_list(
            m,
            "id_token_signing_alg_values_supported",
        )
        .map_err(bad)?,
        token_endpoint_auth_methods_supported: json::opt_str_list(
            m,
            "token_endpoint_auth_methods_supported",
        )
        .map_err(bad)?,
        dpop_signing_alg_values_supported: json::opt_str_list(
            m,
            "dpop_signing_alg_values_supported",
        )
        .map_err(bad)?,
        pushed_authorization_request_endpoint: json::opt_url(
            m,
            "pushed_authorization_request_endpoint",
        )
        .map_err(bad)?,
        require_pushed_authorization_requests: json::opt_bool(
            m,
            "require_pushed_authorization_requests",
        )
        .map_err(bad)?,
        extra: Map::new(),
    };
    Ok(ProviderMetadata {
        extra: json::other_fields(
            map,
            &[
                "issuer",
                "authorization_endpoint",
                "token_endpoint",
                "userinfo_endpoint",
                "jwks_uri",
                "revocation_endpoint",
                "end_session_endpoint",
                "scopes_supported",
                "response_types_supported",
                "grant_types_supported",
                "code_challenge_methods_supported",
                "authorization_response_iss_parameter_supported",
                "id_token_signing_alg_values_supported",
                "token_endpoint_auth_methods_supported",
                "dpop_signing_alg_values_supported",
                "pushed_authorization_request_endpoint",
                "require_pushed_authorization_requests",
            ],
        ),
        ..metadata
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openid_configuration_appends_to_the_issuer_path() {
        assert_eq!(
            openid_configuration_url("https://idp.example/tenant/").unwrap(),
            "https://idp.example/tenant/.well-known/openid-configuration"
        );
        assert_eq!(
            openid_configuration_url("https://idp.example").unwrap(),
            "https://idp.example/.well-known/openid-configuration"
        );
    }

    #[test]
    fn rfc8414_inserts_before_the_issuer_path() {
        assert_eq!(
            authorization_server_metadata_url("https://idp.example/tenant/1").unwrap(),
            "https://idp.example/.well-known/oauth-authorization-server/tenant/1"
        );
        assert_eq!(
            authorization_server_metadata_url("https://idp.example").unwrap(),
            "https://idp.example/.well-known/oauth-authorization-server"
        );
    }

    #[test]
    fn bad_issuers_are_refused() {
        assert_eq!(
            openid_configuration_url("idp.example").unwrap_err(),
            DiscoveryError::Issuer(EndpointProblem::NotHttp)
        );
        assert_eq!(
            openid_configuration_url("https://idp.example/?a=1").unwrap_err(),
            DiscoveryError::IssuerQuery
        );
        assert_eq!(
            authorization_server_metadata_url("https://idp.example/#f").unwrap_err(),
            DiscoveryError::Issuer(EndpointProblem::Fragment)
        );
    }

    const DOC: &str = r#"{
        "issuer": "http://127.0.0.1:9000/o",
        "authorization_endpoint": "http://127.0.0.1:9000/o/authorize/",
        "token_endpoint": "http://127.0.0.1:9000/o/token/",
        "userinfo_endpoint": "http://127.0.0.1:9000/o/userinfo/",
        "jwks_uri": "http://127.0.0.1:9000/o/.well-known/jwks.json",
        "end_session_endpoint": "http://127.0.0.1:9000/o/logout/",
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["plain", "S256"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "authorization_response_iss_parameter_supported": true,
        "claims_supported": ["sub"]
    }"#;

    #[test]
    fn parses_a_document() {
        let m = parse_metadata(DOC.as_bytes(), "http://127.0.0.1:9000/o").unwrap();
        assert_eq!(
            m.token_endpoint.as_deref(),
            Some("http://127.0.0.1:9000/o/token/")
        );
        assert_eq!(m.supports_s256(), Some(true));
        assert!(m.authorization_response_iss_parameter_supported);
        assert_eq!(m.revocation_endpoint, None);
        assert_eq!(m.extra["claims_supported"][0], "sub");
        assert!(!m.extra.contains_key("issuer"));
    }

    #[test]
    fn issuer_must_match_exactly() {
        let err = parse_metadata(DOC.as_bytes(), "http://127.0.0.1:9000/o/").unwrap_err();
        assert_eq!(
            err,
            DiscoveryError::IssuerMismatch {
                expected: "http://127.0.0.1:9000/o/".into(),
                got: "http://127.0.0.1:9000/o".into()
            }
        );
    }

    /// Entra's `common` document, in the shape Microsoft publishes (trimmed).
    const ENTRA_COMMON: &str = r#"{
        "issuer": "https://login.microsoftonline.com/{tenantid}/v2.0",
        "authorization_endpoint": "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
        "token_endpoint": "https://login.microsoftonline.com/common/oauth2/v2.0/token",
        "jwks_uri": "https://login.microsoftonline.com/common/discovery/v2.0/keys",
        "end_session_endpoint": "https://login.microsoftonline.com/common/oauth2/v2.0/logout",
        "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
        "tenant_region_scope": null,
        "cloud_instance_name": "microsoftonline.com"
    }"#;

    #[test]
    fn entra_multi_tenant_document_names_the_tenantid_template() {
        for audience in ["common", "organizations", "consumers"] {
            let expected = format!("https://login.microsoftonline.com/{audience}/v2.0");
            let m = parse_metadata(ENTRA_COMMON.as_bytes(), &expected).unwrap();
            assert_eq!(
                m.issuer,
                "https://login.microsoftonline.com/{tenantid}/v2.0"
            );
            assert_eq!(
                m.jwks_uri.as_deref(),
                Some("https://login.microsoftonline.com/common/discovery/v2.0/keys")
            );
        }
    }

    #[test]
    fn the_tenantid_template_speaks_for_no_other_issuer() {
        for expected in [
            "https://idp.example",
            "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0",
            "https://login.microsoftonline.com/common/v2.0/",
            "https://login.microsoftonline.com/common",
        ] {
            let err = parse_metadata(ENTRA_COMMON.as_bytes(), expected).unwrap_err();
            assert!(
                matches!(err, DiscoveryError::IssuerMismatch { .. }),
                "{expected}: {err:?}"
            );
        }
        // And a multi-tenant authority still refuses a document for one particular tenant.
        let one_tenant = ENTRA_COMMON.replace("{tenantid}", "72f988bf-86f1-41af-91ab-2d7cd011db47");
        assert!(matches!(
            parse_metadata(
                one_tenant.as_bytes(),
                "https://login.microsoftonline.com/common/v2.0"
            ),
            Err(DiscoveryError::IssuerMismatch { .. })
        ));
    }

    #[test]
    fn malformed_fields_are_named() {
        let err = parse_metadata(
            br#"{"issuer":"https://i.example","token_endpoint":5}"#,
            "https://i.example",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"discovery: "token_endpoint" is not a string"#
        );
        let err = parse_metadata(
            br#"{"issuer":"https://i.example","jwks_uri":"/jwks"}"#,
            "https://i.example",
        )
        .unwrap_err();
        assert!(matches!(
            err,
            DiscoveryError::InvalidField {
                field: "jwks_uri",
                ..
            }
        ));
        let err = parse_metadata(
            br#"{"issuer":"https://i.example","code_challenge_methods_supported":"S256"}"#,
            "https://i.example",
        )
        .unwrap_err();
        assert!(matches!(
            err,
            DiscoveryError::InvalidField {
                field: "code_challenge_methods_supported",
                ..
            }
        ));
        let err = parse_metadata(
            br#"{"authorization_endpoint":"https://i.example/a"}"#,
            "https://i.example",
        )
        .unwrap_err();
        assert_eq!(err.to_string(), r#"discovery: "issuer" is missing"#);
        assert!(matches!(
            parse_metadata(b"<html>", "https://i.example").unwrap_err(),
            DiscoveryError::NotAnObject { .. }
        ));
    }

    #[test]
    fn metadata_request_is_a_json_get() {
        let req =
            build_metadata_request("https://i.example/.well-known/openid-configuration").unwrap();
        assert_eq!(req.method(), http::Method::GET);
        assert_eq!(req.headers()["accept"], "application/json");
        assert_eq!(
            build_metadata_request("not a url").unwrap_err(),
            DiscoveryError::InvalidUri
        );
    }

    #[test]
    fn http_errors_are_reported() {
        let resp = http::Response::builder()
            .status(404)
            .body(b"not found".to_vec())
            .unwrap();
        assert_eq!(
            parse_metadata_response(&resp, "https://i.example").unwrap_err(),
            DiscoveryError::HttpStatus {
                status: 404,
                body: "not found".into()
            }
        );
    }

    #[test]
    fn dpop_algorithms_are_read_and_es256_support_is_three_valued() {
        let m = parse_metadata(
            br#"{"issuer":"https://i.example","dpop_signing_alg_values_supported":["ES256","PS256"]}"#,
            "https://i.example",
        )
        .unwrap();
        assert_eq!(
            m.dpop_signing_alg_values_supported,
            Some(vec!["ES256".to_owned(), "PS256".to_owned()])
        );
        assert_eq!(m.lists_dpop_es256(), Some(true));
        assert!(!m.extra.contains_key("dpop_signing_alg_values_supported"));
        let m = parse_metadata(
            br#"{"issuer":"https://i.example","dpop_signing_alg_values_supported":["RS256"]}"#,
            "https://i.example",
        )
        .unwrap();
        assert_eq!(m.lists_dpop_es256(), Some(false));
        let m = parse_metadata(br#"{"issuer":"https://i.example"}"#, "https://i.example").unwrap();
        assert_eq!(m.lists_dpop_es256(), None);
        let err = parse_metadata(
            br#"{"issuer":"https://i.example","dpop_signing_alg_values_supported":"ES256"}"#,
            "https://i.example",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"discovery: "dpop_signing_alg_values_supported" is not a list of strings"#
        );
    }

    #[test]
    fn metadata_serialised_without_the_dpop_field_still_reads() {
        let m = parse_metadata(DOC.as_bytes(), "http://127.0.0.1:9000/o").unwrap();
        let mut json = serde_json::to_value(&m).unwrap();
        json.as_object_mut()
            .unwrap()
            .remove("dpop_signing_alg_values_supported");
        let back: ProviderMetadata = serde_json::from_value(json).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn s256_support_is_three_valued() {
        let m = parse_metadata(
            br#"{"issuer":"https://i.example","code_challenge_methods_supported":["plain"]}"#,
            "https://i.example",
        )
        .unwrap();
        assert_eq!(m.supports_s256(), Some(false));
        let m = parse_metadata(br#"{"issuer":"https://i.example"}"#, "https://i.example").unwrap();
        assert_eq!(m.supports_s256(), None);
    }
}
