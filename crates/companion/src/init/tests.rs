use latchkey_proto::preset::NAMES;

use super::*;
use crate::app::tests::TempDir;
use crate::config::ProviderKind;
use crate::secrets::{Secrets, COOKIE_KEY_ENV};

const SITE: &str = "https://me.github.io/blog/";
const COMPANION: &str = "https://auth.example.org";

fn request<'a>(preset: &'a str, site: &'a str, companion: Option<&'a str>) -> InitRequest<'a> {
    InitRequest {
        preset,
        site,
        companion,
        client_id: None,
        static_dir: "site",
    }
}

/// A dummy for every secret the written file names, and a cookie key: what a person sets.
fn dummy_env(init: &Init) -> impl Fn(&str) -> Option<String> + '_ {
    move |name: &str| {
        if Some(name) == init.plan.secret_env.as_deref() {
            Some("dummy-secret".to_owned())
        } else if name == COOKIE_KEY_ENV {
            Some("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".to_owned())
        } else {
            None
        }
    }
}

#[test]
fn every_preset_writes_files_that_config_check_accepts_with_the_named_secrets_set() {
    for companion in [None, Some(COMPANION)] {
        for name in NAMES {
            let init = Init::new(&request(name, SITE, companion)).unwrap();
            let dir = TempDir::new("init");
            let (toml_path, json_path) = init.write(&dir.0, Overwrite::Refuse).unwrap();
            // What `latchkey config check` does: read, parse, load the secrets.
            let config = Config::read(&toml_path).unwrap_or_else(|p| panic!("{name}: {p:?}"));
            let env = dummy_env(&init);
            Secrets::load(&config, &env).unwrap_or_else(|p| panic!("{name}: {p:?}"));
            // Without the secret (and cookie key) the check fails, so the dummies mattered.
            if init.plan.secret_env.is_some() {
                assert!(Secrets::load(&config, &|_: &str| None).is_err(), "{name}");
            }
            // latchkey.json is what `latchkey config export` prints for the written TOML.
            let json = std::fs::read_to_string(&json_path).unwrap();
            assert_eq!(json.trim_end(), config.export_json().unwrap(), "{name}");
        }
    }
}

#[test]
fn the_redirect_uri_of_an_oauth2_preset_is_the_site_and_oauth1_has_none() {
    for name in NAMES {
        let init = Init::new(&request(name, SITE, Some(COMPANION))).unwrap();
        let p = &init.config.providers[0];
        match &p.kind {
            ProviderKind::Browser(b) => {
                assert_eq!(b.redirect_uri.as_deref(), Some(SITE), "{name}");
            }
            ProviderKind::OAuth1(_) => {
                assert!(!init.toml.contains("redirect_uri ="), "{name}");
            }
        }
    }
}

#[test]
fn without_a_companion_the_site_origin_is_public_url_and_no_other_origin_is_allowed() {
    let init = Init::new(&request("gitlab", SITE, None)).unwrap();
    assert_eq!(init.config.server.public_url, "https://me.github.io");
    assert!(init.config.server.allowed_origins.is_empty());
    // The page's own origin is the companion: latchkey.json need not say so.
    assert!(!init.json.contains("\"companion\""), "{}", init.json);
    // A companion URL that is the site's own origin is the same deployment.
    let same = Init::new(&request("gitlab", SITE, Some("https://ME.github.io:443/"))).unwrap();
    assert_eq!(same.toml, init.toml);
}

#[test]
fn with_a_companion_it_is_public_url_and_the_site_origin_is_allowed() {
    let init = Init::new(&request("github", SITE, Some("https://auth.example.org/"))).unwrap();
    assert_eq!(init.config.server.public_url, COMPANION);
    assert_eq!(
        init.config.server.allowed_origins,
        ["https://me.github.io".to_owned()]
    );
    // The embed on the site is told where its companion is.
    assert!(
        init.json
            .contains("\"companion\": \"https://auth.example.org\""),
        "{}",
        init.json
    );
}

#[test]
fn a_site_without_a_path_gets_one_slash_and_loopback_http_is_accepted() {
    let init = Init::new(&request("spotify", "http://127.0.0.1:8000", None)).unwrap();
    assert_eq!(init.plan.site, "http://127.0.0.1:8000/");
    assert_eq!(init.config.server.public_url, "http://127.0.0.1:8000");
}

#[test]
fn the_client_id_given_is_written_and_quoted() {
    let mut req = request("google", SITE, None);
    req.client_id = Some("0123-a\"b.apps.googleusercontent.com");
    let init = Init::new(&req).unwrap();
    let ProviderKind::Browser(b) = &init.config.providers[0].kind else {
        panic!("google is OAuth 2.0");
    };
    assert_eq!(b.client_id, "0123-a\"b.apps.googleusercontent.com");
    req.client_id = Some("");
    assert!(matches!(Init::new(&req), Err(InitError::EmptyClientId)));
}

fn refusal(preset: &str, site: &str, companion: Option<&str>) -> String {
    Init::new(&request(preset, site, companion))
        .unwrap_err()
        .to_string()
}

#[test]
fn bad_input_is_refused_in_words() {
    let unknown = refusal("myspace", SITE, None);
    assert!(unknown.contains("unknown preset \"myspace\""), "{unknown}");
    assert!(unknown.contains(&NAMES.join(", ")), "{unknown}");

    let http = refusal("github", "http://me.github.io/blog/", None);
    assert!(http.contains("plain http on \"me.github.io\""), "{http}");
    assert!(http.contains("use https"), "{http}");

    let query = refusal("github", "https://me.github.io/blog/?lang=en", None);
    assert!(query.starts_with("--site"), "{query}");
    assert!(query.contains("has a query (?lang=en)"), "{query}");

    let fragment = refusal("github", "https://me.github.io/blog/#top", None);
    assert!(fragment.contains("has a fragment (#top)"), "{fragment}");

    let path = refusal("github", SITE, Some("https://auth.example.org/latchkey"));
    assert!(path.starts_with("--companion"), "{path}");
    assert!(path.contains("has a path (/latchkey)"), "{path}");
    assert!(path.contains("is an origin"), "{path}");

    let plain = refusal("github", SITE, Some("http://auth.example.org"));
    assert!(
        plain.contains("plain http on \"auth.example.org\""),
        "{plain}"
    );

    let relative = refusal("github", "/blog/", None);
    assert!(relative.contains("is not an absolute URL"), "{relative}");

    let ftp = refusal("github", "ftp://me.github.io/", None);
    assert!(ftp.contains("must start with https://"), "{ftp}");
}

#[test]
fn existing_files_are_kept_unless_replacing_is_asked_for() {
    let dir = TempDir::new("init-exists");
    let first = Init::new(&request("gitlab", SITE, None)).unwrap();
    first.write(&dir.0, Overwrite::Refuse).unwrap();
    let second = Init::new(&request("github", SITE, None)).unwrap();
    let err = second.write(&dir.0, Overwrite::Refuse).unwrap_err();
    assert!(err.to_string().contains("--force"), "{err}");
    let kept = std::fs::read_to_string(dir.0.join("latchkey.toml")).unwrap();
    assert!(kept.contains("preset = \"gitlab\""));
    second.write(&dir.0, Overwrite::Replace).unwrap();
    let replaced = std::fs::read_to_string(dir.0.join("latchkey.toml")).unwrap();
    assert!(replaced.contains("preset = \"github\""));
}

#[test]
fn the_guide_names_the_urls_to_register_the_secret_variables_and_the_next_commands() {
    let toml = Path::new("out/latchkey.toml");
    let json = Path::new("out/latchkey.json");
    for name in NAMES {
        let init = Init::new(&request(name, SITE, Some(COMPANION))).unwrap();
        let guide = init.guide(toml, json);
        let registered = match init.config.providers[0].kind {
            ProviderKind::Browser(_) => format!("redirect URI:  {SITE}"),
            ProviderKind::OAuth1(_) => {
                format!("callback URL:  {COMPANION}/oauth1/{name}/callback")
            }
        };
        assert!(guide.contains(&registered), "{name}:\n{guide}");
        if let Some(var) = &init.plan.secret_env {
            assert!(guide.contains(&format!("     {var}  ")), "{name}:\n{guide}");
        }
        assert!(
            guide.contains("latchkey config check --config out/latchkey.toml"),
            "{name}:\n{guide}"
        );
        assert!(
            guide.contains("latchkey config export --config out/latchkey.toml > out/latchkey.json"),
            "{name}:\n{guide}"
        );
    }
}

#[test]
fn the_guide_says_which_secret_variable_and_when_the_companion_must_run() {
    let toml = Path::new("latchkey.toml");
    let json = Path::new("latchkey.json");
    let github = Init::new(&request("github", SITE, None)).unwrap();
    let guide = github.guide(toml, json);
    assert!(
        guide.contains("GITHUB_CLIENT_SECRET  GitHub's client secret"),
        "{guide}"
    );
    assert!(
        guide.contains("latchkey serve --config latchkey.toml"),
        "{guide}"
    );

    let x1 = Init::new(&request("x-oauth1", SITE, None)).unwrap();
    let guide = x1.guide(toml, json);
    assert!(
        guide.contains("X_CONSUMER_SECRET  X's consumer secret"),
        "{guide}"
    );
    assert!(guide.contains("LATCHKEY_COOKIE_KEY  "), "{guide}");
    assert!(
        guide.contains("callback URL:  https://me.github.io/oauth1/x-oauth1/callback"),
        "{guide}"
    );

    let gitlab = Init::new(&request("gitlab", SITE, None)).unwrap();
    let guide = gitlab.guide(toml, json);
    assert!(
        guide.contains("Secrets: none. GitLab talks to the browser alone"),
        "{guide}"
    );
    assert!(
        guide.contains("Publish latchkey.json on the site"),
        "{guide}"
    );
    assert!(guide.contains("GitLab needs no companion"), "{guide}");
}
