//! Browser tests of the auth glue (headless Chromium through wasm-bindgen-test):
//! `CHROMEDRIVER=/usr/bin/chromedriver cargo test -p latchkey-app --target wasm32-unknown-unknown`
//! (see `docs/notes/wasm-bindgen-test.md`).

use latchkey_proto::authorize::{self, FlowRandomness, FlowStart};
use latchkey_proto::oidc::{
    self, AlgPolicy, CompactJws, IdTokenChecks, Jwk, JwkSet, JwsAlg, JwsVerifier, NonceCheck,
    VerifyError,
};
use latchkey_proto::public_config::{Protocol, SessionStorage};
use latchkey_proto::secret::{Nonce, RefreshToken};
use serde_json::Value;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen_test::*;

use super::pending;
use super::session::Session;
use super::storage_mode::{session_key, Area};
use super::webcrypto::WebCryptoVerifier;
use crate::browser::{channel::Channel, locks, page, storage, timer};

wasm_bindgen_test_configure!(run_in_browser);

const VECTORS: &str = include_str!("../../proto/tests/vectors/jws.json");

fn vectors() -> Value {
    serde_json::from_str(VECTORS).expect("the vectors file is JSON")
}

#[wasm_bindgen_test]
async fn webcrypto_agrees_with_every_jws_vector() {
    let doc = vectors();
    let list = doc["vectors"].as_array().expect("vectors");
    assert!(
        list.len() >= 18,
        "expected the full vector set, got {}",
        list.len()
    );
    let mut checked = 0;
    for v in list {
        let name = v["name"].as_str().unwrap();
        let token = v["token"].as_str().unwrap();
        let valid = v["valid"].as_bool().unwrap();
        let alg = JwsAlg::parse(v["alg"].as_str().unwrap()).unwrap();
        let jwk = Jwk::from_json(&v["jwk"]).unwrap();
        let jws = CompactJws::parse(token).unwrap();
        let got = WebCryptoVerifier
            .verify(alg, &jwk, jws.signing_input(), jws.signature())
            .await;
        match (valid, &got) {
            (true, Ok(())) | (false, Err(VerifyError::BadSignature)) => checked += 1,
            _ => panic!("{name}: expected valid={valid}, got {got:?}"),
        }
    }
    assert_eq!(checked, list.len());
}

#[wasm_bindgen_test]
async fn id_token_vectors_pass_full_validation_only_when_untampered() {
    let doc = vectors();
    let c = &doc["id_token_checks"];
    let nonce = Nonce::new(c["nonce"].as_str().unwrap());
    let checks = IdTokenChecks {
        issuer: c["issuer"].as_str().unwrap(),
        client_id: c["client_id"].as_str().unwrap(),
        nonce: NonceCheck::Expect(&nonce),
        leeway_secs: c["leeway_secs"].as_u64().unwrap(),
        access_token: None,
        expected_sub: None,
        algs: AlgPolicy::AnySupported,
        max_age: None,
    };
    let now = c["now"].as_u64().unwrap();
    let mut seen = 0;
    for v in doc["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["id_token"] == Value::Bool(true))
    {
        let jwks = JwkSet {
            keys: vec![Jwk::from_json(&v["jwk"]).unwrap()],
        };
        let got = oidc::verify_id_token(
            v["token"].as_str().unwrap(),
            &jwks,
            &WebCryptoVerifier,
            &checks,
            now,
        )
        .await;
        assert_eq!(
            got.is_ok(),
            v["valid"].as_bool().unwrap(),
            "{}: {got:?}",
            v["name"]
        );
        seen += 1;
    }
    assert!(seen >= 12, "{seen}");
}

#[wasm_bindgen_test]
async fn a_wrong_nonce_is_refused_even_with_a_good_signature() {
    let doc = vectors();
    let v = doc["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "id-token-rs256")
        .unwrap()
        .clone();
    let c = &doc["id_token_checks"];
    let other = Nonce::new("not-the-nonce");
    let checks = IdTokenChecks {
        issuer: c["issuer"].as_str().unwrap(),
        client_id: c["client_id"].as_str().unwrap(),
        nonce: NonceCheck::Expect(&other),
        leeway_secs: 0,
        access_token: None,
        expected_sub: None,
        algs: AlgPolicy::AnySupported,
        max_age: None,
    };
    let jwks = JwkSet {
        keys: vec![Jwk::from_json(&v["jwk"]).unwrap()],
    };
    let got = oidc::verify_id_token(
        v["token"].as_str().unwrap(),
        &jwks,
        &WebCryptoVerifier,
        &checks,
        c["now"].as_u64().unwrap(),
    )
    .await;
    assert!(
        matches!(got, Err(oidc::IdTokenError::NonceMismatch)),
        "{got:?}"
    );
}

#[wasm_bindgen_test]
async fn a_short_rsa_key_is_refused_before_webcrypto_sees_it() {
    let doc = vectors();
    let v = &doc["vectors"][0];
    let mut jwk = Jwk::from_json(&v["jwk"]).unwrap();
    // Keep 128 bytes of the modulus: a 1024-bit key.
    let n = jwk.n.clone().unwrap();
    jwk.n = Some(n[..171].to_owned());
    let jws = CompactJws::parse(v["token"].as_str().unwrap()).unwrap();
    let got = WebCryptoVerifier
        .verify(JwsAlg::RS256, &jwk, jws.signing_input(), jws.signature())
        .await;
    assert!(matches!(got, Err(VerifyError::InvalidKey(_))), "{got:?}");
}

pub(super) fn flow(state_byte: u8, provider: &str) -> authorize::PendingFlow {
    flow_to(state_byte, provider, "/callback")
}

/// A pending flow whose redirect URI is `path` on this test page's origin.
pub(super) fn flow_to(state_byte: u8, provider: &str, path: &str) -> authorize::PendingFlow {
    let scopes = ["openid".to_owned()];
    let redirect_uri = format!("{}{path}", page::origin().unwrap());
    let start = FlowStart {
        provider_id: provider,
        issuer: Some("https://idp.example"),
        authorization_endpoint: "https://idp.example/authorize",
        client_id: "spa",
        redirect_uri: &redirect_uri,
        scopes: &scopes,
        return_to: "/",
        extra: &[],
    };
    let state = [state_byte; 32];
    let random = FlowRandomness {
        state: &state,
        nonce: &[2; 32],
        verifier: &[3; 32],
    };
    authorize::begin(&start, &random, crate::browser::page::now_s())
        .unwrap()
        .1
}

#[wasm_bindgen_test]
fn a_pending_flow_can_be_taken_exactly_once() {
    let f = flow(0x11, "dot");
    let state = f.state.secret().to_owned();
    pending::save(&f).unwrap();
    let taken = pending::take(&state).unwrap().expect("stored flow");
    assert_eq!(taken.provider_id, "dot");
    assert_eq!(taken.verifier.secret(), f.verifier.secret());
    assert!(
        pending::take(&state).unwrap().is_none(),
        "a replayed state finds nothing"
    );
    assert!(
        storage::get(Area::Session, &format!("latchkey.flow.{state}"))
            .unwrap()
            .is_none()
    );
}

#[wasm_bindgen_test]
fn two_pending_flows_do_not_collide_and_a_forged_state_finds_none() {
    let a = flow(0x21, "dot");
    let b = flow(0x22, "other");
    pending::save(&a).unwrap();
    pending::save(&b).unwrap();
    assert!(pending::take("forged-state").unwrap().is_none());
    assert_eq!(
        pending::take(b.state.secret())
            .unwrap()
            .unwrap()
            .provider_id,
        "other"
    );
    assert_eq!(
        pending::take(a.state.secret())
            .unwrap()
            .unwrap()
            .provider_id,
        "dot"
    );
}

#[wasm_bindgen_test]
fn garbage_under_a_flow_key_is_deleted_and_treated_as_unknown() {
    storage::set(Area::Session, "latchkey.flow.junk", "{not json").unwrap();
    assert!(pending::take("junk").unwrap().is_none());
    assert!(storage::get(Area::Session, "latchkey.flow.junk")
        .unwrap()
        .is_none());
}

pub(super) fn session(provider: &str, refresh: Option<&str>) -> Session {
    Session {
        provider_id: provider.into(),
        provider_name: "Test".into(),
        protocol: Protocol::Oidc,
        storage: SessionStorage::Tab,
        access_token: Some(latchkey_proto::secret::AccessToken::new("at")),
        id_token: None,
        refresh_token: refresh.map(RefreshToken::new),
        refresh_in_companion: false,
        companion_session: None,
        nonce: Some(Nonce::new("n")),
        dpop_key: None,
        issued_at_ms: 0,
        expires_at_ms: None,
        scopes: vec![],
        id_claims: serde_json::from_str(r#"{"sub":"42"}"#).ok(),
        userinfo: None,
        problem: None,
    }
}

/// Signs `engine`'s tab in with a `browser`-storage session holding `refresh`, as a code
/// exchange in that tab would: stored in localStorage and announced to the other tabs.
pub(super) fn sign_in_shared(engine: &super::engine::Engine, provider: &str, refresh: &str) {
    let mut s = session(provider, Some(refresh));
    s.storage = SessionStorage::Browser;
    engine.install(s, super::engine::Source::ThisTab);
}

pub(super) fn both_stores(key: &str) -> (Option<String>, Option<String>) {
    (
        storage::get(Area::Session, key).unwrap(),
        storage::get(Area::Local, key).unwrap(),
    )
}

#[wasm_bindgen_test]
fn memory_mode_writes_nothing_anywhere() {
    let s = session("mem", Some("r-mem"));
    s.persist(SessionStorage::Memory).unwrap();
    assert_eq!(both_stores(&session_key("mem")), (None, None));
    assert!(Session::stored("mem", SessionStorage::Memory).is_none());
}

#[wasm_bindgen_test]
fn tab_mode_keeps_the_refresh_token_in_session_storage_only() {
    let s = session("tabp", Some("r-tab"));
    s.persist(SessionStorage::Tab).unwrap();
    let (sess, local) = both_stores(&session_key("tabp"));
    assert!(sess.unwrap().contains("r-tab"));
    assert!(local.is_none());
    let back = Session::stored("tabp", SessionStorage::Tab).unwrap();
    assert!(back
        .refresh_token
        .unwrap()
        .ct_eq(&RefreshToken::new("r-tab")));
    assert_eq!(back.sub.as_deref(), Some("42"));
    Session::forget("tabp", SessionStorage::Tab);
    assert!(Session::stored("tabp", SessionStorage::Tab).is_none());
}

#[wasm_bindgen_test]
fn browser_mode_shares_the_refresh_token_through_local_storage() {
    let s = session("shared", Some("r-shared"));
    s.persist(SessionStorage::Browser).unwrap();
    let (sess, local) = both_stores(&session_key("shared"));
    assert!(sess.is_none());
    assert!(local.unwrap().contains("r-shared"));
    // Rotation overwrites; no refresh token and no access token removes the record.
    let mut bare = session("shared", None);
    bare.access_token = None;
    bare.persist(SessionStorage::Browser).unwrap();
    assert!(Session::stored("shared", SessionStorage::Browser).is_none());
}

#[wasm_bindgen_test]
async fn web_locks_run_one_section_at_a_time() {
    assert!(locks::available());
    let log = Rc::new(RefCell::new(Vec::new()));
    let section = |tag: &'static str, log: Rc<RefCell<Vec<String>>>| {
        locks::with_lock("latchkey.test.lock", move || async move {
            log.borrow_mut().push(format!("{tag} in"));
            timer::sleep(30).await;
            log.borrow_mut().push(format!("{tag} out"));
            tag
        })
    };
    let (a, b) = futures_join(section("a", log.clone()), section("b", log.clone())).await;
    assert_eq!((a.unwrap(), b.unwrap()), ("a", "b"));
    assert_eq!(*log.borrow(), vec!["a in", "a out", "b in", "b out"]);
}

/// Polls two futures together (no extra crate for a join).
async fn futures_join<A, B>(a: A, b: B) -> (A::Output, B::Output)
where
    A: std::future::Future + 'static,
    B: std::future::Future + 'static,
    A::Output: 'static,
    B::Output: 'static,
{
    let ra = Rc::new(RefCell::new(None));
    let rb = Rc::new(RefCell::new(None));
    let (sa, sb) = (ra.clone(), rb.clone());
    wasm_bindgen_futures::spawn_local(async move {
        *sa.borrow_mut() = Some(a.await);
    });
    wasm_bindgen_futures::spawn_local(async move {
        *sb.borrow_mut() = Some(b.await);
    });
    loop {
        timer::sleep(10).await;
        if ra.borrow().is_some() && rb.borrow().is_some() {
            break;
        }
    }
    let a = ra.borrow_mut().take().unwrap();
    let b = rb.borrow_mut().take().unwrap();
    (a, b)
}

#[wasm_bindgen_test]
async fn broadcast_reaches_another_channel_of_the_origin() {
    let got = Rc::new(RefCell::new(Vec::new()));
    let sink = got.clone();
    let _listener = Channel::open("latchkey.test.channel", move |text| {
        sink.borrow_mut().push(text)
    })
    .unwrap();
    let sender = Channel::open("latchkey.test.channel", |_| {}).unwrap();
    sender
        .post(r#"{"signed_out":{"provider_id":"dot"}}"#)
        .unwrap();
    for _ in 0..50 {
        if !got.borrow().is_empty() {
            break;
        }
        timer::sleep(10).await;
    }
    assert_eq!(
        *got.borrow(),
        vec![r#"{"signed_out":{"provider_id":"dot"}}"#.to_owned()]
    );
}

pub(super) fn cross_tab_config(id: &str) -> latchkey_proto::public_config::PublicConfig {
    let file = serde_json::json!({"providers": [{
        "id": id, "name": "Shared", "protocol": "oidc", "issuer": "https://idp.example",
        "client_id": "spa", "session_storage": "browser",
        "endpoints": {
            "authorization_endpoint": "https://idp.example/authorize",
            "token_endpoint": "https://idp.example/token",
            "jwks_uri": "https://idp.example/jwks"
        }
    }]});
    latchkey_proto::public_config::PublicConfig::from_json(file.to_string().as_bytes()).unwrap()
}

pub(super) async fn until(what: &str, mut ok: impl FnMut() -> bool) {
    for _ in 0..200 {
        if ok() {
            return;
        }
        timer::sleep(10).await;
    }
    panic!("timed out waiting for {what}");
}

/// Two clients on one page stand in for two tabs: they share localStorage,
/// BroadcastChannel and Web Locks exactly as two tabs of the origin do. Both have finished
/// restoring (nobody signed in); dropping a client closes its tab.
pub(super) async fn signed_out_tabs(
    config: latchkey_proto::public_config::PublicConfig,
) -> [super::Client; 2] {
    use super::AuthStatus;
    let tabs = [(); 2].map(|()| {
        let tab = super::Client::new(config.clone());
        tab.start();
        tab
    });
    until("both tabs to finish restoring", || {
        tabs.iter().all(|t| t.status() == AuthStatus::SignedOut)
    })
    .await;
    tabs
}

#[wasm_bindgen_test]
async fn with_browser_storage_a_sign_in_and_its_sign_out_reach_the_other_tab() {
    use super::AuthStatus;

    let [a, b] = signed_out_tabs(cross_tab_config("xtab")).await;

    sign_in_shared(&a.engine(), "xtab", "r-xtab");
    until("tab B to adopt the session", || {
        matches!(b.status(), AuthStatus::SignedIn(v) if v.provider_id == "xtab" && v.sub == "42")
    })
    .await;
    assert!(Session::stored("xtab", SessionStorage::Browser).is_some());

    a.sign_out();
    until("tab B to sign out", || b.status() == AuthStatus::SignedOut).await;
    assert_eq!(a.status(), AuthStatus::SignedOut);
    assert!(Session::stored("xtab", SessionStorage::Browser).is_none());
    drop((a, b));
}

#[wasm_bindgen_test]
async fn with_tab_storage_the_other_tab_hears_nothing() {
    use super::engine::Source;
    use super::AuthStatus;

    let mut config = cross_tab_config("solo");
    config.providers[0].session_storage = SessionStorage::Tab;
    let [a, b] = signed_out_tabs(config).await;
    a.engine()
        .install(session("solo", Some("r-solo")), Source::ThisTab);
    timer::sleep(200).await;
    assert!(matches!(a.status(), AuthStatus::SignedIn(_)));
    assert_eq!(b.status(), AuthStatus::SignedOut);
    a.sign_out();
    until("tab A to sign out", || a.status() == AuthStatus::SignedOut).await;
    drop((a, b));
}
