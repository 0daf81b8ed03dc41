//! The provider area of the home page: buttons, or words saying why there are none.

use latchkey_proto::public_config::{Protocol, PublicProvider};
use leptos::prelude::*;

use crate::app::Page;
use latchkey_leptos::ConfigError;

/// A public address of the README's "Configuration" section, once the project has one; until
/// then the help names the section instead of linking to a guessed address.
pub const README_CONFIGURATION_URL: Option<&str> = None;

/// A minimal, valid `/latchkey.json`, shown to a site author who has none.
pub const SAMPLE_CONFIG: &str = r#"{
  "providers": [
    {
      "id": "example",
      "name": "Example",
      "protocol": "oidc",
      "issuer": "https://login.example.com",
      "client_id": "your-public-client-id",
      "scopes": ["openid", "profile", "email"]
    }
  ]
}"#;

/// The exact label of a provider's button.
pub fn button_label(provider: &PublicProvider) -> String {
    format!("Sign in with {}", provider.name)
}

/// How a provider signs the user in, in a few words under its button.
pub fn protocol_caption(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Oidc => "OpenID Connect · PKCE",
        Protocol::Oauth2 => "OAuth 2.0 · PKCE",
        Protocol::Oauth1 => "OAuth 1.0a · via the companion",
    }
}

/// The letter on a provider's badge.
fn initial(name: &str) -> String {
    name.chars()
        .find(|c| c.is_alphanumeric())
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_else(|| "?".to_owned())
}

/// One real `<button>` per provider, in the order of the file.
#[component]
pub fn ProviderButtons(
    /// The providers to offer.
    providers: Vec<PublicProvider>,
    /// Runs when the user picks one.
    on_select: Callback<PublicProvider>,
    /// The id of the provider whose sign-in is starting, if any; its button shows it.
    #[prop(into)]
    busy: Signal<Option<String>>,
) -> impl IntoView {
    let items = providers
        .into_iter()
        .map(|provider| {
            let caption_id = format!("provider-{}-caption", provider.id);
            let label = button_label(&provider);
            let id = provider.id.clone();
            let is_busy = move || busy.get().as_deref() == Some(id.as_str());
            let any_busy = move || busy.get().is_some();
            let caption = protocol_caption(provider.protocol);
            let badge = initial(&provider.name);
            view! {
                <li class="provider-item">
                    <button
                        type="button"
                        class="provider-button"
                        data-provider=provider.id.clone()
                        data-initial=badge
                        aria-describedby=caption_id.clone()
                        aria-busy=move || is_busy().to_string()
                        disabled=any_busy
                        on:click=move |_| on_select.run(provider.clone())
                    >
                        {label}
                    </button>
                    <span class="provider-caption" id=caption_id>{caption}</span>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="provider-list" role="list">{items}</ul> }
}

/// Shown when there is no `/latchkey.json`, or it lists no provider.
#[component]
pub fn SetupHelp(
    /// True when the file is missing, false when it is there but empty.
    missing: bool,
) -> impl IntoView {
    let lead = if missing {
        "This site has no /latchkey.json yet, so there is nothing to sign in with."
    } else {
        "/latchkey.json is there, but it lists no providers."
    };
    let readme = match README_CONFIGURATION_URL {
        Some(url) => view! { <a href=url>"Configuration in the README"</a> }.into_any(),
        None => view! { "“Configuration” in Latchkey's README.md" }.into_any(),
    };
    view! {
        <div class="notice notice-setup" role="status">
            <h2 class="notice-title">"No sign-in providers are set up"</h2>
            <p>{lead}</p>
            <p>
                "With the companion, add a "<code>"[[provider]]"</code>" table to "
                <code>"latchkey.toml"</code>" and restart it. On a static host, put a "
                <code>"latchkey.json"</code>" next to "<code>"index.html"</code>
                " (or generate one with "<code>"latchkey config export"</code>"):"
            </p>
            <pre class="sample"><code>{SAMPLE_CONFIG}</code></pre>
            <p>
                "At the provider, register this site's "<code>{format!("{}/<id>", Page::Callback.path())}</code>
                " address (for example "<code>{format!("https://your.site{}/example", Page::Callback.path())}</code>
                " for the provider with id "<code>"example"</code>" above) as the redirect URI of a public client."
            </p>
            <p>
                "Each provider becomes a “Sign in with …” button. "
                {readme}
                " lists every field."
            </p>
        </div>
    }
}

/// Shown when `/latchkey.json` could not be loaded or read.
#[component]
pub fn ConfigProblem(
    /// What went wrong.
    error: ConfigError,
    /// Loads the file again.
    on_retry: Callback<()>,
) -> impl IntoView {
    let advice = error.advice();
    let excerpt = match &error {
        ConfigError::Parse { excerpt, .. } if !excerpt.is_empty() => Some(view! {
            <p class="muted">"The file starts with:"</p>
            <pre class="sample"><code>{excerpt.clone()}</code></pre>
        }),
        _ => None,
    };
    view! {
        <div class="notice notice-error" role="alert" data-testid="config-error">
            <h2 class="notice-title">"Sign-in is unavailable"</h2>
            <p class="notice-reason">{error.to_string()}</p>
            {excerpt}
            <p>{advice}</p>
            <button type="button" class="button-secondary" data-testid="config-retry" on:click=move |_| on_retry.run(())>
                "Try again"
            </button>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use latchkey_proto::public_config::PublicConfig;

    #[test]
    fn the_sample_shown_to_authors_is_a_valid_config() {
        let cfg: PublicConfig = latchkey_client::config::interpret(200, SAMPLE_CONFIG).unwrap();
        assert_eq!(button_label(&cfg.providers[0]), "Sign in with Example");
    }

    #[test]
    fn badge_letter_skips_punctuation_and_upper_cases() {
        assert_eq!(initial("  github"), "G");
        assert_eq!(initial("“Ørsted”"), "Ø");
        assert_eq!(initial("—"), "?");
    }

    #[test]
    fn oauth1_caption_says_it_goes_through_the_companion() {
        assert!(protocol_caption(Protocol::Oauth1).contains("companion"));
    }
}
