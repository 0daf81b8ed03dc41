//! OAuth 1.0a providers, through the companion: the browser never holds their credentials.
//! Sign-in is a navigation to `/oauth1/{id}/login`; the companion's encrypted cookie is the
//! session, read with `GET /oauth1/{id}/session`; API calls go to `/oauth1/{id}/api/<path>`
//! and sign-out is `POST /oauth1/{id}/logout`.
//!
//! With the companion on another site ([`crate::companion`]) the cookie would never reach
//! it from this page, so the sign-in is handed back instead: the page sends the challenge of
//! a verifier it keeps in `sessionStorage`, the companion returns a two-minute code in the
//! address's fragment, and `POST /oauth1/{id}/handoff` turns code and verifier into the
//! sealed session, which this page keeps and sends in a header ([`Handoff`]).

use latchkey_proto::form;
use latchkey_proto::json;
use latchkey_proto::pkce::Verifier;
use latchkey_proto::public_config::{Protocol, PublicProvider};
use serde_json::{Map, Value};

use super::reach::{self, Endpoint, NoAnswer, Reach};
use super::session::Session;
use super::{words, AuthFailure, RetryAction, SignOutError};
use crate::browser::fetch::{self, Peer};
use crate::browser::{page, storage};
use crate::companion::{self, SealedSession, SESSION_HEADER};
use crate::storage_mode::Area;

/// The companion's login route, carrying the same-origin return path.
pub fn login_url(provider_id: &str, return_to: &str) -> String {
    form::append_query(
        &format!("/oauth1/{provider_id}/login"),
        &[("return_to", return_to)],
    )
}

/// The companion's login route on another site: where to come back (this page's absolute
/// URL) and the handoff challenge.
pub fn handoff_login_url(
    companion: &str,
    provider_id: &str,
    return_to: &str,
    challenge: &str,
) -> String {
    form::append_query(
        &format!("{companion}/oauth1/{provider_id}/login"),
        &[("return_to", return_to), ("handoff", challenge)],
    )
}

/// The `sessionStorage` key of the sign-in waiting for its handoff.
const HANDOFF_KEY: &str = "latchkey.handoff";

/// A sign-in waiting for its handoff: kept in this tab's `sessionStorage` between leaving for
/// the companion and coming back.
pub struct Handoff {
    /// The provider's id.
    pub provider_id: String,
    /// The verifier whose challenge went to `/login`.
    pub verifier: Verifier,
    /// Where the page was (path, query and fragment), restored after the exchange.
    pub return_to: String,
}

impl Handoff {
    /// Keeps this sign-in for the way back.
    pub fn keep(&self) -> Result<(), crate::browser::BrowserError> {
        storage::set(Area::Session, HANDOFF_KEY, &self.to_json())
    }

    /// Takes the waiting sign-in (it can be taken once).
    pub fn take() -> Option<Handoff> {
        Handoff::from_json(&storage::take(Area::Session, HANDOFF_KEY).ok()??)
    }

    fn to_json(&self) -> String {
        let mut m = json::Object::new();
        m.insert("provider_id".into(), self.provider_id.clone().into());
        m.insert("verifier".into(), self.verifier.secret().into());
        m.insert("return_to".into(), self.return_to.clone().into());
        Value::Object(m).to_string()
    }

    /// Reads back what [`Handoff::to_json`] wrote; `None` for anything else.
    fn from_json(text: &str) -> Option<Handoff> {
        let m = json::object(text.as_bytes())?;
        Some(Handoff {
            provider_id: json::req_str(&m, "provider_id").ok()?,
            verifier: Verifier::parse(json::req_str(&m, "verifier").ok()?).ok()?,
            return_to: json::req_str(&m, "return_to").ok()?,
        })
    }
}

/// The code and provider a companion put in the address's fragment, if any.
pub fn returned_code(href: &str) -> Option<(String, String)> {
    let (_, fragment) = href.split_once('#')?;
    // A name given twice is no handoff: refused, as every other callback parameter is.
    let pairs = form::parse_unique(fragment).ok()?;
    let value = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    Some((value("latchkey_handoff")?, value("latchkey_provider")?))
}

/// Why a handoff did not give a session, in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandoffError {
    /// This tab has no sign-in waiting (another tab, a reload after the exchange, a link).
    #[error("this tab did not start that sign-in (or already finished it); sign in again")]
    NotStartedHere,
    /// The code is for another provider than the sign-in this tab started.
    #[error("the sign-in server answered for another provider than the one you chose")]
    OtherProvider,
    /// The companion refused the code, or could not be reached.
    #[error("the sign-in server did not accept the sign-in: {0}")]
    Refused(String),
}

/// Exchanges the code for the sealed session.
pub async fn exchange(
    provider_id: &str,
    code: &str,
    verifier: &Verifier,
) -> Result<SealedSession, HandoffError> {
    let body = form::encode(&[("code", code), ("verifier", verifier.secret())]);
    let request = http::Request::post(format!("/oauth1/{provider_id}/handoff"))
        .header(
            http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .header(http::header::ACCEPT, "application/json")
        .body(body.into_bytes())
        .map_err(|e| HandoffError::Refused(e.to_string()))?;
    let response = fetch::send(request, Peer::Companion)
        .await
        .map_err(|e| HandoffError::Refused(e.detail))?;
    let doc: Value = serde_json::from_slice(response.body()).unwrap_or(Value::Null);
    if !response.status().is_success() {
        let message = doc.get("message").and_then(Value::as_str).map_or_else(
            || format!("HTTP {}", response.status().as_u16()),
            str::to_owned,
        );
        return Err(HandoffError::Refused(message));
    }
    doc.get("session")
        .and_then(Value::as_str)
        .map(|s| SealedSession::new(s.to_owned()))
        .ok_or_else(|| HandoffError::Refused("the answer holds no session".into()))
}

/// A request to the companion carrying `sealed` (when the page holds one).
fn with_session(
    builder: http::request::Builder,
    sealed: Option<&SealedSession>,
) -> http::request::Builder {
    match sealed {
        Some(s) => builder.header(SESSION_HEADER, s.secret()),
        None => builder,
    }
}

/// What the companion's answer to `GET /oauth1/{id}/session` says.
#[derive(Debug, Clone, PartialEq)]
pub enum SessionAnswer {
    /// Signed in: the identity fields. The companion sends `{"signed_in": true, <fields>}`;
    /// `{"signed_in": true, "identity": {…}}` and bare fields naming the user are read too.
    Held(Map<String, Value>),
    /// `{"signed_in": false}`: no usable session (none, expired, sealed with a retired key).
    NotHeld,
    /// Anything else (an error status, a page that is not the companion's JSON): it does
    /// not say, and a session the browser holds must not be dropped for it. What it was.
    Unusable(String),
}

/// Reads the companion's answer to `GET /oauth1/{id}/session`.
pub fn read_session_answer(status: u16, body: &[u8]) -> SessionAnswer {
    if status != 200 {
        return SessionAnswer::Unusable(format!("HTTP {status}"));
    }
    let Some(doc) = json::object(body) else {
        return SessionAnswer::Unusable("a page that is not JSON".into());
    };
    let signed_in = doc.get("signed_in").and_then(Value::as_bool);
    if signed_in == Some(false) {
        return SessionAnswer::NotHeld;
    }
    // Copied out rather than `remove`d: `BTreeMap::remove` is 3.7 KB of wasm used nowhere else.
    let fields = match doc.get("identity") {
        Some(Value::Object(identity)) => identity.clone(),
        _ => json::other_fields(doc, &["signed_in", "identity"]),
    };
    // Without an explicit `signed_in: true` (a static host's fallback page parsed as JSON,
    // say), only an answer naming the user counts.
    let has_id = ["user_id", "screen_name", "id"]
        .iter()
        .any(|k| fields.get(*k).is_some_and(|v| !v.is_null()));
    match signed_in == Some(true) || has_id {
        true => SessionAnswer::Held(fields),
        false => SessionAnswer::Unusable("JSON without `signed_in`".into()),
    }
}

/// Why nobody can tell whether the companion holds a session: the session the browser
/// holds (its sealed copy, or the mark of a cookie) is kept, and the person told.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionUnknown {
    /// No answer (down, slow, cut off).
    #[error("no answer: {}", .0.detail)]
    NoAnswer(NoAnswer),
    /// An answer that does not say: what it was.
    #[error("{0}")]
    Unusable(String),
}

impl SessionUnknown {
    /// Words for the UI; "Try again" asks the companion again.
    pub fn failure(&self, provider: &str, provider_id: &str) -> AuthFailure {
        let why = match self {
            SessionUnknown::NoAnswer(n) => n.sentence(provider),
            SessionUnknown::Unusable(what) => words::session_check_unusable(what),
        };
        AuthFailure {
            title: words::TITLE_SESSION_UNCHECKED.into(),
            message: format!("{why} {}", words::session_kept_note(provider)),
            retry: RetryAction::Renew {
                provider_id: provider_id.to_owned(),
            },
            provider_id: Some(provider_id.to_owned()),
        }
    }
}

/// The companion session for `p`, if the browser has one: its cookie, or `sealed` (which
/// the session then keeps). `Err` when the companion gave no usable answer, so nobody can
/// tell.
pub async fn current_session(
    p: &PublicProvider,
    sealed: Option<SealedSession>,
) -> Result<Option<Session>, SessionUnknown> {
    let request = with_session(
        http::Request::get(format!("/oauth1/{}/session", p.id)),
        sealed.as_ref(),
    )
    .header(http::header::ACCEPT, "application/json")
    .body(Vec::new())
    .map_err(|e| {
        SessionUnknown::NoAnswer(NoAnswer {
            reach: Reach::Unsendable,
            endpoint: Endpoint::Companion,
            detail: e.to_string(),
        })
    })?;
    let response = reach::send(request, Peer::Companion, Endpoint::Companion)
        .await
        .map_err(SessionUnknown::NoAnswer)?;
    let fields = match read_session_answer(response.status().as_u16(), response.body()) {
        SessionAnswer::Held(fields) => fields,
        SessionAnswer::NotHeld => return Ok(None),
        SessionAnswer::Unusable(what) => {
            // A missing answer is on the console already (`reach::send`); this one too.
            web_sys::console::warn_1(&format!("latchkey: {}'s session check: {what}", p.id).into());
            return Err(SessionUnknown::Unusable(what));
        }
    };
    Ok(Some(Session {
        provider_id: p.id.clone(),
        provider_name: p.name.clone(),
        protocol: Protocol::Oauth1,
        storage: p.session_storage,
        access_token: None,
        id_token: None,
        refresh_token: None,
        refresh_in_companion: false,
        companion_session: sealed,
        nonce: None,
        dpop_key: None,
        issued_at_ms: page::now_ms(),
        expires_at_ms: None,
        scopes: p.scopes.clone(),
        id_claims: None,
        userinfo: Some(fields),
        problem: None,
    }))
}

/// Ends the companion session.
pub async fn logout(provider_id: &str, sealed: Option<&SealedSession>) -> Result<(), SignOutError> {
    let request = with_session(
        http::Request::post(format!("/oauth1/{provider_id}/logout")),
        sealed,
    )
    .header(http::header::ACCEPT, "application/json")
    .body(Vec::new())
    .map_err(|e| SignOutError::Companion {
        detail: e.to_string(),
    })?;
    let response = fetch::send(request, Peer::Companion)
        .await
        .map_err(|e| SignOutError::Companion { detail: e.detail })?;
    let status = response.status();
    if status.is_success() || status.is_redirection() {
        Ok(())
    } else {
        Err(SignOutError::Companion {
            detail: format!("HTTP {}", status.as_u16()),
        })
    }
}

/// Notes (or forgets) that this browser may hold a companion session for `provider_id`
/// ([`companion_mark_key`](crate::storage_mode::companion_mark_key)); best effort, since
/// a page without storage only loses the early sign-in buttons.
pub fn mark_session(provider_id: &str, held: bool) {
    let key = crate::storage_mode::companion_mark_key(provider_id);
    let _ = match held {
        true => storage::set(Area::Local, &key, "1"),
        false => storage::remove(Area::Local, &key),
    };
}

/// Whether this browser may hold a companion session for `provider_id` (the mark
/// [`mark_session`] keeps).
pub fn session_marked(provider_id: &str) -> bool {
    let key = crate::storage_mode::companion_mark_key(provider_id);
    matches!(storage::get(Area::Local, &key), Ok(Some(_)))
}

/// Whether OAuth 1.0a sign-in must be handed back (the companion is on another site).
pub fn hands_off() -> bool {
    companion::elsewhere().is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_handoff_login_url_names_the_page_and_the_challenge() {
        assert_eq!(
            handoff_login_url("https://auth.example.org", "x", "https://me.github.io/blog/?p=1#c", "CH"),
            "https://auth.example.org/oauth1/x/login?return_to=https%3A%2F%2Fme.github.io%2Fblog%2F%3Fp%3D1%23c&handoff=CH"
        );
    }

    #[test]
    fn the_returned_code_is_read_from_the_fragment_only() {
        assert_eq!(
            returned_code(
                "https://me.github.io/blog/#latchkey_handoff=AbC-_d&latchkey_provider=flask"
            ),
            Some(("AbC-_d".to_owned(), "flask".to_owned()))
        );
        assert_eq!(
            returned_code(
                "https://me.github.io/blog/?latchkey_handoff=AbC&latchkey_provider=flask"
            ),
            None
        );
        assert_eq!(
            returned_code("https://me.github.io/blog/#latchkey_handoff=AbC"),
            None
        );
        assert_eq!(returned_code("https://me.github.io/blog/#top"), None);
    }

    #[test]
    fn login_url_carries_the_encoded_return_path() {
        assert_eq!(
            login_url("flask", "/a b?x=1"),
            "/oauth1/flask/login?return_to=%2Fa+b%3Fx%3D1"
        );
    }

    fn held(status: u16, body: &[u8]) -> Map<String, Value> {
        match read_session_answer(status, body) {
            SessionAnswer::Held(fields) => fields,
            other => panic!("{} gave {other:?}", String::from_utf8_lossy(body)),
        }
    }

    #[test]
    fn the_companions_flat_answer_is_understood() {
        let f = held(
            200,
            br#"{"signed_in":true,"user_id":"1","screen_name":"alice"}"#,
        );
        assert_eq!(f.get("screen_name").and_then(Value::as_str), Some("alice"));
        assert!(f.get("signed_in").is_none());
        assert!(held(200, br#"{"signed_in":true}"#).is_empty());
    }

    #[test]
    fn a_signed_in_answer_gives_the_identity() {
        let f = held(
            200,
            br#"{"signed_in":true,"identity":{"user_id":"7","screen_name":"ada"}}"#,
        );
        assert_eq!(f.get("screen_name").and_then(Value::as_str), Some("ada"));
        let flat = held(200, br#"{"user_id":"7"}"#);
        assert_eq!(flat.get("user_id").and_then(Value::as_str), Some("7"));
    }

    #[test]
    fn a_waiting_handoff_reads_back_whole_and_nothing_else_reads() {
        let h = Handoff {
            provider_id: "flask".into(),
            verifier: Verifier::from_random_bytes(&[7; 32]).unwrap(),
            return_to: "/blog/?q=1#top".into(),
        };
        let back = Handoff::from_json(&h.to_json()).unwrap();
        assert_eq!(back.provider_id, "flask");
        assert_eq!(back.verifier.secret(), h.verifier.secret());
        assert_eq!(back.return_to, "/blog/?q=1#top");
        // The form serde's derive wrote before, which a tab mid-sign-in may still hold.
        let older = format!(
            r#"{{"provider_id":"flask","verifier":"{}","return_to":"/"}}"#,
            h.verifier.secret()
        );
        assert!(Handoff::from_json(&older).is_some());
        for bad in [
            r#"{"provider_id":"flask","verifier":"short","return_to":"/"}"#,
            r#"{"provider_id":"flask","return_to":"/"}"#,
            "[]",
            "",
        ] {
            assert!(Handoff::from_json(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn only_signed_in_false_says_there_is_no_session() {
        assert_eq!(
            read_session_answer(200, br#"{"signed_in":false}"#),
            SessionAnswer::NotHeld
        );
        assert_eq!(
            read_session_answer(200, br#"{"signed_in":false,"user_id":"7"}"#),
            SessionAnswer::NotHeld
        );
    }

    #[test]
    fn an_answer_that_does_not_say_is_unusable_not_signed_out() {
        // An error status (even one carrying fields), a captive portal's page, a static
        // host's JSON: none of them may cost the person a session they hold.
        for (status, body, what) in [
            (401, &br#"{"user_id":"7"}"#[..], "HTTP 401"),
            (500, b"Internal Server Error", "HTTP 500"),
            (200, b"<html>", "a page that is not JSON"),
            (200, b"", "a page that is not JSON"),
            (200, br#"{"unrelated":true}"#, "JSON without `signed_in`"),
        ] {
            assert_eq!(
                read_session_answer(status, body),
                SessionAnswer::Unusable(what.into()),
                "{status} {}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn an_unknown_session_keeps_it_and_says_so_with_a_retry() {
        let f = SessionUnknown::Unusable("HTTP 502".into()).failure("Flask", "flask");
        assert_eq!(f.title, words::TITLE_SESSION_UNCHECKED);
        assert!(f.message.contains("HTTP 502"), "{}", f.message);
        assert!(f.message.contains("is kept"), "{}", f.message);
        assert_eq!(
            f.retry,
            RetryAction::Renew {
                provider_id: "flask".into()
            }
        );
    }
}
