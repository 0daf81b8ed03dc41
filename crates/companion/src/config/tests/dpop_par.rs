//! `dpop`, `par` and `pushed_authorization_request_endpoint`: read for OAuth 2.0 / OIDC,
//! copied into `/latchkey.json`, refused on an OAuth 1.0a provider and for a value out of the
//! list, each problem with its line and column.

use super::*;

/// GOOD with `extra` lines after the `dot` provider's last line (line 15).
fn dot_with(extra: &str) -> String {
    GOOD.replace(
        "session_storage = \"browser\"\n",
        &format!("session_storage = \"browser\"\n{extra}"),
    )
}

fn dot(c: &Config) -> &BrowserProvider {
    match &c.providers[0].kind {
        ProviderKind::Browser(b) => b,
        ProviderKind::OAuth1(_) => panic!("dot is OpenID Connect"),
    }
}

/// The `dot` entry of `config export`'s JSON.
fn exported(c: &Config) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_str(&c.export_json().unwrap()).unwrap();
    v["providers"][0].clone()
}

#[test]
fn dpop_is_auto_and_par_off_unless_written_and_the_defaults_stay_out_of_the_export() {
    let c = Config::parse(GOOD).unwrap();
    assert_eq!((dot(&c).dpop, dot(&c).par), (DpopMode::Auto, false));
    let json = exported(&c);
    assert!(
        json.get("dpop").is_none() && json.get("par").is_none(),
        "{json}"
    );
    let c = Config::parse(&dot_with("dpop = \"auto\"\npar = false\n")).unwrap();
    assert_eq!((dot(&c).dpop, dot(&c).par), (DpopMode::Auto, false));
}

#[test]
fn config_export_writes_dpop_and_par() {
    for (value, mode) in [("required", DpopMode::Required), ("off", DpopMode::Off)] {
        let c = Config::parse(&dot_with(&format!("dpop = \"{value}\"\npar = true\n"))).unwrap();
        assert_eq!((dot(&c).dpop, dot(&c).par), (mode, true));
        let json = exported(&c);
        assert_eq!(json["dpop"], value, "{json}");
        assert_eq!(json["par"], true, "{json}");
        // What the browser reads back is what was written.
        assert_eq!(c.public().providers[0].dpop, mode);
        assert!(c.public().providers[0].par);
    }
}

#[test]
fn a_par_endpoint_is_checked_like_every_endpoint_and_exported_among_them() {
    let key = "pushed_authorization_request_endpoint";
    let c = Config::parse(&dot_with(&format!(
        "par = true\n{key} = \"http://127.0.0.1:9000/o/par/\"\n"
    )))
    .unwrap();
    let json = exported(&c);
    assert_eq!(
        json["endpoints"][key], "http://127.0.0.1:9000/o/par/",
        "{json}"
    );
    assert_eq!(
        c.public().providers[0]
            .endpoints
            .pushed_authorization_request_endpoint
            .as_deref(),
        Some("http://127.0.0.1:9000/o/par/")
    );
    // Plain http on a host that is not loopback, as for the token endpoint.
    let p = problems(&dot_with(&format!("{key} = \"http://op.example/par\"\n")));
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].starts_with("16:") && p[0].contains(key), "{p:?}");
}

#[test]
fn par_without_an_issuer_needs_its_endpoint_and_names_the_line() {
    // `dot` as OAuth 2.0 without discovery: its endpoints written out, no issuer.
    let no_issuer = |extra: &str| {
        dot_with(extra)
            .replace("protocol = \"oidc\"", "protocol = \"oauth2\"")
            .replace(
                "issuer = \"http://127.0.0.1:9000/o\"\n",
                "authorization_endpoint = \"http://127.0.0.1:9000/o/authorize/\"\n\
             token_endpoint = \"http://127.0.0.1:9000/o/token/\"\n\
             jwks_uri = \"http://127.0.0.1:9000/o/.well-known/jwks.json\"\n",
            )
    };
    let p = problems(&no_issuer("par = true\n"));
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].starts_with("18:7:")
            && p[0].contains("par = true needs pushed_authorization_request_endpoint"),
        "{p:?}"
    );
    let with_endpoint = no_issuer(
        "par = true\npushed_authorization_request_endpoint = \"http://127.0.0.1:9000/o/par/\"\n",
    );
    assert!(Config::parse(&with_endpoint).is_ok());
    assert!(Config::parse(&no_issuer("par = false\n")).is_ok());
}

#[test]
fn a_dpop_mode_out_of_the_list_names_its_line() {
    let p = problems(&dot_with("dpop = \"sometimes\"\n"));
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].starts_with("16:8:"), "{p:?}");
    assert!(
        p[0].contains("dpop \"sometimes\" is not one of \"auto\", \"required\", \"off\""),
        "{p:?}"
    );
    let p = problems(&dot_with("par = \"yes\"\n"));
    assert!(
        p[0].starts_with("16:7:") && p[0].contains("invalid type"),
        "{p:?}"
    );
}

#[test]
fn dpop_and_par_do_not_apply_to_oauth1_and_the_problem_names_the_line() {
    let flask = |extra: &str| {
        GOOD.replace(
            "api_base = \"http://127.0.0.1:9100/api/\"\n",
            &format!("api_base = \"http://127.0.0.1:9100/api/\"\n{extra}"),
        )
    };
    let p = problems(&flask("dpop = \"required\"\npar = true\n"));
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(
        p[0].starts_with("27:8:")
            && p[0].contains("key `dpop` does not apply to protocol \"oauth1\""),
        "{p:?}"
    );
    assert!(
        p[1].starts_with("28:7:")
            && p[1].contains("key `par` does not apply to protocol \"oauth1\""),
        "{p:?}"
    );
    // Even the defaults, written out: the author believes they do something.
    assert_eq!(problems(&flask("dpop = \"off\"\n")).len(), 1);
    let p = problems(&flask(
        "pushed_authorization_request_endpoint = \"http://127.0.0.1:9100/par\"\n",
    ));
    assert!(
        p.len() == 1
            && p[0].contains(
                "key `pushed_authorization_request_endpoint` does not apply to protocol \"oauth1\""
            ),
        "{p:?}"
    );
}
