//! The root component: configuration context and routes.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use latchkey_proto::public_config::PublicConfig;

use crate::components::{SiteFooter, SiteHeader};
use crate::config::{self, ConfigError};
use crate::pages::{CallbackPage, HomePage, NotFoundPage};

/// The app's pages. The router below matches exactly these paths; links and redirects
/// take them from here rather than spelling them out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// The provider list, and the signed-in view.
    Home,
    /// Where providers send the browser back (`<public_url>/callback`).
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

/// `/latchkey.json`, loaded once and shared by every page.
#[derive(Clone, Copy)]
pub struct ConfigResource(pub LocalResource<Result<PublicConfig, ConfigError>>);

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let config = LocalResource::new(config::load);
    provide_context(ConfigResource(config));

    view! {
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <SiteHeader/>
            <main id="main" tabindex="-1">
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=HomePage/>
                    <Route path=path!("/callback") view=CallbackPage/>
                </Routes>
            </main>
            <SiteFooter/>
        </Router>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_callback_path_is_what_the_redirect_uri_ends_with() {
        // The companion and hand-written configs register `<public_url>/callback`.
        assert_eq!(Page::Callback.path(), "/callback");
        assert_eq!(Page::Home.path(), "/");
    }
}
