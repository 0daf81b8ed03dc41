//! [`Status`]: what a page shows about sign-in, in five plain states plus one for a site
//! whose sign-in cannot run at all. Pure, tested natively.

use latchkey_client::config::ConfigError;
use latchkey_client::{AuthFailure, AuthStatus};

/// Where sign-in stands, for a view to match on. Every failure carries its words.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// The configuration is loading, or a stored session is being looked for.
    Restoring,
    /// Nobody is signed in.
    SignedOut,
    /// A flow is under way: signing in, finishing a sign-in, or signing out.
    Working {
        /// The step in words, e.g. "Exchanging the authorization code for tokens…".
        step: String,
    },
    /// Someone is signed in: [`Latchkey::user`](crate::Latchkey::user) says who.
    SignedIn,
    /// A flow failed. `title` and `message` say what happened and what to do;
    /// [`Latchkey::retry`](crate::Latchkey::retry) runs `retry`.
    Failed(AuthFailure),
    /// Sign-in cannot run on this page: the configuration did not load, or the app
    /// never called [`provide_latchkey`](crate::provide_latchkey). The words name the fix;
    /// [`Latchkey::reload`](crate::Latchkey::reload) loads the configuration again.
    Unavailable {
        /// What is wrong and what to do, in one or two sentences.
        reason: String,
    },
}

impl Status {
    /// The status for a client status.
    pub fn of(status: &AuthStatus) -> Status {
        match status {
            AuthStatus::Restoring => Status::Restoring,
            AuthStatus::SignedOut => Status::SignedOut,
            AuthStatus::Working { step, .. } => Status::Working { step: step.clone() },
            AuthStatus::SignedIn(_) => Status::SignedIn,
            AuthStatus::Failed(failure) => Status::Failed(failure.clone()),
        }
    }

    /// The status for a configuration at `url` that did not load.
    pub fn config_failed(error: &ConfigError, url: &str) -> Status {
        Status::Unavailable {
            reason: format!(
                "Sign-in is not available: {error} ({url}). {}",
                error.advice()
            ),
        }
    }
}

/// The words for an app that reads the context without providing it.
pub const NOT_PROVIDED: &str = "Sign-in is not set up on this page: the app must call \
    latchkey_leptos::provide_latchkey(\"/latchkey.json\") in a component above the one that \
    uses it (usually the root App).";

#[cfg(test)]
mod tests {
    use super::*;
    use latchkey_client::RetryAction;

    #[test]
    fn each_client_status_has_its_counterpart() {
        assert_eq!(Status::of(&AuthStatus::Restoring), Status::Restoring);
        assert_eq!(Status::of(&AuthStatus::SignedOut), Status::SignedOut);
        assert_eq!(
            Status::of(&AuthStatus::Working {
                step: "Signing out…".into(),
                provider_id: Some("dot".into()),
            }),
            Status::Working {
                step: "Signing out…".into()
            }
        );
        let failure = AuthFailure {
            title: "Sign-in was cancelled".into(),
            message: "You did not allow access.".into(),
            retry: RetryAction::SignIn {
                provider_id: "dot".into(),
            },
            provider_id: Some("dot".into()),
        };
        assert_eq!(
            Status::of(&AuthStatus::Failed(failure.clone())),
            Status::Failed(failure)
        );
    }

    #[test]
    fn a_config_that_did_not_load_says_where_and_what_to_do() {
        let Status::Unavailable { reason } =
            Status::config_failed(&ConfigError::Missing, "/app/latchkey.json")
        else {
            panic!("not unavailable");
        };
        assert!(reason.contains("(/app/latchkey.json)"), "{reason}");
        assert!(reason.contains(ConfigError::Missing.advice()), "{reason}");
        let Status::Unavailable { reason } = Status::config_failed(
            &ConfigError::Parse {
                reason: "unknown field `client_secret`".into(),
                excerpt: String::new(),
                unknown_field: true,
            },
            "/latchkey.json",
        ) else {
            panic!("not unavailable");
        };
        assert!(reason.contains("unknown field `client_secret`"), "{reason}");
    }
}
