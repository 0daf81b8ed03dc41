//! The token-mediation keys: each misuse is a problem naming its line and column.

use super::*;
use crate::secrets::{Secrets, COOKIE_KEY_ENV};

/// GOOD's `dot` provider with `extra` lines appended to it (its last line is line 15 of GOOD).
fn dot_with(extra: &str) -> String {
    GOOD.replace(
        "session_storage = \"browser\"\n",
        &format!("session_storage = \"browser\"\n{extra}"),
    )
}

fn dot(c: &Config) -> &BrowserProvider {
    match &c.providers[0].kind {
        ProviderKind::Browser(b) => b,
        ProviderKind::OAuth1(_) => panic!("dot is OAuth 2.0"),
    }
}

#[test]
fn a_mediated_provider_parses_with_defaults() {
    let c = Config::parse(&dot_with(
        "token_via_companion = true\nclient_secret_env = \"DOT_SECRET\"\n",
    ))
    .unwrap();
    let m = dot(&c).mediation.clone().unwrap();
    assert_eq!(m.token_auth, ClientAuthMethod::ClientSecretBasic);
    assert_eq!(m.refresh_token_in, RefreshTokenIn::Browser);
    assert!(matches!(m.secret, SecretSource::Env(ref l) if l.value == "DOT_SECRET"));
    let public = c.public();
    assert!(public.providers[0].token_via_companion);
    assert_eq!(c.server.token_rate, RateLimit::default());
}

#[test]
fn every_key_is_read() {
    let c = Config::parse(&dot_with(
        "token_via_companion = true\nclient_secret_file = \"/run/secrets/dot\"\ntoken_auth = \"client_secret_post\"\nrefresh_token_in = \"companion\"\n",
    ).replace("static_dir = \"dist\"", "static_dir = \"dist\"\ntoken_rate_per_minute = 60\ntoken_rate_burst = 5"))
    .unwrap();
    let m = dot(&c).mediation.clone().unwrap();
    assert_eq!(m.token_auth, ClientAuthMethod::ClientSecretPost);
    assert_eq!(m.refresh_token_in, RefreshTokenIn::Companion);
    assert!(matches!(m.secret, SecretSource::File(ref l) if l.value.ends_with("dot")));
    assert_eq!(
        c.public().providers[0].refresh_token_in,
        RefreshTokenIn::Companion
    );
    assert_eq!(
        c.server.token_rate,
        RateLimit {
            per_minute: 60,
            burst: 5
        }
    );
}

#[test]
fn misuses_are_refused_with_line_and_column() {
    let cases = [
        // A secret without mediation would never be used.
        ("client_secret_env = \"X\"\n", "16:21:", "needs `token_via_companion = true`"),
        ("token_auth = \"client_secret_post\"\n", "16:14:", "needs `token_via_companion = true`"),
        ("refresh_token_in = \"companion\"\n", "16:20:", "refresh_token_in = \"companion\" needs"),
        (
            "token_via_companion = true\nclient_secret_env = \"X\"\nclient_secret_file = \"f\"\n",
            "17:21:",
            "only one of `client_secret_env` and `client_secret_file`",
        ),
        ("token_via_companion = true\n", "16:23:", "needs `client_secret_env` or `client_secret_file`"),
        (
            "token_via_companion = true\nclient_secret_env = \"X\"\ntoken_auth = \"private_key_jwt\"\n",
            "18:14:",
            "token_auth \"private_key_jwt\" is not one of",
        ),
        (
            "token_via_companion = true\nclient_secret_env = \"X\"\nrefresh_token_in = \"server\"\n",
            "18:20:",
            "refresh_token_in \"server\" is not one of",
        ),
        ("token_via_companion = \"yes\"\n", "16:23:", "invalid type"),
    ];
    for (extra, at, words) in cases {
        let p = problems(&dot_with(extra));
        assert_eq!(p.len(), 1, "{extra}: {p:?}");
        assert!(p[0].starts_with(at), "{extra}: want {at} in {p:?}");
        assert!(p[0].contains(words), "{extra}: want {words:?} in {p:?}");
    }
}

#[test]
fn mediation_keys_do_not_apply_to_oauth1() {
    let text = GOOD.replace(
        "consumer_secret_env = \"FLASK_CONSUMER_SECRET\"\n",
        "consumer_secret_env = \"FLASK_CONSUMER_SECRET\"\ntoken_via_companion = true\n",
    );
    let p = problems(&text);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].contains("`token_via_companion` does not apply to protocol \"oauth1\""),
        "{p:?}"
    );
}

#[test]
fn a_rate_limit_of_zero_is_refused() {
    let p = problems(&GOOD.replace(
        "static_dir = \"dist\"",
        "static_dir = \"dist\"\ntoken_rate_burst = 0",
    ));
    assert!(
        p[0].starts_with("6:20:") && p[0].contains("between 1 and 100000"),
        "{p:?}"
    );
}

#[test]
fn the_client_secret_is_loaded_redacted_and_companion_mode_needs_a_cookie_key() {
    let text = dot_with(
        "token_via_companion = true\nclient_secret_env = \"DOT_SECRET\"\nrefresh_token_in = \"companion\"\n",
    );
    let c = Config::parse(&text).unwrap();
    let env = |n: &str| match n {
        "DOT_SECRET" => Some("dot-client-secret-value".to_owned()),
        "FLASK_CONSUMER_SECRET" => Some("s3cr3t".to_owned()),
        COOKIE_KEY_ENV => Some("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=".to_owned()),
        _ => None,
    };
    let s = Secrets::load(&c, &env).unwrap();
    assert_eq!(s.clients["dot"].secret(), "dot-client-secret-value");
    assert!(!format!("{s:?}").contains("dot-client-secret-value"));
    // The variable unset: named with its line.
    let p =
        Secrets::load(&c, &|n: &str| (n != "DOT_SECRET").then(|| env(n)).flatten()).unwrap_err();
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].to_string().starts_with("17:21:"), "{p:?}");
    assert!(
        p[0].message.contains("DOT_SECRET (the client secret)"),
        "{p:?}"
    );
    // Without an OAuth 1.0a provider, companion mode alone still needs the cookie key.
    let only_dot = text
        .split("\n[[provider]]\nid = \"flask\"")
        .next()
        .unwrap()
        .to_owned();
    let c = Config::parse(&only_dot).unwrap();
    let p = Secrets::load(&c, &|n: &str| (n == "DOT_SECRET").then(|| "v".to_owned())).unwrap_err();
    assert!(p[0].message.contains(COOKIE_KEY_ENV), "{p:?}");
}

#[test]
fn the_examples_mediated_provider_keeps_its_refresh_token_in_the_companion() {
    let text = include_str!("../../../../../examples/latchkey.toml");
    let c = Config::parse(text).unwrap();
    let p = c.provider("dot-conf").unwrap();
    let ProviderKind::Browser(b) = &p.kind else {
        panic!("OIDC")
    };
    let m = b.mediation.as_ref().unwrap();
    assert_eq!(m.refresh_token_in, RefreshTokenIn::Companion);
    assert_eq!(m.token_auth, ClientAuthMethod::ClientSecretBasic);
    let public = c.public();
    let dot_conf = public
        .providers
        .iter()
        .find(|p| p.id == "dot-conf")
        .unwrap();
    assert!(dot_conf.token_via_companion);
}

#[test]
fn the_examples_commented_preset_parses_once_uncommented() {
    let text = include_str!("../../../../../examples/latchkey.toml");
    let start = text
        .find("# [[provider]]\n# id = \"github\"")
        .expect("the example shows a preset");
    let (head, tail) = text.split_at(start);
    let uncommented: String = tail
        .lines()
        .map(|l| l.strip_prefix("# ").unwrap_or(l))
        .map(|l| format!("{l}\n"))
        .collect();
    let c = Config::parse(&format!("{head}{uncommented}")).unwrap();
    let p = c.provider("github").unwrap();
    assert_eq!(p.name, "GitHub");
    let ProviderKind::Browser(b) = &p.kind else {
        panic!("GitHub is OAuth 2.0")
    };
    assert!(
        b.mediation.is_some(),
        "GitHub's token endpoint needs the companion"
    );
}

#[test]
fn a_refresh_cookie_is_refused_when_pages_live_on_other_sites() {
    let text = dot_with(
        "token_via_companion = true\nclient_secret_env = \"DOT_SECRET\"\nrefresh_token_in = \"companion\"\n",
    )
    .replace(
        "static_dir = \"dist\"",
        "static_dir = \"dist\"\nallowed_origins = [\"https://me.github.io\"]",
    );
    let p = problems(&text);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].contains("refresh_token_in = \"companion\"")
            && p[0].contains("third-party cookies")
            && p[0].contains("use \"browser\""),
        "{p:?}"
    );
    // The same deployment with the refresh token in the browser is fine, and its
    // latchkey.json tells the pages where the companion is.
    let c = Config::parse(&text.replace(
        "refresh_token_in = \"companion\"\n",
        "refresh_token_in = \"browser\"\n",
    ))
    .unwrap();
    assert_eq!(
        c.public().companion.as_deref(),
        Some(c.server.public_url.as_str())
    );
    // Without other sites, the page's own origin is the companion: no key.
    let same_origin = Config::parse(&dot_with(
        "token_via_companion = true\nclient_secret_env = \"DOT_SECRET\"\n",
    ))
    .unwrap();
    assert_eq!(same_origin.public().companion, None);
}

#[test]
fn authorize_params_are_exported_and_the_protocols_own_are_refused() {
    let c = Config::parse(&dot_with(
        "authorize_params = { access_type = \"offline\", prompt = \"consent\" }\n",
    ))
    .unwrap();
    let public = c.public();
    let params: Vec<(&str, &str)> = public.providers[0]
        .authorize_params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(params, [("access_type", "offline"), ("prompt", "consent")]);
    for owned in latchkey_proto::authorize::RESERVED {
        let p = problems(&dot_with(&format!(
            "authorize_params = {{ {owned} = \"x\" }}\n"
        )));
        assert_eq!(p.len(), 1, "{owned}: {p:?}");
        assert!(
            p[0].contains(&format!("may not set {owned:?}")) && p[0].starts_with("16:"),
            "{p:?}"
        );
    }
    let p = problems(&dot_with("authorize_params = { audience = \"\" }\n"));
    assert!(p[0].contains("needs a name and a value"), "{p:?}");
    // max_age is what the ID token check holds auth_time to: a number of seconds or nothing.
    assert!(Config::parse(&dot_with("authorize_params = { max_age = \"300\" }\n")).is_ok());
    let p = problems(&dot_with("authorize_params = { max_age = \"5m\" }\n"));
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].contains("max_age must be a whole number of seconds") && p[0].contains("\"5m\""),
        "{p:?}"
    );
}
