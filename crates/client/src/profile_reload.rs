//! Loading the profile (userinfo) again, when the signed-in view offers "Try again" after it
//! could not be loaded at sign-in or renewal.

use std::rc::Rc;

use wasm_bindgen_futures::spawn_local;

use super::engine::Engine;
use super::words;

impl Engine {
    /// "Try again" after the profile could not be loaded.
    pub fn load_profile_again(self: Rc<Self>) {
        spawn_local(async move {
            let held = self.session.borrow().as_ref().and_then(|s| {
                Some((
                    s.provider_id.clone(),
                    s.access_token.clone()?,
                    s.sub()?,
                    s.dpop_key.clone(),
                ))
            });
            let Some((provider_id, token, sub, key_id)) = held else {
                return;
            };
            let key = match key_id {
                Some(id) => crate::dpop::DpopKey::find(&id).await.ok().flatten(),
                None => None,
            };
            let Some(p) = self.provider(&provider_id).cloned() else {
                return;
            };
            // Signed in means the endpoints were resolved in this page already.
            let endpoint = self
                .resolved_endpoints(&provider_id)
                .and_then(|e| e.userinfo_endpoint.clone());
            let Some(endpoint) = endpoint else {
                self.set_problem(&provider_id, None);
                return;
            };
            self.step(&provider_id, words::STEP_PROFILE);
            match crate::exchange::userinfo(&endpoint, &token, key.as_ref(), &sub).await {
                Ok(claims) => {
                    if let Some(s) = self.session.borrow_mut().as_mut() {
                        s.userinfo = Some(claims);
                    }
                    self.set_problem(&provider_id, None);
                }
                Err(crate::exchange::UserinfoFailure::SubjectMismatch) => {
                    let e = crate::CallbackError::Userinfo {
                        detail: "its sub is not the ID token's".into(),
                    };
                    self.clear(Some(e.failure(Some((&p.name, &p.id)))));
                }
                Err(e) => {
                    self.set_problem(&provider_id, Some(e.problem(&p.name, &p.id)));
                }
            }
        });
    }
}
