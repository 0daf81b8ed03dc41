//! [`Client`]: the handle a page holds. Every flow runs in the engine behind it; state
//! reaches the page through [`Client::subscribe`].

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use latchkey_proto::public_config::{PublicConfig, PublicProvider};

use crate::api_call::{ApiAnswer, ApiRequest, ApiResult};
use crate::browser::fetch::PageBody;
use crate::engine::Engine;
use crate::signin::SignInOptions;
use crate::signout::ProviderLogout;
use crate::{ApiError, ApiMethod, AuthStatus, RetryAction};

/// The future of a call into the client, boxed here so the embed and the Leptos crate poll it
/// through a pointer instead of compiling it again.
///
/// An `async fn`'s body (and everything it awaits) is compiled into each crate that awaits it:
/// with `Client::fetch` an `async fn`, the embed's wasm carried a second copy of the authorized
/// call, the renewal, DPoP and the IndexedDB helpers beside the client's own (rustc's
/// `-Zprint-mono-items` lists both). Made in this crate behind `Box<dyn Future>`, the body is
/// compiled once. `#[inline(never)]` on the functions keeps them, and so the coercion, here.
pub type Pending<T> = Pin<Box<dyn Future<Output = T>>>;

/// Sign-in for one page: cheap to clone (all clones share one engine). Create it with
/// [`Client::new`], subscribe, then call [`Client::start`].
#[derive(Clone)]
pub struct Client {
    engine: Rc<Engine>,
}

/// Keeps a subscriber registered; dropping it unsubscribes.
#[must_use = "dropping a Subscription unsubscribes at once"]
pub struct Subscription {
    engine: std::rc::Weak<Engine>,
    id: u64,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if let Some(engine) = self.engine.upgrade() {
            engine.unsubscribe(self.id);
        }
    }
}

impl Subscription {
    /// Keeps the subscriber for as long as the client lives (for a page-long subscriber).
    pub fn keep(self) {
        std::mem::forget(self);
    }
}

impl Client {
    /// A client for this configuration. Nothing runs until [`Client::start`]; the status
    /// is [`AuthStatus::Restoring`] until then.
    pub fn new(config: PublicConfig) -> Client {
        Client::with_provider_logout(config, ProviderLogout::Redirect)
    }

    /// Like [`Client::new`], choosing what [`Client::sign_out`] does at the provider.
    pub fn with_provider_logout(config: PublicConfig, provider_logout: ProviderLogout) -> Client {
        Client {
            engine: Engine::new(config, provider_logout),
        }
    }

    /// Listens to the other tabs of the origin and restores a stored session (on the
    /// `/callback` page it waits for [`Client::complete_callback`] instead). Call it once,
    /// after subscribing.
    pub fn start(&self) {
        self.engine.clone().start(None);
    }

    /// Like [`Client::start`], for pages with no callback route of their own (the embed):
    /// when the address carries an authorization response (a `state` with a `code` or an
    /// `error`), this page finishes the sign-in at once, as [`Client::complete_callback`]
    /// does, and calls `navigate` with the same-origin path the person started from.
    pub fn start_finishing_callbacks(&self, navigate: impl Fn(&str) + 'static) {
        self.engine.clone().start(Some(Box::new(navigate)));
    }

    /// The configuration the client was made with.
    pub fn config(&self) -> &PublicConfig {
        &self.engine.config
    }

    /// The configured provider with this `id`.
    pub fn provider(&self, id: &str) -> Option<&PublicProvider> {
        self.engine.provider(id)
    }

    /// The status now.
    pub fn status(&self) -> AuthStatus {
        self.engine.status()
    }

    /// Calls `notify` with every status published from now on (not the current one: read
    /// [`Client::status`] for that). It runs synchronously inside the flow that changed the
    /// status, so it should only record or render, never block.
    pub fn subscribe(&self, notify: impl Fn(&AuthStatus) + 'static) -> Subscription {
        let id = self.engine.subscribe(Rc::new(notify));
        Subscription {
            engine: Rc::downgrade(&self.engine),
            id,
        }
    }

    /// Starts signing in with the provider whose `id` is given: OAuth 2.0 / OIDC redirect
    /// to the provider (after discovery), or, for OAuth 1.0a, a navigation to the
    /// companion's `/oauth1/{id}/login`. Progress and failures arrive as statuses. The path
    /// the person is on now is where they come back to.
    pub fn sign_in(&self, provider_id: &str) {
        self.sign_in_with(provider_id, SignInOptions::default());
    }

    /// Like [`Client::sign_in`], with a return path and the OpenID Connect hints
    /// `login_hint` and `prompt` for this sign-in (they replace the provider's
    /// `authorize_params` of the same name; OAuth 1.0a ignores them).
    pub fn sign_in_with(&self, provider_id: &str, options: SignInOptions) {
        self.engine.clone().sign_in(provider_id.to_owned(), options);
    }

    /// Like [`Client::sign_in`], coming back to `return_to` (a path on this origin with its
    /// query and fragment; anything else comes back to `/`).
    pub fn sign_in_returning(&self, provider_id: &str, return_to: &str) {
        self.sign_in_with(
            provider_id,
            SignInOptions {
                return_to: Some(return_to.to_owned()),
                ..SignInOptions::default()
            },
        );
    }

    /// Finishes an OAuth 2.0 / OIDC sign-in on the page the provider returned to (its
    /// redirect URI: `/callback`, or the provider's `redirect_uri`): reads `location.href`,
    /// checks and consumes the pending flow, exchanges the code, verifies the ID token,
    /// loads the profile. On success the code and state are removed from the address bar and
    /// `navigate` is called once with the same-origin path the person started from (a
    /// router's navigate with `replace: true`). A second call for one page load does
    /// nothing.
    pub fn complete_callback(&self, navigate: impl Fn(&str) + 'static) {
        self.engine.clone().complete_callback(Box::new(navigate));
    }

    /// Signs out: revokes the tokens where the provider supports it, clears the session in
    /// every tab, then, with [`ProviderLogout::Redirect`], leaves for the provider's logout
    /// page when it has one (coming back to `/`).
    pub fn sign_out(&self) {
        self.engine.clone().sign_out();
    }

    /// Renews the session a failure kept ([`RetryAction::Renew`]): the one in memory, or
    /// the stored one (an OAuth 1.0a session is asked of the companion again). What
    /// [`Client::retry`] does for that action, for a caller that offers no other.
    pub fn renew_again(&self, provider_id: &str) {
        self.engine.clone().renew_again(provider_id.to_owned());
    }

    /// Runs a failure's retry action.
    pub fn retry(&self, action: RetryAction) {
        match action {
            RetryAction::SignIn { provider_id } => self.sign_in(&provider_id),
            RetryAction::ShowProviders => self.dismiss(),
            RetryAction::Renew { provider_id } => self.renew_again(&provider_id),
            RetryAction::LoadProfile => self.engine.clone().load_profile_again(),
        }
    }

    /// Clears a failure and shows the provider list (or the session, if one is still held).
    pub fn dismiss(&self) {
        self.engine.clone().dismiss();
    }

    /// Calls the signed-in provider's API: `path` is relative to its `api_base` (e.g.
    /// `/me` or `me`), or an absolute URL under it; anything else is refused. Sends the
    /// access token as a Bearer token (OAuth 2.0) or goes through the companion (OAuth
    /// 1.0a). On a 401 the session is refreshed once and the call retried.
    ///
    /// Any HTTP status is an `Ok`; `Err` means the call could not be made (see
    /// [`ApiError`]'s words).
    ///
    /// `signal` calls the call off as [`ApiRequest::signal`] does ([`ApiError::Aborted`]).
    /// Like [`Client::fetch`], the call has no deadline of the client's: a console that
    /// should not wait forever aborts it itself.
    #[inline(never)]
    pub fn call_api(
        &self,
        method: ApiMethod,
        path: String,
        body: Option<String>,
        signal: Option<web_sys::AbortSignal>,
    ) -> Pending<Result<ApiResult, ApiError>> {
        Box::pin(self.engine.clone().run_api_call(method, path, body, signal))
    }

    /// The authorized fetch: `url` must be under the signed-in provider's `api_base` (or,
    /// relative, is joined to it); the access token goes only there, as a Bearer token
    /// (OAuth 2.0), or the call goes through the companion's signing proxy (OAuth 1.0a). On
    /// a 401 the session is refreshed once and the call retried. Any HTTP status is an
    /// `Ok`, with the whole body; `Err` means the call was refused or could not be made.
    #[inline(never)]
    pub fn fetch(
        &self,
        method: ApiMethod,
        url: String,
        request: ApiRequest,
    ) -> Pending<Result<ApiAnswer, ApiError>> {
        let engine = self.engine.clone();
        Box::pin(async move {
            let answer = engine.run_authorized(method, url, request).await?;
            answer.read().await
        })
    }

    /// [`Client::fetch`], resolved once the answer's status and headers have come: its
    /// body is the browser's stream, for the page to read as it comes (an answer the client
    /// had to read, a client error of a DPoP-bound call, comes whole).
    #[inline(never)]
    pub fn fetch_streaming(
        &self,
        method: ApiMethod,
        url: String,
        request: ApiRequest,
    ) -> Pending<Result<ApiAnswer<PageBody>, ApiError>> {
        let engine = self.engine.clone();
        Box::pin(async move {
            let answer = engine.run_authorized(method, url, request).await?;
            Ok(answer.into_page_body())
        })
    }

    /// The engine, for the browser tests that drive it directly.
    #[cfg(all(test, target_arch = "wasm32"))]
    pub(crate) fn engine(&self) -> Rc<Engine> {
        self.engine.clone()
    }
}
