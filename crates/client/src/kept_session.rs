//! A session kept after a renewal that met a passing fault (no answer, a server's failure),
//! tried again: by a timer, later each time ([`schedule::retry_delay_ms`]); when the browser
//! comes back online; and by the failure's "Try again". For OAuth 1.0a the same goes for a
//! session the companion could not check. A renewal whose answer may have been lost is never
//! among these: [`refresh`](super::refresh) ends such a session when its access token does.

use std::rc::Rc;

use latchkey_proto::public_config::Protocol;
use wasm_bindgen_futures::spawn_local;

use super::engine::Engine;
use super::session::Session;
use super::{schedule, words, AuthStatus};
use crate::browser::timer;

impl Engine {
    /// Back online: a session kept after a renewal (or an OAuth 1.0a session check) that got
    /// no answer is tried again, as its "Try again" would, so a phone that lost its network
    /// for a while gets its session back without a press. Nothing else is retried.
    pub(super) fn renew_when_online(self: Rc<Self>) {
        let kept = match &self.status() {
            AuthStatus::Failed(failure) => failure.retry.renews().map(str::to_owned),
            AuthStatus::SignedIn(view) => view
                .problem
                .as_ref()
                .and_then(|p| p.retry.renews())
                .map(str::to_owned),
            _ => None,
        };
        if let Some(provider_id) = kept {
            self.renew_again(provider_id);
        }
    }

    /// After a renewal that met a passing fault: tries again by itself, later each time
    /// ([`schedule::retry_delay_ms`]), until tokens come (from here, "Try again", the browser
    /// back online, another tab) or a refusal ends the session. A new session, a sign-out or
    /// a new failure replaces the timer.
    pub(super) fn try_again_later(&self, provider_id: &str) {
        let round = self.renew_round.get();
        self.renew_round.set(round.saturating_add(1));
        let weak = self.me.clone();
        let provider_id = provider_id.to_owned();
        let timer = timer::Timeout::new(schedule::retry_delay_ms(round), move || {
            if let Some(engine) = weak.upgrade() {
                spawn_local(engine.try_again_quietly(provider_id));
            }
        });
        *self.refresh_timer.borrow_mut() = timer.ok();
    }

    /// The timer's new try: the session in memory, else (while the page still shows its
    /// failure: nothing else started since) the stored one, or for OAuth 1.0a the
    /// companion's answer. No step is shown: the failure's words stay until tokens come.
    async fn try_again_quietly(self: Rc<Self>, provider_id: String) {
        let held = self
            .session
            .borrow()
            .as_ref()
            .is_some_and(|s| s.provider_id == provider_id);
        let result = if held {
            self.refresh(&provider_id).await
        } else {
            let shown = matches!(&self.status(), AuthStatus::Failed(f)
                if f.retry.renews() == Some(provider_id.as_str()));
            let Some((protocol, storage)) = self
                .provider(&provider_id)
                .filter(|_| shown)
                .map(|p| (p.protocol, p.session_storage))
            else {
                return;
            };
            if protocol == Protocol::Oauth1 {
                // The load's own check again; it tries later still if the companion
                // cannot say.
                self.restore().await;
                return;
            }
            let Some(stored) = Session::stored(&provider_id, storage) else {
                return;
            };
            self.restore_with(&provider_id, stored).await
        };
        if let Err(e) = result {
            self.refresh_failed(&provider_id, &e);
        }
    }

    /// "Try again" after a failed renewal: the session in memory, or the stored one.
    pub fn renew_again(self: Rc<Self>, provider_id: String) {
        spawn_local(async move {
            let held = self
                .session
                .borrow()
                .as_ref()
                .is_some_and(|s| s.provider_id == provider_id);
            if !held {
                // Marked as under way, so the failure's "Try again" is not pressed twice.
                self.step(&provider_id, words::STEP_CHECKING_SESSION);
                self.restore().await;
                return;
            }
            self.step(&provider_id, words::STEP_RENEWING);
            if let Err(e) = self.refresh(&provider_id).await {
                self.refresh_failed(&provider_id, &e);
            }
        });
    }
}
