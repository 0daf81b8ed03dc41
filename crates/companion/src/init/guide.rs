//! What `latchkey init` prints: what to register at the provider, which environment variable
//! holds which secret, where `latchkey.json` goes and the commands to run next.

use std::path::Path;

use latchkey_proto::public_config::Protocol;

use super::Init;
use crate::secrets::COOKIE_KEY_ENV;
use crate::startup::{summary, CompanionRole, Register};

impl Init {
    /// The guide printed after the files are written to `toml_path` and `json_path`.
    pub fn guide(&self, toml_path: &Path, json_path: &Path) -> String {
        let plan = &self.plan;
        let name = plan.preset.provider;
        let toml = toml_path.display();
        let json = json_path.display();
        // The one provider the files hold; `summary` is what `latchkey serve` logs too.
        let summaries = summary(&self.config);
        let mut out = String::new();
        let mut line = |s: String| {
            out.push_str(&s);
            out.push('\n');
        };
        let where_ = match &plan.companion {
            Some(c) => format!("the companion at {c}"),
            None => format!("the companion on the site's origin, {}", plan.site_origin),
        };
        line(format!(
            "Wrote {toml} and {json} for {name}, the site {} and {where_}.",
            plan.site
        ));
        line(String::new());

        line(format!(
            "1. Register the app at {name} (docs/providers.md says where):"
        ));
        let mut role = CompanionRole::None;
        for s in &summaries {
            role = s.companion;
            match &s.register {
                Register::RedirectUri(uri) => {
                    line(format!("     redirect URI:  {uri}"));
                    line(
                        "   The provider sends visitors back to that page, so it must load latchkey.js: the\n   \
                         embed finishes the sign-in on any page that loads it."
                            .to_owned(),
                    );
                }
                Register::OAuth1Callback(uri) => {
                    line(format!("     callback URL:  {uri}"));
                    line(
                        "   That is the companion's own route: it finishes the OAuth 1.0a sign-in and sends the\n   \
                         visitor back to the page where they clicked \"Sign in\"."
                            .to_owned(),
                    );
                }
            }
        }
        if !plan.client_id_known {
            let (what, key) = match plan.preset.protocol {
                Protocol::Oauth1 => ("consumer key", "consumer_key"),
                _ => ("client id", "client_id"),
            };
            line(format!(
                "   {name} then shows a {what}: run this init again with --client-id <it> --force,\n   \
                 or write it in {toml} ({key}, now \"{}\") and latchkey.json again:",
                plan.client_id
            ));
            line(format!(
                "     latchkey config export --config {toml} > {json}"
            ));
        }
        line(String::new());

        let mut secrets = Vec::new();
        if let Some(var) = &plan.secret_env {
            let what = match plan.preset.protocol {
                Protocol::Oauth1 => "consumer secret",
                _ => "client secret",
            };
            secrets.push(format!("     {var}  {name}'s {what}"));
        }
        if role == CompanionRole::OAuth1 {
            secrets.push(format!(
                "     {COOKIE_KEY_ENV}  the companion's cookie key: `latchkey config new-key` prints one"
            ));
        }
        if secrets.is_empty() {
            line(format!(
                "2. Secrets: none. {name} talks to the browser alone (a public client with PKCE)."
            ));
        } else {
            line(
                "2. Secrets: set them in the companion's environment (docs/deploy.md reads them from\n   \
                 files with systemd); never in these files or on a command line."
                    .to_owned(),
            );
            secrets.into_iter().for_each(&mut line);
        }
        line(String::new());

        // On a static host (a separate companion, or none needed) latchkey.json is published
        // with the site; on the same origin the companion serves the site and the file.
        if plan.companion.is_some() || role == CompanionRole::None {
            line(format!(
                "3. Publish {json} on the site beside latchkey.js (docs/embed.md), for example\n   \
                 {}latchkey/latchkey.json.",
                plan.site
            ));
        } else {
            let relative = if Path::new(&plan.static_dir).is_relative() {
                ", relative to the folder it runs in"
            } else {
                ""
            };
            line(format!(
                "3. The companion serves the site from static_dir ({:?}{relative}):\n   \
                 put the site's files there, with {json} beside latchkey.js (docs/embed.md).",
                plan.static_dir
            ));
        }
        line(String::new());

        let check = format!("latchkey config check --config {toml}");
        let serve = format!("latchkey serve --config {toml}");
        match (role, &plan.companion) {
            (CompanionRole::None, None) => {
                line(format!(
                    "4. {name} needs no companion: the static site alone works. Check the configuration:"
                ));
                line(format!("     {check}"));
                line(format!(
                    "   and run `{serve}` only to have the companion serve the site itself."
                ));
            }
            _ => {
                line(format!(
                    "4. Check the configuration, then start the companion at {} behind TLS\n   \
                     (docs/deploy.md):",
                    self.public_url()
                ));
                line(format!("     {check}"));
                line(format!("     {serve}"));
            }
        }
        out
    }
}
