//! `latchkey init`: a first `latchkey.toml` and `latchkey.json` for one site and one provider
//! preset, and the words that say what to register where ([`Init::guide`]).
//!
//! Two deployments, chosen by whether a companion URL is given:
//! - **same origin** (no `--companion`): the companion serves the site, so `public_url` is the
//!   site's origin and no other origin is allowed;
//! - **separate companion**: `public_url` is the companion's origin and the site's origin goes
//!   into `[server] allowed_origins`, so the export names the companion (`"companion"` in
//!   `latchkey.json`) and the embed sends its companion calls there.
//!
//! Either way each OAuth 2.0 / OIDC provider's `redirect_uri` is **the site URL itself**: the
//! embed finishes a sign-in on any page that loads it, the site's own page certainly exists
//! on a static host (`<public_url>/callback/<id>` would be a 404 there), and the PKCE verifier
//! lives in that origin's storage. With one provider there is no second redirect URI to keep
//! apart from it (the mix-up defence of RFC 9700 §4.4.2 wants one page per provider).
//!
//! The TOML is checked with [`Config::parse`] before anything is written, and `latchkey.json`
//! is that configuration's [`Config::export_json`], exactly what `latchkey config export`
//! prints, so the two files cannot disagree.

mod guide;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use latchkey_proto::preset::{self, Preset, PresetError};
use latchkey_proto::public_config::Protocol;
use latchkey_proto::redirect_uri::is_loopback;
use latchkey_proto::uri::{Uri, UriError};

use crate::config::{Config, Problem};

/// What `latchkey init` was asked for.
#[derive(Debug, Clone)]
pub struct InitRequest<'a> {
    /// The preset's name (`latchkey_proto::preset::NAMES`).
    pub preset: &'a str,
    /// The site's URL, the page the provider returns to: `https://me.github.io/blog/`.
    pub site: &'a str,
    /// The companion's origin when it runs apart from the site: `https://auth.example.org`.
    pub companion: Option<&'a str>,
    /// The client id (OAuth 2.0 / OIDC) or consumer key (OAuth 1.0a), when already known.
    pub client_id: Option<&'a str>,
    /// `[server] static_dir`: what the companion serves at `public_url`.
    pub static_dir: &'a str,
}

/// Why `latchkey init` refused its input.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InitError {
    /// An unknown preset name; the message lists the known ones.
    #[error("--preset: {0}")]
    Preset(#[from] PresetError),
    /// The site URL cannot be the page the provider returns to.
    #[error("--site {url:?} {problem}")]
    Site {
        /// As given.
        url: String,
        /// What is wrong with it.
        problem: UrlProblem,
    },
    /// The companion URL is not an origin the browser can reach safely.
    #[error("--companion {url:?} {problem}")]
    Companion {
        /// As given.
        url: String,
        /// What is wrong with it.
        problem: UrlProblem,
    },
    /// `--client-id` is empty.
    #[error("--client-id must not be empty (leave it out to fill it in later)")]
    EmptyClientId,
    /// The written configuration fails its own check: a bug in `init`, or a value (the client
    /// id) the check refuses.
    #[error("the configuration init would write does not pass `config check`: {}", join(.0))]
    Written(Vec<Problem>),
    /// `latchkey.json` could not be serialised.
    #[error("cannot write latchkey.json: {0}")]
    Json(#[from] serde_json::Error),
}

fn join(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// What is wrong with a URL given to `init`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UrlProblem {
    /// Not an absolute URL.
    #[error("is not an absolute URL: {0}")]
    Invalid(UriError),
    /// A scheme other than `http` or `https`.
    #[error("must start with https://")]
    NotHttp,
    /// Plain `http` off loopback: codes and cookies would cross the network in the clear.
    #[error("uses plain http on {host:?}, which is not a loopback host; use https (http is accepted only on 127.0.0.0/8, [::1] and localhost, for trying things out)")]
    PlainHttp {
        /// The host as written.
        host: String,
    },
    /// A query: the site URL becomes the redirect URI, where the provider adds its own.
    #[error("has a query (?{0}); give the page's address without one, since the provider appends its answer there")]
    Query(String),
    /// A fragment, which a redirect URI must not have (RFC 6749 §3.1.2).
    #[error("has a fragment (#{0}); give the page's address without one (RFC 6749 §3.1.2 forbids it in a redirect URI)")]
    Fragment(String),
    /// A path on the companion URL, which must be an origin.
    #[error("has a path ({0}); the companion's URL is an origin, like \"https://auth.example.org\" (the companion answers at its root)")]
    Path(String),
}

/// The checked URL: its origin (`scheme://host[:port]`, lower-case, no default port) and,
/// for the site, the page (an empty path written as `/`).
struct Checked {
    origin: String,
    page: String,
}

fn check_url(url: &str, allow_path: bool) -> Result<Checked, UrlProblem> {
    let uri = Uri::parse(url).map_err(UrlProblem::Invalid)?;
    let scheme = uri.scheme().to_ascii_lowercase();
    match scheme.as_str() {
        "https" => {}
        "http" if is_loopback(uri.host()) => {}
        "http" => {
            return Err(UrlProblem::PlainHttp {
                host: uri.host().to_owned(),
            })
        }
        _ => return Err(UrlProblem::NotHttp),
    }
    if let Some(q) = uri.query() {
        return Err(UrlProblem::Query(q.to_owned()));
    }
    if let Some(f) = uri.fragment() {
        return Err(UrlProblem::Fragment(f.to_owned()));
    }
    if !allow_path && !matches!(uri.path(), "" | "/") {
        return Err(UrlProblem::Path(uri.path().to_owned()));
    }
    let port = match uri.port() {
        Some(p) if Some(p) != uri.default_port() => format!(":{p}"),
        _ => String::new(),
    };
    let origin = format!("{scheme}://{}{port}", uri.host().to_ascii_lowercase());
    let page = match uri.path() {
        "" => format!("{origin}/"),
        path => format!("{origin}{path}"),
    };
    Ok(Checked { origin, page })
}

/// The choices `init` made, from which the files and the guide are written.
#[derive(Debug)]
struct Plan {
    preset: Preset,
    /// The provider's id in the written files (the preset's name).
    id: String,
    /// The page the provider returns to (OAuth 2.0 / OIDC): the site URL.
    site: String,
    /// The site's origin.
    site_origin: String,
    /// The companion's origin when it is not the site's.
    companion: Option<String>,
    /// The client id or consumer key as written (a placeholder when not given).
    client_id: String,
    /// Whether `--client-id` was given.
    client_id_known: bool,
    /// `[server] static_dir` as written.
    static_dir: String,
    /// The environment variable the preset's secret is read from, if it has one.
    secret_env: Option<String>,
}

/// Everything `init` writes and says, built before anything touches the disk.
#[derive(Debug)]
pub struct Init {
    plan: Plan,
    /// `latchkey.toml`.
    pub toml: String,
    /// `latchkey.json`: the export of [`Init::config`].
    pub json: String,
    /// The written TOML, parsed and checked.
    pub config: Config,
}

/// Stands in for the client id until the provider has issued one; `config check` accepts it,
/// the provider will not, and the guide says to replace it.
pub const CLIENT_ID_PLACEHOLDER: &str = "PASTE-THE-CLIENT-ID-HERE";
/// The same, for an OAuth 1.0a consumer key.
pub const CONSUMER_KEY_PLACEHOLDER: &str = "PASTE-THE-CONSUMER-KEY-HERE";

/// A TOML string literal.
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

/// The environment variable for the preset's secret: `GITHUB_CLIENT_SECRET`,
/// `X_CONSUMER_SECRET` (for `x-oauth1`), the names `docs/providers.md` uses. `None` for a
/// provider that keeps no secret (the browser talks to it alone).
fn secret_env(preset: &Preset) -> Option<String> {
    let stem = preset
        .name
        .split('-')
        .next()
        .unwrap_or(preset.name)
        .to_ascii_uppercase();
    match preset.protocol {
        Protocol::Oauth1 => Some(format!("{stem}_CONSUMER_SECRET")),
        _ if preset.token_via_companion => Some(format!("{stem}_CLIENT_SECRET")),
        _ => None,
    }
}

impl Init {
    /// Checks the request and builds both files.
    pub fn new(req: &InitRequest<'_>) -> Result<Init, InitError> {
        let preset = preset::lookup(req.preset, None)?;
        let site = check_url(req.site, true).map_err(|problem| InitError::Site {
            url: req.site.to_owned(),
            problem,
        })?;
        let companion = match req.companion {
            None => None,
            Some(url) => {
                let c = check_url(url, false).map_err(|problem| InitError::Companion {
                    url: url.to_owned(),
                    problem,
                })?;
                // A companion at the site's own origin is the same-origin deployment.
                (c.origin != site.origin).then_some(c.origin)
            }
        };
        let client_id = match req.client_id {
            Some("") => return Err(InitError::EmptyClientId),
            Some(id) => id,
            None if preset.protocol == Protocol::Oauth1 => CONSUMER_KEY_PLACEHOLDER,
            None => CLIENT_ID_PLACEHOLDER,
        };
        let plan = Plan {
            id: preset.name.to_owned(),
            secret_env: secret_env(&preset),
            preset,
            site: site.page,
            site_origin: site.origin,
            companion,
            client_id: client_id.to_owned(),
            client_id_known: req.client_id.is_some(),
            static_dir: req.static_dir.to_owned(),
        };
        let toml = plan.toml();
        let config = Config::parse(&toml).map_err(InitError::Written)?;
        let json = config.export_json()?;
        Ok(Init {
            plan,
            toml,
            json,
            config,
        })
    }

    /// The origin the companion answers at (`public_url`).
    pub fn public_url(&self) -> &str {
        self.plan.public_url()
    }
    /// Writes `latchkey.toml` and `latchkey.json` into `out` (created if missing) and returns
    /// their paths. Existing files are replaced only with [`Overwrite::Replace`].
    pub fn write(
        &self,
        out: &Path,
        overwrite: Overwrite,
    ) -> Result<(PathBuf, PathBuf), WriteError> {
        let toml_path = out.join("latchkey.toml");
        let json_path = out.join("latchkey.json");
        if overwrite == Overwrite::Refuse {
            for path in [&toml_path, &json_path] {
                if path.exists() {
                    return Err(WriteError::Exists { path: path.clone() });
                }
            }
        }
        std::fs::create_dir_all(out).map_err(|source| WriteError::Io {
            path: out.to_owned(),
            source,
        })?;
        for (path, text) in [(&toml_path, &self.toml), (&json_path, &self.json)] {
            std::fs::write(path, format!("{}\n", text.trim_end())).map_err(|source| {
                WriteError::Io {
                    path: path.clone(),
                    source,
                }
            })?;
        }
        Ok((toml_path, json_path))
    }
}

impl Plan {
    /// The origin the companion answers at (`public_url`).
    fn public_url(&self) -> &str {
        self.companion.as_deref().unwrap_or(&self.site_origin)
    }

    fn toml(&self) -> String {
        let client_id = self.client_id.as_str();
        let p = &self.preset;
        let mut t = String::new();
        t.push_str(&format!(
            "# latchkey.toml for {}, written by `latchkey init --preset {}`.\n\
             # Every key is explained in examples/latchkey.toml; `latchkey config check` checks\n\
             # this file. Secrets never go here: they are read from the environment or a file.\n\n",
            self.site, p.name
        ));
        t.push_str("[server]\n");
        t.push_str(
            "# Where the companion listens; a reverse proxy with TLS forwards public_url here.\n",
        );
        t.push_str("listen = \"127.0.0.1:8080\"\n");
        match &self.companion {
            None => t.push_str(
                "# The site's own origin: the companion serves the site (same origin).\n",
            ),
            Some(_) => t.push_str("# The companion's own origin, apart from the site's.\n"),
        }
        t.push_str(&format!("public_url = {}\n", quoted(self.public_url())));
        t.push_str(
            "# The files served at public_url (relative to the directory `latchkey serve` runs in).\n",
        );
        t.push_str(&format!("static_dir = {}\n", quoted(&self.static_dir)));
        if self.companion.is_some() {
            t.push_str("# The site, which calls the companion from its own origin.\n");
            t.push_str(&format!(
                "allowed_origins = [{}]\n",
                quoted(&self.site_origin)
            ));
        }
        t.push_str(&format!(
            "\n[[provider]]\nid = {}\npreset = {}\n",
            quoted(&self.id),
            quoted(p.name)
        ));
        if p.protocol == Protocol::Oauth1 {
            t.push_str("# The consumer key the provider issues when you register the app.\n");
            t.push_str(&format!("consumer_key = {}\n", quoted(client_id)));
        } else {
            t.push_str("# The client id the provider issues when you register the app.\n");
            t.push_str(&format!("client_id = {}\n", quoted(client_id)));
            t.push_str(
                "# The page the provider returns to: the site itself (any page that loads\n\
                 # latchkey.js finishes the sign-in). Register exactly this at the provider.\n",
            );
            t.push_str(&format!("redirect_uri = {}\n", quoted(&self.site)));
        }
        if let Some(var) = &self.secret_env {
            let key = match p.protocol {
                Protocol::Oauth1 => "consumer_secret_env",
                _ => "client_secret_env",
            };
            t.push_str(
                "# The secret is read from this environment variable (or use *_secret_file).\n",
            );
            t.push_str(&format!("{key} = {}\n", quoted(var)));
        }
        t
    }
}

/// Whether [`Init::write`] may replace files that exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overwrite {
    /// Stop when `latchkey.toml` or `latchkey.json` is already there.
    Refuse,
    /// Replace them (`--force`).
    Replace,
}

/// Why [`Init::write`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// A file would be replaced without `--force`.
    #[error("{} exists; remove it, choose another --out, or pass --force to replace it", path.display())]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// The disk refused.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}
