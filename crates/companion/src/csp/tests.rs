//! The policy's directives from a configuration.

use latchkey_proto::public_config::PublicConfig;

use super::{AppPolicy, Delivery};

fn config(json: &str) -> PublicConfig {
    PublicConfig::from_json(json.as_bytes()).unwrap()
}

/// One of each kind: OIDC by discovery with an explicit revocation endpoint, OAuth 2.0 with
/// explicit endpoints on two hosts, a mediated provider, an OAuth 1.0a provider.
const PROVIDERS: &str = r#"{"public_url":"https://app.example","providers":[
  {"id":"dot","name":"DOT","protocol":"oidc","issuer":"http://127.0.0.1:9000/o",
   "client_id":"spa","api_base":"http://127.0.0.1:9000/api/",
   "endpoints":{"revocation_endpoint":"http://127.0.0.1:9000/o/revoke_token/"}},
  {"id":"gl","name":"GitLab","protocol":"oauth2","client_id":"c",
   "endpoints":{"authorization_endpoint":"https://gitlab.example/oauth/authorize",
     "token_endpoint":"HTTPS://GitLab.example:443/oauth/token",
     "userinfo_endpoint":"https://users.gitlab.example/me",
     "jwks_uri":"https://keys.gitlab.example:8443/jwks",
     "end_session_endpoint":"https://logout.gitlab.example/bye",
     "pushed_authorization_request_endpoint":"https://par.gitlab.example/par"}},
  {"id":"gh","name":"GitHub","protocol":"oauth2","client_id":"c","token_via_companion":true,
   "endpoints":{"authorization_endpoint":"https://github.com/login/oauth/authorize",
     "token_endpoint":"https://github.com/login/oauth/access_token",
     "revocation_endpoint":"https://revoke.github.example/r",
     "pushed_authorization_request_endpoint":"https://par.github.example/p"},
   "api_base":"https://api.github.com/"},
  {"id":"flask","name":"Flask","protocol":"oauth1","api_base":"https://flask.example/api/"}
]}"#;

fn directive<'a>(policy: &'a str, name: &str) -> &'a str {
    policy
        .split("; ")
        .find(|d| d.split(' ').next() == Some(name))
        .unwrap_or_else(|| panic!("no {name} in {policy}"))
}

#[test]
fn connect_src_lists_the_origins_the_browser_fetches_from_each_once() {
    let policy = AppPolicy::new(&config(PROVIDERS)).for_page("", Delivery::Header);
    assert_eq!(
        directive(&policy, "connect-src"),
        "connect-src 'self' http://127.0.0.1:9000 https://gitlab.example \
         https://users.gitlab.example https://keys.gitlab.example:8443 https://par.gitlab.example \
         https://api.github.com"
    );
}

#[test]
fn navigation_only_mediated_and_oauth1_endpoints_are_not_in_connect_src() {
    let policy = AppPolicy::new(&config(PROVIDERS)).for_page("", Delivery::Header);
    let connect = directive(&policy, "connect-src");
    // The authorization and end-session endpoints are navigated to, never fetched; a
    // mediated provider's token, revocation and PAR calls go to the companion; OAuth 1.0a APIs
    // are called through the companion's proxy.
    for absent in [
        "logout.gitlab.example",
        "https://github.com ",
        "revoke.github.example",
        "par.github.example",
        "flask.example",
    ] {
        assert!(
            !format!("{connect} ").contains(absent),
            "{absent} in {connect}"
        );
    }
}

#[test]
fn the_page_s_inline_scripts_are_allowed_by_hash_and_nothing_unsafe_is() {
    let page = "<head><script type=\"module\">\nimport init from '/app.js';\nawait init();\n\
                </script></head>";
    let policy = AppPolicy::new(&config(PROVIDERS)).for_page(page, Delivery::Header);
    assert_eq!(
        directive(&policy, "script-src"),
        "script-src 'self' 'wasm-unsafe-eval' 'sha256-mStLiw5ufhC4Rn65S+yuobFT1L6YIq0IsINW02YqTpc='"
    );
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    assert!(!policy.contains("'unsafe-eval'"), "{policy}");
    assert!(!policy.contains('*'), "{policy}");
}

#[test]
fn the_rest_of_the_policy_is_fixed() {
    let policy = AppPolicy::new(&config(PROVIDERS)).for_page("", Delivery::Header);
    assert_eq!(
        directive(&policy, "img-src"),
        "img-src 'self' data: https: http://127.0.0.1:9000"
    );
    for d in [
        "default-src 'self'",
        "style-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ] {
        assert_eq!(directive(&policy, d.split(' ').next().unwrap()), d);
    }
}

#[test]
fn a_meta_policy_leaves_out_frame_ancestors_which_browsers_ignore_there() {
    let policy = AppPolicy::new(&config(PROVIDERS));
    let header = policy.for_page("", Delivery::Header);
    let meta = policy.for_page("", Delivery::Meta);
    assert_eq!(meta, header.replace("; frame-ancestors 'none'", ""));
}

#[test]
fn relative_or_unusable_urls_add_no_origin() {
    let policy = AppPolicy::new(&config(
        r#"{"providers":[{"id":"x","name":"X","protocol":"oauth2","client_id":"c",
            "endpoints":{"token_endpoint":"/token","userinfo_endpoint":"ftp://files.example/u"},
            "api_base":"not a url"}]}"#,
    ));
    assert!(policy.connect_origins().is_empty());
    assert_eq!(
        directive(&policy.for_page("", Delivery::Header), "connect-src"),
        "connect-src 'self'"
    );
}
