//! `preset` in `latchkey.toml`: every preset expands to what `latchkey_proto::preset` says,
//! explicit keys win, and a wrong preset or tenant names its line and column.
use latchkey_proto::oauth1::SignatureMethod;
use latchkey_proto::preset::{lookup, NAMES};
use latchkey_proto::public_config::Protocol;
use latchkey_proto::token::ClientAuthMethod;

use crate::config::{Config, ProviderKind};

const SERVER: &str = r#"[server]
listen = "127.0.0.1:8080"
public_url = "https://app.example"
static_dir = "dist"
"#;

fn parse(provider: &str) -> Result<Config, Vec<String>> {
    Config::parse(&format!("{SERVER}\n[[provider]]\n{provider}"))
        .map_err(|p| p.iter().map(ToString::to_string).collect())
}

/// The least an author writes for a preset: id, preset, the client's id and its secret.
fn minimal(name: &str) -> String {
    let p = lookup(name, None).unwrap();
    let mut s = format!("id = \"p\"\npreset = \"{name}\"\n");
    if p.protocol == Protocol::Oauth1 {
        s.push_str("consumer_key = \"ck\"\nconsumer_secret_env = \"CS\"\n");
    } else {
        s.push_str("client_id = \"cid\"\n");
        if p.token_via_companion {
            s.push_str("client_secret_env = \"SECRET\"\n");
        }
    }
    s
}

#[test]
fn every_preset_expands_to_its_settings() {
    for name in NAMES {
        let want = lookup(name, None).unwrap();
        let c = parse(&minimal(name)).unwrap_or_else(|p| panic!("{name}: {p:?}"));
        let got = &c.providers[0];
        assert_eq!(got.name, want.provider, "{name}");
        assert_eq!(got.api_base, want.api_base, "{name}");
        match &got.kind {
            ProviderKind::Browser(b) => {
                assert_eq!(b.protocol, want.protocol, "{name}");
                assert_eq!(b.issuer, want.issuer, "{name}");
                assert_eq!(b.endpoints, want.endpoints, "{name}");
                assert_eq!(b.scopes, want.scopes, "{name}");
                assert_eq!(
                    b.mediation.as_ref().map(|m| m.token_auth),
                    want.token_via_companion.then_some(want.token_auth),
                    "{name}"
                );
            }
            ProviderKind::OAuth1(o) => {
                let urls = want.oauth1.unwrap();
                assert_eq!(o.request_token_url, urls.request_token_url, "{name}");
                assert_eq!(o.authorize_url, urls.authorize_url, "{name}");
                assert_eq!(o.access_token_url, urls.access_token_url, "{name}");
                assert_eq!(o.signature_method, urls.signature_method, "{name}");
            }
        }
    }
}

#[test]
fn a_mediated_preset_is_published_as_mediated() {
    let c = parse(&minimal("github")).unwrap();
    let json = serde_json::to_string(&c.public()).unwrap();
    assert!(json.contains(r#""token_via_companion":true"#), "{json}");
    assert!(json.contains(r#""name":"GitHub""#), "{json}");
    assert!(!json.contains("SECRET"), "{json}");
}

#[test]
fn explicit_keys_override_the_preset() {
    let c = parse(
        r#"id = "gh"
preset = "github"
name = "GitHub Enterprise"
client_id = "cid"
client_secret_env = "SECRET"
token_auth = "client_secret_basic"
scopes = ["repo", "read:org"]
token_endpoint = "https://ghe.example/login/oauth/access_token"
api_base = "https://ghe.example/api/v3/"
"#,
    )
    .unwrap();
    let p = &c.providers[0];
    assert_eq!(p.name, "GitHub Enterprise");
    assert_eq!(p.api_base.as_deref(), Some("https://ghe.example/api/v3/"));
    let ProviderKind::Browser(b) = &p.kind else {
        panic!("github is OAuth 2.0")
    };
    assert_eq!(b.scopes, ["repo", "read:org"]);
    assert_eq!(
        b.endpoints.token_endpoint.as_deref(),
        Some("https://ghe.example/login/oauth/access_token")
    );
    // Unset keys still come from the preset.
    assert_eq!(
        b.endpoints.authorization_endpoint.as_deref(),
        Some("https://github.com/login/oauth/authorize")
    );
    assert_eq!(
        b.mediation.as_ref().map(|m| m.token_auth),
        Some(ClientAuthMethod::ClientSecretBasic)
    );
}

#[test]
fn explicit_oauth2_over_an_oidc_preset_and_no_mediation() {
    let c = parse(
        "id = \"g\"\npreset = \"google\"\nprotocol = \"oauth2\"\nclient_id = \"cid\"\n\
         token_via_companion = false\n",
    )
    .unwrap();
    let ProviderKind::Browser(b) = &c.providers[0].kind else {
        panic!("google is OIDC")
    };
    assert_eq!(b.protocol, Protocol::Oauth2);
    assert_eq!(b.issuer.as_deref(), Some("https://accounts.google.com"));
    assert!(b.mediation.is_none());
}

#[test]
fn entra_tenants() {
    let c =
        parse("id = \"ms\"\npreset = \"entra\"\ntenant = \"organizations\"\nclient_id = \"cid\"\n")
            .unwrap();
    let ProviderKind::Browser(b) = &c.providers[0].kind else {
        panic!("entra is OIDC")
    };
    assert_eq!(
        b.issuer.as_deref(),
        Some("https://login.microsoftonline.com/organizations/v2.0")
    );
    assert!(b.mediation.is_none(), "an SPA registration needs no secret");
    let p = parse("id = \"ms\"\npreset = \"entra\"\ntenant = \"contoso.onmicrosoft.com\"\nclient_id = \"c\"\n")
        .unwrap_err();
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].starts_with("9:10:") && p[0].contains("tenant id (a GUID"),
        "{p:?}"
    );
}

#[test]
fn an_unknown_preset_names_its_place_and_the_known_ones() {
    let p = parse("id = \"m\"\npreset = \"myspace\"\nclient_id = \"c\"\n").unwrap_err();
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].starts_with("8:10:"), "{p:?}");
    assert!(
        p[0].contains("unknown preset \"myspace\"; known presets: github, google, entra"),
        "{p:?}"
    );
}

#[test]
fn tenant_needs_the_entra_preset() {
    let p = parse("id = \"g\"\npreset = \"google\"\ntenant = \"common\"\nclient_id = \"c\"\n")
        .unwrap_err();
    assert!(
        p[0].starts_with("9:10:") && p[0].contains("takes no `tenant`"),
        "{p:?}"
    );
    let p = parse("id = \"g\"\nname = \"G\"\nprotocol = \"oidc\"\nissuer = \"https://i.example\"\nclient_id = \"c\"\ntenant = \"common\"\n")
        .unwrap_err();
    assert!(
        p[0].starts_with("12:10:") && p[0].contains("needs `preset = \"entra\"`"),
        "{p:?}"
    );
}

#[test]
fn a_protocol_of_the_other_family_is_refused_at_its_line() {
    let p = parse("id = \"x\"\npreset = \"x\"\nprotocol = \"oauth1\"\nconsumer_key = \"k\"\n")
        .unwrap_err();
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].starts_with("9:12:") && p[0].contains("(use preset \"x-oauth1\")"),
        "{p:?}"
    );
}

#[test]
fn without_a_preset_name_and_protocol_are_required() {
    let p = parse("id = \"d\"\nissuer = \"https://i.example\"\nclient_id = \"c\"\n").unwrap_err();
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(
        p[0].starts_with("7:6:") && p[0].contains("needs `name`"),
        "{p:?}"
    );
    assert!(p[1].contains("needs `protocol` (or a `preset`"), "{p:?}");
}

#[test]
fn a_preset_value_that_fails_a_check_points_at_the_preset() {
    // GitHub needs the companion, so its client secret is required; the problem points at
    // the `preset` line, where token_via_companion came from.
    let p = parse("id = \"gh\"\npreset = \"github\"\nclient_id = \"c\"\n").unwrap_err();
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].starts_with("8:10:") && p[0].contains("client_secret_env"),
        "{p:?}"
    );
}

#[test]
fn oauth1_preset_keeps_an_explicit_signature_method() {
    let c = parse(
        "id = \"t\"\npreset = \"tumblr\"\nconsumer_key = \"k\"\nconsumer_secret_env = \"S\"\n\
         signature_method = \"HMAC-SHA256\"\n",
    )
    .unwrap();
    let ProviderKind::OAuth1(o) = &c.providers[0].kind else {
        panic!("tumblr is OAuth 1.0a")
    };
    assert_eq!(o.signature_method, SignatureMethod::HmacSha256);
    assert_eq!(
        o.request_token_url,
        "https://www.tumblr.com/oauth/request_token"
    );
}

/// Every TOML snippet in `docs/providers.md` is a valid provider as printed.
#[test]
fn the_snippets_in_docs_providers_parse() {
    let doc = include_str!("../../../../../../docs/providers.md");
    let snippets: Vec<&str> = doc
        .split("```toml\n")
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap_or(""))
        .collect();
    assert_eq!(snippets.len(), NAMES.len(), "one snippet per preset");
    for s in snippets {
        let body = s.trim_start().trim_start_matches("[[provider]]\n");
        let c = parse(body).unwrap_or_else(|p| panic!("{s}\n{p:?}"));
        assert_eq!(c.providers.len(), 1);
    }
}
