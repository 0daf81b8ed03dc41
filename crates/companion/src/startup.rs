//! What each provider needs from the person deploying: the URL to register at the provider
//! and whether the companion must run for it. `latchkey serve` logs it at start-up and
//! `latchkey init` prints it, from the same [`summary`].

use std::fmt;

use crate::config::{Config, OAuth1Provider, ProviderKind, SecretSource};

/// Why a provider needs the companion at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompanionRole {
    /// It does not: the browser runs the whole flow against the provider.
    None,
    /// Token mediation: the companion adds the client secret to the code exchange, refresh
    /// and revocation (`token_via_companion = true`).
    TokenMediation,
    /// OAuth 1.0a: the companion runs both legs and signs every API request.
    OAuth1,
}

/// The URL to register at the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Register {
    /// OAuth 2.0 / OIDC: the redirect URI (the provider's `redirect_uri`, else
    /// `<public_url>/callback/<id>`).
    RedirectUri(String),
    /// OAuth 1.0a: the companion's `<public_url>/oauth1/<id>/callback`.
    OAuth1Callback(String),
}

impl Register {
    /// The URL itself.
    pub fn url(&self) -> &str {
        match self {
            Register::RedirectUri(u) | Register::OAuth1Callback(u) => u,
        }
    }
}

/// One provider's summary.
#[derive(Debug, Clone)]
pub struct ProviderSummary<'a> {
    /// The provider's id.
    pub id: &'a str,
    /// Its display name.
    pub name: &'a str,
    /// What to register at the provider.
    pub register: Register,
    /// Why it needs the companion, if it does.
    pub companion: CompanionRole,
    /// Where the companion reads this provider's secret (client or consumer secret, or RSA
    /// key); `None` when it has none.
    pub secret: Option<&'a SecretSource>,
}

/// One summary per provider, in file order.
pub fn summary(config: &Config) -> Vec<ProviderSummary<'_>> {
    config
        .providers
        .iter()
        .map(|p| match &p.kind {
            ProviderKind::Browser(b) => ProviderSummary {
                id: &p.id,
                name: &p.name,
                register: Register::RedirectUri(b.redirect_uri(&config.server, &p.id)),
                companion: if b.mediation.is_some() {
                    CompanionRole::TokenMediation
                } else {
                    CompanionRole::None
                },
                secret: b.mediation.as_ref().map(|m| &m.secret),
            },
            ProviderKind::OAuth1(o) => ProviderSummary {
                id: &p.id,
                name: &p.name,
                register: Register::OAuth1Callback(OAuth1Provider::callback_url(
                    &config.server,
                    &p.id,
                )),
                companion: CompanionRole::OAuth1,
                secret: Some(&o.secret),
            },
        })
        .collect()
}

/// Where a secret comes from, in words (never the secret).
pub fn secret_source(source: &SecretSource) -> String {
    match source {
        SecretSource::Env(v) => format!("environment variable {}", v.value),
        SecretSource::File(f) => format!("file {}", f.value.display()),
    }
}

/// The start-up log line: `provider "github" (GitHub): register the redirect URI … at the
/// provider; needs the companion for token mediation (client secret from …)`.
impl fmt::Display for ProviderSummary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.register {
            Register::RedirectUri(_) => "redirect URI",
            Register::OAuth1Callback(_) => "callback URL",
        };
        write!(
            f,
            "provider {:?} ({}): register the {what} {} at the provider; ",
            self.id,
            self.name,
            self.register.url()
        )?;
        let secret = |kind: &str| {
            self.secret.map_or_else(String::new, |s| {
                format!(" ({kind} from {})", secret_source(s))
            })
        };
        match self.companion {
            CompanionRole::None => f.write_str(
                "does not need the companion (the browser exchanges the code with the provider itself)",
            ),
            CompanionRole::TokenMediation => write!(
                f,
                "needs the companion for token mediation{}",
                secret("client secret")
            ),
            CompanionRole::OAuth1 => {
                write!(f, "needs the companion for OAuth 1.0a{}", secret("consumer secret"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"
[server]
listen = "127.0.0.1:8080"
public_url = "https://auth.example.org"
static_dir = "dist"

[[provider]]
id = "gitlab"
preset = "gitlab"
client_id = "abc"

[[provider]]
id = "github"
preset = "github"
client_id = "Iv1.x"
client_secret_env = "GITHUB_CLIENT_SECRET"
redirect_uri = "https://me.github.io/blog/"

[[provider]]
id = "tumblr"
preset = "tumblr"
consumer_key = "k"
consumer_secret_file = "/run/credentials/latchkey.service/tumblr"
"#;

    #[test]
    fn each_provider_says_what_to_register_and_whether_it_needs_the_companion() {
        let config = Config::parse(TEXT).unwrap();
        let lines: Vec<String> = summary(&config).iter().map(|s| s.to_string()).collect();
        assert_eq!(
            lines,
            [
                "provider \"gitlab\" (GitLab): register the redirect URI \
                 https://auth.example.org/callback/gitlab at the provider; does not need the \
                 companion (the browser exchanges the code with the provider itself)",
                "provider \"github\" (GitHub): register the redirect URI \
                 https://me.github.io/blog/ at the provider; needs the companion for token \
                 mediation (client secret from environment variable GITHUB_CLIENT_SECRET)",
                "provider \"tumblr\" (Tumblr): register the callback URL \
                 https://auth.example.org/oauth1/tumblr/callback at the provider; needs the \
                 companion for OAuth 1.0a (consumer secret from file \
                 /run/credentials/latchkey.service/tumblr)",
            ]
        );
    }
}
