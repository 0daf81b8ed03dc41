//! The authorization request: RFC 6749 §4.1.1 with PKCE (RFC 7636 §4.3) and the OpenID
//! Connect parameters (OIDC Core §3.1.2.1).
//!
//! # Starting a sign-in (what the app does)
//!
//! ```
//! use latchkey_proto::authorize::{begin, FlowRandomness, FlowStart};
//! let scopes = ["openid".to_owned(), "profile".to_owned()];
//! let start = FlowStart {
//!     provider_id: "dot",
//!     issuer: Some("http://127.0.0.1:9000/o"),
//!     authorization_endpoint: "http://127.0.0.1:9000/o/authorize/",
//!     client_id: "spa",
//!     redirect_uri: "http://127.0.0.1:8080/callback",
//!     scopes: &scopes,
//!     return_to: "/",
//!     extra: &[("prompt", "login")],
//! };
//! // 32+ bytes each, from getrandom / crypto.getRandomValues.
//! let random = FlowRandomness { state: &[1; 32], nonce: &[2; 32], verifier: &[3; 32] };
//! let (url, pending) = begin(&start, &random, 1_700_000_000).unwrap();
//! assert!(url.starts_with("http://127.0.0.1:9000/o/authorize/?response_type=code&client_id=spa"));
//! // Store `pending` (as JSON) in sessionStorage under `pending.state.secret()`,
//! // then navigate to `url`.
//! let stored = pending.to_json();
//! # assert!(latchkey_proto::authorize::PendingFlow::from_json(stored.as_bytes()).is_some());
//! ```
//!
//! After the redirect back, [`crate::callback::validate_callback`] checks the response against
//! the [`PendingFlow`] and [`crate::token::build_code_request`] consumes its verifier.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use crate::form::{self, EndpointProblem};
use crate::pkce::{Challenge, PkceError, Verifier};
use crate::secret::{Nonce, State};

mod pending_flow;
pub use pending_flow::PendingFlow;

/// Fewest random bytes for `state` and `nonce` (128 bits; RFC 6749 §10.10 asks for a
/// probability of guessing below 2^-128).
pub const MIN_STATE_BYTES: usize = 16;

/// How long a pending flow stays redeemable: ten minutes, as RFC 6749 §4.1.2 recommends for
/// the code lifetime.
pub const PENDING_FLOW_MAX_AGE_SECS: u64 = 600;

/// Parameters this module sets itself; an extra parameter (a provider's `authorize_params`, a
/// call's `login_hint` or `prompt`) may not override them.
pub const RESERVED: &[&str] = &[
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
];

/// Why an authorization request could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthorizeError {
    /// The authorization endpoint is unusable.
    #[error("authorization request: authorization_endpoint {0}")]
    Endpoint(EndpointProblem),
    /// The redirect URI is unusable (RFC 6749 §3.1.2: absolute, no fragment).
    #[error("authorization request: redirect_uri {0}")]
    RedirectUri(EndpointProblem),
    /// `client_id` is empty.
    #[error("authorization request: client_id is empty")]
    EmptyClientId,
    /// An extra parameter would replace one the protocol sets.
    #[error("authorization request: extra parameter {0:?} is set by the protocol and cannot be overridden")]
    ReservedParameter(String),
    /// Too few random bytes for `state` or `nonce`.
    #[error(
        "authorization request: {field} needs at least {MIN_STATE_BYTES} random bytes, got {got}"
    )]
    NotEnoughRandomness {
        /// `state` or `nonce`.
        field: &'static str,
        /// Bytes supplied.
        got: usize,
    },
    /// The PKCE verifier could not be made.
    #[error("authorization request: {0}")]
    Pkce(#[from] PkceError),
    /// `return_to` is not a same-origin absolute path (`/…`, not `//…`): anything else would
    /// make the callback an open redirector.
    #[error("authorization request: return_to must be a path starting with a single '/'")]
    ReturnTo,
    /// `max_age` is not a whole number of seconds (OIDC Core §3.1.2.1), so neither the
    /// provider nor the ID token check could honour it.
    #[error("authorization request: max_age must be a whole number of seconds, not {0:?}")]
    MaxAge(String),
}

/// The `max_age` among an authorization request's further parameters (OIDC Core §3.1.2.1):
/// `Ok(None)` without one; an error for one that is not a whole number of seconds.
pub fn max_age(extra: &[(&str, &str)]) -> Result<Option<u64>, AuthorizeError> {
    match extra.iter().rev().find(|(name, _)| *name == "max_age") {
        None => Ok(None),
        Some((_, value)) if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => value
            .parse()
            .map(Some)
            .map_err(|_| AuthorizeError::MaxAge((*value).to_owned())),
        Some((_, value)) => Err(AuthorizeError::MaxAge((*value).to_owned())),
    }
}

/// Makes a `state` value from at least [`MIN_STATE_BYTES`] random bytes (base64url).
pub fn state_from_random(bytes: &[u8]) -> Result<State, AuthorizeError> {
    random_token("state", bytes).map(State::new)
}

/// Makes a `nonce` value from at least [`MIN_STATE_BYTES`] random bytes (base64url).
pub fn nonce_from_random(bytes: &[u8]) -> Result<Nonce, AuthorizeError> {
    random_token("nonce", bytes).map(Nonce::new)
}

fn random_token(field: &'static str, bytes: &[u8]) -> Result<String, AuthorizeError> {
    if bytes.len() < MIN_STATE_BYTES {
        return Err(AuthorizeError::NotEnoughRandomness {
            field,
            got: bytes.len(),
        });
    }
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// Everything the authorization URL carries (RFC 6749 §4.1.1, OIDC Core §3.1.2.1).
#[derive(Debug, Clone, Copy)]
pub struct AuthorizationRequest<'a> {
    /// The provider's authorization endpoint; its own query is kept.
    pub authorization_endpoint: &'a str,
    /// The public client's id.
    pub client_id: &'a str,
    /// Where the provider sends the browser back.
    pub redirect_uri: &'a str,
    /// Scopes, joined with spaces; omitted when empty.
    pub scopes: &'a [String],
    /// The CSRF binding (RFC 6749 §10.12).
    pub state: &'a State,
    /// The ID token binding (OIDC Core §3.1.2.1); sent when present. A plain OAuth 2.0
    /// provider ignores it (RFC 6749 §3.1: unknown parameters are ignored).
    pub nonce: Option<&'a Nonce>,
    /// The PKCE challenge (always `S256`).
    pub challenge: &'a Challenge,
    /// Further parameters (`prompt`, `login_hint`, `max_age`, `audience`, …), in order.
    pub extra: &'a [(&'a str, &'a str)],
}

/// An authorization request, ready to be sent: as a URL the browser navigates to
/// ([`Authorization::url`]), or pushed to the provider first ([`crate::par`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The authorization endpoint, with its own query.
    pub endpoint: String,
    /// The parameters, in the order they are sent.
    pub params: Vec<(String, String)>,
}

impl Authorization {
    /// The URL the browser navigates to: the endpoint with every parameter in its query.
    pub fn url(&self) -> String {
        form::append_query(&self.endpoint, &self.pairs())
    }

    /// The parameters as borrowed pairs.
    pub fn pairs(&self) -> Vec<(&str, &str)> {
        self.params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }
}

/// Checks an authorization request and lays out its parameters.
pub fn authorization(req: &AuthorizationRequest<'_>) -> Result<Authorization, AuthorizeError> {
    form::check_endpoint(req.authorization_endpoint).map_err(AuthorizeError::Endpoint)?;
    form::check_endpoint(req.redirect_uri).map_err(AuthorizeError::RedirectUri)?;
    if req.client_id.is_empty() {
        return Err(AuthorizeError::EmptyClientId);
    }
    if let Some((name, _)) = req.extra.iter().find(|(name, _)| RESERVED.contains(name)) {
        return Err(AuthorizeError::ReservedParameter((*name).to_owned()));
    }
    max_age(req.extra)?;
    let scope = req.scopes.join(" ");
    let mut pairs: Vec<(&str, &str)> = vec![
        ("response_type", "code"),
        ("client_id", req.client_id),
        ("redirect_uri", req.redirect_uri),
    ];
    if !scope.is_empty() {
        pairs.push(("scope", &scope));
    }
    pairs.push(("state", req.state.secret()));
    if let Some(nonce) = req.nonce {
        pairs.push(("nonce", nonce.secret()));
    }
    pairs.push(("code_challenge", req.challenge.as_str()));
    pairs.push(("code_challenge_method", req.challenge.method()));
    pairs.extend_from_slice(req.extra);
    Ok(Authorization {
        endpoint: req.authorization_endpoint.to_owned(),
        params: pairs
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
    })
}

/// Builds the authorization URL the browser navigates to.
pub fn authorization_url(req: &AuthorizationRequest<'_>) -> Result<String, AuthorizeError> {
    authorization(req).map(|a| a.url())
}

/// The random bytes one sign-in needs, drawn by the caller.
#[derive(Debug, Clone, Copy)]
pub struct FlowRandomness<'a> {
    /// ≥ 16 bytes for `state`.
    pub state: &'a [u8],
    /// ≥ 16 bytes for `nonce`.
    pub nonce: &'a [u8],
    /// 32–96 bytes for the PKCE verifier.
    pub verifier: &'a [u8],
}

/// What the app knows about the provider when the user clicks "Sign in".
#[derive(Debug, Clone, Copy)]
pub struct FlowStart<'a> {
    /// The provider's id in the configuration.
    pub provider_id: &'a str,
    /// The issuer (from configuration / discovery), if the provider has one.
    pub issuer: Option<&'a str>,
    /// The authorization endpoint.
    pub authorization_endpoint: &'a str,
    /// The public client's id.
    pub client_id: &'a str,
    /// The redirect URI registered with the provider.
    pub redirect_uri: &'a str,
    /// Scopes to request.
    pub scopes: &'a [String],
    /// Same-origin path to land on afterwards.
    pub return_to: &'a str,
    /// Extra authorization parameters.
    pub extra: &'a [(&'a str, &'a str)],
}

/// Starts a sign-in: makes state, nonce and PKCE verifier from the caller's randomness, and
/// returns the authorization URL with the [`PendingFlow`] to store.
pub fn begin(
    start: &FlowStart<'_>,
    random: &FlowRandomness<'_>,
    now: u64,
) -> Result<(String, PendingFlow), AuthorizeError> {
    begin_request(start, random, now).map(|(request, pending)| (request.url(), pending))
}

/// [`begin`], returning the request itself rather than its URL, for a caller that may push it
/// ([`crate::par`]).
pub fn begin_request(
    start: &FlowStart<'_>,
    random: &FlowRandomness<'_>,
    now: u64,
) -> Result<(Authorization, PendingFlow), AuthorizeError> {
    if !start.return_to.starts_with('/')
        || start.return_to.starts_with("//")
        || start.return_to.contains('\\')
    {
        return Err(AuthorizeError::ReturnTo);
    }
    let state = state_from_random(random.state)?;
    let nonce = nonce_from_random(random.nonce)?;
    let verifier = Verifier::from_random_bytes(random.verifier)?;
    let request = authorization(&AuthorizationRequest {
        authorization_endpoint: start.authorization_endpoint,
        client_id: start.client_id,
        redirect_uri: start.redirect_uri,
        scopes: start.scopes,
        state: &state,
        nonce: Some(&nonce),
        challenge: &verifier.challenge(),
        extra: start.extra,
    })?;
    let pending = PendingFlow {
        provider_id: start.provider_id.to_owned(),
        state,
        nonce,
        verifier,
        redirect_uri: start.redirect_uri.to_owned(),
        return_to: start.return_to.to_owned(),
        issuer: start.issuer.map(str::to_owned),
        created_at: now,
        dpop_key: None,
        max_age: max_age(start.extra)?,
        login_asked: start
            .extra
            .iter()
            .any(|(name, value)| *name == "prompt" && value.split(' ').any(|p| p == "login")),
        login_hint: start
            .extra
            .iter()
            .rev()
            .find(|(name, _)| *name == "login_hint")
            .map(|(_, hint)| (*hint).to_owned()),
    };
    Ok((request, pending))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scopes() -> Vec<String> {
        vec!["openid".into(), "profile email".into()]
    }

    fn start<'a>(
        scopes: &'a [String],
        endpoint: &'a str,
        extra: &'a [(&'a str, &'a str)],
    ) -> FlowStart<'a> {
        FlowStart {
            provider_id: "dot",
            issuer: Some("https://idp.example"),
            authorization_endpoint: endpoint,
            client_id: "spa client",
            redirect_uri: "http://127.0.0.1:8080/callback",
            scopes,
            return_to: "/account?tab=1",
            extra,
        }
    }

    const RANDOM: FlowRandomness<'static> = FlowRandomness {
        state: &[0xAA; 16],
        nonce: &[0xBB; 16],
        verifier: &[3; 32],
    };

    #[test]
    fn builds_the_full_url_in_order() {
        let s = scopes();
        let (url, pending) = begin(
            &start(&s, "https://idp.example/authorize", &[("prompt", "login")]),
            &RANDOM,
            100,
        )
        .unwrap();
        let challenge = Verifier::from_random_bytes(&[3; 32]).unwrap().challenge();
        assert_eq!(
            url,
            format!(
                "https://idp.example/authorize?response_type=code&client_id=spa+client\
                 &redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fcallback&scope=openid+profile+email\
                 &state=qqqqqqqqqqqqqqqqqqqqqg&nonce=u7u7u7u7u7u7u7u7u7u7uw\
                 &code_challenge={}&code_challenge_method=S256&prompt=login",
                challenge.as_str()
            )
        );
        assert_eq!(pending.state.secret(), "qqqqqqqqqqqqqqqqqqqqqg");
        assert_eq!(pending.redirect_uri, "http://127.0.0.1:8080/callback");
        assert_eq!(pending.created_at, 100);
    }

    #[test]
    fn keeps_the_endpoint_query() {
        let s = scopes();
        let (url, _) = begin(
            &start(&s, "https://idp.example/authorize?tenant=acme", &[]),
            &RANDOM,
            0,
        )
        .unwrap();
        assert!(
            url.starts_with("https://idp.example/authorize?tenant=acme&response_type=code&"),
            "{url}"
        );
    }

    #[test]
    fn refuses_an_endpoint_with_a_fragment() {
        let s = scopes();
        let err = begin(
            &start(&s, "https://idp.example/authorize#x", &[]),
            &RANDOM,
            0,
        )
        .unwrap_err();
        assert_eq!(err, AuthorizeError::Endpoint(EndpointProblem::Fragment));
        assert_eq!(
            err.to_string(),
            "authorization request: authorization_endpoint has a fragment"
        );
    }

    #[test]
    fn refuses_a_relative_redirect_uri() {
        let s = scopes();
        let mut st = start(&s, "https://idp.example/authorize", &[]);
        st.redirect_uri = "/callback";
        assert_eq!(
            begin(&st, &RANDOM, 0).unwrap_err(),
            AuthorizeError::RedirectUri(EndpointProblem::NotHttp)
        );
    }

    #[test]
    fn refuses_an_empty_client_id() {
        let s = scopes();
        let mut st = start(&s, "https://idp.example/a", &[]);
        st.client_id = "";
        assert_eq!(
            begin(&st, &RANDOM, 0).unwrap_err(),
            AuthorizeError::EmptyClientId
        );
    }

    #[test]
    fn extras_cannot_override_protocol_parameters() {
        let s = scopes();
        let err = begin(
            &start(
                &s,
                "https://idp.example/a",
                &[("code_challenge_method", "plain")],
            ),
            &RANDOM,
            0,
        )
        .unwrap_err();
        assert_eq!(
            err,
            AuthorizeError::ReservedParameter("code_challenge_method".into())
        );
    }

    #[test]
    fn return_to_must_be_a_local_path() {
        let s = scopes();
        for bad in [
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example",
            "account",
        ] {
            let mut st = start(&s, "https://idp.example/a", &[]);
            st.return_to = bad;
            assert_eq!(
                begin(&st, &RANDOM, 0).unwrap_err(),
                AuthorizeError::ReturnTo,
                "{bad}"
            );
        }
    }

    #[test]
    fn refuses_short_randomness() {
        let s = scopes();
        let mut r = RANDOM;
        r.state = &[1; 15];
        assert_eq!(
            begin(&start(&s, "https://idp.example/a", &[]), &r, 0).unwrap_err(),
            AuthorizeError::NotEnoughRandomness {
                field: "state",
                got: 15
            }
        );
        let mut r = RANDOM;
        r.verifier = &[1; 8];
        assert_eq!(
            begin(&start(&s, "https://idp.example/a", &[]), &r, 0).unwrap_err(),
            AuthorizeError::Pkce(PkceError::RandomLength(8))
        );
    }

    #[test]
    fn empty_scopes_and_no_nonce_are_omitted() {
        let state = State::new("st");
        let challenge = Verifier::from_random_bytes(&[3; 32]).unwrap().challenge();
        let url = authorization_url(&AuthorizationRequest {
            authorization_endpoint: "https://gh.example/login/oauth/authorize",
            client_id: "c",
            redirect_uri: "https://app.example/callback",
            scopes: &[],
            state: &state,
            nonce: None,
            challenge: &challenge,
            extra: &[],
        })
        .unwrap();
        assert!(!url.contains("scope=") && !url.contains("nonce="), "{url}");
    }

    #[test]
    fn pending_flow_survives_storage_and_expires() {
        let s = scopes();
        let (_, pending) = begin(&start(&s, "https://idp.example/a", &[]), &RANDOM, 1000).unwrap();
        let json = pending.to_json();
        let back = PendingFlow::from_json(json.as_bytes()).unwrap();
        assert_eq!(back.provider_id, pending.provider_id);
        assert_eq!(back.state.secret(), pending.state.secret());
        assert_eq!(back.nonce.secret(), pending.nonce.secret());
        assert_eq!(back.verifier.secret(), pending.verifier.secret());
        assert_eq!(back.redirect_uri, pending.redirect_uri);
        assert_eq!(back.return_to, pending.return_to);
        assert_eq!(back.created_at, 1000);
        assert_eq!(back.dpop_key, None);
        assert_eq!(back.issuer.as_deref(), Some("https://idp.example"));
        assert!(!back.is_expired(1000 + PENDING_FLOW_MAX_AGE_SECS));
        assert!(back.is_expired(1001 + PENDING_FLOW_MAX_AGE_SECS));
        assert!(back.is_expired(999));
        assert!(!format!("{back:?}").contains(back.verifier.secret()));
    }

    #[test]
    fn a_stored_flow_keeps_its_dpop_key_and_refuses_what_it_did_not_write() {
        let s = scopes();
        let (_, mut pending) =
            begin(&start(&s, "https://idp.example/a", &[]), &RANDOM, 1000).unwrap();
        pending.dpop_key = Some("k1".into());
        let json = pending.to_json();
        let back = PendingFlow::from_json(json.as_bytes()).unwrap();
        assert_eq!(back.dpop_key.as_deref(), Some("k1"));

        let mut doc: serde_json::Value = serde_json::from_str(&json).unwrap();
        for (field, value) in [
            ("verifier", serde_json::json!("short")),
            ("state", serde_json::json!(7)),
            ("created_at", serde_json::json!(-1)),
            ("provider_id", serde_json::Value::Null),
        ] {
            let saved = doc[field].clone();
            doc[field] = value;
            assert!(
                PendingFlow::from_json(doc.to_string().as_bytes()).is_none(),
                "{field}"
            );
            doc[field] = saved;
        }
        assert!(PendingFlow::from_json(b"[]").is_none());
        assert!(PendingFlow::from_json(b"{").is_none());
    }

    #[test]
    fn max_age_a_login_prompt_and_the_hint_are_kept_with_the_flow_and_a_bad_max_age_is_refused() {
        let s = scopes();
        let extra = [
            ("login_hint", "ada@example.org"),
            ("max_age", "300"),
            ("prompt", "consent login"),
        ];
        let (url, pending) =
            begin(&start(&s, "https://idp.example/a", &extra), &RANDOM, 1000).unwrap();
        assert!(
            url.contains("&login_hint=ada%40example.org&max_age=300&prompt=consent+login"),
            "{url}"
        );
        let kept = |f: &PendingFlow| (f.max_age, f.login_asked, f.login_hint.clone());
        let expected = (Some(300), true, Some("ada@example.org".to_owned()));
        assert_eq!(kept(&pending), expected);
        let back = PendingFlow::from_json(pending.to_json().as_bytes()).unwrap();
        assert_eq!(kept(&back), expected);

        // Without them, and as a flow stored before they existed reads.
        let (_, plain) = begin(
            &start(&s, "https://idp.example/a", &[("prompt", "consent")]),
            &RANDOM,
            1000,
        )
        .unwrap();
        assert_eq!(kept(&plain), (None, false, None));
        let mut doc: serde_json::Value = serde_json::from_str(&pending.to_json()).unwrap();
        doc.as_object_mut()
            .unwrap()
            .retain(|k, _| !["max_age", "login_asked", "login_hint"].contains(&k.as_str()));
        let old = PendingFlow::from_json(doc.to_string().as_bytes()).unwrap();
        assert_eq!(kept(&old), (None, false, None));

        for bad in ["", "soon", "-1", "1.5", " 60", "99999999999999999999"] {
            assert_eq!(
                begin(
                    &start(&s, "https://idp.example/a", &[("max_age", bad)]),
                    &RANDOM,
                    1000
                )
                .map(|_| ()),
                Err(AuthorizeError::MaxAge(bad.to_owned())),
                "{bad:?}"
            );
        }
        assert_eq!(max_age(&[("max_age", "0")]), Ok(Some(0)));
    }
}
