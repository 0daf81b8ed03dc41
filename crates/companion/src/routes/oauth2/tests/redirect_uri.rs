//! A provider with its own `redirect_uri`: the code exchange carries exactly the redirect URI
//! its authorization request carried (RFC 6749 §4.1.3), and no other.

use super::*;

#[tokio::test]
async fn the_configured_redirect_uri_reaches_the_token_endpoint() {
    let t = start(Opts::default()).await;
    // A provider binds the code to the redirect URI of the authorization request and refuses
    // the exchange unless it is repeated (DOT does: e2e/mediation.rs signs in through it).
    let a = send(
        &t,
        Post::new("/oauth2/page/token", &code_form_to(CODE, PAGE_CALLBACK)),
    )
    .await;
    assert_bad_gateway(&a);
    let seen = t.upstream.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].params["redirect_uri"], PAGE_CALLBACK);
}

#[tokio::test]
async fn only_the_providers_own_redirect_uri_is_accepted() {
    let t = start(Opts::default()).await;
    // `page` has its own redirect URI: the default one is refused, and the reverse for `med`;
    // another provider's default is refused too (RFC 9700 §4.4.2: each provider its own).
    for (id, wrong, right) in [
        ("page", callback("page"), PAGE_CALLBACK.to_owned()),
        ("med", PAGE_CALLBACK.to_owned(), callback("med")),
        ("med", callback("jar"), callback("med")),
    ] {
        let path = format!("/oauth2/{id}/token");
        let a = send(&t, Post::new(&path, &code_form_to(CODE, &wrong))).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{id}: {}", a.text);
        let msg = a.json()["message"].as_str().unwrap().to_owned();
        assert!(
            msg.contains("redirect_uri must be") && msg.contains(&right),
            "{id}: {msg}"
        );
    }
    assert!(t.upstream.seen().is_empty(), "nothing reached the provider");
}
