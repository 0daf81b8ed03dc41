//! Finishing an OAuth 1.0a sign-in a companion on another site handed back to this page
//! ([`crate::oauth1`] has the pieces: the waiting sign-in, the code in the fragment, the
//! exchange): the engine's side of it.

use std::rc::Rc;

use wasm_bindgen_futures::spawn_local;

use super::engine::{Engine, Source};
use super::{words, AuthFailure};
use crate::browser::page;

impl Engine {
    /// Back from a companion on another site with a handoff code in the fragment: takes
    /// the sign-in this tab started, puts the address back to where it was, and exchanges
    /// the code for the sealed session. True when the address carried a code.
    pub(super) fn finish_handoff(self: &Rc<Self>) -> bool {
        let Some((code, provider_id)) = page::href()
            .ok()
            .and_then(|href| super::oauth1::returned_code(&href))
        else {
            return false;
        };
        let waiting = super::oauth1::Handoff::take();
        // The code leaves the address at once, whatever follows.
        let back = waiting.as_ref().map_or_else(
            || page::pathname().unwrap_or_else(|_| "/".into()),
            |w| w.return_to.clone(),
        );
        if let Err(e) = page::replace_url(&back) {
            web_sys::console::warn_1(&format!("latchkey: {e}").into());
        }
        let name = self.name_of(&provider_id);
        let me = self.clone();
        spawn_local(async move {
            me.step(&provider_id, words::step_checking(&name));
            let result = match waiting {
                None => Err(super::oauth1::HandoffError::NotStartedHere),
                Some(w) if w.provider_id != provider_id => {
                    Err(super::oauth1::HandoffError::OtherProvider)
                }
                Some(w) => super::oauth1::exchange(&provider_id, &code, &w.verifier).await,
            };
            let session = match result {
                Ok(sealed) => match me.provider(&provider_id).cloned() {
                    Some(p) => super::oauth1::current_session(&p, Some(sealed)).await,
                    None => Ok(None),
                },
                Err(e) => {
                    me.fail(AuthFailure {
                        title: words::TITLE_SIGN_IN_FAILED.into(),
                        message: words::handoff_failed(&name, &e.to_string()),
                        retry: crate::RetryAction::SignIn {
                            provider_id: provider_id.clone(),
                        },
                        provider_id: Some(provider_id),
                    });
                    return;
                }
            };
            match session {
                Ok(Some(session)) => me.install(session, Source::ThisTab),
                Err(e) => me.fail(AuthFailure {
                    title: words::TITLE_SIGN_IN_FAILED.into(),
                    message: words::handoff_failed(
                        &name,
                        &format!(
                            "the sign-in server could not confirm the session it handed over ({e})"
                        ),
                    ),
                    retry: crate::RetryAction::SignIn {
                        provider_id: provider_id.clone(),
                    },
                    provider_id: Some(provider_id),
                }),
                Ok(None) => me.fail(AuthFailure {
                    title: words::TITLE_SIGN_IN_FAILED.into(),
                    message: words::handoff_failed(
                        &name,
                        "the sign-in server did not recognise the session it handed over",
                    ),
                    retry: crate::RetryAction::SignIn {
                        provider_id: provider_id.clone(),
                    },
                    provider_id: Some(provider_id),
                }),
            }
        });
        true
    }
}
