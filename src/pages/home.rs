//! `/`: the provider buttons, or the signed-in view.

use latchkey_leptos::{use_latchkey, ConfigError, Provider, SessionView, Status};
use leptos::prelude::*;

use crate::components::{
    ApiConsole, ClaimsCard, ConfigProblem, FailureNotice, ProfileCard, ProviderButtons, SessionBar,
    SetupHelp, TokenInspector, WorkingNotice,
};

/// The sentence while a stored session is looked for.
const RESTORING: &str = "Checking whether you are signed in…";

/// Which view the home page shows. The page re-renders only when this changes, so a
/// session update (a renewed token) does not reset the API console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shown {
    Restoring,
    SignIn,
    Working,
    SignedIn,
}

fn shown(status: &Status) -> Shown {
    match status {
        Status::Restoring => Shown::Restoring,
        Status::SignedOut | Status::Failed(_) | Status::Unavailable { .. } => Shown::SignIn,
        Status::Working { .. } => Shown::Working,
        Status::SignedIn => Shown::SignedIn,
    }
}

/// The home page.
#[component]
pub fn HomePage() -> impl IntoView {
    let auth = use_latchkey();
    let status = auth.status();
    let which = Memo::new(move |_| status.with(shown));
    move || match which.get() {
        Shown::Restoring => view! {
            <section class="card signin">
                <WorkingNotice step=Signal::derive(|| RESTORING.to_owned())/>
            </section>
        }
        .into_any(),
        Shown::Working => {
            let step = Signal::derive(move || match status.get() {
                Status::Working { step } => step,
                _ => String::new(),
            });
            view! { <section class="card signin"><WorkingNotice step=step/></section> }.into_any()
        }
        Shown::SignIn => view! { <SignInCard/> }.into_any(),
        Shown::SignedIn => match auth.session().get_untracked() {
            Some(first) => view! { <SignedInView first=first/> }.into_any(),
            None => ().into_any(),
        },
    }
}

/// The provider list, with the last failure (if any) above it; or why there is none.
#[component]
fn SignInCard() -> impl IntoView {
    let auth = use_latchkey();
    let status = auth.status();
    let failure = move || match status.get() {
        Status::Failed(f) => Some(view! { <FailureNotice failure=f/> }),
        _ => None,
    };
    // The button pressed stays marked until the browser leaves for the provider.
    let (busy, set_busy) = signal(None::<String>);
    let on_select = Callback::new(move |provider: Provider| {
        set_busy.set(Some(provider.id.clone()));
        auth.sign_in(&provider.id);
    });
    // A failure after pressing a button (discovery failed, say) frees the buttons again.
    Effect::new(move |_| {
        if matches!(status.get(), Status::Failed(_)) {
            set_busy.set(None);
        }
    });
    let reload = Callback::new(move |()| auth.reload());
    let body = move || match (auth.config_error().get(), auth.providers().get()) {
        (Some(ConfigError::Missing), _) => view! { <SetupHelp missing=true/> }.into_any(),
        (Some(error), _) => view! { <ConfigProblem error=error on_retry=reload/> }.into_any(),
        (None, providers) if providers.is_empty() => {
            view! { <SetupHelp missing=false/> }.into_any()
        }
        (None, providers) => view! {
            <ProviderButtons providers=providers on_select=on_select busy=busy/>
        }
        .into_any(),
    };
    view! {
        <section class="card signin" aria-labelledby="signin-title">
            <h1 id="signin-title">"Sign in"</h1>
            <p class="lede">"Pick an account you already have. Your password goes only to that provider."</p>
            {failure}
            {body}
        </section>
    }
}

/// Greeting, profile, tokens and the API console.
#[component]
fn SignedInView(first: SessionView) -> impl IntoView {
    let live = use_latchkey().session();
    let provider_id = first.provider_id.clone();
    // Follows the live session; keeps the last one while the status moves on (sign-out).
    let session = Memo::new(move |prev: Option<&SessionView>| match live.get() {
        Some(s) => s,
        None => prev.cloned().unwrap_or_else(|| first.clone()),
    });
    // A renewal or the profile failed on the way to the provider: say so above the rest.
    let problem = move || {
        session
            .get()
            .problem
            .map(|f| view! { <FailureNotice failure=*f/> })
    };
    view! {
        <div class="dashboard">
            {problem}
            <SessionBar session=session/>
            <div class="grid-2">
                <ProfileCard session=session/>
                <TokenInspector session=session/>
            </div>
            <ClaimsCard session=session/>
            <ApiConsole provider_id=provider_id/>
        </div>
    }
}
