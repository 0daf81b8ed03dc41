//! The one embed of this page: the client once the configuration is loaded, what the
//! page was last told, and the `change` listeners.

use std::cell::RefCell;
use std::rc::Rc;

use latchkey_client::{AuthStatus, Client, RetryAction};

use crate::user::User;

/// What a page's scripts and elements are shown; it changes only through
/// `api::publish`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Shown {
    /// The signed-in person.
    pub user: Option<User>,
    /// The last failure in words, until the next success.
    pub last_error: Option<String>,
    /// A step under way ("Redirecting to …"), for the sign-in element.
    pub working: Option<String>,
    /// The provider whose kept session "Try again" renews (or checks with the companion
    /// again), after a failure that kept it.
    pub renew: Option<String>,
    /// True once a stored session was looked for (or a callback finished), or the
    /// configuration failed: `ready` settles then.
    pub settled: bool,
}

/// The state behind `window.latchkey` and the elements.
#[derive(Default)]
pub struct Embed {
    /// The client, once `latchkey.json` is loaded.
    pub client: RefCell<Option<Client>>,
    /// What the page shows now.
    pub shown: RefCell<Shown>,
    /// `on("change", fn)` listeners, with the number that removes them.
    pub listeners: RefCell<Vec<(u64, js_sys::Function)>>,
    /// The next listener number.
    pub next_listener: RefCell<u64>,
    /// Resolves `ready`; taken when it settles.
    pub resolve_ready: RefCell<Option<js_sys::Function>>,
    /// The bootstrap found this page surely signed out and showed its signed-out parts
    /// before the wasm ran: they stay shown while the stored session is looked for (the
    /// companion's answer takes a round trip), rather than vanish and come back.
    pub shown_early: std::cell::Cell<bool>,
}

thread_local! {
    static EMBED: Rc<Embed> = Rc::new(Embed::default());
}

/// The page's embed.
pub fn embed() -> Rc<Embed> {
    EMBED.with(Rc::clone)
}

/// What a client status means for the page, given what it showed before (a failure stays
/// in `last_error` until the next sign-in or sign-out succeeds).
pub fn shown_after(before: &Shown, status: &AuthStatus) -> Shown {
    match status {
        AuthStatus::Restoring => Shown {
            settled: before.settled,
            ..Shown::default()
        },
        AuthStatus::Working { step } => Shown {
            working: Some(step.clone()),
            ..before.clone()
        },
        AuthStatus::SignedOut => Shown {
            settled: true,
            ..Shown::default()
        },
        AuthStatus::SignedIn(view) => Shown {
            user: User::of(status),
            last_error: view
                .problem
                .as_ref()
                .map(|p| format!("{} {}", p.title, p.message)),
            working: None,
            renew: None,
            settled: true,
        },
        AuthStatus::Failed(failure) => Shown {
            user: None,
            last_error: Some(format!("{}. {}", failure.title, failure.message)),
            working: None,
            renew: match &failure.retry {
                RetryAction::Renew { provider_id } => Some(provider_id.clone()),
                _ => None,
            },
            settled: true,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use latchkey_client::{AuthFailure, RetryAction};

    #[test]
    fn a_failure_is_kept_in_words_and_settles_ready() {
        let failed = AuthStatus::Failed(AuthFailure {
            title: "Sign-in was cancelled".into(),
            message: "You cancelled sign-in at Django.".into(),
            retry: RetryAction::ShowProviders,
        });
        let shown = shown_after(&Shown::default(), &failed);
        assert_eq!(
            shown.last_error.as_deref(),
            Some("Sign-in was cancelled. You cancelled sign-in at Django.")
        );
        assert!(shown.settled && shown.user.is_none());
        // Progress keeps the failure on screen until something succeeds.
        let working = AuthStatus::Working {
            step: "Redirecting…".into(),
        };
        let next = shown_after(&shown, &working);
        assert_eq!(next.last_error, shown.last_error);
        assert_eq!(next.working.as_deref(), Some("Redirecting…"));
        assert!(shown_after(&next, &AuthStatus::SignedOut)
            .last_error
            .is_none());
    }

    #[test]
    fn only_a_failure_that_kept_the_session_offers_to_renew_it() {
        let failed = |retry| {
            AuthStatus::Failed(AuthFailure {
                title: "t".into(),
                message: "m".into(),
                retry,
            })
        };
        let kept = shown_after(
            &Shown::default(),
            &failed(RetryAction::Renew {
                provider_id: "flask".into(),
            }),
        );
        assert_eq!(kept.renew.as_deref(), Some("flask"));
        // While it runs again, the button stays (marked busy by the element).
        let working = AuthStatus::Working {
            step: "Renewing…".into(),
        };
        assert_eq!(shown_after(&kept, &working).renew.as_deref(), Some("flask"));
        let signin = RetryAction::SignIn {
            provider_id: "dot".into(),
        };
        assert_eq!(shown_after(&kept, &failed(signin)).renew, None);
        assert_eq!(shown_after(&kept, &AuthStatus::SignedOut).renew, None);
    }

    #[test]
    fn restoring_is_not_settled_until_something_is_known() {
        let shown = shown_after(&Shown::default(), &AuthStatus::Restoring);
        assert!(!shown.settled);
        assert!(shown_after(&shown, &AuthStatus::SignedOut).settled);
    }
}
