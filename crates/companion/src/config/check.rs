//! The semantic checks: what TOML's grammar cannot say.

mod dpop_par;
mod limits;
mod mediation;
mod oauth1;
mod preset;

use latchkey_proto::public_config::{is_valid_id, Endpoints, Protocol, SessionStorage};
use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use toml::Spanned;

use super::raw::{RawConfig, RawProvider, RawServer, S};
use super::{BrowserProvider, Config, Located, Pos, Problem, Provider, ProviderKind, ServerConfig};
use latchkey_proto::redirect_uri::is_loopback;

/// Collects problems while the checks run, so the author sees all of them at once.
struct Checker<'t> {
    text: &'t str,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    fn pos<T>(&self, s: &Spanned<T>) -> Option<Pos> {
        Some(Pos::of(self.text, s.span().start))
    }

    fn at<T>(&mut self, s: &Spanned<T>, message: String) {
        let pos = self.pos(s);
        self.problems.push(Problem { pos, message });
    }

    fn located<T: Clone, U>(&self, s: &Spanned<U>, value: T) -> Located<T> {
        Located {
            value,
            pos: self.pos(s),
        }
    }

    /// An absolute `http(s)` URL with a host.
    fn url(&mut self, what: &str, s: &S) -> Option<String> {
        match http_url(s.get_ref()) {
            Ok(()) => Some(s.get_ref().clone()),
            Err(why) => {
                self.at(s, format!("{what} {:?} {why}", s.get_ref()));
                None
            }
        }
    }

    fn opt_url(&mut self, what: &str, s: &Option<S>) -> Option<String> {
        s.as_ref().and_then(|s| self.url(what, s))
    }

    /// An origin: scheme, host and optional port, nothing else. Returned without a trailing slash.
    fn origin(&mut self, what: &str, s: &S) -> Option<String> {
        let v = s.get_ref();
        if let Err(why) = http_url(v) {
            self.at(s, format!("{what} {v:?} {why}"));
            return None;
        }
        let trimmed = v.strip_suffix('/').unwrap_or(v);
        let after_scheme = trimmed.split_once("://").map_or("", |(_, rest)| rest);
        if after_scheme.contains(['/', '?', '#']) {
            self.at(s, format!("{what} {v:?} must be an origin without a path, query or fragment (like \"https://example.org\")"));
            return None;
        }
        Some(trimmed.to_owned())
    }
}

/// Checks that `v` is an absolute http or https URL with a host.
fn http_url(v: &str) -> Result<(), &'static str> {
    let uri: http::Uri = v.parse().map_err(|_| "is not a valid URL")?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        _ => return Err("must start with http:// or https://"),
    }
    match uri.authority() {
        // Plain http only where nothing crosses a network: off loopback, cookies lose
        // `Secure` and `__Host-`, and codes, tokens and secrets travel in the clear
        // (issue 19, finding 12).
        Some(a) if uri.scheme_str() == Some("http") && !is_loopback(a.host()) => {
            Err("uses plain http on a host that is not loopback; use https (http is accepted only on 127.0.0.0/8, [::1] and localhost)")
        }
        Some(a) if !a.host().is_empty() && !a.as_str().contains('@') => Ok(()),
        Some(_) => Err("must name a host and no user information"),
        None => Err("must name a host"),
    }
}

pub(super) fn check(text: &str, raw: RawConfig) -> Result<Config, Vec<Problem>> {
    let mut c = Checker {
        text,
        problems: Vec::new(),
    };
    let server = check_server(&mut c, raw.server.get_ref());
    let mut seen = HashSet::new();
    let mut providers = Vec::new();
    for p in &raw.provider {
        let id = p.get_ref().id.get_ref();
        if !seen.insert(id.clone()) {
            c.at(
                &p.get_ref().id,
                format!("provider id {id:?} is used twice; ids must be unique"),
            );
        }
        if let Some(p) = check_provider(&mut c, p.get_ref()) {
            providers.push(p);
        }
    }
    if !raw.server.get_ref().allowed_origins.is_empty() {
        for p in &raw.provider {
            let p = p.get_ref();
            if let Some(v) = p
                .refresh_token_in
                .as_ref()
                .filter(|v| v.get_ref() == "companion")
            {
                c.at(v, format!(
                    "provider {:?}: refresh_token_in = \"companion\" keeps the refresh token in the companion's cookie, which browsers withhold from pages on another site (third-party cookies); with `allowed_origins` set, use \"browser\"",
                    p.id.get_ref()
                ));
            }
        }
    }
    match (server, c.problems.is_empty()) {
        (Some(server), true) => Ok(Config { server, providers }),
        _ => Err(c.problems),
    }
}

fn check_server(c: &mut Checker, s: &RawServer) -> Option<ServerConfig> {
    let listen = match s.listen.get_ref().parse::<SocketAddr>() {
        Ok(a) => Some(a),
        Err(_) => {
            c.at(
                &s.listen,
                format!(
                    "listen {:?} is not an IP address and port (like \"127.0.0.1:8080\")",
                    s.listen.get_ref()
                ),
            );
            None
        }
    };
    let public_url = c.origin("public_url", &s.public_url);
    let mut allowed_origins = Vec::new();
    for o in &s.allowed_origins {
        if let Some(o) = c.origin("allowed_origins entry", o) {
            allowed_origins.push(o);
        }
    }
    if s.static_dir.get_ref().is_empty() {
        c.at(&s.static_dir, "static_dir must not be empty".to_owned());
    }
    let cookie_key_file = s
        .cookie_key_file
        .as_ref()
        .map(|f| c.located(f, PathBuf::from(f.get_ref())));
    let previous_cookie_keys_file = s
        .previous_cookie_keys_file
        .as_ref()
        .map(|f| c.located(f, PathBuf::from(f.get_ref())));
    let token_rate = limits::token_rate(c, s);
    let api_rate = limits::api_rate(c, s);
    let proxy_trust = limits::proxy_trust(c, s);
    let upstream_timeout = limits::upstream_timeout(c, s);
    Some(ServerConfig {
        upstream_timeout: upstream_timeout?,
        token_rate: token_rate?,
        api_rate: api_rate?,
        proxy_trust: proxy_trust?,
        listen: listen?,
        public_url: public_url?,
        static_dir: PathBuf::from(s.static_dir.get_ref()),
        allowed_origins,
        cookie_key_file,
        previous_cookie_keys_file,
    })
}

fn check_provider(c: &mut Checker, p: &RawProvider) -> Option<Provider> {
    let expanded = preset::expand(c, p).ok()?;
    let p = expanded.as_ref().unwrap_or(p);
    let id = p.id.get_ref().clone();
    let mut ok = true;
    if !is_valid_id(&id) {
        c.at(
            &p.id,
            format!(
                "provider id {id:?} must be non-empty and use only letters, digits, '-' and '_'"
            ),
        );
        ok = false;
    }
    if p.name.get_ref().trim().is_empty() {
        c.at(&p.name, format!("provider {id:?}: name must not be empty"));
        ok = false;
    }
    let api_base = match &p.api_base {
        Some(s) => {
            let u = c.url(&format!("provider {id:?}: api_base"), s);
            match u {
                Some(u) if !u.ends_with('/') => {
                    c.at(
                        s,
                        format!(
                            "provider {id:?}: api_base {u:?} must end with '/' (write \"{u}/\")"
                        ),
                    );
                    None
                }
                Some(u) if u.contains(['?', '#']) => {
                    c.at(
                        s,
                        format!(
                            "provider {id:?}: api_base {u:?} must not have a query or fragment"
                        ),
                    );
                    None
                }
                Some(u) => Some(u),
                None => {
                    ok = false;
                    None
                }
            }
        }
        None => None,
    };
    if p.api_base.is_some() && api_base.is_none() {
        ok = false;
    }
    let kind = match p.protocol.get_ref().as_str() {
        "oauth2" => browser(c, p, &id, Protocol::Oauth2).map(ProviderKind::Browser),
        "oidc" => browser(c, p, &id, Protocol::Oidc).map(ProviderKind::Browser),
        "oauth1" => oauth1::oauth1(c, p, &id).map(ProviderKind::OAuth1),
        other => {
            c.at(&p.protocol, format!("provider {id:?}: protocol {other:?} is not one of \"oauth2\", \"oidc\", \"oauth1\""));
            None
        }
    };
    let kind = kind?;
    ok.then_some(Provider {
        id,
        name: p.name.get_ref().clone(),
        api_base,
        kind,
    })
}

/// Keys that belong to another protocol are an error rather than silently ignored: the
/// author believes they do something.
fn refuse<T>(c: &mut Checker, id: &str, protocol: &str, key: &str, v: &Option<Spanned<T>>) -> bool {
    match v {
        Some(s) => {
            c.at(
                s,
                format!("provider {id:?}: key `{key}` does not apply to protocol {protocol:?}"),
            );
            false
        }
        None => true,
    }
}

fn browser(
    c: &mut Checker,
    p: &RawProvider,
    id: &str,
    protocol: Protocol,
) -> Option<BrowserProvider> {
    let name = if protocol == Protocol::Oidc {
        "oidc"
    } else {
        "oauth2"
    };
    let mut ok = true;
    ok &= refuse(c, id, name, "request_token_url", &p.request_token_url);
    ok &= refuse(c, id, name, "authorize_url", &p.authorize_url);
    ok &= refuse(c, id, name, "access_token_url", &p.access_token_url);
    ok &= refuse(c, id, name, "consumer_key", &p.consumer_key);
    ok &= refuse(c, id, name, "consumer_secret_env", &p.consumer_secret_env);
    ok &= refuse(c, id, name, "consumer_secret_file", &p.consumer_secret_file);
    ok &= refuse(c, id, name, "rsa_key_file", &p.rsa_key_file);
    ok &= refuse(c, id, name, "signature_method", &p.signature_method);

    let what = |k: &str| format!("provider {id:?}: {k}");
    let issuer = c.opt_url(&what("issuer"), &p.issuer);
    let endpoints = Endpoints {
        authorization_endpoint: c
            .opt_url(&what("authorization_endpoint"), &p.authorization_endpoint),
        token_endpoint: c.opt_url(&what("token_endpoint"), &p.token_endpoint),
        userinfo_endpoint: c.opt_url(&what("userinfo_endpoint"), &p.userinfo_endpoint),
        revocation_endpoint: c.opt_url(&what("revocation_endpoint"), &p.revocation_endpoint),
        end_session_endpoint: c.opt_url(&what("end_session_endpoint"), &p.end_session_endpoint),
        jwks_uri: c.opt_url(&what("jwks_uri"), &p.jwks_uri),
        pushed_authorization_request_endpoint: c.opt_url(
            &what("pushed_authorization_request_endpoint"),
            &p.pushed_authorization_request_endpoint,
        ),
    };
    let all_urls_ok = [
        (&p.issuer, &issuer),
        (&p.authorization_endpoint, &endpoints.authorization_endpoint),
        (&p.token_endpoint, &endpoints.token_endpoint),
        (&p.userinfo_endpoint, &endpoints.userinfo_endpoint),
        (&p.revocation_endpoint, &endpoints.revocation_endpoint),
        (&p.end_session_endpoint, &endpoints.end_session_endpoint),
        (&p.jwks_uri, &endpoints.jwks_uri),
        (
            &p.pushed_authorization_request_endpoint,
            &endpoints.pushed_authorization_request_endpoint,
        ),
    ]
    .iter()
    .all(|(raw, parsed)| raw.is_some() == parsed.is_some());
    ok &= all_urls_ok;
    let redirect_uri = redirect_uri(c, p, id, protocol);
    ok &= redirect_uri.is_ok();
    let authorize_params = authorize_params(c, p, id);
    ok &= authorize_params.is_some();

    match protocol {
        Protocol::Oidc if p.issuer.is_none() => {
            c.at(&p.protocol, format!("provider {id:?}: protocol \"oidc\" needs `issuer` (ID tokens are checked against it)"));
            ok = false;
        }
        Protocol::Oauth2
            if p.issuer.is_none()
                && (p.authorization_endpoint.is_none() || p.token_endpoint.is_none()) =>
        {
            c.at(
                &p.protocol,
                format!("provider {id:?}: protocol \"oauth2\" needs `issuer` (for discovery) or both `authorization_endpoint` and `token_endpoint`"),
            );
            ok = false;
        }
        _ => {}
    }
    let client_id = match &p.client_id {
        Some(s) if !s.get_ref().is_empty() => Some(s.get_ref().clone()),
        Some(s) => {
            c.at(s, format!("provider {id:?}: client_id must not be empty"));
            None
        }
        None => {
            c.at(
                &p.protocol,
                format!("provider {id:?}: protocol {name:?} needs `client_id`"),
            );
            None
        }
    };
    let session_storage = match &p.session_storage {
        None => Some(SessionStorage::default()),
        Some(s) => match s.get_ref().as_str() {
            "memory" => Some(SessionStorage::Memory),
            "tab" => Some(SessionStorage::Tab),
            "browser" => Some(SessionStorage::Browser),
            other => {
                c.at(s, format!("provider {id:?}: session_storage {other:?} is not one of \"memory\", \"tab\", \"browser\""));
                None
            }
        },
    };
    let scopes = p
        .scopes
        .as_ref()
        .map(|s| s.get_ref().clone())
        .unwrap_or_default();
    if let Some(s) = &p.scopes {
        if let Some(bad) = s
            .get_ref()
            .iter()
            .find(|v| v.is_empty() || v.contains(char::is_whitespace))
        {
            c.at(s, format!("provider {id:?}: scope {bad:?} must be non-empty without spaces (one scope per entry)"));
            ok = false;
        }
    }
    let mediation = mediation::mediation(c, p, id);
    ok &= mediation.is_ok();
    let (dpop, par) = dpop_par::keys(c, p, id)?;
    let b = BrowserProvider {
        mediation: mediation.ok().flatten(),
        protocol,
        issuer,
        client_id: client_id?,
        scopes,
        endpoints,
        redirect_uri: redirect_uri.ok().flatten(),
        authorize_params: authorize_params.unwrap_or_default(),
        session_storage: session_storage?,
        dpop,
        par,
    };
    ok.then_some(b)
}

/// `authorize_params`: names the protocol sets itself (`state`, `nonce`, the PKCE pair,
/// `redirect_uri`, `client_id`, `response_type`, `scope`) are refused, as are empty names and
/// values. `None` after a problem.
fn authorize_params(
    c: &mut Checker,
    p: &RawProvider,
    id: &str,
) -> Option<std::collections::BTreeMap<String, String>> {
    let Some(params) = &p.authorize_params else {
        return Some(Default::default());
    };
    let mut ok = true;
    for (name, value) in params.get_ref() {
        if latchkey_proto::authorize::RESERVED.contains(&name.as_str()) {
            c.at(params, format!("provider {id:?}: authorize_params may not set {name:?}: Latchkey sets it for every sign-in (state, nonce, code_challenge, code_challenge_method, redirect_uri, client_id, response_type and scope are the protocol's; use `scopes` for scope)"));
            ok = false;
        } else if name.trim().is_empty() || value.trim().is_empty() {
            c.at(
                params,
                format!(
                    "provider {id:?}: authorize_params needs a name and a value for each entry"
                ),
            );
            ok = false;
        } else if name == "max_age"
            && latchkey_proto::authorize::max_age(&[("max_age", value)]).is_err()
        {
            c.at(
                params,
                format!("provider {id:?}: authorize_params max_age must be a whole number of seconds (\"300\"), not {value:?}: sign-in would refuse it"),
            );
            ok = false;
        }
    }
    ok.then(|| params.get_ref().clone())
}

/// `redirect_uri`, under the policy the app applies too ([`latchkey_proto::redirect_uri::check`]),
/// so that `config check` refuses what sign-in would refuse. `Err`: a problem was reported.
fn redirect_uri(
    c: &mut Checker,
    p: &RawProvider,
    id: &str,
    protocol: Protocol,
) -> Result<Option<String>, ()> {
    let Some(s) = &p.redirect_uri else {
        return Ok(None);
    };
    match latchkey_proto::redirect_uri::check(protocol, id, s.get_ref()) {
        Ok(()) => Ok(Some(s.get_ref().clone())),
        Err(e) => {
            c.at(
                s,
                format!("provider {id:?}: redirect_uri {:?} {e}", s.get_ref()),
            );
            Err(())
        }
    }
}
