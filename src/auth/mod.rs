//! Sign-in, in the browser: the reactive auth context the UI reads, and the flows behind it.
//!
//! The app is thin glue around `latchkey_proto`: every protocol rule (PKCE, the authorization
//! URL, callback validation, token parsing, ID token claims, revocation, logout) is decided
//! there; this module draws the random bytes, keeps the pending flow and the session in the
//! right storage, does the fetches, verifies JWS signatures with WebCrypto, and turns every
//! outcome into words for the UI.
//!
//! # Using it from the UI
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
//! let navigate = leptos_router::hooks::use_navigate();
//! auth.complete_callback(move |path| navigate(path, NavigateOptions { replace: true, ..Default::default() }));
//! ```
//!
//! # What lives where
//! - [`words`]: every sentence the flows show (progress steps, failures), as data.
//! - `return_to`, `profile`, `schedule`, `storage_mode`, `api_target`: pure decisions, tested
//!   natively (`cargo test -p latchkey-app`).
//! - `engine` and the flow modules: the browser side (wasm32).
//! - `crate::browser`: thin web-sys wrappers (storage, randomness, locks, channels, timers).
//!
//! One session at a time: signing in with another provider replaces the current one.

use std::rc::Rc;

use latchkey_proto::public_config::{Protocol, PublicConfig, SessionStorage};
use leptos::prelude::*;

mod api_call;
mod api_target;
mod callback_flow;
mod companion_return;
mod endpoints;
mod engine;
mod errors;
mod exchange;
mod mediation;
mod oauth1;
mod pending;
mod profile;
mod reach;
mod refresh;
mod return_to;
mod schedule;
mod session;
mod signin;
mod signout;
mod spent_tokens;
pub(crate) mod storage_mode;
pub mod webcrypto;
pub mod words;

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests;
#[cfg(all(test, target_arch = "wasm32"))]
mod fault_browser_tests;
#[cfg(all(test, target_arch = "wasm32"))]
mod spent_tokens_browser_tests;

pub use api_target::ApiMethod;
pub use errors::{ApiError, CallbackError, DiscoveryError, RefreshError, SignOutError, StartError};

/// What the UI shows about sign-in, as one value.
#[derive(Debug, Clone, PartialEq)]
pub enum AuthStatus {
    /// The page just loaded and a stored session (a refresh token in storage, or a companion
    /// session for OAuth 1.0a) is being looked for and renewed. Show a quiet placeholder.
    Restoring,
    /// Nobody is signed in: show the provider buttons.
    SignedOut,
    /// A flow is under way; `step` says what is happening, in words (see [`words`]).
    Working {
        /// For example "Exchanging the code for tokens…".
        step: String,
    },
    /// Signed in.
    SignedIn(SessionView),
    /// The last operation failed; the failure says what happened and what to do.
    Failed(AuthFailure),
}

/// What the UI may know about the session. It never holds a token: the access, ID and
/// refresh tokens stay inside the auth module.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionView {
    /// The provider's `id` in `/latchkey.json`.
    pub provider_id: String,
    /// The provider's display name.
    pub provider_name: String,
    /// How the session was obtained.
    pub protocol: Protocol,
    /// The best name to greet the user with: `name`, else `preferred_username`, else `sub`
    /// (for OAuth 1.0a: `screen_name`, else `user_id`).
    pub display_name: String,
    /// The e-mail address, when the provider shared one.
    pub email: Option<String>,
    /// A picture URL, when the provider shared one (https or http only).
    pub picture: Option<String>,
    /// The subject identifier (OIDC `sub`; OAuth 1.0a `user_id`; empty for plain OAuth 2.0
    /// without userinfo).
    pub sub: String,
    /// The scopes granted (as the token response reported them, else as requested).
    pub scopes: Vec<String>,
    /// When the access token expires, in milliseconds since the Unix epoch; `None` when the
    /// provider did not say (and for OAuth 1.0a, whose tokens do not expire).
    pub access_expires_at: Option<u64>,
    /// Where the refresh token is kept (for the inspector: "memory", "tab", "browser").
    pub storage: SessionStorage,
    /// True when the session renews itself (a refresh token is held here or by the
    /// companion).
    pub can_refresh: bool,
    /// True when the companion holds the refresh token (in an HttpOnly cookie) and the
    /// browser holds none.
    pub refresh_in_companion: bool,
    /// The verified ID token's claims, `(name, value)` sorted by name, for the inspector
    /// (strings as they are, other values as JSON). Empty for OAuth 2.0 without OIDC and for OAuth 1.0a.
    pub id_token_claims: Vec<(String, String)>,
    /// The userinfo response's claims (OIDC) or the companion's identity fields (OAuth
    /// 1.0a), `(name, value)` sorted by name.
    pub userinfo_claims: Vec<(String, String)>,
    /// A problem the signed-in user should see (the profile could not be loaded, a renewal
    /// failed on the way to the provider), with its retry. Boxed: it is rare, and the
    /// status enum stays small.
    pub problem: Option<Box<AuthFailure>>,
}

/// A failure, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthFailure {
    /// A short heading, e.g. "Sign-in was cancelled".
    pub title: String,
    /// One or two sentences, e.g. "You cancelled sign-in at Django.". Never a raw error code
    /// alone, never a token.
    pub message: String,
    /// What the retry button does.
    pub retry: RetryAction,
}

/// What the button under a failure does; run it with [`Auth::retry`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetryAction {
    /// Start sign-in with this provider again.
    SignIn {
        /// The provider's `id`.
        provider_id: String,
    },
    /// Go back to the provider list (the failure is cleared).
    ShowProviders,
    /// Renew the session again (its refresh token was kept).
    Renew {
        /// The provider's `id`.
        provider_id: String,
    },
    /// Load the profile (userinfo) again.
    LoadProfile,
}

impl RetryAction {
    /// The button's label.
    pub fn label(&self) -> Option<&'static str> {
        match self {
            RetryAction::SignIn { .. } | RetryAction::Renew { .. } | RetryAction::LoadProfile => {
                Some(words::RETRY_SIGN_IN)
            }
            RetryAction::ShowProviders => Some(words::RETRY_SHOW_PROVIDERS),
        }
    }
}

/// An API console answer: the provider's status and body, whatever the status was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiResult {
    /// The HTTP status code.
    pub status: u16,
    /// The reason phrase the browser reported (may be empty over HTTP/2).
    pub status_text: String,
    /// The `content-type` header, if any.
    pub content_type: Option<String>,
    /// The body as text; JSON is pretty-printed, anything longer than
    /// [`words::API_BODY_LIMIT`] characters is cut with a note.
    pub body: String,
    /// True when the first attempt got a 401 and the session was refreshed and the call
    /// retried once.
    pub retried_after_refresh: bool,
}

/// The auth context: cheap to copy, read anywhere below [`provide_auth`] with [`use_auth`].
#[derive(Clone, Copy)]
pub struct Auth {
    /// What to show. Changes as flows progress; never holds a token.
    pub status: Signal<AuthStatus>,
    engine: StoredValue<Rc<engine::Engine>, LocalStorage>,
}

/// Creates the auth context for this configuration, provides it to descendants and starts
/// restoring a stored session (unless the page is `/callback`, whose page calls
/// [`Auth::complete_callback`]).
///
/// Call it once, where the configuration is known.
pub fn provide_auth(config: PublicConfig) -> Auth {
    let (status, set_status) = signal(AuthStatus::Restoring);
    let engine = engine::Engine::new(config, set_status);
    let auth = Auth {
        status: status.into(),
        engine: StoredValue::new_local(engine),
    };
    provide_context(auth);
    auth.with_engine(engine::Engine::start);
    auth
}

/// The auth context provided by [`provide_auth`].
///
/// # Panics
/// When no ancestor called [`provide_auth`]: a wiring mistake in the app, not an input.
pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

impl Auth {
    fn with_engine(&self, f: impl FnOnce(Rc<engine::Engine>)) {
        if let Some(engine) = self.engine.try_get_value() {
            f(engine);
        }
    }

    /// Starts signing in with the provider whose `id` is given: OAuth 2.0 / OIDC redirect
    /// to the provider (after discovery), or, for OAuth 1.0a, a navigation to the
    /// companion's `/oauth1/{id}/login`. Progress and failures arrive in [`Auth::status`].
    /// The path the user is on now is where they come back to.
    pub fn sign_in(&self, provider_id: &str) {
        let id = provider_id.to_owned();
        self.with_engine(move |e| e.sign_in(id));
    }

    /// Finishes an OAuth 2.0 / OIDC sign-in on the `/callback` page: reads `location.href`,
    /// checks and consumes the pending flow, exchanges the code, verifies the ID token,
    /// loads the profile. On success the code and state are removed from the address bar and
    /// `navigate` is called once with the same-origin path the user started from (use the
    /// router's navigate with `replace: true`). Calling it twice for one page load does
    /// nothing the second time.
    pub fn complete_callback(&self, navigate: impl Fn(&str) + 'static) {
        self.with_engine(move |e| e.complete_callback(Box::new(navigate)));
    }

    /// Signs out: revokes the tokens where the provider supports it, clears the session in
    /// every tab, then leaves for the provider's logout page when it has one (coming back
    /// to `/`).
    pub fn sign_out(&self) {
        self.with_engine(|e| e.sign_out());
    }

    /// Runs a failure's retry action.
    pub fn retry(&self, action: RetryAction) {
        match action {
            RetryAction::SignIn { provider_id } => self.sign_in(&provider_id),
            RetryAction::ShowProviders => self.dismiss(),
            RetryAction::Renew { provider_id } => {
                self.with_engine(move |e| e.renew_again(provider_id))
            }
            RetryAction::LoadProfile => self.with_engine(|e| e.load_profile_again()),
        }
    }

    /// Clears a failure and shows the provider list (or the session, if one is still held).
    pub fn dismiss(&self) {
        self.with_engine(|e| e.dismiss());
    }

    /// Calls the signed-in provider's API: `path` is relative to its `api_base` (e.g.
    /// `/me` or `me`), or an absolute URL under it; anything else is refused. Sends the
    /// access token as a Bearer token (OAuth 2.0) or goes through the companion (OAuth
    /// 1.0a). On a 401 the session is refreshed once and the call retried.
    ///
    /// Any HTTP status is an `Ok`; `Err` means the call could not be made (see
    /// [`ApiError`]'s words).
    pub async fn call_api(
        &self,
        method: ApiMethod,
        path: String,
        body: Option<String>,
    ) -> Result<ApiResult, ApiError> {
        match self.engine.try_get_value() {
            Some(engine) => engine.call_api(method, path, body).await,
            None => Err(ApiError::NotSignedIn),
        }
    }
}
