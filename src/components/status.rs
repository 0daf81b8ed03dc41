//! Progress and failure, as the auth context reports them.

use leptos::prelude::*;

use crate::app::Page;
use crate::auth::{use_auth, AuthFailure, RetryAction};

/// A flow is under way: the step, in words, announced politely to screen readers.
#[component]
pub fn WorkingNotice(
    /// The current step, e.g. "Exchanging the authorization code for tokens…".
    #[prop(into)]
    step: Signal<String>,
) -> impl IntoView {
    view! {
        <div class="working" role="status" aria-live="polite">
            <span class="spinner" aria-hidden="true"></span>
            <p class="working-step">{move || step.get()}</p>
        </div>
    }
}

/// A failure: heading, sentence, and the action that fixes it.
#[component]
pub fn FailureNotice(
    /// What went wrong.
    failure: AuthFailure,
    /// Also offer a link to the home page (on pages other than home).
    #[prop(optional)]
    home_link: bool,
) -> impl IntoView {
    let auth = use_auth();
    let AuthFailure {
        title,
        message,
        retry,
    } = failure;
    // Away from the home page, "back to sign-in" is a link there (clearing the failure);
    // everywhere else the action runs in place.
    let leaves_page = home_link && retry == RetryAction::ShowProviders;
    let retry_button = retry.label().map(|label| {
        if leaves_page {
            view! {
                <a class="button" href=Page::Home.path() on:click=move |_| auth.dismiss()>{label}</a>
            }
            .into_any()
        } else {
            let retry = retry.clone();
            view! {
                <button type="button" class="button" on:click=move |_| auth.retry(retry.clone())>
                    {label}
                </button>
            }
            .into_any()
        }
    });
    let dismiss = (retry_button.is_none() && !home_link).then(|| {
        view! {
            <button type="button" class="button-secondary" on:click=move |_| auth.dismiss()>
                "Dismiss"
            </button>
        }
    });
    let home = (home_link && !leaves_page).then(|| {
        view! { <a class="button-secondary" href=Page::Home.path() on:click=move |_| auth.dismiss()>"Back to the home page"</a> }
    });
    view! {
        <div class="notice notice-error" role="alert">
            <h2 class="notice-title">{title}</h2>
            <p>{message}</p>
            <div class="actions">{retry_button}{dismiss}{home}</div>
        </div>
    }
}
