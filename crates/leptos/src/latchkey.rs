//! The context: [`provide_latchkey`] makes it, [`use_latchkey`] reads it, and
//! [`Latchkey`] is the handle every view and component holds.

use latchkey_client::browser::page;
use latchkey_client::config::{self, ConfigError};
use latchkey_client::{
    ApiAnswer, ApiError, ApiMethod, ApiRequest, ApiResult, AuthFailure, AuthStatus, Client,
    RetryAction, SessionView, SignInOptions, Subscription, User,
};
use latchkey_proto::public_config::{PublicConfig, PublicProvider};
use leptos::prelude::*;

use crate::status::{Status, NOT_PROVIDED};

/// How far the configuration got.
#[derive(Debug, Clone, PartialEq)]
enum Setup {
    Loading,
    Ready(PublicConfig),
    Failed(ConfigError),
    NotProvided,
}

/// Sign-in for the views below [`provide_latchkey`]: a `Copy` handle whose reads are
/// reactive (call them inside a closure in `view!`, an `Effect` or a `Memo`).
#[derive(Clone, Copy)]
pub struct Latchkey {
    auth: RwSignal<AuthStatus>,
    user: Memo<Option<User>>,
    setup: RwSignal<Setup>,
    config_url: StoredValue<String>,
    client: StoredValue<Option<(Client, Subscription)>, LocalStorage>,
}

/// Provides sign-in to this component and its descendants, and starts it: loads the
/// configuration at `config_url` (e.g. `"/latchkey.json"`), finishes a sign-in whose
/// answer is in the current address, whatever the route (then puts the person back on
/// the page where they pressed the button, through the history API, so the app's router
/// follows), or restores a stored session. Call it once, in the root component.
pub fn provide_latchkey(config_url: &str) -> Latchkey {
    let auth = RwSignal::new(AuthStatus::Restoring);
    let latchkey = Latchkey {
        auth,
        user: user_of(auth),
        setup: RwSignal::new(Setup::Loading),
        config_url: StoredValue::new(config_url.to_owned()),
        client: StoredValue::new_local(None),
    };
    provide_context(latchkey);
    latchkey.reload();
    latchkey
}

/// The handle [`provide_latchkey`] provided.
///
/// # Panics
/// In a debug build, when no ancestor called [`provide_latchkey`], with a message that
/// names the fix. A release build does not panic: every read says
/// [`Status::Unavailable`] with the same words, and the components show them.
pub fn use_latchkey() -> Latchkey {
    if let Some(latchkey) = use_context::<Latchkey>() {
        return latchkey;
    }
    if cfg!(debug_assertions) {
        panic!("{NOT_PROVIDED}");
    }
    Latchkey::not_provided()
}

/// Who is signed in. A step under way (a renewal's "Try again", a sign-out) keeps the person
/// who was signed in, so a signed-in view does not vanish and come back around it.
fn user_of(auth: RwSignal<AuthStatus>) -> Memo<Option<User>> {
    Memo::new(move |before: Option<&Option<User>>| {
        auth.with(|status| match status {
            AuthStatus::Working { .. } => before.cloned().flatten(),
            other => User::of(other),
        })
    })
}

/// After a sign-in finished here: the address becomes the page it started on, and a
/// `popstate` tells the router (leptos_router, or any other) to show that page. The
/// session lives in this page's memory, so it must not load a new document.
fn return_to(target: &str) {
    if let Err(e) = page::replace_url(target) {
        leptos::logging::warn!("latchkey: {e}");
        return;
    }
    let Some(window) = web_sys::window() else {
        return;
    };
    if let Ok(event) = web_sys::PopStateEvent::new("popstate") {
        let _ = window.dispatch_event(&event);
    }
}

impl Latchkey {
    /// What a release build's [`use_latchkey`] gives without a context: signed out, every
    /// action a no-op, the status saying what to add.
    fn not_provided() -> Latchkey {
        let auth = RwSignal::new(AuthStatus::SignedOut);
        Latchkey {
            auth,
            user: user_of(auth),
            setup: RwSignal::new(Setup::NotProvided),
            config_url: StoredValue::new(String::new()),
            client: StoredValue::new_local(None),
        }
    }

    fn client(&self) -> Option<Client> {
        self.client
            .try_with_value(|c| c.as_ref().map(|(client, _)| client.clone()))
            .flatten()
    }

    fn start(self, config: PublicConfig) {
        let client = Client::new(config.clone());
        let auth = self.auth;
        let subscription = client.subscribe(move |status| {
            auth.try_set(status.clone());
        });
        self.client
            .try_set_value(Some((client.clone(), subscription)));
        self.setup.try_set(Setup::Ready(config));
        client.start_finishing_callbacks(return_to);
    }

    /// Loads the configuration again (the "Try again" of [`Status::Unavailable`]). Once a
    /// configuration has loaded, it stays: this does nothing.
    pub fn reload(&self) {
        let this = *self;
        if matches!(
            self.setup.get_untracked(),
            Setup::Ready(_) | Setup::NotProvided
        ) {
            return;
        }
        self.setup.set(Setup::Loading);
        let url = self.config_url.get_value();
        leptos::task::spawn_local(async move {
            match config::load(&url).await {
                Ok(config) => this.start(config),
                Err(e) => {
                    this.setup.try_set(Setup::Failed(e));
                }
            }
        });
    }

    /// Where sign-in stands (reactive).
    pub fn status(&self) -> Signal<Status> {
        let (auth, setup, url) = (self.auth, self.setup, self.config_url);
        Signal::derive(move || match setup.get() {
            Setup::Loading => Status::Restoring,
            Setup::Ready(_) => auth.with(Status::of),
            Setup::Failed(e) => Status::config_failed(&e, &url.get_value()),
            Setup::NotProvided => Status::Unavailable {
                reason: NOT_PROVIDED.to_owned(),
            },
        })
    }

    /// Who is signed in, or `None` (reactive). While a step runs (signing out, renewing
    /// after "Try again") it is still whoever was signed in when it began.
    pub fn user(&self) -> Signal<Option<User>> {
        self.user.into()
    }

    /// The whole signed-in session as the client shows it (scopes, expiry, claims, a
    /// problem found while signed in), or `None`; never a token (reactive).
    pub fn session(&self) -> Signal<Option<SessionView>> {
        let auth = self.auth;
        Signal::derive(move || match auth.get() {
            AuthStatus::SignedIn(view) => Some(view),
            _ => None,
        })
    }

    /// A problem found while signed in (a renewal without an answer, a profile that did not
    /// load), or `None` (reactive). Read from the status in place, without copying the rest
    /// of the session as [`Latchkey::session`] does.
    pub(crate) fn session_problem(&self) -> Signal<Option<AuthFailure>> {
        let auth = self.auth;
        Signal::derive(move || {
            auth.with(|status| match status {
                AuthStatus::SignedIn(view) => view.problem.as_deref().cloned(),
                _ => None,
            })
        })
    }

    /// The providers of the configuration, in its order; empty until it has loaded
    /// (reactive).
    pub fn providers(&self) -> Signal<Vec<PublicProvider>> {
        let setup = self.setup;
        Signal::derive(move || match setup.get() {
            Setup::Ready(config) => config.providers,
            _ => Vec::new(),
        })
    }

    /// Why the configuration did not load, if it did not (reactive): for a page that
    /// explains a missing `latchkey.json` differently from a broken one.
    pub fn config_error(&self) -> Signal<Option<ConfigError>> {
        let setup = self.setup;
        Signal::derive(move || match setup.get() {
            Setup::Failed(e) => Some(e),
            _ => None,
        })
    }

    /// Starts signing in with the provider whose `id` is given; the page leaves for the
    /// provider. Progress and failures (an unknown id among them) arrive in
    /// [`Latchkey::status`]. Before the configuration has loaded this does nothing.
    pub fn sign_in(&self, provider_id: &str) {
        if let Some(client) = self.client() {
            client.sign_in(provider_id);
        }
    }

    /// Like [`Latchkey::sign_in`], with a return path and the OpenID Connect hints
    /// `login_hint` and `prompt` for this sign-in.
    pub fn sign_in_with(&self, provider_id: &str, options: SignInOptions) {
        if let Some(client) = self.client() {
            client.sign_in_with(provider_id, options);
        }
    }

    /// Signs out: revokes the tokens where the provider can, forgets the session in every
    /// tab, then leaves for the provider's logout page when it has one.
    pub fn sign_out(&self) {
        if let Some(client) = self.client() {
            client.sign_out();
        }
    }

    /// Runs a failure's retry action ([`Status::Failed`]).
    pub fn retry(&self, action: RetryAction) {
        if let Some(client) = self.client() {
            client.retry(action);
        }
    }

    /// Clears a failure.
    pub fn dismiss(&self) {
        if let Some(client) = self.client() {
            client.dismiss();
        }
    }

    /// The authorized fetch, the same as the embed's `latchkey.fetch`: `url` must be under
    /// the signed-in provider's `api_base` (a relative one is joined to it); the access
    /// token goes only there, or an OAuth 1.0a call goes through the companion's signing
    /// proxy. On a 401 the session is renewed once and the call repeated. Any HTTP status
    /// is an `Ok`; an `Err` says in words why no call was made or no answer came. The
    /// answer's status and body are in `response`; its headers in [`ApiAnswer::headers`]
    /// and its status text in [`ApiAnswer::status_text`]. Unlike `latchkey.fetch`, which
    /// hands a page the browser's `Response` as its body comes, this resolves once the
    /// whole body has come.
    pub async fn fetch(&self, url: &str, init: FetchInit) -> Result<ApiAnswer, ApiError> {
        let Some(client) = self.client() else {
            return Err(ApiError::NotSignedIn);
        };
        let request = ApiRequest {
            body: init.body,
            headers: init.headers,
            signal: init.signal,
        };
        client.fetch(init.method, url.to_owned(), request).await
    }

    /// A call for an API console: like [`Latchkey::fetch`], with the answer as text
    /// (JSON pretty-printed, long bodies cut). `signal` stops it as [`FetchInit::signal`]
    /// does; like `fetch`, it has no deadline of Latchkey's.
    pub async fn call_api(
        &self,
        method: ApiMethod,
        path: String,
        body: Option<String>,
        signal: Option<web_sys::AbortSignal>,
    ) -> Result<ApiResult, ApiError> {
        let Some(client) = self.client() else {
            return Err(ApiError::NotSignedIn);
        };
        client.call_api(method, path, body, signal).await
    }
}

/// What [`Latchkey::fetch`] sends besides the URL: `FetchInit::default()` is a GET.
#[derive(Debug, Clone)]
pub struct FetchInit {
    /// The method.
    pub method: ApiMethod,
    /// Headers, `(name, value)`. `Authorization` is always Latchkey's own: one given here
    /// is dropped. Without `Accept` or `Content-Type`, Latchkey picks them.
    pub headers: Vec<(String, String)>,
    /// The body, sent with any method but GET and HEAD, which refuse one.
    pub body: Option<Vec<u8>>,
    /// Calls the call off when it aborts, as `window.fetch`'s `init.signal`: the request in
    /// flight is cancelled and the call ends with [`ApiError::Aborted`]. A renewal the call
    /// started runs to its end. The call has no deadline of Latchkey's, as `fetch` has
    /// none: for one, give `AbortSignal.timeout(ms)`.
    pub signal: Option<web_sys::AbortSignal>,
}

impl Default for FetchInit {
    fn default() -> FetchInit {
        FetchInit {
            method: ApiMethod::Get,
            headers: Vec::new(),
            body: None,
            signal: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[should_panic(expected = "provide_latchkey(\"/latchkey.json\")")]
    fn a_debug_build_without_the_context_panics_naming_the_fix() {
        let _ = use_latchkey();
    }

    #[test]
    fn without_the_context_a_release_build_says_what_to_add_and_does_nothing() {
        let latchkey = Latchkey::not_provided();
        assert_eq!(
            latchkey.status().get_untracked(),
            Status::Unavailable {
                reason: NOT_PROVIDED.to_owned()
            }
        );
        assert!(NOT_PROVIDED.contains("provide_latchkey"));
        assert_eq!(latchkey.user().get_untracked(), None);
        assert!(latchkey.providers().get_untracked().is_empty());
        // Every action is harmless without a client; reload does not start one either.
        latchkey.sign_in("dot");
        latchkey.sign_out();
        latchkey.reload();
        assert_eq!(
            latchkey.status().get_untracked(),
            Status::Unavailable {
                reason: NOT_PROVIDED.to_owned()
            }
        );
    }

    #[test]
    fn a_config_that_failed_is_unavailable_with_its_url_and_loaded_is_the_client_status() {
        let latchkey = Latchkey::not_provided();
        latchkey
            .config_url
            .set_value("/site/latchkey.json".to_owned());
        latchkey
            .setup
            .set(Setup::Failed(ConfigError::Status { status: 503 }));
        let Status::Unavailable { reason } = latchkey.status().get_untracked() else {
            panic!("not unavailable");
        };
        assert!(reason.contains("HTTP 503"), "{reason}");
        assert!(reason.contains("(/site/latchkey.json)"), "{reason}");
        assert_eq!(
            latchkey.config_error().get_untracked(),
            Some(ConfigError::Status { status: 503 })
        );
        latchkey.setup.set(Setup::Loading);
        assert_eq!(latchkey.status().get_untracked(), Status::Restoring);
        latchkey.setup.set(Setup::Ready(PublicConfig::default()));
        latchkey.auth.set(AuthStatus::Working {
            step: "Signing out…".into(),
            provider_id: Some("dot".into()),
        });
        assert_eq!(
            latchkey.status().get_untracked(),
            Status::Working {
                step: "Signing out…".into()
            }
        );
    }
}
