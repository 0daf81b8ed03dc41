//! The one embed of this page: the client once the configuration is loaded, what the
//! page was last told, and the `change` listeners.

use std::cell::RefCell;
use std::rc::Rc;

use latchkey_client::{AuthFailure, AuthStatus, Client, RetryAction};

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
    /// The provider (`id`) the step is with; `None` when it is with no known one.
    pub working_provider: Option<String>,
    /// What "Try again" under the last failure does, when it offers anything.
    pub retry: Option<Retry>,
    /// The provider (`id`) the last failure is about; `None` when it is about no single
    /// one. A sign-in element scoped to another provider does not show it.
    pub error_provider: Option<String>,
    /// True once a stored session was looked for (or a callback finished), or the
    /// configuration failed: `ready` settles then.
    pub settled: bool,
}

/// What the sign-in element's "Try again" does, for one provider (its `id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Retry {
    /// Starts sign-in with it from the beginning (after a sign-in that failed, whose words
    /// say that “Try again” does this).
    SignIn(String),
    /// Renews its kept session, or asks the companion again whether it holds one.
    Renew(String),
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
        AuthStatus::Working { step, provider_id } => Shown {
            working: Some(step.clone()),
            working_provider: provider_id.clone(),
            ..before.clone()
        },
        AuthStatus::SignedOut => Shown {
            settled: true,
            ..Shown::default()
        },
        // A problem found while signed in (a renewal that failed on the way to the
        // provider, a profile that did not load) is said like a failure, and a kept session
        // gets its "Try again" here too.
        AuthStatus::SignedIn(view) => Shown {
            user: User::of(status),
            last_error: view.problem.as_deref().map(in_words),
            working: None,
            working_provider: None,
            retry: view.problem.as_deref().and_then(retry_of),
            error_provider: view.problem.as_ref().and_then(|p| p.provider_id.clone()),
            settled: true,
        },
        AuthStatus::Failed(failure) => Shown {
            user: None,
            last_error: Some(in_words(failure)),
            working: None,
            working_provider: None,
            retry: retry_of(failure),
            error_provider: failure.provider_id.clone(),
            settled: true,
        },
    }
}

/// A failure as one text: its title, then its message.
fn in_words(failure: &AuthFailure) -> String {
    format!("{}. {}", failure.title, failure.message)
}

/// What "Try again" does after `failure`: sign in again, or renew a kept session. Going
/// back to the providers needs no button (the element shows them), and the profile is the
/// showcase's to load again.
fn retry_of(failure: &AuthFailure) -> Option<Retry> {
    match &failure.retry {
        RetryAction::SignIn { provider_id } => Some(Retry::SignIn(provider_id.clone())),
        RetryAction::Renew { provider_id } => Some(Retry::Renew(provider_id.clone())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use latchkey_client::SessionView;
    use latchkey_proto::public_config::{Protocol, SessionStorage};

    #[test]
    fn a_failure_is_kept_in_words_and_settles_ready() {
        let failed = AuthStatus::Failed(AuthFailure {
            title: "Sign-in was cancelled".into(),
            message: "You cancelled sign-in at Django.".into(),
            retry: RetryAction::ShowProviders,
            provider_id: Some("dot".into()),
        });
        let shown = shown_after(&Shown::default(), &failed);
        assert_eq!(
            shown.last_error.as_deref(),
            Some("Sign-in was cancelled. You cancelled sign-in at Django.")
        );
        assert!(shown.settled && shown.user.is_none());
        assert_eq!(shown.error_provider.as_deref(), Some("dot"));
        // Progress keeps the failure on screen until something succeeds, each said with its
        // own provider.
        let working = AuthStatus::Working {
            step: "Redirecting…".into(),
            provider_id: Some("flask".into()),
        };
        let next = shown_after(&shown, &working);
        assert_eq!(next.last_error, shown.last_error);
        assert_eq!(next.error_provider.as_deref(), Some("dot"));
        assert_eq!(next.working.as_deref(), Some("Redirecting…"));
        assert_eq!(next.working_provider.as_deref(), Some("flask"));
        assert!(shown_after(&next, &AuthStatus::SignedOut)
            .last_error
            .is_none());
    }

    #[test]
    fn try_again_renews_a_kept_session_or_signs_in_again_and_nothing_else() {
        let failed = |retry| {
            AuthStatus::Failed(AuthFailure {
                title: "t".into(),
                message: "m".into(),
                retry,
                provider_id: None,
            })
        };
        let kept = shown_after(
            &Shown::default(),
            &failed(RetryAction::Renew {
                provider_id: "flask".into(),
            }),
        );
        assert_eq!(kept.retry, Some(Retry::Renew("flask".into())));
        // While it runs again, the button stays (marked busy by the element).
        let working = AuthStatus::Working {
            step: "Renewing…".into(),
            provider_id: Some("flask".into()),
        };
        assert_eq!(shown_after(&kept, &working).retry, kept.retry);
        let signin = RetryAction::SignIn {
            provider_id: "dot".into(),
        };
        assert_eq!(
            shown_after(&kept, &failed(signin)).retry,
            Some(Retry::SignIn("dot".into()))
        );
        let providers = shown_after(&kept, &failed(RetryAction::ShowProviders));
        assert_eq!(providers.retry, None);
        assert_eq!(shown_after(&kept, &AuthStatus::SignedOut).retry, None);
    }

    #[test]
    fn a_problem_while_signed_in_is_said_and_a_kept_session_offers_to_renew() {
        let signed_in = |problem: Option<AuthFailure>| {
            AuthStatus::SignedIn(SessionView {
                provider_id: "dot".into(),
                provider_name: "Django".into(),
                protocol: Protocol::Oidc,
                display_name: "Ada".into(),
                email: None,
                picture: None,
                sub: "1".into(),
                scopes: Vec::new(),
                access_expires_at: None,
                storage: SessionStorage::Browser,
                can_refresh: true,
                refresh_in_companion: false,
                id_token_claims: Vec::new(),
                userinfo_claims: Vec::new(),
                problem: problem.map(Box::new),
            })
        };
        let renewal = AuthFailure {
            title: "Your session could not be renewed".into(),
            message: "Could not reach Django. Your session is kept.".into(),
            retry: RetryAction::Renew {
                provider_id: "dot".into(),
            },
            provider_id: Some("dot".into()),
        };
        let shown = shown_after(&Shown::default(), &signed_in(Some(renewal)));
        assert_eq!(shown.user.as_ref().map(|u| u.name.as_str()), Some("Ada"));
        assert_eq!(
            shown.last_error.as_deref(),
            Some(
                "Your session could not be renewed. Could not reach Django. Your session is kept."
            )
        );
        assert_eq!(shown.retry, Some(Retry::Renew("dot".into())));
        // A profile that did not load is said, but "Try again" here does not load it.
        let profile = AuthFailure {
            title: "Your profile could not be loaded".into(),
            message: "m".into(),
            retry: RetryAction::LoadProfile,
            provider_id: Some("dot".into()),
        };
        let shown = shown_after(&shown, &signed_in(Some(profile)));
        assert!(shown.last_error.is_some() && shown.retry.is_none());
        // Renewed: the words and the button go.
        let shown = shown_after(&shown, &signed_in(None));
        assert_eq!((shown.last_error, shown.retry), (None, None));
    }

    #[test]
    fn restoring_is_not_settled_until_something_is_known() {
        let shown = shown_after(&Shown::default(), &AuthStatus::Restoring);
        assert!(!shown.settled);
        assert!(shown_after(&shown, &AuthStatus::SignedOut).settled);
    }
}
