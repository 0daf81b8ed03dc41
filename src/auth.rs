//! Sign-in for the app's views: the [`latchkey_client::Client`] behind a Leptos context.
//!
//! The flows live in `latchkey-client`; this module turns its status into a signal the
//! views read, and moves keyboard focus to a failure when one appears.
//!
//! ```ignore
//! // Once `/latchkey.json` is loaded, above every view that needs sign-in:
//! let auth = auth::provide_auth(config);
//! // In any descendant:
//! let auth = auth::use_auth();
//! move || match auth.status.get() {
//!     AuthStatus::Restoring => view! { <p>{words::RESTORING}</p> }.into_any(),
//!     AuthStatus::SignedOut => /* one button per provider: auth.sign_in(&p.id) */,
//!     AuthStatus::Working { step } => view! { <p aria-live="polite">{step}</p> }.into_any(),
//!     AuthStatus::SignedIn(session) => /* profile, inspector, API console, auth.sign_out() */,
//!     AuthStatus::Failed(failure) => /* failure.title, failure.message,
//!                                        button failure.retry.label() → auth.retry(failure.retry) */,
//! }
//! // On the /callback page, once (an Effect):
//! auth.complete_callback(move |path| navigate(path, NavigateOptions { replace: true, ..Default::default() }));
//! ```

use latchkey_client::browser::page;
use latchkey_client::{Client, Subscription};
use latchkey_proto::public_config::PublicConfig;
use leptos::prelude::*;

pub use latchkey_client::{
    words, ApiError, ApiMethod, ApiResult, AuthFailure, AuthStatus, RetryAction, SessionView,
};

/// The failure notice's selector (`components::status::FailureNotice`), for keyboard focus.
const FAILURE_NOTICE: &str = "[data-testid=auth-error]";

/// The auth context: cheap to copy, read anywhere below [`provide_auth`] with [`use_auth`].
#[derive(Clone, Copy)]
pub struct Auth {
    /// What to show. Changes as flows progress; never holds a token.
    pub status: Signal<AuthStatus>,
    client: StoredValue<(Client, Subscription), LocalStorage>,
}

/// Creates the auth context for this configuration, provides it to descendants and starts
/// restoring a stored session (unless the page is `/callback`, whose page calls
/// [`Auth::complete_callback`]).
///
/// Call it once, where the configuration is known.
pub fn provide_auth(config: PublicConfig) -> Auth {
    let (status, set_status) = signal(AuthStatus::Restoring);
    let client = Client::new(config);
    let subscription = client.subscribe(move |next| {
        if needs_focus(&status.get_untracked(), next) {
            page::focus_soon(FAILURE_NOTICE);
        }
        set_status.set(next.clone());
    });
    client.start();
    let auth = Auth {
        status: status.into(),
        client: StoredValue::new_local((client, subscription)),
    };
    provide_context(auth);
    auth
}

/// Keyboard focus moves to a failure when one appears: a failed flow, or a new problem
/// inside the signed-in view.
fn needs_focus(before: &AuthStatus, after: &AuthStatus) -> bool {
    match (before, after) {
        (_, AuthStatus::Failed(_)) => true,
        (AuthStatus::SignedIn(was), AuthStatus::SignedIn(now)) => {
            now.problem.is_some() && now.problem != was.problem
        }
        (_, AuthStatus::SignedIn(now)) => now.problem.is_some(),
        _ => false,
    }
}

/// The auth context provided by [`provide_auth`].
///
/// # Panics
/// When no ancestor called [`provide_auth`]: a wiring mistake in the app, not an input.
pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

impl Auth {
    fn client(&self) -> Option<Client> {
        self.client.try_with_value(|(c, _)| c.clone())
    }

    /// See [`Client::sign_in`].
    pub fn sign_in(&self, provider_id: &str) {
        if let Some(c) = self.client() {
            c.sign_in(provider_id);
        }
    }

    /// See [`Client::complete_callback`].
    pub fn complete_callback(&self, navigate: impl Fn(&str) + 'static) {
        if let Some(c) = self.client() {
            c.complete_callback(navigate);
        }
    }

    /// See [`Client::sign_out`].
    pub fn sign_out(&self) {
        if let Some(c) = self.client() {
            c.sign_out();
        }
    }

    /// See [`Client::retry`].
    pub fn retry(&self, action: RetryAction) {
        if let Some(c) = self.client() {
            c.retry(action);
        }
    }

    /// See [`Client::dismiss`].
    pub fn dismiss(&self) {
        if let Some(c) = self.client() {
            c.dismiss();
        }
    }

    /// See [`Client::call_api`].
    pub async fn call_api(
        &self,
        method: ApiMethod,
        path: String,
        body: Option<String>,
    ) -> Result<ApiResult, ApiError> {
        match self.client() {
            Some(c) => c.call_api(method, path, body).await,
            None => Err(ApiError::NotSignedIn),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(title: &str) -> AuthFailure {
        AuthFailure {
            title: title.into(),
            message: "m".into(),
            retry: RetryAction::ShowProviders,
        }
    }

    fn signed_in(problem: Option<AuthFailure>) -> AuthStatus {
        AuthStatus::SignedIn(SessionView {
            provider_id: "dot".into(),
            provider_name: "Django".into(),
            protocol: latchkey_proto::public_config::Protocol::Oidc,
            display_name: "Ada".into(),
            email: None,
            picture: None,
            sub: "1".into(),
            scopes: vec![],
            access_expires_at: None,
            storage: latchkey_proto::public_config::SessionStorage::Tab,
            can_refresh: true,
            refresh_in_companion: false,
            id_token_claims: vec![],
            userinfo_claims: vec![],
            problem: problem.map(Box::new),
        })
    }

    #[test]
    fn focus_moves_to_every_failure_and_to_a_new_problem_only() {
        let working = AuthStatus::Working { step: "s".into() };
        assert!(needs_focus(&working, &AuthStatus::Failed(failure("a"))));
        assert!(needs_focus(
            &AuthStatus::Failed(failure("a")),
            &AuthStatus::Failed(failure("a"))
        ));
        assert!(needs_focus(&working, &signed_in(Some(failure("p")))));
        assert!(needs_focus(
            &signed_in(None),
            &signed_in(Some(failure("p")))
        ));
        assert!(!needs_focus(
            &signed_in(Some(failure("p"))),
            &signed_in(Some(failure("p")))
        ));
        assert!(!needs_focus(&working, &signed_in(None)));
        assert!(!needs_focus(&working, &AuthStatus::SignedOut));
    }
}
