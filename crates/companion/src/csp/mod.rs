//! The app's Content-Security-Policy (CSP Level 3), from its public configuration.
//!
//! One policy, two deliveries: the companion sends it as a header on the app's HTML answers
//! (`routes::static_files`), and `latchkey csp-meta` writes it into a static host's
//! `index.html` as a `<meta http-equiv>` ([`meta`]). What each directive allows and why:
//!
//! - `script-src 'self' 'wasm-unsafe-eval'` and the SHA-256 of each inline script of the page
//!   ([`inline_scripts`]): the app's glue and wasm, and Trunk's inline module loader, nothing
//!   else; no `'unsafe-inline'`, no `'unsafe-eval'`.
//! - `connect-src 'self'` and the origin of everything the browser fetches from a provider:
//!   the issuer (discovery, and usually every endpoint), the token, userinfo, key-set,
//!   revocation and PAR endpoints written in the configuration, and the API base. A mediated
//!   provider's token, revocation and PAR calls go to the companion (`'self'`), so those are left
//!   out; OAuth 1.0a providers are reached only through the companion. An endpoint that only a
//!   discovery document names, on an origin of its own, must be written in the configuration
//!   to be reachable (Google's userinfo, at `openidconnect.googleapis.com`).
//! - `img-src 'self' data: https:` and the configured plain-http (loopback) provider origins:
//!   profile pictures come from whatever host a provider names (Google's and GitHub's content
//!   hosts), over https; images cannot run script.
//! - `style-src 'self'`: the app's one stylesheet; it sets no `style` attribute.
//! - `default-src 'self'`, `object-src 'none'`, `base-uri 'none'`, `form-action 'self'` (the
//!   API console's form never leaves the page; sign-in navigates with `location.assign`,
//!   which `form-action` does not govern).
//! - `frame-ancestors 'none'`, in the header only: browsers ignore it in a `<meta>` (and say
//!   so in the console), so a static host must send it as a header.

pub mod inline_scripts;
pub mod meta;

use latchkey_proto::public_config::{Protocol, PublicConfig};
use latchkey_proto::uri::Uri;

/// How the policy reaches the browser: some directives work only in a header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// A `Content-Security-Policy` response header: every directive.
    Header,
    /// A `<meta http-equiv="Content-Security-Policy">`: without `frame-ancestors`, which
    /// browsers ignore there.
    Meta,
}

/// The app's policy for one configuration; the page's inline scripts are added per page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppPolicy {
    connect_src: Vec<String>,
    img_src: Vec<String>,
}

impl AppPolicy {
    /// The policy for an app whose `/latchkey.json` is `config`.
    pub fn new(config: &PublicConfig) -> Self {
        let connect_src = provider_origins(config);
        let img_src = connect_src
            .iter()
            .filter(|o| o.starts_with("http://"))
            .cloned()
            .collect();
        AppPolicy {
            connect_src,
            img_src,
        }
    }

    /// The origins besides `'self'` the app may fetch from.
    pub fn connect_origins(&self) -> &[String] {
        &self.connect_src
    }

    /// The policy for the page `html`: its inline scripts' hashes join `script-src`.
    pub fn for_page(&self, html: &str, delivery: Delivery) -> String {
        let mut script_src = vec!["'self'".to_owned(), "'wasm-unsafe-eval'".to_owned()];
        script_src.extend(inline_scripts::script_hashes(html));
        let list = |first: &[&str], rest: &[String]| {
            first
                .iter()
                .map(|s| (*s).to_owned())
                .chain(rest.iter().cloned())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut directives = vec![
            "default-src 'self'".to_owned(),
            format!("script-src {}", script_src.join(" ")),
            format!("connect-src {}", list(&["'self'"], &self.connect_src)),
            format!(
                "img-src {}",
                list(&["'self'", "data:", "https:"], &self.img_src)
            ),
            "style-src 'self'".to_owned(),
            "object-src 'none'".to_owned(),
            "base-uri 'none'".to_owned(),
            "form-action 'self'".to_owned(),
        ];
        if delivery == Delivery::Header {
            directives.push("frame-ancestors 'none'".to_owned());
        }
        directives.join("; ")
    }
}

/// The origins of everything the browser fetches from providers, in configuration order,
/// each once. URLs that are not absolute (a hand-written file may hold a relative one) are
/// the page's own origin, already `'self'`.
fn provider_origins(config: &PublicConfig) -> Vec<String> {
    let mut origins: Vec<String> = Vec::new();
    for p in &config.providers {
        if p.protocol == Protocol::Oauth1 {
            continue;
        }
        let e = &p.endpoints;
        let via_companion = |url: &Option<String>| {
            if p.token_via_companion {
                None
            } else {
                url.clone()
            }
        };
        let urls = [
            p.issuer.clone(),
            via_companion(&e.token_endpoint),
            e.userinfo_endpoint.clone(),
            e.jwks_uri.clone(),
            via_companion(&e.revocation_endpoint),
            via_companion(&e.pushed_authorization_request_endpoint),
            p.api_base.clone(),
        ];
        for url in urls.iter().flatten() {
            if let Some(origin) = origin_of(url) {
                if !origins.contains(&origin) {
                    origins.push(origin);
                }
            }
        }
    }
    origins
}

/// `scheme://host[:port]` of an absolute http(s) URL, lowercased, without a default port.
fn origin_of(url: &str) -> Option<String> {
    let uri = Uri::parse(url).ok()?;
    let scheme = uri.scheme().to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let host = uri.host().to_ascii_lowercase();
    Some(match uri.port() {
        Some(port) if Some(port) != uri.default_port() => format!("{scheme}://{host}:{port}"),
        _ => format!("{scheme}://{host}"),
    })
}

#[cfg(test)]
mod tests;
