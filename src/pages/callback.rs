//! `/callback`: where a provider sends the browser back. `latchkey-leptos` finishes the
//! sign-in on whatever page the answer arrives at and then returns to where the person
//! started; this page says what is happening meanwhile.

use latchkey_leptos::{use_latchkey, Status};
use leptos::prelude::*;

use crate::app::Page;
use crate::components::{FailureNotice, WorkingNotice};

/// The callback page: progress in words, then back to where the user started.
#[component]
pub fn CallbackPage() -> impl IntoView {
    let auth = use_latchkey();
    let status = auth.status();
    let content = move || match status.get() {
        Status::Working { step } => view! { <WorkingNotice step=step/> }.into_any(),
        Status::Failed(failure) => {
            view! { <FailureNotice failure=failure home_link=true/> }.into_any()
        }
        Status::SignedIn => {
            let name = auth.user().get().map(|u| u.name).unwrap_or_default();
            view! {
                <div class="notice notice-ok" role="status">
                    <p>{format!("Signed in as {name}. Taking you back…")}</p>
                </div>
            }
            .into_any()
        }
        Status::Restoring => {
            view! { <WorkingNotice step="Reading the provider's answer…".to_owned()/> }.into_any()
        }
        Status::SignedOut | Status::Unavailable { .. } => view! {
            <div class="notice" role="status">
                <p>"There is no sign-in to finish here."</p>
                <p><a class="button-secondary" href=Page::Home.path()>"Go to sign-in"</a></p>
            </div>
        }
        .into_any(),
    };

    view! {
        <section class="card signin" aria-labelledby="callback-title">
            <h1 id="callback-title">"Finishing sign-in"</h1>
            {content}
        </section>
    }
}
