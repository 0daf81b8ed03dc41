//! The components: plain HTML with `latchkey-` classes for the app's CSS to style. Each
//! reads the context with [`use_latchkey`], so each must sit below [`provide_latchkey`]
//! (`crate::provide_latchkey`).

use latchkey_client::words;
use leptos::prelude::*;

use crate::latchkey::use_latchkey;
use crate::status::Status;

/// One "Sign in with *name*" button per configured provider while nobody is signed in, and
/// below them where sign-in stands in words: a step under way (announced politely), a
/// failure (announced at once) with its retry button, or why sign-in cannot run, with "Try
/// again". While someone is signed in it shows no buttons, only a problem with the session
/// (a renewal that got no answer, a profile that did not load) with its "Try again": keep it
/// where a signed-in person looks too.
#[component]
pub fn SignInButtons() -> impl IntoView {
    let latchkey = use_latchkey();
    let status = latchkey.status();
    let (problem, user) = (latchkey.session_problem(), latchkey.user());
    let working = move || matches!(status.get(), Status::Working { .. });
    let buttons = move || {
        // The buttons are for signed-out visitors. (An empty list rather than `None` keeps
        // the view's type, and so its rendering code, the same in every state.)
        let providers = if user.with(Option::is_some) {
            Vec::new()
        } else {
            latchkey.providers().get()
        };
        providers
            .into_iter()
            .map(|p| {
                let id = p.id.clone();
                view! {
                    <button type="button" class="latchkey-signin-button" data-provider=p.id.clone()
                        disabled=working on:click=move |_| latchkey.sign_in(&id)>
                        {format!("Sign in with {}", p.name)}
                    </button>
                }
            })
            .collect_view()
    };
    let words = move || match status.get() {
        Status::Restoring => Some(
            view! { <p class="latchkey-status" role="status">{words::RESTORING}</p> }.into_any(),
        ),
        Status::Working { step } => {
            Some(view! { <p class="latchkey-status" role="status">{step}</p> }.into_any())
        }
        Status::Failed(failure) => Some(failure_alert(latchkey, failure)),
        Status::SignedIn => problem.get().map(|p| failure_alert(latchkey, p)),
        Status::Unavailable { reason } => Some(
            view! {
                <div class="latchkey-error" role="alert">
                    <p>{reason}</p>
                    <button type="button" class="latchkey-retry"
                        on:click=move |_| latchkey.reload()>"Try again"</button>
                </div>
            }
            .into_any(),
        ),
        Status::SignedOut => None,
    };
    view! {
        <div class="latchkey-signin">
            {buttons}
            {words}
        </div>
    }
}

/// A failure in words, with its retry button; "back to the providers" is left out, as the
/// buttons are right there.
fn failure_alert(latchkey: crate::Latchkey, failure: latchkey_client::AuthFailure) -> AnyView {
    let retry = failure.retry.clone();
    let again = (retry != latchkey_client::RetryAction::ShowProviders)
        .then(|| retry.label())
        .flatten()
        .map(|label| {
            view! {
                <button type="button" class="latchkey-retry"
                    on:click=move |_| latchkey.retry(retry.clone())>{label}</button>
            }
        });
    view! {
        <div class="latchkey-error" role="alert">
            <p><strong>{failure.title}</strong>" "{failure.message}</p>
            {again}
        </div>
    }
    .into_any()
}

/// A "Sign out" button, while someone is signed in.
#[component]
pub fn SignOutButton() -> impl IntoView {
    let latchkey = use_latchkey();
    let user = latchkey.user();
    let signed_in = Memo::new(move |_| user.with(Option::is_some));
    move || {
        signed_in.get().then(|| {
            view! {
                <button type="button" class="latchkey-signout-button"
                    on:click=move |_| latchkey.sign_out()>"Sign out"</button>
            }
        })
    }
}

/// Its children while someone is signed in; nothing otherwise.
#[component]
pub fn SignedIn(children: ChildrenFn) -> impl IntoView {
    let latchkey = use_latchkey();
    let user = latchkey.user();
    let signed_in = Memo::new(move |_| user.with(Option::is_some));
    move || signed_in.get().then(|| children())
}

/// Its children once it is known that nobody is signed in (not while a stored session is
/// still being looked for); nothing otherwise.
#[component]
pub fn SignedOut(children: ChildrenFn) -> impl IntoView {
    let latchkey = use_latchkey();
    let (user, status) = (latchkey.user(), latchkey.status());
    let signed_out = Memo::new(move |_| {
        user.with(Option::is_none) && !matches!(status.get(), Status::Restoring)
    });
    move || signed_out.get().then(|| children())
}

/// The signed-in person: their picture (or the initial of their name) and their name.
/// The picture and the initial are decoration (the name says who), so screen readers
/// read the name once.
#[component]
pub fn UserBadge() -> impl IntoView {
    let latchkey = use_latchkey();
    let user = latchkey.user();
    move || {
        user.get().map(|user| {
            let face = match user.picture {
                Some(src) => {
                    view! { <img class="latchkey-avatar" src=src alt="" width="32" height="32"/> }
                        .into_any()
                }
                None => view! {
                    <span class="latchkey-avatar latchkey-initial" aria-hidden="true">
                        {initial(&user.name)}
                    </span>
                }
                .into_any(),
            };
            view! {
                <span class="latchkey-user-badge">
                    {face}
                    <span class="latchkey-user-name">{user.name}</span>
                </span>
            }
        })
    }
}

/// The first letter of a name, upper-cased; `?` for an empty one.
fn initial(name: &str) -> String {
    name.chars()
        .find(|c| c.is_alphanumeric())
        .map_or_else(|| "?".to_owned(), |c| c.to_uppercase().collect())
}

#[cfg(test)]
mod tests {
    use super::initial;

    #[test]
    fn the_initial_is_the_first_letter_upper_cased() {
        assert_eq!(initial("ada lovelace"), "A");
        assert_eq!(initial("  émile"), "É");
        assert_eq!(initial("@bob"), "B");
        assert_eq!(initial(""), "?");
    }
}
