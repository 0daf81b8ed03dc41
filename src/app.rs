//! The root component: configuration, the auth context and the routes.

use latchkey_proto::public_config::{PublicConfig, PublicProvider};
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::auth;
use crate::components::{SiteFooter, SiteHeader};
use crate::pages::{CallbackPage, HomePage, NotFoundPage};
use latchkey_client::config::{self, ConfigError};

/// The app's pages. The router below matches exactly these paths; links and redirects
/// take them from here rather than spelling them out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// The provider list, and the signed-in view.
    Home,
    /// Where providers send the browser back: `<public_url>/callback/<id>`, one address per
    /// provider (the router also takes a bare `/callback`, for a redirect URI written so).
    Callback,
}

impl Page {
    /// The path of the page, as matched by the router.
    pub const fn path(self) -> &'static str {
        match self {
            Page::Home => "/",
            Page::Callback => "/callback",
        }
    }
}

/// `/latchkey.json` as loaded, shared by every page below [`App`].
#[derive(Debug, Clone)]
pub struct LoadedConfig(pub Result<PublicConfig, ConfigError>);

impl LoadedConfig {
    /// The provider with this `id`, when the file loaded and lists it.
    pub fn provider(&self, id: &str) -> Option<&PublicProvider> {
        self.0.as_ref().ok()?.providers.iter().find(|p| p.id == id)
    }
}

/// Loads the configuration again (the "Try again" of a failed load).
#[derive(Clone, Copy)]
pub struct ReloadConfig(pub Callback<()>);

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let config = LocalResource::new(|| config::load(config::CONFIG_PATH));
    provide_context(ReloadConfig(Callback::new(move |()| config.refetch())));
    // The router turns `#main` into a scroll; a skip link must also move keyboard focus.
    let main_ref = NodeRef::<leptos::html::Main>::new();
    let skip = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        if let Some(main) = main_ref.get() {
            let _ = main.focus();
        }
    };

    view! {
        <Router>
            <a class="skip-link" href="#main" on:click=skip>"Skip to content"</a>
            <SiteHeader/>
            <main id="main" tabindex="-1" node_ref=main_ref>
                <Suspense fallback=|| view! {
                    <section class="card signin"><p class="muted" role="status">"Loading…"</p></section>
                }>
                    {move || Suspend::new(async move {
                        let loaded = config.await;
                        view! { <AppRoutes loaded=loaded/> }
                    })}
                </Suspense>
            </main>
            <SiteFooter/>
        </Router>
    }
}

/// The routes, once the configuration is known. A missing or broken file still gets an
/// auth context (with no providers) so every page can render; the home page explains.
#[component]
fn AppRoutes(loaded: Result<PublicConfig, ConfigError>) -> impl IntoView {
    auth::provide_auth(loaded.clone().unwrap_or_default());
    provide_context(LoadedConfig(loaded));
    view! {
        <Routes fallback=NotFoundPage>
            <Route path=path!("/") view=HomePage/>
            <Route path=path!("/callback") view=CallbackPage/>
            <Route path=path!("/callback/:provider") view=CallbackPage/>
        </Routes>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_callback_path_is_what_the_redirect_uri_ends_with() {
        // Without a `redirect_uri`, a provider returns to `<public_url>/callback/<id>`.
        assert_eq!(Page::Callback.path(), "/callback");
        assert_eq!(
            latchkey_proto::redirect_uri::default_for("https://your.site", "gh"),
            format!("https://your.site{}/gh", Page::Callback.path())
        );
        assert_eq!(Page::Home.path(), "/");
    }

    #[test]
    fn a_provider_is_found_by_id_only_in_a_loaded_file() {
        let cfg: PublicConfig = latchkey_client::config::interpret(
            200,
            r#"{"providers":[{"id":"dot","name":"Django","protocol":"oidc"}]}"#,
        )
        .unwrap();
        let loaded = LoadedConfig(Ok(cfg));
        assert_eq!(
            loaded.provider("dot").map(|p| p.name.as_str()),
            Some("Django")
        );
        assert!(loaded.provider("nope").is_none());
        assert!(LoadedConfig(Err(ConfigError::Missing))
            .provider("dot")
            .is_none());
    }
}
