//! The authorization response: RFC 6749 §4.1.2 (success), §4.1.2.1 (error) and the `iss`
//! parameter of [RFC 9207](https://www.rfc-editor.org/rfc/rfc9207).
//!
//! ```
//! use latchkey_proto::authorize::{begin, FlowRandomness, FlowStart};
//! use latchkey_proto::callback::{validate_callback, CallbackError, IssParameter};
//! # let scopes = ["openid".to_owned()];
//! # let start = FlowStart { provider_id: "dot", issuer: Some("https://idp.example"),
//! #   authorization_endpoint: "https://idp.example/authorize", client_id: "spa",
//! #   redirect_uri: "https://app.example/callback", scopes: &scopes, return_to: "/", extra: &[] };
//! # let (_, pending) = begin(&start, &FlowRandomness { state: &[1; 16], nonce: &[2; 16], verifier: &[3; 32] }, 0).unwrap();
//! let url = format!("https://app.example/callback?code=abc&state={}&iss=https%3A%2F%2Fidp.example",
//!     pending.state.secret());
//! match validate_callback(&url, &pending, IssParameter::Required, 5) {
//!     Ok(validated) => { /* token::build_code_request(.., validated, pending.verifier) */ }
//!     Err(CallbackError::Authorization(e)) => { /* the provider said no: show e.error */ }
//!     Err(other) => { /* forged, stale or broken response: show a generic failure */ }
//! }
//! ```
//!
//! Checks, in order: parameters parse and none is repeated; `state` matches the pending flow's
//! in constant time (also for error responses, so a forged error cannot reach the user); `iss`
//! matches the expected issuer (required on a success response when the provider's metadata
//! advertises `authorization_response_iss_parameter_supported`, always compared when present); then a
//! provider error becomes [`CallbackError::Authorization`]; the flow is not older than
//! [`PENDING_FLOW_MAX_AGE_SECS`](crate::authorize::PENDING_FLOW_MAX_AGE_SECS); and a `code`
//! is present.

use crate::authorize::PendingFlow;
use crate::discovery::ProviderMetadata;
use crate::form;
use crate::secret::State;
use crate::token::ErrorCode;

/// Whether the provider promises an `iss` in its authorization responses (RFC 9207 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssParameter {
    /// Metadata says `authorization_response_iss_parameter_supported: true`: a response
    /// without `iss` is refused (a mix-up attack could have stripped it).
    Required,
    /// The provider does not advertise it; an `iss` that is present is still compared.
    NotAdvertised,
}

impl IssParameter {
    /// Reads the promise from discovered metadata (none known: [`IssParameter::NotAdvertised`]).
    pub fn from_metadata(metadata: Option<&ProviderMetadata>) -> Self {
        match metadata {
            Some(m) if m.authorization_response_iss_parameter_supported => IssParameter::Required,
            _ => IssParameter::NotAdvertised,
        }
    }
}

/// The provider's own refusal (RFC 6749 §4.1.2.1), e.g. the user denied consent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationError {
    /// The `error` code.
    pub error: ErrorCode,
    /// `error_description`, human-readable, from the provider (untrusted text).
    pub description: Option<String>,
    /// `error_uri`, from the provider (untrusted; do not auto-follow).
    pub uri: Option<String>,
}

impl core::fmt::Display for AuthorizationError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.error.as_str())?;
        if let Some(d) = &self.description {
            write!(f, ": {d}")?;
        }
        Ok(())
    }
}

/// Why a callback was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallbackError {
    /// The provider answered with an error (a genuine response: state and iss checked).
    #[error("authorization refused by the provider: {0}")]
    Authorization(AuthorizationError),
    /// The callback URL has no query.
    #[error("callback: the URL carries no query parameters")]
    NoParameters,
    /// A parameter appears more than once (RFC 6749 §3.1).
    #[error("callback: parameter {0:?} appears more than once")]
    DuplicateParameter(String),
    /// A required parameter is absent.
    #[error("callback: parameter {0:?} is missing")]
    MissingParameter(&'static str),
    /// `state` differs from the pending flow's: possibly a CSRF or a stale tab.
    #[error("callback: state does not match the pending sign-in")]
    StateMismatch,
    /// The provider advertises RFC 9207 but sent no `iss`.
    #[error("callback: parameter \"iss\" is missing (RFC 9207)")]
    MissingIss,
    /// `iss` names another issuer than the one the flow started with: a mix-up attack.
    #[error("callback: iss {got:?} is not the expected issuer {expected:?}")]
    IssMismatch {
        /// The issuer the flow began with.
        expected: String,
        /// The `iss` received.
        got: String,
    },
    /// `iss` arrived but the flow has no issuer to compare it with.
    #[error("callback: iss {0:?} received but no issuer is configured for this provider")]
    UnexpectedIss(String),
    /// The pending flow is older than allowed.
    #[error("callback: the sign-in took too long; start again")]
    Expired,
}

crate::secret::secret_type!(
    /// An OAuth 2.0 authorization code (RFC 6749 §1.3.1): with the PKCE verifier it buys
    /// tokens, so it is handled like the other secrets.
    AuthorizationCode
);

/// An authorization code from a callback that passed every check. Only
/// [`validate_callback`] makes one, and [`crate::token::build_code_request`] needs one.
pub struct ValidatedCallback {
    code: AuthorizationCode,
    redirect_uri: String,
    iss: Option<String>,
}

impl ValidatedCallback {
    /// The authorization code.
    ///
    /// Dangerous: a code plus the verifier is a token. Read it only to relay it to the
    /// companion's token mediation endpoint.
    pub fn code(&self) -> &str {
        self.code.secret()
    }

    /// The `redirect_uri` the flow used (the token request repeats it).
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// The `iss` received, if any.
    pub fn iss(&self) -> Option<&str> {
        self.iss.as_deref()
    }
}

impl core::fmt::Debug for ValidatedCallback {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ValidatedCallback")
            .field("code", &self.code)
            .field("redirect_uri", &self.redirect_uri)
            .field("iss", &self.iss)
            .finish()
    }
}

/// Validates the URL the provider redirected the browser to (`location.href`) against the
/// pending flow found under its `state`. `now` is seconds since the Unix epoch.
pub fn validate_callback(
    callback_url: &str,
    pending: &PendingFlow,
    iss_parameter: IssParameter,
    now: u64,
) -> Result<ValidatedCallback, CallbackError> {
    let query = callback_query(callback_url).ok_or(CallbackError::NoParameters)?;
    let params = form::parse_unique(query).map_err(|d| CallbackError::DuplicateParameter(d.0))?;
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };

    let state = get("state").ok_or(CallbackError::MissingParameter("state"))?;
    if !State::new(state).ct_eq(&pending.state) {
        return Err(CallbackError::StateMismatch);
    }

    let iss = get("iss");
    match (iss, pending.issuer.as_deref()) {
        (Some(got), Some(expected)) if got != expected => {
            return Err(CallbackError::IssMismatch {
                expected: expected.to_owned(),
                got: got.to_owned(),
            })
        }
        (Some(got), None) => return Err(CallbackError::UnexpectedIss(got.to_owned())),
        // An *error* response without `iss` is still reported as the provider's error: the state
        // already binds it to this flow, and an error exchanges nothing, so a mix-up gains
        // nothing from it. Real providers omit `iss` there (Django OAuth Toolkit 3.4.1, see
        // docs/notes/django-oauth-toolkit.md); refusing would turn "you cancelled" into a
        // security alarm. A *wrong* `iss` is refused above, error or not.
        (None, _) if iss_parameter == IssParameter::Required && get("error").is_none() => {
            return Err(CallbackError::MissingIss)
        }
        _ => {}
    }

    if let Some(error) = get("error") {
        return Err(CallbackError::Authorization(AuthorizationError {
            error: ErrorCode::parse(error),
            description: get("error_description").map(str::to_owned),
            uri: get("error_uri").map(str::to_owned),
        }));
    }
    if pending.is_expired(now) {
        return Err(CallbackError::Expired);
    }
    let code = get("code")
        .filter(|c| !c.is_empty())
        .ok_or(CallbackError::MissingParameter("code"))?;
    Ok(ValidatedCallback {
        code: AuthorizationCode::new(code),
        redirect_uri: pending.redirect_uri.clone(),
        iss: iss.map(str::to_owned),
    })
}

/// Reads only the `state` of a callback URL, to find the pending flow in storage. The value
/// is unchecked: pass the flow it finds to [`validate_callback`].
pub fn callback_state(callback_url: &str) -> Option<String> {
    let query = callback_query(callback_url)?;
    let params = form::parse_unique(query).ok()?;
    params
        .into_iter()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v)
}

/// The query of a URL: after the first `?`, before any `#`.
fn callback_query(url: &str) -> Option<&str> {
    let without_fragment = url.split('#').next().unwrap_or(url);
    let (_, query) = without_fragment.split_once('?')?;
    (!query.is_empty()).then_some(query)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authorize::{begin, FlowRandomness, FlowStart};
    use proptest::prelude::*;

    const ISSUER: &str = "https://idp.example";

    fn pending(issuer: Option<&str>) -> PendingFlow {
        let scopes = ["openid".to_owned()];
        let start = FlowStart {
            provider_id: "p",
            issuer,
            authorization_endpoint: "https://idp.example/authorize",
            client_id: "spa",
            redirect_uri: "https://app.example/callback",
            scopes: &scopes,
            return_to: "/",
            extra: &[],
        };
        let random = FlowRandomness {
            state: &[0xAA; 16],
            nonce: &[2; 16],
            verifier: &[3; 32],
        };
        begin(&start, &random, 1000).unwrap().1
    }

    const STATE: &str = "qqqqqqqqqqqqqqqqqqqqqg";

    fn cb(query: &str) -> String {
        format!("https://app.example/callback?{query}")
    }

    #[test]
    fn accepts_a_good_response() {
        let p = pending(Some(ISSUER));
        let v = validate_callback(
            &cb(&format!(
                "code=c0de&state={STATE}&iss=https%3A%2F%2Fidp.example"
            )),
            &p,
            IssParameter::Required,
            1001,
        )
        .unwrap();
        assert_eq!(v.code(), "c0de");
        assert_eq!(v.redirect_uri(), "https://app.example/callback");
        assert_eq!(v.iss(), Some(ISSUER));
        assert!(!format!("{v:?}").contains("c0de"));
    }

    #[test]
    fn ignores_a_fragment() {
        let p = pending(None);
        let url = format!("https://app.example/callback?code=c&state={STATE}#_=_");
        assert_eq!(
            validate_callback(&url, &p, IssParameter::NotAdvertised, 1000)
                .unwrap()
                .code(),
            "c"
        );
    }

    #[test]
    fn refuses_a_wrong_state() {
        let p = pending(None);
        let err = validate_callback(
            &cb("code=c&state=qqqqqqqqqqqqqqqqqqqqqh"),
            &p,
            IssParameter::NotAdvertised,
            1000,
        )
        .unwrap_err();
        assert_eq!(err, CallbackError::StateMismatch);
    }

    #[test]
    fn refuses_a_missing_state_or_code() {
        let p = pending(None);
        assert_eq!(
            validate_callback(&cb("code=c"), &p, IssParameter::NotAdvertised, 1000).unwrap_err(),
            CallbackError::MissingParameter("state")
        );
        assert_eq!(
            validate_callback(
                &cb(&format!("state={STATE}&code=")),
                &p,
                IssParameter::NotAdvertised,
                1000
            )
            .unwrap_err(),
            CallbackError::MissingParameter("code")
        );
        assert_eq!(
            validate_callback(
                "https://app.example/callback",
                &p,
                IssParameter::NotAdvertised,
                1000
            )
            .unwrap_err(),
            CallbackError::NoParameters
        );
    }

    #[test]
    fn refuses_duplicated_parameters() {
        let p = pending(None);
        let err = validate_callback(
            &cb(&format!("code=a&state={STATE}&code=b")),
            &p,
            IssParameter::NotAdvertised,
            1000,
        )
        .unwrap_err();
        assert_eq!(err, CallbackError::DuplicateParameter("code".into()));
    }

    #[test]
    fn rfc9207_iss_required_when_advertised() {
        let p = pending(Some(ISSUER));
        let err = validate_callback(
            &cb(&format!("code=c&state={STATE}")),
            &p,
            IssParameter::Required,
            1000,
        )
        .unwrap_err();
        assert_eq!(err, CallbackError::MissingIss);
        // An error response without iss is still the provider's error (DOT omits iss there) ...
        let err = validate_callback(
            &cb(&format!("error=access_denied&state={STATE}")),
            &p,
            IssParameter::Required,
            1000,
        )
        .unwrap_err();
        assert!(
            matches!(err, CallbackError::Authorization(ref e) if e.error == ErrorCode::AccessDenied)
        );
        // ... but one with a foreign iss is a mix-up.
        let err = validate_callback(
            &cb(&format!(
                "error=access_denied&state={STATE}&iss=https%3A%2F%2Fevil.example"
            )),
            &p,
            IssParameter::Required,
            1000,
        )
        .unwrap_err();
        assert!(matches!(err, CallbackError::IssMismatch { .. }));
        // Not advertised: absence is fine.
        assert!(validate_callback(
            &cb(&format!("code=c&state={STATE}")),
            &p,
            IssParameter::NotAdvertised,
            1000
        )
        .is_ok());
    }

    #[test]
    fn rfc9207_iss_compared_whenever_present() {
        let p = pending(Some(ISSUER));
        let err = validate_callback(
            &cb(&format!(
                "code=c&state={STATE}&iss=https%3A%2F%2Fevil.example"
            )),
            &p,
            IssParameter::NotAdvertised,
            1000,
        )
        .unwrap_err();
        assert_eq!(
            err,
            CallbackError::IssMismatch {
                expected: ISSUER.into(),
                got: "https://evil.example".into()
            }
        );
        // A trailing slash is a different issuer (exact comparison, RFC 9207 §2.4).
        let err = validate_callback(
            &cb(&format!(
                "code=c&state={STATE}&iss=https%3A%2F%2Fidp.example%2F"
            )),
            &p,
            IssParameter::Required,
            1000,
        )
        .unwrap_err();
        assert!(matches!(err, CallbackError::IssMismatch { .. }));
        let p = pending(None);
        let err = validate_callback(
            &cb(&format!("code=c&state={STATE}&iss=x")),
            &p,
            IssParameter::NotAdvertised,
            1000,
        )
        .unwrap_err();
        assert_eq!(err, CallbackError::UnexpectedIss("x".into()));
    }

    #[test]
    fn provider_errors_are_typed() {
        let p = pending(None);
        let err = validate_callback(
            &cb(&format!(
                "error=access_denied&error_description=The+user+said+no&state={STATE}"
            )),
            &p,
            IssParameter::NotAdvertised,
            1000,
        )
        .unwrap_err();
        assert_eq!(
            err,
            CallbackError::Authorization(AuthorizationError {
                error: ErrorCode::AccessDenied,
                description: Some("The user said no".into()),
                uri: None
            })
        );
        let err = validate_callback(
            &cb(&format!("error=weird_thing&state={STATE}")),
            &p,
            IssParameter::NotAdvertised,
            1000,
        )
        .unwrap_err();
        assert!(
            matches!(err, CallbackError::Authorization(AuthorizationError { error: ErrorCode::Other(ref s), .. }) if s == "weird_thing")
        );
    }

    #[test]
    fn a_forged_error_with_a_wrong_state_is_a_state_mismatch() {
        let p = pending(None);
        let err = validate_callback(
            &cb("error=access_denied&state=forged"),
            &p,
            IssParameter::NotAdvertised,
            1000,
        )
        .unwrap_err();
        assert_eq!(err, CallbackError::StateMismatch);
    }

    #[test]
    fn refuses_an_expired_flow() {
        let p = pending(None);
        let err = validate_callback(
            &cb(&format!("code=c&state={STATE}")),
            &p,
            IssParameter::NotAdvertised,
            1000 + 601,
        )
        .unwrap_err();
        assert_eq!(err, CallbackError::Expired);
    }

    #[test]
    fn callback_state_finds_the_storage_key() {
        assert_eq!(
            callback_state(&cb("code=c&state=abc")).as_deref(),
            Some("abc")
        );
        assert_eq!(callback_state(&cb("code=c")), None);
    }

    proptest! {
        #[test]
        fn never_panics(url in "\\PC{0,200}", query in "[a-z=&%0-9A-F+_#?]{0,100}") {
            let p = pending(Some(ISSUER));
            let _ = validate_callback(&url, &p, IssParameter::Required, 1000);
            let _ = validate_callback(&cb(&query), &p, IssParameter::NotAdvertised, 1000);
            let _ = callback_state(&url);
        }
    }
}
