use super::*;

const GOOD: &str = r#"
[server]
listen = "127.0.0.1:8080"
public_url = "http://127.0.0.1:8080/"
static_dir = "dist"

[[provider]]
id = "dot"
name = "Django OAuth Toolkit"
protocol = "oidc"
issuer = "http://127.0.0.1:9000/o"
client_id = "spa-demo"
scopes = ["openid", "profile"]
api_base = "http://127.0.0.1:9000/api/"
session_storage = "browser"

[[provider]]
id = "flask"
name = "Flask OAuth1 demo"
protocol = "oauth1"
request_token_url = "http://127.0.0.1:9100/oauth/request_token"
authorize_url = "http://127.0.0.1:9100/oauth/authorize"
access_token_url = "http://127.0.0.1:9100/oauth/access_token"
consumer_key = "demo-consumer"
consumer_secret_env = "FLASK_CONSUMER_SECRET"
api_base = "http://127.0.0.1:9100/api/"
"#;

fn problems(text: &str) -> Vec<String> {
    match Config::parse(text) {
        Ok(_) => panic!("expected problems"),
        Err(p) => p.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn the_example_shape_parses() {
    let c = Config::parse(GOOD).unwrap();
    assert_eq!(c.server.public_url, "http://127.0.0.1:8080");
    assert_eq!(c.providers.len(), 2);
    assert!(
        matches!(c.providers[1].kind, ProviderKind::OAuth1(ref o) if o.signature_method == SignatureMethod::HmacSha1)
    );
}

#[test]
fn the_examples_file_parses() {
    let text = include_str!("../../../../examples/latchkey.toml");
    Config::parse(text).unwrap();
}

#[test]
fn a_misspelt_key_is_refused_with_its_line() {
    let text = GOOD.replace("consumer_secret_env", "consumer_secert_env");
    let p = problems(&text);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].contains("consumer_secert_env"), "{p:?}");
    assert!(p[0].starts_with("25:"), "the problem names line 25: {p:?}");
}

#[test]
fn a_syntax_error_names_its_line() {
    let text = GOOD.replace("client_id = \"spa-demo\"", "client_id = spa-demo");
    let p = problems(&text);
    assert!(p[0].starts_with("12:"), "{p:?}");
}

#[test]
fn semantic_problems_each_name_their_line() {
    let text = GOOD
        .replace("listen = \"127.0.0.1:8080\"", "listen = \"localhost\"")
        .replace(
            "\"http://127.0.0.1:9000/api/\"",
            "\"http://127.0.0.1:9000/api\"",
        )
        .replace("id = \"flask\"", "id = \"dot\"")
        .replace(
            "http://127.0.0.1:9100/oauth/authorize",
            "ftp://127.0.0.1:9100/oauth/authorize",
        );
    let p = problems(&text);
    assert!(
        p.iter()
            .any(|l| l.starts_with("3:") && l.contains("listen")),
        "{p:?}"
    );
    assert!(
        p.iter()
            .any(|l| l.starts_with("14:") && l.contains("must end with '/'")),
        "{p:?}"
    );
    assert!(
        p.iter()
            .any(|l| l.starts_with("18:") && l.contains("used twice")),
        "{p:?}"
    );
    assert!(
        p.iter()
            .any(|l| l.starts_with("22:") && l.contains("http://")),
        "{p:?}"
    );
    assert_eq!(p.len(), 4, "{p:?}");
}

#[test]
fn public_url_must_be_an_origin() {
    let p = problems(&GOOD.replace("http://127.0.0.1:8080/\"", "http://127.0.0.1:8080/app\""));
    assert!(p[0].starts_with("4:") && p[0].contains("origin"), "{p:?}");
}

#[test]
fn ids_must_be_url_safe() {
    let p = problems(&GOOD.replace("id = \"dot\"", "id = \"d/t\""));
    assert!(p[0].starts_with("8:") && p[0].contains("letters"), "{p:?}");
}

#[test]
fn oauth1_without_secret_source_or_urls_says_which_key() {
    let text = GOOD
        .replace("consumer_secret_env = \"FLASK_CONSUMER_SECRET\"\n", "")
        .replace(
            "request_token_url = \"http://127.0.0.1:9100/oauth/request_token\"\n",
            "",
        );
    let p = problems(&text);
    assert!(
        p.iter().any(|l| l.contains("needs `request_token_url`")),
        "{p:?}"
    );
    assert!(
        p.iter()
            .any(|l| l.contains("consumer_secret_env` or `consumer_secret_file")),
        "{p:?}"
    );
}

#[test]
fn keys_of_another_protocol_are_refused() {
    let text = GOOD.replace("session_storage = \"browser\"", "consumer_key = \"x\"");
    let p = problems(&text);
    assert!(
        p[0].starts_with("15:") && p[0].contains("does not apply"),
        "{p:?}"
    );
}

#[test]
fn rsa_needs_a_key_file_not_a_secret() {
    let text = GOOD.replace(
        "consumer_secret_env = \"FLASK_CONSUMER_SECRET\"",
        "consumer_secret_env = \"FLASK_CONSUMER_SECRET\"\nsignature_method = \"RSA-SHA1\"",
    );
    let p = problems(&text);
    assert!(p.iter().any(|l| l.contains("rsa_key_file")), "{p:?}");
    assert!(
        p.iter()
            .any(|l| l.contains("consumer_secret_env") && l.contains("does not apply")),
        "{p:?}"
    );
}

#[test]
fn public_projection_has_no_oauth1_internals() {
    let c = Config::parse(GOOD).unwrap();
    let json = serde_json::to_string(&c.public()).unwrap();
    assert!(!json.contains("FLASK_CONSUMER_SECRET"), "{json}");
    assert!(!json.contains("demo-consumer"), "{json}");
    assert!(!json.contains("request_token"), "{json}");
    assert!(json.contains("\"protocol\":\"oauth1\""), "{json}");
    assert!(json.contains("\"session_storage\":\"browser\""), "{json}");
}

mod secrets {
    use super::*;
    use crate::secrets::{Secrets, COOKIE_KEY_ENV};

    const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    #[test]
    fn a_missing_consumer_secret_names_the_variable_and_line() {
        let c = Config::parse(GOOD).unwrap();
        let env = |n: &str| (n == COOKIE_KEY_ENV).then(|| KEY.to_owned());
        let p: Vec<String> = Secrets::load(&c, &env)
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].starts_with("25:") && p[0].contains("FLASK_CONSUMER_SECRET"),
            "{p:?}"
        );
    }

    #[test]
    fn oauth1_needs_a_cookie_key_of_32_bytes() {
        let c = Config::parse(GOOD).unwrap();
        let env = |n: &str| (n == "FLASK_CONSUMER_SECRET").then(|| "s3cr3t".to_owned());
        let p = Secrets::load(&c, &env).unwrap_err();
        assert!(p[0].message.contains(COOKIE_KEY_ENV), "{p:?}");
        let env = |n: &str| match n {
            "FLASK_CONSUMER_SECRET" => Some("s3cr3t".to_owned()),
            COOKIE_KEY_ENV => Some("c2hvcnQ=".to_owned()),
            _ => None,
        };
        let p = Secrets::load(&c, &env).unwrap_err();
        assert!(p[0].message.contains("not 32"), "{p:?}");
    }

    #[test]
    fn secrets_load_and_never_show_in_debug() {
        let c = Config::parse(GOOD).unwrap();
        let env = |n: &str| match n {
            "FLASK_CONSUMER_SECRET" => Some("s3cr3t".to_owned()),
            COOKIE_KEY_ENV => Some(KEY.to_owned()),
            _ => None,
        };
        let s = Secrets::load(&c, &env).unwrap();
        let debug = format!("{s:?}");
        assert!(!debug.contains("s3cr3t") && !debug.contains(KEY), "{debug}");
        assert_eq!(s.cookie_keys.unwrap().current.secret()[1], 1);
    }
}

mod dpop_par;
mod limits;
mod mediation;
mod redirect_uri;

#[test]
fn upstream_timeout_defaults_to_30_seconds_and_can_be_set() {
    let c = Config::parse(GOOD).unwrap();
    assert_eq!(
        c.server.upstream_timeout,
        std::time::Duration::from_secs(30)
    );
    let text = GOOD.replace(
        "static_dir = \"dist\"",
        "static_dir = \"dist\"\nupstream_timeout_seconds = 5",
    );
    let c = Config::parse(&text).unwrap();
    assert_eq!(c.server.upstream_timeout, std::time::Duration::from_secs(5));
}

#[test]
fn an_upstream_timeout_out_of_range_names_its_line() {
    for bad in ["0", "301", "-4"] {
        let text = GOOD.replace(
            "static_dir = \"dist\"",
            &format!("static_dir = \"dist\"\nupstream_timeout_seconds = {bad}"),
        );
        let p = problems(&text);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].starts_with("6:"), "{p:?}");
        assert!(p[0].contains("between 1 and 300"), "{p:?}");
    }
}

/// Issue 19, finding 12: off loopback, plain http loses the cookies' `Secure` and `__Host-`
/// and sends codes, tokens and secrets in the clear.
#[test]
fn plain_http_off_loopback_is_refused_for_the_site_and_every_endpoint() {
    for (line, from, to) in [
        (4, "http://127.0.0.1:8080/\"", "http://auth.example.org\""),
        (
            11,
            "http://127.0.0.1:9000/o\"",
            "http://idp.example.org/o\"",
        ),
        (14, "http://127.0.0.1:9000/api/\"", "http://10.0.0.5/api/\""),
        (
            21,
            "http://127.0.0.1:9100/oauth/request_token",
            "http://flask.example/oauth/request_token",
        ),
    ] {
        let p = problems(&GOOD.replace(from, to));
        assert!(
            p.iter()
                .any(|l| l.starts_with(&format!("{line}:")) && l.contains("not loopback")),
            "{to}: {p:?}"
        );
    }
    for loopback in [
        "http://localhost:8080",
        "http://127.8.9.10:8080",
        "http://[::1]:8080",
    ] {
        let text = GOOD.replace("http://127.0.0.1:8080/\"", &format!("{loopback}\""));
        assert!(Config::parse(&text).is_ok(), "{loopback}");
    }
    let https = GOOD.replace("http://127.0.0.1:8080/\"", "https://auth.example.org\"");
    assert!(Config::parse(&https).is_ok());
}

/// RFC 5849 §3.4.4: PLAINTEXT's header holds the secrets, so only https may carry it.
#[test]
fn plaintext_signing_needs_https_everywhere() {
    let plaintext = GOOD.replace(
        "consumer_key = \"demo-consumer\"",
        "consumer_key = \"demo-consumer\"\nsignature_method = \"PLAINTEXT\"",
    );
    let p = problems(&plaintext);
    assert!(
        p.iter()
            .any(|l| l.contains("PLAINTEXT") && l.contains("http://127.0.0.1:9100/api/")),
        "{p:?}"
    );
    let tls = plaintext.replace("http://127.0.0.1:9100", "https://flask.example");
    assert!(Config::parse(&tls).is_ok());
    // HMAC over loopback http stays fine.
    assert!(Config::parse(GOOD).is_ok());
}
