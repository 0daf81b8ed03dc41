//! `redirect_uri` per provider: what `config check` accepts and refuses (each refusal naming
//! its line and column), and what `config export` writes into `/latchkey.json`.

use super::*;

/// GOOD's `dot` provider with `extra` lines appended to it (its last line is line 15 of GOOD).
fn dot_with(extra: &str) -> String {
    GOOD.replace(
        "session_storage = \"browser\"\n",
        &format!("session_storage = \"browser\"\n{extra}"),
    )
}

fn dot_redirect_uri(c: &Config) -> Option<&str> {
    match &c.providers[0].kind {
        ProviderKind::Browser(b) => b.redirect_uri.as_deref(),
        ProviderKind::OAuth1(_) => panic!("dot is OAuth 2.0"),
    }
}

#[test]
fn https_and_loopback_http_redirect_uris_are_accepted() {
    for ok in [
        "https://me.github.io/blog/callback.html",
        "https://me.github.io/blog/?signin",
        "http://127.0.0.1:8080/blog/callback.html",
        "http://[::1]:8080/callback",
        "http://localhost:3000/",
    ] {
        let c = Config::parse(&dot_with(&format!("redirect_uri = \"{ok}\"\n")))
            .unwrap_or_else(|p| panic!("{ok}: {p:?}"));
        assert_eq!(dot_redirect_uri(&c), Some(ok));
    }
}

#[test]
fn without_redirect_uri_the_provider_uses_its_own_callback_under_public_url() {
    let c = Config::parse(GOOD).unwrap();
    assert_eq!(dot_redirect_uri(&c), None);
    let ProviderKind::Browser(b) = &c.providers[0].kind else {
        panic!("dot is OAuth 2.0");
    };
    assert_eq!(
        b.redirect_uri(&c.server, "dot"),
        "http://127.0.0.1:8080/callback/dot"
    );
    let with = Config::parse(&dot_with(
        "redirect_uri = \"https://me.github.io/blog/callback.html\"\n",
    ))
    .unwrap();
    let ProviderKind::Browser(b) = &with.providers[0].kind else {
        panic!("dot is OAuth 2.0");
    };
    assert_eq!(
        b.redirect_uri(&with.server, "dot"),
        "https://me.github.io/blog/callback.html"
    );
}

#[test]
fn bad_redirect_uris_are_refused_with_line_and_column() {
    let cases = [
        ("/callback", "is relative"),
        ("callback.html", "is relative"),
        (
            "https://me.github.io/callback#signed-in",
            "must not have a fragment",
        ),
        (
            "http://me.github.io/callback",
            "plain http on \"me.github.io\"",
        ),
        (
            "http://192.168.1.5:8080/callback",
            "plain http on \"192.168.1.5\"",
        ),
        ("ftp://me.github.io/callback", "must start with https://"),
    ];
    for (bad, why) in cases {
        let p = problems(&dot_with(&format!("redirect_uri = \"{bad}\"\n")));
        assert_eq!(p.len(), 1, "{bad}: {p:?}");
        assert!(
            p[0].starts_with("16:16: provider \"dot\": redirect_uri"),
            "{bad}: {p:?}"
        );
        assert!(p[0].contains(why), "{bad}: {p:?}");
    }
}

#[test]
fn redirect_uri_on_an_oauth1_provider_is_refused_naming_its_callback() {
    let text = GOOD.replace(
        "api_base = \"http://127.0.0.1:9100/api/\"\n",
        "api_base = \"http://127.0.0.1:9100/api/\"\nredirect_uri = \"https://me.github.io/cb\"\n",
    );
    let p = problems(&text);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].starts_with("27:16: provider \"flask\""), "{p:?}");
    assert!(
        p[0].contains("does not apply to protocol \"oauth1\""),
        "{p:?}"
    );
    assert!(p[0].contains("/oauth1/flask/callback"), "{p:?}");
}

/// What `latchkey config export` prints (`main.rs`: `to_string_pretty(&config.public())`).
#[test]
fn export_writes_redirect_uri_into_latchkey_json_only_when_set() {
    let c = Config::parse(&dot_with(
        "redirect_uri = \"https://me.github.io/blog/callback.html\"\n",
    ))
    .unwrap();
    let json = serde_json::to_string_pretty(&c.public()).unwrap();
    assert!(
        json.contains(r#""redirect_uri": "https://me.github.io/blog/callback.html""#),
        "{json}"
    );
    let back = PublicConfig::from_json(json.as_bytes()).unwrap();
    assert_eq!(
        back.providers[0].redirect_uri.as_deref(),
        Some("https://me.github.io/blog/callback.html")
    );
    assert_eq!(back.providers[1].redirect_uri, None);

    let plain = serde_json::to_string_pretty(&Config::parse(GOOD).unwrap().public()).unwrap();
    assert!(!plain.contains("redirect_uri"), "{plain}");
}
