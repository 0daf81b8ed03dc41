//! Handing a finished OAuth 1.0a sign-in to a page on another site, without cookies.
//!
//! When the site's page lives on another site than the companion (`[server]
//! allowed_origins`), the browser keeps the companion's cookies out of the page's `fetch`es
//! (third-party cookies are blocked by Safari and Firefox, and by Chrome when the person
//! says so). So the session cannot rest on the `Strict` session cookie there. Instead:
//!
//! 1. Before leaving for `/login`, the page draws a random verifier, keeps it in its
//!    `sessionStorage` and sends `handoff=BASE64URL(SHA-256(verifier))` (the PKCE rule,
//!    RFC 7636 §4.2) with an absolute `return_to` on one of `allowed_origins`.
//! 2. `/callback` seals the session with that challenge into a **handoff code** valid for
//!    [`HANDOFF_TTL`] seconds and sends the browser back to
//!    `return_to#latchkey_handoff=<code>&latchkey_provider=<id>`: in the fragment, which
//!    the browser never sends to any server.
//! 3. The page posts `code` and `verifier` to `POST /oauth1/{id}/handoff` and gets the
//!    sealed session (the very value the session cookie would hold), which it keeps under
//!    the provider's `session_storage` and sends in the `Latchkey-Session` header.
//!
//! A code is refused when it is late, sealed by another deployment (or with a retired
//! key), for another provider, presented without the verifier whose hash it carries, or
//! presented a second time to the same replica. Across replicas one use is not enforced
//! (the companion keeps no shared state): a copy of the code is useless without the
//! verifier, which never leaves the tab that started the sign-in (docs/security.md).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use latchkey_proto::secret::ct_eq_str;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::cookie_payload::{self, Payload, Reader, Writer};
use super::cookies::{self, Session, SESSION_TTL};
use super::{check_origin, provider, Provider, ProviderId};
use crate::error::ApiError;
use crate::sealed_cookie::OpenError;
use crate::state::AppState;

/// How long a handoff code may take from `/callback` to its exchange (seconds).
pub const HANDOFF_TTL: u64 = 120;

/// The fragment parameter carrying the code back to the page.
pub const CODE_PARAM: &str = "latchkey_handoff";
/// The fragment parameter naming the provider.
pub const PROVIDER_PARAM: &str = "latchkey_provider";
/// The request header carrying a sealed session from a page on another site.
pub const SESSION_HEADER: &str = "latchkey-session";

/// Codes this replica has exchanged, by a digest of the code, with when they expire.
const SPENT_CAPACITY: usize = 4096;

/// A `handoff` challenge: 43 characters of base64url (a SHA-256 digest), as RFC 7636 §4.2
/// writes `code_challenge`. Anything else is refused before the provider is asked.
pub fn is_challenge(value: &str) -> bool {
    value.len() == 43
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The challenge of `verifier`.
fn challenge_of(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// What a handoff code seals: the challenge, then the session. (`Deserialize` only because
/// every sealed payload may also be read as JSON; a handoff code never is.)
#[derive(Deserialize)]
pub(crate) struct Handoff {
    pub challenge: String,
    pub session: Session,
}

impl Payload for Handoff {
    fn write(&self, w: &mut Writer) {
        w.str(&self.challenge);
        self.session.write(w);
    }

    fn read(r: &mut Reader<'_>, version: u8) -> Option<Self> {
        let challenge = r.str()?;
        let session = Session::read(r, version)?;
        Some(Handoff { challenge, session })
    }
}

fn sealed_name(p: &Provider<'_>) -> String {
    format!("latchkey-{}-handoff", p.id)
}

/// The handoff code for `session`, bound to `challenge`.
pub(crate) fn seal_code(
    state: &AppState,
    p: &Provider<'_>,
    challenge: &str,
    session: Session,
) -> Result<String, ApiError> {
    let handoff = Handoff {
        challenge: challenge.to_owned(),
        session,
    };
    p.sealer
        .seal(
            state.random(),
            &sealed_name(p),
            p.id,
            state.clock().now() + HANDOFF_TTL,
            &cookie_payload::encode(&handoff),
        )
        .map_err(ApiError::Internal)
}

/// `return_to` (validated, on an allowed origin) with the code in its fragment; the page's
/// own fragment is not kept (the page remembers where it was).
pub(crate) fn return_location(return_to: &str, provider_id: &str, code: &str) -> String {
    let base = return_to.split('#').next().unwrap_or(return_to);
    format!("{base}#{CODE_PARAM}={code}&{PROVIDER_PARAM}={provider_id}")
}

/// The exchange's form.
#[derive(Debug, Deserialize)]
pub struct HandoffForm {
    /// The code from the fragment.
    pub code: Option<String>,
    /// The verifier whose challenge the code carries.
    pub verifier: Option<String>,
}

/// Why an exchange was refused, in the words the page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandoffRefusal {
    /// The form lacks `code` or `verifier`.
    Incomplete,
    /// Older than [`HANDOFF_TTL`].
    Late,
    /// Not sealed by this deployment's current or previous key, for this provider.
    Foreign,
    /// The verifier does not hash to the code's challenge.
    WrongVerifier,
    /// This replica already exchanged it.
    Used,
}

impl HandoffRefusal {
    fn words(self) -> &'static str {
        match self {
            Self::Incomplete => "the handoff needs both code and verifier",
            Self::Late => "the sign-in was handed back more than two minutes ago; sign in again",
            Self::Foreign => {
                "this handoff code was not issued by this sign-in server for this provider; sign in again"
            }
            Self::WrongVerifier => {
                "the handoff code belongs to a sign-in started elsewhere (its verifier does not match)"
            }
            Self::Used => "this handoff code was already used; sign in again",
        }
    }
}

impl From<HandoffRefusal> for ApiError {
    fn from(r: HandoffRefusal) -> ApiError {
        match r {
            HandoffRefusal::WrongVerifier => ApiError::Forbidden(r.words().into()),
            _ => ApiError::BadRequest(r.words().into()),
        }
    }
}

/// Codes exchanged on this replica, by a digest of the code, with when they expire.
/// Bounded: expired entries go first, and a table full of live ones forgets its older half
/// (their own expiry still refuses them once late).
#[derive(Default)]
pub struct SpentCodes(Mutex<HashMap<[u8; 16], u64>>);

impl SpentCodes {
    /// Marks `code` used; false when it already was.
    fn first_use(&self, code: &str, now: u64) -> bool {
        let digest = Sha256::digest(code.as_bytes());
        let mut key = [0u8; 16];
        key.copy_from_slice(&digest[..16]);
        let mut spent = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if spent.len() >= SPENT_CAPACITY {
            spent.retain(|_, expires| *expires > now);
        }
        if spent.len() >= SPENT_CAPACITY {
            let mut expiries: Vec<u64> = spent.values().copied().collect();
            expiries.sort_unstable();
            let cut = expiries[expiries.len() / 2];
            spent.retain(|_, expires| *expires > cut);
        }
        spent.insert(key, now + HANDOFF_TTL).is_none()
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).len()
    }
}

/// Opens and checks a code against `verifier`; the session it carries.
pub(crate) fn exchange(
    state: &AppState,
    p: &Provider<'_>,
    code: &str,
    verifier: &str,
) -> Result<Session, HandoffRefusal> {
    let now = state.clock().now();
    let bytes = p
        .sealer
        .open(&sealed_name(p), p.id, now, code)
        .map_err(|e| match e {
            OpenError::Expired => HandoffRefusal::Late,
            _ => HandoffRefusal::Foreign,
        })?;
    let handoff: Handoff = cookie_payload::decode(&bytes).ok_or(HandoffRefusal::Foreign)?;
    if !ct_eq_str(&challenge_of(verifier), &handoff.challenge) {
        return Err(HandoffRefusal::WrongVerifier);
    }
    if !state.spent_handoffs().first_use(code, now) {
        return Err(HandoffRefusal::Used);
    }
    Ok(handoff.session)
}

/// `POST /oauth1/{id}/handoff` (`code`, `verifier`): the sealed session as
/// `{"session": "<sealed>", "expires_in": <seconds>}`, for the `Latchkey-Session` header.
pub async fn handoff(
    State(state): State<AppState>,
    ProviderId(id): ProviderId,
    headers: HeaderMap,
    form: Result<Form<HandoffForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let p = provider(&state, &id)?;
    check_origin(&state, &headers)?;
    let Form(form) = form.map_err(|r| ApiError::BadRequest(r.body_text().into()))?;
    let (Some(code), Some(verifier)) = (form.code.as_deref(), form.verifier.as_deref()) else {
        return Err(HandoffRefusal::Incomplete.into());
    };
    let session = exchange(&state, &p, code, verifier).map_err(|r| {
        tracing::info!(provider = p.id, refusal = ?r, "handoff refused");
        ApiError::from(r)
    })?;
    let sealed = cookies::seal_handed_session(&state, &p, session)?;
    tracing::info!(provider = p.id, "signed in (handed off)");
    let mut resp = axum::Json(serde_json::json!({
        "session": sealed,
        "expires_in": SESSION_TTL,
    }))
    .into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_challenge_is_43_base64url_characters() {
        let c = challenge_of("a-verifier-of-enough-length-0123456789abcdef");
        assert!(is_challenge(&c), "{c}");
        assert!(!is_challenge(&c[..42]));
        assert!(!is_challenge(&format!("{}=", &c[..42])));
        assert!(!is_challenge(&format!("{}+", &c[..42])));
        assert!(!is_challenge(""));
    }

    #[test]
    fn the_code_goes_in_the_fragment_replacing_the_pages_own() {
        assert_eq!(
            return_location("https://site.example/blog/?p=1#top", "flask", "CODE"),
            "https://site.example/blog/?p=1#latchkey_handoff=CODE&latchkey_provider=flask"
        );
    }

    #[test]
    fn a_code_is_used_once_and_the_table_stays_bounded() {
        let spent = SpentCodes::default();
        assert!(spent.first_use("code-a", 1_000));
        assert!(!spent.first_use("code-a", 1_001));
        // A flood of live codes: the table never passes its capacity, and a code seen
        // after the flood is still caught the second time.
        for i in 0..(SPENT_CAPACITY * 3) {
            spent.first_use(&format!("flood-{i}"), 2_000 + i as u64);
            assert!(spent.len() <= SPENT_CAPACITY);
        }
        assert!(spent.first_use("after-flood", 9_000));
        assert!(!spent.first_use("after-flood", 9_000));
        // Expired entries are the first to go.
        let spent = SpentCodes::default();
        for i in 0..SPENT_CAPACITY {
            spent.first_use(&format!("old-{i}"), 0);
        }
        assert!(spent.first_use("new", HANDOFF_TTL + 1));
        assert_eq!(spent.len(), 1);
    }
}
