//! Presets: each expands to a usable provider, explicit keys win, and the GitHub quirks the
//! preset relies on hold for responses of GitHub's documented shape.
use std::collections::HashMap;

use super::*;
use crate::form;

/// A provider entry as a map of TOML keys, standing in for the companion's raw TOML.
#[derive(Default)]
struct Entry(HashMap<&'static str, Owned>);

#[derive(Debug, Clone, PartialEq)]
enum Owned {
    Text(String),
    List(Vec<String>),
    Bool(bool),
}

impl Entry {
    fn with(mut self, key: Key, v: Owned) -> Self {
        self.0.insert(key.as_str(), v);
        self
    }
    fn text(&self, key: &str) -> Option<&str> {
        match self.0.get(key) {
            Some(Owned::Text(s)) => Some(s),
            _ => None,
        }
    }
}

impl ProviderEntry for Entry {
    fn get(&self, key: Key) -> Option<Value<'_>> {
        self.0.get(key.as_str()).map(|v| match v {
            Owned::Text(s) => Value::Text(s),
            Owned::List(l) => Value::List(l),
            Owned::Bool(b) => Value::Bool(*b),
        })
    }
    fn set(&mut self, key: Key, value: Value<'_>) {
        let v = match value {
            Value::Text(s) => Owned::Text(s.to_owned()),
            Value::List(l) => Owned::List(l.to_vec()),
            Value::Bool(b) => Owned::Bool(b),
        };
        self.0.insert(key.as_str(), v);
    }
}

#[test]
fn every_named_preset_exists_and_unknown_ones_list_the_known() {
    for name in NAMES {
        let p = lookup(name, None).unwrap();
        assert_eq!(p.name, name);
    }
    let err = lookup("myspace", None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown preset \"myspace\"; known presets: github, google, entra, gitlab, discord, x, \
         x-oauth1, spotify, twitch, tumblr, flickr"
    );
    assert_eq!(
        lookup("GitHub", None).unwrap_err(),
        PresetError::Unknown {
            name: "GitHub".into()
        }
    );
}

/// What the companion's config check demands of each protocol, applied to every preset: an
/// OIDC preset needs an issuer, an OAuth 2.0 one an issuer or both core endpoints, an OAuth 1.0a
/// one all three URLs; every URL is https and passes the endpoint check.
#[test]
fn every_preset_is_complete_for_its_protocol() {
    for name in NAMES {
        let p = lookup(name, None).unwrap();
        let e = &p.endpoints;
        match p.protocol {
            Protocol::Oidc => assert!(p.issuer.is_some() && p.features.oidc, "{name}"),
            Protocol::Oauth2 => assert!(!p.features.oidc, "{name}"),
            Protocol::Oauth1 => {
                assert!(p.oauth1.is_some() && !p.token_via_companion, "{name}");
                assert!(p.scopes.is_empty() && p.issuer.is_none(), "{name}");
            }
        }
        if p.protocol != Protocol::Oauth1 {
            assert!(
                e.authorization_endpoint.is_some() && e.token_endpoint.is_some(),
                "{name}: both core endpoints, so no discovery is needed for them"
            );
        }
        assert!(
            p.api_base.as_deref().is_some_and(|b| b.ends_with('/')),
            "{name}"
        );
        let mut urls: Vec<&str> = p.issuer.iter().map(String::as_str).collect();
        urls.extend(
            [
                &e.authorization_endpoint,
                &e.token_endpoint,
                &e.revocation_endpoint,
                &p.api_base,
            ]
            .into_iter()
            .flatten()
            .map(String::as_str),
        );
        if let Some(o) = &p.oauth1 {
            urls.extend([o.request_token_url, o.authorize_url, o.access_token_url]);
        }
        for url in urls {
            assert!(url.starts_with("https://"), "{name}: {url}");
            form::check_endpoint(url).unwrap_or_else(|e| panic!("{name}: {url}: {e:?}"));
        }
        assert_eq!(
            p.features.revocation == Support::Yes,
            p.endpoints.revocation_endpoint.is_some(),
            "{name}: revocation support and endpoint agree"
        );
    }
}

#[test]
fn mediation_where_the_token_endpoint_refuses_browsers() {
    let mediated: Vec<&str> = NAMES
        .into_iter()
        .filter(|n| lookup(n, None).unwrap().token_via_companion)
        .collect();
    assert_eq!(mediated, ["github", "google", "discord", "x", "twitch"]);
    assert_eq!(
        lookup("github", None).unwrap().token_auth,
        ClientAuthMethod::ClientSecretPost
    );
    assert_eq!(
        lookup("twitch", None).unwrap().token_auth,
        ClientAuthMethod::ClientSecretPost
    );
    assert_eq!(
        lookup("x", None).unwrap().token_auth,
        ClientAuthMethod::ClientSecretBasic
    );
}

#[test]
fn entra_builds_its_issuer_from_the_tenant() {
    let issuer = |t| lookup("entra", t).unwrap().issuer.unwrap();
    assert_eq!(
        issuer(None),
        "https://login.microsoftonline.com/common/v2.0"
    );
    let orgs = lookup("entra", Some("organizations")).unwrap().endpoints;
    assert_eq!(
        orgs.token_endpoint.as_deref(),
        Some("https://login.microsoftonline.com/organizations/oauth2/v2.0/token")
    );
    assert_eq!(
        orgs.authorization_endpoint.as_deref(),
        Some("https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize")
    );
    assert_eq!(
        issuer(Some("consumers")),
        "https://login.microsoftonline.com/consumers/v2.0"
    );
    assert_eq!(
        issuer(Some("72f988bf-86f1-41af-91ab-2d7cd011db47")),
        "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0"
    );
    assert!(matches!(
        lookup("entra", Some("contoso.onmicrosoft.com")),
        Err(PresetError::Tenant(entra::TenantError::Domain(_)))
    ));
    assert!(lookup("entra", Some("../evil")).is_err());
    assert_eq!(
        lookup("google", Some("common")).unwrap_err(),
        PresetError::TenantNotApplicable { preset: "google" }
    );
}

#[test]
fn apply_fills_only_what_the_entry_leaves_unset() {
    let github = lookup("github", None).unwrap();
    let mut entry = Entry::default()
        .with(Key::Scopes, Owned::List(vec!["repo".into()]))
        .with(
            Key::ApiBase,
            Owned::Text("https://ghe.example/api/v3/".into()),
        );
    let filled = apply(&github, &mut entry).unwrap();
    assert_eq!(
        filled,
        [
            Key::Name,
            Key::Protocol,
            Key::AuthorizationEndpoint,
            Key::TokenEndpoint,
            Key::TokenViaCompanion,
            Key::TokenAuth
        ]
    );
    assert_eq!(entry.text("protocol"), Some("oauth2"));
    assert_eq!(entry.text("name"), Some("GitHub"));
    assert_eq!(
        entry.text("token_endpoint"),
        Some("https://github.com/login/oauth/access_token")
    );
    assert_eq!(entry.text("token_auth"), Some("client_secret_post"));
    assert_eq!(entry.0["token_via_companion"], Owned::Bool(true));
    // The explicit keys are untouched.
    assert_eq!(entry.0["scopes"], Owned::List(vec!["repo".into()]));
    assert_eq!(entry.text("api_base"), Some("https://ghe.example/api/v3/"));
}

#[test]
fn explicitly_unmediated_entries_get_no_token_auth() {
    let mut entry = Entry::default().with(Key::TokenViaCompanion, Owned::Bool(false));
    apply(&lookup("x", None).unwrap(), &mut entry).unwrap();
    assert_eq!(entry.0["token_via_companion"], Owned::Bool(false));
    assert!(!entry.0.contains_key("token_auth"));
    // A browser-only preset never fills mediation keys.
    let mut entry = Entry::default();
    apply(&lookup("gitlab", None).unwrap(), &mut entry).unwrap();
    assert!(!entry.0.contains_key("token_via_companion") && !entry.0.contains_key("token_auth"));
    assert_eq!(entry.text("issuer"), Some("https://gitlab.com"));
}

#[test]
fn oauth1_presets_fill_the_three_urls_and_the_method() {
    let mut entry = Entry::default();
    apply(&lookup("flickr", None).unwrap(), &mut entry).unwrap();
    assert_eq!(entry.text("protocol"), Some("oauth1"));
    assert_eq!(
        entry.text("request_token_url"),
        Some("https://www.flickr.com/services/oauth/request_token")
    );
    assert_eq!(entry.text("signature_method"), Some("HMAC-SHA1"));
    assert!(!entry.0.contains_key("scopes") && !entry.0.contains_key("issuer"));
}

#[test]
fn a_protocol_of_the_other_family_is_refused_with_the_sibling_named() {
    let mut entry = Entry::default().with(Key::Protocol, Owned::Text("oauth1".into()));
    let err = apply(&lookup("x", None).unwrap(), &mut entry).unwrap_err();
    assert_eq!(
        err.to_string(),
        "preset \"x\" is for protocol \"oauth2\", not \"oauth1\" (use preset \"x-oauth1\")"
    );
    assert_eq!(entry.0.len(), 1, "nothing was filled");
    let mut entry = Entry::default().with(Key::Protocol, Owned::Text("oidc".into()));
    assert!(apply(&lookup("tumblr", None).unwrap(), &mut entry).is_err());
    // oauth2 may stand in for oidc: the preset's issuer still serves discovery.
    let mut entry = Entry::default().with(Key::Protocol, Owned::Text("oauth2".into()));
    apply(&lookup("google", None).unwrap(), &mut entry).unwrap();
    assert_eq!(entry.text("protocol"), Some("oauth2"));
    assert_eq!(entry.text("issuer"), Some("https://accounts.google.com"));
    // Its userinfo host is named nowhere else in the preset, so the preset names it for the
    // app's Content-Security-Policy.
    assert_eq!(
        entry.text("userinfo_endpoint"),
        Some("https://openidconnect.googleapis.com/v1/userinfo")
    );
}

/// GitHub answers form-encoded unless the request asks for JSON; the preset's mediated code
/// exchange (client_secret_post) must ask, and must carry the secret in the body.
#[test]
fn quirk_github_token_request_asks_for_json_with_the_secret_in_the_body() {
    use crate::secret::ClientSecret;
    let github = lookup("github", None).unwrap();
    let secret = ClientSecret::new("s3cr3t");
    let auth = github.token_auth.with("Iv1.abc", &secret);
    let verifier = crate::pkce::Verifier::from_random_bytes(&[7; 32]).unwrap();
    let req = crate::token::build_relayed_code_request(
        github.endpoints.token_endpoint.as_deref().unwrap(),
        &auth,
        "the-code",
        "https://app.example/callback",
        verifier,
    )
    .unwrap();
    assert_eq!(req.uri(), "https://github.com/login/oauth/access_token");
    assert_eq!(req.headers()["accept"], "application/json");
    assert!(req.headers().get("authorization").is_none());
    let body = core::str::from_utf8(req.body()).unwrap();
    assert!(
        body.ends_with("&client_id=Iv1.abc&client_secret=s3cr3t"),
        "{body}"
    );
}

/// The JSON success body GitHub documents for the web application flow: lower-case
/// `bearer`, comma-separated scopes, no `expires_in` for an OAuth app.
#[test]
fn quirk_github_documented_json_success() {
    let response = http::Response::builder()
        .status(200)
        .header("content-type", "application/json; charset=utf-8")
        .body(
            br#"{"access_token":"gho_16C7e42F292c6912E7710c838347Ae178B4a","scope":"repo,gist","token_type":"bearer"}"#
                .to_vec(),
        )
        .unwrap();
    let t = crate::token::parse_token_response(&response).unwrap();
    assert_eq!(t.scope, Some(vec!["repo".to_owned(), "gist".to_owned()]));
    assert_eq!(t.expires_in, None);
    assert!(t.refresh_token.is_none());
}
