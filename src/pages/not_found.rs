//! The fallback route.

use leptos::prelude::*;

use crate::app::Page;

/// Any path the router does not know.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <section class="card">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address. Sign-in starts from the home page."</p>
            <p><a class="button-secondary" href=Page::Home.path()>"Go to the home page"</a></p>
        </section>
    }
}
