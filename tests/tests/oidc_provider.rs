//! The oidc-provider fixture (panva's certified provider on node; issue 20's proof
//! infrastructure) works with today's client: the showcase signs in through its login and
//! consent pages with the `plain` client, calls the fixture's API and signs out; and the
//! fixture really speaks DPoP and PAR: its discovery says so and it refuses the `bound`
//! client a plain authorization request, and the fixture's own `selfcheck.mjs` walks the
//! `bound` client through PAR, both nonce challenges and DPoP-bound tokens without a browser.

use latchkey_e2e::companion::op_provider_toml;
use latchkey_e2e::flows::{api_call, op_sign_in, sign_in_label};
use latchkey_e2e::process::free_port;
use latchkey_e2e::providers::OP_DEMO_NAME;
use latchkey_e2e::{
    Browser, Companion, OidcProvider, DEMO_USER, OP_BOUND_CLIENT, OP_ID, OP_NAME, OP_PLAIN_CLIENT,
};

/// Console errors other than Chromium's favicon probe.
async fn console_errors(b: &Browser) -> Vec<String> {
    b.console_errors()
        .await
        .into_iter()
        .filter(|e| !e.message.contains("favicon.ico"))
        .map(|e| format!("[{}] {}", e.source, e.message))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plain_client_signs_in_calls_the_api_and_signs_out_through_oidc_provider() {
    let port = free_port();
    let origin = format!("http://127.0.0.1:{port}");
    let op = OidcProvider::start(&origin).await;
    // The provider lists ES256 for DPoP, so `auto` would bind the tokens (dpop_par.rs does);
    // this is the plain, Bearer client with DPoP switched off.
    let toml = format!("{}dpop = \"off\"\n", op_provider_toml(&op, OP_PLAIN_CLIENT));
    let companion = Companion::start(port, &[toml], &[]).await;
    let b = Browser::start().await;

    b.goto(&format!("{}/", companion.origin())).await;
    b.wait_until("the oidc-provider sign-in button", || async {
        b.has_button(&sign_in_label(OP_NAME)).await
    })
    .await;
    op_sign_in(&b, &op.base_url()).await;
    assert!(b.url().await.starts_with(&origin), "back on the app");
    assert_eq!(
        op.requests("POST", "/token"),
        1,
        "the code was exchanged once"
    );
    assert_eq!(
        op.requests("GET", "/me"),
        1,
        "the profile came from userinfo"
    );

    let out = api_call(&b, "GET", "/me", None).await;
    assert_eq!(out.code(), Some(200), "{out:?}");
    let body: serde_json::Value =
        serde_json::from_str(&out.body).unwrap_or_else(|e| panic!("JSON body ({e}): {}", out.body));
    assert_eq!(body["sub"], DEMO_USER, "{body}");
    assert_eq!(body["name"], OP_DEMO_NAME, "{body}");
    assert_eq!(body["client_id"], OP_PLAIN_CLIENT, "{body}");
    assert_eq!(body["token_type"], "Bearer", "{body}");
    assert_eq!(op.requests("GET", "/api/me"), 1);

    b.click_button("Sign out").await;
    // The client revokes at the provider, then leaves for its end-session page, which asks.
    b.wait_until("oidc-provider's sign-out question or the app", || async {
        b.has_button("Yes, sign me out").await || b.has_button(&sign_in_label(OP_NAME)).await
    })
    .await;
    if b.has_button("Yes, sign me out").await {
        b.click_button("Yes, sign me out").await;
    }
    b.wait_until("the sign-in button after signing out", || async {
        b.url().await.starts_with(&origin) && b.has_button(&sign_in_label(OP_NAME)).await
    })
    .await;
    assert!(!b
        .text()
        .await
        .contains(&format!("Signed in as {OP_DEMO_NAME}")));
    assert_eq!(
        op.requests("POST", "/token/revocation"),
        2,
        "the client revoked its refresh and access tokens at the provider:\n{}",
        op.service().log_tail(30)
    );
    let errors = console_errors(&b).await;
    assert!(errors.is_empty(), "console errors: {errors:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oidc_provider_advertises_dpop_and_par_and_refuses_the_bound_client_without_par() {
    let origin = format!("http://127.0.0.1:{}", free_port());
    let op = OidcProvider::start(&origin).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client");

    let body = http
        .get(format!("{}/.well-known/openid-configuration", op.issuer()))
        .send()
        .await
        .expect("GET discovery")
        .bytes()
        .await
        .expect("the discovery body");
    let discovery: serde_json::Value = serde_json::from_slice(&body).expect("discovery is JSON");
    assert_eq!(discovery["issuer"], op.issuer());
    let algs = discovery["dpop_signing_alg_values_supported"]
        .as_array()
        .unwrap_or_else(|| panic!("no DPoP algorithms: {discovery}"));
    assert!(algs.iter().any(|a| a == "ES256"), "{algs:?}");
    let par = discovery["pushed_authorization_request_endpoint"]
        .as_str()
        .unwrap_or_else(|| panic!("no PAR endpoint: {discovery}"));
    assert_eq!(par, format!("{}/request", op.issuer()));
    let authorize = discovery["authorization_endpoint"]
        .as_str()
        .expect("an authorization endpoint");

    // The same request, PKCE and all, that the plain client may make: refused for `bound`.
    let redirect_uri = format!("{origin}/callback/{OP_ID}");
    let request = |client_id: &str| {
        http.get(authorize).query(&[
            ("client_id", client_id),
            ("response_type", "code"),
            ("scope", "openid"),
            ("redirect_uri", &redirect_uri),
            ("state", "st-1"),
            // RFC 7636 Appendix B's challenge.
            (
                "code_challenge",
                "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            ),
            ("code_challenge_method", "S256"),
        ])
    };
    let refused = request(OP_BOUND_CLIENT)
        .send()
        .await
        .expect("GET authorize");
    assert_eq!(refused.status().as_u16(), 303);
    let location = refused
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("a Location")
        .to_owned();
    let back = reqwest::Url::parse(&location).expect("an absolute Location");
    assert!(
        location.starts_with(&format!("{redirect_uri}?")),
        "{location}"
    );
    let params: std::collections::HashMap<_, _> = back.query_pairs().into_owned().collect();
    assert_eq!(
        params.get("error").map(String::as_str),
        Some("invalid_request"),
        "{location}"
    );
    assert_eq!(
        params.get("error_description").map(String::as_str),
        Some("Pushed Authorization Request must be used"),
        "{location}"
    );
    assert_eq!(params.get("state").map(String::as_str), Some("st-1"));
    assert_eq!(params.get("iss"), Some(&op.issuer()));

    // The control: the very same request for `plain` goes on to the login page.
    let accepted = request(OP_PLAIN_CLIENT)
        .send()
        .await
        .expect("GET authorize");
    assert_eq!(accepted.status().as_u16(), 303);
    let to = accepted
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(to.starts_with("/interaction/"), "{to}");
    assert_eq!(op.requests("GET", "/auth"), 2);
}

/// The DPoP half of the fixture, which today's client cannot use yet (issue 20): its
/// `selfcheck.mjs` (node, `jose` for the proofs) pushes the request, signs in by form posts,
/// answers the provider's and the API's nonce challenges, calls `/api/me` with the bound
/// token, and checks each refusal on the way (no proof, a bearer presentation, a replayed
/// proof, another key's proof, a rotated-out refresh token).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bound_client_gets_dpop_bound_tokens_through_par_and_nonces() {
    let origin = format!("http://127.0.0.1:{}", free_port());
    let op = OidcProvider::start(&origin).await;
    let out = std::process::Command::new(std::env::var("NODE").unwrap_or_else(|_| "node".into()))
        .arg(latchkey_e2e::paths::repo_root().join("tests/providers/oidc-provider/selfcheck.mjs"))
        .arg(op.issuer())
        .arg(&origin)
        .arg(OP_ID)
        .env("OP_DEMO_PASSWORD", latchkey_e2e::DEMO_PASSWORD)
        .output()
        .expect("run node selfcheck.mjs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.trim_end().ends_with("selfcheck passed"),
        "selfcheck.mjs failed ({}):\n{stdout}{}\n-- fixture log --\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr),
        op.service().log_tail(40)
    );
    // Its steps reached the fixture: two pushes (the nonce challenge, then the request), and
    // the API answered 200 exactly once, to the proof with its own nonce.
    assert_eq!(op.requests("POST", "/request"), 2);
    assert_eq!(
        op.answered("GET", "/api/me", 200),
        1,
        "{}",
        op.service().log_tail(40)
    );
}
