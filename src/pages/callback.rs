//! `/callback`: where a provider sends the browser back.

use leptos::prelude::*;

/// The callback page.
#[component]
pub fn CallbackPage() -> impl IntoView {
    view! {
        <section class="card">
            <h1>"Finishing sign-in"</h1>
            <p role="status">"Checking the answer from the provider…"</p>
        </section>
    }
}
