//! `/`: the provider buttons, or the signed-in view.

use latchkey_proto::public_config::PublicProvider;
use leptos::prelude::*;

use crate::app::{LoadedConfig, ReloadConfig};
use crate::auth::{use_auth, words, AuthStatus, SessionView};
use crate::components::{
    ApiConsole, ClaimsCard, ConfigProblem, FailureNotice, ProfileCard, ProviderButtons, SessionBar,
    SetupHelp, TokenInspector, WorkingNotice,
};
use latchkey_client::config::ConfigError;

/// Which view the home page shows. The page re-renders only when this changes, so a
/// session update (a renewed token) does not reset the API console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shown {
    Restoring,
    SignIn,
    Working,
    SignedIn,
}

fn shown(status: &AuthStatus) -> Shown {
    match status {
        AuthStatus::Restoring => Shown::Restoring,
        AuthStatus::SignedOut | AuthStatus::Failed(_) => Shown::SignIn,
        AuthStatus::Working { .. } => Shown::Working,
        AuthStatus::SignedIn(_) => Shown::SignedIn,
    }
}

/// The home page.
#[component]
pub fn HomePage() -> impl IntoView {
    let auth = use_auth();
    let which = Memo::new(move |_| auth.status.with(shown));
    move || match which.get() {
        Shown::Restoring => view! {
            <section class="card signin">
                <WorkingNotice step=Signal::derive(|| words::RESTORING.to_owned())/>
            </section>
        }
        .into_any(),
        Shown::Working => {
            let step = Signal::derive(move || match auth.status.get() {
                AuthStatus::Working { step } => step,
                _ => String::new(),
            });
            view! { <section class="card signin"><WorkingNotice step=step/></section> }.into_any()
        }
        Shown::SignIn => view! { <SignInCard/> }.into_any(),
        Shown::SignedIn => match auth.status.get_untracked() {
            AuthStatus::SignedIn(first) => view! { <SignedInView first=first/> }.into_any(),
            _ => ().into_any(),
        },
    }
}

/// The provider list, with the last failure (if any) above it.
#[component]
fn SignInCard() -> impl IntoView {
    let auth = use_auth();
    let loaded = expect_context::<LoadedConfig>();
    let reload = expect_context::<ReloadConfig>().0;
    let failure = move || match auth.status.get() {
        AuthStatus::Failed(f) => Some(view! { <FailureNotice failure=f/> }),
        _ => None,
    };
    // The button pressed stays marked until the browser leaves for the provider.
    let (busy, set_busy) = signal(None::<String>);
    let on_select = Callback::new(move |provider: PublicProvider| {
        set_busy.set(Some(provider.id.clone()));
        auth.sign_in(&provider.id);
    });
    // A failure after pressing a button (discovery failed, say) frees the buttons again.
    Effect::new(move |_| {
        if matches!(auth.status.get(), AuthStatus::Failed(_)) {
            set_busy.set(None);
        }
    });
    let body = match loaded.0 {
        Ok(cfg) if cfg.providers.is_empty() => view! { <SetupHelp missing=false/> }.into_any(),
        Ok(cfg) => view! {
            <ProviderButtons providers=cfg.providers on_select=on_select busy=busy/>
        }
        .into_any(),
        Err(ConfigError::Missing) => view! { <SetupHelp missing=true/> }.into_any(),
        Err(error) => view! { <ConfigProblem error=error on_retry=reload/> }.into_any(),
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
    let auth = use_auth();
    let provider_id = first.provider_id.clone();
    // Follows the live session; keeps the last one while the status moves on (sign-out).
    let session = Memo::new(move |prev: Option<&SessionView>| match auth.status.get() {
        AuthStatus::SignedIn(s) => s,
        _ => prev.cloned().unwrap_or_else(|| first.clone()),
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
