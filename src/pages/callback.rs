//! `/callback`: where a provider sends the browser back.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

use crate::app::Page;
use crate::auth::{use_auth, AuthStatus};
use crate::components::{FailureNotice, WorkingNotice};

/// The callback page: progress in words, then back to where the user started.
#[component]
pub fn CallbackPage() -> impl IntoView {
    let auth = use_auth();
    let navigate = use_navigate();
    // Once, after the page is on screen; the auth context ignores a second call.
    Effect::new(move |_| {
        let navigate = navigate.clone();
        auth.complete_callback(move |path| {
            navigate(
                path,
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            )
        });
    });

    let content = move || match auth.status.get() {
        AuthStatus::Working { step } => view! { <WorkingNotice step=step/> }.into_any(),
        AuthStatus::Failed(failure) => {
            view! { <FailureNotice failure=failure home_link=true/> }.into_any()
        }
        AuthStatus::SignedIn(session) => view! {
            <div class="notice notice-ok" role="status">
                <p>{format!("Signed in as {}. Taking you back…", session.display_name)}</p>
            </div>
        }
        .into_any(),
        AuthStatus::Restoring => {
            view! { <WorkingNotice step="Reading the provider's answer…".to_owned()/> }.into_any()
        }
        AuthStatus::SignedOut => view! {
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
