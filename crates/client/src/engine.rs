//! The engine behind [`Client`](crate::Client): owns the in-memory session, runs the flows
//! as local tasks, and publishes [`AuthStatus`] changes to the subscribers.
//!
//! Each flow lives in its own module (`signin`, `callback_flow`, `refresh`, `signout`,
//! `api_call`, `oauth1`, `handoff_flow`, `session_end`); this file holds the shared state,
//! status updates, the refresh timer and the cross-tab channel.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use latchkey_proto::public_config::{Protocol, PublicConfig, PublicProvider};
use wasm_bindgen_futures::spawn_local;

use super::endpoints::Resolved;
use super::session::{Broadcast, Session};
use super::{return_to, schedule, storage_mode, words, AuthFailure, AuthStatus};
use crate::browser::channel::Channel;
use crate::browser::timer::Timeout;
use crate::browser::{page, BrowserError};

/// The callback the `/callback` page hands in to move to the return path.
pub type Navigate = Box<dyn Fn(&str)>;

/// Where new tokens come from, which decides who writes storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// This tab got them: it stores the refresh token and tells the other tabs.
    ThisTab,
    /// Another tab's broadcast: that tab already stored them. Writing them again could put
    /// back a token that a third tab has rotated since.
    OtherTab,
    /// This page's storage, on load: they are stored already.
    Storage,
}

/// A status subscriber, with the number that unsubscribes it.
type Subscriber = (u64, Rc<dyn Fn(&AuthStatus)>);

/// Shared state of a [`Client`](crate::Client). Lives in an `Rc`; tasks hold a clone.
pub struct Engine {
    pub(super) config: PublicConfig,
    /// What signing out does at the provider.
    pub(super) provider_logout: super::signout::ProviderLogout,
    /// The last status published.
    status: RefCell<AuthStatus>,
    subscribers: RefCell<Vec<Subscriber>>,
    next_subscriber: Cell<u64>,
    /// The one session, if signed in.
    pub(super) session: RefCell<Option<Session>>,
    /// Endpoints per provider id, resolved once per page (and cached in sessionStorage). A
    /// list, not a `HashMap`: a page has a handful of providers, and the hash table with its
    /// hashing was 3 KB of wasm.
    endpoints: RefCell<Vec<(String, Rc<Resolved>)>>,
    /// Set when `complete_callback` ran for this page load.
    callback_claimed: Cell<bool>,
    /// The page a sign-in's answer arrived at, and where that sign-in was to return, until
    /// it succeeds: a sign-in started again there returns to the same place.
    pub(super) answered_at: RefCell<Option<(String, String)>>,
    pub(super) refresh_timer: RefCell<Option<Timeout>>,
    /// How many renewals in a row met a passing fault since the last tokens came: the
    /// timer's next try waits longer each time ([`schedule::retry_delay_ms`]).
    pub(super) renew_round: Cell<u32>,
    channel: RefCell<Option<Channel>>,
    /// Bumped whenever the session's tokens change (here or from another tab), so a task
    /// waiting for a lock can tell that someone else already refreshed.
    pub(super) generation: Cell<u64>,
    pub(super) me: Weak<Engine>,
}

impl Engine {
    /// A new engine; call [`Engine::start`] next.
    pub fn new(
        config: PublicConfig,
        provider_logout: super::signout::ProviderLogout,
    ) -> Rc<Engine> {
        crate::companion::use_config(&config);
        Rc::new_cyclic(|me| Engine {
            config,
            provider_logout,
            status: RefCell::new(AuthStatus::Restoring),
            subscribers: RefCell::new(Vec::new()),
            next_subscriber: Cell::new(0),
            session: RefCell::new(None),
            endpoints: RefCell::new(Vec::new()),
            callback_claimed: Cell::new(false),
            answered_at: RefCell::new(None),
            refresh_timer: RefCell::new(None),
            renew_round: Cell::new(0),
            channel: RefCell::new(None),
            generation: Cell::new(0),
            me: me.clone(),
        })
    }

    /// Listens to the other tabs and restores a stored session. On `/callback` it waits
    /// for [`Engine::complete_callback`]; with `finish_here`, any page whose address
    /// carries a callback finishes it at once and then calls the navigation.
    pub fn start(self: Rc<Self>, finish_here: Option<Navigate>) {
        let weak = self.me.clone();
        let channel = Channel::open(storage_mode::CHANNEL, move |text| {
            if let Some(engine) = weak.upgrade() {
                engine.on_broadcast(&text);
            }
        });
        // Without BroadcastChannel a tab still works; it just will not hear the others.
        *self.channel.borrow_mut() = channel.ok();
        super::dpop::forget_unused_keys();
        let weak = self.me.clone();
        let _ = page::on_online(move || {
            if let Some(engine) = weak.upgrade() {
                engine.renew_when_online();
            }
        });
        if self.finish_handoff() {
            return;
        }
        if let Some(navigate) = finish_here {
            let carries_callback = page::href()
                .map(|href| return_to::carries_callback(&href))
                .unwrap_or(false);
            if carries_callback {
                self.complete_callback(navigate);
                return;
            }
        } else if page::pathname().is_ok_and(|p| return_to::is_callback_route(&p)) {
            self.set(AuthStatus::Working {
                step: words::step_checking("the provider"),
                provider_id: None,
            });
            return;
        }
        let returned = self.take_returned_failure();
        spawn_local(async move {
            self.clone().restore().await;
            if let Some(r) = returned {
                self.show_returned_failure(&r);
            }
        });
    }

    /// Takes an OAuth 1.0a failure the companion put in the address
    /// ([`companion_return`](super::companion_return)) out of it at once, so a reload or a
    /// "Try again" (which returns to the current path) does not carry it on.
    fn take_returned_failure(&self) -> Option<super::companion_return::Returned> {
        let here = page::path_query_fragment().ok()?;
        let (returned, clean) = super::companion_return::take(&here)?;
        if let Err(e) = page::replace_url(&clean) {
            web_sys::console::warn_1(&format!("latchkey: {e}").into());
        }
        Some(returned)
    }

    /// Shows such a failure once the stored session (if any) is back: inside the signed-in
    /// view when one is held (it is not lost), else above the provider list.
    fn show_returned_failure(&self, returned: &super::companion_return::Returned) {
        let provider = returned
            .provider_id
            .as_deref()
            .and_then(|id| self.provider(id))
            .filter(|p| p.protocol == Protocol::Oauth1)
            .map(|p| (p.name.clone(), p.id.clone()));
        let failure = returned.failure(provider.as_ref().map(|(n, i)| (n.as_str(), i.as_str())));
        let held = self
            .session
            .borrow()
            .as_ref()
            .map(|s| s.provider_id.clone());
        match held {
            Some(id) if self.set_problem(&id, Some(failure.clone())) => {}
            _ => self.fail(failure),
        }
    }

    /// Publishes a status to every subscriber.
    pub(super) fn set(&self, status: AuthStatus) {
        *self.status.borrow_mut() = status.clone();
        // A copy of the list: a subscriber may subscribe or unsubscribe while it runs.
        let subscribers: Vec<_> = self
            .subscribers
            .borrow()
            .iter()
            .map(|(_, f)| f.clone())
            .collect();
        for notify in subscribers {
            notify(&status);
        }
    }

    /// The last status published.
    pub fn status(&self) -> AuthStatus {
        self.status.borrow().clone()
    }

    /// Adds a subscriber; the number it returns removes it again ([`Engine::unsubscribe`]).
    pub fn subscribe(&self, notify: Rc<dyn Fn(&AuthStatus)>) -> u64 {
        let id = self.next_subscriber.get();
        self.next_subscriber.set(id.wrapping_add(1));
        self.subscribers.borrow_mut().push((id, notify));
        id
    }

    /// Removes a subscriber (nothing happens for an unknown number).
    pub fn unsubscribe(&self, id: u64) {
        self.subscribers.borrow_mut().retain(|(i, _)| *i != id);
    }

    /// Publishes a progress step.
    pub(super) fn step(&self, provider_id: &str, step: impl Into<String>) {
        self.set(AuthStatus::Working {
            step: step.into(),
            provider_id: Some(provider_id.to_owned()),
        });
    }

    /// Publishes a failure.
    pub(super) fn fail(&self, failure: AuthFailure) {
        self.set(AuthStatus::Failed(failure));
    }

    /// The configured provider with this id.
    pub fn provider(&self, id: &str) -> Option<&PublicProvider> {
        self.config.providers.iter().find(|p| p.id == id)
    }

    /// The provider's display name, or the id when unknown.
    pub(super) fn name_of(&self, id: &str) -> String {
        self.provider(id)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| id.to_owned())
    }

    /// A strong handle for a task.
    pub(super) fn rc(&self) -> Option<Rc<Engine>> {
        self.me.upgrade()
    }

    /// Starts sign-in (see [`Client::sign_in`](crate::Client::sign_in)).
    pub fn sign_in(self: Rc<Self>, provider_id: String, options: super::signin::SignInOptions) {
        spawn_local(async move {
            if let Err(e) = self.start_sign_in(&provider_id, options).await {
                let name = self.name_of(&provider_id);
                self.fail(e.failure(&name, &provider_id));
            }
        });
    }

    /// Finishes sign-in on `/callback` (once per page load).
    pub fn complete_callback(self: Rc<Self>, navigate: Navigate) {
        if self.callback_claimed.replace(true) {
            return;
        }
        spawn_local(async move {
            self.finish_callback(navigate).await;
        });
    }

    /// Signs out (see [`Client::sign_out`](crate::Client::sign_out)).
    pub fn sign_out(self: Rc<Self>) {
        spawn_local(async move {
            self.run_sign_out().await;
        });
    }

    /// Clears a failure.
    pub fn dismiss(self: Rc<Self>) {
        let view = self.session.borrow().as_ref().map(Session::view);
        self.set(match view {
            Some(v) => AuthStatus::SignedIn(v),
            None => AuthStatus::SignedOut,
        });
    }

    /// Installs a new session (or new tokens for the current one): publishes it, arms the
    /// refresh timer and, when this tab got the tokens, stores the refresh token where its
    /// provider says and (for `browser` storage) tells the other tabs.
    pub(super) fn install(&self, session: Session, source: Source) {
        let view = session.view();
        let provider = self.provider(&session.provider_id).cloned();
        if let (Some(p), Source::ThisTab) = (&provider, source) {
            if let Err(e) = session.persist(p.session_storage) {
                // The session still works in this page; only a reload will lose it.
                web_sys::console::warn_1(
                    &format!("latchkey: could not keep the session: {e}").into(),
                );
            }
            if storage_mode::plan(p.session_storage).broadcast {
                self.post(&Broadcast::Tokens(Box::new(session.clone())));
            }
        }
        if source == Source::ThisTab {
            self.forget_other_providers(&session.provider_id);
        }
        self.renew_round.set(0);
        self.arm_refresh_timer(&session);
        let old_key = self
            .session
            .borrow()
            .as_ref()
            .and_then(|old| old.dpop_key.clone())
            .filter(|old| session.dpop_key.as_ref() != Some(old));
        if let Some(id) = old_key {
            super::dpop::forget_later(id);
        }
        *self.session.borrow_mut() = Some(session);
        self.generation.set(self.generation.get().wrapping_add(1));
        self.set(AuthStatus::SignedIn(view));
    }

    /// Drops the session here (memory and storage) and shows the provider list or `failure`.
    pub(super) fn clear(&self, failure: Option<AuthFailure>) {
        if let Some(old) = self.session.borrow_mut().take() {
            if let Some(p) = self.provider(&old.provider_id) {
                Session::forget(&old.provider_id, p.session_storage);
            }
            if old.protocol == Protocol::Oauth1 {
                super::oauth1::mark_session(&old.provider_id, false);
            }
            // Tokens bound to the key are gone from here: so is the key.
            if let Some(id) = old.dpop_key {
                super::dpop::forget_later(id);
            }
        }
        *self.refresh_timer.borrow_mut() = None;
        self.generation.set(self.generation.get().wrapping_add(1));
        match failure {
            Some(f) => self.fail(f),
            None => self.set(AuthStatus::SignedOut),
        }
    }

    /// One session at a time: signing in with one provider drops stored sessions of others.
    fn forget_other_providers(&self, keep: &str) {
        for p in &self.config.providers {
            if p.id != keep && p.protocol != Protocol::Oauth1 {
                Session::forget(&p.id, p.session_storage);
            }
        }
    }

    /// Posts a message to the other tabs (best effort).
    pub(super) fn post(&self, message: &Broadcast) {
        if let Some(channel) = self.channel.borrow().as_ref() {
            let _ = channel.post(&message.to_json());
        }
    }

    fn on_broadcast(&self, text: &str) {
        let Some(message) = Broadcast::from_json(text) else {
            return;
        };
        match message {
            Broadcast::Tokens(session) => {
                // Only sessions kept in the shared store are shared.
                let shared = self
                    .provider(&session.provider_id)
                    .map(|p| storage_mode::plan(p.session_storage).broadcast)
                    .unwrap_or(false);
                if shared {
                    self.install(*session, Source::OtherTab);
                }
            }
            Broadcast::SignedOut { provider_id } => {
                let ours = self
                    .session
                    .borrow()
                    .as_ref()
                    .is_some_and(|s| s.provider_id == provider_id);
                if ours {
                    // The other tab already revoked and cleared storage.
                    *self.session.borrow_mut() = None;
                    self.clear(None);
                }
            }
        }
    }

    fn arm_refresh_timer(&self, session: &Session) {
        *self.refresh_timer.borrow_mut() = None;
        if !session.can_refresh() {
            self.arm_end_timer(session);
            return;
        }
        let Some(delay) =
            schedule::refresh_delay_ms(page::now_ms(), session.issued_at_ms, session.expires_at_ms)
        else {
            return;
        };
        let weak = self.me.clone();
        let provider_id = session.provider_id.clone();
        let timer = Timeout::new(delay, move || {
            if let Some(engine) = weak.upgrade() {
                spawn_local(async move {
                    engine.refresh_on_timer(provider_id).await;
                });
            }
        });
        *self.refresh_timer.borrow_mut() = timer.ok();
    }

    async fn refresh_on_timer(self: Rc<Self>, provider_id: String) {
        let current = self
            .session
            .borrow()
            .as_ref()
            .map(|s| s.provider_id.clone());
        if current.as_deref() != Some(provider_id.as_str()) {
            return;
        }
        if let Err(e) = self.refresh(&provider_id).await {
            self.refresh_failed(&provider_id, &e);
        }
    }

    /// After a failed renewal of the session in memory: a passing fault keeps the session
    /// (and its stored refresh token) and shows the failure inside the signed-in view; a
    /// refusal ends the session.
    /// Without a session in memory (restoring on load) a passing fault shows the failure
    /// and leaves the stored refresh token for "Try again".
    /// After a passing fault, either way, the renewal is tried again later by itself.
    pub(super) fn refresh_failed(&self, provider_id: &str, e: &super::RefreshError) {
        let failure = e.failure(&self.name_of(provider_id), provider_id);
        if let super::RefreshError::MaybeSpent(_) = e {
            self.stop_renewing(provider_id, failure);
            return;
        }
        if !e.is_transient() {
            if let Some(p) = self.provider(provider_id) {
                Session::forget(provider_id, p.session_storage);
            }
            self.clear(Some(failure));
        } else {
            if !self.set_problem(provider_id, Some(failure.clone())) {
                self.fail(failure);
            }
            self.try_again_later(provider_id);
        }
    }

    /// Shows (or clears) a problem inside the signed-in view of `provider_id`'s session.
    /// False when no such session is held.
    pub(super) fn set_problem(&self, provider_id: &str, problem: Option<AuthFailure>) -> bool {
        let view = {
            let mut slot = self.session.borrow_mut();
            let Some(session) = slot.as_mut().filter(|s| s.provider_id == provider_id) else {
                return false;
            };
            session.problem = problem;
            session.view()
        };
        self.set(AuthStatus::SignedIn(view));
        true
    }

    /// On load: a stored OAuth 2.0 session (renewed with its refresh token), else a
    /// companion session for an OAuth 1.0a provider, else signed out.
    pub(super) async fn restore(self: Rc<Self>) {
        let stored = self.config.providers.iter().find_map(|p| {
            (p.protocol != Protocol::Oauth1)
                .then(|| Session::stored(&p.id, p.session_storage))
                .flatten()
                .map(|stored| (p.id.clone(), stored))
        });
        if let Some((provider_id, mut stored)) = stored {
            // While its access token lasts, the stored session needs no renewal: a full load
            // of any page stays signed in at no cost, with or without a refresh token.
            if let Some(live) = stored.live.take() {
                if live.is_usable(page::now_ms()) {
                    self.install(live, Source::Storage);
                    return;
                }
            }
            if !stored.renewable() {
                // An access token that has expired, and nothing to renew it with: the person
                // was signed in, so they hear that it ended rather than find the sign-in page.
                if let Some(p) = self.provider(&provider_id) {
                    Session::forget(&provider_id, p.session_storage);
                }
                self.session_ran_out(&provider_id);
                return;
            }
            self.step(&provider_id, words::STEP_RENEWING);
            if let Err(e) = self.restore_with(&provider_id, stored).await {
                self.refresh_failed(&provider_id, &e);
            }
            return;
        }
        // A companion that cannot say is not a "no": the session the browser holds is kept
        // and the person told, unless nothing says this browser ever had one.
        let mut unknown = None;
        for p in self
            .config
            .providers
            .iter()
            .filter(|p| p.protocol == Protocol::Oauth1)
        {
            // On another site the page holds the sealed session itself (where
            // `session_storage` keeps it); the companion still says whether it is good.
            let sealed = if super::oauth1::hands_off() {
                let held = Session::stored(&p.id, p.session_storage)
                    .and_then(|s| s.live)
                    .and_then(|l| l.companion_session);
                if held.is_none() {
                    continue;
                }
                held
            } else {
                None
            };
            let handed = sealed.is_some();
            match super::oauth1::current_session(p, sealed).await {
                Ok(Some(session)) => {
                    if !handed {
                        super::oauth1::mark_session(&p.id, true);
                    }
                    self.install(session, Source::ThisTab);
                    return;
                }
                Ok(None) if handed => Session::forget(&p.id, p.session_storage),
                Ok(None) => super::oauth1::mark_session(&p.id, false),
                // The mark follows what the companion said; without an answer it stays.
                Err(e) if handed || super::oauth1::session_marked(&p.id) => {
                    unknown.get_or_insert_with(|| (p.id.clone(), e.failure(&p.name, &p.id)));
                }
                // Nothing says this browser had a session: signed out, as far as anyone knows
                // (the console has the reason).
                Err(_) => {}
            }
        }
        match unknown {
            Some((provider_id, failure)) => {
                self.fail(failure);
                self.try_again_later(&provider_id);
            }
            None => self.set(AuthStatus::SignedOut),
        }
    }
}

impl Engine {
    /// The provider's endpoints, resolved once per page (a failure is not kept, so a retry
    /// asks again).
    pub(super) async fn endpoints_for(
        &self,
        p: &PublicProvider,
    ) -> Result<Rc<Resolved>, super::DiscoveryError> {
        if let Some(found) = self.resolved_endpoints(&p.id) {
            return Ok(found);
        }
        let resolved = Rc::new(super::endpoints::resolve(p).await?);
        let mut all = self.endpoints.borrow_mut();
        all.retain(|(id, _)| *id != p.id);
        all.push((p.id.clone(), resolved.clone()));
        Ok(resolved)
    }

    /// The provider's endpoints, if this page resolved them already.
    pub(super) fn resolved_endpoints(&self, provider_id: &str) -> Option<Rc<Resolved>> {
        self.endpoints
            .borrow()
            .iter()
            .find(|(id, _)| id == provider_id)
            .map(|(_, resolved)| resolved.clone())
    }
}

impl From<BrowserError> for super::StartError {
    fn from(e: BrowserError) -> Self {
        super::StartError::Browser { reason: e.0 }
    }
}

impl From<BrowserError> for super::CallbackError {
    fn from(e: BrowserError) -> Self {
        super::CallbackError::Browser { reason: e.0 }
    }
}
