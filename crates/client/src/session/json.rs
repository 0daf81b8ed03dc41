//! The JSON form of a session: what [`Stored`] keeps in `sessionStorage` or `localStorage`,
//! and what a [`Broadcast`] carries to the other tabs.
//!
//! Written and read by hand through one `Value` tree ([`latchkey_proto::json`] says why). The
//! form is the one serde's derive wrote before, so a record stored by an earlier build still
//! reads: every member by its field name, `None` as `null`, the protocol and storage mode by
//! their `latchkey.json` names. A record that does not read is treated as no record.

use latchkey_proto::json::{self, Object};
use latchkey_proto::public_config::Named;
use latchkey_proto::secret::{AccessToken, Nonce, RefreshToken};
use serde_json::Value;

use super::{Broadcast, Session, Stored};
use crate::companion::SealedSession;

impl Session {
    fn to_object(&self) -> Object {
        let mut m = Object::new();
        m.insert("provider_id".into(), self.provider_id.clone().into());
        m.insert("provider_name".into(), self.provider_name.clone().into());
        m.insert("protocol".into(), self.protocol.name().into());
        m.insert("storage".into(), self.storage.name().into());
        m.insert(
            "access_token".into(),
            secret(self.access_token.as_ref().map(AccessToken::secret)),
        );
        m.insert("id_token".into(), self.id_token.clone().into());
        m.insert(
            "refresh_token".into(),
            secret(self.refresh_token.as_ref().map(RefreshToken::secret)),
        );
        m.insert(
            "refresh_in_companion".into(),
            self.refresh_in_companion.into(),
        );
        m.insert(
            "companion_session".into(),
            secret(self.companion_session.as_ref().map(SealedSession::secret)),
        );
        m.insert(
            "nonce".into(),
            secret(self.nonce.as_ref().map(Nonce::secret)),
        );
        m.insert("dpop_key".into(), self.dpop_key.clone().into());
        m.insert("issued_at_ms".into(), self.issued_at_ms.into());
        m.insert("expires_at_ms".into(), self.expires_at_ms.into());
        m.insert("scopes".into(), self.scopes.clone().into());
        m.insert("id_claims".into(), object_or_null(&self.id_claims));
        m.insert("userinfo".into(), object_or_null(&self.userinfo));
        m
    }

    fn from_object(m: &Object) -> Option<Session> {
        let text = |field| json::opt_str(m, field).ok();
        Some(Session {
            provider_id: json::req_str(m, "provider_id").ok()?,
            provider_name: json::req_str(m, "provider_name").ok()?,
            protocol: Named::from_name(&json::req_str(m, "protocol").ok()?)?,
            storage: Named::from_name(&json::req_str(m, "storage").ok()?)?,
            access_token: text("access_token")?.map(AccessToken::new),
            id_token: text("id_token")?,
            refresh_token: text("refresh_token")?.map(RefreshToken::new),
            refresh_in_companion: json::opt_bool(m, "refresh_in_companion").ok()?,
            companion_session: text("companion_session")?.map(SealedSession::new),
            nonce: text("nonce")?.map(Nonce::new),
            dpop_key: text("dpop_key")?,
            issued_at_ms: json::opt_u64(m, "issued_at_ms").ok()??,
            expires_at_ms: json::opt_u64(m, "expires_at_ms").ok()?,
            scopes: json::opt_str_list(m, "scopes").ok()?.unwrap_or_default(),
            id_claims: json::opt_object(m, "id_claims").ok()?,
            userinfo: json::opt_object(m, "userinfo").ok()?,
            problem: None,
        })
    }
}

fn object_or_null(m: &Option<Object>) -> Value {
    m.clone().map_or(Value::Null, Value::Object)
}

/// A secret as a string, or `null` when there is none.
fn secret(s: Option<&str>) -> Value {
    s.map_or(Value::Null, Value::from)
}

impl Stored {
    /// The record as JSON text.
    pub(super) fn to_json(&self) -> String {
        let mut m = Object::new();
        m.insert("provider_id".into(), self.provider_id.clone().into());
        m.insert(
            "refresh_token".into(),
            secret(self.refresh_token.as_ref().map(RefreshToken::secret)),
        );
        m.insert(
            "refresh_in_companion".into(),
            self.refresh_in_companion.into(),
        );
        m.insert("sub".into(), self.sub.clone().into());
        m.insert(
            "nonce".into(),
            secret(self.nonce.as_ref().map(Nonce::secret)),
        );
        m.insert("dpop_key".into(), self.dpop_key.clone().into());
        m.insert(
            "live".into(),
            self.live
                .as_ref()
                .map_or(Value::Null, |s| Value::Object(s.to_object())),
        );
        Value::Object(m).to_string()
    }

    /// Reads back what [`Stored::to_json`] wrote.
    pub(super) fn from_json(text: &str) -> Option<Stored> {
        let m = json::object(text.as_bytes())?;
        let live = match m.get("live") {
            None | Some(Value::Null) => None,
            Some(Value::Object(s)) => Some(Box::new(Session::from_object(s)?)),
            Some(_) => return None,
        };
        Some(Stored {
            provider_id: json::req_str(&m, "provider_id").ok()?,
            refresh_token: json::opt_str(&m, "refresh_token")
                .ok()?
                .map(RefreshToken::new),
            refresh_in_companion: json::opt_bool(&m, "refresh_in_companion").ok()?,
            sub: json::opt_str(&m, "sub").ok()?,
            nonce: json::opt_str(&m, "nonce").ok()?.map(Nonce::new),
            dpop_key: json::opt_str(&m, "dpop_key").ok()?,
            live,
        })
    }
}

impl Broadcast {
    /// The message as JSON text, externally tagged: `{"tokens": {…}}` or
    /// `{"signed_out": {"provider_id": "…"}}`.
    pub fn to_json(&self) -> String {
        let (tag, body) = match self {
            Broadcast::Tokens(session) => ("tokens", session.to_object()),
            Broadcast::SignedOut { provider_id } => {
                let mut m = Object::new();
                m.insert("provider_id".into(), provider_id.clone().into());
                ("signed_out", m)
            }
        };
        let mut m = Object::new();
        m.insert(tag.into(), Value::Object(body));
        Value::Object(m).to_string()
    }

    /// Reads a message another tab posted; `None` for anything else.
    pub fn from_json(text: &str) -> Option<Broadcast> {
        let m = json::object(text.as_bytes())?;
        let (tag, Value::Object(body)) = m.iter().next()? else {
            return None;
        };
        if m.len() != 1 {
            return None;
        }
        match tag.as_str() {
            "tokens" => Some(Broadcast::Tokens(Box::new(Session::from_object(body)?))),
            "signed_out" => Some(Broadcast::SignedOut {
                provider_id: json::req_str(body, "provider_id").ok()?,
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use latchkey_proto::public_config::{Protocol, SessionStorage};
    use serde_json::json;

    use super::*;

    fn full() -> Session {
        let Value::Object(claims) = json!({"sub": "u1", "email": "a@b.example", "n": 1.5}) else {
            unreachable!()
        };
        Session {
            provider_id: "op".into(),
            provider_name: "OP".into(),
            protocol: Protocol::Oidc,
            storage: SessionStorage::Browser,
            access_token: Some(AccessToken::new("at")),
            id_token: Some("h.p.s".into()),
            refresh_token: Some(RefreshToken::new("rt")),
            refresh_in_companion: true,
            companion_session: Some(SealedSession::new("sealed".into())),
            nonce: Some(Nonce::new("n0")),
            dpop_key: Some("k1".into()),
            issued_at_ms: 1_700_000_000_000,
            expires_at_ms: Some(1_700_000_360_000),
            scopes: vec!["openid".into(), "email".into()],
            id_claims: Some(claims.clone()),
            userinfo: Some(claims),
            problem: None,
        }
    }

    /// Every field, compared one by one (`Session` is not `PartialEq`: it holds tokens).
    fn assert_same(a: &Session, b: &Session) {
        assert_eq!(a.provider_id, b.provider_id);
        assert_eq!(a.provider_name, b.provider_name);
        assert_eq!(a.protocol, b.protocol);
        assert_eq!(a.storage, b.storage);
        let secret = |t: &Option<AccessToken>| t.as_ref().map(|t| t.secret().to_owned());
        assert_eq!(secret(&a.access_token), secret(&b.access_token));
        assert_eq!(a.id_token, b.id_token);
        assert_eq!(
            a.refresh_token.as_ref().map(RefreshToken::secret),
            b.refresh_token.as_ref().map(RefreshToken::secret)
        );
        assert_eq!(a.refresh_in_companion, b.refresh_in_companion);
        assert_eq!(a.companion_session, b.companion_session);
        assert_eq!(
            a.nonce.as_ref().map(Nonce::secret),
            b.nonce.as_ref().map(Nonce::secret)
        );
        assert_eq!(a.dpop_key, b.dpop_key);
        assert_eq!(a.issued_at_ms, b.issued_at_ms);
        assert_eq!(a.expires_at_ms, b.expires_at_ms);
        assert_eq!(a.scopes, b.scopes);
        assert_eq!(a.id_claims, b.id_claims);
        assert_eq!(a.userinfo, b.userinfo);
    }

    #[test]
    fn a_session_comes_back_whole_from_storage_and_from_another_tab() {
        let s = full();
        let stored = Stored {
            provider_id: "op".into(),
            refresh_token: Some(RefreshToken::new("rt")),
            refresh_in_companion: false,
            sub: Some("u1".into()),
            nonce: Some(Nonce::new("n0")),
            dpop_key: Some("k1".into()),
            live: Some(Box::new(s.clone())),
        };
        let back = Stored::from_json(&stored.to_json()).unwrap();
        assert_eq!(back.provider_id, "op");
        assert_eq!(back.refresh_token.unwrap().secret(), "rt");
        assert_eq!(back.sub.as_deref(), Some("u1"));
        assert_eq!(back.nonce.unwrap().secret(), "n0");
        assert_eq!(back.dpop_key.as_deref(), Some("k1"));
        assert_same(&back.live.unwrap(), &s);

        let Some(Broadcast::Tokens(got)) =
            Broadcast::from_json(&Broadcast::Tokens(Box::new(s.clone())).to_json())
        else {
            panic!("not the tokens");
        };
        assert_same(&got, &s);
        let out = Broadcast::SignedOut {
            provider_id: "op".into(),
        }
        .to_json();
        assert_eq!(out, r#"{"signed_out":{"provider_id":"op"}}"#);
        assert!(matches!(
            Broadcast::from_json(&out),
            Some(Broadcast::SignedOut { provider_id }) if provider_id == "op"
        ));
    }

    /// A record as the serde derive of the previous builds wrote it (fields in declaration
    /// order, `None` as `null`, no `problem`) still reads after an update.
    #[test]
    fn a_record_written_by_the_serde_derive_still_reads() {
        let text = r#"{"provider_id":"op","refresh_token":null,"refresh_in_companion":false,"sub":"u1","nonce":null,"dpop_key":null,"live":{"provider_id":"op","provider_name":"OP","protocol":"oidc","storage":"tab","access_token":"at","id_token":null,"refresh_token":null,"refresh_in_companion":false,"companion_session":null,"nonce":null,"dpop_key":null,"issued_at_ms":5,"expires_at_ms":null,"scopes":["openid"],"id_claims":{"sub":"u1"},"userinfo":null}}"#;
        let back = Stored::from_json(text).unwrap();
        let live = back.live.unwrap();
        assert_eq!(live.access_token.unwrap().secret(), "at");
        assert_eq!(live.storage, SessionStorage::Tab);
        assert_eq!(live.issued_at_ms, 5);
        assert_eq!(live.scopes, ["openid"]);
        // Records from before DPoP and the companion's refresh cookie lack those members.
        let older = r#"{"provider_id":"op","refresh_token":"rt"}"#;
        let back = Stored::from_json(older).unwrap();
        assert_eq!(back.refresh_token.unwrap().secret(), "rt");
        assert!(!back.refresh_in_companion && back.live.is_none());
    }

    #[test]
    fn a_record_that_does_not_read_is_no_record() {
        let good = Broadcast::Tokens(Box::new(full())).to_json();
        let mut doc: Value = serde_json::from_str(&good).unwrap();
        for (field, bad) in [
            ("protocol", json!("saml")),
            ("storage", json!(1)),
            ("issued_at_ms", Value::Null),
            ("access_token", json!(["at"])),
            ("scopes", json!("openid")),
            ("id_claims", json!("x")),
        ] {
            let saved = doc["tokens"][field].clone();
            doc["tokens"][field] = bad;
            assert!(Broadcast::from_json(&doc.to_string()).is_none(), "{field}");
            doc["tokens"][field] = saved;
        }
        for text in [
            r#"{"tokens":{}}"#,
            r#"{"signed_out":{}}"#,
            r#"{"other":{"provider_id":"op"}}"#,
            r#"{"signed_out":{"provider_id":"op"},"tokens":{}}"#,
            r#"{"signed_out":"op"}"#,
            "[]",
        ] {
            assert!(Broadcast::from_json(text).is_none(), "{text}");
        }
        assert!(Stored::from_json(r#"{"provider_id":"op","live":"x"}"#).is_none());
        assert!(Stored::from_json("not json").is_none());
    }
}
