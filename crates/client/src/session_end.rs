//! How a session that can no longer be renewed ends: while its access token lasts it is
//! kept, with the reason shown inside it; when the access token runs out (or has already),
//! the person is told in words and offered a new sign-in, instead of a silent sign-out.

use super::engine::Engine;
use super::session::Session;
use super::{words, AuthFailure};
use crate::browser::page;
use crate::browser::timer::Timeout;

impl Engine {
    /// A session nothing can renew ends when its access token does: the person is told in
    /// words and offered a new sign-in.
    pub(super) fn arm_end_timer(&self, session: &Session) {
        let Some(expires) = session.expires_at_ms else {
            return;
        };
        let weak = self.me.clone();
        let provider_id = session.provider_id.clone();
        let delay = expires.saturating_sub(page::now_ms());
        let timer = Timeout::new(delay, move || {
            if let Some(engine) = weak.upgrade() {
                let current = engine
                    .session
                    .borrow()
                    .as_ref()
                    .map(|s| (s.provider_id.clone(), s.can_refresh()));
                if current == Some((provider_id.clone(), false)) {
                    engine.session_ran_out(&provider_id);
                }
            }
        });
        *self.refresh_timer.borrow_mut() = timer.ok();
    }

    /// Ends a session whose access token expired with nothing to renew it.
    pub(super) fn session_ran_out(&self, provider_id: &str) {
        let name = self.name_of(provider_id);
        self.clear(Some(AuthFailure {
            title: words::TITLE_SESSION_ENDED.into(),
            message: words::session_ran_out(&name),
            retry: crate::RetryAction::SignIn {
                provider_id: provider_id.to_owned(),
            },
            provider_id: Some(provider_id.to_owned()),
        }));
    }

    /// After a refresh whose outcome is unclear: the refresh token is never sent again (here
    /// or, through storage, from another tab), and the session lasts while its access token
    /// does, with `failure` saying so. Without a session in memory (restoring on load) there
    /// is nothing to keep: the failure is shown above the provider list.
    pub(super) fn stop_renewing(&self, provider_id: &str, failure: AuthFailure) {
        let Some(p) = self.provider(provider_id).cloned() else {
            return;
        };
        Session::drop_refresh_token(provider_id, p.session_storage);
        let held = {
            let mut slot = self.session.borrow_mut();
            match slot.as_mut().filter(|s| s.provider_id == provider_id) {
                Some(session) => {
                    session.refresh_token = None;
                    session.refresh_in_companion = false;
                    Some(session.clone())
                }
                None => None,
            }
        };
        // Without its refresh token, the session lasts while its access token does, then
        // ends in words. An access token already past its expiry ends it now, with the words
        // of why it could not be renewed.
        let now = page::now_ms();
        match held {
            Some(session) if session.expires_at_ms.is_some_and(|e| e <= now) => {
                self.clear(Some(AuthFailure {
                    title: words::TITLE_SESSION_ENDED.into(),
                    ..failure
                }));
            }
            Some(session) => {
                self.arm_end_timer(&session);
                if !self.set_problem(provider_id, Some(failure.clone())) {
                    self.fail(failure);
                }
            }
            None => {
                *self.refresh_timer.borrow_mut() = None;
                Session::forget(provider_id, p.session_storage);
                self.fail(failure);
            }
        }
    }
}
