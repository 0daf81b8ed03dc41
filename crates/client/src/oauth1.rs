//! OAuth 1.0a providers, through the companion: the browser never holds their credentials.
//! Sign-in is a navigation to `/oauth1/{id}/login`; the companion's encrypted cookie is the
//! session, read with `GET /oauth1/{id}/session`; API calls go to `/oauth1/{id}/api/<path>`
//! and sign-out is `POST /oauth1/{id}/logout`.

use latchkey_proto::form;
use latchkey_proto::public_config::{Protocol, PublicProvider};
use serde_json::{Map, Value};

use super::session::Session;
use super::SignOutError;
use crate::browser::fetch::{self, Peer};
use crate::browser::page;

/// The companion's login route, carrying the same-origin return path.
pub fn login_url(provider_id: &str, return_to: &str) -> String {
    form::append_query(
        &format!("/oauth1/{provider_id}/login"),
        &[("return_to", return_to)],
    )
}

/// Reads the companion's answer to `GET /oauth1/{id}/session`: the identity fields when
/// signed in. Accepts `{"signed_in": true, "identity": {…}}` or the fields at top level.
pub fn identity_from(status: u16, body: &[u8]) -> Option<Map<String, Value>> {
    if status != 200 {
        return None;
    }
    let Ok(Value::Object(mut doc)) = serde_json::from_slice::<Value>(body) else {
        return None;
    };
    let signed_in = doc.remove("signed_in").and_then(|v| v.as_bool());
    if signed_in == Some(false) {
        return None;
    }
    let fields = match doc.remove("identity") {
        Some(Value::Object(identity)) => identity,
        _ => doc,
    };
    // Without an explicit `signed_in: true` (a static host's fallback page parsed as JSON,
    // say), only an answer naming the user counts.
    let has_id = ["user_id", "screen_name", "id"]
        .iter()
        .any(|k| fields.get(*k).is_some_and(|v| !v.is_null()));
    (signed_in == Some(true) || has_id).then_some(fields)
}

/// The companion session for `p`, if the browser has one.
pub async fn current_session(p: &PublicProvider) -> Option<Session> {
    let response = fetch::get_json(&format!("/oauth1/{}/session", p.id), Peer::Companion)
        .await
        .ok()?;
    let fields = identity_from(response.status().as_u16(), response.body())?;
    Some(Session {
        provider_id: p.id.clone(),
        provider_name: p.name.clone(),
        protocol: Protocol::Oauth1,
        storage: p.session_storage,
        access_token: None,
        id_token: None,
        refresh_token: None,
        refresh_in_companion: false,
        nonce: None,
        issued_at_ms: page::now_ms(),
        expires_at_ms: None,
        scopes: p.scopes.clone(),
        id_claims: None,
        userinfo: Some(fields),
        problem: None,
    })
}

/// Ends the companion session.
pub async fn logout(provider_id: &str) -> Result<(), SignOutError> {
    let request = http::Request::post(format!("/oauth1/{provider_id}/logout"))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_url_carries_the_encoded_return_path() {
        assert_eq!(
            login_url("flask", "/a b?x=1"),
            "/oauth1/flask/login?return_to=%2Fa+b%3Fx%3D1"
        );
    }

    #[test]
    fn the_companions_flat_answer_is_understood() {
        let f = identity_from(
            200,
            br#"{"signed_in":true,"user_id":"1","screen_name":"alice"}"#,
        )
        .unwrap();
        assert_eq!(f.get("screen_name").and_then(Value::as_str), Some("alice"));
        assert!(f.get("signed_in").is_none());
        assert!(identity_from(200, br#"{"signed_in":true}"#).is_some());
    }

    #[test]
    fn a_signed_in_answer_gives_the_identity() {
        let f = identity_from(
            200,
            br#"{"signed_in":true,"identity":{"user_id":"7","screen_name":"ada"}}"#,
        )
        .unwrap();
        assert_eq!(f.get("screen_name").and_then(Value::as_str), Some("ada"));
        let flat = identity_from(200, br#"{"user_id":"7"}"#).unwrap();
        assert_eq!(flat.get("user_id").and_then(Value::as_str), Some("7"));
    }

    #[test]
    fn signed_out_or_error_answers_give_nothing() {
        assert!(identity_from(200, br#"{"signed_in":false}"#).is_none());
        assert!(identity_from(401, br#"{"user_id":"7"}"#).is_none());
        assert!(identity_from(200, b"<html>").is_none());
        assert!(identity_from(200, br#"{"unrelated":true}"#).is_none());
    }
}
