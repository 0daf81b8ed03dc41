//! Progress and failure, as the auth context reports them.

use leptos::prelude::*;

use crate::app::Page;
use latchkey_leptos::{use_latchkey, AuthFailure, RetryAction};

/// The failure notice's selector, for moving keyboard focus to it.
pub const FAILURE_NOTICE: &str = "[data-testid=auth-error]";

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

/// A failure: heading, sentence, and the action that fixes it. The auth context moves
/// keyboard focus to it when it appears (`tabindex="-1"`), so Tab reaches its button next.
///
/// Stable hooks for the end-to-end tests: `data-testid="auth-error"` on the notice and
/// `data-testid="auth-retry"` on its action (a button, or a link away from the home page).
#[component]
pub fn FailureNotice(
    /// What went wrong.
    failure: AuthFailure,
    /// Also offer a link to the home page (on pages other than home).
    #[prop(optional)]
    home_link: bool,
) -> impl IntoView {
    let auth = use_latchkey();
    let AuthFailure {
        title,
        message,
        retry,
        ..
    } = failure;
    // Away from the home page, "back to sign-in" is a link there (clearing the failure);
    // everywhere else the action runs in place.
    let leaves_page = home_link && retry == RetryAction::ShowProviders;
    let retry_button = retry.label().map(|label| {
        if leaves_page {
            view! {
                <a class="button" data-testid="auth-retry" href=Page::Home.path() on:click=move |_| auth.dismiss()>{label}</a>
            }
            .into_any()
        } else {
            let retry = retry.clone();
            view! {
                <button type="button" class="button" data-testid="auth-retry" on:click=move |_| auth.retry(retry.clone())>
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
        <div class="notice notice-error" role="alert" tabindex="-1" data-testid="auth-error">
            <h2 class="notice-title">{title}</h2>
            <p>{message}</p>
            <div class="actions">{retry_button}{dismiss}{home}</div>
        </div>
    }
}
