//! DPoP (RFC 9449) in the browser: the key, the proofs, the server nonces, and the one retry.
//!
//! The protocol lives in `latchkey_proto::dpop`; this module holds the key and signs.
//!
//! - **The key** is an ECDSA P-256 pair made by WebCrypto with `extractable: false`: script
//!   on the page can ask for signatures but can never read the private key, so a token
//!   copied off the page is useless elsewhere. It is made when a sign-in starts (the pushed
//!   request and the code exchange must be signed with the same key) and kept in IndexedDB
//!   as the `CryptoKey` object itself, never exported, under `dpop.<id>`; the session names
//!   its key by that id. With `session_storage = "memory"` the stored copy is deleted once
//!   the sign-in has completed and the key lives in this page alone, like the tokens. A
//!   stored key no page has used for 30 days is deleted as a page starts
//!   ([`crate::dpop_keys`]): the key of a tab closed with its session.
//! - **Nonces** (RFC 9449 §8, §9): the latest `DPoP-Nonce` of each server is kept, one for
//!   the provider's endpoints and one for the API, per origin (a resource server's nonces are
//!   its own, even on the provider's host): in memory, and in the tab's `sessionStorage`
//!   under `latchkey.dpop_nonce.<origin>` (`latchkey.dpop_nonce.api.<origin>`), so the next
//!   page's first request to a server carries one instead of meeting a `use_dpop_nonce`
//!   round (the callback page's code exchange after the push, a renewal on load). A nonce
//!   is no secret: the server gives it to anyone, and it proves nothing alone.
//! - **[`send`]**: signs a proof for the request, sends it, and when the server answers
//!   `use_dpop_nonce` signs a new proof with the nonce it gave and sends once more.

use std::cell::RefCell;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use latchkey_proto::dpop::{
    build_signing_input, latest_nonce, nonce_challenge, Attempt, DpopNonce, NonceChallenge,
    ProofParams, PublicKey,
};
use latchkey_proto::secret::AccessToken;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::browser::fetch::{self, Ending, Peer};
use crate::browser::storage;
use crate::browser::{indexed_db, page, random, window, BrowserError};
use crate::dpop_keys;
use crate::reach::{self, Endpoint, NoAnswer};
use crate::storage_mode::Area;

const STORE_PREFIX: &str = "dpop.";

/// One DPoP key pair: the private half as an opaque, non-extractable `CryptoKey`.
#[derive(Clone)]
pub struct DpopKey {
    id: String,
    private: web_sys::CryptoKey,
    public: PublicKey,
}

thread_local! {
    /// Keys already loaded in this page, by id (a session signs every API call).
    static KEYS: RefCell<Vec<DpopKey>> = const { RefCell::new(Vec::new()) };
    /// The latest nonce per server: `(origin, is_api, nonce)`.
    static NONCES: RefCell<Vec<(String, bool, DpopNonce)>> = const { RefCell::new(Vec::new()) };
}

fn subtle() -> Result<web_sys::SubtleCrypto, BrowserError> {
    Ok(window()?
        .crypto()
        .map_err(|e| BrowserError::from_js("crypto", &e))?
        .subtle())
}

fn member(object: &JsValue, name: &str) -> Result<JsValue, BrowserError> {
    js_sys::Reflect::get(object, &JsValue::from_str(name))
        .map_err(|e| BrowserError::from_js(name, &e))
}

fn set(object: &js_sys::Object, name: &str, value: &JsValue) -> Result<(), BrowserError> {
    js_sys::Reflect::set(object, &JsValue::from_str(name), value)
        .map(drop)
        .map_err(|e| BrowserError::from_js(name, &e))
}

fn algorithm() -> Result<js_sys::Object, BrowserError> {
    let o = js_sys::Object::new();
    set(&o, "name", &JsValue::from_str("ECDSA"))?;
    set(&o, "namedCurve", &JsValue::from_str("P-256"))?;
    set(&o, "hash", &JsValue::from_str("SHA-256"))?;
    Ok(o)
}

/// The public key of a `CryptoKeyPair` object, from its raw point (a public key can always
/// be exported, whatever the private key's `extractable`).
async fn public_of(pair: &JsValue) -> Result<PublicKey, BrowserError> {
    let public: web_sys::CryptoKey = member(pair, "publicKey")?
        .dyn_into()
        .map_err(|_| BrowserError("the stored DPoP key has no public key".into()))?;
    let promise = subtle()?
        .export_key("raw", &public)
        .map_err(|e| BrowserError::from_js("exportKey", &e))?;
    let raw = JsFuture::from(promise)
        .await
        .map_err(|e| BrowserError::from_js("exportKey", &e))?;
    let point = js_sys::Uint8Array::new(&raw).to_vec();
    PublicKey::from_uncompressed_point(&point).map_err(|e| BrowserError(e.to_string()))
}

fn private_of(pair: &JsValue) -> Result<web_sys::CryptoKey, BrowserError> {
    member(pair, "privateKey")?
        .dyn_into()
        .map_err(|_| BrowserError("the stored DPoP key has no private key".into()))
}

impl DpopKey {
    /// Makes a new key pair (private key not extractable) and keeps it in IndexedDB.
    pub async fn generate() -> Result<DpopKey, BrowserError> {
        let usages = js_sys::Array::of1(&JsValue::from_str("sign"));
        let promise = subtle()?
            .generate_key_with_object(&algorithm()?, false, &usages)
            .map_err(|e| BrowserError::from_js("generateKey", &e))?;
        let pair = JsFuture::from(promise)
            .await
            .map_err(|e| BrowserError::from_js("generateKey", &e))?;
        let key = DpopKey {
            id: URL_SAFE_NO_PAD.encode(random::bytes::<16>()?),
            private: private_of(&pair)?,
            public: public_of(&pair).await?,
        };
        indexed_db::put_value(&format!("{STORE_PREFIX}{}", key.id), &pair).await?;
        mark_used(&key.id);
        key.remember();
        Ok(key)
    }

    /// The key named `id`: from this page, else from IndexedDB. `Ok(None)` when it is gone
    /// (another tab signed out, or the storage was cleared).
    pub async fn find(id: &str) -> Result<Option<DpopKey>, BrowserError> {
        if let Some(key) = KEYS.with(|k| k.borrow().iter().find(|k| k.id == id).cloned()) {
            return Ok(Some(key));
        }
        let pair = indexed_db::get_value(&format!("{STORE_PREFIX}{id}")).await?;
        if pair.is_undefined() || pair.is_null() {
            return Ok(None);
        }
        let key = DpopKey {
            id: id.to_owned(),
            private: private_of(&pair)?,
            public: public_of(&pair).await?,
        };
        mark_used(id);
        key.remember();
        Ok(Some(key))
    }

    /// Deletes the stored copy; the key stays usable in this page only (`memory` sessions).
    pub async fn keep_in_page_only(&self) {
        let _ = indexed_db::delete(&format!("{STORE_PREFIX}{}", self.id)).await;
        unmark(std::slice::from_ref(&self.id));
    }

    /// Forgets the key named `id` everywhere: the tokens bound to it become useless.
    pub async fn forget(id: &str) {
        KEYS.with(|k| k.borrow_mut().retain(|k| k.id != id));
        let _ = indexed_db::delete(&format!("{STORE_PREFIX}{id}")).await;
        unmark(&[id.to_owned()]);
    }

    /// Forgets a key named by a dropped pending flow: the flow's sign-in never bound a
    /// token to it, or the token is gone with it.
    pub fn forget_unused(id: Option<String>) {
        if let Some(id) = id {
            forget_later(id);
        }
    }

    fn remember(&self) {
        KEYS.with(|k| {
            let mut keys = k.borrow_mut();
            keys.retain(|k| k.id != self.id);
            keys.push(self.clone());
        });
    }

    /// The key's id, which the pending flow and the session keep.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The public half: what a proof carries, and what `dpop_jkt` names.
    pub fn public(&self) -> &PublicKey {
        &self.public
    }

    /// A proof for one request: `htm`, `htu`, a fresh `jti`, now, the server's latest nonce,
    /// and `ath` when an access token goes with it.
    pub async fn proof(
        &self,
        method: &http::Method,
        target: &Target<'_>,
        access_token: Option<&AccessToken>,
    ) -> Result<String, String> {
        let jti = random::bytes::<16>().map_err(|e| e.0)?;
        let nonce = nonce_for(target);
        let input = build_signing_input(&ProofParams {
            key: &self.public,
            method,
            target_uri: target.url,
            iat: page::now_s(),
            jti_random: &jti,
            nonce: nonce.as_ref(),
            access_token,
        })
        .map_err(|e| e.to_string())?;
        let promise = subtle()
            .map_err(|e| e.0)?
            .sign_with_object_and_u8_array(
                &algorithm().map_err(|e| e.0)?,
                &self.private,
                input.as_bytes(),
            )
            .map_err(|e| BrowserError::from_js("sign", &e).0)?;
        let signature = JsFuture::from(promise)
            .await
            .map_err(|e| BrowserError::from_js("sign", &e).0)?;
        let signature = js_sys::Uint8Array::new(&signature).to_vec();
        input
            .into_proof(&signature)
            .map(|p| p.as_str().to_owned())
            .map_err(|e| e.to_string())
    }
}

/// Marks the stored key `id` used now ([`crate::dpop_keys`]). Without `localStorage` nothing
/// is marked, and nothing will be deleted for want of a mark either.
fn mark_used(id: &str) {
    if let Ok(record) = storage::get(Area::Local, dpop_keys::RECORD) {
        let _ = storage::set(
            Area::Local,
            dpop_keys::RECORD,
            &dpop_keys::used(record.as_deref(), id, page::now_s()),
        );
    }
}

fn unmark(ids: &[String]) {
    if let Ok(record) = storage::get(Area::Local, dpop_keys::RECORD) {
        let _ = match dpop_keys::without(record.as_deref(), ids) {
            Some(left) => storage::set(Area::Local, dpop_keys::RECORD, &left),
            None => storage::remove(Area::Local, dpop_keys::RECORD),
        };
    }
}

/// Deletes the stored keys no page has used for [`dpop_keys::UNUSED_SECS`]: those of tabs
/// long closed. Called as each page starts.
pub fn forget_unused_keys() {
    let Ok(record) = storage::get(Area::Local, dpop_keys::RECORD) else {
        return;
    };
    let unused = dpop_keys::unused(record.as_deref(), page::now_s());
    if unused.is_empty() {
        return;
    }
    // Unmarked once deleted: a page that closes half way leaves the rest for the next one.
    wasm_bindgen_futures::spawn_local(async move {
        for id in &unused {
            let _ = indexed_db::delete(&format!("{STORE_PREFIX}{id}")).await;
        }
        unmark(&unused);
    });
}

/// [`DpopKey::forget`] from code that cannot wait for it (IndexedDB is asynchronous).
pub fn forget_later(id: String) {
    wasm_bindgen_futures::spawn_local(async move { DpopKey::forget(&id).await });
}

/// The URL a proof is for, and whose nonce it carries.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// The provider's URL the request is for (`htu`): for a mediated request, the provider's
    /// endpoint that the companion will call, not the companion's own route.
    pub url: &'a str,
    /// An API call (`api_base`), whose server keeps its own nonces.
    pub api: bool,
}

/// `scheme://host[:port]` of an absolute URL (the whole URL when it has no path).
fn origin(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find(['/', '?', '#']) {
        Some(end) => &url[..after_scheme + end],
        None => url,
    }
}

/// Where the tab keeps a server's latest nonce.
fn nonce_key(target: &Target<'_>) -> String {
    let api = if target.api { "api." } else { "" };
    format!("latchkey.dpop_nonce.{api}{}", origin(target.url))
}

fn nonce_for(target: &Target<'_>) -> Option<DpopNonce> {
    let server = origin(target.url);
    let in_page = NONCES.with(|n| {
        n.borrow()
            .iter()
            .find(|(o, api, _)| o == server && *api == target.api)
            .map(|(_, _, nonce)| nonce.clone())
    });
    in_page.or_else(|| {
        // One an earlier page of this tab was given; a stale one only costs the round it
        // would have cost anyway.
        let kept = storage::get(Area::Session, &nonce_key(target)).ok()??;
        DpopNonce::parse(&kept).ok()
    })
}

fn keep_nonce(target: &Target<'_>, nonce: DpopNonce) {
    let server = origin(target.url).to_owned();
    // Best effort: without storage, the next page meets one nonce round.
    let _ = storage::set(Area::Session, &nonce_key(target), nonce.as_str());
    NONCES.with(|n| {
        let mut nonces = n.borrow_mut();
        nonces.retain(|(o, api, _)| !(*o == server && *api == target.api));
        nonces.push((server, target.api, nonce));
    });
}

/// What to bind a request to: the key, the URL signed for, and the access token it carries.
pub struct Binding<'a> {
    /// The session's key.
    pub key: &'a DpopKey,
    /// The URL the proof names.
    pub target: Target<'a>,
    /// The access token sent with the request (`ath`), if any.
    pub access_token: Option<&'a AccessToken>,
}

/// Why a bound request got no usable answer.
#[derive(Debug)]
pub enum SendFailure {
    /// No answer (see [`reach`]).
    NoAnswer(NoAnswer),
    /// The proof could not be made (WebCrypto refused, or the URL is not one a proof can name).
    Proof(String),
}

fn copy(request: &http::Request<Vec<u8>>) -> http::Request<Vec<u8>> {
    let mut out = http::Request::new(request.body().clone());
    *out.method_mut() = request.method().clone();
    *out.uri_mut() = request.uri().clone();
    *out.headers_mut() = request.headers().clone();
    *out.extensions_mut() = request.extensions().clone();
    out
}

/// Sends `request` with a proof when `binding` is given (and as it is otherwise), keeps the
/// server's latest nonce, and answers one `use_dpop_nonce` with a second proof that carries
/// the nonce. A second request for a nonce is returned as the answer: the caller reads it
/// as the server's error, and no third request is made.
pub async fn send(
    request: http::Request<Vec<u8>>,
    binding: Option<Binding<'_>>,
    peer: Peer,
    endpoint: Endpoint,
) -> Result<http::Response<Vec<u8>>, SendFailure> {
    let answer = open_with(request, binding, peer, endpoint, Ending::Deadline).await?;
    reach::read(answer, peer, endpoint)
        .await
        .map_err(SendFailure::NoAnswer)
}

/// [`send`] up to the final answer's status and headers, ending early as `ending` says (a
/// page's API call has no deadline and ends on its signal): its body is still coming,
/// unless the client read it to look for a nonce challenge (a client error).
pub async fn open_with(
    request: http::Request<Vec<u8>>,
    binding: Option<Binding<'_>>,
    peer: Peer,
    endpoint: Endpoint,
    ending: Ending<'_>,
) -> Result<fetch::Answer, SendFailure> {
    let Some(binding) = binding else {
        return reach::open_with(request, peer, endpoint, ending)
            .await
            .map_err(SendFailure::NoAnswer);
    };
    let mut attempt = Attempt::First;
    loop {
        let mut outgoing = copy(&request);
        let proof = binding
            .key
            .proof(request.method(), &binding.target, binding.access_token)
            .await
            .map_err(SendFailure::Proof)?;
        let value =
            http::HeaderValue::from_str(&proof).map_err(|e| SendFailure::Proof(e.to_string()))?;
        // A constant `HeaderName`: inserting by `&str`, or `from_static` at run time, would
        // bring in http's header-name parser (docs/notes/embed-size.md).
        outgoing
            .headers_mut()
            .insert(latchkey_proto::dpop::DPOP_HEADER, value);
        let answer = reach::open_with(outgoing, peer, endpoint, ending)
            .await
            .map_err(SendFailure::NoAnswer)?;
        if let Ok(Some(nonce)) = latest_nonce(answer.head().headers()) {
            keep_nonce(&binding.target, nonce);
        }
        // A nonce challenge is a client error, its code in the body (a token endpoint,
        // RFC 9449 §8) or in `WWW-Authenticate` (a resource server, §9): only then is the
        // body read here.
        if !answer.head().status().is_client_error() {
            return Ok(answer);
        }
        let response = reach::read(answer, peer, endpoint)
            .await
            .map_err(SendFailure::NoAnswer)?;
        match nonce_challenge(&response, attempt) {
            Ok(NonceChallenge::RetryWith(nonce)) => {
                keep_nonce(&binding.target, nonce);
                attempt = Attempt::NonceRetry;
            }
            // Not asked, asked again, or asked without a usable nonce: the answer stands.
            _ => return Ok(fetch::Answer::whole(response)),
        }
    }
}

/// The binding of a token request (code exchange, refresh): the proof names the provider's
/// token endpoint, also when the companion relays the request. `Ok(None)` without a key.
pub fn token_binding<'a>(
    key: Option<&'a DpopKey>,
    token_endpoint: Option<&'a str>,
) -> Result<Option<Binding<'a>>, String> {
    let Some(key) = key else {
        return Ok(None);
    };
    let url = token_endpoint.ok_or_else(|| {
        "the provider's token endpoint is not known, so no DPoP proof can name it".to_owned()
    })?;
    Ok(Some(Binding {
        key,
        target: Target { url, api: false },
        access_token: None,
    }))
}

/// Binds a resource request (userinfo, the API) to the key (RFC 9449 §7.1): `Authorization:
/// DPoP <token>` in place of a Bearer one, and the binding whose proof names `target` and
/// carries the token's hash (`ath`).
pub fn bind_resource<'a>(
    request: &mut http::Request<Vec<u8>>,
    key: &'a DpopKey,
    target: Target<'a>,
    token: &'a AccessToken,
) -> Result<Binding<'a>, String> {
    let value = http::HeaderValue::from_str(&format!("DPoP {}", token.secret()))
        .map_err(|_| "the access token cannot be sent in a header".to_owned())?;
    request
        .headers_mut()
        .insert(http::header::AUTHORIZATION, value);
    Ok(Binding {
        key,
        target,
        access_token: Some(token),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_origin_is_scheme_host_and_port() {
        assert_eq!(
            origin("http://127.0.0.1:9200/token"),
            "http://127.0.0.1:9200"
        );
        assert_eq!(origin("https://op.example"), "https://op.example");
        assert_eq!(origin("https://op.example?x#y"), "https://op.example");
    }
}

/// In headless Chromium (`cargo test -p latchkey-client --target wasm32-unknown-unknown`):
/// the key WebCrypto makes, where it is kept, and that its proofs verify.
#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    use latchkey_proto::oidc::{Jwk, JwsAlg, JwsVerifier};
    use serde_json::Value;
    use wasm_bindgen_test::*;

    use super::*;
    use crate::webcrypto::WebCryptoVerifier;

    wasm_bindgen_test_configure!(run_in_browser);

    fn part(compact: &str, i: usize) -> Value {
        let text = compact.split('.').nth(i).expect("three parts");
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(text).expect("base64url")).expect("JSON")
    }

    fn drop_page_copies() {
        KEYS.with(|k| k.borrow_mut().clear());
    }

    #[wasm_bindgen_test]
    async fn a_proof_verifies_with_the_public_key_it_carries_and_names_the_request() {
        let key = DpopKey::generate().await.unwrap();
        let token = AccessToken::new("at-1");
        let target = Target {
            url: "https://api.example/v1/me?page=2",
            api: true,
        };
        let proof = key
            .proof(&http::Method::GET, &target, Some(&token))
            .await
            .unwrap();
        let header = part(&proof, 0);
        let claims = part(&proof, 1);
        assert_eq!(header["typ"], "dpop+jwt");
        assert_eq!(header["alg"], "ES256");
        assert_eq!(claims["htm"], "GET");
        assert_eq!(claims["htu"], "https://api.example/v1/me");
        assert_eq!(claims["ath"], latchkey_proto::dpop::ath(&token));
        let jwk = &header["jwk"];
        let jwk = Jwk {
            kty: jwk["kty"].as_str().unwrap().into(),
            kid: None,
            use_: None,
            alg: None,
            key_ops: None,
            n: None,
            e: None,
            crv: jwk["crv"].as_str().map(str::to_owned),
            x: jwk["x"].as_str().map(str::to_owned),
            y: jwk["y"].as_str().map(str::to_owned),
        };
        let (input, signature) = proof.rsplit_once('.').unwrap();
        let signature = URL_SAFE_NO_PAD.decode(signature).unwrap();
        WebCryptoVerifier
            .verify(JwsAlg::ES256, &jwk, input.as_bytes(), &signature)
            .await
            .expect("the proof's signature verifies with its jwk");
        let mut tampered = input.as_bytes().to_vec();
        tampered[10] ^= 1;
        assert!(WebCryptoVerifier
            .verify(JwsAlg::ES256, &jwk, &tampered, &signature)
            .await
            .is_err());
        // Two proofs never share a jti.
        let again = key
            .proof(&http::Method::GET, &target, Some(&token))
            .await
            .unwrap();
        assert_ne!(part(&again, 1)["jti"], claims["jti"]);
        DpopKey::forget(key.id()).await;
    }

    #[wasm_bindgen_test]
    async fn the_key_is_kept_unexportable_in_indexed_db_until_forgotten() {
        let key = DpopKey::generate().await.unwrap();
        let point = key.public.thumbprint();
        drop_page_copies();
        let found = DpopKey::find(key.id())
            .await
            .unwrap()
            .expect("kept in IndexedDB");
        assert_eq!(found.public.thumbprint(), point, "the same key pair");
        assert!(!found.private.extractable());
        let export = subtle().unwrap().export_key("jwk", &found.private).unwrap();
        assert!(
            JsFuture::from(export).await.is_err(),
            "script cannot read the private key"
        );

        // `memory` sessions: the stored copy goes, the page keeps signing.
        found.keep_in_page_only().await;
        assert!(DpopKey::find(key.id()).await.unwrap().is_some());
        drop_page_copies();
        assert!(DpopKey::find(key.id()).await.unwrap().is_none());

        let other = DpopKey::generate().await.unwrap();
        DpopKey::forget(other.id()).await;
        assert!(DpopKey::find(other.id()).await.unwrap().is_none());
        drop_page_copies();
        assert!(DpopKey::find(other.id()).await.unwrap().is_none());
    }
}
