//! `/session` and `/logout`: what a session cookie shows, and when it is refused.

use super::*;

#[tokio::test]
async fn session_reports_identity_but_never_the_token_or_secret() {
    let t = app(Setup::default());
    let r = send(&t, get("/oauth1/flask/session", None)).await;
    assert_eq!(r.json(), serde_json::json!({ "signed_in": false }));
    let c = cookie(&t.state, CookieKind::Session, &session());
    let r = send(&t, get("/oauth1/flask/session", Some(&c))).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.json(),
        serde_json::json!({ "signed_in": true, "user_id": "7", "screen_name": "demo" })
    );
    assert!(!r.body.contains(TOKEN) && !r.body.contains(TOKEN_SECRET));
    assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
}

/// Issue 19, finding 8: an access-token answer carries more than who signed in (Yahoo's
/// `oauth_session_handle` renews the token; expiries, grants), and `/session` answers
/// scripts: only the identity fields reach them.
#[tokio::test]
async fn session_hands_scripts_only_identity_fields_of_the_providers_answer() {
    let t = app(Setup::default());
    let mut s = session();
    s.extra.extend([
        ("oauth_session_handle".into(), "handle-that-renews".into()),
        ("oauth_expires_in".into(), "3600".into()),
        ("oauth_authorization_expires_in".into(), "86400".into()),
        ("x_auth_expires".into(), "0".into()),
        ("signed_in".into(), "false".into()),
        ("email".into(), "demo@example.test".into()),
    ]);
    let c = cookie(&t.state, CookieKind::Session, &s);
    let r = send(&t, get("/oauth1/flask/session", Some(&c))).await;
    assert_eq!(
        r.json(),
        serde_json::json!({
            "signed_in": true, "user_id": "7", "screen_name": "demo",
            "email": "demo@example.test"
        })
    );
    assert!(!r.body.contains("handle-that-renews"), "{}", r.body);
}

#[tokio::test]
async fn tampered_expired_or_foreign_session_cookies_mean_signed_out() {
    let t = app(Setup::default());
    let good = cookie(&t.state, CookieKind::Session, &session());
    let tampered = tampered(&good);

    let later = app(Setup {
        now: NOW + super::super::SESSION_TTL,
        ..Setup::default()
    });
    let foreign = app(Setup {
        cookie_key: OTHER_COOKIE_KEY,
        ..Setup::default()
    });
    // A pending cookie's value under the session cookie's name: bound to its name, refused.
    let moved = pending_as_session(&t.state);

    for (what, app, c) in [
        ("tampered", &t, &tampered),
        ("expired", &later, &good),
        ("foreign key", &foreign, &good),
        ("renamed", &t, &moved),
    ] {
        let r = send(app, get("/oauth1/flask/session", Some(c))).await;
        assert_eq!(
            r.json(),
            serde_json::json!({ "signed_in": false }),
            "{what}"
        );
        let r = send(app, fetch_get("/oauth1/flask/api/me", Some(c))).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{what}");
        assert!(
            r.json()["message"]
                .as_str()
                .unwrap()
                .contains("/oauth1/flask/login"),
            "{what}"
        );
    }
}

#[tokio::test]
async fn logout_clears_the_cookie_only_for_the_apps_origin() {
    let t = app(Setup::default());
    let c = cookie(&t.state, CookieKind::Session, &session());
    let r = send(
        &t,
        post(
            "/oauth1/flask/logout",
            Some("https://evil.example"),
            Some(&c),
            "text/plain",
            "",
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.headers.get(header::SET_COOKIE).is_none());
    let r = send(
        &t,
        post("/oauth1/flask/logout", None, Some(&c), "text/plain", ""),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no Origin");
    for origin in [APP, "http://localhost:5173"] {
        let r = send(
            &t,
            post(
                "/oauth1/flask/logout",
                Some(origin),
                Some(&c),
                "text/plain",
                "",
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{origin}");
        let set = r.headers[header::SET_COOKIE].to_str().unwrap();
        assert!(
            set.starts_with("latchkey-flask-session=;") && set.contains("Max-Age=0"),
            "{set}"
        );
    }
}

#[tokio::test]
async fn https_public_url_gives_host_prefixed_secure_cookies() {
    let t = app(Setup {
        public_url: "https://app.example",
        ..Setup::default()
    });
    let p = provider(&t.state, "flask").unwrap();
    let set = cookies::set(&t.state, &p, CookieKind::Session, &session()).unwrap();
    let set = set.to_str().unwrap();
    assert!(set.starts_with("__Host-latchkey-flask-session="), "{set}");
    for attr in ["; Path=/", "; HttpOnly", "; SameSite=Strict", "; Secure"] {
        assert!(set.contains(attr), "{attr} missing from {set}");
    }
    let set = cookies::set(&t.state, &p, CookieKind::Pending, &pending("t1", "/")).unwrap();
    let set = set.to_str().unwrap();
    assert!(set.starts_with("__Host-latchkey-flask-pending="), "{set}");
    for attr in ["; Path=/", "; HttpOnly", "; SameSite=Lax", "; Secure"] {
        assert!(set.contains(attr), "{attr} missing from {set}");
    }
    let plain = app(Setup::default());
    let p = provider(&plain.state, "flask").unwrap();
    let set = cookies::set(&plain.state, &p, CookieKind::Session, &session()).unwrap();
    assert!(!set.to_str().unwrap().contains("Secure"));
}
