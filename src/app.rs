//! The root component: configuration, the auth context and the routes.

use latchkey_leptos::{provide_latchkey, use_latchkey, Status};
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::components::{SiteFooter, SiteHeader, FAILURE_NOTICE};
use crate::pages::{CallbackPage, HomePage, NotFoundPage};

/// Where the configuration is published, beside the app.
pub const CONFIG_PATH: &str = "/latchkey.json";

/// The app's pages. The router below matches exactly these paths; links and redirects
/// take them from here rather than spelling them out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// The provider list, and the signed-in view.
    Home,
    /// Where providers send the browser back: `<public_url>/callback/<id>`, one address per
    /// provider (the router also takes a bare `/callback`, for a redirect URI written so).
    /// `latchkey-leptos` finishes the sign-in on any page; this one says so while it runs.
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

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    provide_latchkey(CONFIG_PATH);
    crate::early::hand_over();
    focus_failures();
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
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=HomePage/>
                    <Route path=path!("/callback") view=CallbackPage/>
                    <Route path=path!("/callback/:provider") view=CallbackPage/>
                </Routes>
            </main>
            <SiteFooter/>
        </Router>
    }
}

/// What keyboard focus follows: the failure on screen, if any (a failed flow, or a problem
/// inside the signed-in view).
#[derive(Debug, Clone, PartialEq)]
enum Shown {
    Failure(String, String),
    Problem(String, String),
    Other,
}

/// Keyboard focus moves to a failure when one appears: every failed flow (a retry that
/// fails again included), and a problem inside the signed-in view when it is new.
fn needs_focus(before: &Shown, after: &Shown) -> bool {
    match after {
        Shown::Failure(..) => true,
        Shown::Problem(..) => before != after,
        Shown::Other => false,
    }
}

fn focus_failures() {
    let latchkey = use_latchkey();
    let (status, session) = (latchkey.status(), latchkey.session());
    Effect::new(move |before: Option<Shown>| {
        let after = match status.get() {
            Status::Failed(f) => Shown::Failure(f.title, f.message),
            _ => match session.get().and_then(|s| s.problem) {
                Some(p) => Shown::Problem(p.title, p.message),
                None => Shown::Other,
            },
        };
        if needs_focus(&before.unwrap_or(Shown::Other), &after) {
            focus_soon(FAILURE_NOTICE);
        }
        after
    });
}

/// Focuses the element `selector` finds once the view has rendered it.
fn focus_soon(selector: &'static str) {
    use leptos::wasm_bindgen::JsCast;
    request_animation_frame(move || {
        let found = document()
            .query_selector(selector)
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<leptos::web_sys::HtmlElement>().ok());
        if let Some(element) = found {
            let _ = element.focus();
        }
    });
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
    fn focus_moves_to_every_failure_and_to_a_new_problem_only() {
        let failure = Shown::Failure("a".into(), "m".into());
        let problem = Shown::Problem("p".into(), "m".into());
        assert!(needs_focus(&Shown::Other, &failure));
        assert!(needs_focus(&failure, &failure));
        assert!(needs_focus(&Shown::Other, &problem));
        assert!(!needs_focus(&problem, &problem));
        assert!(needs_focus(
            &problem,
            &Shown::Problem("q".into(), "m".into())
        ));
        assert!(!needs_focus(&failure, &Shown::Other));
    }
}
