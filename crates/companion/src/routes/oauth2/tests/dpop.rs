//! DPoP (RFC 9449) through the mediation routes: the browser's one proof reaches the provider
//! unchanged, two are refused, the provider's nonce and its `DPoP` token come back; and the
//! push route's guards. oidc-provider checking the proofs through the companion is
//! tests/tests/mediation_dpop.rs.

use super::upstream::NONCE;
use super::*;

/// A proof as the browser would send it (its signature is nobody's business here: the provider
/// checks it).
const PROOF: &str = "eyJ0eXAiOiJkcG9wK2p3dCJ9.eyJqdGkiOiItQndDM0VTYzZhY2MybFRjIn0.c2lnbmF0dXJl";

#[tokio::test]
async fn one_dpop_header_reaches_the_provider_unchanged_on_every_route() {
    let t = start(Opts::default()).await;
    let code = code_form(CODE, "med");
    for (path, form) in [
        ("/oauth2/med/token", code.as_str()),
        ("/oauth2/med/refresh", "refresh_token=refresh-1-Pq3"),
        ("/oauth2/med/revoke", "token=access-9-Wm5"),
    ] {
        let mut p = Post::new(path, form);
        p.dpop = &[PROOF];
        send(&t, p).await;
        // And without one, none is made up.
        send(&t, Post::new(path, form)).await;
    }
    let seen = t.upstream.seen();
    assert_eq!(seen.len(), 6, "{seen:?}");
    for pair in seen.chunks(2) {
        assert_eq!(pair[0].dpop, [PROOF], "{}", pair[0].path);
        assert!(pair[1].dpop.is_empty(), "{}", pair[1].path);
        assert!(
            pair[0].basic.is_some(),
            "the client authentication is added beside it"
        );
    }
}

#[tokio::test]
async fn two_dpop_headers_are_refused_in_words_before_anything_is_sent() {
    let t = start(Opts::default()).await;
    let code = code_form(CODE, "med");
    let par = format!("redirect_uri={}", callback("med"));
    for (path, form) in [
        ("/oauth2/med/token", code.as_str()),
        ("/oauth2/med/refresh", "refresh_token=refresh-1-Pq3"),
        ("/oauth2/med/revoke", "token=access-9-Wm5"),
        ("/oauth2/med/par", par.as_str()),
    ] {
        let mut p = Post::new(path, form);
        p.dpop = &[PROOF, PROOF];
        let a = send(&t, p).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{path}: {}", a.text);
        assert_eq!(a.json()["error"], "bad_request", "{path}");
        assert!(
            a.json()["message"]
                .as_str()
                .unwrap()
                .starts_with("send one DPoP header"),
            "{path}: {}",
            a.text
        );
    }
    assert!(t.upstream.seen().is_empty(), "{:?}", t.upstream.seen());
}

#[tokio::test]
async fn the_providers_nonce_challenge_comes_back_unchanged_with_its_dpop_nonce() {
    let t = start(Opts::default()).await;
    let code = code_form(CODE, "nonce");
    for (path, form) in [
        ("/oauth2/nonce/token", code.as_str()),
        ("/oauth2/nonce/refresh", "refresh_token=refresh-1-Pq3"),
    ] {
        let mut p = Post::new(path, form);
        p.dpop = &[PROOF];
        let a = send(&t, p).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{path}: {}", a.text);
        assert_eq!(
            a.json(),
            serde_json::json!({
                "error": "use_dpop_nonce",
                "error_description": "Authorization server requires nonce in DPoP proof",
            }),
            "{path}"
        );
        assert_eq!(a.headers["dpop-nonce"], NONCE, "{path}");
        assert_eq!(a.headers["cache-control"], "no-store", "{path}");
    }
}

#[tokio::test]
async fn a_dpop_token_stays_dpop_after_a_proof_and_is_refused_without_one() {
    let t = start(Opts::default()).await;
    let code = code_form(CODE, "bound");
    let mut p = Post::new("/oauth2/bound/token", &code);
    p.dpop = &[PROOF];
    let a = send(&t, p).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.json()["token_type"], "DPoP", "{}", a.text);
    assert_eq!(
        a.json()["access_token"],
        "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"
    );
    assert_eq!(
        a.headers["dpop-nonce"], NONCE,
        "a new nonce with a success (§8.2)"
    );
    let mut p = Post::new("/oauth2/bound/refresh", "refresh_token=r");
    p.dpop = &[PROOF];
    let a = send(&t, p).await;
    assert_eq!(a.json()["token_type"], "DPoP", "{}", a.text);
    // No proof went with the request, so a DPoP token cannot be the answer to it: the
    // browser could not use it.
    let a = send(
        &t,
        Post::new("/oauth2/bound/token", &code_form(CODE, "bound")),
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_GATEWAY, "{}", a.text);
    assert!(!a.text.contains("Kz~8mXK1"), "{}", a.text);
}

#[tokio::test]
async fn a_push_is_refused_for_another_redirect_uri_client_id_or_a_request_object() {
    let t = start(Opts::default()).await;
    let own = callback("med");
    let other = callback("jar");
    let cases = [
        (
            "client_id=med-client&state=s".to_owned(),
            "the form needs `redirect_uri`",
        ),
        (format!("redirect_uri={other}"), "redirect_uri must be"),
        (
            format!("redirect_uri={own}&client_id=someone-else"),
            "client_id must be \"med-client\"",
        ),
        (
            format!("redirect_uri={own}&request=eyJhbGciOiJub25lIn0.e30."),
            "request object",
        ),
        // `med` has explicit endpoints and no issuer: nowhere to push.
        (
            format!("redirect_uri={own}&client_id=med-client"),
            "PAR not available",
        ),
    ];
    for (form, words) in cases {
        let a = send(&t, Post::new("/oauth2/med/par", &form)).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{form}: {}", a.text);
        assert!(
            a.json()["message"].as_str().unwrap().contains(words),
            "{form}: want {words:?} in {}",
            a.text
        );
    }
    let a = send(
        &t,
        Post::new(
            "/oauth2/plain/par",
            &format!("redirect_uri={}", callback("plain")),
        ),
    )
    .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "not mediated: {}", a.text);
    assert!(t.upstream.seen().is_empty(), "{:?}", t.upstream.seen());
}

#[tokio::test]
async fn a_configured_par_endpoint_gets_the_push_with_the_client_authentication() {
    // `jar` has no issuer, so nothing but its configuration names where to push.
    let t = start(Opts::default()).await;
    let form = format!(
        "redirect_uri={}&state=s-1&code_challenge=c",
        callback("jar")
    );
    let mut p = Post::new("/oauth2/jar/par", &form);
    p.dpop = &[PROOF];
    let a = send(&t, p).await;
    // The recorder answers as a provider out of service would.
    assert_eq!(a.status, StatusCode::BAD_GATEWAY, "{}", a.text);
    let seen = t.upstream.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].path, "/par");
    assert_eq!(seen[0].params["redirect_uri"], callback("jar"));
    assert_eq!(seen[0].params["state"], "s-1");
    assert_eq!(seen[0].params["client_id"], CLIENT_ID);
    assert_eq!(seen[0].params["client_secret"], CLIENT_SECRET);
    assert_eq!(seen[0].dpop, [PROOF]);
}
