//! DPoP (RFC 9449) and PAR (RFC 9126) through the showcase app, against the real
//! oidc-provider fixture (issue 20): its `bound` client must push its authorization requests,
//! gets only DPoP-bound tokens, and both the provider and the fixture's API demand nonces.
//! The app pushes, signs every token request, userinfo, API call and revocation with a
//! non-extractable WebCrypto key kept in IndexedDB, answers each nonce challenge once, renews
//! with rotation, survives a reload, and shows a provider's refusal of a replayed proof, or
//! of a proof for another URL, as the provider said it.

use latchkey_e2e::accessibility::assert_accessible;
use latchkey_e2e::companion::op_provider_toml;
use latchkey_e2e::flows::{api_call, op_sign_in, op_to_consent};
use latchkey_e2e::process::free_port;
use latchkey_e2e::providers::OP_DEMO_NAME;
use latchkey_e2e::{
    Browser, Companion, OidcProvider, DEMO_USER, OP_BOUND_CLIENT, OP_CONF_CLIENT,
    OP_CONF_SECRET_ENV, OP_ID, OP_PLAIN_CLIENT,
};

/// The bound client, pushed (the client's registration requires PAR; the provider's metadata
/// does not say so, so the configuration does) and with DPoP on the provider's word (`auto`).
fn bound_toml(op: &OidcProvider) -> String {
    format!("{}par = true\n", op_provider_toml(op, OP_BOUND_CLIENT))
}

/// The fixture (with `env` for `server.mjs`), the companion serving the app with the bound
/// client, and a browser on the app's home page; the app's origin last.
async fn bound_app(env: &[(&str, &str)]) -> (OidcProvider, Companion, Browser, String) {
    let port = free_port();
    let origin = format!("http://127.0.0.1:{port}");
    let op = OidcProvider::start_with_env(&origin, &[OP_ID], env).await;
    let (companion, b) = app_on(port, bound_toml(&op), &[]).await;
    (op, companion, b, origin)
}

/// The companion serving the app on `port` with `provider` (and `env`), and a browser on the
/// app's home page.
async fn app_on(port: u16, provider: String, env: &[(&str, &str)]) -> (Companion, Browser) {
    let companion = Companion::start(port, &[provider], env).await;
    let b = Browser::start().await;
    b.goto(&format!("{}/", companion.origin())).await;
    (companion, b)
}

/// `GET /me` through the API console: what the fixture's API said about the token it got,
/// which must be a 200 (`when` says at which step, for the failure message).
async fn api_me(b: &Browser, op: &OidcProvider, when: &str) -> serde_json::Value {
    let out = api_call(b, "GET", "/me", None).await;
    assert_eq!(
        out.code(),
        Some(200),
        "{when}: {out:?}\n{}",
        op.service().log_tail(40)
    );
    serde_json::from_str(&out.body).expect("JSON from /api/me")
}

/// The DPoP keys in the app's IndexedDB: for each, whether its private key is extractable and
/// whether WebCrypto let script export it.
async fn stored_keys(b: &Browser) -> serde_json::Value {
    b.js_async(
        "const done = arguments[arguments.length - 1];\
         const open = indexedDB.open('latchkey');\
         open.onerror = () => done({error: String(open.error)});\
         open.onsuccess = () => {\
           const db = open.result;\
           const all = db.transaction('shared').objectStore('shared').getAll();\
           const keys = db.transaction('shared').objectStore('shared').getAllKeys();\
           all.onsuccess = () => keys.onsuccess = async () => {\
             const out = [];\
             for (let i = 0; i < keys.result.length; i++) {\
               if (!String(keys.result[i]).startsWith('dpop.')) continue;\
               const pair = all.result[i];\
               let exported = true;\
               try { await crypto.subtle.exportKey('jwk', pair.privateKey); }\
               catch (e) { exported = false; }\
               out.push({extractable: pair.privateKey.extractable,\
                         type: pair.privateKey.type, exported});\
             }\
             db.close();\
             done(out);\
           };\
         };",
        vec![],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bound_client_pushes_signs_in_renews_reloads_and_signs_out_with_dpop() {
    // Ten-second access tokens: the app renews about five seconds after each is issued.
    let (op, companion, b, _) = bound_app(&[("OP_ACCESS_TOKEN_TTL", "10")]).await;
    op_sign_in(&b, &op.base_url()).await;
    let log = || op.service().log_tail(40);
    // The push met the provider's nonce challenge once, then was accepted; the browser went
    // to the authorization endpoint with the request_uri (a plain request would have been
    // refused: see oidc_provider.rs).
    assert_eq!(op.answered("POST", "/request", 400), 1, "{}", log());
    assert_eq!(op.answered("POST", "/request", 201), 1, "{}", log());
    assert!(op.answered("POST", "/token", 200) >= 1, "{}", log());
    // The callback page's code exchange carried the nonce the push was given on the page
    // before (kept for the tab), so the token endpoint asked for none.
    assert_eq!(
        op.answered("POST", "/token", 400),
        0,
        "the code exchange met a nonce challenge:\n{}",
        log()
    );
    assert_eq!(
        op.answered("GET", "/me", 200),
        1,
        "userinfo with the bound token:\n{}",
        log()
    );

    let body = api_me(&b, &op, "after sign-in").await;
    assert_eq!(body["sub"], DEMO_USER, "{body}");
    assert_eq!(body["client_id"], OP_BOUND_CLIENT, "{body}");
    assert_eq!(
        body["token_type"], "DPoP",
        "the access token is bound: {body}"
    );

    // The signed-in page of a bound session (its token inspector names the binding).
    assert_accessible(&b, "the app, signed in with a DPoP-bound session").await;

    // One key, in IndexedDB, that script can use but not read.
    let keys = stored_keys(&b).await;
    assert_eq!(
        keys,
        serde_json::json!([{"extractable": false, "type": "private", "exported": false}]),
        "{keys}"
    );

    // A renewal with the bound refresh token (the fixture rotates on every use).
    b.wait_until("a renewal at the token endpoint", || async {
        op.answered("POST", "/token", 200) >= 2
    })
    .await;
    let body = api_me(&b, &op, "after the renewal").await;
    assert_eq!(body["token_type"], "DPoP", "{body}");

    // A full load: the session and its key come back from storage.
    b.reload().await;
    b.wait_for_text(&format!("Signed in as {OP_DEMO_NAME}"))
        .await;
    api_me(&b, &op, "after a reload").await;

    b.click_button("Sign out").await;
    b.wait_until("oidc-provider's sign-out question", || async {
        b.has_button("Yes, sign me out").await
    })
    .await;
    assert_eq!(
        op.answered("POST", "/token/revocation", 200),
        2,
        "refresh and access token revoked with proofs:\n{}",
        log()
    );
    b.goto(&format!("{}/", companion.origin())).await;
    b.wait_for_text("Sign in with").await;
    assert_eq!(
        stored_keys(&b).await,
        serde_json::json!([]),
        "the key left with the session"
    );
}

/// Wraps the page's `fetch` so that the test can put a proof the app sent earlier on a later
/// call to `/api/me`: `mode` names the path whose last proof is used (`null`: none). The last
/// one, because the first proof of a call may be the one the server answered with a nonce
/// challenge, and a replay of that would only be asked for the nonce again.
const PROOF_SWAPPER: &str = "\
    if (!window.__e2eProofs) {\
      const state = {mode: null, seen: {}};\
      window.__e2eProofs = state;\
      const original = window.fetch.bind(window);\
      window.fetch = (input, init) => {\
        const request = new Request(input, init);\
        const path = new URL(request.url).pathname;\
        const proof = request.headers.get('dpop');\
        if (proof && !state.mode) state.seen[path] = proof;\
        if (proof && state.mode && path === '/api/me') {\
          const headers = new Headers(request.headers);\
          headers.set('dpop', state.seen[state.mode]);\
          return original(new Request(request, {headers}));\
        }\
        return original(request);\
      };\
    }\
    return null;";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_proof_and_a_proof_for_another_url_are_refused_and_shown() {
    let (op, _companion, b, _) = bound_app(&[]).await;
    op_sign_in(&b, &op.base_url()).await;
    b.js(PROOF_SWAPPER, vec![]).await;
    let log = || op.service().log_tail(30);

    // Two calls whose proofs are kept: /api/me (accepted) and /api/other (no such resource).
    let out = api_call(&b, "GET", "/me", None).await;
    assert_eq!(out.code(), Some(200), "{out:?}\n{}", log());
    let out = api_call(&b, "GET", "/other", None).await;
    assert_eq!(out.code(), Some(404), "{out:?}");

    // The accepted proof again: the API has seen its jti.
    b.js("window.__e2eProofs.mode = '/api/me'; return null;", vec![])
        .await;
    let out = api_call(&b, "GET", "/me", None).await;
    assert_eq!(out.code(), Some(401), "{out:?}");
    assert!(
        out.body.contains("invalid_dpop_proof")
            && out.body.contains("the DPoP proof was used before"),
        "the provider's words are shown: {out:?}"
    );

    // A proof made for /api/other, on /api/me.
    b.js(
        "window.__e2eProofs.mode = '/api/other'; return null;",
        vec![],
    )
    .await;
    let out = api_call(&b, "GET", "/me", None).await;
    assert_eq!(out.code(), Some(401), "{out:?}");
    assert!(
        out.body.contains("the DPoP proof htu does not match"),
        "the provider's words are shown: {out:?}"
    );
    // Neither refusal was taken for an expired token: no renewal, still signed in, and the
    // app's own proofs still work.
    assert_eq!(op.answered("POST", "/token", 200), 1, "{}", log());
    b.js("window.__e2eProofs.mode = null; return null;", vec![])
        .await;
    let out = api_call(&b, "GET", "/me", None).await;
    assert_eq!(out.code(), Some(200), "{out:?}\n{}", log());
    assert!(b
        .text()
        .await
        .contains(&format!("Signed in as {OP_DEMO_NAME}")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_pushed_sign_in_is_shown_in_words_and_leaves_no_key_behind() {
    let (op, _companion, b, origin) = bound_app(&[]).await;
    op_to_consent(&b, &op.base_url()).await;
    // The key was made and the request pushed before the provider's pages.
    assert_eq!(op.answered("POST", "/request", 201), 1);
    b.click_button("Cancel").await;
    b.wait_until("back on the app", || async {
        b.url().await.starts_with(&origin)
    })
    .await;
    b.wait_for_text("You cancelled sign-in at oidc-provider.")
        .await;
    assert_eq!(op.answered("POST", "/token", 200), 0);
    b.wait_until("the sign-in's key to be deleted", || async {
        stored_keys(&b).await == serde_json::json!([])
    })
    .await;
    let stored = b.all_stored_text().await;
    assert!(
        !stored.contains("latchkey.flow."),
        "no pending flow: {stored}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mediated_bound_client_pushes_and_renews_through_the_companion_with_the_apps_proofs() {
    let secret = latchkey_e2e::random_token(24);
    let port = free_port();
    let origin = format!("http://127.0.0.1:{port}");
    let op = OidcProvider::start_with_env(
        &origin,
        &[OP_ID],
        &[(OP_CONF_SECRET_ENV, &secret), ("OP_ACCESS_TOKEN_TTL", "10")],
    )
    .await;
    // The confidential client: the companion adds the secret to the push, the exchange and
    // each renewal, and keeps the refresh token; the app's key signs every one of them.
    let provider = format!(
        "{}token_via_companion = true\nclient_secret_env = \"{OP_CONF_SECRET_ENV}\"\n\
         refresh_token_in = \"companion\"\ndpop = \"required\"\npar = true\n",
        op_provider_toml(&op, OP_CONF_CLIENT)
    );
    let (_companion, b) = app_on(port, provider, &[(OP_CONF_SECRET_ENV, &secret)]).await;
    op_sign_in(&b, &op.base_url()).await;
    let log = || op.service().log_tail(40);
    assert_eq!(op.answered("POST", "/request", 201), 1, "{}", log());
    let body = api_me(&b, &op, "after sign-in").await;
    assert_eq!(body["client_id"], OP_CONF_CLIENT, "{body}");
    assert_eq!(body["token_type"], "DPoP", "{body}");
    b.wait_until("a renewal through the companion", || async {
        op.answered("POST", "/token", 200) >= 2
    })
    .await;
    let body = api_me(&b, &op, "after the renewal").await;
    assert_eq!(body["token_type"], "DPoP", "{body}");
    let stored = b.all_stored_text().await;
    assert!(
        !stored.contains(&secret),
        "the secret never reaches the page"
    );
}

/// A provider whose endpoints are all written in the configuration is pushed to all the same,
/// by the bound client, which must push: it signs in and calls the API with a bound token.
/// With its PAR endpoint written too, no discovery document is asked for; without it, the
/// app asks the issuer's metadata where to push.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_with_written_endpoints_pushes_to_the_written_or_the_discovered_par_endpoint() {
    for par_endpoint_written in [true, false] {
        let port = free_port();
        let op = OidcProvider::start_for(&format!("http://127.0.0.1:{port}"), &[OP_ID]).await;
        let d = op.discovery().await;
        let mut provider = format!(
            "{}dpop = \"required\"\npar = true\n",
            op_provider_toml(&op, OP_BOUND_CLIENT)
        );
        let mut keys = vec![
            "authorization_endpoint",
            "token_endpoint",
            "userinfo_endpoint",
            "jwks_uri",
            "revocation_endpoint",
        ];
        if par_endpoint_written {
            keys.push("pushed_authorization_request_endpoint");
        }
        for key in keys {
            let url = d[key].as_str().unwrap_or_else(|| panic!("no {key} in {d}"));
            provider.push_str(&format!("{key} = \"{url}\"\n"));
        }
        let asked_for_discovery = || {
            op.service()
                .log_text()
                .lines()
                .filter(|l| l.contains("/.well-known/"))
                .count()
        };
        // The fixture's start and the fetch above asked for it: the log says so.
        let before = asked_for_discovery();
        assert!(before >= 1, "the fixture's log shows no discovery request");
        let (_companion, b) = app_on(port, provider, &[]).await;
        op_sign_in(&b, &op.base_url()).await;
        let log = || op.service().log_tail(40);
        let case = if par_endpoint_written {
            "PAR endpoint written"
        } else {
            "PAR endpoint from the metadata"
        };
        assert_eq!(op.answered("POST", "/request", 201), 1, "{case}: {}", log());
        let body = api_me(&b, &op, case).await;
        assert_eq!(body["client_id"], OP_BOUND_CLIENT, "{body}");
        assert_eq!(body["token_type"], "DPoP", "{body}");
        assert_eq!(
            asked_for_discovery() > before,
            !par_endpoint_written,
            "{case}: whether the app asked for discovery:\n{}",
            log()
        );
    }
}

/// Without a push, the sign-in's DPoP key binds the code through `dpop_jkt` (RFC 9449 §10):
/// the plain client with `dpop = "required"` sends the key's thumbprint in the authorization
/// request, and oidc-provider, which redeems such a code only for a proof by that key, issues
/// bound tokens.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_push_the_code_is_bound_to_the_key_by_dpop_jkt() {
    let port = free_port();
    let op = OidcProvider::start_for(&format!("http://127.0.0.1:{port}"), &[OP_ID]).await;
    let provider = format!(
        "{}dpop = \"required\"\n",
        op_provider_toml(&op, OP_PLAIN_CLIENT)
    );
    let (_companion, b) = app_on(port, provider, &[]).await;
    op_sign_in(&b, &op.base_url()).await;
    let log = op.service().log_text();
    let sent: Vec<&str> = log
        .lines()
        .filter_map(|l| l.strip_prefix("authorization parameters: "))
        .collect();
    assert_eq!(sent.len(), 1, "{log}");
    assert!(
        sent[0].split(' ').any(|name| name == "dpop_jkt"),
        "no dpop_jkt in the authorization request: {}",
        sent[0]
    );
    assert_eq!(
        op.answered("POST", "/request", 201),
        0,
        "nothing was pushed"
    );
    let body = api_me(&b, &op, "after sign-in").await;
    assert_eq!(body["client_id"], OP_PLAIN_CLIENT, "{body}");
    assert_eq!(body["token_type"], "DPoP", "{body}");
}

/// The embed on a plain page gets the same: the example site under a base path, with the bound
/// client in its hand-written `latchkey.json` (`par`, DPoP on the provider's word), signs in
/// with `<latchkey-signin>` and calls the API with `latchkey.fetch`, which sends the bound
/// token with a proof.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embed_on_a_static_page_signs_in_with_par_and_fetches_with_dpop() {
    use latchkey_e2e::paths::{copy_dir, ScratchDir};
    use latchkey_e2e::static_site::{site_build_dir, BASE};

    let port = free_port();
    let origin = format!("http://127.0.0.1:{port}");
    let callback = format!("{origin}{BASE}callback.html");
    let op =
        OidcProvider::start_with_env(&origin, &[OP_ID], &[("OP_EXTRA_REDIRECT_URIS", &callback)])
            .await;
    let files = ScratchDir::new("site");
    let root = files.path().join(BASE.trim_matches('/'));
    copy_dir(&site_build_dir(), &root);
    let config = serde_json::json!({ "providers": [{
        "id": OP_ID, "name": "oidc-provider", "protocol": "oidc",
        "issuer": op.issuer(), "client_id": OP_BOUND_CLIENT,
        "scopes": ["openid", "profile"], "api_base": format!("{}/api/", op.base_url()),
        "redirect_uri": callback, "par": true,
    }]});
    std::fs::write(root.join("latchkey/latchkey.json"), config.to_string())
        .expect("write the site's latchkey.json");
    let companion = Companion::start_serving(port, files.path(), &[], &[]).await;
    let b = Browser::start().await;
    let page = format!("{}{BASE}api.html", companion.origin());
    b.goto(&page).await;
    op_to_consent(&b, &op.base_url()).await;
    b.click_button("Authorize").await;
    b.wait_until("back on the page, signed in", || async {
        b.url().await.starts_with(&page)
            && latchkey_e2e::static_site::embed_user_name(&b)
                .await
                .as_deref()
                == Some(OP_DEMO_NAME)
    })
    .await;
    assert_eq!(
        op.answered("POST", "/request", 201),
        1,
        "{}",
        op.service().log_tail(30)
    );
    let answer = b
        .js_async(
            "const done = arguments[arguments.length - 1];\
             latchkey.fetch('me').then(r => r.text().then(t => done(r.status + ' ' + t)),\
                                      e => done('error ' + e.message));",
            vec![],
        )
        .await;
    let answer = answer.as_str().unwrap_or_default();
    let (status, body) = answer.split_once(' ').unwrap_or_default();
    assert_eq!(status, "200", "{answer}\n{}", op.service().log_tail(30));
    let body: serde_json::Value = serde_json::from_str(body).expect("JSON from /api/me");
    assert_eq!(body["token_type"], "DPoP", "{body}");
    assert_eq!(body["client_id"], OP_BOUND_CLIENT, "{body}");
    assert_eq!(stored_keys(&b).await.as_array().map(Vec::len), Some(1));
}

/// The record of the stored DPoP keys and when a page last used each (`localStorage`).
async fn key_record(b: &Browser) -> serde_json::Value {
    b.js(
        "return JSON.parse(localStorage.getItem('latchkey.dpop_keys') || '{}');",
        vec![],
    )
    .await
}

/// Moves the record's mark of `id` `days` into the past, as if no page had used the key since.
async fn age_key(b: &Browser, id: &str, days: u64) {
    b.js(
        "const r = JSON.parse(localStorage.getItem('latchkey.dpop_keys') || '{}');\
         r[arguments[0]] = Math.floor(Date.now() / 1000) - arguments[1] * 86400;\
         localStorage.setItem('latchkey.dpop_keys', JSON.stringify(r));\
         return null;",
        vec![id.into(), days.into()],
    )
    .await;
}

fn now_s() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// A `tab` session's key outlives the tab in IndexedDB (its `sessionStorage` goes, the key
/// does not): each page marks the keys it uses, and a key no page has used for thirty days
/// is deleted as a page starts; one in use is marked again and kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_key_no_page_has_used_for_thirty_days_is_deleted_and_one_in_use_kept() {
    let (op, companion, b, _) = bound_app(&[]).await;
    op_sign_in(&b, &op.base_url()).await;
    let record = key_record(&b).await;
    let ids: Vec<String> = record
        .as_object()
        .map(|r| r.keys().cloned().collect())
        .unwrap_or_default();
    assert_eq!(ids.len(), 1, "one key, marked when made: {record}");
    let id = &ids[0];
    assert_eq!(stored_keys(&b).await.as_array().map(Vec::len), Some(1));

    // In use: a page that loads the session's key marks it used again.
    age_key(&b, id, 29).await;
    b.reload().await;
    b.wait_for_text(&format!("Signed in as {OP_DEMO_NAME}"))
        .await;
    api_me(&b, &op, "after a reload").await;
    let seen = key_record(&b).await[id].as_u64().unwrap_or_default();
    assert!(
        now_s().abs_diff(seen) < 120,
        "the key in use was not marked: {seen}"
    );

    // The tab's session goes without a sign-out, as when the tab is closed; its key stays
    // while it is recent, and goes once no page has used it for thirty days.
    b.js("sessionStorage.clear(); return null;", vec![]).await;
    b.goto(&format!("{}/", companion.origin())).await;
    b.wait_for_text("Sign in with").await;
    assert_eq!(
        stored_keys(&b).await.as_array().map(Vec::len),
        Some(1),
        "a key used a minute ago was deleted"
    );
    age_key(&b, id, 31).await;
    b.reload().await;
    b.wait_for_text("Sign in with").await;
    b.wait_until("the unused key deleted", || async {
        stored_keys(&b).await == serde_json::json!([])
    })
    .await;
    assert_eq!(
        b.js("return localStorage.getItem('latchkey.dpop_keys');", vec![])
            .await,
        serde_json::Value::Null,
        "the record goes with its last key"
    );
}
